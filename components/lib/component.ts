/**
 * What every Loom component shares: the args every component takes, the dispatch to the selected cloud's file,
 * and the resource options for stateful children.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformHandle } from "../platform";
import { baseTags, mergeTags, type TagContext, type Tags } from "../tags";
import type { ImplementedCloud } from "../targets";

export interface BaseArgs {
  /**
   * What every component of the selected cloud shares, resolved once by the `Platform` component: the target
   * (from `loom:<cloud>`), and per cloud the account/region (AWS) or the provider and operators (Kubernetes).
   * Its `cloud` selects the implementation.
   */
  platform: PlatformHandle;
  /** Naming and tagging context: project, stack, environment and the stack's `loom:tags`. */
  context: TagContext;
  /**
   * `protect` stateful children (databases, buckets, vaults, keys) so `pulumi destroy` or a replacement cannot
   * delete them. Prod turns this on through the profile's `deletionProtection`.
   * @default false
   */
  protect?: boolean;
}

/** The BaseArgs part of every component's resolved args. */
export interface ResolvedBase {
  cloud: ImplementedCloud;
  platform: PlatformHandle;
  context: TagContext;
  protect: boolean;
}

export function resolveBase(args: BaseArgs): ResolvedBase {
  if (!args.platform) invalid("platform", "is required (construct a Platform first and pass platform.handle)");
  return { cloud: args.platform.cloud, platform: args.platform, context: args.context, protect: args.protect ?? false };
}

/** A cloud file's entry point: build the children under `parent` and return the component's outputs. */
export interface Implementation<Args, Outputs> {
  create(parent: pulumi.ComponentResource, name: string, args: Args): Outputs;
}

/**
 * A component's static dispatch table: one lazy loader per implemented cloud. Written as
 * `{ aws: () => require("./aws"), … } satisfies Loaders<Args, Outputs>` so `tsc` checks that every implemented
 * cloud has a file and that each file's `create` fits the contract, while only the selected cloud's file (and so
 * only its SDK) is ever loaded.
 */
export type Loaders<Args, Outputs> = Record<ImplementedCloud, () => Implementation<Args, Outputs>>;

/** Type tokens are identity too: changing one needs an alias on every existing stack. */
export const TYPE_PREFIX = "loom:components";

/**
 * Base of every Loom component: resolves the selected cloud's implementation, runs it with the component as the
 * parent, copies the outputs onto the component and registers them. Subclasses validate and default their args
 * (a static `resolve`) in the `super(...)` call and declare their output fields with `declare readonly`, so
 * nothing re-initialises them after this constructor has assigned them.
 */
export abstract class LoomComponent<
  Args extends ResolvedBase,
  Outputs extends object,
> extends pulumi.ComponentResource {
  protected constructor(
    loaders: Loaders<Args, Outputs>,
    type: string,
    name: string,
    args: Args,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(`${TYPE_PREFIX}:${type}`, name, {}, opts);
    const load = loaders[args.cloud];
    if (!load) invalid("platform.cloud", `"${args.cloud}" has no ${type} implementation`);
    const outputs = load().create(this, name, args);
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}

/**
 * Narrow a handle (platform, monitoring identifiers, backup targets, network placement) to the variant of the
 * cloud that is using it. A handle of another cloud is a wiring bug: fail with the argument's name.
 */
export function handleFor<H extends { cloud: string }, C extends H["cloud"]>(
  propertyPath: string,
  handle: H,
  cloud: C,
): Extract<H, { cloud: C }> {
  if (handle?.cloud !== cloud) {
    invalid(propertyPath, `must come from a ${cloud} component, got ${handle?.cloud ?? "nothing"}`);
  }
  return handle as Extract<H, { cloud: C }>;
}

/** Options for a child of `parent`; `stateful` children are protected when the component is. */
export function childOptions(
  parent: pulumi.Resource,
  args: Pick<BaseArgs, "protect">,
  stateful = false,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return { parent, ...(stateful && args.protect ? { protect: true } : {}), ...extra };
}

/** Tags for a child: component defaults < settings tags < per-resource. */
export function tagsFor(args: Pick<BaseArgs, "context">, component: string, perResource?: Tags): Tags {
  return mergeTags(baseTags(args.context, component), args.context.tags, perResource);
}

/** Fail early on an invalid argument, in Pulumi's standard form. */
export function invalid(propertyPath: string, reason: string): never {
  throw new pulumi.InputPropertyError({ propertyPath, reason });
}

/** Fail unless `value` is a whole number of days in [min, max]; `where` says whose bound it is ("on GCP"). */
export function requireWholeDays(propertyPath: string, value: number, min: number, max: number, where: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(propertyPath, `must be a whole number of days from ${min} to ${max} ${where}, got ${value}`);
  }
}

/** Run a pure helper that throws on bad input; its error becomes an {@link invalid} naming `propertyPath`. */
export function orInvalid<T>(propertyPath: string, compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    return invalid(propertyPath, (e as Error).message);
  }
}
