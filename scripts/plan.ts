/**
 * npm run plan -- --stack <name> [--cloud <cloud>] [--json <file>] [--out-dir <dir>] [--no-policy] [--policy-config <file>]
 *
 * The credential-free main job: runs index.ts with the stack's real config under the mock engine, prints the
 * resource tree like `pulumi preview`, and runs the loom-guard pack on every resource. --out-dir (digitalocean) writes
 * what each droplet group will run (redacted boot config, compose file, config files: scripts/do-artefacts.ts).
 * Exit: 0 clean · 1 mandatory policy violations · 2 bad config or usage (the message names the key) · 3 a bug.
 */
// First: before anything loads @pulumi/pulumi.
import "./lib/plan-start";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { CLOUDS } from "../components/cloud";
import { policies } from "../policy/policies";
import { displayOutputs, mandatory, outputPathProblem, planStack, renderTree, toJson, UsageError } from "./lib/plan";
import { type PackConfig, readPackConfig } from "./lib/policy-runner";
import { mapStack, runCli } from "./lib/stack-map";

const USAGE =
  "usage: npm run plan -- --stack <dev|staging|prod|…> [--cloud <aws|gcp|azure|digitalocean|kubernetes>] [--json <file>] [--out-dir <dir>] [--no-policy] [--policy-config <file>]";

function isConfigError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    e.name === "SettingsError" ||
    e.name === "InputPropertyError" ||
    e instanceof UsageError ||
    // InputPropertyError has no distinct name; it carries propertyPath.
    "propertyPath" in e
  );
}

async function main(): Promise<number> {
  let values: {
    stack?: string;
    cloud?: string;
    json?: string;
    "out-dir"?: string;
    "no-policy"?: boolean;
    "policy-config"?: string;
  };
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string", short: "s" },
        cloud: { type: "string" },
        json: { type: "string" },
        "out-dir": { type: "string" },
        "no-policy": { type: "boolean" },
        "policy-config": { type: "string" },
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
  if (values.cloud !== undefined && !(CLOUDS as readonly string[]).includes(values.cloud)) {
    console.error(`--cloud: "${values.cloud}" is not one of ${CLOUDS.join(", ")}`);
    return 2;
  }
  // Checked before planning: a plan that cannot be written is a usage error, not a crash after the output.
  const jsonProblem = values.json === undefined ? undefined : outputPathProblem(values.json);
  if (jsonProblem) {
    console.error(`--json: ${jsonProblem}`);
    return 2;
  }
  let packConfig: PackConfig | undefined;
  if (values["policy-config"]) {
    try {
      packConfig = readPackConfig(values["policy-config"], policies);
    } catch (e) {
      console.error(`--policy-config: cannot read ${values["policy-config"]}: ${(e as Error).message}`);
      return 2;
    }
  }

  let result: Awaited<ReturnType<typeof planStack>>;
  try {
    result = await planStack({
      stack: values.stack,
      cloud: values.cloud,
      policy: !values["no-policy"],
      packConfig,
    });
  } catch (e) {
    if (isConfigError(e)) {
      const err = e as Error & { propertyPath?: string; reason?: string };
      console.error(err.propertyPath ? `invalid component argument ${err.propertyPath}: ${err.reason}` : err.message);
      return 2;
    }
    console.error(e instanceof Error ? mapStack(e.stack ?? e.message) : String(e));
    return 3;
  }

  console.log(
    `Previewing update (${result.project}/${result.stack}, cloud ${result.cloud}; mock engine, no credentials)\n`,
  );
  console.log(renderTree(result));
  console.log("\nOutputs:");
  for (const [k, v] of Object.entries(displayOutputs(result))) console.log(`    ${k}: ${JSON.stringify(v)}`);

  if (values.json) {
    try {
      fs.writeFileSync(values.json, `${JSON.stringify(toJson(result), null, 2)}\n`);
    } catch (e) {
      console.error(`--json: cannot write ${values.json}: ${(e as Error).message}`);
      return 2;
    }
    console.log(`\nWrote ${values.json}`);
  }
  if (values["out-dir"]) {
    // Loaded only here: a plan without --out-dir pays nothing for it.
    const { writePlanArtefacts } = require("./do-artefacts") as typeof import("./do-artefacts");
    type PlannedResource = import("./do-artefacts").PlannedResource;
    try {
      console.log(
        `\n${writePlanArtefacts(values["out-dir"], displayOutputs(result), (toJson(result) as { resources: PlannedResource[] }).resources)}`,
      );
    } catch (e) {
      console.error(`--out-dir: ${(e as Error).message}`);
      return 2;
    }
  }

  if (!result.policy) {
    console.log("\nPolicies: skipped (--no-policy)");
    return 0;
  }
  const { violations, pack } = result.policy;
  console.log(
    `\nPolicies (${pack}): ${violations.length === 0 ? "no violations" : `${violations.length} violation(s)`}`,
  );
  for (const v of violations) {
    console.log(`    [${v.enforcementLevel}] ${v.policy}  ${v.urn.split("::").pop()}\n        ${v.message}`);
  }
  return mandatory(result).length > 0 ? 1 : 0;
}

runCli(main);
