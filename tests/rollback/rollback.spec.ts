/**
 * npm run rollback's decisions and command sequence (scripts/lib/rollback-plan.ts) on a real
 * `pulumi stack history --json` (fixtures/history-diy.json: recorded with the engine of docs/engine.md on a file://
 * backend, where every version is 0), through a fake runner; and the restored image plans under the mock engine.
 */
import assert from "node:assert/strict";
import { planStack } from "../../scripts/lib/plan";
import { rollbackTarget, runRollback } from "../../scripts/lib/rollback-plan";
import type { RunResult } from "../../scripts/lib/smoke-runner";
import config from "./fixtures/config-diy.json";
import history from "./fixtures/history-diy.json";

const V1 = "ghcr.io/example/loom@sha256:1111111111111111111111111111111111111111111111111111111111111111";
const V3 = "ghcr.io/example/loom@sha256:3333333333333333333333333333333333333333333333333333333333333333";
const v1 = history.find((h) => h.message === "deploy v1") as (typeof history)[number];
const TAG = `0@${v1.startTime}`;

describe("rollback", () => {
  it("finds the tagged good update in the history and restores its image", () => {
    assert.deepEqual(rollbackTarget(history, TAG, config, "prod"), { id: TAG, image: V1, sets: [["loom:image", V1]] });
  });

  it("refuses without a recorded good update, or with one the history does not hold", () => {
    assert.throws(
      () => rollbackTarget(history, undefined, config, "prod"),
      /^Error: no good update recorded for stack prod: the stack tag loom:lastGood is not set/,
    );
    assert.throws(
      () => rollbackTarget(history, "0@2020-01-01T00:00:00.000Z", config, "prod"),
      /^Error: loom:lastGood=0@2020-01-01T00:00:00\.000Z is not an update in the stack's history \(searched 3 entries\)$/,
    );
    assert.throws(
      () => rollbackTarget(history, "latest", config, "prod"),
      /^Error: loom:lastGood is "latest"; allowed: <version>@<startTime>/,
    );
    const failed = history.map((h) => (h === v1 ? { ...h, result: "failed" } : h));
    assert.throws(() => rollbackTarget(failed, TAG, config, "prod"), /is failed, not succeeded: not a good update$/);
    const same = { ...config, "loom:image": { value: V1, secret: false } };
    assert.throws(() => rollbackTarget(history, TAG, same, "prod"), /already runs .* nothing to roll back$/);
  });

  it("runs the exact command sequence and marks the new update good", async () => {
    const calls: string[] = [];
    const after = [
      { version: 0, kind: "update", startTime: "2026-12-02T10:00:00.000Z", result: "succeeded" },
      ...history,
    ];
    let ups = 0;
    const run = async (argv: readonly string[]): Promise<RunResult> => {
      const line = argv.join(" ");
      calls.push(line);
      const json = (v: unknown) => ({ status: 0, stdout: JSON.stringify(v), stderr: "" });
      if (line.startsWith("pulumi stack history")) return json(ups > 0 ? after : history);
      if (line.startsWith("pulumi stack tag ls")) return json({ "loom:lastGood": TAG });
      if (line.startsWith("pulumi config --json")) return json(config);
      if (line.startsWith("pulumi up")) ups++;
      if (line.startsWith("pulumi stack output")) return json({ cloud: "kubernetes", url: "https://loom.example.com" });
      return { status: 0, stdout: "", stderr: "" };
    };
    const log = await runRollback(
      { stack: "prod", environment: "prod", smoke: { skip: ["https", "alarms", "migrate"] } },
      run,
    );
    assert.deepEqual(calls, [
      "pulumi stack history --json --page-size 100 --stack prod",
      "pulumi stack tag ls --json --stack prod",
      "pulumi config --json --stack prod",
      `pulumi config set loom:image ${V1} --stack prod`,
      `pulumi up --yes --skip-preview --stack prod --message rollback to ${TAG} --policy-pack policy --policy-pack-config policy/config/prod.json`,
      "pulumi stack output --json --stack prod",
      "pulumi stack history --json --page-size 20 --stack prod",
      "pulumi stack tag set loom:lastGood 0@2026-12-02T10:00:00.000Z --stack prod",
    ]);
    assert.equal(log[0], `rolling back stack prod to update ${TAG}: loom:image=${V1}`);
    assert.equal(config["loom:image"].value, V3);
  });

  it("the restored image is what the program deploys (mock engine plan)", async () => {
    const target = rollbackTarget(history, TAG, config, "dev");
    const plan = await planStack({
      stack: "dev",
      cloud: "kubernetes",
      policy: false,
      configOverrides: Object.fromEntries(target.sets),
    });
    const images = new Set(
      plan.resources
        .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
        .flatMap((r) =>
          (
            r.inputs as { spec: { template: { spec: { containers: { image: string }[] } } } }
          ).spec.template.spec.containers.map((c) => c.image),
        ),
    );
    assert.ok(images.has(V1), [...images].join(", "));
  });
});
