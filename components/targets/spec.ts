/**
 * The contract every cloud's target file (targets/<cloud>.ts) fulfils. Pure: zod only, no SDK.
 *
 * A target owns everything its cloud adds to configuration: the zod schema of `loom:<cloud>`, the provider keys it
 * reads (`aws:region`, later `gcp:project`…), its defaults and cross-key rules, and its `XTarget` type. settings.ts
 * validates `loom:<cloud>` with `schema`, then calls `resolve` with the rest of the stack's settings.
 */
import type { z } from "zod";
import type { Cloud } from "../cloud";
import type { Environment, Profile } from "../profiles";

/** What a target may read besides its own `loom:<cloud>` object. */
export interface TargetContext {
  project: string;
  stack: string;
  environment: Environment;
  domain: string;
  alertEmail?: string;
  /** The environment's profile with the stack's overrides applied. */
  profile: Profile;
  /** Config of other namespaces, by full key (`aws:region`); only the target's `providerKeys` are meaningful. */
  providerConfig: Readonly<Record<string, string | undefined>>;
  /** `loom:network.cidr` as the stack wrote it (undefined: the default, see TargetSpec.defaultNetworkCidr). */
  networkCidr?: string;
  /** Push one message per problem (naming the key as the stack wrote it, the value and what is allowed). */
  problems: string[];
}

export interface TargetSpec<C extends Cloud, Schema extends z.ZodType, T extends { cloud: C }> {
  cloud: C;
  /** The schema of `loom:<cloud>` (an object, every key optional: `{}` is Pulumi.yaml's declared default). */
  schema: Schema;
  /** Keys of other namespaces this target reads from stack config, e.g. `aws:region`. */
  providerKeys: readonly string[];
  /** Keys that moved elsewhere: `{ vpcCidr: "network.cidr" }` = loom:aws.vpcCidr is now loom:network.cidr. */
  movedKeys?: Readonly<Record<string, string>>;
  /**
   * The network range when the stack sets no `loom:network.cidr` (DigitalOcean: one per environment, because VPCs
   * of one account must not overlap). @default - NETWORK_CIDR_DEFAULT (settings.ts)
   */
  defaultNetworkCidr?(environment: Environment): string;
  /** Defaults and cross-key rules: the complete target. Problems go to `ctx.problems`; the result is then unused. */
  resolve(config: z.output<Schema>, ctx: TargetContext): T;
}

/** Any cloud's spec (what the registry holds). */
// biome-ignore lint/suspicious/noExplicitAny: the registry is checked per key with `satisfies`
export type AnyTargetSpec<C extends Cloud> = TargetSpec<C, any, { cloud: C }>;
