/**
 * The DASHBOARDS catalog rendered as Grafana (≥ 10) dashboard JSON over the Prometheus recording rules: a
 * `datasource` variable, a `namespace` variable, a stable uid, schemaVersion, the built-in annotation plus Loom's
 * firing alerts as annotations. Pure; the export script writes observability/grafana/<id>.json (every namespace) and
 * the Kubernetes file ships one stack's copy (`{ namespace }`: its own uid and title, the namespace variable
 * defaulting to the stack's) as ConfigMaps for the Grafana sidecar.
 */
import { createHash } from "node:crypto";
import { DASHBOARDS, type DashboardDef, type PanelDef, type Visualization } from "./dashboards";
import { recordName } from "./prometheus";
import { SIGNALS, type Unit } from "./signals";

export const SCHEMA_VERSION = 39;

/** Grafana's own `${var}` syntax, resolved by Grafana. */
const v = (name: string) => `$\{${name}}`;
const DATASOURCE = { type: "prometheus", uid: v("datasource") };

const GRAFANA_UNITS: Readonly<Record<Unit, string>> = {
  ratio: "percentunit",
  seconds: "s",
  reqps: "reqps",
  ops: "ops",
  jobs: "short",
  count: "short",
  usd_per_hour: "currencyUSD",
  tokens_per_second: "short",
};

/** The panel's query: the signal's recorded series in the selected namespace, one line per `by` label set. */
export function panelExpr(panel: PanelDef): string {
  return `${recordName(panel.signal, panel.window ?? "5m")}{namespace=~"${v("namespace")}"}`;
}

function legend(panel: PanelDef): string {
  const by = SIGNALS[panel.signal].by;
  return by.length ? by.map((l) => `{{${l}}}`).join(" ") : "{{namespace}}";
}

const REDUCE = { calcs: ["lastNotNull"], fields: "", values: false };
const LEGEND = { displayMode: "list", placement: "bottom", showLegend: true, calcs: [] };

/** Each panel plugin's options in full: Grafana's model (and the SDK's strict decode) requires every field. */
const OPTIONS: Readonly<Record<Visualization, Record<string, unknown>>> = {
  timeseries: { legend: LEGEND, tooltip: { mode: "multi", sort: "desc" } },
  stat: {
    graphMode: "area",
    colorMode: "value",
    justifyMode: "auto",
    textMode: "auto",
    wideLayout: true,
    showPercentChange: false,
    percentChangeColorMode: "standard",
    reduceOptions: REDUCE,
    orientation: "auto",
  },
  gauge: {
    showThresholdLabels: false,
    showThresholdMarkers: true,
    sizing: "auto",
    minVizWidth: 75,
    minVizHeight: 75,
    reduceOptions: REDUCE,
    orientation: "auto",
  },
  bargauge: {
    displayMode: "gradient",
    valueMode: "color",
    namePlacement: "auto",
    showUnfilled: true,
    sizing: "auto",
    minVizWidth: 8,
    minVizHeight: 16,
    maxVizHeight: 300,
    legend: { ...LEGEND, showLegend: false },
    reduceOptions: REDUCE,
    orientation: "horizontal",
  },
};

function panelJson(panel: PanelDef, index: number) {
  const wide = panel.viz === "timeseries";
  const width = wide ? 12 : 6;
  return {
    id: index + 1,
    type: panel.viz,
    title: panel.title,
    description: SIGNALS[panel.signal].description,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: width, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    fieldConfig: { defaults: { unit: GRAFANA_UNITS[SIGNALS[panel.signal].unit] }, overrides: [] },
    options: OPTIONS[panel.viz],
    targets: [{ refId: "A", datasource: DATASOURCE, expr: panelExpr(panel), legendFormat: legend(panel) }],
  };
}

const ANNOTATIONS = {
  list: [
    {
      builtIn: 1,
      datasource: { type: "grafana", uid: "-- Grafana --" },
      enable: true,
      hide: true,
      iconColor: "rgba(0, 211, 255, 1)",
      name: "Annotations & Alerts",
      type: "dashboard",
    },
    {
      datasource: DATASOURCE,
      enable: true,
      iconColor: "red",
      name: "Loom alerts",
      expr: `ALERTS{alertstate="firing",loom_alert!="",namespace=~"${v("namespace")}"}`,
      titleFormat: "{{alertname}}",
      textFormat: "{{severity}}",
      step: "60s",
    },
  ],
};

/** The `namespace` variable: every Loom namespace (All) in the exported files, one stack's by default on a stack. */
function templating(namespace?: string) {
  return {
    list: [
      {
        name: "datasource",
        label: "Data source",
        type: "datasource",
        query: "prometheus",
        current: { text: "default", value: "default" },
        hide: 0,
      },
      {
        name: "namespace",
        label: "Namespace",
        type: "query",
        datasource: DATASOURCE,
        query: { query: "label_values(loom:http_requests:rate5m, namespace)", refId: "namespace" },
        definition: "label_values(loom:http_requests:rate5m, namespace)",
        refresh: 2,
        includeAll: true,
        multi: true,
        current: namespace ? { text: namespace, value: namespace } : { text: "All", value: "$__all" },
        hide: 0,
      },
    ],
  };
}

/** One stack's dashboards in a shared Grafana: Grafana uids are at most 40 characters, so the namespace is hashed. */
export function stackUid(id: string, namespace: string): string {
  return `loom-${id}-${createHash("sha256").update(namespace).digest("hex").slice(0, 8)}`;
}

export interface DashboardScope {
  /** One stack's namespace; omitted: every namespace (the exported files). */
  namespace?: string;
}

export function dashboardJson(d: DashboardDef, scope: DashboardScope = {}): Record<string, unknown> {
  const ns = scope.namespace;
  return {
    uid: ns ? stackUid(d.id, ns) : `loom-${d.id}`,
    title: ns ? `${d.title} (${ns})` : d.title,
    description: d.description,
    tags: ["loom"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    timepicker: {},
    timezone: "browser",
    annotations: ANNOTATIONS,
    templating: templating(ns),
    links: [],
    panels: d.panels.map(panelJson),
  };
}

export function allDashboards(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(DASHBOARDS.map((d) => [d.id, dashboardJson(d)]));
}
