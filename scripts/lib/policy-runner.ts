/**
 * Evaluates the loom-guard policies (policy/policies.ts) over planned resources, the way the Pulumi engine's
 * analyzer does: every resource policy on every resource, every stack policy once. Shared by `npm run plan`, the
 * tests and the benchmark.
 *
 * What it emulates (checked against @pulumi/policy 1.21 server.js and the CLI's ReconcilePolicyPackConfig):
 *  - enforcement level: per-policy config > config "all" > the policy's own level > the pack's level ("mandatory");
 *    "remediate" is reported as "mandatory" (no policy here remediates); "disabled" policies do not run;
 *  - config: the policy's `configSchema` defaults, overlaid with the pack config JSON's properties for that policy,
 *    validated against the schema (an invalid pack config is an error before anything runs, as in the CLI);
 *  - props: plain JSON (undefined dropped; secrets already unwrapped by the mock engine), a fresh frozen copy per
 *    resource, so a policy cannot leak mutations into the next one;
 *  - resource violations carry the resource's URN (the `urn` argument of reportViolation is ignored, as in the
 *    engine); stack violations carry the URN the policy passed, or "" for the stack itself;
 *  - `notApplicable()` ends a validation silently; any other exception fails the run, naming the policy.
 * Not emulated: unknown values during preview (the mock engine resolves everything), `propertyDependencies` and
 * `dependencies` of stack resources (the mock engine does not record them: always empty here).
 */

import * as fs from "node:fs";
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { version as PACK_VERSION } from "../../policy/package.json";
import type { PlannedResource } from "./mock-engine";

export const PACK_NAME = "loom-guard";
export const PACK_DEFAULT_LEVEL: EnforcementLevel = "mandatory";
export { PACK_VERSION };

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  /** The resource's URN; empty for a stack-level violation without a resource. */
  urn: string;
  message: string;
}

export interface PolicyReport {
  pack: string;
  violations: Violation[];
}

/** Pack config JSON as `pulumi preview --policy-pack-config` takes it. */
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

class NotApplicable extends Error {}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The level a policy runs at under `config` (CLI order: "all" overrides policy defaults, per-policy overrides "all"). */
export function levelOf(policy: AnyPolicy, config: PackConfig): EnforcementLevel {
  const levelIn = (entry: PackConfig[string] | undefined) =>
    typeof entry === "string" ? entry : (entry?.enforcementLevel as EnforcementLevel | undefined);
  return levelIn(config[policy.name]) ?? levelIn(config.all) ?? policy.enforcementLevel ?? PACK_DEFAULT_LEVEL;
}

/** Schema defaults overlaid with the pack config's properties for this policy (enforcementLevel removed). */
export function configOf(policy: AnyPolicy, config: PackConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    const d = (schema as PolicyConfigJSONSchema).default;
    if (d !== undefined) out[k] = structuredClone(d);
  }
  const entry = config[policy.name];
  if (typeof entry === "object" && entry !== null) {
    for (const [k, v] of Object.entries(entry)) if (k !== "enforcementLevel") out[k] = v;
  }
  return out;
}

const typeOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;

/** The subset of JSON Schema that policy config schemas use (type, enum, bounds, items, properties). */
function schemaErrors(schema: PolicyConfigJSONSchema | boolean, value: unknown, at: string): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed`];
  const errors: string[] = [];
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = allowed.some((t) => t === actual || (t === "number" && actual === "integer"));
    if (!ok) return [`${at}: invalid type, expected ${allowed.join(" or ")}, given ${actual}`];
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: must be >= ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: must be <= ${schema.maximum}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: too short`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${at}: does not match pattern ${schema.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errors.push(`${at}: needs at least ${schema.minItems} items`);
    if (schema.items !== undefined && !Array.isArray(schema.items)) {
      const items = schema.items;
      for (let i = 0; i < value.length; i++) errors.push(...schemaErrors(items, value[i], `${at}.${i}`));
    }
  }
  if (actual === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${at}: ${r} is required`);
    for (const [k, s] of Object.entries(schema.properties ?? {})) {
      if (obj[k] !== undefined) errors.push(...schemaErrors(s, obj[k], `${at}.${k}`));
    }
  }
  return errors;
}

/**
 * Check a pack config the way the CLI does before a preview: every enforcement level valid, every policy's merged
 * config valid against its schema. Throws with every problem listed.
 */
export function validatePackConfig(policies: Policies, config: PackConfig): void {
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(config)) {
    const level = typeof entry === "string" ? entry : entry?.enforcementLevel;
    if (typeof entry !== "string" && (typeof entry !== "object" || entry === null)) {
      problems.push(`${name}: ${JSON.stringify(entry)} is not a valid value; must be a string or object`);
    } else if (level !== undefined && !LEVELS.includes(level)) {
      problems.push(`${name}: ${JSON.stringify(level)} is not a valid enforcement level`);
    }
  }
  for (const p of policies) {
    if (!p.configSchema) continue;
    const merged = configOf(p, config);
    for (const r of p.configSchema.required ?? []) if (!(r in merged)) problems.push(`${p.name}: ${r} is required`);
    for (const [k, s] of Object.entries(p.configSchema.properties)) {
      if (merged[k] !== undefined) problems.push(...schemaErrors(s, merged[k], `${p.name}: ${k}`));
    }
  }
  if (problems.length > 0) throw new Error(`policy pack configuration is invalid:\n  ${problems.join("\n  ")}`);
}

/** Read and validate a pack config file (`policy/config/prod.json`). */
export function readPackConfig(file: string, policies: Policies): PackConfig {
  const text = fs.readFileSync(file, "utf8");
  const config = (text.trim() === "" ? {} : JSON.parse(text)) as PackConfig;
  validatePackConfig(policies, config);
  return config;
}

/** Plain-JSON, frozen copy of resource inputs (what the engine's deserializer hands a policy). */
function plainProps(inputs: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(inputs ?? {})) as Record<string, unknown>;
  const freeze = (v: unknown): void => {
    if (v && typeof v === "object") {
      Object.freeze(v);
      for (const x of Object.values(v)) freeze(x);
    }
  };
  freeze(copy);
  return copy;
}

function resourceArgs(
  r: PlannedResource,
  props: Record<string, unknown>,
  policyConfig: object,
): ResourceValidationArgs {
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: r.protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...(r.parent ? { parent: r.parent } : {}),
    },
    stackTags: new Map(),
    isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === r.type,
    asType: ((cls: { __pulumiType?: string }) =>
      cls.__pulumiType === r.type ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: (<T extends object>() => policyConfig as T) as ResourceValidationArgs["getConfig"],
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as unknown as ResourceValidationArgs;
}

function failure(policy: AnyPolicy, e: unknown): Error {
  const err = new Error(
    `Error validating resource with policy '${policy.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}': ${e instanceof Error ? e.message : String(e)}`,
  );
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

/** Run every policy over `resources`. Disabled policies are skipped; violations carry their effective level. */
export async function evaluatePolicies(
  resources: PlannedResource[],
  policies: Policies,
  config: PackConfig = {},
): Promise<PolicyReport> {
  validatePackConfig(policies, config);
  const props = resources.map((r) => plainProps(r.inputs));
  const violations: Violation[] = [];
  for (const policy of policies) {
    const configured = levelOf(policy, config);
    if (configured === "disabled") continue;
    const level: EnforcementLevel = configured === "remediate" ? "mandatory" : configured;
    const policyConfig = Object.freeze(configOf(policy, config));

    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (let i = 0; i < resources.length; i++) {
        const r = resources[i] as PlannedResource;
        const args = resourceArgs(r, props[i] as Record<string, unknown>, policyConfig);
        const report = (message: string) =>
          violations.push({ policy: policy.name, enforcementLevel: level, urn: r.urn, message });
        for (const validate of validations) {
          try {
            await validate(args, report);
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw failure(policy, e);
          }
        }
      }
    }

    if ("validateStack" in policy && typeof policy.validateStack === "function") {
      const byUrn = new Map<string, PolicyResource>();
      const stackResources: PolicyResource[] = resources.map((r, i) => {
        const args = resourceArgs(r, props[i] as Record<string, unknown>, policyConfig);
        const pr = {
          type: r.type,
          props: args.props,
          urn: r.urn,
          name: r.name,
          opts: args.opts,
          isType: args.isType,
          asType: args.asType,
          dependencies: [],
          propertyDependencies: {},
        } as unknown as PolicyResource;
        byUrn.set(r.urn, pr);
        return pr;
      });
      resources.forEach((r, i) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) (stackResources[i] as { parent?: PolicyResource }).parent = parent;
      });
      try {
        await policy.validateStack(
          {
            resources: stackResources,
            stackTags: new Map(),
            getConfig: (<T extends object>() => policyConfig as T) as never,
            notApplicable: (reason?: string): never => {
              throw new NotApplicable(reason);
            },
          },
          (message: string, urn?: string) =>
            violations.push({ policy: policy.name, enforcementLevel: level, urn: urn ?? "", message }),
        );
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw failure(policy, e);
      }
    }
  }
  return { pack: PACK_NAME, violations };
}
