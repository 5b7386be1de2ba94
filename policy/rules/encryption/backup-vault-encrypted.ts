/**
 * Backup vaults encrypt recovery points with a customer-managed key.
 */
import type { VaultArgs } from "@pulumi/aws/backup/vault";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

export const backupVaultEncrypted = rule({
  name: "backup-vault-encrypted",
  concern: "encryption",
  description:
    "AWS Backup vaults encrypt recovery points with a customer-managed KMS key (not the shared aws/backup key).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `kmsKeyArn` on the backup vault to a rotated customer-managed key whose policy lets backup.amazonaws.com use it; cross-region copy vaults need a key in their own region.",
  checks: [
    on<VaultArgs>("aws:backup/vault:Vault", (v, ctx) => {
      if (!v.kmsKeyArn) {
        ctx.report(
          "backup vault has no kmsKeyArn, so recovery points use the AWS managed aws/backup key; set kmsKeyArn to a customer-managed key",
        );
      }
    }),
  ],
});
