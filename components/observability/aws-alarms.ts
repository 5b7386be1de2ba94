/**
 * The alert catalog (catalog/alerts.ts) rendered as CloudWatch alarm specs from the CloudWatch query table
 * (catalog/cloudwatch.ts). Pure: no Pulumi runtime, no SDK; aws.ts turns the specs into `MetricAlarm` and
 * `CompositeAlarm` resources, and the tests check them without mocks.
 *
 * Values only aws.ts knows (`{token}`s) come in as {@link AwsRefs}: dimension values are generic (`V`: plain strings in
 * tests and dashboards, Outputs of the other components in aws.ts, so nothing here needs `apply`); tokens inside
 * metric-math expressions are numbers known at plan time (the database volume and memory sizes).
 *
 * - Threshold conditions: one `MetricAlarm` per member of the signal's query (a `set`: per workload or volume), on
 *   one-minute points (or 5-minute points of a windowed ratio, the RED window; a day for ACM's daily DaysToExpiry),
 *   firing when all `for`/period points breach. `missing: "breaching"` → treatMissingData `breaching`; otherwise ALB
 *   and app metrics (silent when there is no traffic) are `notBreaching`, platform metrics `missing` (a gap is a
 *   stopped or replaced instance, not evidence either way; the alarm keeps its state).
 * - Burn-rate conditions (SRE workbook): per pair a long-window and a short-window `MetricAlarm` without actions, a
 *   conjunction `(ALARM(long) AND ALARM(short))` in one `CompositeAlarm` per alert OR-ing its pairs, which alone
 *   carries the actions. Each window is ONE data point whose period is the window (1 h … 3 d) on a sliding window:
 *   CloudWatch allows period × evaluationPeriods up to 7 days for periods of an hour or more, and up to 1 day below
 *   an hour (PutMetricAlarm `Period`), so 5m/30m/1h/2h/6h/1d/3d all fit with evaluationPeriods 1 — and a single
 *   long period is the exact ratio over the window (sum of bad / sum of all), which M-of-N shorter points are not.
 *   The catalog's `for` does not apply to burn-rate alerts here: the short window is what makes them reset quickly.
 *
 * Signals AWS cannot measure as the catalog says (the rendering is the closest real thing):
 * - `volume-free-ratio`: ElastiCache keeps data in memory and has no volume; the RDS volume is the only member.
 * - `http-errors-by-route`: the ALB knows no routes; the total 5xx rate (dashboard only).
 * - `replicas-unavailable`: Container Insights desired − running tasks per ECS service (no "available" state).
 * - `memory-working-set-ratio`: ECS MemoryUtilized/MemoryReserved; RDS 1 − FreeableMemory/instance memory;
 *   ElastiCache DatabaseMemoryUsagePercentage (share of maxmemory).
 */
import {
  ALERTS,
  type AlertDef,
  type BurnRateCondition,
  type ThresholdCondition,
  type Thresholds,
} from "./catalog/alerts";
import { type AwsRef, CLOUDWATCH, type CwLeaf, type CwMetric, members } from "./catalog/cloudwatch";
import { runbookUrl } from "./catalog/rules";
import { SIGNALS, type SignalId, WINDOW_SECONDS, type Window } from "./catalog/signals";
import { burnThreshold, type SloTargets } from "./catalog/slo";

/** Tokens inside metric-math expressions: numbers known when the program runs. */
export type NumberRef = "dbAllocatedBytes" | "dbMemoryBytes";
/** Tokens used as dimension values. */
export type DimensionRef = Exclude<AwsRef, NumberRef>;

export interface AwsRefs<V> {
  dimensions: Readonly<Record<DimensionRef, V>>;
  numbers: Readonly<Record<NumberRef, number>>;
}

export type ComparisonOperator = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
export type TreatMissingData = "missing" | "breaching" | "notBreaching";

const OPERATORS = {
  ">": "GreaterThanThreshold",
  ">=": "GreaterThanOrEqualToThreshold",
  "<": "LessThanThreshold",
} as const satisfies Record<ThresholdCondition["op"], ComparisonOperator>;

export interface MetricStat<V> {
  namespace: string;
  metricName: string;
  dimensions: Record<string, V>;
  period: number;
  stat: string;
}

export interface MetricQuery<V> {
  id: string;
  returnData: boolean;
  expression?: string;
  label?: string;
  metric?: MetricStat<V>;
}

/** What an alarm evaluates: one metric with a statistic, or metric queries ending in one expression. */
export type AlarmSource<V> = ({ kind: "single" } & MetricStat<V>) | { kind: "math"; queries: MetricQuery<V>[] };

export interface MetricAlarmSpec<V> {
  /** Logical-name suffix and physical name suffix: `<alert id>[-<member>]`, or `<alert id>-<window>`. */
  key: string;
  /** `<prefix>-<key>`. */
  name: string;
  description: string;
  comparisonOperator: ComparisonOperator;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  source: AlarmSource<V>;
  /** Whether this alarm carries the alert's notifications (false for the windows of a burn-rate alert). */
  notify: boolean;
}

export interface CompositeAlarmSpec {
  key: string;
  name: string;
  description: string;
  /** CloudWatch alarm rule over the names of `children`. */
  rule: string;
  /** Keys of the alarms the rule reads (they must exist first). */
  children: string[];
  notify: boolean;
}

/** One catalog alert on CloudWatch. */
export interface AlertRendering<V> {
  alert: AlertDef;
  metricAlarms: MetricAlarmSpec<V>[];
  composites: CompositeAlarmSpec[];
}

export interface RenderArgs<V> {
  /** `<project>-<stack>`: every alarm name starts with `<prefix>-`. */
  prefix: string;
  thresholds: Thresholds;
  slo: SloTargets;
  /** Absolute base URL of the runbooks. */
  runbookBaseUrl: string;
  refs: AwsRefs<V>;
  /** @default ALERTS */
  alerts?: readonly AlertDef[];
}

/** CloudWatch's limit on alarm descriptions. */
export const MAX_DESCRIPTION = 1024;
const ONE_MINUTE = 60;
const RED_WINDOW: Window = "5m";

/** Signals published less often than every minute: ACM publishes DaysToExpiry once a day. */
const PUBLISH_PERIOD: Partial<Record<SignalId, number>> = {
  "certificate-expiry-seconds": 86400,
  // One point over 26 h: the Sum of the job's success metric is the number of successful runs in that window.
  "backups-succeeded": 26 * 3600,
  // One run a day: the smallest ratio over the same 26 h (an alarm for one day after a drop, a ticket).
  "backup-size-ratio": 26 * 3600,
  // AWS Backup's job counts, summed per hour (a copy runs once a day after the backup).
  "backup-dr-copy-failures": 3600,
};

/** Every alert as CloudWatch alarms; fails on an alert that renders to no notifying alarm (never a silent skip). */
export function renderAlerts<V>(args: RenderArgs<V>): AlertRendering<V>[] {
  return (args.alerts ?? ALERTS).map((alert) => {
    const c = alert.condition;
    const rendering: AlertRendering<V> =
      c.kind === "threshold"
        ? { alert, metricAlarms: thresholdAlarms(alert, c, args), composites: [] }
        : c.kind === "burn-rate"
          ? burnRateAlarms(alert, c, args)
          : unrendered(alert, c);
    if (notifyingNames(rendering).length === 0) unrendered(alert, c);
    return rendering;
  });
}

function unrendered(alert: AlertDef, c: never | AlertDef["condition"]): never {
  throw new Error(
    `alert "${alert.id}" (${(c as { kind: string }).kind}) has no CloudWatch rendering (components/observability/aws-alarms.ts)`,
  );
}

/** The names of the alarms that carry an alert's notifications: one per alert, or one per member of a set. */
export function notifyingNames(r: AlertRendering<unknown>): string[] {
  return [...r.metricAlarms, ...r.composites].filter((a) => a.notify).map((a) => a.name);
}

function thresholdAlarms<V>(alert: AlertDef, c: ThresholdCondition, args: RenderArgs<V>): MetricAlarmSpec<V>[] {
  const query = CLOUDWATCH[c.signal];
  const threshold = c.threshold(args.thresholds);
  const seconds = durationSeconds(alert.for);
  return members(query).map(([member, leaf]) => {
    const period = PUBLISH_PERIOD[c.signal] ?? (leaf.period === "window" ? WINDOW_SECONDS[RED_WINDOW] : ONE_MINUTE);
    const points = Math.max(1, Math.ceil(seconds / period));
    checkEvaluationRange(period, points);
    const key = query.kind === "set" ? `${alert.id}-${member}` : alert.id;
    const what = query.kind === "set" ? `${SIGNALS[c.signal].title} (${member})` : SIGNALS[c.signal].title;
    const condition = `${what} ${c.op} ${threshold} for ${points} × ${period} s`;
    return {
      key,
      name: `${args.prefix}-${key}`,
      description: describe(alert, condition, args.runbookBaseUrl),
      comparisonOperator: OPERATORS[c.op],
      threshold,
      evaluationPeriods: points,
      datapointsToAlarm: points,
      treatMissingData: c.missing ?? missingDefault(leaf),
      source: sourceOf(leaf, period, args.refs, what),
      notify: true,
    };
  });
}

function burnRateAlarms<V>(alert: AlertDef, c: BurnRateCondition, args: RenderArgs<V>): AlertRendering<V> {
  const query = CLOUDWATCH[c.signal];
  if (query.kind === "set") throw new Error(`burn-rate alert "${alert.id}" needs a single-series signal`);
  const objective = args.slo[c.slo];
  const metricAlarms: MetricAlarmSpec<V>[] = [];
  const terms: string[] = [];
  const name = (key: string) => `${args.prefix}-${key}`;
  for (const pair of c.pairs) {
    const threshold = burnThreshold(objective, pair.factor);
    const windows = [pair.long, pair.short].map((w): MetricAlarmSpec<V> => {
      const key = `${alert.id}-${w}`;
      if (metricAlarms.some((a) => a.key === key)) throw new Error(`burn-rate alert "${alert.id}" repeats window ${w}`);
      const period = WINDOW_SECONDS[w];
      checkEvaluationRange(period, 1);
      const what = `${SIGNALS[c.signal].title} over ${w}`;
      return {
        key,
        name: name(key),
        description: `${what} above ${threshold} (${pair.factor}× the ${c.slo} error budget of ${objective}); part of ${name(alert.id)}`,
        comparisonOperator: "GreaterThanThreshold",
        threshold,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No requests in a window burn no budget.
        treatMissingData: "notBreaching",
        source: sourceOf(query, period, args.refs, what),
        notify: false,
      };
    });
    metricAlarms.push(...windows);
    terms.push(`(${windows.map((w) => `ALARM("${w.name}")`).join(" AND ")})`);
  }
  const condition = c.pairs.map((p) => `${p.long}/${p.short} > ${burnThreshold(objective, p.factor)}`).join(" or ");
  // One composite per alert: the pairs' conjunctions OR-ed in its own rule (a composite per pair would add a
  // resource per pair for the same logic; plan time is per resource).
  const composites: CompositeAlarmSpec[] = [
    {
      key: alert.id,
      name: name(alert.id),
      description: describe(alert, `the ${c.slo} SLI (objective ${objective}) burns ${condition}`, args.runbookBaseUrl),
      rule: terms.join(" OR "),
      children: metricAlarms.map((a) => a.key),
      notify: true,
    },
  ];
  return { alert, metricAlarms, composites };
}

/** "5m" → 300; the catalog's Prometheus durations. */
export function durationSeconds(d: string): number {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`"${d}" is not a duration such as 5m or 1h`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
}

/**
 * PutMetricAlarm's limits: a period is a multiple of 60 s; period × evaluationPeriods ≤ 7 days, and ≤ 1 day when the
 * period is under an hour.
 */
export function checkEvaluationRange(period: number, evaluationPeriods: number): void {
  const total = period * evaluationPeriods;
  if (period % 60 !== 0) throw new Error(`alarm period ${period} s is not a multiple of 60`);
  if (total > 7 * 86400 || (period < 3600 && total > 86400)) {
    throw new Error(`alarm range ${period} s × ${evaluationPeriods} exceeds CloudWatch's evaluation limit`);
  }
}

function missingDefault(leaf: CwLeaf): TreatMissingData {
  const metrics = leaf.kind === "metric" ? [leaf.metric] : Object.values(leaf.inputs);
  const traffic = metrics.every((m) => m.namespace === "AWS/ApplicationELB" || m.namespace === "Loom");
  return traffic ? "notBreaching" : "missing";
}

function describe(alert: AlertDef, condition: string, base: string): string {
  const text = `${alert.summary}. ${alert.description} Severity: ${alert.severity}. Fires when ${condition}. Runbook: ${runbookUrl(base, alert.runbook)}`;
  if (text.length > MAX_DESCRIPTION) throw new Error(`alarm description of "${alert.id}" exceeds ${MAX_DESCRIPTION}`);
  return text;
}

const BASIC_STATS = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

/** Whether a statistic is an extended one (percentile, percentile rank): `extendedStatistic` on a single-metric alarm. */
export function isExtended(stat: string): boolean {
  return !BASIC_STATS.includes(stat);
}

/** A metric with its tokens filled in. */
export function metricOf<V>(m: CwMetric, refs: AwsRefs<V>): Omit<MetricStat<V>, "period" | "stat"> {
  const dimensions: Record<string, V> = {};
  for (const [k, token] of Object.entries(m.dimensions)) dimensions[k] = dimensionRef(token, refs);
  return { namespace: m.namespace, metricName: m.metricName, dimensions };
}

function dimensionRef<V>(token: string, refs: AwsRefs<V>): V {
  const ref = token.slice(1, -1) as AwsRef;
  if (!(ref in refs.dimensions)) throw new Error(`dimension token ${token} is not a dimension reference`);
  return refs.dimensions[ref as DimensionRef];
}

/** An expression with its number tokens filled in; a dimension token inside an expression is a catalog bug. */
export function expressionOf(expression: string, refs: AwsRefs<unknown>): string {
  return expression.replace(/\{([a-zA-Z]+)\}/g, (token, ref: string) => {
    if (!(ref in refs.numbers)) throw new Error(`expression token ${token} is not a number known at plan time`);
    return String(refs.numbers[ref as NumberRef]);
  });
}

function sourceOf<V>(leaf: CwLeaf, period: number, refs: AwsRefs<V>, label: string): AlarmSource<V> {
  if (leaf.kind === "metric") return { kind: "single", ...metricOf(leaf.metric, refs), period, stat: leaf.metric.stat };
  return {
    kind: "math",
    queries: [
      ...Object.entries(leaf.inputs).map(([id, m]) => ({
        id,
        returnData: false,
        metric: { ...metricOf(m, refs), period, stat: m.stat },
      })),
      { id: "result", expression: expressionOf(leaf.expression, refs), label, returnData: true },
    ],
  };
}

/**
 * The metric part of `MetricAlarm` args: the single-metric fields (percentiles as `extendedStatistic`, keeping the
 * state when a period has too few samples for a meaningful percentile), or `metricQueries`.
 */
export function alarmSourceArgs<V>(source: AlarmSource<V>): Record<string, unknown> {
  if (source.kind === "math") return { metricQueries: source.queries };
  const { namespace, metricName, dimensions, period, stat } = source;
  return {
    namespace,
    metricName,
    dimensions,
    period,
    ...(isExtended(stat)
      ? { extendedStatistic: stat, evaluateLowSampleCountPercentiles: "ignore" }
      : { statistic: stat }),
  };
}

/**
 * The `CacheClusterId` CloudWatch reports a replication group's first node under: ElastiCache publishes per node
 * (`<group>-001`, …); in a cluster-mode-disabled group every node holds the whole data set, so node 001 stands for
 * the group whichever node is primary after a failover.
 */
export function cacheClusterIdOf(replicationGroupId: string): string {
  return `${replicationGroupId}-001`;
}

export const BYTES_PER_GIB = 1024 ** 3;
