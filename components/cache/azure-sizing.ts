/**
 * Azure Managed Redis sizing as plain data (pure: tested without mocks): the Balanced SKU per cloud-neutral tier,
 * high availability from `nodes`/`highAvailability`, and persistence from `snapshotRetentionDays`.
 *
 * - SKU: the Balanced size at or below the AWS node type's memory (node-types.ts: t4g.small 1.37, m7g.large 6.38,
 *   r7g.xlarge 26.32 GiB), as on GCP: small → Balanced_B1 (1 GB), medium → Balanced_B5 (6 GB), large →
 *   Balanced_B20 (24 GB). One exception: a small cache that keeps nothing (no persistence, no replica — dev) is
 *   Balanced_B0 (0.5 GB), the smallest size: its content is disposable by the profile's own choice. Never an
 *   Enterprise_* / EnterpriseFlash_* SKU (retiring 2027-03-31).
 * - Nodes: Managed Redis has no node count. highAvailability Enabled keeps a replica of every shard on another node
 *   (in another zone where the region has zones) with automatic failover; `nodes` has no effect (the applicability
 *   table says so, and a stack that sets it is warned by name), except that replicas without highAvailability are
 *   a contradiction that fails early.
 * - Persistence: on when `snapshotRetentionDays` > 0 — AOF written every second with highAvailability (the
 *   production profile: a failover or a double node loss loses at most ~1 s of queued review jobs), RDB every hour
 *   otherwise. Managed Redis keeps only its latest persistence file on the cluster's managed disk (it is failure
 *   recovery, not a backup history), so the number of days maps to on/off; create() warns when more than 1 day is
 *   asked. Explicitly off at 0 (both flags false), so a later change is an update of the same database.
 */
import { invalid } from "../lib/component";
import type { Tier } from "../profiles";

export type AmrSku = "Balanced_B0" | "Balanced_B1" | "Balanced_B5" | "Balanced_B20";

/** Balanced SKU per tier (memory parity with the AWS node types). */
export const AZURE_CACHE_SKUS: Readonly<Record<Tier, AmrSku>> = {
  small: "Balanced_B1",
  medium: "Balanced_B5",
  large: "Balanced_B20",
};

/** The smallest Balanced SKU, for a small cache without persistence or replica. */
export const DISPOSABLE_SMALL_SKU: AmrSku = "Balanced_B0";

/** Managed Redis serves TLS only, on this port (the database's `port` is fixed at creation). */
export const AMR_PORT = 10000;
/** Managed Redis has one database per cluster and it must be named `default`. */
export const AMR_DATABASE_NAME = "default";

export interface AmrSizingArgs {
  tier: Tier;
  nodes: number;
  highAvailability: boolean;
  snapshotRetentionDays: number;
}

/** The cluster's SKU name for the cache args. */
export function amrSku(args: AmrSizingArgs): AmrSku {
  const sku = (AZURE_CACHE_SKUS as Record<string, AmrSku>)[args.tier];
  if (sku === undefined) invalid("tier", `"${args.tier}" is not one of ${Object.keys(AZURE_CACHE_SKUS).join(", ")}`);
  if (args.tier === "small" && !args.highAvailability && args.snapshotRetentionDays === 0) return DISPOSABLE_SMALL_SKU;
  return sku;
}

/** The cluster's `highAvailability` value (replicas without it are refused: BASIC-like layouts have none). */
export function amrHighAvailability(args: { nodes: number; highAvailability: boolean }): "Enabled" | "Disabled" {
  if (!args.highAvailability) {
    if (args.nodes > 1) {
      invalid(
        "nodes",
        `Azure Managed Redis has a replica only with highAvailability; ${args.nodes} nodes need highAvailability: true`,
      );
    }
    return "Disabled";
  }
  return "Enabled";
}

export interface AmrPersistence {
  aofEnabled: boolean;
  rdbEnabled: boolean;
  aofFrequency?: "1s";
  rdbFrequency?: "1h";
}

/** AOF every second with highAvailability, hourly RDB without, off (both false) when no snapshots are kept. */
export function amrPersistence(snapshotRetentionDays: number, highAvailability: boolean): AmrPersistence {
  if (!Number.isInteger(snapshotRetentionDays) || snapshotRetentionDays < 0) {
    invalid("snapshotRetentionDays", `must be a whole number of days ≥ 0, got ${snapshotRetentionDays}`);
  }
  if (snapshotRetentionDays === 0) return { aofEnabled: false, rdbEnabled: false };
  return highAvailability
    ? { aofEnabled: true, aofFrequency: "1s", rdbEnabled: false }
    : { aofEnabled: false, rdbEnabled: true, rdbFrequency: "1h" };
}
