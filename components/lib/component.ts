/**
 * What every Loom component shares: the args every component takes, the dispatch to the selected cloud's file,
 * and the resource options for stateful children.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Cloud, type ComponentKind, implementation } from "../cloud";
import type { KubernetesSettings } from "../settings";
import { baseTags, mergeTags, type TagContext, type Tags } from "../tags";

export interface BaseArgs {
  /** Which cloud's implementation to use. */
  cloud: Cloud;
  /** Naming and tagging context: project, stack, environment and the stack's `loom:tags`. */
  context: TagContext;
  /**
   * `protect` stateful children (databases, buckets, vaults, keys) so `pulumi destroy` or a replacement cannot
   * delete them. Prod turns this on through the profile's `deletionProtection`.
   * @default false
   */
  protect?: boolean;
  /**
   * The Kubernetes target (provider or render mode, namespace, ingress, issuer, backup store): `settings.kubernetes`.
   * @default - required on kubernetes, ignored elsewhere
   */
  kubernetes?: KubernetesSettings;
}

/** The BaseArgs part of every component's resolved args, with the check every component shares. */
export function resolveBase(args: BaseArgs): Pick<BaseArgs, "cloud" | "context" | "kubernetes"> & { protect: boolean } {
  if (args.cloud === "kubernetes" && !args.kubernetes) invalid("kubernetes", "is required on kubernetes");
  return { cloud: args.cloud, context: args.context, protect: args.protect ?? false, kubernetes: args.kubernetes };
}

/** A cloud file's entry point: build the children under `parent` and return the component's outputs. */
export interface Implementation<Args, Outputs> {
  create(parent: pulumi.ComponentResource, name: string, args: Args): Outputs;
}

/** Type tokens are identity too: changing one needs an alias on every existing stack. */
export const TYPE_PREFIX = "loom:components";

/**
 * Base of every Loom component: resolves the selected cloud's implementation, runs it with the component as the
 * parent, copies the outputs onto the component and registers them. Subclasses validate and default their args
 * (a static `resolve`) in the `super(...)` call and declare their output fields with `declare readonly`, so
 * nothing re-initialises them after this constructor has assigned them.
 */
export abstract class LoomComponent<Args extends BaseArgs, Outputs extends object> extends pulumi.ComponentResource {
  protected constructor(
    kind: ComponentKind,
    type: string,
    name: string,
    args: Args,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(`${TYPE_PREFIX}:${type}`, name, {}, opts);
    const impl = implementation<Implementation<Args, Outputs>>(args.cloud, kind);
    const outputs = impl.create(this, name, args);
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
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

/** Run a pure helper that throws on bad input; its error becomes an {@link invalid} naming `propertyPath`. */
export function orInvalid<T>(propertyPath: string, compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    return invalid(propertyPath, (e as Error).message);
  }
}
