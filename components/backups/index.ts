/**
 * Backups: what the cloud's automated database backups (retention and PITR, set by Database) do not give —
 * a separate, encrypted backup store with its own retention, and with `disasterRecovery` a copy in another
 * region / object store.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | CloudNativePG `ScheduledBackup` (daily, Barman Cloud plugin) to the object store the database archives WAL to; with disasterRecovery a second object store (see kubernetes.ts); with `job` a daily logical-backup CronJob (k8s-job.ts) into both stores |
 * | gcp | logical-backup bucket (retention policy = retentionDays, locked when protected; CMEK; uniform access; public access prevention) and a staging bucket; with disasterRecovery a second such bucket in `loom:gcp.drRegion`; with `job` a daily Cloud Run job (Cloud Scheduler) writing to both through Cloud Storage volumes; no Backup and DR vault (see gcp.ts) |
 * | azure | Backup vault (daily policy for the flexible server, retention, soft delete, immutability — locked when protected; GeoRedundant + cross-region restore with disasterRecovery) with the vault identity's roles; a CanNotDelete lock on the resource group when protected; with `job` a scheduled Container Apps job in the app's environment uploading with its managed identity to a time-based-retention container (RA-GZRS with disasterRecovery) (see azure.ts) |
 * | aws | KMS key, AWS Backup vault (vault lock: compliance when protected), daily plan with retention, selection of the database instances, IAM role; a logical-backup bucket (KMS, versioned, Object Lock); with disasterRecovery a vault + KMS key and a replica bucket in `loom:aws.drRegion`; with `job` a daily ECS task (EventBridge Scheduler); with `alertTopicArn` failed-job events to SNS |
 *
 * Every cloud also returns `recovery` (recovery.ts): RPO, RTO estimate and PITR window derived from these args.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppRuntime, HostGroups } from "../app-service";
import type { DatabaseBackupTargets, DatabaseOutputs } from "../database";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import { imageRefProblem } from "../lib/image-ref";
import type { NetworkOutputs } from "../network";
import { resolveConfig, resolveTables } from "./config-export";
import type { Recovery } from "./recovery";

/** The scheduled logical backup (scripts/backup: pg_dump -Fc → encrypt → manifest → bucket). */
export interface BackupJobArgs {
  /** The backup image built from scripts/backup/Dockerfile, pinned by tag or digest (lib/image-ref.ts). */
  image: string;
  /** The database to dump: the same cloud's Database outputs (host, port, name, credential references). */
  database: Pick<DatabaseOutputs, "endpoint" | "port" | "databaseName" | "credentials"> &
    /**
     * The backup login (access.logins.backup: a member of loom_readonly); without it, `credentials`. How each cloud's
     * job logs in with it, and which logins it takes: job-login.ts.
     */
    Partial<Pick<DatabaseOutputs, "access">>;
  /** AWS: the network the task runs in (the app's private subnets and the backup tier's security group). */
  network?: NetworkOutputs;
  /** Azure: the Container Apps environment the job joins; DigitalOcean: where the backup droplet ships its logs (AppService's `runtime`). */
  runtime?: AppRuntime;
  /** vCPU of the job (a Fargate size on AWS). @default 0.5 */
  cpu?: number;
  /** Memory in MiB (a Fargate size for `cpu` on AWS). @default 1024 */
  memoryMiB?: number;
  /** Numeric uid the image runs as (the Dockerfile's `loom` user). @default 10001 */
  runAsUser?: number;
  /** Days to keep the job's logs (AWS log group). @default 30 */
  logRetentionDays?: number;
  /** App tables also exported on their own in every backup (`loom:backup.tables`), restorable alone. @default [] */
  tables?: string[];
  /**
   * The stack's non-secret settings as a JSON object (backups/config-export.ts), written into every backup set as its
   * `config` part; reaches the job as the plain env var LOOM_BACKUP_CONFIG. Never a secret value. @default none
   */
  config?: string;
}

export type ResolvedBackupJobArgs = Required<Omit<BackupJobArgs, "network" | "config" | "runtime">> &
  Pick<BackupJobArgs, "network" | "config" | "runtime">;

export interface BackupsArgs extends BaseArgs {
  /** Build the vault and plan; when false only the database's own automated backups exist. @default false */
  enabled?: boolean;
  /** What to back up: the same cloud's `database.backupTargets`. */
  targets: DatabaseBackupTargets;
  /** Days to keep each backup in the vault, ≥ 1. @default 14 */
  retentionDays?: number;
  /** Hour of the day (UTC, 0–23) the daily backup starts; each cloud renders its own schedule syntax. @default 3 */
  dailyHourUtc?: number;
  /**
   * Keep a copy of every backup outside the primary region / object store (needs `enabled`).
   * @default false
   */
  disasterRecovery?: boolean;
  /** Allocated database storage (GiB): sizes the job's /tmp and the RTO estimate. @default 20 */
  databaseSizeGiB?: number;
  /** The daily logical backup job; undefined = none (a warning when `enabled`). */
  job?: BackupJobArgs;
  /**
   * AWS: an SNS topic (observability's critical topic) for failed/aborted/expired AWS Backup and copy jobs and
   * failed logical-backup tasks, via EventBridge. Its policy must let events.amazonaws.com publish (docs/dr-plan.md).
   */
  alertTopicArn?: pulumi.Input<string>;
}

export type ResolvedBackupsArgs = Required<Omit<BackupsArgs, keyof BaseArgs | "job" | "alertTopicArn">> &
  ResolvedBase & { job?: ResolvedBackupJobArgs; alertTopicArn?: pulumi.Input<string> };

export interface BackupsOutputs {
  /** Where the independent backups live (AWS: Backup vault name; Kubernetes: object store URL); "" when disabled. */
  store: pulumi.Output<string>;
  /** Where the disaster-recovery copies live; "" when disasterRecovery is off. */
  drStore: pulumi.Output<string>;
  /** Days a vault backup is kept; 0 when disabled. */
  retentionDays: pulumi.Output<number>;
  /** RPO, RTO estimate, PITR window and the DR copy, derived from configuration (recovery.ts). */
  recovery: pulumi.Output<Recovery>;
  /** DigitalOcean: the backup droplet's boot config by group (`backup`; no credential in it). Undefined elsewhere. */
  bootConfig?: pulumi.Output<Record<string, string>>;
  /** DigitalOcean: the backup droplet for the Ansible inventory (merge with AppService's `hosts`). */
  hosts?: pulumi.Output<HostGroups>;
}

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedBackupsArgs, BackupsOutputs>;

export class Backups extends LoomComponent<ResolvedBackupsArgs, BackupsOutputs> implements BackupsOutputs {
  declare readonly store: pulumi.Output<string>;
  declare readonly drStore: pulumi.Output<string>;
  declare readonly retentionDays: pulumi.Output<number>;
  declare readonly recovery: pulumi.Output<Recovery>;
  declare readonly bootConfig?: pulumi.Output<Record<string, string>>;
  declare readonly hosts?: pulumi.Output<HostGroups>;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Backups", name, Backups.resolve(args), opts);
  }

  static resolve(args: BackupsArgs): ResolvedBackupsArgs {
    const retentionDays = args.retentionDays ?? 14;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      invalid("retentionDays", `must be a whole number ≥ 1, got ${retentionDays}`);
    }
    const dailyHourUtc = args.dailyHourUtc ?? 3;
    if (!Number.isInteger(dailyHourUtc) || dailyHourUtc < 0 || dailyHourUtc > 23) {
      invalid("dailyHourUtc", `must be a whole hour 0 to 23, got ${dailyHourUtc}`);
    }
    const enabled = args.enabled ?? false;
    const disasterRecovery = args.disasterRecovery ?? false;
    if (disasterRecovery && !enabled) invalid("disasterRecovery", "needs enabled: true (there is nothing to copy)");
    if (args.targets?.cloud !== args.platform.cloud) {
      invalid("targets", `must be the backupTargets of a ${args.platform.cloud} Database`);
    }
    const databaseSizeGiB = args.databaseSizeGiB ?? 20;
    if (!(databaseSizeGiB > 0)) invalid("databaseSizeGiB", `must be a positive number of GiB, got ${databaseSizeGiB}`);
    return {
      ...resolveBase(args),
      enabled,
      targets: args.targets,
      retentionDays,
      dailyHourUtc,
      disasterRecovery,
      databaseSizeGiB,
      ...(args.job ? { job: Backups.resolveJob(args.job) } : {}),
      ...(args.alertTopicArn !== undefined ? { alertTopicArn: args.alertTopicArn } : {}),
    };
  }

  static resolveJob(job: BackupJobArgs): ResolvedBackupJobArgs {
    const imageProblem = imageRefProblem(job.image ?? "");
    if (imageProblem) invalid("job.image", imageProblem);
    if (!job.database) invalid("job.database", "is required (the Database to dump)");
    const runAsUser = job.runAsUser ?? 10001;
    if (!Number.isInteger(runAsUser) || runAsUser <= 0) invalid("job.runAsUser", `must be a uid > 0, got ${runAsUser}`);
    return {
      image: job.image,
      database: job.database,
      ...(job.network ? { network: job.network } : {}),
      ...(job.runtime ? { runtime: job.runtime } : {}),
      cpu: job.cpu ?? 0.5,
      memoryMiB: job.memoryMiB ?? 1024,
      runAsUser,
      logRetentionDays: job.logRetentionDays ?? 30,
      tables: resolveTables(job.tables ?? []),
      ...(job.config !== undefined ? { config: resolveConfig(job.config) } : {}),
    };
  }
}
