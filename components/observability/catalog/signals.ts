/**
 * SIGNALS: what Loom measures, independent of any backend (DESIGN §11 "Observability from catalogs"). Pure data.
 *
 * A signal is one number per scope (namespace / environment) and, where it says so, per `by` label: a ratio, a rate,
 * a quantile or a gauge. Alerts (alerts.ts) put conditions on signals; dashboards (dashboards.ts) draw them. Every
 * backend supplies one total `Record<SignalId, Query>` (prometheus.ts, cloudwatch.ts, and later Cloud Monitoring,
 * Azure Monitor and DigitalOcean Monitoring), so a signal without a query on some backend is a type error.
 *
 * Units: ratios are 0…1 (never percent), durations are seconds, money is US dollars, rates are per second.
 */

/** Range windows a signal can be evaluated over: the RED 5m window and the SRE workbook's burn-rate windows. */
export type Window = "5m" | "30m" | "1h" | "2h" | "6h" | "1d" | "3d";

export const WINDOW_SECONDS: Readonly<Record<Window, number>> = {
  "5m": 300,
  "30m": 1800,
  "1h": 3600,
  "2h": 7200,
  "6h": 21600,
  "1d": 86400,
  "3d": 259200,
};

/** Every window, shortest first (the burn-rate alerts read all of them). */
export const SLO_WINDOWS: readonly Window[] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

export type Unit = "ratio" | "seconds" | "reqps" | "ops" | "jobs" | "count" | "usd_per_hour" | "tokens_per_second";

/** Where the data comes from: the app's /metrics contract (docs/metrics.md), the platform, or the cloud provider. */
export type SignalSource = "app" | "platform";

export type SignalId =
  | "http-request-rate"
  | "http-error-ratio"
  | "http-slow-ratio"
  | "http-latency-p95"
  | "http-errors-by-route"
  | "queue-depth"
  | "review-rate"
  | "review-duration-p95"
  | "reviews-requested-rate"
  | "active-users"
  | "jobs-failed-rate"
  | "llm-request-rate"
  | "llm-failure-ratio"
  | "llm-latency-p95"
  | "llm-token-rate"
  | "llm-cost-rate"
  | "db-query-p95"
  | "database-up"
  | "database-cpu-ratio"
  | "database-free-storage-ratio"
  | "database-connections"
  | "cache-memory-ratio"
  | "memory-working-set-ratio"
  | "workload-cpu-ratio"
  | "volume-free-ratio"
  | "replicas-unavailable"
  | "certificate-expiry-seconds"
  | "backups-succeeded"
  | "backup-size-ratio"
  | "backup-dr-copy-failures";

export interface SignalDef {
  title: string;
  unit: Unit;
  description: string;
  source: SignalSource;
  /** Labels the signal is broken down by (beyond the scope); empty = one series per scope. */
  by: readonly string[];
  /** Windowed signals are evaluated over each of these windows (burn rates); otherwise over 5m / instantaneous. */
  windows?: readonly Window[];
  /** Whole numbers only (replica counts, up/down): alert tests step by 1 instead of scaling the threshold. */
  integer?: boolean;
}

export const SIGNALS: Readonly<Record<SignalId, SignalDef>> = {
  "http-request-rate": {
    title: "Requests per second",
    unit: "reqps",
    description: "Web requests served per second.",
    source: "app",
    by: [],
  },
  "http-error-ratio": {
    title: "5xx share of requests",
    unit: "ratio",
    description: "Share of web requests answered 5xx: the availability SLI.",
    source: "app",
    by: [],
    windows: SLO_WINDOWS,
  },
  "http-slow-ratio": {
    title: "Share of requests slower than the latency SLO",
    unit: "ratio",
    description: "Share of web requests slower than the latency objective's threshold: the latency SLI.",
    source: "app",
    by: [],
    windows: SLO_WINDOWS,
  },
  "http-latency-p95": {
    title: "p95 latency",
    unit: "seconds",
    description: "95th percentile of web request latency.",
    source: "app",
    by: [],
  },
  "http-errors-by-route": {
    title: "5xx per second by route",
    unit: "reqps",
    description: "Web requests answered 5xx per second, per route template.",
    source: "app",
    by: ["route"],
  },
  "queue-depth": {
    title: "Queue depth",
    unit: "jobs",
    description: "Review jobs waiting, all queues and priorities.",
    source: "app",
    by: [],
  },
  "review-rate": {
    title: "Reviews finished per second",
    unit: "ops",
    description: "Reviews finished per second, by outcome.",
    source: "app",
    by: ["outcome"],
  },
  "review-duration-p95": {
    title: "p95 review duration",
    unit: "seconds",
    description: "95th percentile of the time from dequeue to finished review.",
    source: "app",
    by: [],
  },
  "reviews-requested-rate": {
    title: "Reviews requested per second",
    unit: "ops",
    description: "Reviews requested per second, by trigger (pull request, push, manual, API).",
    source: "app",
    by: ["trigger"],
  },
  "active-users": {
    title: "Active users",
    unit: "count",
    description: "Distinct users active in the app's window (a bounded gauge; no user ids anywhere).",
    source: "app",
    by: ["window"],
  },
  "jobs-failed-rate": {
    title: "Failed jobs per second",
    unit: "ops",
    description: "Jobs that ended in failure after retries, per second, by reason.",
    source: "app",
    by: ["reason"],
  },
  "llm-request-rate": {
    title: "LLM requests per second",
    unit: "reqps",
    description: "LLM API calls per second, by provider.",
    source: "app",
    by: ["provider"],
  },
  "llm-failure-ratio": {
    title: "LLM failure share",
    unit: "ratio",
    description: "Share of LLM API calls that errored, timed out or were rate limited, by provider.",
    source: "app",
    by: ["provider"],
  },
  "llm-latency-p95": {
    title: "LLM p95 latency",
    unit: "seconds",
    description: "95th percentile of one LLM API call, by provider.",
    source: "app",
    by: ["provider"],
  },
  "llm-token-rate": {
    title: "LLM tokens per second",
    unit: "tokens_per_second",
    description: "Tokens sent and received per second, by provider and direction.",
    source: "app",
    by: ["provider", "direction"],
  },
  "llm-cost-rate": {
    title: "LLM spend per hour",
    unit: "usd_per_hour",
    description: "Estimated LLM spend in US dollars per hour, by provider and model.",
    source: "app",
    by: ["provider", "model"],
  },
  "db-query-p95": {
    title: "p95 database query time",
    unit: "seconds",
    description: "95th percentile of one database round trip as the app measures it, by operation.",
    source: "app",
    by: ["operation"],
  },
  "database-up": {
    title: "Database up",
    unit: "count",
    description: "1 while the database answers, 0 when it is down or unreachable (failover in progress).",
    source: "platform",
    by: [],
    integer: true,
  },
  "database-cpu-ratio": {
    title: "Database CPU",
    unit: "ratio",
    description: "Database CPU use as a share of its limit (Kubernetes) or of the instance (RDS).",
    source: "platform",
    by: [],
  },
  "database-free-storage-ratio": {
    title: "Database free storage",
    unit: "ratio",
    description: "Free database storage as a share of the allocated volume.",
    source: "platform",
    by: [],
  },
  "database-connections": {
    title: "Database connections",
    unit: "count",
    description: "Open connections to the database.",
    source: "platform",
    by: [],
  },
  "cache-memory-ratio": {
    title: "Cache memory",
    unit: "ratio",
    description: "Cache memory in use as a share of its maxmemory.",
    source: "platform",
    by: [],
  },
  "memory-working-set-ratio": {
    title: "Memory working set vs limit",
    unit: "ratio",
    description: "Working-set memory as a share of the limit, per workload (web, worker, database, cache).",
    source: "platform",
    by: ["workload"],
  },
  "workload-cpu-ratio": {
    title: "CPU vs limit",
    unit: "ratio",
    description: "CPU use as a share of the limit, per workload.",
    source: "platform",
    by: ["workload"],
  },
  "volume-free-ratio": {
    title: "Volume free space",
    unit: "ratio",
    description: "Free space as a share of capacity, per database and cache volume.",
    source: "platform",
    by: ["volume"],
  },
  "replicas-unavailable": {
    title: "Replicas below desired",
    unit: "count",
    description: "Desired minus available replicas, per workload (web, worker).",
    source: "platform",
    by: ["workload"],
    integer: true,
  },
  "certificate-expiry-seconds": {
    title: "Time to certificate expiry",
    unit: "seconds",
    description: "Seconds until the soonest-expiring TLS certificate of the stack expires.",
    source: "platform",
    by: [],
  },
  "backups-succeeded": {
    title: "Successful logical backups (26 h)",
    unit: "count",
    description:
      "Successful runs of the daily logical backup job over the last 26 hours (a day plus slack for a late start).",
    source: "platform",
    by: [],
    integer: true,
  },
  "backup-size-ratio": {
    title: "Logical backup size vs the previous one",
    unit: "ratio",
    description:
      "Size of the latest logical backup over the previous one's, as the job measures it against the previous manifest in the bucket (1 when there is none). On Kubernetes the job compares it with 0.5 itself: the series is 0 after a run that saw a drop of more than half, else 1.",
    source: "platform",
    by: [],
  },
  "backup-dr-copy-failures": {
    title: "Failed copies to the DR region (1 h)",
    unit: "count",
    description:
      "Failed copies of backups to the disaster-recovery region in the last hour: AWS Backup copy jobs on AWS, WAL archiving failures of the DR replica cluster into the second object store on Kubernetes.",
    source: "platform",
    by: [],
    integer: true,
  },
};

export const SIGNAL_IDS = Object.keys(SIGNALS) as SignalId[];
