/**
 * The rule builder every loom-guard rule uses: a rule is metadata plus a list of per-type checks. The builder turns
 * them into a CrossGuard `ResourceValidationPolicy` that dispatches on the resource's type token (so no SDK is loaded
 * at runtime), merges the rule's config with the defaults stated once in its `configSchema`, and records which type
 * tokens the rule covers (for the docs and the manifest test).
 */
import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { Unwrap } from "@pulumi/pulumi";

export type Concern = "tls" | "encryption" | "limits" | "secrets" | "network" | "resilience" | "workload";

export interface CheckContext<C> {
  /** The rule's config: `configSchema` defaults overlaid with the pack config JSON. */
  readonly config: C;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The resource's Pulumi `protect` option. */
  readonly protect: boolean;
  report(message: string): void;
}

export interface Check<C> {
  /** Type tokens this check runs on; `"*"` runs it on every resource. */
  readonly types: readonly string[];
  readonly run: (props: unknown, ctx: CheckContext<C>) => void;
}

/** A typed check factory bound to a rule's config type: `const on = checks<Config>(); on<ListenerArgs>(…)`. */
export function checks<C>() {
  return <A>(types: string | readonly string[], run: (props: Unwrap<A>, ctx: CheckContext<C>) => void): Check<C> => ({
    types: typeof types === "string" ? [types] : types,
    run: run as (props: unknown, ctx: CheckContext<C>) => void,
  });
}

export type ConfigSchema<C> = { [K in keyof C]-?: PolicyConfigJSONSchema & { default: C[K]; description: string } };

export interface RuleSpec<C> {
  /** kebab-case, unique in the pack. */
  name: string;
  concern: Concern;
  description: string;
  severity: Severity;
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  /** Every config property with its default (stated only here). */
  config?: ConfigSchema<C>;
  checks: readonly Check<C>[];
  /**
   * Cross-resource checks that need the whole stack (e.g. a GCP HTTP proxy and the URL map it serves). Runs as the
   * policy's `validateStack`; report with the offending resource's URN.
   */
  stack?: (resources: PolicyResource[], config: C, report: ReportViolation) => void;
  /** Type tokens the stack check covers (for the docs). */
  stackTypes?: readonly string[];
}

export type LoomPolicy = ResourceValidationPolicy & {
  validateStack?: (args: StackValidationArgs, report: ReportViolation) => void;
  /** Type tokens the rule checks (non-enumerable: not sent to the engine). */
  readonly covers: readonly string[];
  readonly concern: Concern;
};

export function defaultsOf<C>(schema: ConfigSchema<C> | undefined): C {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema ?? {})) out[k] = (s as { default: unknown }).default;
  return out as C;
}

/** Build a CrossGuard policy from a rule spec. */
export function rule<C = Record<string, never>>(spec: RuleSpec<C>): LoomPolicy {
  const defaults = defaultsOf(spec.config);
  const byType = new Map<string, Check<C>[]>();
  for (const c of spec.checks) {
    for (const t of c.types) byType.set(t, [...(byType.get(t) ?? []), c]);
  }
  const wildcard = byType.get("*") ?? [];
  // The checks per type token with the wildcard checks appended, built once rather than on every resource.
  const dispatch = new Map(
    [...byType].map(([t, typed]) => [t, wildcard.length > 0 ? [...typed, ...wildcard] : typed] as const),
  );
  const configOf = (given: object): C => ({ ...defaults, ...(given as Partial<C>) });

  const policy: LoomPolicy = {
    name: spec.name,
    description: spec.description,
    severity: spec.severity,
    enforcementLevel: spec.enforcementLevel,
    remediationSteps: spec.remediationSteps,
    tags: [spec.concern],
    ...(spec.config ? { configSchema: { properties: spec.config as Record<string, PolicyConfigJSONSchema> } } : {}),
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      const found = dispatch.get(args.type) ?? wildcard;
      if (found.length === 0) return;
      const ctx: CheckContext<C> = {
        config: configOf(args.getConfig<object>()),
        type: args.type,
        name: args.name,
        urn: args.urn,
        protect: Boolean(args.opts?.protect),
        report: (m) => report(m),
      };
      for (const c of found) c.run(args.props, ctx);
    },
    ...(spec.stack
      ? {
          validateStack: (args: StackValidationArgs, report: ReportViolation) =>
            spec.stack?.(args.resources, configOf(args.getConfig<object>()), report),
        }
      : {}),
  } as LoomPolicy;
  Object.defineProperty(policy, "covers", {
    value: Object.freeze([...new Set([...byType.keys(), ...(spec.stackTypes ?? [])])]),
    enumerable: false,
  });
  Object.defineProperty(policy, "concern", { value: spec.concern, enumerable: false });
  return policy;
}

/** True when `e` is the policy SDK's "value unknown during preview" error (read props lazily, skip on it). */
export function isUnknownDuringPreview(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}
