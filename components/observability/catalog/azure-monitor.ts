/**
 * The Azure Monitor backend's query table: per signal one KQL query over the stack's Log Analytics workspace and,
 * where Azure Monitor has a platform metric for it, the metric (namespace, name, a linear map to the signal's unit),
 * total over `SignalId` (a missing signal is a tsc error). Pure data, no SDK: observability/azure-alerts.ts turns a
 * threshold on a metric signal into `monitor:MetricAlert`s (one per member resource) and every other alert into a
 * `monitor:ScheduledQueryRule` over the KQL; azure-dashboards.ts draws the KQL in workbooks.
 *
 * Each KQL query ends in a `value` column (plus one column per `by` label of the signal), in the signal's unit.
 *
 * Sources (all in the workspace; every component's diagnostic setting sends `allLogs` + `AllMetrics` there):
 * - platform metrics: the `AzureMetrics` table for KQL (no dimensions: Log Analytics flattens them), the metric
 *   itself for metric alerts — PostgreSQL flexible server (`cpu_percent`, `memory_percent`, `storage_percent`,
 *   `active_connections`, `is_db_alive`), Azure Managed Redis (`usedmemorypercentage`, `serverLoad`), Container
 *   Apps (`Replicas`, `CpuPercentage`, `MemoryPercentage`);
 * - HTTP: the Application Gateway's access log (`AzureDiagnostics`, category `ApplicationGatewayAccessLog`:
 *   `httpStatus_d`, `timeTaken_d` in seconds) — every request the edge served, 5xx of a dead backend included;
 *   without a gateway (dev) the app's request telemetry (`AppRequests`, `ResultCode`, `DurationMs`);
 * - the app's /metrics contract (docs/metrics.md §2): the app exports its OpenTelemetry metrics with the Azure
 *   Monitor exporter to the stack's workspace-based Application Insights, where they land in `AppMetrics` (`Name`,
 *   `Sum`, `ItemCount`, `Max`, `Properties` = the attributes, `AppRoleName` = OTEL_SERVICE_NAME). Container Apps'
 *   managed OpenTelemetry agent sends traces and logs to Application Insights but not metrics, and Azure Monitor
 *   managed Prometheus scrapes AKS/Arc only, so the exporter is the path with no collector to run (docs/observability.md#azure);
 * - the logical backup job (`azureBackupJobName` of components/backups/azure-job-script.ts): its console log (the job prints its
 *   metrics file, components/backups/job-script.ts, after the upload) in `ContainerAppConsoleLogs_CL` (log-analytics
 *   destination) or `ContainerAppConsoleLogs` (azure-monitor destination) — both read, whichever exists;
 * - the Backup vault's job log (`AddonAzureBackupJobs`, resource-specific) for the DR signal.
 *
 * Signals Azure cannot measure as the catalog says (the query is the closest real thing):
 * - quantiles of the app's histograms (`review-duration-p95`, `llm-latency-p95`, `db-query-p95`): Application
 *   Insights aggregates a histogram to sum/count/min/max per export interval, so the query is the largest
 *   observation of the window (`Max`), an upper bound of the p95;
 * - `http-slow-ratio` counts requests slower than the SLO threshold from the access log (exact, no buckets needed);
 * - `replicas-unavailable`: Container Apps has no desired count; 1 while a workload has no replica (min ≥ 1);
 * - `volume-free-ratio`: Managed Redis has no volume in Azure Monitor; the server's storage is the only member;
 * - `certificate-expiry-seconds`: Azure Monitor has no metric of the certificate the gateway serves (it loads the
 *   Key Vault secret's latest version itself); a constant 400 days, so `certificate-expiry` cannot fire falsely —
 *   Key Vault's `CertificateNearExpiry` event is the real signal, not wired here (docs/alerting.md#azure);
 * - `backup-dr-copy-failures`: the vault replicates GeoRedundant storage itself (no copy job): failed vault backup
 *   jobs of the last hour, as no new recovery point reaches the paired region; 0 without disaster recovery.
 */
import type { SignalId, Window } from "./signals";
import { LATENCY_SLO_SECONDS } from "./slo";

/** What azure.ts fills in: ARM ids and names of the other components, resolved before rendering. */
export interface AmRefs {
  webAppId: string;
  workerAppId: string;
  /** The primary flexible server's ARM id. */
  serverId: string;
  /** The Managed Redis cluster's ARM id. */
  clusterId: string;
  /** The Application Gateway's ARM id; undefined without the load balancer (dev). */
  gatewayId?: string;
  /** The app's OTEL_SERVICE_NAMEs (Application Insights role names). */
  webService: string;
  workerService: string;
  /** The logical backup job's Container Apps job name. */
  backupJob: string;
  /** Whether there is a geo-redundant vault copy to fail (disaster recovery on). */
  drCopy: boolean;
}

/** The component whose ARM id a metric alert is scoped to. */
export type AmResource = "web" | "worker" | "database" | "cache";

/** A platform metric of one resource; signal = (metric − offset) / scale. */
export interface AmMetric {
  resource: AmResource;
  namespace: string;
  metric: string;
  /** Metric units per signal unit (100 for a percent metric of a ratio signal; −100 for "free" of a used %). */
  scale: number;
  /** Metric value at signal 0 (100 for free = 1 − used%/100). @default 0 */
  offset?: number;
}

export interface AmQuery {
  /** KQL over the workspace, ending in `value` (and the signal's `by` columns). */
  kql: (r: AmRefs, w: Window) => string;
  /** Per member (the `by` label's value, or `""` for a signal without one), the platform metric. */
  metric?: Readonly<Record<string, AmMetric>>;
  /** How far back the query reads beyond its window (e.g. 26h for the backup count), in seconds. */
  lookbackSeconds?: number;
}

export const NS = {
  postgres: "Microsoft.DBforPostgreSQL/flexibleServers",
  redis: "Microsoft.Cache/redisEnterprise",
  app: "Microsoft.App/containerApps",
} as const;

/** A KQL string literal. */
const q = (v: string) => JSON.stringify(v);
const ago = (w: string) => `TimeGenerated > ago(${w})`;

/** The latest value of an AzureMetrics series of one resource (AzureMetrics' ResourceId is upper case: `=~`). */
const latest = (resourceId: string, metric: string, column: "Maximum" | "Minimum" | "Average", w = "15m") =>
  `AzureMetrics | where ${ago(w)} and ResourceId =~ ${q(resourceId)} and MetricName == ${q(metric)} | top 1 by TimeGenerated desc | project value = ${column}`;
const percent = (resourceId: string, metric: string) =>
  `${latest(resourceId, metric, "Maximum")} | extend value = value / 100`;
/** Members of a per-label signal: `union` of one query per member, each tagged with the label. */
const members = (label: string, m: Record<string, string>) =>
  `union ${Object.entries(m)
    .map(([value, query]) => `(${query} | extend ${label} = ${q(value)})`)
    .join(", ")}`;

/** Every web request: the gateway's access log (status, seconds, route) or, without a gateway, AppRequests. */
const requests = (r: AmRefs, w: string) =>
  r.gatewayId
    ? `AzureDiagnostics | where ${ago(w)} and Category == "ApplicationGatewayAccessLog" and ResourceId =~ ${q(r.gatewayId)} | project status = toint(httpStatus_d), seconds = todouble(timeTaken_d), route = tostring(split(requestUri_s, "?")[0])`
    : `AppRequests | where ${ago(w)} and AppRoleName == ${q(r.webService)} | project status = toint(ResultCode), seconds = DurationMs / 1000.0, route = Name`;

/** The app's metric `name` from AppMetrics (both services), with its attributes. */
const appMetric = (r: AmRefs, name: string, w = "5m") =>
  `AppMetrics | where ${ago(w)} and Name == ${q(name)} and AppRoleName in (${q(r.webService)}, ${q(r.workerService)})`;
/** Per second over 5 minutes of a counter (Sum = the increments exported in the window), by attributes. */
/** The attributes `by` as string columns, and the matching `by` clause. */
const attrs = (by: string[]) =>
  by.length
    ? {
        extend: ` | extend ${by.map((b) => `${b} = tostring(Properties[${q(b)}])`).join(", ")}`,
        by: ` by ${by.join(", ")}`,
      }
    : { extend: "", by: "" };
const perSecond = (r: AmRefs, name: string, by: string[], column = "Sum") => {
  const a = attrs(by);
  return `${appMetric(r, name)}${a.extend} | summarize value = sum(${column}) / 300.0${a.by}`;
};
const histogramMax = (r: AmRefs, name: string, by: string[]) => {
  const a = attrs(by);
  return `${appMetric(r, name)}${a.extend} | summarize value = max(Max)${a.by}`;
};

/** The backup job's console lines over `w` (either Container Apps log table). */
const backupLog = (r: AmRefs, w: string) =>
  `union isfuzzy=true (ContainerAppConsoleLogs_CL | project TimeGenerated, Job = column_ifexists("ContainerJobName_s", ""), Log = Log_s), (ContainerAppConsoleLogs | project TimeGenerated, Job = column_ifexists("ContainerJobName", column_ifexists("JobName", "")), Log) | where ${ago(w)} and Job == ${q(r.backupJob)}`;

const pg = (metric: string, scale = 100, offset = 0): AmMetric => ({
  resource: "database",
  namespace: NS.postgres,
  metric,
  scale,
  ...(offset ? { offset } : {}),
});
const redis = (metric: string): AmMetric => ({ resource: "cache", namespace: NS.redis, metric, scale: 100 });
const aca = (resource: "web" | "worker", metric: string, scale = 100, offset = 0): AmMetric => ({
  resource,
  namespace: NS.app,
  metric,
  scale,
  ...(offset ? { offset } : {}),
});

const errorRatio = (r: AmRefs, w: string) =>
  `${requests(r, w)} | summarize total = count(), bad = countif(status >= 500) | project value = iff(total == 0, 0.0, todouble(bad) / total)`;

export const AZURE_MONITOR: Readonly<Record<SignalId, AmQuery>> = {
  "http-request-rate": { kql: (r) => `${requests(r, "5m")} | summarize value = count() / 300.0` },
  "http-error-ratio": { kql: (r, w) => errorRatio(r, w) },
  "http-slow-ratio": {
    kql: (r, w) =>
      `${requests(r, w)} | summarize total = count(), slow = countif(seconds > ${LATENCY_SLO_SECONDS}) | project value = iff(total == 0, 0.0, todouble(slow) / total)`,
  },
  "http-latency-p95": { kql: (r) => `${requests(r, "5m")} | summarize value = percentile(seconds, 95)` },
  "http-errors-by-route": {
    kql: (r) => `${requests(r, "5m")} | where status >= 500 | summarize value = count() / 300.0 by route`,
  },
  // Every worker exports the same global gauge: the largest value of the window.
  "queue-depth": { kql: (r) => `${appMetric(r, "loom_queue_depth")} | summarize value = max(Max)` },
  "review-rate": {
    kql: (r) => perSecond(r, "loom_review_duration_seconds", ["outcome"], "ItemCount"),
  },
  "review-duration-p95": { kql: (r) => histogramMax(r, "loom_review_duration_seconds", []) },
  "reviews-requested-rate": { kql: (r) => perSecond(r, "loom_reviews_requested_total", ["trigger"]) },
  "active-users": {
    kql: (r) =>
      `${appMetric(r, "loom_active_users")} | extend window = tostring(Properties["window"]) | summarize value = max(Max) by window`,
  },
  "jobs-failed-rate": { kql: (r) => perSecond(r, "loom_jobs_failed_total", ["reason"]) },
  "llm-request-rate": { kql: (r) => perSecond(r, "loom_llm_request_duration_seconds", ["provider"], "ItemCount") },
  "llm-failure-ratio": {
    kql: (r) =>
      `${appMetric(r, "loom_llm_request_duration_seconds")} | extend provider = tostring(Properties["provider"]), failed = tostring(Properties["outcome"]) != "success" | summarize total = sum(ItemCount), bad = sumif(ItemCount, failed) by provider | project provider, value = iff(total == 0, 0.0, todouble(bad) / total)`,
  },
  "llm-latency-p95": { kql: (r) => histogramMax(r, "loom_llm_request_duration_seconds", ["provider"]) },
  "llm-token-rate": { kql: (r) => perSecond(r, "loom_llm_tokens_total", ["provider", "direction"]) },
  "llm-cost-rate": {
    kql: (r) => `${perSecond(r, "loom_llm_cost_usd_total", ["provider", "model"])} | extend value = value * 3600`,
  },
  "db-query-p95": { kql: (r) => histogramMax(r, "loom_db_query_duration_seconds", ["operation"]) },
  "database-up": {
    kql: (r) => latest(r.serverId, "is_db_alive", "Minimum", "5m"),
    metric: { "": pg("is_db_alive", 1) },
  },
  "database-cpu-ratio": { kql: (r) => percent(r.serverId, "cpu_percent"), metric: { "": pg("cpu_percent") } },
  "database-free-storage-ratio": {
    kql: (r) => `${percent(r.serverId, "storage_percent")} | extend value = 1 - value`,
    metric: { "": pg("storage_percent", -100, 100) },
  },
  "database-connections": {
    kql: (r) => latest(r.serverId, "active_connections", "Maximum"),
    metric: { "": pg("active_connections", 1) },
  },
  "cache-memory-ratio": {
    kql: (r) => percent(r.clusterId, "usedmemorypercentage"),
    metric: { "": redis("usedmemorypercentage") },
  },
  "memory-working-set-ratio": {
    kql: (r) =>
      members("workload", {
        web: percent(r.webAppId, "MemoryPercentage"),
        worker: percent(r.workerAppId, "MemoryPercentage"),
        database: percent(r.serverId, "memory_percent"),
        cache: percent(r.clusterId, "usedmemorypercentage"),
      }),
    metric: {
      web: aca("web", "MemoryPercentage"),
      worker: aca("worker", "MemoryPercentage"),
      database: pg("memory_percent"),
      cache: redis("usedmemorypercentage"),
    },
  },
  "workload-cpu-ratio": {
    kql: (r) =>
      members("workload", {
        web: percent(r.webAppId, "CpuPercentage"),
        worker: percent(r.workerAppId, "CpuPercentage"),
        database: percent(r.serverId, "cpu_percent"),
        cache: percent(r.clusterId, "serverLoad"),
      }),
    metric: {
      web: aca("web", "CpuPercentage"),
      worker: aca("worker", "CpuPercentage"),
      database: pg("cpu_percent"),
      cache: redis("serverLoad"),
    },
  },
  "volume-free-ratio": {
    kql: (r) => members("volume", { database: `${percent(r.serverId, "storage_percent")} | extend value = 1 - value` }),
    metric: { database: pg("storage_percent", -100, 100) },
  },
  // unavailable = 1 − Replicas while there are none (replicas = 1 − signal: signal ≥ 1 ⇔ Replicas ≤ 0).
  "replicas-unavailable": {
    kql: (r) =>
      members("workload", {
        web: `${latest(r.webAppId, "Replicas", "Maximum")} | extend value = iff(value < 1, 1.0, 0.0)`,
        worker: `${latest(r.workerAppId, "Replicas", "Maximum")} | extend value = iff(value < 1, 1.0, 0.0)`,
      }),
    metric: { web: aca("web", "Replicas", -1, 1), worker: aca("worker", "Replicas", -1, 1) },
  },
  // No Azure Monitor source (see the header): a constant 400 days, so the alert never fires falsely.
  "certificate-expiry-seconds": { kql: () => `print value = ${400 * 86400}` },
  // The job prints its metrics file after a successful upload: one size line per successful run.
  "backups-succeeded": {
    kql: (r) => `${backupLog(r, "26h")} | where Log startswith "loom_backup_size_bytes" | summarize value = count()`,
    lookbackSeconds: 26 * 3600,
  },
  "backup-size-ratio": {
    kql: (r) =>
      `${backupLog(r, "26h")} | where Log startswith "loom_backup_size_ratio" | extend ratio = todouble(extract(@"([0-9.eE+-]+)\\s*$", 1, Log)) | summarize arg_max(TimeGenerated, ratio) | project value = ratio`,
    lookbackSeconds: 26 * 3600,
  },
  "backup-dr-copy-failures": {
    kql: (r) =>
      r.drCopy
        ? `union isfuzzy=true (AddonAzureBackupJobs | where ${ago("1h")} and JobStatus == "Failed"), (print x = 1 | where false) | summarize value = count()`
        : "print value = 0",
    lookbackSeconds: 3600,
  },
};

export type { Window };
