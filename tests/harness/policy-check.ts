/**
 * Run loom-guard rules over fixtures through the same runner `npm run plan` uses, and the mocha helpers built on it:
 * `itPasses` (one test per happy-path fixture) and `itFails` (one test per mutation, exact messages asserted).
 */
import assert from "node:assert/strict";
import type { LoomPolicy } from "../../policy/lib/rule";
import { policies } from "../../policy/policies";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { evaluatePolicies, type PackConfig, type Violation } from "../../scripts/lib/policy-runner";

/** Run one rule (or several) over resources through the plan tool's runner. */
export async function check(
  rule: LoomPolicy | LoomPolicy[],
  resources: PlannedResource | PlannedResource[],
  config: PackConfig = {},
): Promise<Violation[]> {
  const list = Array.isArray(resources) ? resources : [resources];
  const report = await evaluatePolicies(list, Array.isArray(rule) ? rule : [rule], config);
  return report.violations;
}

/** The violation messages one rule reports for `resources`. */
export async function messages(
  rule: LoomPolicy,
  resources: PlannedResource | PlannedResource[],
  config: PackConfig = {},
): Promise<string[]> {
  return (await check(rule, resources, config)).map((v) => v.message);
}

/** Every rule of the pack. */
export { policies };

export interface FailingCase {
  /** What the mutation removes or breaks. */
  title: string;
  resource: PlannedResource | PlannedResource[];
  /** The exact messages the rule reports, in order. */
  messages: string[];
  config?: PackConfig;
}

/** One mocha test per fixture: the rule reports nothing. */
export function itPasses(rule: LoomPolicy, fixtures: PlannedResource[], config: PackConfig = {}, label = ""): void {
  for (const f of fixtures) {
    it(`passes ${f.type} "${f.name}"${label ? ` ${label}` : ""}`, async () => {
      assert.deepEqual(await messages(rule, f, config), []);
    });
  }
}

/** One mocha test per failing case: the rule reports exactly the expected messages. */
export function itFails(rule: LoomPolicy, cases: FailingCase[]): void {
  for (const c of cases) {
    it(`fails: ${c.title}`, async () => {
      assert.deepEqual(await messages(rule, c.resource, c.config ?? {}), c.messages);
    });
  }
}
