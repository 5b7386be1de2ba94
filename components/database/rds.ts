/**
 * Pure RDS PostgreSQL settings: instance classes per tier, parameter-group family and parameters, maintenance
 * windows and identifier rules. No Pulumi, no SDK: tested directly (tests/components/database.rds.spec.ts).
 */
import type { Tier } from "../profiles";

/**
 * Tier → instance class. Graviton (g) classes: the best price/performance RDS offers for PostgreSQL.
 * - small: db.t4g.small (2 vCPU burstable, 2 GiB) — dev; burst credits are enough for a few reviewers.
 * - medium: db.t4g.large (2 vCPU burstable, 8 GiB) — staging; memory for a realistic working set.
 * - large: db.m7g.large (2 vCPU sustained, 8 GiB) — prod; no CPU credits to run out of under steady load, and
 *   the smallest non-burstable class (scale up by overriding the tier or the class family later).
 */
export const INSTANCE_CLASSES: Readonly<Record<Tier, string>> = {
  small: "db.t4g.small",
  medium: "db.t4g.large",
  large: "db.m7g.large",
};

export function instanceClassFor(tier: Tier): string {
  const cls = INSTANCE_CLASSES[tier];
  if (!cls) throw new Error(`tier "${tier}" is not one of ${Object.keys(INSTANCE_CLASSES).join(", ")}`);
  return cls;
}

/** Memory of each tier's instance class, in GiB (AWS's instance class table; FreeableMemory is measured against it). */
export const INSTANCE_MEMORY_GIB: Readonly<Record<Tier, number>> = { small: 2, medium: 8, large: 8 };

export function instanceMemoryGiB(tier: Tier): number {
  const gib = INSTANCE_MEMORY_GIB[tier];
  if (!gib) throw new Error(`tier "${tier}" is not one of ${Object.keys(INSTANCE_MEMORY_GIB).join(", ")}`);
  return gib;
}

/** PostgreSQL major version of "16" or "16.4". */
export function majorVersion(engineVersion: string): number {
  const major = Number(engineVersion.split(".")[0]);
  if (!Number.isInteger(major) || !/^\d+(\.\d+)?$/.test(engineVersion)) {
    throw new Error(`"${engineVersion}" is not a PostgreSQL version such as 16 or 16.4`);
  }
  return major;
}

/** The parameter-group family of a PostgreSQL version (16.4 → postgres16). */
export function parameterGroupFamily(engineVersion: string): string {
  return `postgres${majorVersion(engineVersion)}`;
}

export interface DbParameter {
  name: string;
  value: string;
  /** `immediate` for dynamic parameters; static ones need `pending-reboot` (the API rejects `immediate`). */
  applyMethod: "immediate" | "pending-reboot";
}

/**
 * The parameters every Loom database gets:
 * - `rds.force_ssl=1`: the server refuses unencrypted connections (clients use sslmode=verify-full);
 * - `password_encryption=scram-sha-256`: no MD5 password hashes (the proxy's client auth is SCRAM too);
 * - slow-query logging at `slowQueryMs`, connection/disconnection logging (exported to CloudWatch Logs);
 * - `pg_stat_statements` preloaded (static: takes effect at the next reboot) for per-query statistics.
 * Boolean values are "1", the form RDS reports back, so plans show no perpetual diff.
 */
export function postgresParameters(slowQueryMs: number): DbParameter[] {
  return [
    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
    { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
    { name: "log_min_duration_statement", value: String(slowQueryMs), applyMethod: "immediate" },
    { name: "log_connections", value: "1", applyMethod: "immediate" },
    { name: "log_disconnections", value: "1", applyMethod: "immediate" },
    { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
  ];
}

/**
 * Daily automated-backup window and weekly maintenance window (UTC). They do not overlap each other, and both
 * end before AWS Backup's default daily job (03:00 UTC, components/backups) starts, because AWS Backup skips or
 * delays an RDS job that collides with the instance's own backup or maintenance window.
 */
export const BACKUP_WINDOW = "00:00-01:00";
export const MAINTENANCE_WINDOW = "sun:01:30-sun:02:30";

/** Engine log streams exported to CloudWatch Logs. */
export const LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** Performance Insights retention: 7 days is the free tier. */
export const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;
/** Enhanced monitoring granularity in seconds. */
export const MONITORING_INTERVAL_SECONDS = 60;
/** RDS's CA with the longest validity that every PostgreSQL client library supports (RSA 2048, to 2061). */
export const CA_CERT_IDENTIFIER = "rds-ca-rsa2048-g1";

/** Why `name` is not a valid initial database name (RDS: letter first, then letters, digits, _; ≤ 63), if not. */
export function databaseNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
    return `"${name}" must start with a letter and hold only letters, digits and _ (at most 63 characters)`;
  }
  const reserved = ["postgres", "template0", "template1", "rdsadmin"];
  if (reserved.includes(name.toLowerCase())) return `"${name}" is reserved by PostgreSQL/RDS`;
  return undefined;
}
