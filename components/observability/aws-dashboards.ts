/**
 * The seven catalog dashboards (catalog/dashboards.ts) as CloudWatch dashboard bodies, drawn from the CloudWatch
 * query table (catalog/cloudwatch.ts). Pure: aws.ts serialises the body with the identifiers resolved.
 *
 * Per panel one metric widget: a metric leaf is one metric line; a metric-math leaf is its expression line plus its
 * hidden input lines; a `set` draws each member (ids prefixed with the member, so two members' inputs never clash).
 * A windowed ratio (burn-rate SLIs) is drawn with the panel's window as the period (default the RED 5m window). The
 * overview opens with the alarm-status widget of every alert-carrying alarm when alerting is on.
 */
import { type AwsRefs, expressionOf, metricOf } from "./aws-alarms";
import { CLOUDWATCH, type CwLeaf, members } from "./catalog/cloudwatch";
import {
  DASHBOARDS,
  type DashboardDef,
  type DashboardId,
  type PanelDef,
  type Visualization,
} from "./catalog/dashboards";
import { SIGNALS, WINDOW_SECONDS } from "./catalog/signals";

type MetricLine = (string | Record<string, unknown>)[];
export type Widget = Record<string, unknown>;

/** CloudWatch metric-widget views per catalog visualisation. */
export const VIEWS: Readonly<Record<Visualization, "timeSeries" | "singleValue" | "gauge" | "bar">> = {
  timeseries: "timeSeries",
  stat: "singleValue",
  gauge: "gauge",
  bargauge: "bar",
};

/** CloudWatch's limit of alarms in one alarm widget. */
export const MAX_ALARM_WIDGET_ALARMS = 100;

const WIDTH = 12;
const HEIGHT = 6;

export interface DashboardBodyArgs {
  region: string;
  refs: AwsRefs<string>;
  /** ARNs of the alert-carrying alarms, for the overview's alarm-status widget; empty when alerting is off. */
  alarmArns: readonly string[];
}

/** The dashboard's physical name. */
export function dashboardName(prefix: string, id: DashboardId): string {
  return `${prefix}-${id}`;
}

/** The body of one dashboard: a title text, the overview's alarm widget, then two panels per row. */
export function dashboardBody(d: DashboardDef, args: DashboardBodyArgs): { widgets: Widget[] } {
  const widgets: Widget[] = [
    { type: "text", x: 0, y: 0, width: 24, height: 2, properties: { markdown: `# ${d.title}\n${d.description}` } },
  ];
  let top = 2;
  if (d.id === "overview" && args.alarmArns.length > 0) {
    if (args.alarmArns.length > MAX_ALARM_WIDGET_ALARMS) {
      throw new Error(`an alarm widget shows at most ${MAX_ALARM_WIDGET_ALARMS} alarms, got ${args.alarmArns.length}`);
    }
    widgets.push({
      type: "alarm",
      x: 0,
      y: top,
      width: 24,
      height: 4,
      properties: { title: "Alerts", alarms: [...args.alarmArns], sortBy: "stateUpdatedTimestamp" },
    });
    top += 4;
  }
  d.panels.forEach((p, i) => {
    widgets.push({
      type: "metric",
      x: (i % 2) * WIDTH,
      y: top + Math.floor(i / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: panelProperties(p, args),
    });
  });
  return { widgets };
}

function panelProperties(p: PanelDef, args: DashboardBodyArgs): Record<string, unknown> {
  const query = CLOUDWATCH[p.signal];
  const signal = SIGNALS[p.signal];
  const windowed = members(query).some(([, leaf]) => leaf.period === "window");
  const period = windowed ? WINDOW_SECONDS[p.window ?? "5m"] : 60;
  const view = VIEWS[p.viz];
  const ratio = signal.unit === "ratio";
  if (view === "gauge" && !ratio) throw new Error(`panel "${p.title}": a gauge needs a ratio signal (0…1)`);
  const metrics = members(query).flatMap(([member, leaf]) =>
    linesOf(leaf, query.kind === "set" ? member : undefined, args.refs, query.kind === "set" ? member : signal.title),
  );
  return {
    title: p.title,
    region: args.region,
    view,
    stacked: false,
    stat: "Average",
    period,
    metrics,
    ...(view === "singleValue"
      ? {}
      : { yAxis: { left: { min: 0, ...(ratio ? { max: 1 } : {}), label: signal.unit } } }),
  };
}

/** The metric lines of one leaf; ids are prefixed with the set member so two members never share an id. */
export function linesOf(leaf: CwLeaf, member: string | undefined, refs: AwsRefs<string>, label: string): MetricLine[] {
  const line = (m: Parameters<typeof metricOf>[0], options: Record<string, unknown>): MetricLine => {
    const { namespace, metricName, dimensions } = metricOf(m, refs);
    return [namespace, metricName, ...Object.entries(dimensions).flat(), options];
  };
  if (leaf.kind === "metric") return [line(leaf.metric, { stat: leaf.metric.stat, label })];
  const id = (x: string) => (member ? `${member}_${x}` : x);
  let expression = expressionOf(leaf.expression, refs);
  if (member) {
    for (const input of Object.keys(leaf.inputs)) {
      expression = expression.replace(new RegExp(`\\b${input}\\b`, "g"), id(input));
    }
  }
  return [
    [{ expression, label, id: id("result") }],
    ...Object.entries(leaf.inputs).map(([input, m]) => line(m, { stat: m.stat, id: id(input), visible: false })),
  ];
}

export { DASHBOARDS };
