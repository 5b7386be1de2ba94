/**
 * Evaluates the loom-guard policies (policy/policies.ts) over planned resources, the way the Pulumi engine's
 * analyzer does: every resource policy on every resource, every stack policy once, enforcement levels from the
 * pack default < policy default < pack config JSON ({"all": …, "<rule>": "advisory" | {enforcementLevel, …}}).
 * Shared by `npm run plan`, the tests and the benchmark.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PlannedResource } from "./mock-engine";

export const PACK_NAME = "loom-guard";
export const PACK_DEFAULT_LEVEL: EnforcementLevel = "mandatory";

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

class NotApplicable extends Error {}

function levelOf(
  policyName: string,
  policyDefault: EnforcementLevel | undefined,
  config: PackConfig,
): EnforcementLevel {
  const entry = config[policyName];
  if (typeof entry === "string") return entry;
  if (entry?.enforcementLevel) return entry.enforcementLevel;
  const all = config.all;
  if (typeof all === "string") return all;
  if (all?.enforcementLevel) return all.enforcementLevel;
  return policyDefault ?? PACK_DEFAULT_LEVEL;
}

function configOf(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  config: PackConfig,
): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if ((schema as { default?: unknown }).default !== undefined)
      defaults[k] = (schema as { default?: unknown }).default;
  }
  const entry = config[policy.name];
  const overrides = typeof entry === "object" && entry !== null ? { ...entry } : {};
  delete (overrides as Record<string, unknown>).enforcementLevel;
  return { ...defaults, ...overrides };
}

function resourceArgs(r: PlannedResource, policyConfig: Record<string, unknown>): ResourceValidationArgs {
  return {
    type: r.type,
    props: r.inputs,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: r.protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: r.parent ?? undefined,
    },
    stackTags: new Map(),
    isType: (cls: { __pulumiType?: string }) => (cls as { __pulumiType?: string }).__pulumiType === r.type,
    asType: ((cls: { __pulumiType?: string }) =>
      (cls as { __pulumiType?: string }).__pulumiType === r.type
        ? r.inputs
        : undefined) as ResourceValidationArgs["asType"],
    getConfig: (<T extends object>() => policyConfig as T) as ResourceValidationArgs["getConfig"],
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as unknown as ResourceValidationArgs;
}

/** Run every policy over `resources`. Disabled policies are skipped; violations carry their effective level. */
export async function evaluatePolicies(
  resources: PlannedResource[],
  policies: Policies,
  config: PackConfig = {},
): Promise<PolicyReport> {
  const violations: Violation[] = [];
  for (const policy of policies) {
    const level = levelOf(policy.name, policy.enforcementLevel, config);
    if (level === "disabled") continue;
    const policyConfig = configOf(policy, config);
    const report = (urn: string) => (message: string, urnOverride?: string) => {
      violations.push({ policy: policy.name, enforcementLevel: level, urn: urnOverride ?? urn, message });
    };
    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const r of resources) {
        const args = resourceArgs(r, policyConfig);
        for (const validate of validations) {
          try {
            await validate(args, report(r.urn));
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    }
    if ("validateStack" in policy && policy.validateStack) {
      const stackResources: PolicyResource[] = resources.map((r) => {
        const args = resourceArgs(r, policyConfig);
        return {
          type: r.type,
          props: r.inputs,
          urn: r.urn,
          name: r.name,
          opts: args.opts,
          isType: args.isType,
          asType: args.asType,
          dependencies: [],
          propertyDependencies: {},
        } as unknown as PolicyResource;
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
          } as never,
          report(""),
        );
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return { pack: PACK_NAME, violations };
}
