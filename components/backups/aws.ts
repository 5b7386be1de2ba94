/**
 * Backups on AWS: an AWS Backup vault encrypted with its own customer-managed key, a daily plan with retention,
 * continuous backup (point-in-time restore) for RDS when the retention allows it, and a selection of the database
 * instances under a role that holds only AWS's managed backup/restore policies.
 *
 * Disaster recovery (`disasterRecovery`): a second vault with its own key in `loom:aws.drRegion` (created through
 * the Platform's DR-region provider) and a copy action on the daily rule, so every recovery point is also kept,
 * for the same retention, in another region.
 *
 * What the vault key covers: recovery points of fully AWS Backup-managed resource types. RDS snapshots taken by
 * the plan stay encrypted with the database's own key (components/database/aws.ts), which is protected too; their
 * cross-region copies are encrypted with the DR vault's key.
 *
 * Vault lock (both vaults): recovery points cannot be deleted or their retention shortened below `retentionDays`.
 * In protected (prod) stacks it is COMPLIANCE mode (`changeableForDays` set): after a 3-day grace period the lock
 * becomes IRREVERSIBLE — no one, not the account root, not AWS Support, can remove it, shorten the retention or
 * delete the vault before every recovery point in it has aged out. Elsewhere it is GOVERNANCE mode (no
 * `changeableForDays`): principals allowed `backup:DeleteBackupVaultLockConfiguration` can remove it, so a test stack
 * can still be torn down. Within the grace period a mistaken compliance lock can still be deleted.
 *
 * Logical backups (aws-bucket.ts, aws-job.ts): a locked, KMS-encrypted bucket, with disaster recovery replicated to
 * `drRegion`; with `job` a daily Fargate task writes to it. With `alertTopicArn`, failed jobs go to SNS
 * (aws-alerts.ts). `recovery` (recovery.ts) derives RPO/RTO from the same args.
 *
 * Logical names are identity: renaming a vault's would replace it (and it refuses deletion while it holds
 * recovery points) — a rename needs `aliases`.
 */
import { Plan } from "@pulumi/aws/backup/plan";
import { Selection } from "@pulumi/aws/backup/selection";
import { Vault } from "@pulumi/aws/backup/vault";
import { VaultLockConfiguration } from "@pulumi/aws/backup/vaultLockConfiguration";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import type { Provider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, awsScope, kmsKey } from "../lib/aws";
import { handleFor, invalid } from "../lib/component";
import { fit as fitName } from "../naming";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";
import { backupAlerts } from "./aws-alerts";
import { type BackupBucket, backupBucket, replication } from "./aws-bucket";
import { backupJob } from "./aws-job";
import { backupVaultName, drBackupVaultName } from "./aws-names";
import { type Recovery, recoveryObjectives } from "./recovery";

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

/** Days a COMPLIANCE vault lock stays removable after it is applied (AWS's minimum: a 72-hour cooling-off). */
export const COMPLIANCE_GRACE_DAYS = 3;
/**
 * The longest retention a locked vault accepts: a cap, so a mistaken lifecycle of years cannot lock data (and its
 * cost) away for that long in compliance mode. Raised to `retentionDays` when that is longer.
 */
export const MAX_LOCKED_RETENTION_DAYS = 365;

/** The vault lock's arguments: governance (removable) unless `compliance`. */
export function vaultLockArgs(retentionDays: number, compliance: boolean) {
  return {
    minRetentionDays: retentionDays,
    maxRetentionDays: Math.max(MAX_LOCKED_RETENTION_DAYS, retentionDays),
    ...(compliance ? { changeableForDays: COMPLIANCE_GRACE_DAYS } : {}),
  };
}

/** The AWS Backup schedule expression of a daily run at `hourUtc` (0–23). */
export function dailySchedule(hourUtc: number): string {
  return `cron(0 ${hourUtc} * * ? *)`;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  const targets = handleFor("targets", args.targets, "aws");
  const s = awsScope(parent, name, args, "backups");
  const drRegion = args.enabled && args.disasterRecovery ? s.platform.target.drRegion : undefined;
  const recovery = pulumi.output<Recovery>(
    recoveryObjectives({
      cloud: "aws",
      retentionDays: args.retentionDays,
      storageGiB: args.databaseSizeGiB,
      walArchive: true,
      logicalJob: args.enabled && args.job !== undefined,
      drTarget: drRegion,
    }),
  );
  if (!args.enabled) {
    // Only the database's own automated backups (retention and PITR set by Database) exist.
    return { store: pulumi.output(""), drStore: pulumi.output(""), retentionDays: pulumi.output(0), recovery };
  }
  const drProvider = s.platform.drProvider;
  if (args.disasterRecovery && !drProvider) {
    invalid("platform", "has no disaster-recovery provider: construct the Platform with disasterRecovery: true");
  }
  const vault = backupVault(
    s,
    `${name}-backup`,
    { alias: `${s.prefix}-backup`, vaultName: backupVaultName(s.prefix) },
    args.retentionDays,
  );
  const drVault =
    args.disasterRecovery && drProvider
      ? backupVault(
          s,
          `${name}-backup-dr`,
          { alias: `${s.prefix}-backup-dr`, vaultName: drBackupVaultName(s.prefix) },
          args.retentionDays,
          { provider: drProvider, region: s.platform.target.drRegion },
        )
      : undefined;
  const plan = dailyPlan(s, args, vault, drVault);
  selection(s, plan, targets.resourceArns);
  const buckets = logicalBuckets(s, args);
  const job = args.job ? backupJob(s, args, args.job, buckets.primary) : undefined;
  if (!args.job) {
    pulumi.log.warn(
      "backups are on in this profile but no logical backup image is set: there is no daily pg_dump to the " +
        "logical-backup bucket (set the backup image, docs/runbooks/backup-restore.md#the-scheduled-job)",
      parent,
    );
  }
  if (args.alertTopicArn !== undefined) backupAlerts(s, args.alertTopicArn, job?.cluster.arn);
  return {
    store: vault.name,
    drStore: drVault ? drVault.name : pulumi.output(""),
    retentionDays: pulumi.output(args.retentionDays),
    recovery,
  };
}

/** The logical-backup bucket and, with disaster recovery, its replica in the DR region. */
function logicalBuckets(s: AwsScope, args: ResolvedBackupsArgs): { primary: BackupBucket; replica?: BackupBucket } {
  const retentionDays = args.retentionDays;
  const primary = backupBucket(s, { stem: `${s.name}-logical-backups`, region: s.region, retentionDays });
  const drProvider = s.platform.drProvider;
  if (!args.disasterRecovery || !drProvider) return { primary };
  const replica = backupBucket(s, {
    stem: `${s.name}-logical-backups-dr`,
    region: s.platform.target.drRegion,
    retentionDays,
    provider: drProvider,
  });
  replication(s, primary, replica);
  return { primary, replica };
}

/** A vault encrypted with its own key; both stateful. `dr` puts them in the disaster-recovery region. */
function backupVault(
  s: AwsScope,
  logical: string,
  names: { alias: string; vaultName: string },
  retentionDays: number,
  dr?: { provider: Provider; region: string },
): Vault {
  const provider = dr ? { provider: dr.provider } : {};
  const key = kmsKey(s.parent, `${logical}-key`, {
    description: dr ? `${s.prefix} AWS Backup disaster-recovery vault (${dr.region})` : `${s.prefix} AWS Backup vault`,
    alias: names.alias,
    account: s.account,
    tags: s.tags(),
    protect: s.protect,
    ...provider,
  });
  const vault = new Vault(
    `${logical}-vault`,
    {
      name: names.vaultName,
      kmsKeyArn: key.arn,
      // Never delete recovery points with the vault: a vault that holds any refuses deletion.
      forceDestroy: false,
      tags: s.tags(),
    },
    s.opts(true, provider),
  );
  // COMPLIANCE in protected stacks: irreversible 3 days after the first apply (see the header).
  new VaultLockConfiguration(
    `${logical}-vault-lock`,
    { backupVaultName: vault.name, ...vaultLockArgs(retentionDays, s.protect) },
    s.opts(true, provider),
  );
  return vault;
}

function dailyPlan(s: AwsScope, args: ResolvedBackupsArgs, vault: Vault, drVault?: Vault): Plan {
  // With continuous backup AWS Backup takes over the instance's automated-backup retention and sets it to this
  // rule's; index.ts passes the same number to Database, so the two never fight over it.
  const continuous = args.retentionDays <= MAX_CONTINUOUS_BACKUP_DAYS;
  const tags = s.tags();
  return new Plan(
    `${s.name}-backup-plan`,
    {
      name: fitName(`${s.prefix}-daily`, 50),
      rules: [
        {
          ruleName: "daily",
          targetVaultName: vault.name,
          schedule: dailySchedule(args.dailyHourUtc),
          startWindow: START_WINDOW_MINUTES,
          completionWindow: COMPLETION_WINDOW_MINUTES,
          enableContinuousBackup: continuous,
          lifecycle: { deleteAfter: args.retentionDays },
          recoveryPointTags: tags,
          ...(drVault
            ? { copyActions: [{ destinationVaultArn: drVault.arn, lifecycle: { deleteAfter: args.retentionDays } }] }
            : {}),
        },
      ],
      tags,
    },
    s.opts(),
  );
}

/** The database instances, under a role with only AWS's managed backup and restore policies. */
function selection(s: AwsScope, plan: Plan, resources: pulumi.Output<string[]>): void {
  const { name, prefix } = s;
  const role = new Role(
    `${name}-backup`,
    {
      name: fitName(`${prefix}-backup`, 64),
      description: "AWS Backup: back up and restore the selected resources",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags: s.tags(),
    },
    s.opts(),
  );
  const attachments = BACKUP_MANAGED_POLICIES.map(
    (policy) =>
      new RolePolicyAttachment(
        `${name}-backup-${policy.split("For").pop()?.toLowerCase()}`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${s.account.partition}:iam::aws:policy/${policy}` },
        s.opts(),
      ),
  );
  new Selection(
    `${name}-backup-selection`,
    { name: fitName(`${prefix}-database`, 50), planId: plan.id, iamRoleArn: role.arn, resources },
    // The role must hold its policies before AWS Backup validates the selection.
    s.opts(false, { dependsOn: attachments }),
  );
}
