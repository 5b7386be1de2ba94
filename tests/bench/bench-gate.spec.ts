/**
 * The bench regression gate's arithmetic (scripts/lib/bench-gate.ts): exact bounds, exact messages.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Baseline, baselineFor, gate, parseBaseline } from "../../scripts/lib/bench-gate";

const baseline: Baseline = {
  schema: 1,
  stack: "prod",
  bound: 0.25,
  measured: {},
  ratios: { aws: { wall: 2, cpu: 1.6 }, gcp: { wall: 1.2, cpu: 1.2 } },
};

describe("bench gate", () => {
  it("passes a ratio exactly at the +25 % bound and names every comparison", () => {
    const v = gate(baseline, { aws: { wall: 2.5, cpu: 1.6 }, gcp: { wall: 1, cpu: 1.2 } }, "prod");
    assert.equal(v.ok, true);
    assert.deepEqual(v.failures, []);
    assert.deepEqual(v.lines, [
      "bench gate: ok   aws wall ratio 2.50× vs baseline 2.00× (+25.0 %; bound +25.0 %: ≤ 2.50×)",
      "bench gate: ok   aws CPU ratio 1.60× vs baseline 1.60× (+0.0 %; bound +25.0 %: ≤ 2.00×)",
      "bench gate: ok   gcp wall ratio 1.00× vs baseline 1.20× (-16.7 %; bound +25.0 %: ≤ 1.50×)",
      "bench gate: ok   gcp CPU ratio 1.20× vs baseline 1.20× (+0.0 %; bound +25.0 %: ≤ 1.50×)",
    ]);
  });

  it("fails a ratio just over the bound, naming the cloud, the ratio, the baseline and the bound", () => {
    const v = gate(baseline, { aws: { wall: 2, cpu: 2.01 }, gcp: { wall: 1.2, cpu: 1.2 } }, "prod");
    assert.equal(v.ok, false);
    assert.deepEqual(v.failures, [
      "bench gate: FAIL aws CPU ratio 2.01× vs baseline 1.60× (+25.6 %; bound +25.0 %: ≤ 2.00×)",
    ]);
  });

  it("uses the baseline's own bound", () => {
    const strict = { ...baseline, bound: 0.1 };
    const v = gate(strict, { aws: { wall: 2.3, cpu: 1.6 }, gcp: { wall: 1.2, cpu: 1.2 } }, "prod");
    assert.deepEqual(v.failures, [
      "bench gate: FAIL aws wall ratio 2.30× vs baseline 2.00× (+15.0 %; bound +10.0 %: ≤ 2.20×)",
    ]);
  });

  it("fails a cloud that was not measured and a cloud without a baseline", () => {
    const v = gate(baseline, { aws: { wall: 2, cpu: 1.6 }, azure: { wall: 1, cpu: 1 } }, "prod");
    assert.equal(v.ok, false);
    assert.deepEqual(v.failures, [
      "bench gate: gcp has a baseline but was not measured (measure every cloud of the baseline)",
      "bench gate: azure has no baseline; add it with --write-baseline",
    ]);
  });

  it("refuses a run on another stack than the baseline's", () => {
    const v = gate(baseline, { aws: { wall: 2, cpu: 1.6 }, gcp: { wall: 1.2, cpu: 1.2 } }, "dev");
    assert.deepEqual(v.failures, [
      "bench gate: measured on stack dev, the baseline is for stack prod; run with --stack prod",
    ]);
  });

  it("writes a baseline rounded to three decimals that parses back and passes itself", () => {
    const b = baselineFor("prod", { aws: { wall: 1.71234, cpu: 1.6666 } }, { load: "1.00 0.50 0.25" });
    assert.deepEqual(b, {
      schema: 1,
      stack: "prod",
      bound: 0.25,
      measured: { load: "1.00 0.50 0.25" },
      ratios: { aws: { wall: 1.712, cpu: 1.667 } },
    });
    const back = parseBaseline(JSON.stringify(b), "b.json");
    assert.equal(gate(back, { aws: { wall: 1.71234, cpu: 1.6666 } }, "prod").ok, true);
  });

  it("rejects a malformed baseline, naming the file, the key and what is allowed", () => {
    assert.throws(() => parseBaseline("{", "b.json"), /^Error: b\.json: not JSON/);
    assert.throws(
      () => parseBaseline(JSON.stringify({ ...baseline, schema: 2 }), "b.json"),
      /^Error: b\.json: schema is 2; allowed: 1$/,
    );
    assert.throws(
      () => parseBaseline(JSON.stringify({ ...baseline, bound: 0 }), "b.json"),
      /^Error: b\.json: bound is 0; allowed: a fraction > 0 \(0\.25 = \+25 %\)$/,
    );
    assert.throws(
      () => parseBaseline(JSON.stringify({ ...baseline, ratios: { aws: { wall: 1 } } }), "b.json"),
      /^Error: b\.json: ratios\.aws\.cpu is undefined; allowed: a positive number$/,
    );
    assert.throws(
      () => parseBaseline(JSON.stringify({ ...baseline, stack: "" }), "b.json"),
      /^Error: b\.json: stack is ""; allowed: a stack name such as "prod"$/,
    );
  });

  it("the committed baseline is valid and covers every implemented cloud", () => {
    const file = path.resolve(__dirname, "..", "..", "bench", "baseline.json");
    const b = parseBaseline(fs.readFileSync(file, "utf8"), file);
    const { IMPLEMENTED_CLOUDS } = require("../../components/cloud") as typeof import("../../components/cloud");
    assert.deepEqual(Object.keys(b.ratios).sort(), [...IMPLEMENTED_CLOUDS].sort());
    assert.equal(b.bound, 0.25);
  });
});
