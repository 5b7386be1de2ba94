/**
 * Cache on DigitalOcean — STUB written with the contract; the cache helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CacheOutputs, ResolvedCacheArgs } from ".";

/** What Observability on DigitalOcean builds cache alerts from. */
export interface DigitalOceanCacheMonitoring {
  cloud: "digitalocean";
  /** The Valkey cluster's id (uuid). */
  clusterId: pulumi.Output<string>;
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedCacheArgs): CacheOutputs {
  throw new Error("Cache on digitalocean: not built yet");
}
