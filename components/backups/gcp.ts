/**
 * Backups on GCP: what Cloud SQL's own automated backups and point-in-time recovery (retention and PITR set by
 * Database) do not give — scheduled, client-side encrypted logical backups in a separate, retention-locked,
 * customer-key-encrypted bucket, and with `disasterRecovery` a second such bucket in `drRegion` the job also writes.
 *
 * - Buckets (gcp-bucket.ts): uniform access, public access prevention enforced, CMEK via the Storage service agent,
 *   retention policy = `retentionDays` (locked in prod), never force-destroyed, protected.
 * - The job (gcp-job.ts, gcp-job-script.ts): a Cloud Run job of the backup image, daily through Cloud Scheduler at
 *   `logicalHourUtc(dailyHourUtc)`, Direct VPC egress with the backup tier's network tag, its own least-privileged
 *   service account; its executions and the size line it logs are Observability's backup signals.
 * - `recovery` (gcp-recovery.ts): PITR window, RPO, RTO estimate and the DR copy, from the same args.
 *
 * Why no Backup and DR vault: a Cloud SQL instance uses either "standard" backups (Cloud SQL's own, which Database
 * configures: retention, PITR, location) or "enhanced" backups (Backup and DR: vault, plan, association), never
 * both — associating a backup plan switches the instance over. Google documents enhanced backups without CMEK
 * support and without cross-region backup or restore, while every stack with backups here encrypts Cloud SQL with
 * CMEK and prod needs an off-region copy. A vault would therefore either be refused or silently replace the PITR
 * configuration Database owns; the spec's second form (scheduled exports to a bucket with a retention policy) is
 * built instead. Revisit when enhanced backups support CMEK instances.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GcpDatabaseBackupTargets } from "../database/gcp";
import { handleFor } from "../lib/component";
import { gcpScope } from "../lib/gcp";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";
import { backupBucket } from "./gcp-bucket";
import { backupJob, type GcpBackupBuckets } from "./gcp-job";
import { gcpRecoveryObjectives } from "./gcp-recovery";
import type { Recovery } from "./recovery";

/**
 * Fields Backups reads from the Database's targets when present (Database on GCP may add them): the primary's own
 * DNS name (never the pooler: pg_dump needs a session) and its server CA certificate (PEM) for verify-full.
 */
export interface GcpBackupTargetExtras {
  primaryHost?: pulumi.Output<string>;
  serverCa?: pulumi.Output<string>;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  const targets = handleFor("targets", args.targets, "gcp") as GcpDatabaseBackupTargets & GcpBackupTargetExtras;
  const s = gcpScope(parent, name, args, "backups");
  const drRegion = args.enabled && args.disasterRecovery ? s.platform.target.drRegion : undefined;
  const logicalJob = args.enabled && args.job !== undefined;
  const recovery = pulumi.output<Recovery>(
    gcpRecoveryObjectives({
      retentionDays: args.retentionDays,
      storageGiB: args.databaseSizeGiB,
      logicalJob,
      ...(drRegion ? { drRegion } : {}),
    }),
  );
  if (!args.enabled) {
    // Only Cloud SQL's own automated backups (retention and PITR set by Database) exist.
    return { store: pulumi.output(""), drStore: pulumi.output(""), retentionDays: pulumi.output(0), recovery };
  }
  const primary = backupBucket(s, "logical", args.retentionDays, args.protect);
  const staging = backupBucket(s, "staging", args.retentionDays, false, primary.key);
  const dr = drRegion ? backupBucket(s, "logical-dr", args.retentionDays, args.protect) : undefined;
  const buckets: GcpBackupBuckets = { primary, staging, ...(dr ? { dr } : {}) };
  if (args.job) {
    if (targets.serverCa === undefined) {
      pulumi.log.warn(
        "the database's backup targets carry no server CA: the backup job's verify-full connection needs it " +
          `(LOOM_PG_SERVER_CA); until Database provides it the job fails at its first step`,
        parent,
      );
    }
    backupJob(s, args, args.job, buckets, {
      host: targets.primaryHost ?? args.job.database.endpoint,
      ...(targets.serverCa !== undefined ? { serverCa: targets.serverCa } : {}),
    });
  } else {
    pulumi.log.warn(
      "backups are on in this profile but no logical backup image is set: there is no daily pg_dump to the " +
        "logical-backup bucket (set the backup image, docs/runbooks/backup-restore.md#the-scheduled-job)",
      parent,
    );
  }
  return {
    store: primary.bucket.url,
    drStore: dr ? dr.bucket.url : pulumi.output(""),
    retentionDays: pulumi.output(args.retentionDays),
    recovery,
  };
}
