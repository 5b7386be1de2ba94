/**
 * The seven catalog dashboards (catalog/dashboards.ts) as Cloud Monitoring dashboard JSON (`dashboardJson`), every
 * chart a PromQL query from the Cloud Monitoring table (catalog/cloud-monitoring.ts). Pure: gcp.ts serialises it
 * with the identifiers resolved.
 *
 * A mosaic layout of 48 columns: a title text tile, on the overview an incident list of every alert policy when
 * alerting is on, then two panels per row. Per visualisation: timeseries → line chart, bargauge → stacked bars, stat
 * → scorecard with a spark line, gauge → scorecard with a 0…1 gauge (the catalog's gauges are ratios). A windowed
 * signal is drawn over the panel's window (default the RED 5m window).
 */
import { CLOUD_MONITORING, type CmRefs } from "./catalog/cloud-monitoring";
import type { DashboardDef, DashboardId, PanelDef, Visualization } from "./catalog/dashboards";
import { SIGNALS, type Unit } from "./catalog/signals";

export type Widget = Record<string, unknown>;
export interface Tile {
  xPos: number;
  yPos: number;
  width: number;
  height: number;
  widget: Widget;
}

const COLUMNS = 48;
const PANEL_WIDTH = 24;
const PANEL_HEIGHT = 16;
const TITLE_HEIGHT = 4;

/** UCUM units of the catalog's units (Cloud Monitoring's `unitOverride`). */
export const UNITS: Readonly<Record<Unit, string>> = {
  ratio: "10^2.%",
  seconds: "s",
  reqps: "1/s",
  ops: "1/s",
  jobs: "1",
  count: "1",
  usd_per_hour: "USD/h",
  tokens_per_second: "1/s",
};

/** The display name of a dashboard. */
export function dashboardTitle(prefix: string, d: DashboardDef): string {
  return `${d.title} (${prefix})`;
}

/** One panel's widget. */
export function panelWidget(p: PanelDef, refs: CmRefs): Widget {
  const query = { prometheusQuery: CLOUD_MONITORING[p.signal].expr(refs, p.window ?? "5m") };
  const unit = SIGNALS[p.signal].unit;
  // Ratios are 0…1: drawn as percent (UCUM 10^2.% scales the value by 100).
  const timeSeriesQuery = { ...query, unitOverride: UNITS[unit] };
  const chart = (plotType: "LINE" | "STACKED_BAR") => ({
    xyChart: { dataSets: [{ timeSeriesQuery, plotType }], yAxis: { scale: "LINEAR" } },
  });
  const views: Readonly<Record<Visualization, () => Widget>> = {
    timeseries: () => chart("LINE"),
    bargauge: () => chart("STACKED_BAR"),
    stat: () => ({ scorecard: { timeSeriesQuery, sparkChartView: { sparkChartType: "SPARK_LINE" } } }),
    gauge: () => ({ scorecard: { timeSeriesQuery, gaugeView: { lowerBound: 0, upperBound: 1 } } }),
  };
  return { title: p.title, ...views[p.viz]() };
}

export interface DashboardJsonArgs {
  prefix: string;
  refs: CmRefs;
  /** Alert policy names (`projects/<p>/alertPolicies/<id>`) for the overview's incident list; empty = none. */
  policyNames: readonly string[];
}

/** The dashboard JSON of one catalog dashboard. */
export function dashboardJson(d: DashboardDef, args: DashboardJsonArgs): Record<string, unknown> {
  const tiles: Tile[] = [
    {
      xPos: 0,
      yPos: 0,
      width: COLUMNS,
      height: TITLE_HEIGHT,
      widget: { title: d.title, text: { content: d.description, format: "MARKDOWN" } },
    },
  ];
  let top = TITLE_HEIGHT;
  if (d.id === "overview" && args.policyNames.length > 0) {
    tiles.push({
      xPos: 0,
      yPos: top,
      width: COLUMNS,
      height: PANEL_HEIGHT,
      widget: { title: "Open incidents", incidentList: { policyNames: [...args.policyNames] } },
    });
    top += PANEL_HEIGHT;
  }
  d.panels.forEach((p, i) => {
    tiles.push({
      xPos: (i % 2) * PANEL_WIDTH,
      yPos: top + Math.floor(i / 2) * PANEL_HEIGHT,
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      widget: panelWidget(p, args.refs),
    });
  });
  return {
    displayName: dashboardTitle(args.prefix, d),
    labels: { loom: "", [`loom_${d.id.replace(/-/g, "_")}`]: "" },
    mosaicLayout: { columns: COLUMNS, tiles },
  };
}

export type { DashboardId };
