/**
 * Cache on GCP — STUB written with the contract; the cache helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CacheOutputs, ResolvedCacheArgs } from ".";

/** What Observability on GCP builds Memorystore alerts from. */
export interface GcpCacheMonitoring {
  cloud: "gcp";
  /** The `instance_id` label of redis.googleapis.com metrics: `projects/<p>/locations/<region>/instances/<name>`. */
  instanceId: pulumi.Output<string>;
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedCacheArgs): CacheOutputs {
  throw new Error("Cache on gcp: not built yet");
}
