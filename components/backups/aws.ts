/**
 * Backups on AWS: an AWS Backup vault encrypted with its own customer-managed key, a daily plan with retention,
 * continuous backup (point-in-time restore) for RDS when the retention allows it, and a selection of the database
 * instances under a role that holds only AWS's managed backup/restore policies.
 *
 * What the vault key covers: recovery points of fully AWS Backup-managed resource types. RDS snapshots taken by
 * the plan stay encrypted with the database's own key (components/database/aws.ts), which is protected too.
 *
 * Not yet: the cross-region copy for disaster recovery (a `copyActions` entry to a vault in a second region,
 * prod's `disasterRecovery` profile switch) is a later issue; vault lock likewise.
 *
 * Logical names are identity: renaming the vault's would replace it (and it refuses deletion while it holds
 * recovery points) — a rename needs `aliases`.
 */
import { Plan } from "@pulumi/aws/backup/plan";
import { Selection } from "@pulumi/aws/backup/selection";
import { Vault } from "@pulumi/aws/backup/vault";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import * as pulumi from "@pulumi/pulumi";
import { awsAccount, kmsKey } from "../lib/aws";
import { childOptions, tagsFor } from "../lib/component";
import { fit as fitName, prefix as namePrefix } from "../naming";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";

/** Minutes AWS Backup may wait to start a job, and to finish it, before it counts as failed. */
export const START_WINDOW_MINUTES = 60;
export const COMPLETION_WINDOW_MINUTES = 180;
/** AWS Backup keeps continuous (point-in-time) backups for at most 35 days. */
export const MAX_CONTINUOUS_BACKUP_DAYS = 35;

/** AWS managed policies the backup role needs: take backups, and restore them (the drill needs both). */
export const BACKUP_MANAGED_POLICIES = [
  "service-role/AWSBackupServiceRolePolicyForBackup",
  "service-role/AWSBackupServiceRolePolicyForRestores",
] as const;

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  if (!args.enabled) {
    // Only the database's own automated backups (retention and PITR set by Database) exist.
    return { vaultName: pulumi.output(""), retentionDays: pulumi.output(0) };
  }
  const prefix = namePrefix(args.context.project, args.context.environment);
  const tags = tagsFor(args, "backups");
  const opts = childOptions(parent, args);
  const account = awsAccount(parent);

  const key = kmsKey(parent, `${name}-backup-key`, {
    description: `${prefix} AWS Backup vault`,
    alias: `${prefix}-backup`,
    account,
    tags,
    protect: args.protect ?? false,
  });

  const vault = new Vault(
    `${name}-backup-vault`,
    {
      name: fitName(`${prefix}-vault`, 50),
      kmsKeyArn: key.arn,
      // Never delete recovery points with the vault: a vault that holds any refuses deletion.
      forceDestroy: false,
      tags,
    },
    childOptions(parent, args, true),
  );

  // With continuous backup AWS Backup takes over the instance's automated-backup retention and sets it to this
  // rule's; index.ts passes the same number to Database, so the two never fight over it.
  const continuous = args.retentionDays <= MAX_CONTINUOUS_BACKUP_DAYS;
  const plan = new Plan(
    `${name}-backup-plan`,
    {
      name: fitName(`${prefix}-daily`, 50),
      rules: [
        {
          ruleName: "daily",
          targetVaultName: vault.name,
          schedule: args.schedule,
          startWindow: START_WINDOW_MINUTES,
          completionWindow: COMPLETION_WINDOW_MINUTES,
          enableContinuousBackup: continuous,
          lifecycle: { deleteAfter: args.retentionDays },
          recoveryPointTags: tags,
          // Cross-region copy (copyActions) for DR: a later issue.
        },
      ],
      tags,
    },
    opts,
  );

  const role = new Role(
    `${name}-backup`,
    {
      name: fitName(`${prefix}-backup`, 64),
      description: "AWS Backup: back up and restore the selected resources",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    },
    opts,
  );
  const attachments = BACKUP_MANAGED_POLICIES.map(
    (policy) =>
      new RolePolicyAttachment(
        `${name}-backup-${policy.split("For").pop()?.toLowerCase()}`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${account.partition}:iam::aws:policy/${policy}` },
        opts,
      ),
  );

  new Selection(
    `${name}-backup-selection`,
    {
      name: fitName(`${prefix}-database`, 50),
      planId: plan.id,
      iamRoleArn: role.arn,
      resources: args.targets,
    },
    // The role must hold its policies before AWS Backup validates the selection.
    { ...opts, dependsOn: attachments },
  );

  return { vaultName: vault.name, retentionDays: pulumi.output(args.retentionDays) };
}
