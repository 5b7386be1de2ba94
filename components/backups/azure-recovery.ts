/**
 * Recovery objectives on Azure, derived from configuration like recovery.ts and gcp-recovery.ts (the `Recovery`
 * shape and constants are shared). Pure: no SDK import.
 *
 * - PITR window: the flexible server keeps max(7, backupRetentionDays) days (7 is Azure's minimum, which Database
 *   applies), whether or not Backups is enabled.
 * - RPO (same region): the server backs its transaction log up at least every AZURE_LOG_BACKUP_MINUTES minutes.
 * - DR RPO: with disaster recovery the server's backups are geo-redundant (Database) and the Backup vault
 *   GeoRedundant with cross-region restore; Azure states a geo-restore RPO under AZURE_GEO_RPO_MINUTES. The
 *   logical backups (RA-GZRS) are up to a day old on top of that.
 * - RTO estimate: a new flexible server (~30 min, like RDS) plus the data at the drill's restore throughput.
 */
import { DAILY_HOURS, RESTORE_MB_PER_SECOND, type Recovery } from "./recovery";

/** Azure PostgreSQL's minimum backup retention (days). */
export const AZURE_MIN_PITR_DAYS = 7;
/** Minutes of transaction log a flexible-server PITR can be behind (planning figure). */
export const AZURE_LOG_BACKUP_MINUTES = 5;
/** Azure's stated upper bound for a geo-restore's data loss (minutes). */
export const AZURE_GEO_RPO_MINUTES = 60;
/** Minutes before data flows into a new flexible server. */
export const AZURE_PROVISION_MINUTES = 30;

export interface AzureRecoveryInputs {
  retentionDays: number;
  storageGiB: number;
  logicalJob: boolean;
  /** The paired region geo-redundant copies go to; undefined = no off-region copy. */
  drLocation?: string;
}

export function azureRecoveryObjectives(i: AzureRecoveryInputs): Recovery {
  if (!Number.isFinite(i.storageGiB) || i.storageGiB <= 0) {
    throw new Error(`storageGiB must be a positive number, got ${i.storageGiB}`);
  }
  const drCopy = i.drLocation !== undefined && i.drLocation !== "";
  return {
    pitrWindowDays: Math.min(35, Math.max(AZURE_MIN_PITR_DAYS, i.retentionDays)),
    rpoMinutes: AZURE_LOG_BACKUP_MINUTES,
    drRpoMinutes: drCopy ? AZURE_GEO_RPO_MINUTES : null,
    rtoMinutesEstimate: AZURE_PROVISION_MINUTES + Math.ceil((i.storageGiB * 1024) / RESTORE_MB_PER_SECOND / 60),
    logicalBackupEveryHours: i.logicalJob ? DAILY_HOURS : 0,
    drCopy,
    drRegionOrStore: drCopy ? (i.drLocation as string) : "",
  };
}
