/**
 * Pure Cloud SQL for PostgreSQL settings: machine tiers per edition, the database version, flags, backup and
 * maintenance settings, and the rules an edition imposes. No Pulumi, no SDK: tested directly
 * (tests/components/database.gcp-sql.spec.ts).
 */
import type { Tier } from "../profiles";
import type { CloudSqlEdition } from "../targets/gcp";
import { IAM_AUTH_FLAG } from "./gcp-logins";
import { majorVersion } from "./rds";

/**
 * Tier → machine tier, per edition. The API accepts only some combinations: ENTERPRISE takes shared-core
 * (`db-f1-micro`, `db-g1-small`, no SLA) and custom (`db-custom-<vCPU>-<MiB>`) tiers; ENTERPRISE_PLUS takes only
 * the predefined `db-perf-optimized-N-<vCPU>` tiers (8 GiB per vCPU). No tier here is shared-core, in any
 * environment: they have no SLA and a handful of connections.
 *
 * - ENTERPRISE: small db-custom-1-3840 (1 vCPU, 3.75 GiB: the smallest dedicated core), medium db-custom-2-8192
 *   (2 vCPU, 8 GiB), large db-custom-4-16384 (4 vCPU, 16 GiB). Memory is a multiple of 256 MiB within 0.9–6.5 GiB
 *   per vCPU, as custom machine types require.
 * - ENTERPRISE_PLUS: small and medium db-perf-optimized-N-2 (2 vCPU, 16 GiB: the smallest the edition offers),
 *   large db-perf-optimized-N-4 (4 vCPU, 32 GiB).
 */
export const MACHINE_TIERS: Readonly<Record<CloudSqlEdition, Readonly<Record<Tier, string>>>> = {
  ENTERPRISE: { small: "db-custom-1-3840", medium: "db-custom-2-8192", large: "db-custom-4-16384" },
  ENTERPRISE_PLUS: {
    small: "db-perf-optimized-N-2",
    medium: "db-perf-optimized-N-2",
    large: "db-perf-optimized-N-4",
  },
};

export function machineTierFor(edition: CloudSqlEdition, tier: Tier): string {
  const tiers = MACHINE_TIERS[edition];
  if (!tiers) throw new Error(`edition "${edition}" is not one of ${Object.keys(MACHINE_TIERS).join(", ")}`);
  const machine = tiers[tier];
  if (!machine) throw new Error(`tier "${tier}" is not one of ${Object.keys(tiers).join(", ")}`);
  return machine;
}

/** Whether the API accepts `machineTier` in `edition` (the rule above, for tiers written by hand too). */
export function tierFitsEdition(edition: CloudSqlEdition, machineTier: string): boolean {
  if (edition === "ENTERPRISE_PLUS") return /^db-perf-optimized-N-\d+$/.test(machineTier);
  return /^db-custom-\d+-\d+$/.test(machineTier) || machineTier === "db-f1-micro" || machineTier === "db-g1-small";
}

/**
 * The Cloud SQL database version of "16" or "16.4": POSTGRES_16. Cloud SQL runs the latest minor of a major and
 * upgrades minors in the maintenance window, so a minor version cannot be pinned (it is accepted and ignored).
 */
export function databaseVersionFor(engineVersion: string): string {
  return `POSTGRES_${majorVersion(engineVersion)}`;
}

/** Days of transaction logs (the point-in-time recovery window) each edition keeps at most. */
export const MAX_LOG_DAYS: Readonly<Record<CloudSqlEdition, number>> = { ENTERPRISE: 7, ENTERPRISE_PLUS: 35 };

/**
 * What `edition` cannot hold of the requested database, as [argument, reason] pairs: a PITR window longer than
 * the edition keeps logs. (No pooler problem: the Database builds no pooler, gcp-logins.ts.)
 */
export function editionProblems(edition: CloudSqlEdition, want: { backupRetentionDays: number }): [string, string][] {
  const problems: [string, string][] = [];
  const maxDays = MAX_LOG_DAYS[edition];
  if (want.backupRetentionDays > maxDays) {
    problems.push([
      "backupRetentionDays",
      `Cloud SQL ${edition} keeps at most ${maxDays} days of transaction logs, got ${want.backupRetentionDays}; use ENTERPRISE_PLUS (loom:gcp.databaseEdition) for up to 35`,
    ]);
  }
  return problems;
}

export interface SqlFlag {
  name: string;
  value: string;
}

/**
 * The flags every Loom database gets, as Cloud SQL spells them (booleans "on"): slow-query logging at
 * `slowQueryMs`, connection and disconnection logging (CIS GCP 6.2.x; the RDS parameter group's equivalents), and
 * IAM database authentication (`cloudsql.iam_authentication`: the workloads log in as their service accounts,
 * gcp-logins.ts). TLS is enforced by `ipConfiguration.sslMode`, not a flag; scram-sha-256 is PostgreSQL 16's default.
 */
export function databaseFlags(slowQueryMs: number): SqlFlag[] {
  return [
    { name: "log_min_duration_statement", value: String(slowQueryMs) },
    { name: "log_connections", value: "on" },
    { name: "log_disconnections", value: "on" },
    { ...IAM_AUTH_FLAG },
  ];
}

/**
 * Daily backup start (UTC) and the weekly maintenance window: the same hours as on AWS (rds.ts), both before the
 * logical backup job of components/backups. Day 7 is Sunday (the API counts from Monday = 1); `stable` gets
 * updates two weeks after notification.
 */
export const BACKUP_START_TIME = "00:00";
export const MAINTENANCE_WINDOW = { day: 7, hour: 1, updateTrack: "stable" } as const;

/** Days Cloud SQL keeps the final backup it takes when the instance is deleted. */
export const FINAL_BACKUP_RETENTION_DAYS = 30;

/**
 * Automated backups with point-in-time recovery: `days` of transaction logs and one more daily backup than that,
 * as Google advises (the oldest point in the window needs the backup taken before it). `location` pins where
 * backups are stored; unset, Cloud SQL stores them in the multi-region nearest the instance.
 */
export function backupConfiguration(days: number, location?: string) {
  return {
    enabled: true,
    pointInTimeRecoveryEnabled: true,
    startTime: BACKUP_START_TIME,
    transactionLogRetentionDays: days,
    backupRetentionSettings: { retainedBackups: days + 1, retentionUnit: "COUNT" },
    ...(location !== undefined ? { location } : {}),
  };
}

/** Query Insights (the profile's `performanceInsights`): no client addresses or application tags recorded. */
export function insightsConfig(enabled: boolean) {
  if (!enabled) return { queryInsightsEnabled: false };
  return {
    queryInsightsEnabled: true,
    queryPlansPerMinute: 5,
    queryStringLength: 1024,
    recordApplicationTags: false,
    recordClientAddress: false,
  };
}

/**
 * Why `name` is not a valid database name for the app, if not: a letter first, then letters, digits and _ (at most
 * 63, PostgreSQL's identifier limit), and none of the names PostgreSQL or Cloud SQL reserve.
 */
export function sqlDatabaseNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
    return `"${name}" must start with a letter and hold only letters, digits and _ (at most 63 characters)`;
  }
  const reserved = ["postgres", "template0", "template1", "cloudsqladmin"];
  if (reserved.includes(name.toLowerCase())) return `"${name}" is reserved by PostgreSQL/Cloud SQL`;
  return undefined;
}

/** A DNS name as libpq must be given it for verify-full: without the root's trailing dot the API reports. */
export function hostOf(dnsName: string): string {
  return dnsName.replace(/\.$/, "");
}

/** The server CA certificates as one PEM bundle, so clients trust both sides of a CA rotation. */
export function caBundle(certs: string[]): string {
  const pems = certs.map((c) => c.trim()).filter((c) => c !== "");
  if (pems.length === 0) throw new Error("Cloud SQL reported no server CA certificate for the instance");
  return `${pems.join("\n")}\n`;
}
