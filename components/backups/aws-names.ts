/**
 * Names of the AWS Backup resources other components refer to before Backups exists (Observability is built first:
 * Backups sends its failure events to Observability's alert topic). Pure.
 */
import { fit as fitName } from "../naming";

/** The primary backup vault (AWS Backup's CloudWatch metrics carry it as `BackupVaultName`). */
export function backupVaultName(prefix: string): string {
  return fitName(`${prefix}-vault`, 50);
}

/** The disaster-recovery vault in `loom:aws.drRegion`. */
export function drBackupVaultName(prefix: string): string {
  return fitName(`${prefix}-vault-dr`, 50);
}
