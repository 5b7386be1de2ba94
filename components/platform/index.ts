/**
 * Platform: what every component of the selected cloud shares, resolved once and built first.
 *
 * | cloud | what it resolves / builds |
 * |---|---|
 * | aws | account id and partition (one lookup), region and zone names (from the target), and with disaster recovery an explicit provider in `loom:aws.drRegion` |
 * | gcp | project, region and project number (one lookup), the project services (APIs) every child depends on, the stack's KMS key ring (and one in `loom:gcp.drRegion` with disaster recovery)
 * | azure | location, subscription/tenant/deployer (one lookup), the stack's resource group, Log Analytics workspace and Key Vault (RBAC, purge protection in prod)
 * | digitalocean | region, DR region, SSH keys and droplet image (from the target), the stack's DigitalOcean project, the account suffix of bucket names (one lookup), and the stack's secret store (a private versioned Spaces bucket) |
 * | kubernetes | the stack's one explicit Kubernetes provider (kubeconfig/context or render mode) and, with `installOperators`, the operator charts every component depends on |
 *
 * Components receive `platform.handle` in their BaseArgs; index.ts never reads `settings.target` fields itself.
 * The handle is a union discriminated by `cloud`; each variant is declared beside its cloud file.
 */
import * as pulumi from "@pulumi/pulumi";
import { invalid, TYPE_PREFIX } from "../lib/component";
import type { TagContext } from "../tags";
import type { ImplementedCloud, Target } from "../targets";
import type { AwsPlatform } from "./aws";
import type { AzurePlatform } from "./azure";
import type { DigitalOceanPlatform } from "./digitalocean";
import type { GcpPlatform } from "./gcp";
import type { KubernetesPlatform } from "./kubernetes";

export type PlatformHandle = AwsPlatform | GcpPlatform | AzurePlatform | DigitalOceanPlatform | KubernetesPlatform;

export interface PlatformArgs {
  /** The validated `loom:<cloud>` target (`settings.target`). */
  target: Target;
  /** Naming and tagging context. */
  context: TagContext;
  /** `protect` stateful children. @default false */
  protect?: boolean;
  /** Resolve what disaster recovery needs (AWS: a provider in the DR region). @default false */
  disasterRecovery?: boolean;
  /** Days to keep logs where the platform owns the log store (Azure: the Log Analytics workspace). @default 30 */
  logRetentionDays?: number;
}

/** The args a cloud's platform file receives: defaults applied, the target narrowed to that cloud. */
export interface ResolvedPlatformArgs<C extends ImplementedCloud = ImplementedCloud> {
  target: Extract<Target, { cloud: C }>;
  context: TagContext;
  protect: boolean;
  disasterRecovery: boolean;
  logRetentionDays: number;
}

type PlatformLoaders = {
  [C in ImplementedCloud]: () => {
    create(
      parent: pulumi.ComponentResource,
      name: string,
      args: ResolvedPlatformArgs<C>,
    ): Extract<PlatformHandle, { cloud: C }>;
  };
};

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies PlatformLoaders;

export class Platform extends pulumi.ComponentResource {
  /** What the components of this cloud share; pass it as `platform` in their args. */
  readonly handle: PlatformHandle;
  readonly cloud: ImplementedCloud;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${TYPE_PREFIX}:Platform`, name, {}, opts);
    const resolved = Platform.resolve(args);
    const load = LOADERS[resolved.target.cloud] as () => {
      create(parent: pulumi.ComponentResource, name: string, args: ResolvedPlatformArgs): PlatformHandle;
    };
    this.cloud = resolved.target.cloud;
    this.handle = load().create(this, name, resolved);
    this.registerOutputs({ cloud: this.cloud });
  }

  static resolve(args: PlatformArgs): ResolvedPlatformArgs {
    if (!args.target || !(args.target.cloud in LOADERS)) {
      invalid("target.cloud", `must be one of ${Object.keys(LOADERS).join(", ")}, got ${args.target?.cloud}`);
    }
    return {
      target: args.target,
      context: args.context,
      protect: args.protect ?? false,
      disasterRecovery: args.disasterRecovery ?? false,
      logRetentionDays: args.logRetentionDays ?? 30,
    };
  }
}
