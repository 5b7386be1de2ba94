/**
 * npm run cost -- --stack <name>[,<name>…] [--cloud <cloud>[,<cloud>…]] [--json <file>] [--prices <file>]
 *
 * The monthly list price of a stack's plan: the offline plan (scripts/lib/plan.ts, mock engine, no credentials)
 * priced resource by resource from the committed, dated table scripts/cost/prices.yaml. Every estimate prints the
 * table's date and source; types the table does not know are listed, never guessed. Several stacks or clouds
 * (comma-separated) print them side by side, one row per stack and one column per cloud. Exit: 0 · 2 bad usage or config (the message names the flag or key) · 3 a bug.
 */
// First: before anything loads @pulumi/pulumi.
import "./lib/plan-start";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CLOUDS } from "../components/cloud";
import { estimate, type PairEstimate, renderEstimate, renderMatrix } from "./lib/cost";
import { loadPriceTable } from "./lib/cost-table";
import { outputPathProblem, planStack, ROOT } from "./lib/plan";
import { runCli } from "./lib/stack-map";

const USAGE =
  "usage: npm run cost -- --stack <dev|staging|prod|…>[,…] [--cloud <aws|gcp|azure|digitalocean|kubernetes>[,…]] [--json <file>] [--prices <file>]";
export const DEFAULT_PRICES = path.join(ROOT, "scripts", "cost", "prices.yaml");

async function main(): Promise<number> {
  let values: { stack?: string; cloud?: string; json?: string; prices?: string };
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string", short: "s" },
        cloud: { type: "string" },
        json: { type: "string" },
        prices: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.stack) {
    console.error(`--stack is required\n${USAGE}`);
    return 2;
  }
  const stacks = values.stack.split(",").filter((s) => s !== "");
  const clouds = values.cloud === undefined ? [undefined] : values.cloud.split(",");
  for (const cloud of clouds) {
    if (cloud !== undefined && !(CLOUDS as readonly string[]).includes(cloud)) {
      console.error(`--cloud: "${cloud}" is not one of ${CLOUDS.join(", ")}`);
      return 2;
    }
  }
  const jsonProblem = values.json === undefined ? undefined : outputPathProblem(values.json);
  if (jsonProblem) {
    console.error(`--json: ${jsonProblem}`);
    return 2;
  }
  let table: ReturnType<typeof loadPriceTable>;
  try {
    table = loadPriceTable(values.prices ?? DEFAULT_PRICES);
  } catch (e) {
    console.error(`--prices: ${(e as Error).message}`);
    return 2;
  }
  const pairs: (PairEstimate & { project: string })[] = [];
  for (const stack of stacks) {
    for (const cloud of clouds) {
      let plan: Awaited<ReturnType<typeof planStack>>;
      try {
        plan = await planStack({ stack, cloud, policy: false });
      } catch (e) {
        const err = e as Error & { propertyPath?: string; reason?: string };
        console.error(err.propertyPath ? `invalid component argument ${err.propertyPath}: ${err.reason}` : err.message);
        return 2;
      }
      pairs.push({
        project: plan.project,
        stack,
        cloud: plan.cloud,
        estimate: estimate(plan.resources, table, plan.cloud),
      });
    }
  }
  const [only] = pairs;
  console.log(
    pairs.length === 1
      ? renderEstimate(only.estimate, `Monthly list price of ${only.project}/${only.stack} on ${only.cloud}`)
      : renderMatrix(pairs),
  );
  if (values.json) {
    const docs = pairs.map((p) => ({ project: p.project, stack: p.stack, cloud: p.cloud, ...p.estimate }));
    fs.writeFileSync(values.json, `${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
    console.log(`\nWrote ${values.json}`);
  }
  return 0;
}

runCli(main);
