/**
 * Cache: Redis-compatible, private, TLS in transit, encrypted at rest, password-protected. Holds sessions, config
 * cache and the review-job queue.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | Valkey StatefulSet (TLS from the namespace CA, generated password, AOF on a PVC, restricted pod, NetworkPolicy-isolated) |
 * | aws | ElastiCache replication group (TLS required, KMS at rest, generated AUTH token in Secrets Manager, Multi-AZ failover in prod, snapshots) |
 * | gcp | Memorystore for Redis 7.2 over private services access (TLS only on 6378, AUTH string copied to Secret Manager, CMEK, STANDARD_HA in prod, RDB snapshots) |
 * | azure | Azure Managed Redis (Balanced B0/B1/B5, private endpoint only, TLS 1.2+ on 10000, NoCluster, NoEviction, access key copied to Key Vault, HA + AOF in prod, RDB in staging) |
 */
import type * as pulumi from "@pulumi/pulumi";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import type { NetworkOutputs } from "../network";
import type { Tier } from "../profiles";
import type { AwsCacheMonitoring } from "./aws";
import type { AzureCacheMonitoring } from "./azure";
import type { DigitalOceanCacheMonitoring } from "./digitalocean";
import type { GcpCacheMonitoring } from "./gcp";
import type { KubernetesCacheMonitoring } from "./kubernetes";

export interface CacheArgs extends BaseArgs {
  network: NetworkOutputs;
  /** Cloud-neutral size class. @default "small" */
  tier?: Tier;
  /** Cache nodes (1 = primary only). @default 1 */
  nodes?: number;
  /** Replica in another zone with automatic failover; needs nodes ≥ 2. @default false */
  highAvailability?: boolean;
  /** Days of snapshots to keep (0 = none). @default 0 */
  snapshotRetentionDays?: number;
  /** Days to keep the cache's slow log. @default 30 */
  logRetentionDays?: number;
}

export type ResolvedCacheArgs = Required<Omit<CacheArgs, keyof BaseArgs>> & ResolvedBase;

/** What the same cloud's Observability reads (declared beside each cloud file). */
export type CacheMonitoring =
  | AwsCacheMonitoring
  | GcpCacheMonitoring
  | AzureCacheMonitoring
  | DigitalOceanCacheMonitoring
  | KubernetesCacheMonitoring;

export interface CacheOutputs {
  endpoint: pulumi.Output<string>;
  port: pulumi.Output<number>;
  /** Always true: clients must connect with TLS (rediss://). */
  tls: boolean;
  /** Where the AUTH token lives (never the value). */
  authToken: SecretRef;
  /** Identifiers the same cloud's Observability uses. */
  monitoring: CacheMonitoring;
  /** PEM bundle of the server's CA where no system trust store has it (GCP: Memorystore's); undefined elsewhere. */
  serverCa?: pulumi.Output<string>;
}

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedCacheArgs, CacheOutputs>;

export class Cache extends LoomComponent<ResolvedCacheArgs, CacheOutputs> implements CacheOutputs {
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly tls: boolean;
  declare readonly authToken: SecretRef;
  declare readonly monitoring: CacheMonitoring;
  declare readonly serverCa?: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Cache", name, Cache.resolve(args), opts);
  }

  static resolve(args: CacheArgs): ResolvedCacheArgs {
    const nodes = args.nodes ?? 1;
    const highAvailability = args.highAvailability ?? false;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 6) invalid("nodes", `must be 1 to 6, got ${nodes}`);
    if (highAvailability && nodes < 2) invalid("nodes", `highAvailability needs at least 2 nodes, got ${nodes}`);
    return {
      ...resolveBase(args),
      network: args.network,
      tier: args.tier ?? "small",
      nodes,
      highAvailability,
      snapshotRetentionDays: args.snapshotRetentionDays ?? 0,
      logRetentionDays: args.logRetentionDays ?? 30,
    };
  }
}
