/**
 * The helpers the workflows run: which stacks a pull request previews (.github/scripts/affected-stacks.ts), the SARIF
 * gate that turns a critical code-scanning result into a failed job (.github/scripts/sarif-gate.sh, run with jq),
 * the zizmor config's one reason per ignore, and the release-please version files agreeing with each other.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { affectedStacks } from "../../.github/scripts/affected-stacks";

const root = path.resolve(__dirname, "../..");

describe("affected stacks (preview.yml)", () => {
  it("maps a stack's own config and pack config to that stack only", () => {
    assert.deepEqual(affectedStacks(["Pulumi.prod.yaml"]), ["prod"]);
    assert.deepEqual(affectedStacks(["policy/config/staging.json", "Pulumi.dev.yaml"]), ["dev", "staging"]);
  });
  it("ignores docs, tests, bench, workflows and stacks that are not deployed", () => {
    assert.deepEqual(affectedStacks(["docs/ci.md", "tests/ci/x.spec.ts", "README.md", ".github/workflows/ci.yml"]), []);
    assert.deepEqual(affectedStacks(["bench/baseline.json", "Pulumi.local.yaml", "Pulumi.cluster.yaml"]), []);
  });
  it("previews every stack for anything else (program, pack, lock file)", () => {
    for (const f of ["components/aws/db.ts", "policy/index.ts", "package-lock.json", "Pulumi.yaml", "index.ts"])
      assert.deepEqual(affectedStacks(["docs/x.md", f]), ["dev", "staging", "prod"], f);
  });
});

describe("sarif-gate.sh", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sarif-gate-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sarif = (results: object[], rules: object[]) => {
    const file = path.join(dir, `r${fs.readdirSync(dir).length}.sarif`);
    fs.writeFileSync(file, JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { rules } }, results }] }));
    return file;
  };
  const at = (ruleId: string, extra: object = {}) => ({
    ruleId,
    ...extra,
    locations: [{ physicalLocation: { artifactLocation: { uri: "src/a.ts" }, region: { startLine: 7 } } }],
  });
  const rules = [
    { id: "crit", properties: { "security-severity": "9.8" } },
    { id: "high", properties: { "security-severity": "8.9" }, defaultConfiguration: { level: "error" } },
  ];
  const gate = (...args: string[]) =>
    spawnSync("bash", [path.join(root, ".github/scripts/sarif-gate.sh"), ...args], { encoding: "utf8" });

  it("fails on a result whose rule is critical (security-severity >= 9.0), naming it and its place", () => {
    const r = gate("--min-security-severity", "9.0", sarif([at("high"), at("crit")], rules));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^blocking: \S+r\d\.sarif: crit src\/a\.ts:7$/m);
    assert.doesNotMatch(r.stdout, / high /);
  });
  it("passes high, suppressed and unknown-severity results", () => {
    const file = sarif([at("high"), at("crit", { suppressions: [{ kind: "inSource" }] }), at("other")], rules);
    const r = gate("--min-security-severity", "9.0", file);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /0 blocking results in 1 file/);
  });
  it("--level error: the result's level, else its rule's default", () => {
    assert.equal(gate("--level", "error", sarif([at("high")], rules)).status, 1);
    assert.equal(gate("--level", "error", sarif([at("high", { level: "warning" })], rules)).status, 0);
    assert.equal(gate("--level", "error", sarif([at("crit", { level: "error" })], rules)).status, 1);
  });
  it("refuses bad usage with exit 2, naming the value and what is allowed", () => {
    const r = gate("--min-security-severity", "high", sarif([], rules));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--min-security-severity is 'high'; allowed: a number from 0 to 10/);
    assert.equal(gate("--level", "error", path.join(dir, "missing.sarif")).status, 2);
  });
});

describe("zizmor config and release-please files", () => {
  it("gives every zizmor ignore a one-line reason on the line above it", () => {
    const lines = fs.readFileSync(path.join(root, ".github/zizmor.yml"), "utf8").split("\n");
    const entries = lines.flatMap((l, i) => (/^\s+(disable: true|- \S+)\s*$/.test(l) ? [i] : []));
    assert.deepEqual(
      entries.map((i) => lines[i].trim()),
      ["disable: true", "- zap.yml"],
    );
    for (const i of entries) assert.match(lines[i - 1], /^\s+# \S.{20,}$/, `no reason above "${lines[i].trim()}"`);
  });
  it("starts release-please at the version package.json, policy/package.json and PulumiPolicy.yaml carry", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, ".release-please-manifest.json"), "utf8"));
    const config = JSON.parse(fs.readFileSync(path.join(root, "release-please-config.json"), "utf8"));
    const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
    assert.equal(manifest["."], version);
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, "policy/package.json"), "utf8")).version, version);
    assert.equal(parse(fs.readFileSync(path.join(root, "policy/PulumiPolicy.yaml"), "utf8")).version, version);
    assert.deepEqual(
      config.packages["."]["extra-files"].map((f: { path: string }) => f.path),
      ["policy/package.json", "policy/PulumiPolicy.yaml", "charts/loom/Chart.yaml"],
    );
    // release-please's yaml updater re-dumps the file without comments: only for files nothing compares byte for byte
    assert.deepEqual(
      config.packages["."]["extra-files"].map((f: { type: string }) => f.type),
      ["json", "yaml", "generic"],
    );
  });
  it("marks Chart.yaml's version and appVersion for the generic updater, at package.json's version", () => {
    const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
    const chart = fs.readFileSync(path.join(root, "charts/loom/Chart.yaml"), "utf8");
    const marked = chart.split("\n").filter((l) => l.endsWith("# x-release-please-version"));
    assert.deepEqual(marked, [
      `version: ${version} # x-release-please-version`,
      `appVersion: "${version}" # x-release-please-version`,
    ]);
  });
});
