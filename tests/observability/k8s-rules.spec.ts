/**
 * The rules one Kubernetes stack renders (k8s-rules.ts) are valid Prometheus rules: the exported rules.yml is
 * checked in CI, this checks the stack-scoped variant (exact namespace, the handles' names, escaped regexes) with
 * the same promtool, when scripts/observability-check.sh has cached it (skipped otherwise).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { ALERTS, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { DEFAULT_SLO } from "../../components/observability/catalog/slo";
import { prometheusRuleSpec } from "../../components/observability/k8s-rules";

const PROMTOOL = path.join(
  process.env.LOOM_OBS_CACHE ?? path.join(os.homedir(), ".cache", "loom-obs"),
  "bin",
  "promtool",
);
const NAMES = {
  namespace: "loom-prod",
  webDeployment: "loom.web",
  workerDeployment: "loom-worker",
  databasePods: "loom-db-[0-9]+",
  databaseContainer: "postgres",
  cacheStatefulSet: "loom-cache",
  cacheContainer: "valkey",
};

describe("stack-scoped Prometheus rules", () => {
  const spec = prometheusRuleSpec(NAMES, {
    alerting: true,
    thresholds: DEFAULT_THRESHOLDS,
    slo: DEFAULT_SLO.prod,
    runbookBaseUrl: "https://docs.example.com/loom/",
  });

  it("pass promtool check rules", function () {
    if (!fs.existsSync(PROMTOOL)) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-rules-"));
    const file = path.join(dir, "rules.yml");
    fs.writeFileSync(file, stringify(spec, { lineWidth: 0 }));
    const out = execFileSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
    const rules = spec.groups.reduce((n, g) => n + g.rules.length, 0);
    assert.match(out, new RegExp(`SUCCESS: ${rules} rules found`));
    fs.rmSync(dir, { recursive: true });
  });

  it("escape a dot in a handle's name inside PromQL regexes", () => {
    const text = JSON.stringify(spec);
    assert.ok(text.includes('deployment=~\\"loom\\\\\\\\.web|loom-worker\\"'));
    assert.equal(spec.groups.at(-1)?.rules.length, ALERTS.length);
  });
});
