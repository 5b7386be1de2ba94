/**
 * The CloudWatch backend's query table: one metric or metric-math spec per signal, total over `SignalId` (a missing
 * signal is a tsc error). Pure data, no SDK: aws.ts will turn the specs into `MetricAlarm` metric queries and
 * dashboard widgets once its refactor lands.
 *
 * Values that only aws.ts knows are tokens `{name}` (see {@link AwsRef}) inside dimension values and expressions;
 * aws.ts substitutes them with the Outputs of the other components. Signals that break down by workload or volume
 * are a `set` (one alarm per member). App signals beyond QueueDepth come from the `Loom` namespace the ADOT sidecar
 * (or the app's EMF lines) publishes: docs/metrics.md §3.
 */
import type { SignalId, Window } from "./signals";
import { LATENCY_SLO_SECONDS } from "./slo";

export type AwsRef =
  | "environment"
  | "loadBalancer"
  | "clusterName"
  | "webService"
  | "workerService"
  | "dbInstance"
  | "dbAllocatedBytes"
  | "dbMemoryBytes"
  | "cacheCluster"
  | "certificateArn"
  | "backupVault";

/** A value aws.ts fills in: `{loadBalancer}`. */
export type Token = `{${AwsRef}}`;

export type CwStat = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount" | `p${number}` | `PR(${string})`;

export interface CwMetric {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, Token>>;
  stat: CwStat;
}

/**
 * `period`: "1m" = one-minute points (alarms evaluate `for` of them); "window" = one point over the signal's window
 * (burn rates: 1 h … 3 d periods).
 */
export type CwLeaf =
  | { kind: "metric"; metric: CwMetric; period?: "1m" | "window" }
  | {
      kind: "math";
      /** Metric math over the `inputs` ids (lower case); may contain tokens. */
      expression: string;
      inputs: Readonly<Record<string, CwMetric>>;
      period?: "1m" | "window";
    };

export type CwQuery = CwLeaf | { kind: "set"; members: Readonly<Record<string, CwLeaf>> };

const m = (namespace: string, metricName: string, dimensions: Record<string, Token>, stat: CwStat): CwMetric => ({
  namespace,
  metricName,
  dimensions,
  stat,
});
const alb = (name: string, stat: CwStat) => m("AWS/ApplicationELB", name, { LoadBalancer: "{loadBalancer}" }, stat);
const rds = (name: string, stat: CwStat) => m("AWS/RDS", name, { DBInstanceIdentifier: "{dbInstance}" }, stat);
const cache = (name: string, stat: CwStat) => m("AWS/ElastiCache", name, { CacheClusterId: "{cacheCluster}" }, stat);
const app = (name: string, stat: CwStat) => m("Loom", name, { Environment: "{environment}" }, stat);
const insights = (service: "{webService}" | "{workerService}", name: string, stat: CwStat) =>
  m("ECS/ContainerInsights", name, { ClusterName: "{clusterName}", ServiceName: service }, stat);

const metric = (x: CwMetric, period?: "window"): CwLeaf => ({
  kind: "metric",
  metric: x,
  ...(period ? { period } : {}),
});
const math = (expression: string, inputs: Record<string, CwMetric>, period?: "window"): CwLeaf => ({
  kind: "math",
  expression,
  inputs,
  ...(period ? { period } : {}),
});

const serviceRatio = (service: "{webService}" | "{workerService}", used: string, reserved: string) =>
  math("used / reserved", {
    used: insights(service, used, "Average"),
    reserved: insights(service, reserved, "Average"),
  });

export const CLOUDWATCH: Readonly<Record<SignalId, CwQuery>> = {
  "http-request-rate": math("requests / PERIOD(requests)", { requests: alb("RequestCount", "Sum") }),
  "http-error-ratio": math(
    "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
    {
      target5xx: alb("HTTPCode_Target_5XX_Count", "Sum"),
      elb5xx: alb("HTTPCode_ELB_5XX_Count", "Sum"),
      requests: alb("RequestCount", "Sum"),
    },
    "window",
  ),
  // Percentile rank: the share of responses at or under the SLO threshold, in percent.
  "http-slow-ratio": math(
    "1 - fast / 100",
    { fast: alb("TargetResponseTime", `PR(:${LATENCY_SLO_SECONDS})`) },
    "window",
  ),
  "http-latency-p95": metric(alb("TargetResponseTime", "p95")),
  // The ALB knows no routes: the total 5xx rate stands in on AWS (routes are in the app logs, docs/metrics.md §3).
  "http-errors-by-route": math("FILL(target5xx, 0) / PERIOD(target5xx)", {
    target5xx: alb("HTTPCode_Target_5XX_Count", "Sum"),
  }),
  "queue-depth": metric(app("QueueDepth", "Average")),
  "review-rate": math("reviews / PERIOD(reviews)", { reviews: app("ReviewsCompleted", "Sum") }),
  "review-duration-p95": metric(app("ReviewDuration", "p95")),
  "reviews-requested-rate": math("requested / PERIOD(requested)", { requested: app("ReviewsRequested", "Sum") }),
  "active-users": metric(app("ActiveUsers", "Maximum")),
  "jobs-failed-rate": math("FILL(failed, 0) / PERIOD(failed)", { failed: app("JobsFailed", "Sum") }),
  "llm-request-rate": math("calls / PERIOD(calls)", { calls: app("LlmRequests", "Sum") }),
  "llm-failure-ratio": math("FILL(failed, 0) / calls", {
    failed: app("LlmRequestFailures", "Sum"),
    calls: app("LlmRequests", "Sum"),
  }),
  "llm-latency-p95": metric(app("LlmRequestDuration", "p95")),
  "llm-token-rate": math("tokens / PERIOD(tokens)", { tokens: app("LlmTokens", "Sum") }),
  "llm-cost-rate": math("3600 * cost / PERIOD(cost)", { cost: app("LlmCostUsd", "Sum") }),
  "db-query-p95": metric(app("DbQueryDuration", "p95")),
  // RDS publishes CPUUtilization every minute while the instance runs: no sample = down (missing data breaches).
  "database-up": math("IF(FILL(samples, 0) > 0, 1, 0)", { samples: rds("CPUUtilization", "SampleCount") }),
  "database-cpu-ratio": math("cpu / 100", { cpu: rds("CPUUtilization", "Average") }),
  "database-free-storage-ratio": math("free / {dbAllocatedBytes}", { free: rds("FreeStorageSpace", "Minimum") }),
  "database-connections": metric(rds("DatabaseConnections", "Average")),
  "cache-memory-ratio": math("used / 100", { used: cache("DatabaseMemoryUsagePercentage", "Maximum") }),
  "memory-working-set-ratio": {
    kind: "set",
    members: {
      web: serviceRatio("{webService}", "MemoryUtilized", "MemoryReserved"),
      worker: serviceRatio("{workerService}", "MemoryUtilized", "MemoryReserved"),
      database: math("1 - freeable / {dbMemoryBytes}", { freeable: rds("FreeableMemory", "Minimum") }),
      cache: math("used / 100", { used: cache("DatabaseMemoryUsagePercentage", "Maximum") }),
    },
  },
  "workload-cpu-ratio": {
    kind: "set",
    members: {
      web: serviceRatio("{webService}", "CpuUtilized", "CpuReserved"),
      worker: serviceRatio("{workerService}", "CpuUtilized", "CpuReserved"),
      database: math("cpu / 100", { cpu: rds("CPUUtilization", "Average") }),
      cache: math("cpu / 100", { cpu: cache("EngineCPUUtilization", "Average") }),
    },
  },
  // ElastiCache keeps data in memory (no volume to fill): the database volume is the only one on AWS.
  "volume-free-ratio": {
    kind: "set",
    members: { database: math("free / {dbAllocatedBytes}", { free: rds("FreeStorageSpace", "Minimum") }) },
  },
  "replicas-unavailable": {
    kind: "set",
    members: {
      web: math("desired - running", {
        desired: insights("{webService}", "DesiredTaskCount", "Average"),
        running: insights("{webService}", "RunningTaskCount", "Average"),
      }),
      worker: math("desired - running", {
        desired: insights("{workerService}", "DesiredTaskCount", "Average"),
        running: insights("{workerService}", "RunningTaskCount", "Average"),
      }),
    },
  },
  // Published by the backup job itself after each successful run (components/backups/job-script.ts), not by ADOT.
  "backups-succeeded": metric(app("LogicalBackupSuccess", "Sum")),
  // Published by the job beside LogicalBackupSuccess: size / previous size (1 when there is no previous backup).
  "backup-size-ratio": metric(app("LogicalBackupSizeRatio", "Minimum")),
  // AWS Backup counts copy jobs (to the DR vault) under the source vault; the Sum is the failures per period.
  "backup-dr-copy-failures": metric(
    m("AWS/Backup", "NumberOfCopyJobsFailed", { BackupVaultName: "{backupVault}" }, "Sum"),
  ),
  "certificate-expiry-seconds": math("days * 86400", {
    days: m("AWS/CertificateManager", "DaysToExpiry", { CertificateArn: "{certificateArn}" }, "Minimum"),
  }),
};

/** The period, in seconds, a query is evaluated at over a window. */
export function periodSeconds(q: CwLeaf, windowSeconds: number): number {
  return q.period === "window" ? windowSeconds : 60;
}

/** The members of a query (a set's members, or the query itself under the signal's name). */
export function members(q: CwQuery): [string, CwLeaf][] {
  return q.kind === "set" ? Object.entries(q.members) : [["all", q]];
}

/** Every token a query needs aws.ts to fill in. */
export function tokensOf(q: CwQuery): AwsRef[] {
  const text = JSON.stringify(q);
  return [...new Set([...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((x) => x[1] as AwsRef))];
}

export type { Window };
