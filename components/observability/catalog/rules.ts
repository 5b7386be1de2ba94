/**
 * Prometheus rules rendered from the catalogs: recording rules for every signal (and every burn-rate window), and
 * one `Loom<CamelCaseId>` alerting rule per ALERTS entry that reads only recorded series. Pure; the export script
 * writes them to observability/prometheus/rules.yml (every `loom-*` namespace) and k8s-rules.ts puts the same groups,
 * scoped to one stack, in its PrometheusRule.
 */
import { ALERTS, type AlertDef, type AlertId, DEFAULT_THRESHOLDS, sloOf, type Thresholds } from "./alerts";
import { EXPORT_SCOPE, PROMETHEUS, type PromScope, recordName } from "./prometheus";
import { SIGNAL_IDS, SIGNALS, type SignalId } from "./signals";
import { burnThreshold, DEFAULT_SLO, type SloTargets } from "./slo";

/** Where runbook links point; `loom:observability.runbookBaseUrl` overrides it once settings carry the key. */
export const DEFAULT_RUNBOOK_BASE_URL = "https://github.com/loom-dev/loom-infra/blob/main/";

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (RecordingRule | AlertingRule)[];
}

export interface RuleOptions {
  scope: PromScope;
  thresholds: Thresholds;
  slo: SloTargets;
  /** Absolute base the repository paths of runbooks are appended to (trailing slash optional). */
  runbookBaseUrl: string;
  /** One stack's namespace: set as a fixed `namespace` label. Omitted: taken from each series. */
  namespace?: string;
}

export const EXPORT_OPTIONS: RuleOptions = {
  scope: EXPORT_SCOPE,
  thresholds: DEFAULT_THRESHOLDS,
  slo: DEFAULT_SLO.prod,
  runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
};

/** "high-error-rate" → "LoomHighErrorRate". */
export function alertName(id: AlertId): string {
  return `Loom${id
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}`;
}

/** The absolute runbook URL of a repository path + anchor. */
export function runbookUrl(base: string, runbook: string): string {
  return `${base.replace(/\/+$/, "")}/${runbook.replace(/^\/+/, "")}`;
}

function recordsOf(id: SignalId, scope: PromScope): RecordingRule[] {
  const windows = SIGNALS[id].windows ?? (["5m"] as const);
  return windows.map((w) => ({ record: recordName(id, w), expr: PROMETHEUS[id].expr(scope, w) }));
}

/** The recording rules: instantaneous/5m signals in one group, the burn-rate windows in another. */
export function recordingGroups(scope: PromScope): RuleGroup[] {
  const plain = SIGNAL_IDS.filter((id) => !SIGNALS[id].windows);
  const windowed = SIGNAL_IDS.filter((id) => SIGNALS[id].windows);
  return [
    { name: "loom.records", rules: plain.flatMap((id) => recordsOf(id, scope)) },
    { name: "loom.slo.records", rules: windowed.flatMap((id) => recordsOf(id, scope)) },
  ];
}

/** The threshold an alert compares with (for burn-rate alerts: the lowest pair's). */
export function alertThreshold(a: AlertDef, o: Pick<RuleOptions, "thresholds" | "slo">): number {
  const c = a.condition;
  if (c.kind === "threshold") return c.threshold(o.thresholds);
  return Math.min(...c.pairs.map((p) => burnThreshold(o.slo[c.slo], p.factor)));
}

function thresholdText(a: AlertDef, o: Pick<RuleOptions, "thresholds" | "slo">): string {
  const c = a.condition;
  if (c.kind === "threshold") return `threshold ${c.threshold(o.thresholds)}`;
  const ts = c.pairs.map((p) => `${burnThreshold(o.slo[c.slo], p.factor)} over ${p.long}/${p.short}`);
  return `objective ${o.slo[c.slo]}, bad-ratio thresholds ${ts.join(" and ")}`;
}

/** The PromQL that holds while the alert's condition holds, over recorded series only. */
export function alertExpr(a: AlertDef, o: Pick<RuleOptions, "thresholds" | "slo">): string {
  const c = a.condition;
  if (c.kind === "threshold") {
    const expr = `${recordName(c.signal)} ${c.op} ${c.threshold(o.thresholds)}`;
    return c.missing === "breaching" ? `${expr} or absent(${recordName(c.signal)})` : expr;
  }
  const objective = o.slo[c.slo];
  return c.pairs
    .map((p) => {
      const t = burnThreshold(objective, p.factor);
      return `(${recordName(c.signal, p.long)} > ${t} and ${recordName(c.signal, p.short)} > ${t})`;
    })
    .join(" or ");
}

export function alertRule(a: AlertDef, o: RuleOptions): AlertingRule {
  const slo = sloOf(a);
  const value = SIGNALS[a.condition.signal].unit === "ratio" ? "humanizePercentage" : "humanize";
  return {
    alert: alertName(a.id),
    expr: alertExpr(a, o),
    for: a.for,
    labels: {
      severity: a.severity,
      loom_alert: a.id,
      namespace: o.namespace ?? "{{ $labels.namespace }}",
      ...(slo ? { loom_slo: slo } : {}),
    },
    annotations: {
      summary: a.summary,
      description: `${a.description} Value {{ $value | ${value} }}, ${thresholdText(a, o)}, namespace {{ $labels.namespace }}.`,
      runbook_url: runbookUrl(o.runbookBaseUrl, a.runbook),
    },
  };
}

/** Every rule group: recording rules first, then the alerts. */
export function ruleGroups(o: RuleOptions = EXPORT_OPTIONS, alerts: readonly AlertDef[] = ALERTS): RuleGroup[] {
  return [...recordingGroups(o.scope), { name: "loom.alerts", rules: alerts.map((a) => alertRule(a, o)) }];
}

/**
 * Scrape configuration for a Prometheus without the operator: Loom pods (annotated `prometheus.io/scrape`, path
 * and port from `prometheus.io/path` / `prometheus.io/port`), CloudNativePG instances (port `metrics`), the kubelet's
 * cAdvisor and volume stats, kube-state-metrics and cert-manager, by in-cluster service discovery. Alertmanager on
 * `alertmanager:9093`. The operator path (ServiceMonitor/PodMonitor) stays with the Kubernetes cloud file.
 */
export function scrapeConfig(): Record<string, unknown> {
  const keepAnnotated = [
    { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], action: "keep", regex: "true" },
    {
      source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"],
      action: "replace",
      target_label: "__metrics_path__",
      regex: "(.+)",
    },
    {
      source_labels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
      action: "replace",
      regex: "([^:]+)(?::\\d+)?;(\\d+)",
      replacement: "$1:$2",
      target_label: "__address__",
    },
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
  ];
  const kubelet = (job: string, path: string) => ({
    job_name: job,
    scheme: "https",
    metrics_path: path,
    authorization: { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
    tls_config: { ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" },
    kubernetes_sd_configs: [{ role: "node" }],
  });
  return {
    global: { scrape_interval: "30s", evaluation_interval: "30s" },
    rule_files: ["rules.yml"],
    alerting: { alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] },
    scrape_configs: [
      { job_name: "loom-pods", kubernetes_sd_configs: [{ role: "pod" }], relabel_configs: keepAnnotated },
      {
        job_name: "cloudnative-pg",
        kubernetes_sd_configs: [{ role: "pod" }],
        relabel_configs: [
          { source_labels: ["__meta_kubernetes_pod_label_cnpg_io_cluster"], action: "keep", regex: ".+" },
          { source_labels: ["__meta_kubernetes_pod_container_port_name"], action: "keep", regex: "metrics" },
          { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
          { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
        ],
      },
      kubelet("kubelet", "/metrics"),
      kubelet("cadvisor", "/metrics/cadvisor"),
      {
        job_name: "kube-state-metrics",
        static_configs: [{ targets: ["kube-state-metrics.kube-system.svc:8080"] }],
        honor_labels: true,
      },
      {
        job_name: "cert-manager",
        static_configs: [{ targets: ["cert-manager.cert-manager.svc:9402"] }],
        honor_labels: true,
      },
    ],
  };
}
