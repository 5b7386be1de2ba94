/**
 * Cache on Azure — STUB written with the contract; the cache helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CacheOutputs, ResolvedCacheArgs } from ".";

/** What Observability on Azure builds Azure Managed Redis alerts from. */
export interface AzureCacheMonitoring {
  cloud: "azure";
  /** The redisenterprise cluster's ARM id (metric alert scope). */
  clusterId: pulumi.Output<string>;
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedCacheArgs): CacheOutputs {
  throw new Error("Cache on azure: not built yet");
}
