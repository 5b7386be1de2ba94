/**
 * npm run deployments:plan -- [--stack all] [--cloud <aws|gcp|azure>] [--json <file>]
 *
 * The offline plan of deployments/ (Pulumi Deployments settings as code): the program under the mock engine with
 * its committed stack file, every resource listed, then each Loom stack's settings in short. No credentials.
 * Exit: 0 planned · 2 bad config or usage (the message names the key, the value and what is allowed) · 3 a bug.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { CLOUDS, type Cloud } from "../components/cloud";
import { type DeploymentsPlan, isConfigProblem, planDeploymentsProgram, renderPlan } from "./lib/deployments-plan";
import { outputPathProblem, toJson } from "./lib/plan";
import { mapStack, runCli } from "./lib/stack-map";

const USAGE = "usage: npm run deployments:plan -- [--stack all] [--cloud <aws|gcp|azure>] [--json <file>]";

function usage(message: string): number {
  console.error(`${message}\n${USAGE}`);
  return 2;
}

function subjectsOf(plan: DeploymentsPlan, stack: string): string[] {
  const stacks = (plan.outputs.stacks ?? {}) as Record<string, { oidcSubjects?: string[] }>;
  return stacks[stack]?.oidcSubjects ?? [];
}

/** The settings that matter per Loom stack, one block each. */
function describe(plan: DeploymentsPlan): string {
  const lines: string[] = [];
  for (const r of plan.resources.filter((x) => x.type === "pulumiservice:index:DeploymentSettings")) {
    const i = r.inputs as Record<string, Record<string, unknown>>;
    const gh = i.github ?? {};
    const op = i.operationContext ?? {};
    const env = (op.environmentVariables ?? {}) as Record<string, string>;
    const drift = plan.resources.find(
      (x) => x.type === "pulumiservice:index:DriftSchedule" && x.inputs.stack === i.stack,
    );
    lines.push(
      `  ${String(i.stack)}: ${String((i.sourceContext?.git as Record<string, unknown>)?.branch)} · deployCommits ${String(gh.deployCommits)} · previewPullRequests ${String(gh.previewPullRequests)} · review template ${String(gh.pullRequestTemplate)}`,
      `      oidc ${Object.keys(op.oidc ?? {}).join(",")} · policy ${env.PULUMI_OPTION_POLICY_PACK} ${env.PULUMI_OPTION_POLICY_PACK_CONFIG} · drift "${String(drift?.inputs.scheduleCron)}" autoRemediate ${String(drift?.inputs.autoRemediate)}`,
      "      OIDC subjects to trust:",
      ...subjectsOf(plan, String(i.stack)).map((s) => `        ${s}`),
    );
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  let values: { stack?: string; cloud?: string; json?: string };
  try {
    ({ values } = parseArgs({
      options: { stack: { type: "string", short: "s" }, cloud: { type: "string" }, json: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.cloud !== undefined && !(CLOUDS as readonly string[]).includes(values.cloud)) {
    return usage(`--cloud: "${values.cloud}" is not one of ${CLOUDS.join(", ")}`);
  }
  const jsonProblem = values.json === undefined ? undefined : outputPathProblem(values.json);
  if (jsonProblem) return usage(`--json: ${jsonProblem}`);
  let plan: DeploymentsPlan;
  try {
    plan = await planDeploymentsProgram({ stack: values.stack, cloud: values.cloud as Cloud | undefined });
  } catch (e) {
    if (isConfigProblem(e)) {
      console.error(e.message);
      return 2;
    }
    console.error(e instanceof Error ? mapStack(e.stack ?? e.message) : String(e));
    return 3;
  }
  console.log(renderPlan(plan));
  console.log(`\nLoom stacks:\n${describe(plan)}`);
  if (values.json) {
    const doc = toJson({ ...plan, cloud: values.cloud ?? "per stack" });
    fs.writeFileSync(values.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`\nWrote ${values.json}`);
  }
  return 0;
}

runCli(main);
