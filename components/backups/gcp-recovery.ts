/**
 * Recovery objectives on GCP, derived from configuration like recovery.ts does for AWS and Kubernetes (whose
 * `RecoveryCloud` has no "gcp" yet; this file reuses its constants and `Recovery` shape). Pure: no SDK import.
 *
 * - RPO (same region): Cloud SQL point-in-time recovery replays the write-ahead log Cloud SQL archives continuously;
 *   the planning figure is the same 5 minutes as RDS's log upload interval (GCP_LOG_ARCHIVE_MINUTES).
 * - DR RPO: the off-region copy is the daily logical backup the job writes to the DR bucket in `drRegion`
 *   (gcp-job.ts), so up to 24 h old.
 * - RTO estimate: a new Cloud SQL instance (from a backup, a PITR clone, or an empty one a logical backup is restored
 *   into: ~30 min, the RDS figure) plus the data at the drill's measured restore throughput (recovery.ts).
 */
import { DAILY_HOURS, RESTORE_MB_PER_SECOND, type Recovery } from "./recovery";

/** Minutes of write-ahead log a Cloud SQL PITR can be behind (planning figure, see the header). */
export const GCP_LOG_ARCHIVE_MINUTES = 5;
/** Minutes before data flows into a new Cloud SQL instance. */
export const GCP_PROVISION_MINUTES = 30;

export interface GcpRecoveryInputs {
  /** Days of point-in-time recovery Cloud SQL keeps (the profile's backupRetentionDays). */
  retentionDays: number;
  storageGiB: number;
  /** Whether the daily logical backup job is built. */
  logicalJob: boolean;
  /** The region of the DR bucket the job also writes to; undefined = no off-region copy. */
  drRegion?: string;
}

export function gcpRecoveryObjectives(i: GcpRecoveryInputs): Recovery {
  if (!Number.isFinite(i.storageGiB) || i.storageGiB <= 0) {
    throw new Error(`storageGiB must be a positive number, got ${i.storageGiB}`);
  }
  // Without the job the DR bucket receives nothing, so there is no off-region copy to recover from.
  const drCopy = i.logicalJob && i.drRegion !== undefined && i.drRegion !== "";
  return {
    pitrWindowDays: i.retentionDays,
    rpoMinutes: GCP_LOG_ARCHIVE_MINUTES,
    drRpoMinutes: drCopy ? DAILY_HOURS * 60 : null,
    rtoMinutesEstimate: GCP_PROVISION_MINUTES + Math.ceil((i.storageGiB * 1024) / RESTORE_MB_PER_SECOND / 60),
    logicalBackupEveryHours: i.logicalJob ? DAILY_HOURS : 0,
    drCopy,
    drRegionOrStore: drCopy ? (i.drRegion as string) : "",
  };
}
