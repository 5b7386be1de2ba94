/**
 * DigitalOcean Managed PostgreSQL sizing as plain data (pure: tested without mocks).
 *
 * - Size slugs per cloud-neutral tier, about the memory of the other clouds' instances: small db-s-1vcpu-2gb
 *   (RDS small is 2 GiB), medium db-s-2vcpu-4gb, large db-s-4vcpu-8gb (RDS large is 8 GiB).
 * - Storage: each plan comes with a base disk and can only grow from it, so `storageSizeMib` is the larger of the
 *   profile's storageGiB and the plan's base (GiB as DigitalOcean's control panel lists them), in MiB. Storage
 *   autoscaling then grows it without a ceiling (DigitalOcean has no cap field: the profile's maxStorageGiB has no
 *   effect).
 * - Nodes: 1, or 2 with high availability (one standby with automatic failover). A cluster has at most 3 nodes.
 * - The PgBouncer pool's size: about half of the plan's backend connections (25 per GiB of RAM, 3 reserved), so
 *   direct sessions (migrations, pg_dump, an operator's psql) always find a slot.
 * - Version: DigitalOcean takes a major version only ("16"), 16 or newer here.
 */
import type { Tier } from "../profiles";

export interface PgPlan {
  slug: string;
  memoryGiB: number;
  /** The disk the plan comes with; a cluster can grow from it, never shrink below it. */
  baseStorageGiB: number;
}

export const DO_PG_PLANS: Readonly<Record<Tier, PgPlan>> = {
  small: { slug: "db-s-1vcpu-2gb", memoryGiB: 2, baseStorageGiB: 25 },
  medium: { slug: "db-s-2vcpu-4gb", memoryGiB: 4, baseStorageGiB: 38 },
  large: { slug: "db-s-4vcpu-8gb", memoryGiB: 8, baseStorageGiB: 115 },
};

/** DigitalOcean allows a primary and up to two standby nodes. */
export const MAX_PG_NODES = 3;

/** Weekly maintenance (UTC): Sunday 04:00, an hour before the cache's. */
export const PG_MAINTENANCE_WINDOW = { day: "sunday", hour: "04:00" } as const;

/** Storage autoscaling: add 10 GiB when the disk is 80 % full. */
export const PG_STORAGE_AUTOSCALE = { enabled: true, thresholdPercent: 80, incrementGib: 10 } as const;

export function pgPlan(tier: Tier): PgPlan {
  const plan = (DO_PG_PLANS as Record<string, PgPlan | undefined>)[tier];
  if (!plan) throw new Error(`"${tier}" is not one of ${Object.keys(DO_PG_PLANS).join(", ")}`);
  return plan;
}

/** `storageSizeMib` as the API takes it (a string): the larger of the asked size and the plan's base disk. */
export function storageSizeMib(tier: Tier, storageGiB: number): string {
  if (!Number.isInteger(storageGiB) || storageGiB < 1)
    throw new Error(`must be a whole number of GiB ≥ 1, got ${storageGiB}`);
  return String(Math.max(storageGiB, pgPlan(tier).baseStorageGiB) * 1024);
}

/** The cluster's node count: the primary, plus one standby when highly available. */
export function pgNodeCount(highAvailability: boolean): number {
  return highAvailability ? 2 : 1;
}

/** The plan's backend connections: 25 per GiB of RAM, 3 reserved for maintenance. */
export const pgConnectionLimit = (tier: Tier) => pgPlan(tier).memoryGiB * 25 - 3;

/** The transaction pool's size: half the plan's connections, rounded down to a multiple of 5. */
export function poolSize(tier: Tier): number {
  return Math.floor(pgConnectionLimit(tier) / 2 / 5) * 5;
}

/** DigitalOcean's `version`: the major of `engineVersion`; a minor version cannot be chosen there. */
export function pgMajorVersion(engineVersion: string): string {
  if (!/^\d+$/.test(engineVersion)) {
    throw new Error(`DigitalOcean takes a PostgreSQL major version only (e.g. "16"), got "${engineVersion}"`);
  }
  if (Number(engineVersion) < 16) throw new Error(`must be PostgreSQL 16 or newer, got "${engineVersion}"`);
  return engineVersion;
}

/**
 * Why `name` cannot be the app's database (a plain lower-case PostgreSQL identifier), or undefined. With a pooler
 * the pool carries the same name, and DigitalOcean wants pool names of 3 to 60 characters.
 */
export function databaseNameProblem(name: string, pooled = false): string | undefined {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    return `must be 1-63 of a-z, 0-9 and _ (not starting with a digit), got "${name}"`;
  }
  if (name === "defaultdb" || name === "_dodb") return `"${name}" is DigitalOcean's own database`;
  if (pooled && (name.length < 3 || name.length > 60)) {
    return `must be 3 to 60 characters with a connection pooler (the pool carries the database's name), got "${name}"`;
  }
  return undefined;
}
