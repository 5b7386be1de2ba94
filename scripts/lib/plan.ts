/**
 * The offline plan: a stack's real config file → the real program (index.ts) under the mock engine → the
 * resource tree, the outputs and the loom-guard verdict. What `npm run plan` prints and the tests assert on.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { PROJECT, parseSettings, readRawConfig } from "../../components/settings";
import { policies } from "../../policy/policies";
import { type PlannedResource, redact, runProgram } from "./mock-engine";
import { evaluatePolicies, type PackConfig, type PolicyReport, readPackConfig } from "./policy-runner";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Secure values in stack files are replaced by this (never decrypted: the plan needs no passphrase or KMS). */
export const fakeSecret = (key: string) => `fake-secret-for-${key.replace(/[^A-Za-z0-9]/g, "-")}`;

export class UsageError extends Error {}

export interface StackConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

function parseYaml(file: string): unknown {
  try {
    return YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
  } catch (e) {
    throw new UsageError(`${path.basename(file)}: ${(e as Error).message.split("\n")[0]}`);
  }
}

function configString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Read Pulumi.<stack>.yaml the way the CLI does for the plan's purposes: `secure:` values become fake secrets,
 * objects become JSON strings, and Pulumi.yaml's declared defaults fill the `loom:` keys the stack does not set.
 */
export function loadStackConfig(stack: string, root = ROOT): StackConfig {
  const stackPath = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackPath)) {
    const known = fs
      .readdirSync(root)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter(Boolean);
    throw new UsageError(`no stack file Pulumi.${stack}.yaml; stacks here: ${known.join(", ")}`);
  }
  const stackDoc = parseYaml(stackPath) as { config?: Record<string, unknown> };
  const projectDoc = parseYaml(path.join(root, "Pulumi.yaml")) as { config?: Record<string, { default?: unknown }> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in (value as object)) {
      config[key] = fakeSecret(key);
      secretKeys.push(key);
    } else {
      config[key] = configString(value);
    }
  }
  for (const [key, decl] of Object.entries(projectDoc.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (!(full in config) && decl && typeof decl === "object" && decl.default !== undefined) {
      config[full] = configString(decl.default);
    }
  }
  return { config, secretKeys };
}

export interface PlanOptions {
  stack: string;
  /** Override `loom:cloud`; the other clouds' keys in the stack file are dropped. */
  cloud?: string;
  /** Evaluate the policy pack. @default true */
  policy?: boolean;
  /** Pack config; @default policy/config/<environment>.json when it exists. */
  packConfig?: PackConfig;
  root?: string;
}

export interface PlanResult {
  project: string;
  stack: string;
  cloud: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  policy?: PolicyReport;
}

/** Keys that belong to one cloud; dropped when `--cloud` selects another. */
const CLOUD_KEYS: Record<string, (key: string) => boolean> = {
  aws: (k) => k === "loom:aws" || k.startsWith("aws:"),
  kubernetes: (k) => k === "loom:kubernetes" || k.startsWith("kubernetes:"),
  gcp: (k) => k === "loom:gcp" || k.startsWith("gcp:"),
  azure: (k) => k === "loom:azure" || k.startsWith("azure-native:"),
  digitalocean: (k) => k === "loom:digitalocean" || k.startsWith("digitalocean:"),
};

/** The pack config CI uses for this environment (policy/config/<environment>.json), validated like the CLI does. */
export function packConfigFor(environment: string, root = ROOT): PackConfig {
  const file = path.join(root, "policy", "config", `${environment}.json`);
  return fs.existsSync(file) ? readPackConfig(file, policies) : {};
}

export async function planStack(opts: PlanOptions): Promise<PlanResult> {
  const root = opts.root ?? ROOT;
  const { config, secretKeys } = loadStackConfig(opts.stack, root);
  if (opts.cloud !== undefined) {
    for (const [cloud, owns] of Object.entries(CLOUD_KEYS)) {
      if (cloud === opts.cloud) continue;
      for (const key of Object.keys(config)) if (owns(key)) delete config[key];
    }
    config[`${PROJECT}:cloud`] = opts.cloud;
  }
  // Validate first, outside the engine: a bad config fails before any resource is registered, with the
  // settings' own message (index.ts would throw the same error at its first line).
  parseSettings(readRawConfig(config), { stack: opts.stack, providerConfig: { awsRegion: config["aws:region"] } });
  const run = await runProgram({
    project: PROJECT,
    stack: opts.stack,
    config,
    secretKeys,
    program: path.join(root, "index.ts"),
  });
  const result: PlanResult = {
    project: PROJECT,
    stack: opts.stack,
    cloud: String(run.outputs.cloud ?? config[`${PROJECT}:cloud`]),
    resources: run.resources,
    outputs: run.outputs,
  };
  if (opts.policy !== false) {
    const environment = String(run.outputs.environment ?? opts.stack);
    result.policy = await evaluatePolicies(
      run.resources,
      policies,
      opts.packConfig ?? packConfigFor(environment, root),
    );
  }
  return result;
}

/** Mandatory violations (the ones that fail `pulumi preview --policy-pack`). */
export function mandatory(result: PlanResult) {
  return (result.policy?.violations ?? []).filter((v) => v.enforcementLevel === "mandatory");
}

/** The `--json` document (DESIGN §7): secret inputs shown as "[secret]". */
export function toJson(result: PlanResult): object {
  return {
    project: result.project,
    stack: result.stack,
    cloud: result.cloud,
    resources: result.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      custom: r.custom,
      parent: r.parent,
      protect: r.protect,
      inputs: redact(r.inputs, r.secretPaths),
    })),
    outputs: result.outputs,
    policy: result.policy ?? null,
  };
}

/** The resource tree as `pulumi preview` prints it, plus protection and policy marks. */
export function renderTree(result: PlanResult): string {
  const children = new Map<string | null, PlannedResource[]>();
  for (const r of result.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const flagged = new Set((result.policy?.violations ?? []).map((v) => v.urn));
  const rows: [string, string, string][] = [[`pulumi:pulumi:Stack`, `${result.project}-${result.stack}`, ""]];
  const walk = (parent: string | null, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      const marks = [r.protect ? "protected" : "", flagged.has(r.urn) ? "policy" : ""].filter(Boolean).join(", ");
      rows.push([`${indent}${last ? "└─ " : "├─ "}${r.type}`, r.name, marks]);
      walk(r.urn, `${indent}${last ? "   " : "│  "}`);
    });
  };
  // Top-level resources have the stack (not recorded) as parent: list them after the parentless ones.
  const known = new Set(result.resources.map((r) => r.urn));
  const top = children.get(null) ?? [];
  for (const r of result.resources) if (r.parent !== null && !known.has(r.parent)) top.push(r);
  children.set(null, top);
  walk(null, "");
  const width = Math.max(...rows.map(([t]) => t.length)) + 2;
  const nameWidth = Math.max(...rows.map(([, n]) => n.length)) + 2;
  const lines = [`     ${"Type".padEnd(width)}${"Name".padEnd(nameWidth)}Plan`];
  for (const [type, name, marks] of rows) {
    lines.push(` +   ${type.padEnd(width)}${name.padEnd(nameWidth)}create${marks ? `  [${marks}]` : ""}`);
  }
  const custom = result.resources.filter((r) => r.custom).length;
  const protectedCount = result.resources.filter((r) => r.protect).length;
  lines.push(
    "",
    "Resources:",
    `    + ${result.resources.length + 1} to create (${custom} cloud resources, ${protectedCount} protected)`,
  );
  return lines.join("\n");
}
