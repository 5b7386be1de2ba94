/**
 * npm run chart [-- --check]
 *
 * Writes charts/loom/ as the generator (chart.ts) produces it from the Kubernetes target, replacing what was there.
 * --check: exit 1 naming the files that differ from what would be generated (the chart is stale); writes nothing.
 */
// First: before anything loads @pulumi/pulumi.
import "../lib/plan-start";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../lib/plan";
import { runCli } from "../lib/stack-map";
import { CHART_DIR, filesUnder, generateChart, staleFiles } from "./chart";

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    console.error(`chart: unknown argument ${unknown.join(" ")} (usage: npm run chart [-- --check])`);
    return 2;
  }
  const t0 = Date.now();
  const want = await generateChart();
  const dir = path.join(ROOT, CHART_DIR);
  const stale = staleFiles(want, filesUnder(dir));
  if (check) {
    if (stale.length === 0) return 0;
    console.error(`charts/loom is stale (run npm run chart): ${stale.join(", ")}`);
    return 1;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, content] of want) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  console.log(
    `charts/loom: ${want.size} files (${stale.length} changed) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return 0;
}

runCli(() => main(process.argv.slice(2)));
