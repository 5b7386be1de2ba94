/**
 * DigitalOcean Managed Valkey sizing and settings as plain data (pure: tested without mocks).
 *
 * - Size slugs per cloud-neutral tier: the plan's memory at or below the AWS node's (node-types.ts: t4g.small 1.37,
 *   m7g.large 6.38, r7g.xlarge 26.32 GiB), like the GCP cache: 1, 4 and 16 GiB.
 * - Nodes: `nodes` as given (a primary plus standbys with automatic failover); DigitalOcean allows at most 3.
 * - Settings: no eviction (the review-job queue lives here: evicting a key loses a job), TLS required, RDB
 *   persistence with frequent snapshots (never "off": a restart would lose the queue). Valkey's version is 8.
 */
import type { Tier } from "../profiles";

export const VALKEY_VERSION = "8";

export const DO_VALKEY_SLUGS: Readonly<Record<Tier, string>> = {
  small: "db-s-1vcpu-1gb",
  medium: "db-s-2vcpu-4gb",
  large: "db-s-6vcpu-16gb",
};

/** DigitalOcean allows a primary and up to two standby nodes. */
export const MAX_VALKEY_NODES = 3;

/** Weekly maintenance (UTC): Sunday 05:00, an hour after PostgreSQL's, so the two never restart together. */
export const VALKEY_MAINTENANCE_WINDOW = { day: "sunday", hour: "05:00" } as const;

/** The cluster's eviction policy (the API value). */
export const EVICTION_POLICY = "noeviction";

/** DatabaseValkeyConfig: no eviction, TLS only, RDB persistence with frequent snapshots. */
export const VALKEY_CONFIG = {
  valkeyMaxmemoryPolicy: "noeviction",
  ssl: true,
  persistence: "rdb",
  frequentSnapshots: true,
} as const;

export function valkeySlug(tier: Tier): string {
  const slug = (DO_VALKEY_SLUGS as Record<string, string | undefined>)[tier];
  if (!slug) throw new Error(`"${tier}" is not one of ${Object.keys(DO_VALKEY_SLUGS).join(", ")}`);
  return slug;
}

/** The cluster's node count: `nodes` (Cache.resolve already requires ≥ 2 with highAvailability), at most 3. */
export function valkeyNodeCount(nodes: number): number {
  if (nodes > MAX_VALKEY_NODES) {
    throw new Error(
      `DigitalOcean Valkey clusters have at most ${MAX_VALKEY_NODES} nodes (a primary and two standbys), got ${nodes}`,
    );
  }
  return nodes;
}
