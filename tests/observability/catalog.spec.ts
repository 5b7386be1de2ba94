/**
 * The observability catalogs (components/observability/catalog) are total and consistent: every signal has a query
 * on every backend, every alert reads known signals and links to a runbook heading that exists, the Prometheus
 * rendering follows the naming and label contract, the SLO alerts use the SRE workbook's windows.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ALERTS, type AlertId, alertSignals, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { CLOUD_MONITORING } from "../../components/observability/catalog/cloud-monitoring";
import { CLOUDWATCH, members, tokensOf } from "../../components/observability/catalog/cloudwatch";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { PROMETHEUS, recordName } from "../../components/observability/catalog/prometheus";
import {
  alertName,
  alertRule,
  EXPORT_OPTIONS,
  recordingGroups,
  ruleGroups,
  runbookUrl,
} from "../../components/observability/catalog/rules";
import { SIGNAL_IDS, SIGNALS } from "../../components/observability/catalog/signals";
import { BURN_RATES, DEFAULT_SLO, errorBudget, sloProblems } from "../../components/observability/catalog/slo";

const ROOT = path.resolve(__dirname, "..", "..");
const BACKENDS = { prometheus: PROMETHEUS, cloudwatch: CLOUDWATCH, "cloud-monitoring": CLOUD_MONITORING } as const;

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split("\n")) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m)
      anchors.add(
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, "")
          .replace(/ /g, "-"),
      );
  }
  return anchors;
}

describe("observability catalogs", () => {
  it("has the alert ids issues 9 and 10 ask for, each with severity, for, summary, description and runbook", () => {
    const required: AlertId[] = [
      "high-error-rate",
      "slow-responses",
      "queue-backlog",
      "database-down",
      "llm-api-failures",
      "disk-space-low",
      "memory-pressure",
      "certificate-expiry",
      "database-cpu-high",
      "database-storage-low",
      "cache-memory-high",
      "replicas-below-desired",
      "slo-availability-fast-burn",
      "slo-availability-slow-burn",
      "slo-latency-fast-burn",
      "slo-latency-slow-burn",
      // issue 10: backup monitoring (failed or missing, size drop > 50 %, failed copy to the DR region).
      "backup-missing",
      "backup-size-drop",
      "backup-dr-copy-failed",
    ];
    assert.deepEqual(ALERTS.map((a) => a.id).sort(), [...required].sort());
    for (const a of ALERTS) {
      assert.ok(["critical", "warning"].includes(a.severity), a.id);
      assert.match(a.for, /^\d+[mh]$/, a.id);
      assert.ok(a.summary.length > 10 && a.description.length > 10, a.id);
      assert.match(a.runbook, /^docs\/runbooks\/[a-z-]+\.md#[a-z0-9-]+$/, a.id);
    }
  });

  for (const [backend, table] of Object.entries(BACKENDS)) {
    it(`${backend}: one query for every signal, and nothing else`, () => {
      assert.deepEqual(Object.keys(table).sort(), [...SIGNAL_IDS].sort());
    });
  }

  it("every alert's and every panel's signals are known and have a query on every backend", () => {
    const used = [...ALERTS.flatMap(alertSignals), ...DASHBOARDS.flatMap((d) => d.panels.map((p) => p.signal))];
    for (const signal of used) {
      assert.ok(SIGNALS[signal], signal);
      for (const [backend, table] of Object.entries(BACKENDS)) assert.ok(table[signal], `${backend}: ${signal}`);
    }
  });

  it("every runbook anchor exists in docs/runbooks", () => {
    for (const a of ALERTS) {
      const [file, anchor] = a.runbook.split("#");
      const full = path.join(ROOT, file);
      assert.ok(fs.existsSync(full), `${a.id}: ${file} missing`);
      assert.ok(anchorsOf(fs.readFileSync(full, "utf8")).has(anchor), `${a.id}: no heading #${anchor} in ${file}`);
    }
  });

  it("runbook URLs are absolute, built from the base URL", () => {
    assert.equal(runbookUrl("https://docs.example/x/", "docs/a.md#b"), "https://docs.example/x/docs/a.md#b");
    for (const a of ALERTS) {
      const url = alertRule(a, { ...EXPORT_OPTIONS, runbookBaseUrl: "https://docs.example/loom" }).annotations
        .runbook_url;
      assert.equal(new URL(url).href, `https://docs.example/loom/${a.runbook}`);
    }
  });

  it("renders Loom<CamelCaseId> alerts with severity, loom_alert and namespace labels", () => {
    assert.equal(alertName("llm-api-failures"), "LoomLlmApiFailures");
    const rule = alertRule(ALERTS[0], { ...EXPORT_OPTIONS, namespace: "loom-prod" });
    assert.deepEqual(rule.labels, { severity: "critical", loom_alert: "high-error-rate", namespace: "loom-prod" });
    for (const a of ALERTS) {
      const r = alertRule(a, EXPORT_OPTIONS);
      assert.match(r.alert, /^Loom([A-Z][a-z0-9]*)+$/);
      assert.deepEqual(Object.keys(r.labels).slice(0, 3), ["severity", "loom_alert", "namespace"]);
    }
  });

  it("alerts read only recorded series, and every windowed signal is recorded over every window", () => {
    const records = new Set(
      recordingGroups(EXPORT_OPTIONS.scope).flatMap((g) => g.rules.map((r) => ("record" in r ? r.record : ""))),
    );
    for (const id of SIGNAL_IDS)
      for (const w of SIGNALS[id].windows ?? ["5m" as const]) assert.ok(records.has(recordName(id, w)));
    const alerts = ruleGroups().at(-1)?.rules ?? [];
    for (const r of alerts) {
      const names = [...("expr" in r ? r.expr : "").matchAll(/[a-z_]+:[a-z_:0-9]+/g)].map((m) => m[0]);
      assert.ok(names.length > 0, JSON.stringify(r));
      for (const n of names) assert.ok(records.has(n), `${n} is not a recording rule`);
    }
  });

  it("SLO burn rates are the SRE workbook's: page 1h/5m 14.4x and 6h/30m 6x, ticket 1d/2h 3x and 3d/6h 1x", () => {
    assert.deepEqual(BURN_RATES, {
      page: [
        { long: "1h", short: "5m", factor: 14.4 },
        { long: "6h", short: "30m", factor: 6 },
      ],
      ticket: [
        { long: "1d", short: "2h", factor: 3 },
        { long: "3d", short: "6h", factor: 1 },
      ],
    });
    for (const a of ALERTS.filter((x) => x.condition.kind === "burn-rate")) {
      const pairs = a.condition.kind === "burn-rate" ? a.condition.pairs : [];
      assert.equal(a.severity, pairs === BURN_RATES.page ? "critical" : "warning", a.id);
    }
    assert.equal(errorBudget(0.999), 0.001);
    assert.deepEqual(sloProblems(DEFAULT_SLO.prod), []);
    assert.equal(sloProblems({ availability: 1, latency: 0.99 }).length, 1);
  });

  it("thresholds are ratios where the signal is a ratio", () => {
    for (const a of ALERTS) {
      if (a.condition.kind !== "threshold" || SIGNALS[a.condition.signal].unit !== "ratio") continue;
      const t = a.condition.threshold(DEFAULT_THRESHOLDS);
      assert.ok(t > 0 && t < 1, `${a.id}: ${t}`);
    }
  });

  it("CloudWatch: known tokens only; burn-rate signals are evaluated over their window", () => {
    const known = ["environment", "loadBalancer", "clusterName", "webService", "workerService", "dbInstance"];
    const extra = ["dbAllocatedBytes", "dbMemoryBytes", "cacheCluster", "certificateArn", "backupVault"];
    for (const id of SIGNAL_IDS) {
      for (const t of tokensOf(CLOUDWATCH[id])) assert.ok([...known, ...extra].includes(t), `${id}: {${t}}`);
      for (const [, q] of members(CLOUDWATCH[id])) {
        if (SIGNALS[id].windows) assert.equal(q.period, "window", id);
        if (q.kind === "math") {
          for (const v of Object.keys(q.inputs)) assert.match(v, /^[a-z][a-zA-Z0-9_]*$/, `${id}: ${v}`);
          const vars = q.expression.replace(/\{[a-zA-Z]+\}/g, "").match(/\b[a-z][a-zA-Z0-9]*\b/g) ?? [];
          for (const v of vars) assert.ok(v in q.inputs, `${id}: ${v} in ${q.expression}`);
        }
      }
    }
  });
});
