/**
 * The offline plan's start-up trims (scripts/lib/lazy-modules.ts, scripts/lib/lean-runtime.ts): what they leave
 * out is never loaded or computed, and stays available when something does use it. Run in child processes: the
 * trims patch @pulumi/pulumi for the whole process.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { isSdkVersionAlias } from "../scripts/lib/lean-runtime";

const ROOT = path.resolve(__dirname, "..");

function node(script: string): string {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("plan start-up trims", () => {
  it("recognises only the SDK's API-version aliases", () => {
    assert.equal(isSdkVersionAlias({ type: "azure-native:network/v20230201:Subnet" }), true);
    assert.equal(isSdkVersionAlias({ type: "azure-native:dbforpostgresql/v20221201:Server" }), true);
    assert.equal(isSdkVersionAlias({ type: "loom:components:AppService" }), false);
    assert.equal(isSdkVersionAlias({ type: "azure-native:network:Subnet" }), false);
    assert.equal(isSdkVersionAlias({ type: "azure-native:network/v20230201:Subnet", name: "old" }), false);
    assert.equal(isSdkVersionAlias({ name: "old-name" }), false);
    assert.equal(isSdkVersionAlias("urn:pulumi:prod::loom::x::y"), false);
  });

  // (TypeScript is lazy too, but ts-node, which runs this test, loads it itself.)
  it("loads neither the Automation API, npm's arborist nor zod's locales until they are used", () => {
    const out = node(`
      require("./scripts/lib/lazy-modules");
      const pulumi = require("@pulumi/pulumi");
      require("zod");
      const real = (re) => Object.keys(require.cache).some((f) => re.test(f) && !f.endsWith("index.js") && !f.endsWith("index.cjs") && !f.endsWith("typescript-shim.js"));
      const before = [real(/@pulumi\\/pulumi\\/automation\\//), real(/@npmcli\\/arborist\\//), real(/zod\\/v4\\/locales\\/(?!en\\.)/)];
      const used = typeof pulumi.automation.LocalWorkspace === "function" && typeof require("zod").locales.fr === "function";
      const after = real(/@pulumi\\/pulumi\\/automation\\//) && real(/zod\\/v4\\/locales\\/fr/);
      console.log(JSON.stringify({ before, used, after }));
    `);
    assert.deepEqual(JSON.parse(out), { before: [false, false, false], used: true, after: true });
  });

  it("drops the SDK's version aliases from resource options and keeps the program's own", () => {
    const out = node(`
      const pulumi = require("@pulumi/pulumi");
      require("./scripts/lib/lean-runtime").leanRuntimeForPlan();
      const merged = pulumi.mergeOptions(
        { aliases: [{ name: "old-db" }] },
        { aliases: [{ type: "azure-native:network/v20230201:Subnet" }, { type: "azure-native:network/v20240101:Subnet" }] },
      );
      const onlySdk = pulumi.mergeOptions({ protect: true }, { aliases: [{ type: "azure-native:network/v20230201:Subnet" }] });
      console.log(JSON.stringify({ merged: merged.aliases, onlySdk: onlySdk.aliases ?? null, protect: onlySdk.protect }));
    `);
    assert.deepEqual(JSON.parse(out), { merged: [{ name: "old-db" }], onlySdk: null, protect: true });
  });
});
