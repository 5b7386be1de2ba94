/**
 * The Prometheus backend's query table: one PromQL expression and one recording-rule name per signal, total over
 * `SignalId` (a missing signal is a tsc error). Pure; rules.ts renders the recording and alerting rules from it.
 *
 * Sources: the app's /metrics (docs/metrics.md §2), cAdvisor and kubelet volume stats, kube-state-metrics,
 * CloudNativePG's exporter and cert-manager — all scraped by kube-prometheus-stack (or scrape.yml). Every expression
 * aggregates `by (namespace, …by)` so one rule file serves every stack of a cluster.
 */
import { MAXMEMORY_SHARE } from "../../cache/valkey";
import type { SignalId, Window } from "./signals";
import { LATENCY_SLO_SECONDS } from "./slo";

/** Which series belong to Loom: one stack (`namespace="loom-prod"`) or every stack (`namespace=~"loom-.+"`). */
export interface PromScope {
  /** A complete matcher on `namespace`. */
  namespace: string;
  /** Deployment names of web and worker (regex). */
  deployments: string;
  /** Container names, as the pod specs set them. */
  containers: { web: string; worker: string; database: string; cache: string };
  /** CloudNativePG instance pods (regex); their PVCs are named the same. */
  databasePods: string;
  /** The cache StatefulSet's PVCs (regex). */
  cachePvcs: string;
  /** Share of the cache container's memory limit given to maxmemory (components/cache/valkey.ts). */
  cacheMaxmemoryShare: number;
}

/** The scope of the exported files: every `loom-<environment>` namespace, the names the components create. */
export const EXPORT_SCOPE: PromScope = {
  namespace: 'namespace=~"loom-.+"',
  deployments: ".+-(web|worker)",
  containers: { web: "web", worker: "worker", database: "postgres", cache: "valkey" },
  databasePods: ".+-db-[0-9]+",
  cachePvcs: ".+-cache-[0-9]+",
  cacheMaxmemoryShare: MAXMEMORY_SHARE,
};

export interface PromQuery {
  /** Recording rule name (level:metric:operations); `{w}` stands for the window of windowed signals. */
  record: string;
  /** The raw expression over `w` (ignored by instantaneous signals). */
  expr: (s: PromScope, w: Window) => string;
}

const rate = (metric: string, sel: string, w: string) => `rate(${metric}{${sel}}[${w}])`;
const sumBy = (by: string, inner: string) => `sum by (${by}) (${inner})`;
/** bad / total where a missing bad series counts as 0 (no 5xx yet is 0 %, not "no data"). */
const ratio = (by: string, bad: string, total: string) =>
  `(${sumBy(by, bad)} or 0 * ${sumBy(by, total)}) / ${sumBy(by, total)}`;
const quantile = (q: number, by: string, bucket: string) => `histogram_quantile(${q}, ${sumBy(`${by}, le`, bucket)})`;
const asLabel = (expr: string, to: string, from: string) => `label_replace(${expr}, "${to}", "$1", "${from}", "(.*)")`;

const HTTP = "loom_http_requests_total";
const HTTP_HIST = "loom_http_request_duration_seconds";
const LLM = "loom_llm_request_duration_seconds";
const ALL = (s: PromScope) =>
  `${s.namespace},container=~"${[s.containers.web, s.containers.worker, s.containers.database, s.containers.cache].join("|")}"`;

/** Per pod and container, usage / limit for one resource, max per workload (the container name). */
function perWorkload(s: PromScope, usage: string, resource: "cpu" | "memory"): string {
  const by = "namespace, pod, container";
  const limit = `kube_pod_container_resource_limits{${ALL(s)},resource="${resource}"}`;
  return asLabel(`max by (namespace, container) (${sumBy(by, usage)} / ${sumBy(by, limit)})`, "workload", "container");
}

const volumeFree = (s: PromScope, pvcs: string) =>
  `kubelet_volume_stats_available_bytes{${s.namespace},persistentvolumeclaim=~"${pvcs}"} / kubelet_volume_stats_capacity_bytes{${s.namespace},persistentvolumeclaim=~"${pvcs}"}`;

const containerOf = (s: PromScope, c: string) => `${s.namespace},container="${c}"`;

export const PROMETHEUS: Readonly<Record<SignalId, PromQuery>> = {
  "http-request-rate": {
    record: "loom:http_requests:rate5m",
    expr: (s) => sumBy("namespace", rate(HTTP, s.namespace, "5m")),
  },
  "http-error-ratio": {
    record: "loom:http_requests:error_ratio_rate{w}",
    expr: (s, w) => ratio("namespace", rate(HTTP, `${s.namespace},status=~"5.."`, w), rate(HTTP, s.namespace, w)),
  },
  "http-slow-ratio": {
    record: "loom:http_requests:slow_ratio_rate{w}",
    expr: (s, w) =>
      `1 - ${sumBy("namespace", rate(`${HTTP_HIST}_bucket`, `${s.namespace},le=~"${LATENCY_SLO_SECONDS}(\\\\.0)?"`, w))} / ${sumBy("namespace", rate(`${HTTP_HIST}_count`, s.namespace, w))}`,
  },
  "http-latency-p95": {
    record: "loom:http_request_duration_seconds:p95_rate5m",
    expr: (s) => quantile(0.95, "namespace", rate(`${HTTP_HIST}_bucket`, s.namespace, "5m")),
  },
  "http-errors-by-route": {
    record: "loom:http_requests:errors_by_route_rate5m",
    expr: (s) => sumBy("namespace, route", rate(HTTP, `${s.namespace},status=~"5.."`, "5m")),
  },
  "queue-depth": {
    record: "loom:queue_depth:max",
    // Every replica reports the same global value: the total per pod, the max across pods.
    expr: (s) => `max by (namespace) (${sumBy("namespace, pod", `loom_queue_depth{${s.namespace}}`)})`,
  },
  "review-rate": {
    record: "loom:reviews:rate5m",
    expr: (s) => sumBy("namespace, outcome", rate("loom_review_duration_seconds_count", s.namespace, "5m")),
  },
  "review-duration-p95": {
    record: "loom:review_duration_seconds:p95_rate5m",
    expr: (s) => quantile(0.95, "namespace", rate("loom_review_duration_seconds_bucket", s.namespace, "5m")),
  },
  "reviews-requested-rate": {
    record: "loom:reviews_requested:rate5m",
    expr: (s) => sumBy("namespace, trigger", rate("loom_reviews_requested_total", s.namespace, "5m")),
  },
  "active-users": {
    record: "loom:active_users:max",
    expr: (s) => `max by (namespace, window) (loom_active_users{${s.namespace}})`,
  },
  "jobs-failed-rate": {
    record: "loom:jobs_failed:rate5m",
    expr: (s) => sumBy("namespace, reason", rate("loom_jobs_failed_total", s.namespace, "5m")),
  },
  "llm-request-rate": {
    record: "loom:llm_requests:rate5m",
    expr: (s) => sumBy("namespace, provider", rate(`${LLM}_count`, s.namespace, "5m")),
  },
  "llm-failure-ratio": {
    record: "loom:llm_requests:failure_ratio_rate5m",
    expr: (s) =>
      ratio(
        "namespace, provider",
        rate(`${LLM}_count`, `${s.namespace},outcome!="success"`, "5m"),
        rate(`${LLM}_count`, s.namespace, "5m"),
      ),
  },
  "llm-latency-p95": {
    record: "loom:llm_request_duration_seconds:p95_rate5m",
    expr: (s) => quantile(0.95, "namespace, provider", rate(`${LLM}_bucket`, s.namespace, "5m")),
  },
  "llm-token-rate": {
    record: "loom:llm_tokens:rate5m",
    expr: (s) => sumBy("namespace, provider, direction", rate("loom_llm_tokens_total", s.namespace, "5m")),
  },
  "llm-cost-rate": {
    record: "loom:llm_cost_usd:per_hour_rate5m",
    expr: (s) => `${sumBy("namespace, provider, model", rate("loom_llm_cost_usd_total", s.namespace, "5m"))} * 3600`,
  },
  "db-query-p95": {
    record: "loom:db_query_duration_seconds:p95_rate5m",
    expr: (s) =>
      quantile(0.95, "namespace, operation", rate("loom_db_query_duration_seconds_bucket", s.namespace, "5m")),
  },
  "database-up": {
    record: "loom:database:up",
    expr: (s) => `max by (namespace) (cnpg_collector_up{${s.namespace},pod=~"${s.databasePods}"})`,
  },
  "database-cpu-ratio": {
    record: "loom:database:cpu_ratio_rate5m",
    expr: (s) => {
      const sel = containerOf(s, s.containers.database);
      const by = "namespace, pod";
      return `max by (namespace) (${sumBy(by, rate("container_cpu_usage_seconds_total", sel, "5m"))} / ${sumBy(by, `kube_pod_container_resource_limits{${sel},resource="cpu"}`)})`;
    },
  },
  "database-free-storage-ratio": {
    record: "loom:database:free_storage_ratio",
    expr: (s) => `min by (namespace) (${volumeFree(s, s.databasePods)})`,
  },
  "database-connections": {
    record: "loom:database:connections",
    expr: (s) => `sum by (namespace) (cnpg_backends_total{${s.namespace},pod=~"${s.databasePods}"})`,
  },
  "cache-memory-ratio": {
    record: "loom:cache:memory_ratio",
    expr: (s) => {
      const sel = containerOf(s, s.containers.cache);
      return `max by (namespace) (container_memory_working_set_bytes{${sel}}) / (max by (namespace) (kube_pod_container_resource_limits{${sel},resource="memory"}) * ${s.cacheMaxmemoryShare})`;
    },
  },
  "memory-working-set-ratio": {
    record: "loom:workload:memory_working_set_ratio",
    expr: (s) => perWorkload(s, `container_memory_working_set_bytes{${ALL(s)}}`, "memory"),
  },
  "workload-cpu-ratio": {
    record: "loom:workload:cpu_ratio_rate5m",
    expr: (s) => perWorkload(s, rate("container_cpu_usage_seconds_total", ALL(s), "5m"), "cpu"),
  },
  "volume-free-ratio": {
    record: "loom:volume:free_ratio",
    expr: (s) =>
      asLabel(
        `min by (namespace, persistentvolumeclaim) (${volumeFree(s, `${s.databasePods}|${s.cachePvcs}`)})`,
        "volume",
        "persistentvolumeclaim",
      ),
  },
  "replicas-unavailable": {
    record: "loom:workload:replicas_unavailable",
    expr: (s) => {
      const sel = `${s.namespace},deployment=~"${s.deployments}"`;
      return asLabel(
        `max by (namespace, deployment) (kube_deployment_spec_replicas{${sel}} - kube_deployment_status_replicas_available{${sel}})`,
        "workload",
        "deployment",
      );
    },
  },
  "backups-succeeded": {
    record: "loom:logical_backup:successes26h",
    // kube-state-metrics' last-success time of the backup CronJob (components/backups/k8s-job.ts) changes once per
    // successful run; no CronJob, or one that never succeeded, has no series (the alert treats that as breaching).
    expr: (s) =>
      sumBy(
        "namespace",
        `changes(kube_cronjob_status_last_successful_time{${s.namespace},cronjob=~".+-logical-backup"}[26h])`,
      ),
  },
  "backup-size-ratio": {
    record: "loom:logical_backup:size_ratio",
    // A CronJob has no scrape target and the stack has no push path for metrics, so the job compares the ratio with
    // 0.5 itself and, after uploading, exits with its own code, which the CronJob's podFailurePolicy turns into a
    // Job failure without retries (components/backups/k8s-job.ts). kube-state-metrics reports that failure's reason
    // ("PodFailurePolicy", not one it knows) as reason="" with the failed-pod count; other failures carry
    // BackoffLimitExceeded or DeadlineExceeded. Jobs created in the last 26 h only (failed Jobs are kept as history).
    expr: (s) => {
      const sel = `${s.namespace},job_name=~".+-logical-backup-.+"`;
      const dropped = `(kube_job_status_failed{${sel},reason=""} > bool 0)`;
      const recent = `(time() - kube_job_created{${sel}} < bool ${26 * 3600})`;
      return `1 - max by (namespace) (${dropped} * on (namespace, job_name) ${recent})`;
    },
  },
  "backup-dr-copy-failures": {
    record: "loom:dr_backup:copy_failures1h",
    // The DR replica cluster (`<cluster>-dr`, components/backups/kubernetes.ts) archives WAL into the second object
    // store: CloudNativePG's pg_stat_archiver failed_count of its pods counts the copies that failed.
    expr: (s) =>
      sumBy("namespace", `increase(cnpg_pg_stat_archiver_failed_count{${s.namespace},pod=~"${drReplicaPods(s)}"}[1h])`),
  },
  "certificate-expiry-seconds": {
    record: "loom:certificate:expiry_seconds",
    // cert-manager labels its series with the Certificate's namespace; behind a ServiceMonitor without honorLabels
    // that label arrives as exported_namespace, so both spellings are read.
    expr: (s) => {
      const m = "certmanager_certificate_expiration_timestamp_seconds";
      const exported = s.namespace.replace(/^namespace/, "exported_namespace");
      return `min by (namespace) (label_replace(${m}{${exported}}, "namespace", "$1", "exported_namespace", "(.+)") or ${m}{${s.namespace}}) - time()`;
    },
  },
};

/** The DR replica cluster's pods: CloudNativePG names them `<cluster>-dr-<n>` beside the primary's `<cluster>-<n>`. */
function drReplicaPods(s: PromScope): string {
  if (!s.databasePods.includes("-db-")) throw new Error(`database pods ${s.databasePods} are not <name>-db-<n>`);
  return s.databasePods.replace("-db-", "-db-dr-");
}

/** The recording-rule name of a signal over a window. */
export function recordName(id: SignalId, w: Window = "5m"): string {
  return PROMETHEUS[id].record.replace("{w}", w);
}

/** Metrics the queries read, for the dashboard/rule lint: every `name{` or `name[` token that is not a function. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)) names.add(m[1]);
  return [...names];
}
