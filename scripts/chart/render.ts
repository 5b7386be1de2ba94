/**
 * The chart's source: the Kubernetes target rendered under the mock engine (scripts/lib/plan.ts planStack), once per
 * profile, from the `local` stack's config (Pulumi.local.yaml: cloud kubernetes, fake domain and digest-pinned
 * images) with `loom:environment` and the namespace (`loom-<environment>`, as scripts/scan/render.sh does) changed.
 * Perturbed renders (one profile key changed in prod) tell the generator which key a value or an object follows when
 * several keys have the same values in all three profiles.
 */
import * as crypto from "node:crypto";
import { ENVIRONMENTS, type Environment, PROFILES } from "../../components/profiles";
import type { PlannedResource } from "../lib/mock-engine";
import { loadStackConfig, planStack, ROOT } from "../lib/plan";

/** The stack whose config the chart is rendered from. */
export const SOURCE_STACK = "local";

/** One Kubernetes object as the program sends it (the resource's inputs, secrets unwrapped). */
export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
};

/** The namespace the chart's renders use for a profile (the default `loom:kubernetes.namespace` pattern). */
export const namespaceFor = (env: Environment): string => `loom-${env}`;

/** The suffix the mock engine gives an auto-named Kubernetes object (scripts/lib/mock-values/kubernetes.ts). */
export const MOCK_SUFFIX = "-0mock0ab";

/** Content-hash names given by manifestsOf → the object's Pulumi name (its identity across the profiles). */
export const RENAMED = new Map<string, string>();

/**
 * JSON as Go's encoding/json writes a map of strings (Helm's `toJson`): keys sorted, `<`, `>`, `&`, U+2028 and
 * U+2029 escaped. The chart hashes a ConfigMap's data with `toJson | sha256sum`, so both sides hash the same bytes.
 */
export function goJson(data: Record<string, unknown>): string {
  const esc = (s: string) =>
    JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const keys = Object.keys(data).sort();
  return `{${keys.map((k) => `${esc(k)}:${typeof data[k] === "string" ? esc(data[k] as string) : JSON.stringify(data[k])}`).join(",")}}`;
}

/** `<name>-<first 8 hex of the SHA-256 of the data as Go's toJson writes it>` */
export const contentName = (name: string, data: Record<string, unknown>): string =>
  `${name}-${crypto.createHash("sha256").update(goJson(data)).digest("hex").slice(0, 8)}`;

/**
 * Kubernetes objects only: no provider, no component, no operator chart (installOperators is off in the chart).
 * An auto-named object (the immutable app ConfigMap: Pulumi adds a random suffix, so a change makes a new one) gets
 * contentName instead, in its own metadata and wherever the render refers to the mock's name: a chart cannot draw a
 * random suffix, and a content hash keeps "new content, new object" (the chart computes the same hash).
 */
export function manifestsOf(resources: readonly PlannedResource[]): Manifest[] {
  const k8s = resources.filter(
    (r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh"),
  );
  const renames = new Map<string, string>();
  for (const r of k8s) {
    const inputs = r.inputs as Manifest;
    if (inputs.metadata?.name !== undefined) continue;
    if (inputs.kind !== "ConfigMap" || !inputs.data) {
      throw new Error(
        `${inputs.kind} ${r.name} is auto-named without data: the chart can only name ConfigMaps by content`,
      );
    }
    const name = contentName(r.name, inputs.data as Record<string, unknown>);
    renames.set(`${r.name}${MOCK_SUFFIX}`, name);
    RENAMED.set(name, r.name);
  }
  const rename = (v: unknown): unknown => {
    if (typeof v === "string") return renames.get(v) ?? v;
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v;
  };
  return k8s.map((r) => {
    const m = rename(r.inputs) as Manifest;
    if (m.metadata?.name === undefined) {
      m.metadata = { ...m.metadata, name: renames.get(`${r.name}${MOCK_SUFFIX}`) as string };
    }
    return m;
  });
}

function kubernetesConfig(root: string): Record<string, unknown> {
  const { config } = loadStackConfig(SOURCE_STACK, root);
  const raw = config["loom:kubernetes"];
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

/** Plan the source stack as `env` (optionally with `loom:profile` overrides, another namespace): its Kubernetes objects. */
export async function renderProfile(
  env: Environment,
  profileOverride?: Record<string, unknown>,
  root = ROOT,
  namespace = namespaceFor(env),
): Promise<Manifest[]> {
  const k8s: Record<string, unknown> = { ...kubernetesConfig(root), namespace };
  if (k8s.installOperators === true) {
    throw new Error(`Pulumi.${SOURCE_STACK}.yaml: loom:kubernetes.installOperators must be off for the chart`);
  }
  const configOverrides: Record<string, string> = {
    "loom:environment": env,
    "loom:kubernetes": JSON.stringify(k8s),
  };
  if (profileOverride) configOverrides["loom:profile"] = JSON.stringify(profileOverride);
  const result = await planStack({ stack: SOURCE_STACK, cloud: "kubernetes", policy: false, root, configOverrides });
  return manifestsOf(result.resources);
}

export type Renders = Record<Environment, Manifest[]>;

/** The three profile renders. */
export async function renderAll(root = ROOT): Promise<Renders> {
  const out: Partial<Renders> = {};
  for (const env of ENVIRONMENTS) out[env] = await renderProfile(env, undefined, root);
  return out as Renders;
}

/** A value of the same type that every profile schema accepts in prod: a flipped boolean, a doubled number. */
export function perturbed(value: unknown): unknown {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value * 2;
  return undefined;
}

/** `{a: {b: 1, c: 2}}` for {"a.b": 1, "a.c": 2}. */
export function nestedAll(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(values)) {
    const parts = key.split(".");
    let at = out;
    for (const p of parts.slice(0, -1)) {
      at[p] ??= {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = v;
  }
  return out;
}

/**
 * Prod rendered with some profile keys set (dotted key → value), or undefined when the program refuses that
 * profile (a combination the settings reject): then nothing can be confirmed by it.
 */
export async function renderPerturbed(
  overrides: Record<string, unknown>,
  root = ROOT,
): Promise<Manifest[] | undefined> {
  try {
    return await renderProfile("prod", nestedAll(overrides), root);
  } catch {
    return undefined;
  }
}

export { ENVIRONMENTS, PROFILES };
