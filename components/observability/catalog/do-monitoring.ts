/**
 * The DigitalOcean backend's query table: total over `SignalId` (a missing signal is a tsc error). Pure data, no SDK:
 * observability/do-alerts.ts turns it into DO Monitoring alert policies, Uptime alerts and the monitor droplet's
 * Prometheus rules.
 *
 * Each signal is measured by one or more of:
 * - `monitoring`: a DigitalOcean Monitoring alert policy type (`v1/insights/…`, `v1/dbaas/alerts/…`) on the load
 *   balancer, the database clusters, the cache cluster or the droplet groups (by tag: autoscale pool members carry
 *   the tag), or an Uptime alert on the health check (`ssl_expiry`). DO evaluates these itself: they page even when
 *   the monitor droplet is down. An alert whose signal has a `monitoring` measure is rendered there.
 * - `prometheus`: the catalog's PromQL over the app's series, evaluated by Prometheus on the monitor droplet, which
 *   scrapes the jobs droplet's collector (the apps send OTLP metrics there; its prometheus exporter serves them on
 *   DO_PORTS.metrics). The scrape adds `namespace="<prefix>"`, so the app expressions are the Kubernetes ones
 *   (catalog/prometheus.ts), except queue-depth (one series per app instance, not per pod). DO Monitoring cannot
 *   ingest custom metrics: queue depth, LLM failures, app latency and the SLO burn rates live here.
 * - `gap`: what DigitalOcean cannot measure as the catalog says (dashboards and alerts fall back to the closest real
 *   thing, named here).
 *
 * Units: DO percentages are 0…100 (the catalog's ratios × 100); the load balancer's response time is in milliseconds.
 */
import { PROMETHEUS, type PromScope } from "./prometheus";
import type { SignalId, Window } from "./signals";

/** Which resource a DO Monitoring policy watches (entities by id, or droplets by group tag). */
export type DoTarget =
  | { kind: "loadBalancer" }
  | { kind: "database" }
  | { kind: "cache" }
  | { kind: "droplets"; groups: readonly DoGroup[] }
  | { kind: "uptime" };

export type DoGroup = "web" | "worker" | "jobs" | "monitor";

/** A DO Monitoring (or Uptime) measure of a signal. */
export interface DoMeasure {
  /** The policy type (`v1/insights/lbaas/droplet_health`) or the Uptime alert type (`ssl_expiry`). */
  type: string;
  target: DoTarget;
  /** The member label of a per-workload/per-volume signal (alert ids get `-<member>`). */
  member?: string;
  /** The catalog's threshold in DO's unit. */
  value: (threshold: number) => number;
  /** The measure counts the complement (used vs free): the comparison flips. */
  inverted?: boolean;
}

export interface DoSignal {
  monitoring?: readonly DoMeasure[];
  /** PromQL on the monitor droplet over the stack's series; windowed signals read `w`. */
  prometheus?: (r: DoRefs, w: Window) => string;
  /** What DigitalOcean cannot measure as the catalog says, if anything. */
  gap?: string;
}

const percent = (ratio: number) => Math.round(ratio * 1e4) / 100;
const usedPercent = (freeRatio: number) => percent(1 - freeRatio);
const ALL_GROUPS: readonly DoGroup[] = ["web", "worker", "jobs", "monitor"];
/** What do-alerts.ts fills in. */
export interface DoRefs {
  /** The `namespace` label the scrape gives every series: the stack prefix (`loom-prod`). */
  namespace: string;
  /** Whether the backup job also writes a DR copy (disaster recovery on). */
  drCopy: boolean;
}

/**
 * The PromScope of the Kubernetes expressions: only `namespace` is read by the app signals' expressions; the other
 * fields name the droplet groups and are never matched (no cAdvisor, kube-state-metrics or CloudNativePG here).
 */
export function doPromScope(namespace: string): PromScope {
  return {
    namespace: `namespace=${JSON.stringify(namespace)}`,
    deployments: "web|worker",
    containers: { web: "web", worker: "worker", database: "database", cache: "cache" },
    databasePods: "database",
    cachePvcs: "cache",
    cacheMaxmemoryShare: 1,
  };
}

const app =
  (id: SignalId) =>
  (r: DoRefs, w: Window): string =>
    PROMETHEUS[id].expr(doPromScope(r.namespace), w);
const ns = (r: DoRefs) => `namespace=${JSON.stringify(r.namespace)}`;
const backup = (r: DoRefs, copy: "primary" | "dr") =>
  `loom_backup_last_success_timestamp_seconds{${ns(r)},job="${BACKUP_PUSH_JOB}",copy="${copy}"}`;

/** The Pushgateway job the backup droplet's metrics file lands in (the monitor droplet fetches it from the bucket). */
export const BACKUP_PUSH_JOB = "loom-backup";

export const DO_MONITORING: Readonly<Record<SignalId, DoSignal>> = {
  "http-request-rate": { prometheus: app("http-request-rate") },
  "http-error-ratio": {
    monitoring: [
      {
        type: "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx",
        target: { kind: "loadBalancer" },
        value: percent,
      },
    ],
    prometheus: app("http-error-ratio"),
    gap: "the load balancer's 5xx share (DO Monitoring) pages; the burn-rate windows read the app's own counters",
  },
  "http-slow-ratio": { prometheus: app("http-slow-ratio") },
  "http-latency-p95": {
    monitoring: [
      {
        type: "v1/insights/lbaas/high_http_request_response_time_95p",
        target: { kind: "loadBalancer" },
        value: (seconds) => seconds * 1000,
      },
    ],
    prometheus: app("http-latency-p95"),
    gap: "the load balancer's p95 response time of the droplets (DO Monitoring), not the app's histogram",
  },
  "http-errors-by-route": { prometheus: app("http-errors-by-route") },
  // Every instance reports the same global value: the total per instance, the max across instances.
  "queue-depth": {
    prometheus: (r) => `max by (namespace) (sum by (namespace, job, instance) (loom_queue_depth{${ns(r)}}))`,
  },
  "review-rate": { prometheus: app("review-rate") },
  "review-duration-p95": { prometheus: app("review-duration-p95") },
  "reviews-requested-rate": { prometheus: app("reviews-requested-rate") },
  "active-users": { prometheus: app("active-users") },
  "jobs-failed-rate": { prometheus: app("jobs-failed-rate") },
  "llm-request-rate": { prometheus: app("llm-request-rate") },
  "llm-failure-ratio": { prometheus: app("llm-failure-ratio") },
  "llm-latency-p95": { prometheus: app("llm-latency-p95") },
  "llm-token-rate": { prometheus: app("llm-token-rate") },
  "llm-cost-rate": { prometheus: app("llm-cost-rate") },
  "db-query-p95": { prometheus: app("db-query-p95") },
  "database-up": {
    gap: "DO Monitoring has no availability policy for managed databases (dbaas types: cpu, memory, disk, load) and the monitor droplet is not a trusted source of the cluster; a down database shows as high-error-rate and droplet_health (the web health check reads it)",
  },
  "database-cpu-ratio": {
    monitoring: [{ type: "v1/dbaas/alerts/cpu_alerts", target: { kind: "database" }, value: percent }],
  },
  "database-free-storage-ratio": {
    monitoring: [
      {
        type: "v1/dbaas/alerts/disk_utilization_alerts",
        target: { kind: "database" },
        value: usedPercent,
        inverted: true,
      },
    ],
  },
  "database-connections": {
    gap: "dashboards only: DO Monitoring has no connection-count policy, and its database metrics endpoint needs account credentials the monitor droplet does not hold",
  },
  "cache-memory-ratio": {
    monitoring: [{ type: "v1/dbaas/alerts/memory_utilization_alerts", target: { kind: "cache" }, value: percent }],
    gap: "the Valkey node's memory utilization, not the share of maxmemory",
  },
  "memory-working-set-ratio": {
    monitoring: [
      {
        type: "v1/insights/droplet/memory_utilization_percent",
        target: { kind: "droplets", groups: ["web", "worker"] },
        member: "droplets",
        value: percent,
      },
      {
        type: "v1/dbaas/alerts/memory_utilization_alerts",
        target: { kind: "database" },
        member: "database",
        value: percent,
      },
      { type: "v1/dbaas/alerts/memory_utilization_alerts", target: { kind: "cache" }, member: "cache", value: percent },
    ],
    gap: "per droplet (the metrics agent), not per container against its compose limit",
  },
  "workload-cpu-ratio": {
    monitoring: [
      {
        type: "v1/insights/droplet/cpu",
        target: { kind: "droplets", groups: ["web", "worker"] },
        member: "droplets",
        value: percent,
      },
      { type: "v1/dbaas/alerts/cpu_alerts", target: { kind: "database" }, member: "database", value: percent },
    ],
    gap: "per droplet, not per container; no catalog alert reads it",
  },
  "volume-free-ratio": {
    monitoring: [
      {
        type: "v1/dbaas/alerts/disk_utilization_alerts",
        target: { kind: "database" },
        member: "database",
        value: usedPercent,
        inverted: true,
      },
      {
        type: "v1/insights/droplet/disk_utilization_percent",
        target: { kind: "droplets", groups: ALL_GROUPS },
        member: "droplets",
        value: usedPercent,
        inverted: true,
      },
    ],
    gap: "Managed Valkey has no volume metric; droplet root disks stand in for the cache volume",
  },
  "replicas-unavailable": {
    monitoring: [
      { type: "v1/insights/lbaas/droplet_health", target: { kind: "loadBalancer" }, value: (count) => count - 1 },
    ],
    gap: "web droplets the load balancer's health check marks down (value > threshold − 1); worker pools have no desired count DO Monitoring reads",
  },
  "certificate-expiry-seconds": {
    monitoring: [{ type: "ssl_expiry", target: { kind: "uptime" }, value: (seconds) => Math.ceil(seconds / 86400) }],
    gap: "the Uptime check's view of the certificate served on the health URL, in days",
  },
  // The backup job's metrics file (scripts/backup/metrics.ts), fetched from the backup bucket into the Pushgateway.
  "backups-succeeded": {
    prometheus: (r) => `sum by (namespace) (time() - ${backup(r, "primary")} < bool ${26 * 3600})`,
  },
  "backup-size-ratio": {
    prometheus: (r) => `min by (namespace) (loom_backup_size_ratio{${ns(r)},job="${BACKUP_PUSH_JOB}",copy="primary"})`,
  },
  // The DR copy's metrics file sits beside the set in the DR bucket: a copy older than the primary's by more than
  // an hour is a failed copy. Without disaster recovery there is no copy to fail.
  "backup-dr-copy-failures": {
    prometheus: (r) => {
      if (!r.drCopy) return `label_replace(vector(0), "namespace", ${JSON.stringify(r.namespace)}, "", "")`;
      const primary = `max by (namespace) (${backup(r, "primary")})`;
      return `(${primary} - on (namespace) (max by (namespace) (${backup(r, "dr")}) or ${primary} * 0)) > bool 3600`;
    },
    gap: "a DR copy is failed when its metrics file lags the primary's by more than an hour (or is missing)",
  },
};

/** How an alert of a signal is evaluated on DigitalOcean: DO Monitoring first, then Prometheus, else not at all. */
export function doBackend(id: SignalId): "monitoring" | "prometheus" | "none" {
  const s = DO_MONITORING[id];
  if (s.monitoring?.length) return "monitoring";
  return s.prometheus ? "prometheus" : "none";
}
