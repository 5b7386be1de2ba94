/**
 * The catalog's alerts on DigitalOcean, rendered from the total table catalog/do-monitoring.ts. Pure: no SDK;
 * digitalocean.ts turns the specs into MonitorAlert / UptimeAlert resources and the monitor droplet's rules file.
 *
 * - An alert whose signal has a DO Monitoring measure becomes one alert policy per measure (per member of a
 *   per-workload signal: `memory-pressure-droplets`, `memory-pressure-database`, …) — DO evaluates it, so it pages
 *   even when the monitor droplet is down. Load-balancer measures need a load balancer (none in dev).
 * - `certificate-expiry` becomes an Uptime `ssl_expiry` alert on the health check; `uptime-down` (no catalog alert:
 *   the check's own `down_global`) pages when every checker region fails.
 * - Every other alert with a Prometheus expression is an alerting rule on the monitor droplet (Alertmanager).
 * - The rest are not measurable on DigitalOcean ({@link DoAlertPlan.unmeasured}; docs/observability.md says why).
 *
 * DO windows are 5m, 10m, 30m, 1h: an alert's `for` becomes the longest window not above it (at least 5m).
 */
import { ALERTS, type AlertDef, type Thresholds } from "./catalog/alerts";
import { DO_MONITORING, type DoMeasure, type DoRefs, type DoTarget, doPromScope } from "./catalog/do-monitoring";
import { recordName } from "./catalog/prometheus";
import { alertRule, type RuleGroup } from "./catalog/rules";
import { SIGNAL_IDS, SIGNALS, type SignalId } from "./catalog/signals";
import type { SloTargets } from "./catalog/slo";
import type { Severity } from "./channels";

/** DO Monitoring's windows, shortest first. */
export const DO_WINDOWS = ["5m", "10m", "30m", "1h"] as const;
export type DoWindow = (typeof DO_WINDOWS)[number];
/** Uptime alert periods. */
export const UPTIME_PERIODS = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"] as const;

export interface MonitorAlertSpec {
  /** `<alert id>` or `<alert id>-<member>`: the resource's logical name suffix. */
  id: string;
  alert: AlertDef;
  type: string;
  target: Exclude<DoTarget, { kind: "uptime" }>;
  compare: "GreaterThan" | "LessThan";
  value: number;
  window: DoWindow;
  description: string;
}

export interface UptimeAlertSpec {
  id: string;
  severity: Severity;
  type: "ssl_expiry" | "down_global";
  comparison: "greater_than" | "less_than";
  threshold?: number;
  period: (typeof UPTIME_PERIODS)[number];
}

export interface DoAlertPlan {
  monitor: MonitorAlertSpec[];
  uptime: UptimeAlertSpec[];
  /** Alerts evaluated by Prometheus on the monitor droplet. */
  prometheus: AlertDef[];
  /** Alerts DigitalOcean cannot evaluate (no measure, no expression). */
  unmeasured: AlertDef[];
}

export interface DoAlertOptions {
  thresholds: Thresholds;
  /** Whether the stack has a load balancer (its lbaas measures). */
  loadBalancer: boolean;
}

const seconds = (d: string) => {
  const m = /^(\d+)([smh])$/.exec(d);
  if (!m) throw new Error(`duration ${d}: must be <n>s, <n>m or <n>h`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
};

/** The longest DO window not above `for` (at least 5m). */
export function doWindow(forDuration: string): DoWindow {
  const s = seconds(forDuration);
  return [...DO_WINDOWS].reverse().find((w) => seconds(w) <= s) ?? "5m";
}

/** The longest Uptime period not above `for` (at least 2m). */
export function uptimePeriod(forDuration: string): UptimeAlertSpec["period"] {
  const s = seconds(forDuration);
  return [...UPTIME_PERIODS].reverse().find((p) => seconds(p) <= s) ?? "2m";
}

const usable = (m: DoMeasure, o: DoAlertOptions) => m.target.kind !== "loadBalancer" || o.loadBalancer;

function monitorSpec(a: AlertDef, m: DoMeasure, o: DoAlertOptions): MonitorAlertSpec {
  if (a.condition.kind !== "threshold") throw new Error(`${a.id}: only threshold alerts go to DO Monitoring`);
  if (m.target.kind === "uptime") throw new Error(`${a.id}: ${m.type} is an Uptime alert`);
  const above = a.condition.op !== "<";
  const t = a.condition.threshold(o.thresholds);
  return {
    id: m.member ? `${a.id}-${m.member}` : a.id,
    alert: a,
    type: m.type,
    target: m.target,
    compare: above !== (m.inverted ?? false) ? "GreaterThan" : "LessThan",
    value: m.value(t),
    window: doWindow(a.for),
    description: `${a.summary} (${a.severity}; docs/runbooks/alerts.md#${a.id})`,
  };
}

/** Where each catalog alert is evaluated on DigitalOcean. */
export function doAlertPlan(o: DoAlertOptions, alerts: readonly AlertDef[] = ALERTS): DoAlertPlan {
  const plan: DoAlertPlan = { monitor: [], uptime: [], prometheus: [], unmeasured: [] };
  for (const a of alerts) {
    const signal = DO_MONITORING[a.condition.signal];
    const measures = a.condition.kind === "threshold" ? (signal.monitoring ?? []).filter((m) => usable(m, o)) : [];
    const uptime = measures.filter((m) => m.target.kind === "uptime");
    const monitor = measures.filter((m) => m.target.kind !== "uptime");
    for (const m of uptime) {
      if (a.condition.kind !== "threshold") continue;
      plan.uptime.push({
        id: a.id,
        severity: a.severity,
        type: "ssl_expiry",
        comparison: a.condition.op === "<" ? "less_than" : "greater_than",
        threshold: m.value(a.condition.threshold(o.thresholds)),
        period: uptimePeriod(a.for),
      });
    }
    plan.monitor.push(...monitor.map((m) => monitorSpec(a, m, o)));
    if (measures.length > 0) continue;
    if (signal.prometheus) plan.prometheus.push(a);
    else plan.unmeasured.push(a);
  }
  plan.uptime.push({
    id: "uptime-down",
    severity: "critical",
    type: "down_global",
    comparison: "greater_than",
    period: "2m",
  });
  return plan;
}

/** The signals Prometheus records on the monitor droplet: every one with an expression. */
export const PROMETHEUS_SIGNALS: readonly SignalId[] = SIGNAL_IDS.filter((id) => DO_MONITORING[id].prometheus);

export interface DoRuleOptions {
  refs: DoRefs;
  thresholds: Thresholds;
  slo: SloTargets;
  runbookBaseUrl: string;
  /** The alerts Prometheus evaluates ({@link DoAlertPlan.prometheus}); none with alerting off. */
  alerts: readonly AlertDef[];
}

/**
 * The monitor droplet's rules file: the recording rules of {@link PROMETHEUS_SIGNALS} (the Kubernetes record names,
 * so the catalog's Grafana dashboards read them unchanged) and one `Loom<Id>` alerting rule per Prometheus alert.
 */
export function doRuleGroups(o: DoRuleOptions): RuleGroup[] {
  const records = (windowed: boolean) =>
    PROMETHEUS_SIGNALS.filter((id) => Boolean(SIGNALS[id].windows) === windowed).flatMap((id) =>
      (SIGNALS[id].windows ?? (["5m"] as const)).map((w) => ({
        record: recordName(id, w),
        expr: (DO_MONITORING[id].prometheus as NonNullable<(typeof DO_MONITORING)[SignalId]["prometheus"]>)(o.refs, w),
      })),
    );
  const groups: RuleGroup[] = [
    { name: "loom.records", rules: records(false) },
    { name: "loom.slo.records", rules: records(true) },
  ];
  if (o.alerts.length === 0) return groups;
  const missing = o.alerts.filter((a) => !DO_MONITORING[a.condition.signal].prometheus);
  if (missing.length) throw new Error(`no Prometheus expression for ${missing.map((a) => a.id).join(", ")}`);
  const options = {
    scope: doPromScope(o.refs.namespace),
    thresholds: o.thresholds,
    slo: o.slo,
    runbookBaseUrl: o.runbookBaseUrl,
    namespace: o.refs.namespace,
  };
  return [...groups, { name: "loom.alerts", rules: o.alerts.map((a) => alertRule(a, options)) }];
}
