/**
 * The scheduled logical backup on GCP: a Cloud Run job of the backup image (scripts/backup/Dockerfile), started
 * daily by Cloud Scheduler, that dumps the database over Direct VPC egress (network tag `tiers.backup`, which the
 * network's firewall lets reach Cloud SQL on 5432 and Google APIs on 443), verifies the dump and copies it into the
 * logical-backup bucket and, with disaster recovery, the DR bucket (gcp-job-script.ts: how the bytes get there).
 *
 * - Its own service account, holding only: objectCreator + objectViewer on the backup buckets (create, never
 *   delete or overwrite — the retention policy forbids that anyway), objectUser on the staging bucket (the CLI
 *   renames there), secretAccessor on each secret it reads (the backup key; the database credentials only without
 *   a backup login), per secret, never project-wide. Cloud Run ships its stdout to Cloud Logging without any role.
 * - Its database login (`job.database.access.logins.backup`, a member of loom_readonly): the account itself, a
 *   Cloud SQL IAM user created here right after it (Cloud SQL refuses one for an account that does not exist yet),
 *   with `roles/cloudsql.instanceUser` on the project; PGUSER is that user and DATABASE_AUTH=gcp-cloudsql-iam, so the
 *   backup CLI logs in with the account's token. No database password reaches the job.
 * - The scheduler calls the Cloud Run Admin API `jobs.run` as a second service account that holds only
 *   `roles/run.invoker` on this one job.
 * - The backup key: a Secret Manager secret created here EMPTY (no version): its value (`npm run backup -- keygen`)
 *   is added out of band (docs/runbooks/backup-restore.md), so it never appears in the program, plan or state.
 *   Replicated to `drRegion` too with disaster recovery (without it the DR copies are unreadable), each replica
 *   under the customer-managed key of the bucket in its region. Protected (Pulumi and provider) in prod.
 * - One task, no parallelism, a 4 h timeout, two retries; the schedule retries the API call only.
 * - verify-full against the Cloud SQL server CA (a public certificate, as `LOOM_PG_SERVER_CA`).
 */

import { Job } from "@pulumi/gcp/cloudrunv2/job";
import { JobIamMember } from "@pulumi/gcp/cloudrunv2/jobIamMember";
import { Job as SchedulerJob } from "@pulumi/gcp/cloudscheduler/job";
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms/cryptoKeyIAMMember";
import { ServiceIdentity } from "@pulumi/gcp/projects/serviceIdentity";
import { Secret } from "@pulumi/gcp/secretmanager/secret";
import { SecretIamMember } from "@pulumi/gcp/secretmanager/secretIamMember";
import { Account } from "@pulumi/gcp/serviceaccount/account";
import { BucketIAMMember } from "@pulumi/gcp/storage/bucketIAMMember";
import * as pulumi from "@pulumi/pulumi";
import { cloudSqlIamLogin } from "../database/gcp-iam-login";
import { backupAccountId, cloudSqlOf } from "../database/gcp-logins";
import { handleFor, invalid, orInvalid } from "../lib/component";
import { CLOUD_SQL_DIRECT_PORT, type GcpScope } from "../lib/gcp";
import type { SecretRef } from "../lib/secrets";
import { fit as fitName } from "../naming";
import type { ResolvedBackupJobArgs, ResolvedBackupsArgs } from ".";
import { CONFIG_ENV } from "./config-export";
import type { GcpBackupBucket } from "./gcp-bucket";
import {
  BACKUP_MOUNT,
  backupJobName,
  DR_BACKUP_MOUNT,
  dailyCron,
  gcpJobScript,
  jobSize,
  SERVER_CA_ENV,
  STAGING_MOUNT,
} from "./gcp-job-script";
import { backupJobLogin } from "./job-login";
import { logicalHourUtc } from "./job-script";

export const CONTAINER = "logical-backup";
export const JOB_TIMEOUT = `${4 * 3600}s`;
export const JOB_MAX_RETRIES = 2;
export const KEY_ENV = "LOOM_BACKUP_KEY";
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** What the job may also read: `targets` may carry the primary's host and server CA (see the report/docs). */
export interface GcpJobDatabase {
  host: pulumi.Input<string>;
  serverCa?: pulumi.Input<string>;
}

export interface GcpBackupBuckets {
  primary: GcpBackupBucket;
  staging: GcpBackupBucket;
  dr?: GcpBackupBucket;
}

export interface GcpBackupJob {
  job: Job;
  schedule: SchedulerJob;
  keySecret: Secret;
  account: Account;
}

export function backupJob(
  s: GcpScope,
  args: ResolvedBackupsArgs,
  job: ResolvedBackupJobArgs,
  buckets: GcpBackupBuckets,
  db: GcpJobDatabase,
): GcpBackupJob {
  const network = job.network;
  if (!network) return invalid("job.network", "is required on GCP (the VPC and subnet of Direct VPC egress)");
  const placement = handleFor("job.network.placement", network.placement, "gcp");
  const size = orInvalid("job.cpu", () => jobSize(job.cpu, job.memoryMiB));
  const account = new Account(
    `${s.name}-logical-backup`,
    {
      accountId: backupAccountId(s.prefix),
      displayName: `${s.prefix} logical backup job`,
      project: s.project,
    },
    s.opts(),
  );
  const keySecret = emptyKeySecret(s, buckets, args.protect);
  const login = databaseLogin(s, job, account);
  const secrets: Record<string, SecretRef> = { ...login.secrets, [KEY_ENV]: { id: keySecret.id } };
  const grants = [...login.grants, ...secretGrants(s, account, secrets), ...bucketGrants(s, account, buckets)];
  const runJob = cloudRunJob(s, args, job, {
    account,
    buckets,
    secrets,
    login: login.env,
    grants,
    db,
    size,
    placement,
    network,
  });
  const schedule = scheduler(s, args, runJob);
  return { job: runJob, schedule, keySecret, account };
}

/**
 * The job's database login (the rule every cloud's job follows, job-login.ts) and, for a Cloud SQL IAM login, its
 * IAM user and permission to log in, created here after the account (Cloud SQL refuses a user for a missing one).
 */
function databaseLogin(
  s: GcpScope,
  job: ResolvedBackupJobArgs,
  account: Account,
): { env: Record<string, pulumi.Input<string>>; secrets: Record<string, SecretRef>; grants: pulumi.Resource[] } {
  const login = backupJobLogin(job.database, { cloud: "GCP", token: "gcp-cloudsql-iam" });
  if (login.auth === "password") return { env: login.env, secrets: login.secrets, grants: [] };
  const sql = job.database.access ? cloudSqlOf(job.database.access) : undefined;
  if (!sql) return invalid("job.database", "is not a GCP Database (its access names no Cloud SQL instance)");
  const grants = cloudSqlIamLogin(s, `${s.name}-logical-backup`, account, sql);
  return { env: login.env, secrets: {}, grants };
}

/**
 * The backup key's secret: a replica in the region (encrypted with the backup bucket's key) and, with disaster
 * recovery, one in drRegion (the DR bucket's key), so the DR copies stay readable without the primary region. The
 * Secret Manager service agent may use both keys.
 */
function emptyKeySecret(s: GcpScope, b: GcpBackupBuckets, protect: boolean): Secret {
  const agent = new ServiceIdentity(
    `${s.name}-backup-secretmanager-agent`,
    { project: s.project, service: "secretmanager.googleapis.com" },
    s.opts(),
  );
  const replicas = [
    { location: s.region, key: b.primary.key, label: "key" },
    ...(b.dr ? [{ location: s.platform.target.drRegion, key: b.dr.key, label: "dr-key" }] : []),
  ];
  const grants = replicas.map(
    (r) =>
      new CryptoKeyIAMMember(
        `${s.name}-backup-${r.label}-secretmanager`,
        { cryptoKeyId: r.key.id, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: agent.member },
        s.opts(),
      ),
  );
  return new Secret(
    `${s.name}-logical-backup-key`,
    {
      secretId: fitName(`${s.prefix}-backup-encryption-key`, 255),
      project: s.project,
      replication: {
        userManaged: {
          replicas: replicas.map((r) => ({
            location: r.location,
            customerManagedEncryption: { kmsKeyName: r.key.id },
          })),
        },
      },
      deletionProtection: protect,
      annotations: { "loom-note": "32-byte backup key (npm run backup -- keygen), added out of band" },
      labels: s.labels,
    },
    // Losing the key makes every logical backup unreadable: protected with the data.
    s.opts(true, { dependsOn: grants }),
  );
}

/** secretAccessor per distinct secret the job reads (the same reference twice is granted once). */
function secretGrants(s: GcpScope, account: Account, secrets: Record<string, SecretRef>): pulumi.Resource[] {
  const seen = new Set<pulumi.Input<string>>();
  const out: pulumi.Resource[] = [];
  for (const [env, ref] of Object.entries(secrets)) {
    if (seen.has(ref.id)) continue;
    seen.add(ref.id);
    out.push(
      new SecretIamMember(
        `${s.name}-logical-backup-reads-${env.toLowerCase().replace(/_/g, "-")}`,
        { secretId: ref.id, role: "roles/secretmanager.secretAccessor", member: account.member },
        s.opts(),
      ),
    );
  }
  return out;
}

function bucketGrants(s: GcpScope, account: Account, b: GcpBackupBuckets): pulumi.Resource[] {
  const grant = (bucket: GcpBackupBucket, label: string, role: string) =>
    new BucketIAMMember(
      `${s.name}-logical-backup-${label}-${role.split(".").pop()?.toLowerCase()}`,
      { bucket: bucket.bucket.name, role, member: account.member },
      s.opts(),
    );
  const writeOnly = (bucket: GcpBackupBucket, label: string) => [
    grant(bucket, label, "roles/storage.objectCreator"),
    grant(bucket, label, "roles/storage.objectViewer"),
  ];
  return [
    grant(b.staging, "staging", "roles/storage.objectUser"),
    ...writeOnly(b.primary, "backup"),
    ...(b.dr ? writeOnly(b.dr, "backup-dr") : []),
  ];
}

interface JobParts {
  account: Account;
  buckets: GcpBackupBuckets;
  secrets: Record<string, SecretRef>;
  /** The login's plain env (PGUSER and DATABASE_AUTH of an IAM login; DATABASE_AUTH=password otherwise). */
  login: Record<string, pulumi.Input<string>>;
  grants: pulumi.Resource[];
  db: GcpJobDatabase;
  size: { cpu: string; memory: string };
  placement: { network: pulumi.Output<string>; appSubnetwork: pulumi.Output<string> };
  network: { tiers: { backup: pulumi.Output<string> } };
}

/** The mounted buckets: staging, backup and (DR) backup-dr. */
function volumes(b: GcpBackupBuckets) {
  const list = [
    { name: "staging", bucket: b.staging, path: STAGING_MOUNT },
    { name: "backup", bucket: b.primary, path: BACKUP_MOUNT },
    ...(b.dr ? [{ name: "backup-dr", bucket: b.dr, path: DR_BACKUP_MOUNT }] : []),
  ];
  return {
    volumes: list.map((v) => ({ name: v.name, gcs: { bucket: v.bucket.bucket.name, readOnly: false } })),
    mounts: list.map((v) => ({ name: v.name, mountPath: v.path })),
    ready: list.flatMap((v) => v.bucket.ready),
  };
}

function cloudRunJob(s: GcpScope, args: ResolvedBackupsArgs, job: ResolvedBackupJobArgs, p: JobParts): Job {
  const v = volumes(p.buckets);
  const db = job.database;
  const plain = {
    HOME: "/tmp",
    PGHOST: p.db.host,
    // Direct, never the pooler (6432): pg_dump holds one snapshot for the whole session.
    PGPORT: String(CLOUD_SQL_DIRECT_PORT),
    PGDATABASE: db.databaseName,
    PGSSLMODE: "verify-full",
    ...p.login,
    ...(p.db.serverCa !== undefined ? { [SERVER_CA_ENV]: p.db.serverCa } : {}),
    // The stack's settings minus secrets (config-export.ts): the backup set's configuration part.
    ...(job.config !== undefined ? { [CONFIG_ENV]: job.config } : {}),
  };
  const envs = [
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
    ...Object.entries(p.secrets).map(([name, ref]) => ({
      name,
      valueSource: { secretKeyRef: { secret: ref.id, version: "latest" } },
    })),
  ];
  const script = pulumi.output(db.databaseName).apply((name) =>
    gcpJobScript({
      prefix: `loom-${name}`,
      dr: p.buckets.dr !== undefined,
      tables: job.tables,
      ...(job.config !== undefined ? { configEnv: CONFIG_ENV } : {}),
    }),
  );
  return new Job(
    `${s.name}-logical-backup`,
    {
      name: backupJobName(s.prefix),
      project: s.project,
      location: s.region,
      deletionProtection: args.protect,
      labels: s.labels,
      template: {
        taskCount: 1,
        parallelism: 1,
        labels: s.labels,
        template: {
          serviceAccount: p.account.email,
          executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
          timeout: JOB_TIMEOUT,
          maxRetries: JOB_MAX_RETRIES,
          vpcAccess: {
            egress: "ALL_TRAFFIC",
            networkInterfaces: [
              { network: p.placement.network, subnetwork: p.placement.appSubnetwork, tags: [p.network.tiers.backup] },
            ],
          },
          volumes: v.volumes,
          containers: [
            {
              name: CONTAINER,
              image: job.image,
              commands: ["/bin/sh", "-ec"],
              args: [script],
              envs,
              resources: { limits: { cpu: p.size.cpu, memory: p.size.memory } },
              volumeMounts: v.mounts,
            },
          ],
        },
      },
    },
    s.opts(false, { dependsOn: [...p.grants, ...v.ready] }),
  );
}

function scheduler(s: GcpScope, args: ResolvedBackupsArgs, job: Job): SchedulerJob {
  const invoker = new Account(
    `${s.name}-logical-backup-scheduler`,
    {
      accountId: fitName(`${s.prefix}-backup-sched`, 30),
      displayName: `${s.prefix} logical backup schedule (runs the job, nothing else)`,
      project: s.project,
    },
    s.opts(),
  );
  const grant = new JobIamMember(
    `${s.name}-logical-backup-scheduler-invoker`,
    { project: s.project, location: s.region, name: job.name, role: "roles/run.invoker", member: invoker.member },
    s.opts(),
  );
  return new SchedulerJob(
    `${s.name}-logical-backup`,
    {
      name: fitName(`${s.prefix}-logical-backup`, 500),
      project: s.project,
      region: s.region,
      description: "Daily encrypted logical backup of the database (scripts/backup)",
      schedule: dailyCron(logicalHourUtc(args.dailyHourUtc)),
      timeZone: "Etc/UTC",
      attemptDeadline: "180s",
      retryConfig: { retryCount: 3, minBackoffDuration: "60s", maxBackoffDuration: "600s" },
      httpTarget: {
        httpMethod: "POST",
        uri: job.name.apply(
          (n) => `https://run.googleapis.com/v2/projects/${s.project}/locations/${s.region}/jobs/${n}:run`,
        ),
        oauthToken: { serviceAccountEmail: invoker.email, scope: CLOUD_PLATFORM_SCOPE },
      },
    },
    s.opts(false, { dependsOn: [grant] }),
  );
}
