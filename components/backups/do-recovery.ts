/**
 * Recovery objectives on DigitalOcean, derived from configuration like recovery.ts and gcp-recovery.ts (same
 * `Recovery` shape, plus the restore steps, since a DigitalOcean restore differs from the other clouds'). Pure.
 *
 * - PITR: DigitalOcean's managed PostgreSQL keeps daily backups and point-in-time recovery for a fixed 7 days, at a
 *   time nobody can change, whatever the profile asks (DO_PITR_DAYS). dev relies on that alone.
 * - RPO (same region): PITR replays the write-ahead log DigitalOcean archives continuously; DigitalOcean publishes
 *   no archive interval, so the planning figure is the other clouds' 5 minutes.
 * - Logical backups (s+p): the daily encrypted pg_dump to the versioned backup bucket, kept `retentionDays` —
 *   beyond the 7-day PITR (prod's 14 days) and restorable into any new cluster.
 * - DR RPO (prod): the same dump uploaded to the bucket in `drRegion`, so up to 24 h old.
 * - RTO estimate: a new cluster (a DigitalOcean restore always creates one: ~30 min, the planning figure of the
 *   other clouds) plus the data at the drill's restore throughput (recovery.ts).
 */
import { DAILY_HOURS, RESTORE_MB_PER_SECOND, type Recovery } from "./recovery";

/** DigitalOcean's fixed PITR window (days) for managed PostgreSQL. */
export const DO_PITR_DAYS = 7;
/** Planning figure for the WAL a PITR restore can be behind (DigitalOcean publishes none). */
export const DO_WAL_MINUTES = 5;
/** Minutes before data flows into a new cluster. */
export const DO_PROVISION_MINUTES = 30;

export interface DoRecovery extends Recovery {
  /** Days each logical backup is kept in the backup bucket (0 = none). */
  logicalRetentionDays: number;
  /** The runbook's order of work for a DigitalOcean restore. */
  restoreSteps: string[];
}

export interface DoRecoveryInputs {
  /** The profile's backupRetentionDays (the logical backups' retention). */
  retentionDays: number;
  storageGiB: number;
  logicalJob: boolean;
  /** The DR bucket's region; undefined = no off-region copy. */
  drRegion?: string;
}

export function doRecoveryObjectives(i: DoRecoveryInputs): DoRecovery {
  if (!Number.isFinite(i.storageGiB) || i.storageGiB <= 0) {
    throw new Error(`storageGiB must be a positive number, got ${i.storageGiB}`);
  }
  const drCopy = i.logicalJob && i.drRegion !== undefined && i.drRegion !== "";
  return {
    pitrWindowDays: DO_PITR_DAYS,
    rpoMinutes: DO_WAL_MINUTES,
    drRpoMinutes: drCopy ? DAILY_HOURS * 60 : null,
    rtoMinutesEstimate: DO_PROVISION_MINUTES + Math.ceil((i.storageGiB * 1024) / RESTORE_MB_PER_SECOND / 60),
    logicalBackupEveryHours: i.logicalJob ? DAILY_HOURS : 0,
    drCopy,
    drRegionOrStore: drCopy ? (i.drRegion as string) : "",
    logicalRetentionDays: i.logicalJob ? i.retentionDays : 0,
    restoreSteps: restoreSteps(i.logicalJob, drCopy),
  };
}

function restoreSteps(logical: boolean, drCopy: boolean): string[] {
  return [
    `Within ${DO_PITR_DAYS} days: restore the cluster from a DigitalOcean backup or a point in time (doctl databases ` +
      "create --restore-from-cluster-name … [--restore-from-timestamp …]); DigitalOcean always creates a NEW cluster " +
      "(new id, hosts and CA) and never restores in place.",
    ...(logical
      ? [
          "Older than that, or into any cluster: `npm run backup -- restore --store <downloaded set> --dbname <empty db>` " +
            "from the backup bucket (the backup-key secret decrypts it).",
        ]
      : []),
    ...(drCopy
      ? [
          "Region lost: create the cluster in the DR region and restore the DR bucket's latest set, with the " +
            "backup key's offline copy (the secrets bucket holding backup-key lives in the primary region).",
        ]
      : []),
    "Point the stack at the new cluster (import it or re-run `pulumi up` after adopting it) so its firewall " +
      "(trusted sources), users, database, connection pool and the app's CA follow; then run the migrate playbook " +
      "(ansible/playbooks/migrate.yml) so the roles step grants the groups to the new cluster's users.",
    "Re-add what a restore does not bring: standby nodes (nodeCount) and read replicas, where the stack has them (prod).",
    "Push every login's new password (the database-*-password objects) to the droplets " +
      "(ansible/playbooks/secrets.yml) and redeploy.",
  ];
}
