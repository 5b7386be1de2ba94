/**
 * The alert catalog (catalog/alerts.ts) rendered as Azure Monitor alert rule specs from the Azure Monitor query table
 * (catalog/azure-monitor.ts). Pure: no Pulumi runtime, no SDK; azure.ts turns each spec into one resource.
 *
 * - A threshold on a signal with a platform metric becomes one `MetricAlert` per member resource (a metric alert
 *   has one resource scope): `<prefix>-<alert>[-<member>]`, the threshold mapped to the metric's unit (ratio → %,
 *   free → used, unavailable → replicas; a decreasing map flips the comparison). "Held for `for`" is the
 *   aggregation over the window: the window's Minimum above (or Maximum below) the threshold means every point was.
 *   The window is the largest Azure allows that is no longer than `for` (PT1M, PT5M, PT15M, PT30M, PT1H, …).
 * - Every other alert, and every `missing: "breaching"` one (a metric alert never fires on no data), becomes one
 *   `ScheduledQueryRule` over the KQL: the query's `value` against the threshold, one alert per `by` combination
 *   (dimensions), held for `for` as consecutive failing evaluation periods (at most 6: the frequency grows with
 *   `for`). A breaching query replaces no data by a value that breaches.
 * - Burn rates: one query printing 1 while any pair's long and short windows both burn (`t` = budget × factor);
 *   the rule reads up to 2 days (Log Analytics' longest alert window), so the 3-day window is evaluated over 2 days.
 * - Severity: critical → Sev0, warning → Sev2; the description carries the summary, the condition and the runbook.
 */
import { durationSeconds } from "./aws-alarms";
import { ALERTS, type AlertDef, type Comparison, type Thresholds } from "./catalog/alerts";
import { type AmMetric, type AmRefs, AZURE_MONITOR } from "./catalog/azure-monitor";
import { runbookUrl } from "./catalog/rules";
import { SIGNALS, WINDOW_SECONDS } from "./catalog/signals";
import { burnThreshold, type SloTargets } from "./catalog/slo";

export type AzureOperator = "GreaterThan" | "GreaterThanOrEqual" | "LessThan" | "LessThanOrEqual";
export type AzureSeverity = 0 | 2;

interface Common {
  alert: AlertDef;
  /** The rule's name: `<prefix>-<alert id>` (a metric member appends `-<member>`). */
  name: string;
  severity: AzureSeverity;
  description: string;
  operator: AzureOperator;
  threshold: number;
  /** ISO 8601 durations. */
  windowSize: string;
  evaluationFrequency: string;
}

export interface MetricAlertSpec extends Common {
  kind: "metric";
  member: string;
  metric: AmMetric;
  timeAggregation: "Minimum" | "Maximum";
}

export interface LogAlertSpec extends Common {
  kind: "log";
  query: (r: AmRefs) => string;
  /** The signal's `by` labels: one alert per combination. */
  dimensions: string[];
  failingPeriods: { numberOfEvaluationPeriods: number; minFailingPeriodsToAlert: number };
}

export type AzureAlertSpec = MetricAlertSpec | LogAlertSpec;

export interface AzureRenderArgs {
  prefix: string;
  thresholds: Thresholds;
  slo: SloTargets;
  runbookBaseUrl: string;
  /** @default ALERTS */
  alerts?: readonly AlertDef[];
}

const OPERATORS: Readonly<Record<Comparison | "<=", AzureOperator>> = {
  ">": "GreaterThan",
  ">=": "GreaterThanOrEqual",
  "<": "LessThan",
  "<=": "LessThanOrEqual",
};
const FLIPPED: Readonly<Record<AzureOperator, AzureOperator>> = {
  GreaterThan: "LessThan",
  GreaterThanOrEqual: "LessThanOrEqual",
  LessThan: "GreaterThan",
  LessThanOrEqual: "GreaterThanOrEqual",
};

/** Metric alert windows Azure accepts, in seconds. */
export const METRIC_WINDOWS = [60, 300, 900, 1800, 3600, 21600, 43200, 86400] as const;
/** Log alert evaluation frequencies used here, in minutes, and the most periods a rule may require. */
const LOG_FREQUENCIES = [1, 5, 10, 15, 30, 60] as const;
const MAX_PERIODS = 6;
/** Log alert windows Azure accepts, in minutes (up to 2 days); a query's lookback is rounded up to one. */
export const LOG_WINDOWS = [5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880] as const;
/** AzureMetrics lags a few minutes: queries of it read 15 minutes. */
const DEFAULT_LOOKBACK = 900;

/** Seconds as an ISO 8601 duration: PT5M, PT2H, P1D. */
export function isoDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `P${seconds / 86400}D`;
  if (seconds % 3600 === 0) return `PT${seconds / 3600}H`;
  if (seconds % 60 === 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}

/** Every catalog alert as one or more rule specs; an alert kind this file cannot render fails. */
export function renderAzureAlerts(args: AzureRenderArgs): AzureAlertSpec[] {
  return (args.alerts ?? ALERTS).flatMap((alert): AzureAlertSpec[] => {
    const c = alert.condition;
    if (c.kind === "threshold") {
      const metric = AZURE_MONITOR[c.signal].metric;
      if (metric && c.missing !== "breaching") return metricSpecs(alert, args, metric);
      return [logThreshold(alert, args)];
    }
    if (c.kind === "burn-rate") return [logBurn(alert, args)];
    throw new Error(`alert "${(alert as AlertDef).id}" has no Azure Monitor rendering (observability/azure-alerts.ts)`);
  });
}

/** The metric-side comparison and threshold of `signal op t` for a metric = offset + scale × signal. */
export function metricCondition(
  op: Comparison,
  t: number,
  m: Pick<AmMetric, "scale" | "offset">,
): { operator: AzureOperator; threshold: number } {
  if (m.scale === 0) throw new Error("a metric's scale cannot be 0");
  const operator = m.scale > 0 ? OPERATORS[op] : FLIPPED[OPERATORS[op]];
  // Rounded to 6 decimals: 0.8 × 100 is 80, not 80.00000000000001.
  return { operator, threshold: Math.round(((m.offset ?? 0) + m.scale * t) * 1e6) / 1e6 };
}

function metricSpecs(alert: AlertDef, args: AzureRenderArgs, metric: Record<string, AmMetric>): MetricAlertSpec[] {
  if (alert.condition.kind !== "threshold") throw new Error(`alert "${alert.id}" is not a threshold`);
  const c = alert.condition;
  const forSeconds = durationSeconds(alert.for);
  const window = [...METRIC_WINDOWS].reverse().find((w) => w <= forSeconds) ?? METRIC_WINDOWS[0];
  return Object.entries(metric).map(([member, m]) => {
    const { operator, threshold } = metricCondition(c.op, c.threshold(args.thresholds), m);
    return {
      kind: "metric",
      member,
      metric: m,
      timeAggregation: operator.startsWith("Greater") ? "Minimum" : "Maximum",
      operator,
      threshold,
      windowSize: isoDuration(window),
      evaluationFrequency: "PT1M",
      ...common(alert, args, member ? `${args.prefix}-${alert.id}-${member}` : `${args.prefix}-${alert.id}`),
    };
  });
}

/** Frequency and failing periods so that `for` is held: at most 6 periods. */
export function logSchedule(forSeconds: number): { frequency: number; periods: number } {
  const minutes = Math.max(1, Math.round(forSeconds / 60));
  const frequency = LOG_FREQUENCIES.find((f) => minutes / f <= MAX_PERIODS) ?? 60;
  return { frequency, periods: Math.max(1, Math.min(MAX_PERIODS, Math.round(minutes / frequency))) };
}

function logSpec(
  alert: AlertDef,
  args: AzureRenderArgs,
  query: (r: AmRefs) => string,
  lookbackSeconds: number,
  cond: { op: Comparison; threshold: number; dimensions: string[] },
): LogAlertSpec {
  const { frequency, periods } = logSchedule(durationSeconds(alert.for));
  const needed = Math.max(lookbackSeconds, frequency * 60) / 60;
  const window = (LOG_WINDOWS.find((w) => w >= needed) ?? LOG_WINDOWS[LOG_WINDOWS.length - 1]) * 60;
  return {
    kind: "log",
    query,
    dimensions: cond.dimensions,
    operator: OPERATORS[cond.op],
    threshold: cond.threshold,
    windowSize: isoDuration(window),
    evaluationFrequency: isoDuration(frequency * 60),
    failingPeriods: { numberOfEvaluationPeriods: periods, minFailingPeriodsToAlert: periods },
    ...common(alert, args, `${args.prefix}-${alert.id}`),
  };
}

function logThreshold(alert: AlertDef, args: AzureRenderArgs): LogAlertSpec {
  if (alert.condition.kind !== "threshold") throw new Error(`alert "${alert.id}" is not a threshold`);
  const c = alert.condition;
  const t = c.threshold(args.thresholds);
  const source = AZURE_MONITOR[c.signal];
  const by = [...SIGNALS[c.signal].by];
  if (c.missing === "breaching" && by.length > 0) throw new Error(`alert "${alert.id}": breaching needs one series`);
  // No data (no row, or a null value) becomes a value that breaches.
  const breach = c.op === "<" ? t - 1 : t + 1;
  const query = (r: AmRefs) =>
    c.missing === "breaching"
      ? `let v = toscalar(${source.kql(r, "5m")} | summarize max(todouble(value))); print value = coalesce(v, ${breach}.0)`
      : source.kql(r, "5m");
  return logSpec(alert, args, query, source.lookbackSeconds ?? DEFAULT_LOOKBACK, {
    op: c.op,
    threshold: t,
    dimensions: by,
  });
}

function logBurn(alert: AlertDef, args: AzureRenderArgs): LogAlertSpec {
  if (alert.condition.kind !== "burn-rate") throw new Error(`alert "${alert.id}" is not a burn rate`);
  const c = alert.condition;
  const objective = args.slo[c.slo];
  const source = AZURE_MONITOR[c.signal];
  const query = (r: AmRefs) => {
    const lets: string[] = [];
    const tests = c.pairs.map((p, i) => {
      const t = burnThreshold(objective, p.factor);
      lets.push(`let l${i} = toscalar(${source.kql(r, p.long)});`, `let s${i} = toscalar(${source.kql(r, p.short)});`);
      return `(l${i} > ${t} and s${i} > ${t})`;
    });
    return `${lets.join(" ")} print value = iff(${tests.join(" or ")}, 1, 0)`;
  };
  const longest = Math.max(...c.pairs.map((p) => WINDOW_SECONDS[p.long]));
  return logSpec(alert, args, query, longest, { op: ">=", threshold: 1, dimensions: [] });
}

function common(alert: AlertDef, args: AzureRenderArgs, name: string) {
  const url = runbookUrl(args.runbookBaseUrl, alert.runbook);
  return {
    alert,
    name,
    severity: (alert.severity === "critical" ? 0 : 2) as AzureSeverity,
    description: `[${alert.severity}] ${alert.summary}. ${alert.description} Runbook: ${url}`,
  };
}
