/**
 * The seven catalog dashboards (catalog/dashboards.ts) as Azure Monitor workbooks (`Notebook/1.0` JSON): a title
 * text item, then one KQL item per panel from the Azure Monitor table (catalog/azure-monitor.ts) over the stack's
 * workspace. Pure: azure.ts serialises it with the identifiers resolved.
 *
 * The catalog's queries compute the signal's current value over its window (the alert rules read the same), so a
 * panel shows the value now, per `by` label: stat and gauge → tiles, bargauge → a bar chart, timeseries → a table
 * of the current values (a time series would need a second, binned query per signal; not built).
 */
import { createHash } from "node:crypto";
import { type AmRefs, AZURE_MONITOR } from "./catalog/azure-monitor";
import type { DashboardDef, Visualization } from "./catalog/dashboards";

export const WORKBOOK_VERSION = "Notebook/1.0";
const VIZ: Readonly<Record<Visualization, string>> = {
  timeseries: "table",
  stat: "tiles",
  gauge: "tiles",
  bargauge: "barchart",
};

/** A workbook's resource name must be a UUID: a stable one from the prefix and the dashboard id. */
export function workbookId(prefix: string, id: string): string {
  const h = createHash("sha256").update(`${prefix}/${id}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function dashboardTitle(prefix: string, d: DashboardDef): string {
  return `${d.title} (${prefix})`;
}

/** The workbook's content. */
export function workbookJson(d: DashboardDef, refs: AmRefs, workspaceId: string): Record<string, unknown> {
  return {
    version: WORKBOOK_VERSION,
    items: [
      { type: 1, name: "title", content: { json: `## ${d.title}\n\n${d.description}` } },
      ...d.panels.map((p, i) => ({
        type: 3,
        name: `panel-${i}`,
        content: {
          version: "KqlItem/1.0",
          title: p.title,
          query: AZURE_MONITOR[p.signal].kql(refs, p.window ?? "5m"),
          size: 1,
          queryType: 0,
          resourceType: "microsoft.operationalinsights/workspaces",
          crossComponentResources: [workspaceId],
          visualization: VIZ[p.viz],
        },
      })),
    ],
    fallbackResourceIds: [workspaceId],
    $schema: "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
  };
}
