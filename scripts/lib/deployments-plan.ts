/**
 * The offline plan of deployments/ (the loom-deployments program): its stack file → the program under the mock
 * engine (mock-engine.ts, as `npm run plan` runs index.ts) → every Pulumi Cloud resource with its exact inputs.
 * No credentials, no Pulumi Cloud: the pulumiservice provider never runs, so ids are the mock's `<name>-id`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Cloud } from "../../components/cloud";
import { DeploymentsConfigError, PROJECT } from "../../deployments/config";
import { findRoot } from "../../deployments/stacks";
import { type PlannedResource, runProgram } from "./mock-engine";
import { parseYaml, UsageError } from "./plan";

export const ROOT = findRoot(__dirname);
/** The deployments program's directory (its Pulumi.yaml and Pulumi.<stack>.yaml). */
export const DEPLOYMENTS_DIR = path.join(ROOT, "deployments");
/** The one stack that declares the settings of every Loom stack. */
export const DEFAULT_STACK = "all";
/** The program as this code runs it: deployments/index.ts under ts-node, dist/deployments/index.js when built. */
const PROGRAM = path.resolve(__dirname, "..", "..", "deployments", "index");

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * deployments/Pulumi.<stack>.yaml as the engine would pass it: objects as JSON strings, Pulumi.yaml's declared
 * defaults filled in. Keys outside `loom-deployments:` (or `pulumiservice:`) would never be read: an error.
 */
export function loadDeploymentsConfig(stack: string, dir = DEPLOYMENTS_DIR): Record<string, string> {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new UsageError(`no stack file deployments/Pulumi.${stack}.yaml`);
  const doc = parseYaml(file);
  const stackConfig = isMap(doc) && isMap(doc.config) ? doc.config : {};
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(stackConfig)) {
    const ns = key.includes(":") ? key.slice(0, key.indexOf(":")) : "";
    if (ns !== PROJECT && ns !== "pulumiservice") {
      throw new UsageError(
        `Pulumi.${stack}.yaml: key "${key}" is never read; write it as "${PROJECT}:${key.slice(ns.length ? ns.length + 1 : 0)}"`,
      );
    }
    if (isMap(value) && "secure" in value)
      throw new UsageError(`Pulumi.${stack}.yaml: ${key} is secret; no key of this program is`);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const project = parseYaml(path.join(dir, "Pulumi.yaml"));
  const declared = isMap(project) && isMap(project.config) ? project.config : {};
  for (const [key, decl] of Object.entries(declared)) {
    const full = `${PROJECT}:${key}`;
    if (!(full in config) && isMap(decl) && decl.default !== undefined) {
      config[full] = typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default);
    }
  }
  return config;
}

export interface DeploymentsPlanOptions {
  stack?: string;
  /** Plan every Loom stack on this cloud instead of its loom:cloud. */
  cloud?: Cloud;
  /** Config set over the stack file's, by full key (objects as JSON), as `pulumi config set` would. */
  configOverrides?: Record<string, string>;
  /** Where the Loom stack files are. @default the repository */
  root?: string;
}

export interface DeploymentsPlan {
  project: string;
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export async function planDeploymentsProgram(opts: DeploymentsPlanOptions = {}): Promise<DeploymentsPlan> {
  const stack = opts.stack ?? DEFAULT_STACK;
  const config = { ...loadDeploymentsConfig(stack), ...opts.configOverrides };
  const run = await runProgram({
    project: PROJECT,
    stack,
    config,
    program: () => {
      const entry = require.resolve(PROGRAM);
      const mod = require(entry) as typeof import("../../deployments/index");
      return mod.program({ root: opts.root, cloud: opts.cloud });
    },
  });
  return { project: PROJECT, stack, resources: run.resources, outputs: run.outputs };
}

/** Bad config or usage (exit 2), as opposed to a bug (exit 3). */
export function isConfigProblem(e: unknown): e is Error {
  return e instanceof DeploymentsConfigError || e instanceof UsageError;
}

/** One line per resource: type, name and the inputs that decide behaviour. */
export function renderPlan(plan: DeploymentsPlan): string {
  const lines = [`Previewing update (${plan.project}/${plan.stack}; mock engine, no credentials)`, ""];
  const width = Math.max(...plan.resources.map((r) => r.type.length)) + 2;
  for (const r of plan.resources) lines.push(` +   ${r.type.padEnd(width)}${r.name}`);
  lines.push("", `Resources:\n    + ${plan.resources.length} to create`);
  return lines.join("\n");
}
