/**
 * ALERTS: conditions on signals (signals.ts), independent of backend. Pure data: each backend renders them from its
 * total query table (prometheus.ts: `Loom<CamelCaseId>` alerting rules; cloudwatch.ts: alarm specs).
 *
 * Severity: critical = page someone now; warning = a ticket / chat message for working hours. `for` is how long the
 * condition must hold. `runbook` is a repository path + anchor; every anchor exists (tests/observability).
 */
import type { SignalId } from "./signals";
import { BURN_RATES, type BurnRatePair, type SloId, type SloTargets } from "./slo";

export interface Thresholds {
  errorRatio: number;
  latencyP95Seconds: number;
  queueDepth: number;
  llmFailureRatio: number;
  databaseCpuRatio: number;
  databaseFreeStorageRatio: number;
  volumeFreeRatio: number;
  cacheMemoryRatio: number;
  memoryWorkingSetRatio: number;
  certificateExpirySeconds: number;
}

/** The thresholds of docs/metrics.md §4, as ratios (5 % → 0.05). */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = {
  errorRatio: 0.05,
  latencyP95Seconds: 2,
  queueDepth: 500,
  llmFailureRatio: 0.1,
  databaseCpuRatio: 0.8,
  databaseFreeStorageRatio: 0.1,
  volumeFreeRatio: 0.15,
  cacheMemoryRatio: 0.8,
  memoryWorkingSetRatio: 0.9,
  certificateExpirySeconds: 14 * 86400,
};

export type AlertId =
  | "high-error-rate"
  | "slow-responses"
  | "queue-backlog"
  | "database-down"
  | "llm-api-failures"
  | "disk-space-low"
  | "memory-pressure"
  | "certificate-expiry"
  | "backup-missing"
  | "backup-size-drop"
  | "backup-dr-copy-failed"
  | "database-cpu-high"
  | "database-storage-low"
  | "cache-memory-high"
  | "replicas-below-desired"
  | "slo-availability-fast-burn"
  | "slo-availability-slow-burn"
  | "slo-latency-fast-burn"
  | "slo-latency-slow-burn";

export type Severity = "critical" | "warning";
export type Comparison = ">" | ">=" | "<";

/** The signal compared with a threshold; `missing: "breaching"` = no data fires too (a silent publisher). */
export interface ThresholdCondition {
  kind: "threshold";
  signal: SignalId;
  op: Comparison;
  threshold: (t: Thresholds) => number;
  missing?: "breaching";
}

/** Multi-window multi-burn-rate on an SLI ratio signal: any pair whose long and short windows both burn. */
export interface BurnRateCondition {
  kind: "burn-rate";
  signal: SignalId;
  slo: SloId;
  pairs: readonly BurnRatePair[];
}

export interface AlertDef {
  id: AlertId;
  severity: Severity;
  /** Prometheus duration the condition must hold: "5m", "1h". */
  for: string;
  summary: string;
  description: string;
  /** Repository path + anchor, e.g. "docs/runbooks/alerts.md#high-error-rate". */
  runbook: string;
  condition: ThresholdCondition | BurnRateCondition;
}

const runbook = (id: AlertId) => `docs/runbooks/alerts.md#${id}`;

/** backup-size-drop fires below this ratio of the latest backup's size to the previous one's (a drop > 50 %). */
export const BACKUP_SIZE_DROP_RATIO = 0.5;

const threshold = (
  signal: SignalId,
  op: Comparison,
  value: (t: Thresholds) => number,
  missing?: "breaching",
): ThresholdCondition => ({ kind: "threshold", signal, op, threshold: value, ...(missing ? { missing } : {}) });

const burn = (signal: SignalId, slo: SloId, speed: keyof typeof BURN_RATES): BurnRateCondition => ({
  kind: "burn-rate",
  signal,
  slo,
  pairs: BURN_RATES[speed],
});

type Entry = Omit<AlertDef, "id" | "runbook">;

const ENTRIES: Readonly<Record<AlertId, Entry>> = {
  "high-error-rate": {
    severity: "critical",
    for: "5m",
    summary: "Too many web requests fail with 5xx",
    description: "The 5xx share of web requests is above the threshold.",
    condition: threshold("http-error-ratio", ">", (t) => t.errorRatio),
  },
  "slow-responses": {
    severity: "critical",
    for: "10m",
    summary: "Web p95 latency is above target",
    description: "The 95th percentile of web request latency is above the threshold.",
    condition: threshold("http-latency-p95", ">", (t) => t.latencyP95Seconds),
  },
  "queue-backlog": {
    severity: "critical",
    for: "15m",
    summary: "Review jobs are piling up in the queue (or the queue depth is not published)",
    description: "Queue depth is above the threshold, or missing: the autoscaler is blind without it.",
    condition: threshold("queue-depth", ">", (t) => t.queueDepth, "breaching"),
  },
  "database-down": {
    severity: "critical",
    for: "1m",
    summary: "The database is down, unreachable or failing over",
    description: "No database instance reports up.",
    condition: threshold("database-up", "<", () => 1, "breaching"),
  },
  "llm-api-failures": {
    severity: "warning",
    for: "10m",
    summary: "LLM API calls fail (error, timeout or rate limited)",
    description: "The failing share of LLM API calls to one provider is above the threshold.",
    condition: threshold("llm-failure-ratio", ">", (t) => t.llmFailureRatio),
  },
  "disk-space-low": {
    severity: "warning",
    for: "15m",
    summary: "A database or cache volume is running out of space",
    description: "Free space on a database or cache volume is below the threshold.",
    condition: threshold("volume-free-ratio", "<", (t) => t.volumeFreeRatio),
  },
  "memory-pressure": {
    severity: "warning",
    for: "15m",
    summary: "A workload's memory is close to its limit (OOM kill next)",
    description: "Working-set memory of web, worker, database or cache is close to its limit.",
    condition: threshold("memory-working-set-ratio", ">", (t) => t.memoryWorkingSetRatio),
  },
  "certificate-expiry": {
    severity: "warning",
    for: "1h",
    summary: "A TLS certificate expires soon and has not been renewed",
    description: "The soonest-expiring certificate of the stack expires within the threshold.",
    condition: threshold("certificate-expiry-seconds", "<", (t) => t.certificateExpirySeconds),
  },
  "backup-missing": {
    severity: "critical",
    for: "5m",
    summary: "No successful logical backup for 26 hours (or the job never ran)",
    description:
      "The daily logical backup job has not succeeded within 26 hours: the off-site copy is getting stale and the RPO of a full restore in another region grows by the hour.",
    condition: threshold("backups-succeeded", "<", () => 1, "breaching"),
  },
  "backup-size-drop": {
    severity: "warning",
    for: "5m",
    summary: "The latest logical backup is less than half the size of the previous one",
    description:
      "The daily logical backup shrank by more than 50 % against the previous backup's manifest: data may have been deleted or truncated, or the dump missed tables. The backup was still taken and uploaded; keep the previous ones until this is explained.",
    condition: threshold("backup-size-ratio", "<", () => BACKUP_SIZE_DROP_RATIO),
  },
  "backup-dr-copy-failed": {
    severity: "warning",
    for: "5m",
    summary: "A copy of the backups to the disaster-recovery region failed",
    description:
      "Copying backups to the DR region failed in the last hour (AWS Backup copy job; WAL archive of the DR replica cluster on Kubernetes): the DR copy falls behind and the RPO of a restore in the other region grows.",
    condition: threshold("backup-dr-copy-failures", ">=", () => 1),
  },
  "database-cpu-high": {
    severity: "warning",
    for: "15m",
    summary: "Database CPU is saturated",
    description: "Database CPU is above the threshold share of its limit.",
    condition: threshold("database-cpu-ratio", ">", (t) => t.databaseCpuRatio),
  },
  "database-storage-low": {
    severity: "critical",
    for: "5m",
    summary: "Database free storage is low",
    description: "Free database storage is below the threshold share of the allocated volume.",
    condition: threshold("database-free-storage-ratio", "<", (t) => t.databaseFreeStorageRatio),
  },
  "cache-memory-high": {
    severity: "warning",
    for: "15m",
    summary: "Cache memory is nearly full (evictions or OOM next)",
    description: "Cache memory in use is above the threshold share of maxmemory.",
    condition: threshold("cache-memory-ratio", ">", (t) => t.cacheMemoryRatio),
  },
  "replicas-below-desired": {
    severity: "critical",
    for: "10m",
    summary: "Fewer web or worker replicas are running than desired",
    description: "A workload has fewer available replicas than desired.",
    condition: threshold("replicas-unavailable", ">=", () => 1),
  },
  "slo-availability-fast-burn": {
    severity: "critical",
    for: "2m",
    summary: "The availability error budget is burning fast",
    description: "5xx share burns the availability budget at 14.4× over 1h/5m or 6× over 6h/30m.",
    condition: burn("http-error-ratio", "availability", "page"),
  },
  "slo-availability-slow-burn": {
    severity: "warning",
    for: "15m",
    summary: "The availability error budget is burning steadily",
    description: "5xx share burns the availability budget at 3× over 1d/2h or 1× over 3d/6h.",
    condition: burn("http-error-ratio", "availability", "ticket"),
  },
  "slo-latency-fast-burn": {
    severity: "critical",
    for: "2m",
    summary: "The latency error budget is burning fast",
    description: "Slow requests burn the latency budget at 14.4× over 1h/5m or 6× over 6h/30m.",
    condition: burn("http-slow-ratio", "latency", "page"),
  },
  "slo-latency-slow-burn": {
    severity: "warning",
    for: "15m",
    summary: "The latency error budget is burning steadily",
    description: "Slow requests burn the latency budget at 3× over 1d/2h or 1× over 3d/6h.",
    condition: burn("http-slow-ratio", "latency", "ticket"),
  },
};

export const ALERTS: readonly AlertDef[] = (Object.keys(ENTRIES) as AlertId[]).map((id) => ({
  id,
  runbook: runbook(id),
  ...ENTRIES[id],
}));

/** The signals an alert reads. */
export function alertSignals(a: AlertDef): SignalId[] {
  return [a.condition.signal];
}

/** The SLO burn-rate alerts of one SLO share an inhibition key: the fast burn silences the slow one. */
export function sloOf(a: AlertDef): SloId | undefined {
  return a.condition.kind === "burn-rate" ? a.condition.slo : undefined;
}

export type { SloTargets };

/** A threshold that cannot work, named by its key in {@link Thresholds}. */
export interface ThresholdProblem {
  key: keyof Thresholds;
  reason: string;
}

const RATIO_KEYS = [
  "errorRatio",
  "llmFailureRatio",
  "databaseCpuRatio",
  "databaseFreeStorageRatio",
  "volumeFreeRatio",
  "cacheMemoryRatio",
  "memoryWorkingSetRatio",
] as const satisfies readonly (keyof Thresholds)[];

/**
 * Check a thresholds table before any backend renders it: ratios strictly between 0 and 1 (an alert at 0 fires
 * always, one at 1 never), the others positive finite numbers. Returns every problem; empty when usable.
 */
export function thresholdProblems(t: Thresholds): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  for (const key of Object.keys(t) as (keyof Thresholds)[]) {
    const v = t[key];
    const ratio = (RATIO_KEYS as readonly string[]).includes(key);
    if (ratio && !(Number.isFinite(v) && v > 0 && v < 1)) {
      problems.push({ key, reason: `must be a ratio greater than 0 and less than 1, got ${v}` });
    } else if (!ratio && !(Number.isFinite(v) && v > 0)) {
      problems.push({ key, reason: `must be a number greater than 0, got ${v}` });
    }
  }
  return problems;
}
