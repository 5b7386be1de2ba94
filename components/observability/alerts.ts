/**
 * The alert catalog: what Loom pages or tickets on, independent of cloud. Each cloud's observability file renders
 * these (AWS: CloudWatch alarms; Kubernetes: PrometheusRule) and must cover every entry it has signals for.
 * The seed's "Alert Rules" list, mapped: high error rate, slow response times, queue backup, database issues,
 * (LLM API failures and memory pressure are app metrics: docs/metrics.md), disk space low.
 */

export interface AlertThresholds {
  /** Percentage of requests answered 5xx over 5 minutes. */
  errorRatePercent: number;
  /** p95 latency of the web tier in seconds over 5 minutes. */
  latencyP95Seconds: number;
  /** Database CPU percent sustained for 15 minutes. */
  databaseCpuPercent: number;
  /** Free database storage as a percentage of allocated storage. */
  databaseFreeStoragePercent: number;
  /** Review jobs waiting in the queue, sustained for 15 minutes. */
  queueDepth: number;
  /** Cache memory use in percent. */
  cacheMemoryPercent: number;
}

export const DEFAULT_THRESHOLDS: Readonly<AlertThresholds> = {
  errorRatePercent: 5,
  latencyP95Seconds: 2,
  databaseCpuPercent: 80,
  databaseFreeStoragePercent: 10,
  queueDepth: 500,
  cacheMemoryPercent: 80,
};

export type AlertId =
  | "high-error-rate"
  | "slow-responses"
  | "database-cpu-high"
  | "database-storage-low"
  | "tasks-below-desired"
  | "queue-backlog"
  | "cache-memory-high";

export interface AlertDefinition {
  id: AlertId;
  /** One line for the notification title. */
  summary: string;
  /** page = wake someone; ticket = next business day. */
  severity: "page" | "ticket";
  /** Minutes the condition must hold before the alert fires. */
  forMinutes: number;
  /** The threshold from the thresholds table. */
  threshold: (t: AlertThresholds) => number;
  /** Runbook the notification links to. */
  runbook: string;
}

export const ALERT_CATALOG: readonly AlertDefinition[] = [
  {
    id: "high-error-rate",
    summary: "More than the allowed share of web requests fail with 5xx",
    severity: "page",
    forMinutes: 5,
    threshold: (t) => t.errorRatePercent,
    runbook: "docs/runbooks/incident-response.md#high-error-rate",
  },
  {
    id: "slow-responses",
    summary: "Web p95 latency is above target",
    severity: "page",
    forMinutes: 10,
    threshold: (t) => t.latencyP95Seconds,
    runbook: "docs/runbooks/incident-response.md#slow-responses",
  },
  {
    id: "database-cpu-high",
    summary: "Database CPU is saturated",
    severity: "ticket",
    forMinutes: 15,
    threshold: (t) => t.databaseCpuPercent,
    runbook: "docs/runbooks/incident-response.md#database",
  },
  {
    id: "database-storage-low",
    summary: "Database free storage is low",
    severity: "page",
    forMinutes: 5,
    threshold: (t) => t.databaseFreeStoragePercent,
    runbook: "docs/runbooks/incident-response.md#database",
  },
  {
    id: "tasks-below-desired",
    summary: "Fewer web or worker replicas are running than desired",
    severity: "page",
    forMinutes: 10,
    threshold: () => 1,
    runbook: "docs/runbooks/incident-response.md#replicas-missing",
  },
  {
    id: "queue-backlog",
    summary: "Review jobs are piling up in the queue",
    severity: "page",
    forMinutes: 15,
    threshold: (t) => t.queueDepth,
    runbook: "docs/runbooks/incident-response.md#queue-backlog",
  },
  {
    id: "cache-memory-high",
    summary: "Cache memory is nearly full (evictions or OOM next)",
    severity: "ticket",
    forMinutes: 15,
    threshold: (t) => t.cacheMemoryPercent,
    runbook: "docs/runbooks/incident-response.md#cache",
  },
];

/** A threshold that cannot work, named by its key in {@link AlertThresholds}. */
export interface ThresholdProblem {
  key: keyof AlertThresholds;
  reason: string;
}

const PERCENT_KEYS = [
  "errorRatePercent",
  "databaseCpuPercent",
  "databaseFreeStoragePercent",
  "cacheMemoryPercent",
] as const;

/**
 * Check a thresholds table before any cloud renders it: percentages must lie strictly between 0 and 100 (an alarm at
 * 0 % fires always, one at 100 % never), the latency and queue depth must be positive finite numbers.
 * Returns every problem; empty when the table is usable.
 */
export function thresholdProblems(t: AlertThresholds): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  for (const key of PERCENT_KEYS) {
    const v = t[key];
    if (!Number.isFinite(v) || v <= 0 || v >= 100) {
      problems.push({ key, reason: `must be a percentage greater than 0 and less than 100, got ${v}` });
    }
  }
  for (const key of ["latencyP95Seconds", "queueDepth"] as const) {
    const v = t[key];
    if (!Number.isFinite(v) || v <= 0) problems.push({ key, reason: `must be a number greater than 0, got ${v}` });
  }
  return problems;
}
