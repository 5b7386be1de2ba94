/**
 * Offline plan vs. real engine (`npm run e2e`, step 7; docs/e2e.md).
 *
 *   node -r ts-node/register/transpile-only tests/e2e/compare.ts <plan.json> <state.json>
 *
 * <plan.json> is `npm run plan -- --stack local --json <file>` (the mock engine), <state.json> is
 * `pulumi stack export --stack local` taken after `pulumi up` (the real engine, the Kubernetes provider's `Check`).
 * The Stack and provider resources are left out. Compared, and any difference fails (exit 1):
 *   1. the set of (type, name);
 *   2. the parent chain (the URN), once the mock monitor's one known quirk is normalized (`normalizeUrn`);
 *   3. the Pulumi `protect` option;
 *   4. the inputs of every custom resource, except the differences `explain` recognizes and names.
 */
import * as fs from "node:fs";
import { engineUrn } from "../../scripts/lib/mock-engine";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  protect: boolean;
  inputs: Record<string, unknown>;
}
export interface PlanJson {
  resources: PlanResource[];
}
export interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  protect?: boolean;
  inputs?: Record<string, unknown>;
}
export interface StateJson {
  deployment: { resources: StateResource[] };
}

export interface Comparison {
  /** "type name" registered by the plan only. */
  onlyInPlan: string[];
  /** "type name" in the real stack only. */
  onlyInState: string[];
  /** Same type and name, different parent chain. */
  parents: string[];
  /** Different `protect` option. */
  protect: string[];
  /** Input differences nobody explained: each is a real disagreement between the mocks and the engine. */
  inputs: string[];
  /** Input differences that are expected, with the reason. */
  explained: string[];
  /** Resources compared (Stack and providers excluded). */
  compared: number;
}

const ROOT_STACK = "pulumi:pulumi:Stack";
/** The signature of a serialized secret (Pulumi's wire format); in state it wraps `ciphertext`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** What the offline plan writes for a secret input (scripts/lib/mock-engine.ts `redact`). */
const PLAN_SECRET = "[secret]";
/** The mock engine's stand-in for the provider's random auto-name suffix (scripts/lib/mock-engine.ts). */
const MOCK_SUFFIX = "-0mock0ab";

export const excluded = (type: string) => type === ROOT_STACK || type.startsWith("pulumi:providers:");

/** Kept for the comparison's own inputs (older plan JSON files); the mock engine now writes engine URNs itself. */
export const normalizeUrn = engineUrn;

const nameOf = (urn: string) => urn.split("::").pop() ?? urn;
const label = (type: string, name: string) => `${type} ${name}`;

function counts(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Keys of `a` present more often than in `b` (multiset difference), sorted. */
function minus(a: Map<string, number>, b: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, n] of a) for (let i = b.get(k) ?? 0; i < n; i++) out.push(k);
  return out.sort();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isStateSecret = (v: unknown) => isObject(v) && SECRET_SIG in v;
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? "(absent)" : s.length > 90 ? `${s.slice(0, 87)}...` : s;
};

/**
 * Why a plan/state difference at `path` is expected, or undefined when it is not. Each rule is a known, documented
 * difference between the mock engine and the real Kubernetes provider (docs/e2e.md, "What differed").
 */
export function explain(type: string, path: string[], planValue: unknown, stateValue: unknown): string | undefined {
  const at = path.join(".");
  // The provider's Check auto-names objects without metadata.name (name + "-" + 8 random characters) and marks
  // them; the mock engine names them <name>-0mock0ab. References to the name (envFrom...) differ the same way.
  if (typeof planValue === "string" && planValue.endsWith(MOCK_SUFFIX) && typeof stateValue === "string") {
    const base = planValue.slice(0, -MOCK_SUFFIX.length);
    if (new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-z]{8}$`).test(stateValue)) {
      return "auto-name: the mock engine's fixed suffix vs the provider's random one";
    }
  }
  if (at === "metadata.name" && planValue === undefined && typeof stateValue === "string") {
    return "auto-name: the provider fills metadata.name in Check";
  }
  if (at === "metadata.annotations" && planValue === undefined && isObject(stateValue)) {
    const keys = Object.keys(stateValue);
    if (keys.length === 1 && keys[0] === "pulumi.com/autonamed") return "auto-name: the provider marks the object";
  }
  if (at === "metadata.annotations.pulumi.com/autonamed" && planValue === undefined) {
    return "auto-name: the provider marks the object";
  }
  // A Secret's stringData is folded into (base64) data by the provider's Check; both are secret.
  if (type === "kubernetes:core/v1:Secret") {
    if (at === "stringData" && planValue !== undefined && stateValue === undefined) {
      return "Secret: the provider folds stringData into data";
    }
    if (at === "data" && isStateSecret(stateValue)) return "Secret: the provider folds stringData into data";
  }
  return undefined;
}

/** Walk both input trees; push explained and unexplained leaf differences. */
function diffInputs(
  type: string,
  who: string,
  plan: unknown,
  state: unknown,
  path: string[],
  out: { explained: string[]; inputs: string[] },
): void {
  // A secret on both sides is equal for our purposes (the plan never holds the value, state holds ciphertext).
  if (plan === PLAN_SECRET && isStateSecret(state)) return;
  if (JSON.stringify(plan) === JSON.stringify(state)) return;
  const reason = explain(type, path, plan, state);
  const line = `${who}: ${path.join(".") || "(inputs)"}: plan ${show(plan)}, engine ${show(state)}`;
  if (reason !== undefined) {
    out.explained.push(`${line}  [${reason}]`);
    return;
  }
  const bothArrays = Array.isArray(plan) && Array.isArray(state);
  const bothObjects = isObject(plan) && isObject(state) && !Array.isArray(plan) && !Array.isArray(state);
  if (bothArrays && plan.length === state.length) {
    plan.forEach((v, i) => {
      diffInputs(type, who, v, state[i], [...path, String(i)], out);
    });
    return;
  }
  if (bothObjects && !isStateSecret(state)) {
    for (const k of new Set([...Object.keys(plan), ...Object.keys(state)])) {
      diffInputs(type, who, plan[k], state[k], [...path, k], out);
    }
    return;
  }
  out.inputs.push(line);
}

export function compare(plan: PlanJson, state: StateJson): Comparison {
  const planned = plan.resources.filter((r) => !excluded(r.type));
  const real = state.deployment.resources.filter((r) => !excluded(r.type));

  const planKeys = counts(planned.map((r) => label(r.type, r.name)));
  const stateKeys = counts(real.map((r) => label(r.type, nameOf(r.urn))));
  const result: Comparison = {
    onlyInPlan: minus(planKeys, stateKeys),
    onlyInState: minus(stateKeys, planKeys),
    parents: [],
    protect: [],
    inputs: [],
    explained: [],
    compared: planned.length,
  };

  const byUrn = new Map(real.map((r) => [r.urn, r]));
  const stateUrns = new Set(real.map((r) => r.urn));
  for (const r of planned) {
    const who = label(r.type, r.name);
    if (result.onlyInPlan.includes(who)) continue;
    const urn = normalizeUrn(r.urn);
    const s = byUrn.get(urn);
    if (!s) {
      const actual = real.filter((x) => x.type === r.type && nameOf(x.urn) === r.name).map((x) => x.urn);
      result.parents.push(`${who}: plan ${urn}, engine ${actual.join(" | ")}`);
      continue;
    }
    stateUrns.delete(urn);
    if (Boolean(s.protect) !== Boolean(r.protect)) {
      result.protect.push(`${who}: plan protect=${Boolean(r.protect)}, engine protect=${Boolean(s.protect)}`);
    }
    if (r.custom) diffInputs(r.type, who, r.inputs, s.inputs ?? {}, [], result);
  }
  return result;
}

/** The report `npm run e2e` prints; returns the number of unexplained differences. */
export function report(c: Comparison, log: (line: string) => void = console.log): number {
  const sections: [string, string[]][] = [
    ["(type, name) only in the offline plan", c.onlyInPlan],
    ["(type, name) only in the real stack", c.onlyInState],
    ["parent chain (URN) differs", c.parents],
    ["protect differs", c.protect],
    ["inputs differ (unexplained)", c.inputs],
  ];
  const failures = sections.reduce((n, [, lines]) => n + lines.length, 0);
  log(
    `plan vs engine: ${c.compared} resources compared (Stack and providers excluded); ` +
      `${failures} unexplained difference(s), ${c.explained.length} expected input difference(s)`,
  );
  for (const [title, lines] of sections) {
    if (lines.length === 0) continue;
    log(`  ${title}:`);
    for (const l of lines) log(`    ${l}`);
  }
  if (c.explained.length > 0) {
    log("  expected input differences:");
    for (const l of c.explained) log(`    ${l}`);
  }
  return failures;
}

if (require.main === module) {
  const [planFile, stateFile] = process.argv.slice(2);
  if (!planFile || !stateFile) {
    console.error("usage: compare.ts <plan.json> <state.json>");
    process.exit(2);
  }
  const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));
  process.exitCode = report(compare(read(planFile) as PlanJson, read(stateFile) as StateJson)) > 0 ? 1 : 0;
}
