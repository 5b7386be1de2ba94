/**
 * The offline plan: a stack's real config file → the real program (index.ts) under the mock engine → the
 * resource tree, the outputs and the loom-guard verdict. What `npm run plan` prints and the tests assert on.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { PROJECT, parseSettings } from "../../components/settings";
import { readRawConfig } from "../../components/settings-config";
import { policies } from "../../policy/policies";
import { fakeSecret } from "./fake-secrets";
import { leanRuntimeForPlan } from "./lean-runtime";
import { type PlannedResource, redact, runProgram } from "./mock-engine";
import { evaluatePolicies, type PackConfig, type PolicyReport, readPackConfig } from "./policy-runner";

/** The repository: the nearest directory up from this file with a Pulumi.yaml (this code also runs from dist/). */
export const ROOT = findRoot(__dirname);
/** The program as this code runs it: index.ts under ts-node, dist/index.js when precompiled (scripts/dist.js). */
const PROGRAM = path.resolve(__dirname, "..", "..", "index");

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    /* c8 ignore next */
    if (path.dirname(dir) === dir) return path.resolve(from, "..", "..");
  }
}

export { fakeSecret };

export class UsageError extends Error {}

export interface StackConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * Config namespaces a stack file may use: the project's own and the providers the program can configure. Anything
 * else (including a key with no namespace) would be silently ignored by the program, so the plan rejects it.
 */
export const KNOWN_NAMESPACES = [PROJECT, "aws", "kubernetes", "gcp", "azure-native", "digitalocean", "pulumi"];

/** Parse a YAML file; a syntax error or a duplicate key is a UsageError naming the file, the key and the line. */
export function parseYaml(file: string, text = fs.readFileSync(file, "utf8")): unknown {
  const name = path.basename(file);
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: false, lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0] as YAML.YAMLError;
    throw new UsageError(`${name}: ${e.message.split("\n")[0]}`);
  }
  const dup = findDuplicateKey(doc.contents, []);
  if (dup) {
    const { line } = lineCounter.linePos(dup.offset);
    const where = dup.at.length > 0 ? ` in ${dup.at.join(".")}` : "";
    throw new UsageError(`${name}: duplicate key "${dup.key}"${where} (line ${line}); a key may appear only once`);
  }
  return doc.toJS() ?? {};
}

function findDuplicateKey(node: unknown, at: string[]): { key: string; at: string[]; offset: number } | undefined {
  if (YAML.isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (seen.has(key)) {
        const offset = YAML.isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
        return { key, at, offset };
      }
      seen.add(key);
      const found = findDuplicateKey(pair.value, [...at, key]);
      if (found) return found;
    }
  } else if (YAML.isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findDuplicateKey(item, [...at, String(i)]);
      if (found) return found;
    }
  }
  return undefined;
}

function configString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

const isPlainMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isSecure = (v: unknown): boolean => isPlainMap(v) && "secure" in v && Object.keys(v).length === 1;

/** Replace every `{secure: …}` in a value (top level or nested, as `--path --secret` writes it) by its fake. */
function replaceSecure(value: unknown, at: string, found: string[]): unknown {
  if (isSecure(value)) {
    found.push(at);
    return fakeSecret(at);
  }
  if (Array.isArray(value)) return value.map((v, i) => replaceSecure(v, `${at}[${i}]`, found));
  if (isPlainMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = replaceSecure(v, `${at}.${k}`, found);
    return out;
  }
  return value;
}

/** Why a stack-file key cannot be used, or undefined when it is fine. */
export function keyProblem(key: string): string | undefined {
  const colon = key.indexOf(":");
  if (colon < 0) {
    return `key "${key}" has no namespace, so the program would never read it; write it as "${PROJECT}:${key}"`;
  }
  const ns = key.slice(0, colon);
  if (!KNOWN_NAMESPACES.includes(ns)) {
    return `key "${key}": unknown namespace "${ns}" (known: ${KNOWN_NAMESPACES.join(", ")}); did you mean "${PROJECT}:${key.slice(colon + 1)}"?`;
  }
  if (colon === key.length - 1) return `key "${key}" has a namespace but no name`;
  return undefined;
}

/**
 * Read Pulumi.<stack>.yaml the way the CLI does for the plan's purposes: `secure:` values (top level or nested)
 * become fake secrets that satisfy the key's type (fake-secrets.ts), objects become JSON strings, and Pulumi.yaml's
 * declared defaults fill the `loom:` keys the stack does not set. Keys the program could not read are errors.
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
  const file = path.basename(stackPath);
  const stackDoc = parseYaml(stackPath);
  if (!isPlainMap(stackDoc)) throw new UsageError(`${file}: the file must be a map with a "config:" map`);
  const stackConfig = stackDoc.config ?? {};
  if (!isPlainMap(stackConfig)) {
    throw new UsageError(
      `${file}: config must be a map of "<namespace>:<key>: value" entries, not ${Array.isArray(stackConfig) ? "a list" : `a ${typeof stackConfig}`}`,
    );
  }
  const projectDoc = parseYaml(path.join(root, "Pulumi.yaml"));
  const projectConfig = isPlainMap(projectDoc) && isPlainMap(projectDoc.config) ? projectDoc.config : {};
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(stackConfig)) {
    const problem = keyProblem(key);
    if (problem) throw new UsageError(`${file}: ${problem}`);
    const found: string[] = [];
    const plain = replaceSecure(value, key, found);
    config[key] = configString(plain);
    if (found.length > 0) secretKeys.push(key);
  }
  for (const [key, decl] of Object.entries(projectConfig)) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (!(full in config) && isPlainMap(decl) && decl.default !== undefined) {
      config[full] = configString(decl.default);
    }
  }
  return { config, secretKeys };
}

export interface PlanOptions {
  stack: string;
  /** Override `loom:cloud`. The keys of clouds other than the selected one are always dropped. */
  cloud?: string;
  /** Evaluate the policy pack. @default true */
  policy?: boolean;
  /** Pack config; @default policy/config/<environment>.json when it exists. */
  packConfig?: PackConfig;
  root?: string;
  /** Config values set over the stack file's, by full key (e.g. `loom:profile` as JSON), as `pulumi config set` would. */
  configOverrides?: Record<string, string>;
}

export interface PlanResult {
  project: string;
  stack: string;
  cloud: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** Paths (dot-joined) of the outputs that are secret: printed and written as "[secret]". */
  secretOutputs?: string[];
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

/**
 * The settings' own validation of a stack's config (index.ts runs the same at its first line), outside the engine:
 * a bad config fails before any resource is registered. Provider keys (`aws:region`…) are passed by full key.
 */
export function validateConfig(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[] = [],
): void {
  const providerConfig = Object.fromEntries(Object.entries(config).filter(([k]) => !k.startsWith(`${PROJECT}:`)));
  parseSettings(readRawConfig(config), { stack, providerConfig, secretKeys });
}

export async function planStack(opts: PlanOptions): Promise<PlanResult> {
  /** Where the stack files are (Pulumi.yaml, Pulumi.<stack>.yaml); the program is always this repository's. */
  const root = opts.root ?? ROOT;
  const { config, secretKeys } = loadStackConfig(opts.stack, root);
  // The other clouds' keys are dropped (a stack file may carry every cloud it is planned on); `pulumi up` reads them
  // too and warns by name that they are not read (settings.ts otherCloudWarnings).
  const selected = opts.cloud ?? config[`${PROJECT}:cloud`];
  for (const [cloud, owns] of Object.entries(CLOUD_KEYS)) {
    if (cloud === selected) continue;
    for (const key of Object.keys(config)) if (owns(key)) delete config[key];
  }
  if (opts.cloud !== undefined) config[`${PROJECT}:cloud`] = opts.cloud;
  Object.assign(config, opts.configOverrides);
  // Validate first, outside the engine: a bad config fails before any resource is registered, with the
  // settings' own message (index.ts would throw the same error at its first line).
  validateConfig(opts.stack, config, secretKeys);
  // The program is loaded here rather than by path so its exports can be asked which of them are secret (the mock
  // engine hands back the outputs unwrapped).
  leanRuntimeForPlan();
  let programExports: Record<string, unknown> = {};
  const run = await runProgram({
    project: PROJECT,
    stack: opts.stack,
    config,
    secretKeys,
    program: () => {
      const entry = require.resolve(PROGRAM);
      delete require.cache[entry];
      programExports = { ...require(entry) } as Record<string, unknown>;
      return programExports;
    },
  });
  const result: PlanResult = {
    project: PROJECT,
    stack: opts.stack,
    cloud: String(run.outputs.cloud ?? config[`${PROJECT}:cloud`]),
    resources: run.resources,
    outputs: run.outputs,
    secretOutputs: await secretOutputPaths(programExports),
  };
  if (opts.policy !== false) {
    const environment = String(run.outputs.environment ?? opts.stack);
    result.policy = await evaluatePolicies(run.resources, policies, opts.packConfig ?? packConfigFor(environment));
  }
  return result;
}

/** Record the paths of the stack outputs that are secret (an Output marked secret, at any depth of plain values). */
function findSecretOutputs(value: unknown, at: string[], checks: Promise<void>[], found: string[]): void {
  if (pulumi.Output.isInstance(value)) {
    checks.push(
      pulumi.isSecret(value as pulumi.Output<unknown>).then((secret) => {
        if (secret) found.push(at.join("."));
      }),
    );
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) findSecretOutputs(v, [...at, String(i)], checks, found);
  } else if (isPlainMap(value)) {
    for (const [k, v] of Object.entries(value)) findSecretOutputs(v, [...at, k], checks, found);
  }
}

/** The paths (dot-joined, sorted) of the program's exports that are secret Outputs, at any depth of plain values. */
export async function secretOutputPaths(values: Record<string, unknown>): Promise<string[]> {
  const checks: Promise<void>[] = [];
  const found: string[] = [];
  for (const [k, v] of Object.entries(values)) findSecretOutputs(v, [k], checks, found);
  await Promise.all(checks);
  return found.sort();
}

/** The stack outputs for display: secret ones (and everything under them) as "[secret]". */
export function displayOutputs(result: Pick<PlanResult, "outputs" | "secretOutputs">): Record<string, unknown> {
  return redact(result.outputs, result.secretOutputs ?? []) as Record<string, unknown>;
}

/** Why the plan could not be written to `file` (checked before planning), or undefined when it can. */
export function outputPathProblem(file: string): string | undefined {
  if (file === "") return "needs a file name";
  const abs = path.resolve(file);
  if (fs.existsSync(abs)) {
    if (fs.statSync(abs).isDirectory())
      return `${file} is a directory; give a file name, e.g. ${path.join(file, "plan.json")}`;
    try {
      fs.accessSync(abs, fs.constants.W_OK);
    } catch {
      return `${file} is not writable`;
    }
    return undefined;
  }
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir)) return `directory ${path.dirname(file)} does not exist (create it first)`;
  if (!fs.statSync(dir).isDirectory()) return `${path.dirname(file)} is not a directory`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `directory ${path.dirname(file)} is not writable`;
  }
  return undefined;
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
    outputs: displayOutputs(result),
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
