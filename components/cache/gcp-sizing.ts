/**
 * Memorystore for Redis sizing as plain data (pure: tested without mocks): memory per cloud-neutral tier, the
 * service tier and replicas from `nodes`/`highAvailability`, persistence from `snapshotRetentionDays`, and the
 * maintenance window.
 *
 * - Memory: the whole GiB at or below the AWS node type's memory (node-types.ts: t4g.small 1.37, m7g.large 6.38,
 *   r7g.xlarge 26.32 GiB), so a stack holds about the same data on either cloud. Memorystore bills by provisioned
 *   GiB and accepts whole GiB only.
 * - Replicas: BASIC has none and no failover; STANDARD_HA keeps a replica in another zone with automatic failover.
 *   Without read replicas STANDARD_HA has exactly one replica (replicaCount 1); more than one replica needs
 *   `READ_REPLICAS_ENABLED` (1–5 replicas), which Google allows only from 5 GiB, and which can only be chosen when the
 *   instance is created. The app reads and writes through the primary endpoint, so extra replicas serve failover.
 * - Persistence: RDB snapshots keep only the latest snapshot (Memorystore has no snapshot history), so
 *   `snapshotRetentionDays` maps to on (> 0) or off (0) and the period is the recovery point: hourly.
 */
import { invalid } from "../lib/component";
import type { Tier } from "../profiles";

export const GCP_CACHE_MEMORY_GB: Readonly<Record<Tier, number>> = {
  small: 1,
  medium: 6,
  large: 26,
};

/** The smallest instance Memorystore accepts read replicas on (GiB). */
export const READ_REPLICAS_MIN_GB = 5;
/** Memorystore for Redis allows 1 to 5 read replicas. */
export const MAX_READ_REPLICAS = 5;

/** RDB snapshot period: the latest snapshot is all Memorystore keeps, so its age is the recovery point. */
export const RDB_SNAPSHOT_PERIOD = "ONE_HOUR";

/** Weekly maintenance window (UTC): Sunday 05:00 for one hour, the same slot as the AWS cache. */
export const MAINTENANCE_DAY = "SUNDAY";
export const MAINTENANCE_HOUR_UTC = 5;

export interface RedisLayout {
  tier: "BASIC" | "STANDARD_HA";
  memorySizeGb: number;
  replicaCount: number;
  readReplicasMode: "READ_REPLICAS_DISABLED" | "READ_REPLICAS_ENABLED";
}

/** Memory in GiB for a cloud-neutral tier. */
export function gcpCacheMemoryGb(tier: Tier): number {
  const gb = (GCP_CACHE_MEMORY_GB as Record<string, number>)[tier];
  if (gb === undefined) invalid("tier", `"${tier}" is not one of ${Object.keys(GCP_CACHE_MEMORY_GB).join(", ")}`);
  return gb;
}

/** Service tier, memory and replicas for the cache args (nodes = primary + replicas). */
export function redisLayout(args: { tier: Tier; nodes: number; highAvailability: boolean }): RedisLayout {
  const memorySizeGb = gcpCacheMemoryGb(args.tier);
  if (!args.highAvailability) {
    if (args.nodes > 1) {
      invalid(
        "nodes",
        `Memorystore BASIC has no replicas; ${args.nodes} nodes need highAvailability (STANDARD_HA, whose replica always fails over automatically)`,
      );
    }
    return { tier: "BASIC", memorySizeGb, replicaCount: 0, readReplicasMode: "READ_REPLICAS_DISABLED" };
  }
  const replicaCount = args.nodes - 1;
  if (replicaCount > MAX_READ_REPLICAS) invalid("nodes", `Memorystore allows at most ${MAX_READ_REPLICAS + 1} nodes`);
  if (replicaCount === 1) {
    return { tier: "STANDARD_HA", memorySizeGb, replicaCount, readReplicasMode: "READ_REPLICAS_DISABLED" };
  }
  if (memorySizeGb < READ_REPLICAS_MIN_GB) {
    invalid(
      "nodes",
      `more than 2 nodes needs Memorystore read replicas, which need at least ${READ_REPLICAS_MIN_GB} GiB; tier "${args.tier}" is ${memorySizeGb} GiB (use 2 nodes or a larger tier)`,
    );
  }
  return { tier: "STANDARD_HA", memorySizeGb, replicaCount, readReplicasMode: "READ_REPLICAS_ENABLED" };
}

export interface RedisPersistence {
  persistenceMode: "RDB" | "DISABLED";
  rdbSnapshotPeriod?: string;
}

/** RDB persistence when snapshots are kept at all; explicitly DISABLED otherwise (the API keeps the old value). */
export function redisPersistence(snapshotRetentionDays: number): RedisPersistence {
  if (!Number.isInteger(snapshotRetentionDays) || snapshotRetentionDays < 0) {
    invalid("snapshotRetentionDays", `must be a whole number of days ≥ 0, got ${snapshotRetentionDays}`);
  }
  return snapshotRetentionDays > 0
    ? { persistenceMode: "RDB", rdbSnapshotPeriod: RDB_SNAPSHOT_PERIOD }
    : { persistenceMode: "DISABLED" };
}

/** The weekly maintenance window in the API's shape. */
export function maintenancePolicy(): {
  weeklyMaintenanceWindows: {
    day: string;
    startTime: { hours: number; minutes: number; seconds: number; nanos: number };
  }[];
} {
  return {
    weeklyMaintenanceWindows: [
      { day: MAINTENANCE_DAY, startTime: { hours: MAINTENANCE_HOUR_UTC, minutes: 0, seconds: 0, nanos: 0 } },
    ],
  };
}
