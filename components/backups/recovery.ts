/**
 * Recovery objectives derived from configuration, per cloud: the stack output `recovery` (docs/dr-plan.md reads the
 * same numbers). Pure, tested without mocks; no SDK import.
 *
 * - RPO (same region): how much committed data a restore can lose. AWS: RDS uploads the transaction log to S3 every
 *   5 minutes (PITR "latest restorable time" is ≤ 5 min old). Kubernetes: CloudNativePG's default
 *   `archive_timeout` of 5 min (components/database/cnpg.ts does not override it) forces a WAL segment switch and
 *   archive at least every 5 minutes. Without a WAL archive (Kubernetes with no object store) the only recovery points
 *   are the daily logical dumps, or nothing.
 * - DR RPO (the copy outside the region / primary store): AWS copies the daily recovery point to `drRegion` (copy
 *   jobs are daily), so up to 24 h; the logical dumps replicate within minutes of the daily run, also ≤ 24 h old.
 *   Kubernetes: the replica cluster restores the primary's WAL as it is archived and re-archives it into the second
 *   store, so archive_timeout twice.
 * - RTO estimate: a fixed provisioning part per cloud plus the data at the restore throughput measured by the drill
 *   (`npm run drill`, 107 MB Loom-shaped database, PostgreSQL 16.15, 2 cores: 40.4 MB/s on a quiet machine,
 *   15.0 MB/s under a load average of 18 — docs/dr-plan.md). The estimate uses RESTORE_MB_PER_SECOND = 15, the
 *   slowest measured run: cloud volumes, the download from the bucket and index builds on larger tables are not
 *   faster than the drill's local disk. Round up, never down.
 */

export type RecoveryCloud = "aws" | "kubernetes";

export interface Recovery {
  /** Days back a point-in-time restore can reach; 0 = no point-in-time recovery. */
  pitrWindowDays: number;
  /** Worst-case minutes of committed data lost restoring in the same region; null = no recovery point at all. */
  rpoMinutes: number | null;
  /** Worst-case minutes of data lost restoring from the disaster-recovery copy; null = no copy. */
  drRpoMinutes: number | null;
  /** Estimated minutes from "start the restore" to "the database answers", for the configured size. */
  rtoMinutesEstimate: number;
  /** Hours between two logical (pg_dump) backups; 0 = no scheduled logical backup. */
  logicalBackupEveryHours: number;
  /** Whether backups are copied outside the primary region / object store. */
  drCopy: boolean;
  /** The AWS DR region, or the Kubernetes DR object store URL; "" without a copy. */
  drRegionOrStore: string;
}

export interface RecoveryInputs {
  cloud: RecoveryCloud;
  /** Days of point-in-time recovery the database keeps (the profile's backupRetentionDays). */
  retentionDays: number;
  /** The database's allocated storage (GiB): the RTO's data volume. */
  storageGiB: number;
  /** Kubernetes: whether the cluster archives WAL to an object store (AWS always has RDS automated backups). */
  walArchive: boolean;
  /** Whether the daily logical backup job is built. */
  logicalJob: boolean;
  /** Where the DR copy goes; undefined = no copy. */
  drTarget?: string;
}

/** The transaction-log upload interval behind RDS point-in-time recovery (minutes). */
export const RDS_LOG_UPLOAD_MINUTES = 5;
/** CloudNativePG's default archive_timeout (minutes), which the cluster spec keeps. */
export const CNPG_ARCHIVE_TIMEOUT_MINUTES = 5;
/** Hours between two daily runs (AWS Backup rule, DR copy, logical job). */
export const DAILY_HOURS = 24;
/** Restore throughput the RTO estimate assumes: the drill's slowest measured run, 15.0 MB/s (see the header). */
export const RESTORE_MB_PER_SECOND = 15;
/**
 * Minutes before data starts flowing: AWS — a new RDS instance from a snapshot or PITR (AWS quotes tens of
 * minutes; 30 is the planning figure); Kubernetes — a new CloudNativePG cluster's pods, volumes and base-backup
 * download start (10).
 */
export const PROVISION_MINUTES: Readonly<Record<RecoveryCloud, number>> = { aws: 30, kubernetes: 10 };

/** Minutes to restore `storageGiB` at RESTORE_MB_PER_SECOND plus the cloud's provisioning time, rounded up. */
export function rtoMinutes(cloud: RecoveryCloud, storageGiB: number): number {
  if (!Number.isFinite(storageGiB) || storageGiB <= 0) {
    throw new Error(`storageGiB must be a positive number, got ${storageGiB}`);
  }
  return PROVISION_MINUTES[cloud] + Math.ceil((storageGiB * 1024) / RESTORE_MB_PER_SECOND / 60);
}

/** The recovery objectives of one stack. */
export function recoveryObjectives(i: RecoveryInputs): Recovery {
  const logicalBackupEveryHours = i.logicalJob ? DAILY_HOURS : 0;
  const pitr = i.cloud === "aws" || i.walArchive;
  const walMinutes = i.cloud === "aws" ? RDS_LOG_UPLOAD_MINUTES : CNPG_ARCHIVE_TIMEOUT_MINUTES;
  const rpoMinutes = pitr ? walMinutes : i.logicalJob ? DAILY_HOURS * 60 : null;
  const drCopy = i.drTarget !== undefined && i.drTarget !== "";
  const drRpoMinutes = !drCopy ? null : i.cloud === "aws" ? DAILY_HOURS * 60 : 2 * CNPG_ARCHIVE_TIMEOUT_MINUTES;
  return {
    pitrWindowDays: pitr ? i.retentionDays : 0,
    rpoMinutes,
    drRpoMinutes,
    rtoMinutesEstimate: rtoMinutes(i.cloud, i.storageGiB),
    logicalBackupEveryHours,
    drCopy,
    drRegionOrStore: drCopy ? (i.drTarget as string) : "",
  };
}
