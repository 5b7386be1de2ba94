/**
 * Backups on Azure: what the flexible server's own automated backups (PITR, 7–35 days, geo-redundant with disaster
 * recovery — set by Database) do not give.
 *
 * - Azure Backup (azure-vault.ts): a Backup vault with a daily policy for the primary flexible server, retention
 *   `retentionDays`, soft delete and immutability (locked and always-on soft delete when protected), GeoRedundant
 *   with cross-region restore with disaster recovery; the vault identity's two roles; in prod a CanNotDelete lock on
 *   the stack's resource group.
 * - Logical backups (azure-storage.ts, azure-job.ts, azure-job-script.ts): the shared backup CLI run daily as a
 *   scheduled Container Apps job in the app's environment, uploading with its managed identity's token to a
 *   container under a time-based retention policy, in an RA-GZRS account with disaster recovery (the DR copy).
 * - `recovery` (azure-recovery.ts).
 *
 * Dev (`enabled` false): nothing here; only the server's own 7-day PITR.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AzureDatabaseBackupTargets } from "../database/azure";
import { azureScope } from "../lib/azure";
import { handleFor } from "../lib/component";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";
import { backupJob } from "./azure-job";
import { azureRecoveryObjectives } from "./azure-recovery";
import { backupStore } from "./azure-storage";
import { backupVault } from "./azure-vault";
import type { Recovery } from "./recovery";

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  const targets = handleFor("targets", args.targets, "azure") as AzureDatabaseBackupTargets;
  const s = azureScope(parent, name, args, "backups");
  const dr = args.enabled && args.disasterRecovery;
  const logicalJob = args.enabled && args.job !== undefined;
  const recovery = pulumi.output<Recovery>(
    azureRecoveryObjectives({
      retentionDays: args.retentionDays,
      storageGiB: args.databaseSizeGiB,
      logicalJob,
      ...(dr ? { drLocation: s.platform.target.drLocation } : {}),
    }),
  );
  if (!args.enabled) {
    // Only the flexible server's own automated backups (PITR window set by Database) exist.
    return { store: pulumi.output(""), drStore: pulumi.output(""), retentionDays: pulumi.output(0), recovery };
  }
  const vault = backupVault(s, targets, {
    retentionDays: args.retentionDays,
    dailyHourUtc: args.dailyHourUtc,
    disasterRecovery: dr,
    protect: args.protect,
  });
  const store = backupStore(s, args.retentionDays, dr);
  if (args.job) {
    backupJob(s, args, args.job, store, targets.host);
  } else {
    pulumi.log.warn(
      "backups are on in this profile but no logical backup image is set: there is no daily pg_dump to the " +
        "logical-backup container (set the backup image, docs/runbooks/backup-restore.md#the-scheduled-job)",
      parent,
    );
  }
  return {
    store: vault.vault.name,
    drStore: store.drUrl,
    retentionDays: pulumi.output(args.retentionDays),
    recovery,
  };
}
