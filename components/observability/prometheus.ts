/**
 * The alert catalog (alerts.ts) rendered for Prometheus, and Loom's Grafana dashboard — pure, tested without mocks.
 *
 * Metrics: the app's own (`loom_*`, docs/metrics.md), cAdvisor and kubelet volume stats, kube-state-metrics — all
 * scraped by kube-prometheus-stack. Every expression is scoped to the stack's namespace.
 */
import { MAXMEMORY_SHARE } from "../cache/valkey";
import { QUEUE_DEPTH_SERIES, queueDepthQuery } from "../lib/metrics";
import { ALERT_CATALOG, type AlertDefinition, type AlertId, type AlertThresholds } from "./alerts";

export interface PromContext {
  namespace: string;
  webDeployment: string;
  workerDeployment: string;
  /** Regex of the database instance pods (and their PVCs, which CloudNativePG names the same). */
  databasePods: string;
  databaseContainer: string;
  /** The cache StatefulSet (its pods are `<name>-<ordinal>`). */
  cacheStatefulSet: string;
  cacheContainer: string;
}

/** Prometheus alert names must be identifiers: "high-error-rate" → "LoomHighErrorRate". */
export function alertName(id: AlertId): string {
  return `Loom${id
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}`;
}

/** The PromQL that is true while the alert's condition holds (threshold from the table). */
export function alertExpression(id: AlertId, threshold: number, c: PromContext): string {
  const ns = `namespace="${c.namespace}"`;
  const db = `${ns},pod=~"${c.databasePods}",container="${c.databaseContainer}"`;
  const cache = `${ns},pod=~"${c.cacheStatefulSet}-[0-9]+",container="${c.cacheContainer}"`;
  const deployments = `${ns},deployment=~"${c.webDeployment}|${c.workerDeployment}"`;
  switch (id) {
    case "high-error-rate":
      return `100 * sum(rate(loom_http_requests_total{${ns},status=~"5.."}[5m])) / sum(rate(loom_http_requests_total{${ns}}[5m])) > ${threshold}`;
    case "slow-responses":
      return `histogram_quantile(0.95, sum by (le) (rate(loom_http_request_duration_seconds_bucket{${ns}}[5m]))) > ${threshold}`;
    case "database-cpu-high":
      return `100 * max by (pod) (rate(container_cpu_usage_seconds_total{${db}}[5m])) / max by (pod) (kube_pod_container_resource_limits{${db},resource="cpu"}) > ${threshold}`;
    case "database-storage-low":
      return `100 * min by (persistentvolumeclaim) (kubelet_volume_stats_available_bytes{${ns},persistentvolumeclaim=~"${c.databasePods}"} / kubelet_volume_stats_capacity_bytes{${ns},persistentvolumeclaim=~"${c.databasePods}"}) < ${threshold}`;
    case "tasks-below-desired":
      return `max by (deployment) (kube_deployment_spec_replicas{${deployments}} - kube_deployment_status_replicas_available{${deployments}}) >= ${threshold}`;
    case "queue-backlog":
      // No data is treated as breaching, as on AWS: a silent publisher leaves the autoscaler blind too.
      return `${queueDepthQuery(c.namespace)} > ${threshold} or absent(${QUEUE_DEPTH_SERIES}{${ns}})`;
    case "cache-memory-high":
      return `100 * max(container_memory_working_set_bytes{${cache}}) / (max(kube_pod_container_resource_limits{${cache},resource="memory"}) * ${MAXMEMORY_SHARE}) > ${threshold}`;
    default: {
      const unhandled: never = id;
      throw new Error(`alert ${String(unhandled)} has no Prometheus expression`);
    }
  }
}

export interface PrometheusAlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One Prometheus alerting rule per catalog entry. */
export function alertRule(def: AlertDefinition, thresholds: AlertThresholds, c: PromContext): PrometheusAlertRule {
  const threshold = def.threshold(thresholds);
  return {
    alert: alertName(def.id),
    expr: alertExpression(def.id, threshold, c),
    for: `${def.forMinutes}m`,
    labels: {
      // Alertmanager's conventional severities: page → critical, ticket → warning.
      severity: def.severity === "page" ? "critical" : "warning",
      loom_alert: def.id,
      namespace: c.namespace,
    },
    annotations: {
      summary: def.summary,
      description: `${def.summary} (threshold ${threshold}, value {{ $value | humanize }}) in ${c.namespace}`,
      runbook_url: def.runbook,
    },
  };
}

/** The PrometheusRule spec: every catalog entry, one group. */
export function prometheusRuleSpec(thresholds: AlertThresholds, c: PromContext, catalog = ALERT_CATALOG) {
  return { groups: [{ name: "loom", rules: catalog.map((def) => alertRule(def, thresholds, c)) }] };
}

/** Loom's Grafana dashboard (picked up by the Grafana sidecar through the `grafana_dashboard` label). */
export function dashboardJson(title: string, c: PromContext): string {
  const ns = `namespace="${c.namespace}"`;
  // Grafana's own variable syntax, resolved by Grafana (the `datasource` template variable below).
  const datasource = { type: "prometheus", uid: "$" + "{datasource}" };
  const panel = (id: number, panelTitle: string, expr: string, unit: string, x: number, y: number) => ({
    id,
    type: "timeseries",
    title: panelTitle,
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ expr, refId: "A", datasource }],
    datasource,
  });
  return JSON.stringify({
    title,
    uid: title.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40),
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus" }] },
    panels: [
      panel(1, "Requests per second", `sum(rate(loom_http_requests_total{${ns}}[5m]))`, "reqps", 0, 0),
      panel(
        2,
        "5xx share",
        `100 * sum(rate(loom_http_requests_total{${ns},status=~"5.."}[5m])) / sum(rate(loom_http_requests_total{${ns}}[5m]))`,
        "percent",
        12,
        0,
      ),
      panel(
        3,
        "p95 latency",
        `histogram_quantile(0.95, sum by (le) (rate(loom_http_request_duration_seconds_bucket{${ns}}[5m])))`,
        "s",
        0,
        8,
      ),
      panel(4, "Queue depth", queueDepthQuery(c.namespace), "short", 12, 8),
      panel(
        5,
        "Available replicas",
        `kube_deployment_status_replicas_available{${ns},deployment=~"${c.webDeployment}|${c.workerDeployment}"}`,
        "short",
        0,
        16,
      ),
      panel(
        6,
        "LLM spend (USD/hour)",
        `sum by (provider, model) (rate(loom_llm_cost_usd_total{${ns}}[1h])) * 3600`,
        "currencyUSD",
        12,
        16,
      ),
    ],
  });
}
