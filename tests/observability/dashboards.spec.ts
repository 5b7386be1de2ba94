/**
 * The seven Grafana dashboards: a strict structural check of Grafana's dashboard model (what an import into
 * Grafana ≥ 10 needs: datasource variable, uid, schemaVersion, annotations, panels with gridPos and targets, no
 * unknown keys), and every query names only recording rules, whose raw series are only metrics of the app contract
 * (docs/metrics.md) or of the standard exporters.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { allDashboards, panelExpr } from "../../components/observability/catalog/grafana";
import { metricNames } from "../../components/observability/catalog/prometheus";
import { EXPORT_OPTIONS, recordingGroups } from "../../components/observability/catalog/rules";

const ROOT = path.resolve(__dirname, "..", "..");
/** Grafana's variable syntax, spelled out (not a JS template). */
const DATASOURCE_VAR = ["$", "{datasource}"].join("");

/** The metrics of the contract table in docs/metrics.md §2, with the histogram series they imply. */
function contractMetrics(): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, "docs/metrics.md"), "utf8");
  const names = new Set<string>();
  for (const m of text.matchAll(/^\| `(loom_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)) {
    if (m[2] === "histogram") for (const s of ["_bucket", "_count", "_sum"]) names.add(m[1] + s);
    else names.add(m[1]);
  }
  return names;
}

/** kube-state-metrics, kubelet/cAdvisor, CloudNativePG and cert-manager series the rules read. */
const STANDARD_EXPORTERS = [
  /^kube_(deployment_spec_replicas|deployment_status_replicas_available|pod_container_resource_limits|cronjob_status_last_successful_time)$/,
  /^kube_job_(status_failed|created)$/,
  /^container_(cpu_usage_seconds_total|memory_working_set_bytes)$/,
  /^kubelet_volume_stats_(available|capacity)_bytes$/,
  /^cnpg_(collector_up|backends_total|pg_stat_archiver_failed_count)$/,
  /^certmanager_certificate_expiration_timestamp_seconds$/,
];

const TOP_KEYS = [
  "uid",
  "title",
  "description",
  "tags",
  "editable",
  "graphTooltip",
  "schemaVersion",
  "version",
  "refresh",
  "time",
  "timepicker",
  "timezone",
  "annotations",
  "templating",
  "links",
  "panels",
];
const PANEL_KEYS = ["id", "type", "title", "description", "datasource", "gridPos", "fieldConfig", "options", "targets"];
const PANEL_TYPES = ["timeseries", "stat", "gauge", "bargauge", "table", "text"];

function checkDashboard(id: string, d: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(d).sort(), [...TOP_KEYS].sort(), `${id}: top-level keys`);
  assert.match(String(d.uid), /^[a-zA-Z0-9_-]{1,40}$/, `${id}: uid`);
  assert.ok(typeof d.schemaVersion === "number" && d.schemaVersion >= 36, `${id}: schemaVersion`);
  const annotations = (d.annotations as { list: Record<string, unknown>[] }).list;
  assert.ok(
    annotations.some((a) => a.builtIn === 1 && a.type === "dashboard"),
    `${id}: built-in annotation`,
  );
  const vars = (d.templating as { list: { name: string; type: string; query: unknown }[] }).list;
  const ds = vars.find((v) => v.name === "datasource");
  assert.deepEqual([ds?.type, ds?.query], ["datasource", "prometheus"], `${id}: datasource variable`);
  const panels = d.panels as Record<string, unknown>[];
  assert.ok(panels.length > 0, `${id}: panels`);
  const ids = new Set<number>();
  for (const p of panels) {
    const where = `${id} / ${String(p.title)}`;
    assert.deepEqual(Object.keys(p).sort(), [...PANEL_KEYS].sort(), `${where}: panel keys`);
    assert.ok(PANEL_TYPES.includes(String(p.type)), `${where}: type ${String(p.type)}`);
    assert.ok(!ids.has(p.id as number), `${where}: duplicate id`);
    ids.add(p.id as number);
    const g = p.gridPos as Record<string, number>;
    assert.ok(g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24, `${where}: gridPos`);
    assert.deepEqual(p.datasource, { type: "prometheus", uid: DATASOURCE_VAR }, `${where}: datasource`);
    const targets = p.targets as { refId: string; expr: string; datasource: unknown }[];
    assert.ok(targets.length > 0 && targets.every((t) => t.refId && t.expr && t.datasource), `${where}: targets`);
  }
}

describe("Grafana dashboards", () => {
  const dashboards = allDashboards();

  it("are the seed's seven", () => {
    assert.deepEqual(
      DASHBOARDS.map((d) => d.title),
      [
        "Loom / Overview",
        "Loom / Review performance",
        "Loom / LLM usage and costs",
        "Loom / Database health",
        "Loom / Worker performance",
        "Loom / Error tracking",
        "Loom / User activity",
      ],
    );
  });

  for (const [id, d] of Object.entries(dashboards)) {
    it(`${id}: matches Grafana's dashboard model (strict)`, () => checkDashboard(id, d));
  }

  it("every panel query names only recording rules, and those only contract or standard-exporter metrics", () => {
    const groups = recordingGroups(EXPORT_OPTIONS.scope);
    const records = new Map(
      groups.flatMap((g) => g.rules.map((r) => ["record" in r ? r.record : "", r.expr] as const)),
    );
    const contract = contractMetrics();
    assert.ok(contract.has("loom_reviews_requested_total") && contract.has("loom_active_users"));
    for (const panel of DASHBOARDS.flatMap((d) => d.panels)) {
      for (const name of metricNames(panelExpr(panel))) {
        const raw = records.get(name);
        assert.ok(raw, `${panel.title}: ${name} is not a recording rule`);
        for (const metric of metricNames(raw)) {
          const known = contract.has(metric) || STANDARD_EXPORTERS.some((re) => re.test(metric));
          assert.ok(known, `${name} reads ${metric}: neither in docs/metrics.md nor a standard exporter`);
        }
      }
    }
  });
});
