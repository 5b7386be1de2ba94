/**
 * Pure rules of Azure Database for PostgreSQL Flexible Server (no SDK): the compute SKU per tier, the allowed
 * storage sizes, the backup window Azure can keep, the major version and the server parameters Loom pins.
 */
import type { Tier } from "../profiles";

/** The port PostgreSQL itself listens on (the migrate job and pg_dump connect here: a session). */
export const POSTGRES_PORT = 5432;
/** The built-in PgBouncer's port on the same host (General Purpose and Memory Optimized only). */
export const PGBOUNCER_PORT = 6432;
/** The majors Flexible Server offers that Loom accepts (16 or newer; the API of @pulumi/azure-native 3.28). */
export const SUPPORTED_MAJORS = ["16", "17", "18"] as const;
/** Azure keeps 7 to 35 days of backups (the point-in-time recovery window). */
export const MIN_BACKUP_RETENTION_DAYS = 7;
export const MAX_BACKUP_RETENTION_DAYS = 35;
/** The smallest Premium SSD size; every size Flexible Server accepts (GiB), smallest first. */
export const STORAGE_SIZES_GIB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767] as const;
/** Sunday 01:00 UTC (dayOfWeek 0 = Sunday), as on GCP: planned maintenance outside business hours. */
export const MAINTENANCE_WINDOW = { customWindow: "Enabled", dayOfWeek: 0, startHour: 1, startMinute: 0 } as const;

export type SkuTier = "Burstable" | "GeneralPurpose" | "MemoryOptimized";
export interface FlexibleSku {
  name: string;
  tier: SkuTier;
}

/** What needs a General Purpose (or Memory Optimized) server: Burstable has no HA, no PgBouncer, no replicas. */
export interface SkuNeeds {
  highAvailability: boolean;
  readReplica: boolean;
  connectionPooler: boolean;
}

/**
 * The compute per tier: small is Burstable B2s (2 vCPU, 4 GiB) unless a feature Burstable lacks is on, then the
 * smallest General Purpose D2ds_v5 (2 vCPU, 8 GiB); medium D2ds_v5; large D4ds_v5 (4 vCPU, 16 GiB) — the sizes of
 * the GCP and AWS tiers.
 */
export function skuFor(tier: Tier, needs: SkuNeeds): FlexibleSku {
  const burstableOk = !needs.highAvailability && !needs.readReplica && !needs.connectionPooler;
  switch (tier) {
    case "small":
      return burstableOk
        ? { name: "Standard_B2s", tier: "Burstable" }
        : { name: "Standard_D2ds_v5", tier: "GeneralPurpose" };
    case "medium":
      return { name: "Standard_D2ds_v5", tier: "GeneralPurpose" };
    case "large":
      return { name: "Standard_D4ds_v5", tier: "GeneralPurpose" };
    default:
      throw new Error(`tier must be small, medium or large, got "${String(tier)}"`);
  }
}

/** The smallest allowed size that holds `storageGiB` (at least 32); throws above the largest. */
export function storageSizeFor(storageGiB: number): number {
  const size = STORAGE_SIZES_GIB.find((s) => s >= storageGiB);
  if (size === undefined) {
    throw new Error(`must be at most ${STORAGE_SIZES_GIB[STORAGE_SIZES_GIB.length - 1]} GiB, got ${storageGiB}`);
  }
  return size;
}

/** The window Azure keeps (7 to 35 days) and, when the profile asks fewer than 7, why it keeps more. */
export function backupRetentionFor(days: number): { days: number; warning?: string } {
  if (days > MAX_BACKUP_RETENTION_DAYS) {
    throw new Error(`must be at most ${MAX_BACKUP_RETENTION_DAYS} days on Azure, got ${days}`);
  }
  if (days >= MIN_BACKUP_RETENTION_DAYS) return { days };
  return {
    days: MIN_BACKUP_RETENTION_DAYS,
    warning:
      `backupRetentionDays: ${days} is below Azure PostgreSQL's minimum of ${MIN_BACKUP_RETENTION_DAYS} days; ` +
      `the server keeps ${MIN_BACKUP_RETENTION_DAYS} days of backups (a longer point-in-time recovery window)`,
  };
}

/** The server's `version`: the major only (Azure applies minor versions itself). */
export function majorVersionFor(engineVersion: string): string {
  const supported = (SUPPORTED_MAJORS as readonly string[]).includes(engineVersion);
  if (!supported) {
    throw new Error(
      `must be a PostgreSQL major version Flexible Server offers (${SUPPORTED_MAJORS.join(", ")}; Azure picks the minor), got "${engineVersion}"`,
    );
  }
  return engineVersion;
}

/** A server name: 3–63 of a-z 0-9 -, globally unique (it is the DNS name `<name>.postgres.database.azure.com`). */
export function serverNameFor(prefix: string, suffix: string, hash: string): string {
  const tail = `-${suffix}-${hash}`;
  const head = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 63 - tail.length)
    .replace(/-+$/, "");
  return `${head}${tail}`;
}

export interface ParameterArgs {
  slowQueryMs: number;
  performanceInsights: boolean;
  connectionPooler: boolean;
}

/**
 * The server parameters Loom pins, in the order they are applied (one at a time: Flexible Server refuses a
 * parameter change while another is in progress). TLS is the platform's default today, but pinned so that drift
 * shows in a plan; Query Store (`pg_qs`) is the peer of Performance Insights; PgBouncer listens on 6432.
 */
export function serverParameters(p: ParameterArgs): [name: string, value: string][] {
  return [
    ["require_secure_transport", "on"],
    ["ssl_min_protocol_version", "TLSv1.2"],
    ["log_min_duration_statement", String(p.slowQueryMs)],
    ...(p.performanceInsights
      ? ([
          ["pg_qs.query_capture_mode", "top"],
          ["track_io_timing", "on"],
        ] as [string, string][])
      : []),
    ...(p.connectionPooler ? ([["pgbouncer.enabled", "true"]] as [string, string][]) : []),
  ];
}

/** Databases every Flexible Server already has or keeps for Azure: the app's database must be another. */
export const RESERVED_DATABASES = ["postgres", "azure_maintenance", "azure_sys", "template0", "template1"] as const;

/** Why `name` cannot be the app's database (undefined when it can): 1–63 of a-z 0-9 _, not reserved. */
export function databaseNameProblem(name: string): string | undefined {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) return `"${name}" must be 1-63 of a-z 0-9 _, starting with a letter or _`;
  if ((RESERVED_DATABASES as readonly string[]).includes(name)) return `"${name}" is reserved by PostgreSQL/Azure`;
  return undefined;
}
