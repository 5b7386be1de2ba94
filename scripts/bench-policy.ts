/**
 * Benchmark: evaluate the whole loom-guard pack over ≥ 10,000 generated resources (the happy-path fixtures of every
 * cloud, replicated under unique names, with every tenth copy carrying a violation) through the same runner as
 * `npm run plan`, and print resources per second overall and the time each rule takes. No assertions on time.
 *
 *   node -r ts-node/register/transpile-only scripts/bench-policy.ts [--count 10000] [--config prod] [--runs 3]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { policies } from "../policy/policies";
import { allFixtures, aws, mutate } from "../tests/harness/policy-args";
import type { PlannedResource } from "./lib/mock-engine";
import { evaluatePolicies, type PackConfig } from "./lib/policy-runner";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    config: { type: "string", default: "prod" },
    runs: { type: "string", default: "3" },
  },
});
const count = Math.max(1, Number(values.count));
const runs = Math.max(1, Number(values.runs));
const configFile = path.join(__dirname, "..", "policy", "config", `${values.config}.json`);
const config: PackConfig = fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, "utf8")) : {};

function generate(n: number): PlannedResource[] {
  const base = allFixtures();
  const broken = mutate(aws.taskDefinition(), (td) => {
    td.memory = undefined;
  });
  const out: PlannedResource[] = [];
  for (let i = 0; out.length < n; i++) {
    for (const f of base) {
      if (out.length >= n) break;
      const src = out.length % 10 === 9 ? broken : f;
      const name = `${src.name}-${i}`;
      out.push({
        ...src,
        name,
        urn: `urn:pulumi:bench::loom::${src.type}::${name}`,
        inputs: structuredClone(src.inputs),
      });
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const resources = generate(count);
  const types = new Set(resources.map((r) => r.type)).size;
  console.log(
    `loom-guard: ${policies.length} rules × ${resources.length} resources (${types} types), config ${values.config}, median of ${runs} runs`,
  );

  const totals: number[] = [];
  let violations = 0;
  for (let run = 0; run < runs; run++) {
    const t0 = process.hrtime.bigint();
    const report = await evaluatePolicies(resources, policies, config);
    totals.push(Number(process.hrtime.bigint() - t0) / 1e6);
    violations = report.violations.length;
  }
  const ms = median(totals);
  console.log(
    `whole pack: ${ms.toFixed(0)} ms → ${Math.round((resources.length / ms) * 1000)} resources/s (${violations} violations)`,
  );

  const noop = { name: "noop", description: "baseline: the runner alone", validateResource: () => undefined };
  const baseline: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = process.hrtime.bigint();
    await evaluatePolicies(resources, [noop], config);
    baseline.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const overhead = median(baseline);
  const perRule: [string, number][] = [];
  for (const p of policies) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const t0 = process.hrtime.bigint();
      await evaluatePolicies(resources, [p], config);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    perRule.push([p.name, Math.max(0, median(times) - overhead)]);
  }
  console.log(`per rule, net of the runner's own ${overhead.toFixed(0)} ms (input copies, dispatch):`);
  for (const [name, t] of perRule.sort((a, b) => b[1] - a[1])) console.log(`  ${t.toFixed(1).padStart(8)} ms  ${name}`);
  const mem = process.memoryUsage();
  console.log(`heap used ${(mem.heapUsed / 1048576).toFixed(0)} MiB, rss ${(mem.rss / 1048576).toFixed(0)} MiB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
