/**
 * The Cloud Monitoring backend's query table: one PromQL expression per signal, total over `SignalId` (a missing
 * signal is a tsc error). Pure data, no SDK: observability/gcp-alerts.ts turns the expressions into alert policy
 * conditions (`conditionPrometheusQueryLanguage`) and gcp-dashboards.ts into dashboard charts (`prometheusQuery`).
 *
 * Why PromQL: Cloud Monitoring evaluates PromQL over every metric it holds, Google's own and Managed Service for
 * Prometheus alike, in alert policies and dashboards (MQL is deprecated for new work), so one language covers both.
 * A Google metric type becomes a PromQL name by {@link promName} (`run.googleapis.com/request_count` →
 * `run_googleapis_com:request_count`); its resource and metric labels are PromQL labels, with `monitored_resource`
 * naming the resource type.
 *
 * Sources:
 * - the platform: Cloud Run (`run.googleapis.com`, labels `service_name`, `job_name`), Cloud SQL
 *   (`cloudsql.googleapis.com`, label `database_id` = `<project>:<instance>`), Memorystore for Redis
 *   (`redis.googleapis.com`, label `instance_id`), uptime checks (`monitoring.googleapis.com/uptime_check`);
 * - the app's /metrics contract (docs/metrics.md §2) as `prometheus.googleapis.com/<name>/<kind>` series, written by
 *   the Managed Service for Prometheus sidecar of each Cloud Run service (run-gmp-sidecar), which labels them
 *   `cluster="__run__"` and `namespace=<Cloud Run service name>` with `project_id` and `location`; so the app series
 *   keep their Prometheus names and the expressions match the Kubernetes ones (catalog/prometheus.ts);
 * - the logical backup job `<prefix>-logical-backup` ({@link backupJobName}): Cloud Run's own execution count
 *   (`run.googleapis.com/job/completed_execution_count`, label `result`) for successes and failures, and a log-based
 *   metric of the size line its log carries ({@link backupSizeMetricName}), so the job needs no metrics API.
 *
 * Signals GCP cannot measure as the catalog says (the expression is the closest real thing):
 * - `http-error-ratio`, `http-latency-p95`, `http-request-rate`: Cloud Run's request metrics of the web service
 *   (every request the platform served, crashes included), not the app's own counters;
 * - `replicas-unavailable`: Cloud Run has no desired replica count; 1 while a workload has no instance at all
 *   (web and worker always keep at least one: the profiles' minReplicas ≥ 1), else 0;
 * - `volume-free-ratio`: Memorystore keeps data in memory and has no volume; the Cloud SQL disk is the only member;
 * - `memory-working-set-ratio`, `workload-cpu-ratio` for web/worker: the p99 of Cloud Run's per-instance
 *   utilization distributions (the worst instances), not a per-container maximum;
 * - `certificate-expiry-seconds`: the uptime check's view of the certificate served on the health URL;
 * - `backup-size-ratio`: the mean size logged over the last day over the mean of the day before (one run a day);
 * - `backup-dr-copy-failures`: failed executions of the backup job in the last hour, whichever step failed (it
 *   writes the DR copy after the primary one); 0 without disaster recovery.
 */

import type { SignalId, Window } from "./signals";
import { LATENCY_SLO_SECONDS } from "./slo";

/** What gcp.ts fills in: identifiers of the other components, resolved to plain strings before rendering. */
export interface CmRefs {
  project: string;
  region: string;
  webService: string;
  workerService: string;
  /** The primary's `database_id` (`<project>:<instance>`). */
  databaseId: string;
  /** The Memorystore instance's `instance_id` (`projects/<p>/locations/<r>/instances/<name>`). */
  cacheInstanceId: string;
  /** The health-path uptime check's id (`check_id`). */
  uptimeCheckId: string;
  /** The logical backup job's Cloud Run job name. */
  backupJob: string;
  /** The log-based metric of the backup's size ({@link backupSizeMetricName}). */
  backupSizeMetric: string;
  /** Whether the backup job also writes the DR copy (disaster recovery on). */
  drCopy: boolean;
}

export interface CmQuery {
  /** PromQL over the refs; windowed signals read `w` (others are evaluated over 5m or instantaneously). */
  expr: (r: CmRefs, w: Window) => string;
}

/** The Cloud Run job of the logical backup (components/backups/gcp.ts names its job so). */
export function backupJobName(prefix: string): string {
  return `${prefix}-logical-backup`;
}

/**
 * The log-based metric (`logging.googleapis.com/user/<name>`) of the size each backup run logs: the job prints its
 * Prometheus metrics file (components/backups/job-script.ts), whose `loom_backup_size_bytes <n>` line gcp.ts extracts.
 */
export function backupSizeMetricName(prefix: string): string {
  return `${prefix}/logical_backup_size_bytes`;
}

/** The line of the job's log the size is extracted from (one capture group, RE2). */
export const BACKUP_SIZE_LINE = "^loom_backup_size_bytes(?:\\{[^}]*\\})? ([0-9.eE+]+)$";

/** `run.googleapis.com/request_count` → `run_googleapis_com:request_count` (Cloud Monitoring's PromQL mapping). */
export function promName(metricType: string): string {
  const slash = metricType.indexOf("/");
  if (slash < 0) throw new Error(`"${metricType}" is not a Cloud Monitoring metric type`);
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, "_");
  return `${clean(metricType.slice(0, slash))}:${clean(metricType.slice(slash + 1))}`;
}

/** A PromQL string literal (regex metacharacters of a service name are escaped by {@link anyOf}). */
const q = (v: string) => JSON.stringify(v);
const anyOf = (values: string[]) => q(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));

const where = (r: CmRefs) => `project_id=${q(r.project)}`;
const run = (r: CmRefs, service: string) =>
  `monitored_resource="cloud_run_revision",${where(r)},location=${q(r.region)},service_name=${q(service)}`;
const sql = (r: CmRefs) => `monitored_resource="cloudsql_database",${where(r)},database_id=${q(r.databaseId)}`;
const redis = (r: CmRefs) => `monitored_resource="redis_instance",${where(r)},instance_id=${q(r.cacheInstanceId)}`;
const backupJob = (r: CmRefs) =>
  `monitored_resource="cloud_run_job",${where(r)},location=${q(r.region)},job_name=${q(r.backupJob)}`;
/** The app's series: both Cloud Run services' sidecars. */
const app = (r: CmRefs) =>
  `${where(r)},location=${q(r.region)},cluster="__run__",namespace=~${anyOf([r.webService, r.workerService])}`;

const REQUESTS = promName("run.googleapis.com/request_count");
const LATENCIES = promName("run.googleapis.com/request_latencies");
const HTTP_HIST = "loom_http_request_duration_seconds";
const LLM = "loom_llm_request_duration_seconds";

const rate = (metric: string, sel: string, w: string) => `rate(${metric}{${sel}}[${w}])`;
const sumBy = (by: string, inner: string) => (by ? `sum by (${by}) (${inner})` : `sum(${inner})`);
/** bad / total where a missing bad series counts as 0 (no 5xx yet is 0 %, not "no data"). */
const ratio = (by: string, bad: string, total: string) =>
  `(${sumBy(by, bad)} or 0 * ${sumBy(by, total)}) / ${sumBy(by, total)}`;
const quantile = (p: number, by: string, bucket: string) =>
  `histogram_quantile(${p}, ${sumBy(by ? `${by}, le` : "le", bucket)})`;
/** The same series with a constant `label="value"` (members of a per-workload signal). */
const member = (expr: string, label: string, value: string) =>
  `label_replace(${expr}, ${q(label)}, ${q(value)}, "", "")`;
const members = (label: string, m: Record<string, string>) =>
  Object.entries(m)
    .map(([value, expr]) => member(expr, label, value))
    .join(" or ");

const sqlGauge = (r: CmRefs, metric: string) => `max(${promName(`cloudsql.googleapis.com/${metric}`)}{${sql(r)}})`;
const redisMemory = (r: CmRefs) => `max(${promName("redis.googleapis.com/stats/memory/usage_ratio")}{${redis(r)}})`;
/** p99 of a Cloud Run per-instance utilization distribution (container/cpu/utilizations, …/memory/…). */
const runUtilization = (r: CmRefs, service: string, resource: "cpu" | "memory") =>
  quantile(
    0.99,
    "",
    rate(`${promName(`run.googleapis.com/container/${resource}/utilizations`)}_bucket`, run(r, service), "5m"),
  );
const instancesMissing = (r: CmRefs, service: string) =>
  `clamp_min(1 - (sum(${promName("run.googleapis.com/container/instance_count")}{${run(r, service)}}) or vector(0)), 0)`;

export const CLOUD_MONITORING: Readonly<Record<SignalId, CmQuery>> = {
  "http-request-rate": { expr: (r) => sumBy("", rate(REQUESTS, run(r, r.webService), "5m")) },
  "http-error-ratio": {
    expr: (r, w) =>
      ratio(
        "",
        rate(REQUESTS, `${run(r, r.webService)},response_code_class="5xx"`, w),
        rate(REQUESTS, run(r, r.webService), w),
      ),
  },
  // Cloud Run's latency buckets have no boundary at the SLO threshold: the app's histogram has one (docs/metrics.md).
  "http-slow-ratio": {
    expr: (r, w) =>
      `1 - ${sumBy("", rate(`${HTTP_HIST}_bucket`, `${app(r)},le=~"${LATENCY_SLO_SECONDS}(\\\\.0)?"`, w))} / ${sumBy("", rate(`${HTTP_HIST}_count`, app(r), w))}`,
  },
  // request_latencies is in milliseconds.
  "http-latency-p95": {
    expr: (r) => `${quantile(0.95, "", rate(`${LATENCIES}_bucket`, run(r, r.webService), "5m"))} / 1000`,
  },
  "http-errors-by-route": {
    expr: (r) => sumBy("route", rate("loom_http_requests_total", `${app(r)},status=~"5.."`, "5m")),
  },
  // Every instance reports the same global value: the max across instances.
  "queue-depth": { expr: (r) => `max(loom_queue_depth{${app(r)}})` },
  "review-rate": { expr: (r) => sumBy("outcome", rate("loom_review_duration_seconds_count", app(r), "5m")) },
  "review-duration-p95": {
    expr: (r) => quantile(0.95, "", rate("loom_review_duration_seconds_bucket", app(r), "5m")),
  },
  "reviews-requested-rate": { expr: (r) => sumBy("trigger", rate("loom_reviews_requested_total", app(r), "5m")) },
  "active-users": { expr: (r) => `max by (window) (loom_active_users{${app(r)}})` },
  "jobs-failed-rate": { expr: (r) => sumBy("reason", rate("loom_jobs_failed_total", app(r), "5m")) },
  "llm-request-rate": { expr: (r) => sumBy("provider", rate(`${LLM}_count`, app(r), "5m")) },
  "llm-failure-ratio": {
    expr: (r) =>
      ratio("provider", rate(`${LLM}_count`, `${app(r)},outcome!="success"`, "5m"), rate(`${LLM}_count`, app(r), "5m")),
  },
  "llm-latency-p95": { expr: (r) => quantile(0.95, "provider", rate(`${LLM}_bucket`, app(r), "5m")) },
  "llm-token-rate": {
    expr: (r) => sumBy("provider, direction", rate("loom_llm_tokens_total", app(r), "5m")),
  },
  "llm-cost-rate": {
    expr: (r) => `${sumBy("provider, model", rate("loom_llm_cost_usd_total", app(r), "5m"))} * 3600`,
  },
  "db-query-p95": {
    expr: (r) => quantile(0.95, "operation", rate("loom_db_query_duration_seconds_bucket", app(r), "5m")),
  },
  // database/up is 1 while the instance serves; a stopped or deleted instance has no series (missing = breaching).
  "database-up": { expr: (r) => sqlGauge(r, "database/up") },
  "database-cpu-ratio": { expr: (r) => sqlGauge(r, "database/cpu/utilization") },
  "database-free-storage-ratio": { expr: (r) => `1 - ${sqlGauge(r, "database/disk/utilization")}` },
  "database-connections": {
    expr: (r) => `sum(${promName("cloudsql.googleapis.com/database/postgresql/num_backends")}{${sql(r)}})`,
  },
  "cache-memory-ratio": { expr: (r) => redisMemory(r) },
  "memory-working-set-ratio": {
    expr: (r) =>
      members("workload", {
        web: runUtilization(r, r.webService, "memory"),
        worker: runUtilization(r, r.workerService, "memory"),
        database: sqlGauge(r, "database/memory/utilization"),
        cache: redisMemory(r),
      }),
  },
  "workload-cpu-ratio": {
    expr: (r) =>
      members("workload", {
        web: runUtilization(r, r.webService, "cpu"),
        worker: runUtilization(r, r.workerService, "cpu"),
        database: sqlGauge(r, "database/cpu/utilization"),
        // The Redis main thread's share of one CPU (Redis executes commands on that thread).
        cache: `max(sum by (node_id) (${promName("redis.googleapis.com/stats/cpu_utilization_main_thread")}{${redis(r)}}))`,
      }),
  },
  "volume-free-ratio": {
    expr: (r) => members("volume", { database: `1 - ${sqlGauge(r, "database/disk/utilization")}` }),
  },
  "replicas-unavailable": {
    expr: (r) =>
      members("workload", { web: instancesMissing(r, r.webService), worker: instancesMissing(r, r.workerService) }),
  },
  "backups-succeeded": {
    expr: (r) =>
      `sum(increase(${promName("run.googleapis.com/job/completed_execution_count")}{${backupJob(r)},result="succeeded"}[26h]))`,
  },
  // The size the job logs after each run (a log-based metric, one point per run): the last day's over the day before.
  "backup-size-ratio": {
    expr: (r) => {
      const size = promName(`logging.googleapis.com/user/${r.backupSizeMetric}`);
      const day = (offset: string) =>
        `(sum(increase(${size}_sum{${where(r)}}[1d]${offset})) / sum(increase(${size}_count{${where(r)}}[1d]${offset})))`;
      return `${day("")} / ${day(" offset 1d")}`;
    },
  },
  // The job writes the off-region copy itself (components/backups/gcp-job-script.ts): a failed copy fails the
  // execution. Without disaster recovery there is no copy to fail: a constant 0.
  "backup-dr-copy-failures": {
    expr: (r) =>
      r.drCopy
        ? `sum(increase(${promName("run.googleapis.com/job/completed_execution_count")}{${backupJob(r)},result="failed"}[1h]))`
        : "vector(0)",
  },
  // time_until_ssl_cert_expires is in days.
  "certificate-expiry-seconds": {
    expr: (r) =>
      `min(${promName("monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires")}{monitored_resource="uptime_url",${where(r)},check_id=${q(r.uptimeCheckId)}}) * 86400`,
  },
};

export type { Window };
