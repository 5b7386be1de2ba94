/**
 * The alert catalog (catalog/alerts.ts) rendered as Cloud Monitoring alert policy specs from the Cloud Monitoring
 * query table (catalog/cloud-monitoring.ts). Pure: no Pulumi runtime, no SDK; gcp.ts turns each spec into one
 * `AlertPolicy` with one PromQL condition, and the tests check the specs without mocks.
 *
 * - One policy per alert (a PromQL condition fires per result series, so a per-workload signal needs no policy per
 *   member): `<signal> <op> <threshold>` held for the alert's `for` (`duration`). `missing: "breaching"` adds
 *   `or on() absent(<signal>)`, so a silent publisher (no queue depth, no database series, no backup run) fires too.
 * - Burn-rate alerts (SRE workbook): `(long > t and short > t) or …` over each pair's windows in the same
 *   condition, `t` = error budget × factor from the stack's SLO; the catalog's `for` is kept as on Prometheus.
 * - Each policy names the severity (CRITICAL / WARNING), notifies on open and close, carries the runbook link and
 *   the Prometheus rule name (`alertRule`, `ruleGroup: loom`) so incidents read like the Kubernetes alerts.
 */
import { durationSeconds } from "./aws-alarms";
import {
  ALERTS,
  type AlertDef,
  type BurnRateCondition,
  type ThresholdCondition,
  type Thresholds,
} from "./catalog/alerts";
import { CLOUD_MONITORING, type CmRefs } from "./catalog/cloud-monitoring";
import { alertName, runbookUrl } from "./catalog/rules";
import { SIGNALS } from "./catalog/signals";
import { burnThreshold, type SloTargets } from "./catalog/slo";

/** Cloud Monitoring's limits on documentation content and on link display names. */
export const MAX_CONTENT = 8192;
export const RULE_GROUP = "loom";

export interface PolicySpec {
  alert: AlertDef;
  /** `<prefix>-<alert id>`: the policy's display name and the alert's name in outputs. */
  displayName: string;
  severity: "CRITICAL" | "WARNING";
  /** The condition's PromQL, once gcp.ts has the identifiers. */
  query: (r: CmRefs) => string;
  /** How long the condition must hold, in the API's seconds form (`300s`). */
  duration: string;
  /** The Prometheus rule name of the alert (`LoomHighErrorRate`). */
  alertRule: string;
  /** What the condition says, for its display name and the documentation. */
  condition: string;
  documentation: {
    subject: string;
    content: string;
    mimeType: "text/markdown";
    links: { displayName: string; url: string }[];
  };
  /** PromQL result labels the condition adds to each incident. */
  labels: Record<string, string>;
}

export interface GcpRenderArgs {
  /** `<project>-<stack>`: every policy name starts with `<prefix>-`. */
  prefix: string;
  thresholds: Thresholds;
  slo: SloTargets;
  runbookBaseUrl: string;
  /** @default ALERTS */
  alerts?: readonly AlertDef[];
}

/** Every catalog alert as one policy spec; an alert kind this file cannot render fails (never a silent skip). */
export function renderGcpAlerts(args: GcpRenderArgs): PolicySpec[] {
  return (args.alerts ?? ALERTS).map((alert) => {
    const c = alert.condition;
    if (c.kind === "threshold") return spec(alert, args, thresholdQuery(c, args.thresholds), thresholdText(c, args));
    if (c.kind === "burn-rate") return spec(alert, args, burnQuery(c, args.slo), burnText(c, args.slo));
    throw new Error(
      `alert "${(alert as AlertDef).id}" (${(c as { kind: string }).kind}) has no Cloud Monitoring rendering (components/observability/gcp-alerts.ts)`,
    );
  });
}

/** The PromQL of a threshold condition. */
export function thresholdQuery(c: ThresholdCondition, t: Thresholds): (r: CmRefs) => string {
  return (r) => {
    const expr = CLOUD_MONITORING[c.signal].expr(r, "5m");
    const compared = `(${expr}) ${c.op} ${c.threshold(t)}`;
    return c.missing === "breaching" ? `${compared} or on() absent(${expr})` : compared;
  };
}

/** The PromQL of a burn-rate condition: any pair whose long and short windows both burn. */
export function burnQuery(c: BurnRateCondition, slo: SloTargets): (r: CmRefs) => string {
  const objective = slo[c.slo];
  return (r) =>
    c.pairs
      .map((p) => {
        const t = burnThreshold(objective, p.factor);
        const at = (w: typeof p.long) => `(${CLOUD_MONITORING[c.signal].expr(r, w)}) > ${t}`;
        return `(${at(p.long)} and ${at(p.short)})`;
      })
      .join(" or ");
}

function thresholdText(c: ThresholdCondition, args: GcpRenderArgs): string {
  const missing = c.missing === "breaching" ? " (or no data)" : "";
  return `${SIGNALS[c.signal].title} ${c.op} ${c.threshold(args.thresholds)}${missing}`;
}

function burnText(c: BurnRateCondition, slo: SloTargets): string {
  const objective = slo[c.slo];
  const pairs = c.pairs.map((p) => `${p.long}/${p.short} > ${burnThreshold(objective, p.factor)}`).join(" or ");
  return `the ${c.slo} SLI (objective ${objective}) burns ${pairs}`;
}

function spec(alert: AlertDef, args: GcpRenderArgs, query: (r: CmRefs) => string, condition: string): PolicySpec {
  const severity = alert.severity === "critical" ? "CRITICAL" : "WARNING";
  const url = runbookUrl(args.runbookBaseUrl, alert.runbook);
  const content = [
    `**${alert.summary}** (${alert.severity})`,
    alert.description,
    `Fires when ${condition} for ${alert.for}.`,
    `Runbook: ${url}`,
  ].join("\n\n");
  if (content.length > MAX_CONTENT) throw new Error(`documentation of "${alert.id}" exceeds ${MAX_CONTENT}`);
  return {
    alert,
    displayName: `${args.prefix}-${alert.id}`,
    severity,
    query,
    duration: `${durationSeconds(alert.for)}s`,
    alertRule: alertName(alert.id),
    condition,
    documentation: {
      subject: `[${severity}] ${args.prefix}: ${alert.summary}`,
      content,
      mimeType: "text/markdown",
      links: [{ displayName: "Runbook", url }],
    },
    labels: { severity: alert.severity, loom_alert: alert.id },
  };
}
