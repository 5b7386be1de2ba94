import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Backups, type BackupsArgs } from "../../components/backups";
import { bucketName, bucketPolicy, STAGING_DAYS } from "../../components/backups/gcp-bucket";
import { CONTAINER, JOB_MAX_RETRIES, JOB_TIMEOUT } from "../../components/backups/gcp-job";
import {
  BACKUP_MOUNT,
  backupJobName,
  copyLines,
  DR_BACKUP_MOUNT,
  dailyCron,
  gcpJobScript,
  jobSize,
  STAGING_MOUNT,
} from "../../components/backups/gcp-job-script";
import { GCP_PROVISION_MINUTES, gcpRecoveryObjectives } from "../../components/backups/gcp-recovery";
import { RESTORE_MB_PER_SECOND } from "../../components/backups/recovery";
import type { DatabaseAccess } from "../../components/lib/db-roles";
import { KMS_ROTATION_PERIOD } from "../../components/lib/gcp";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { fakeGcpNetwork, GCP_PROJECT, GCP_REGION, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

type Env = "dev" | "staging" | "prod";
const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };
const DR_REGION = "europe-west4";
const IMAGE = "europe-west1-docker.pkg.dev/loom-example-prod/loom/loom-backup:0.1.0";
const USER_SECRET = `projects/${GCP_PROJECT}/secrets/loom-prod-db-username`;
const PASSWORD_SECRET = `projects/${GCP_PROJECT}/secrets/loom-prod-db-password`;
const KEY_SECRET = `projects/${GCP_PROJECT}/secrets/loom-prod-backup-encryption-key`;
const RING = `projects/${GCP_PROJECT}/locations/${GCP_REGION}/keyRings/loom-keys`;
const DR_RING = `projects/${GCP_PROJECT}/locations/${DR_REGION}/keyRings/loom-dr-keys`;
const STORAGE_AGENT = "serviceAccount:service-000000000000@gs-project-accounts.iam.gserviceaccount.com";
const SECRETS_AGENT = "serviceAccount:service-000000000000@gcp-sa-secretmanager.iam.gserviceaccount.com";
const credentials = { username: { id: USER_SECRET }, password: { id: PASSWORD_SECRET } };
const JOB_SA = (env: Env) => `loom-${env}-backup@${GCP_PROJECT}.iam.gserviceaccount.com`;
const FAKE_CA = "-----BEGIN CERTIFICATE-----\nMIIFAKECLOUDSQLCA\n-----END CERTIFICATE-----\n";

const BUCKET = "gcp:storage/bucket:Bucket";
const JOB = "gcp:cloudrunv2/job:Job";
const SCHEDULE = "gcp:cloudscheduler/job:Job";
const SECRET = "gcp:secretmanager/secret:Secret";

/** Args as index.ts builds them from an environment's profile (the job always given, as settings require). */
function argsFor(env: Env, over: Partial<BackupsArgs> = {}, targetsExtra: Record<string, unknown> = {}): BackupsArgs {
  const p = PROFILES[env];
  const o = pulumi.output;
  return {
    platform: staticGcpPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    enabled: p.backups,
    disasterRecovery: p.backups && p.disasterRecovery,
    targets: {
      cloud: "gcp",
      instanceName: o(`loom-${env}-db`),
      instanceId: o(`projects/${GCP_PROJECT}/instances/loom-${env}-db`),
      region: GCP_REGION,
      ...targetsExtra,
    },
    retentionDays: p.backupRetentionDays,
    databaseSizeGiB: p.database.storageGiB,
    job: {
      image: IMAGE,
      network: fakeGcpNetwork(),
      logRetentionDays: p.logRetentionDays,
      database: {
        endpoint: o(`loom-${env}-db.abc123.${GCP_REGION}.sql.goog`),
        port: o(5432),
        databaseName: o("loom"),
        credentials: { username: { id: USER_SECRET }, password: { id: PASSWORD_SECRET } },
      },
    },
    ...over,
  };
}

async function build(args: BackupsArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const b = new Backups("loom", withGcpPlatform(args, { disasterRecovery: args.disasterRecovery }));
    return { store: b.store, drStore: b.drStore, retentionDays: b.retentionDays, recovery: b.recovery };
  }, CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const container = (run: ProgramRun) => inputs(one(run, JOB)).template.template.containers[0];
const envOf = (run: ProgramRun) =>
  Object.fromEntries(
    // biome-ignore lint/suspicious/noExplicitAny: engine data
    container(run).envs.map((e: any) => [e.name, e.value ?? e.valueSource]),
  );
/** Every IAM member the component grants: `<type short> <resource> <role> <member>`. */
function grants(run: ProgramRun): string[] {
  return run.resources
    .filter((r) => /IAMMember|IamMember/.test(r.type))
    .map((r) => {
      const i = inputs(r);
      const on = i.bucket ?? i.secretId ?? i.cryptoKeyId ?? i.name;
      return `${r.type.split(":").pop()} ${on} ${i.role} ${i.member}`;
    })
    .sort();
}

describe("Backups on GCP (helpers)", () => {
  it("rounds the job up to whole vCPUs and the gen2 minimum memory, refusing what no job holds", () => {
    assert.deepEqual(jobSize(0.5, 1024), { cpu: "1", memory: "1024Mi" });
    assert.deepEqual(jobSize(0.25, 256), { cpu: "1", memory: "512Mi" });
    assert.deepEqual(jobSize(1, 6144), { cpu: "2", memory: "6144Mi" });
    assert.deepEqual(jobSize(3, 2048), { cpu: "4", memory: "2048Mi" });
    assert.throws(() => jobSize(8, 40000), /exceed a Cloud Run job/);
    assert.throws(() => jobSize(0, 512), /more than 0/);
  });

  it("renders the daily schedule in unix-cron and refuses an hour outside 0–23", () => {
    assert.equal(dailyCron(5), "0 5 * * *");
    assert.equal(dailyCron(0), "0 0 * * *");
    assert.throws(() => dailyCron(24), /0–23/);
  });

  it("names buckets globally uniquely within 63 characters", () => {
    assert.equal(bucketName(GCP_PROJECT, "loom-prod", "logical"), "loom-example-prod-prod-backup-logical");
    const long = bucketName("a-very-long-project-id-123", "loom-a-really-long-stack-name-here", "logical-dr");
    assert.ok(long.length <= 63, long);
    assert.notEqual(long, bucketName("a-very-long-project-id-123", "loom-a-really-long-stack-name-here", "logical"));
  });

  it("keeps backups under a retention policy (locked only when asked) and stages without one", () => {
    assert.deepEqual(bucketPolicy("logical", 7, false), {
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      versioning: { enabled: false },
      retentionPolicy: { retentionPeriod: "604800", isLocked: false },
      lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 8 } }],
    });
    assert.equal(bucketPolicy("logical-dr", 14, true).retentionPolicy?.isLocked, true);
    const staging = bucketPolicy("staging", 14, true);
    assert.equal(staging.retentionPolicy, undefined);
    assert.deepEqual(staging.lifecycleRules, [{ action: { type: "Delete" }, condition: { age: STAGING_DAYS } }]);
    assert.deepEqual(staging.softDeletePolicy, { retentionDurationSeconds: 0 });
  });

  it("copies objects before manifests, into the DR bucket only with disaster recovery", () => {
    const script = gcpJobScript({ prefix: "loom-loom", dr: false });
    const lines = script.split("\n");
    const dump = lines.findIndex((l) => l.startsWith("loom-backup dump"));
    const verify = lines.findIndex((l) => l.startsWith("loom-backup verify"));
    const objects = lines.findIndex((l) => l.includes("*.manifest.json) ;;") && l.includes(BACKUP_MOUNT));
    const manifests = lines.findIndex((l) => l.startsWith(`for f in "$store"/*.manifest.json`));
    const metrics = lines.indexOf("cat /tmp/loom-backup/metrics.prom");
    assert.ok(dump >= 0 && dump < verify && verify < objects && objects < manifests && manifests < metrics, script);
    assert.ok(lines[dump]?.includes(`--store "$store"`));
    assert.ok(script.includes(`store=${STAGING_MOUNT}/"$CLOUD_RUN_EXECUTION"`));
    assert.ok(!script.includes(DR_BACKUP_MOUNT));
    const dr = gcpJobScript({ prefix: "loom-loom", dr: true });
    for (const line of copyLines(DR_BACKUP_MOUNT)) assert.ok(dr.includes(line), line);
    assert.ok(dr.startsWith("set -eu\n"));
  });

  it("compares with the bucket's latest manifest and exports the tables and the configuration part, like the other jobs", () => {
    const script = gcpJobScript({
      prefix: "loom-loom",
      dr: false,
      tables: ["prompts", "users"],
      configEnv: "LOOM_BACKUP_CONFIG",
    });
    const lines = script.split("\n");
    const latest = lines.findIndex((l) => l.startsWith("latest=$(ls '/mnt/backup/logical'"));
    const copy = lines.findIndex((l) => l.includes('"$latest" /tmp/loom-backup/previous.manifest.json'));
    const dump = lines.findIndex((l) => l.startsWith("loom-backup dump"));
    assert.ok(latest >= 0 && latest < copy && copy < dump, script);
    assert.equal(
      lines[dump],
      `loom-backup dump --dbname "$PGDATABASE" --store "$store" --prefix 'loom-loom' --metrics-file /tmp/loom-backup/metrics.prom --previous-manifest /tmp/loom-backup/previous.manifest.json --table 'prompts' --table 'users' --config-env 'LOOM_BACKUP_CONFIG'`,
    );
  });

  it("names the job as Observability's backup signals expect", () => {
    assert.equal(backupJobName("loom-prod"), "loom-prod-logical-backup");
  });

  it("derives recovery objectives: PITR window, 5-minute RPO, a DR copy only when the job writes one", () => {
    const withDr = gcpRecoveryObjectives({ retentionDays: 14, storageGiB: 100, logicalJob: true, drRegion: DR_REGION });
    assert.deepEqual(withDr, {
      pitrWindowDays: 14,
      rpoMinutes: 5,
      drRpoMinutes: 1440,
      rtoMinutesEstimate: GCP_PROVISION_MINUTES + Math.ceil((100 * 1024) / RESTORE_MB_PER_SECOND / 60),
      logicalBackupEveryHours: 24,
      drCopy: true,
      drRegionOrStore: DR_REGION,
    });
    const noJob = gcpRecoveryObjectives({ retentionDays: 14, storageGiB: 100, logicalJob: false, drRegion: DR_REGION });
    assert.equal(noJob.drCopy, false);
    assert.equal(noJob.drRpoMinutes, null);
    assert.equal(noJob.logicalBackupEveryHours, 0);
    assert.throws(() => gcpRecoveryObjectives({ retentionDays: 1, storageGiB: 0, logicalJob: false }), /positive/);
  });
});

describe("Backups on GCP", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await build(argsFor("dev"));
    staging = await build(argsFor("staging"));
    prod = await build(argsFor("prod", {}, { serverCa: pulumi.output(FAKE_CA) }));
  });

  it("creates nothing in dev (Cloud SQL's own backups only) and says so in its outputs", () => {
    assert.deepEqual(
      dev.resources.filter(
        (r) => r.custom && !r.type.startsWith("gcp:projects/service") && !r.type.includes("keyRing"),
      ),
      [],
    );
    assert.equal(dev.outputs.store, "");
    assert.equal(dev.outputs.drStore, "");
    assert.equal(dev.outputs.retentionDays, 0);
    assert.deepEqual(dev.outputs.recovery, {
      pitrWindowDays: 1,
      rpoMinutes: 5,
      drRpoMinutes: null,
      rtoMinutesEstimate: GCP_PROVISION_MINUTES + Math.ceil((20 * 1024) / RESTORE_MB_PER_SECOND / 60),
      logicalBackupEveryHours: 0,
      drCopy: false,
      drRegionOrStore: "",
    });
  });

  it("keeps logical backups in a retention-locked, CMEK, private bucket, protected in prod", () => {
    const bucket = one(prod, BUCKET, "loom-backup-logical");
    assert.deepEqual(inputs(bucket), {
      name: "loom-example-prod-prod-backup-logical",
      project: GCP_PROJECT,
      location: "EUROPE-WEST1",
      storageClass: "STANDARD",
      encryption: { defaultKmsKeyName: `${RING}/cryptoKeys/loom-backup-key` },
      labels: inputs(bucket).labels,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      versioning: { enabled: false },
      retentionPolicy: { retentionPeriod: String(14 * 86400), isLocked: true },
      lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 15 } }],
    });
    assert.equal(bucket.protect, true);
    assert.equal(inputs(bucket).labels.component, "backups");
    // Staging: same bucket, retention 7 days, unlocked (a test stack can be torn down), not protected.
    const stagingBucket = one(staging, BUCKET, "loom-backup-logical");
    assert.deepEqual(inputs(stagingBucket).retentionPolicy, { retentionPeriod: String(7 * 86400), isLocked: false });
    assert.equal(stagingBucket.protect, false);
    assert.equal(staging.outputs.store, "gs://loom-example-prod-staging-backup-logical");
    assert.equal(prod.outputs.store, "gs://loom-example-prod-prod-backup-logical");
  });

  it("gives every bucket uniform access, enforced public access prevention and no force-destroy", () => {
    for (const run of [staging, prod]) {
      for (const b of ofType(run, BUCKET)) {
        assert.equal(inputs(b).uniformBucketLevelAccess, true, b.name);
        assert.equal(inputs(b).publicAccessPrevention, "enforced", b.name);
        assert.equal(inputs(b).forceDestroy, false, b.name);
        assert.ok(inputs(b).encryption.defaultKmsKeyName.includes("/cryptoKeys/"), b.name);
      }
    }
    assert.deepEqual(
      ofType(staging, BUCKET)
        .map((b) => b.name)
        .sort(),
      ["loom-backup-logical", "loom-backup-staging"],
    );
  });

  it("rotates the backup keys every 90 days and lets the Storage and Secret Manager agents use them", () => {
    const keys = ofType(prod, "gcp:kms/cryptoKey:CryptoKey");
    assert.deepEqual(keys.map((k) => [k.name, inputs(k).keyRing, inputs(k).rotationPeriod, k.protect]).sort(), [
      ["loom-backup-dr-key", DR_RING, KMS_ROTATION_PERIOD, true],
      ["loom-backup-key", RING, KMS_ROTATION_PERIOD, true],
    ]);
    assert.deepEqual(
      grants(prod).filter((g) => g.startsWith("CryptoKeyIAMMember")),
      [
        `CryptoKeyIAMMember ${RING}/cryptoKeys/loom-backup-key roles/cloudkms.cryptoKeyEncrypterDecrypter ${SECRETS_AGENT}`,
        `CryptoKeyIAMMember ${RING}/cryptoKeys/loom-backup-key roles/cloudkms.cryptoKeyEncrypterDecrypter ${STORAGE_AGENT}`,
        `CryptoKeyIAMMember ${DR_RING}/cryptoKeys/loom-backup-dr-key roles/cloudkms.cryptoKeyEncrypterDecrypter ${SECRETS_AGENT}`,
        `CryptoKeyIAMMember ${DR_RING}/cryptoKeys/loom-backup-dr-key roles/cloudkms.cryptoKeyEncrypterDecrypter ${STORAGE_AGENT}`,
      ],
    );
  });

  it("keeps the disaster-recovery copy in drRegion (prod), with its own key there", () => {
    const dr = one(prod, BUCKET, "loom-backup-logical-dr");
    assert.equal(inputs(dr).location, "EUROPE-WEST4");
    assert.equal(inputs(dr).encryption.defaultKmsKeyName, `${DR_RING}/cryptoKeys/loom-backup-dr-key`);
    assert.deepEqual(inputs(dr).retentionPolicy, { retentionPeriod: String(14 * 86400), isLocked: true });
    assert.equal(dr.protect, true);
    assert.equal(prod.outputs.drStore, "gs://loom-example-prod-prod-backup-logical-dr");
    assert.equal(staging.outputs.drStore, "");
    assert.deepEqual((prod.outputs.recovery as Record<string, unknown>).drRegionOrStore, DR_REGION);
    assert.equal((staging.outputs.recovery as Record<string, unknown>).drCopy, false);
    // The job writes the DR bucket: it is mounted and copied into.
    const volumes = inputs(one(prod, JOB)).template.template.volumes;
    assert.deepEqual(volumes, [
      { name: "staging", gcs: { bucket: "loom-example-prod-prod-backup-staging", readOnly: false } },
      { name: "backup", gcs: { bucket: "loom-example-prod-prod-backup-logical", readOnly: false } },
      { name: "backup-dr", gcs: { bucket: "loom-example-prod-prod-backup-logical-dr", readOnly: false } },
    ]);
    assert.ok(container(prod).args[0].includes(`cp "$f" '${DR_BACKUP_MOUNT}/logical/'`));
    assert.ok(!container(staging).args[0].includes(DR_BACKUP_MOUNT));
  });

  it("runs the backup image as a bounded one-task Cloud Run job on the VPC with the backup tier's tag", () => {
    const job = inputs(one(prod, JOB));
    assert.equal(job.name, "loom-prod-logical-backup");
    assert.equal(job.location, GCP_REGION);
    assert.equal(job.deletionProtection, true);
    assert.equal(inputs(one(staging, JOB)).deletionProtection, false);
    assert.equal(job.template.taskCount, 1);
    assert.equal(job.template.parallelism, 1);
    const t = job.template.template;
    assert.equal(t.serviceAccount, JOB_SA("prod"));
    assert.equal(t.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN2");
    assert.equal(t.timeout, JOB_TIMEOUT);
    assert.equal(t.maxRetries, JOB_MAX_RETRIES);
    assert.deepEqual(t.vpcAccess, {
      egress: "ALL_TRAFFIC",
      networkInterfaces: [
        {
          network: `projects/${GCP_PROJECT}/global/networks/loom-prod`,
          subnetwork: `projects/${GCP_PROJECT}/regions/${GCP_REGION}/subnetworks/loom-prod-app`,
          tags: ["loom-prod-backup"],
        },
      ],
    });
    const c = container(prod);
    assert.equal(c.name, CONTAINER);
    assert.equal(c.image, IMAGE);
    assert.deepEqual(c.commands, ["/bin/sh", "-ec"]);
    assert.deepEqual(c.args, [gcpJobScript({ prefix: "loom-loom", dr: true })]);
    assert.deepEqual(c.resources, { limits: { cpu: "1", memory: "1024Mi" } });
    assert.deepEqual(c.volumeMounts, [
      { name: "staging", mountPath: STAGING_MOUNT },
      { name: "backup", mountPath: BACKUP_MOUNT },
      { name: "backup-dr", mountPath: DR_BACKUP_MOUNT },
    ]);
  });

  it("connects verify-full to the database and takes every credential from Secret Manager by reference", () => {
    assert.deepEqual(envOf(prod), {
      HOME: "/tmp",
      PGHOST: `loom-prod-db.abc123.${GCP_REGION}.sql.goog`,
      PGPORT: "5432",
      PGDATABASE: "loom",
      PGSSLMODE: "verify-full",
      LOOM_PG_SERVER_CA: FAKE_CA,
      DATABASE_AUTH: "password",
      PGUSER: { secretKeyRef: { secret: USER_SECRET, version: "latest" } },
      PGPASSWORD: { secretKeyRef: { secret: PASSWORD_SECRET, version: "latest" } },
      LOOM_BACKUP_KEY: { secretKeyRef: { secret: KEY_SECRET, version: "latest" } },
    });
    // Without a CA from Database the variable is absent (the job would stop at its first step; a warning says so).
    assert.equal(envOf(staging).LOOM_PG_SERVER_CA, undefined);
  });

  it("refuses a backup login the GCP job cannot use, or one without its Cloud SQL instance, naming the argument", async () => {
    const withBackup = (backup: object, cloudSql?: object) => {
      const access = {
        logins: {
          ...Object.fromEntries(
            ["web", "worker", "migrate", "admin"].map((u) => [u, { auth: "password", ...credentials }]),
          ),
          backup,
        },
        roles: { database: "loom", logins: [] },
        ...(cloudSql ? { cloudSql } : {}),
      } as unknown as DatabaseAccess;
      const args = argsFor("prod");
      const job = args.job as NonNullable<BackupsArgs["job"]>;
      return build({ ...args, job: { ...job, database: { ...job.database, access } } });
    };
    await assert.rejects(withBackup({ auth: "azure-entra", username: "loom-prod-backup-id" }), {
      propertyPath: "job.database.access",
      reason:
        "the backup login authenticates with azure-entra, which the GCP backup job cannot use (it takes password or gcp-cloudsql-iam logins)",
    });
    await assert.rejects(withBackup({ auth: "gcp-cloudsql-iam", username: `loom-prod-backup@${GCP_PROJECT}.iam` }), {
      propertyPath: "job.database",
      reason: "is not a GCP Database (its access names no Cloud SQL instance)",
    });
  });

  it("with the Database's backup login: logs in as the job's own Cloud SQL IAM user, no password secret at all", async () => {
    const backupUser = `loom-prod-backup@${GCP_PROJECT}.iam`;
    const access = {
      logins: {
        ...Object.fromEntries(
          ["web", "worker", "migrate", "admin"].map((u) => [u, { auth: "password", ...credentials }]),
        ),
        backup: { auth: "gcp-cloudsql-iam", username: backupUser },
      },
      roles: { database: "loom", logins: [] },
      cloudSql: { project: GCP_PROJECT, instance: pulumi.output("loom-prod-db") },
    } as unknown as DatabaseAccess;
    const args = argsFor("prod");
    const job = args.job as NonNullable<BackupsArgs["job"]>;
    const run = await build({ ...args, job: { ...job, database: { ...job.database, access } } });
    const env = envOf(run);
    assert.equal(env.PGUSER, backupUser);
    assert.equal(env.DATABASE_AUTH, "gcp-cloudsql-iam");
    assert.equal("PGPASSWORD" in env, false);
    assert.deepEqual(inputs(one(run, "gcp:sql/user:User", "loom-logical-backup-db-login")), {
      project: GCP_PROJECT,
      instance: "loom-prod-db",
      name: backupUser,
      type: "CLOUD_IAM_SERVICE_ACCOUNT",
      deletionPolicy: "ABANDON",
    });
    const login = inputs(one(run, "gcp:projects/iAMMember:IAMMember", "loom-logical-backup-cloudsql-instanceuser"));
    assert.deepEqual(login, {
      project: GCP_PROJECT,
      role: "roles/cloudsql.instanceUser",
      member: `serviceAccount:${JOB_SA("prod")}`,
      condition: {
        title: "login-loom-prod-db",
        description: "Cloud SQL IAM login to loom-prod-db only",
        expression: `resource.name == 'projects/${GCP_PROJECT}/instances/loom-prod-db' && resource.type == 'sqladmin.googleapis.com/Instance'`,
      },
    });
    // Only the backup key is read from Secret Manager: no database credential's grant.
    const secretGrants = grants(run).filter((g) => g.startsWith("SecretIamMember"));
    assert.deepEqual(secretGrants, [
      `SecretIamMember ${KEY_SECRET} roles/secretmanager.secretAccessor serviceAccount:${JOB_SA("prod")}`,
    ]);
  });

  it("prefers the primary's own host when Database provides it (never the pooler)", async () => {
    const run = await build(argsFor("staging", {}, { primaryHost: pulumi.output("primary.internal.example") }));
    assert.equal(envOf(run).PGHOST, "primary.internal.example");
  });

  it("creates the backup key secret empty, replicated to drRegion with disaster recovery, protected in prod", () => {
    const secret = one(prod, SECRET, "loom-logical-backup-key");
    assert.equal(inputs(secret).secretId, "loom-prod-backup-encryption-key");
    assert.deepEqual(inputs(secret).replication, {
      userManaged: {
        replicas: [
          { location: GCP_REGION, customerManagedEncryption: { kmsKeyName: `${RING}/cryptoKeys/loom-backup-key` } },
          {
            location: DR_REGION,
            customerManagedEncryption: { kmsKeyName: `${DR_RING}/cryptoKeys/loom-backup-dr-key` },
          },
        ],
      },
    });
    assert.equal(secret.protect, true);
    assert.equal(inputs(secret).deletionProtection, true);
    const stagingSecret = one(staging, SECRET, "loom-logical-backup-key");
    assert.deepEqual(inputs(stagingSecret).replication, {
      userManaged: {
        replicas: [
          { location: GCP_REGION, customerManagedEncryption: { kmsKeyName: `${RING}/cryptoKeys/loom-backup-key` } },
        ],
      },
    });
    assert.equal(inputs(stagingSecret).deletionProtection, false);
    assert.deepEqual(ofType(prod, "gcp:secretmanager/secretVersion:SecretVersion"), []);
  });

  it("grants the job and the scheduler only what they use, per resource, never project-wide", () => {
    const job = `serviceAccount:${JOB_SA("prod")}`;
    const sched = `serviceAccount:loom-prod-backup-sched@${GCP_PROJECT}.iam.gserviceaccount.com`;
    const b = (kind: string) => `loom-example-prod-prod-backup-${kind}`;
    assert.deepEqual(
      grants(prod).filter((g) => !g.startsWith("CryptoKeyIAMMember")),
      [
        `BucketIAMMember ${b("logical")} roles/storage.objectCreator ${job}`,
        `BucketIAMMember ${b("logical")} roles/storage.objectViewer ${job}`,
        `BucketIAMMember ${b("logical-dr")} roles/storage.objectCreator ${job}`,
        `BucketIAMMember ${b("logical-dr")} roles/storage.objectViewer ${job}`,
        `BucketIAMMember ${b("staging")} roles/storage.objectUser ${job}`,
        `JobIamMember loom-prod-logical-backup roles/run.invoker ${sched}`,
        `SecretIamMember ${KEY_SECRET} roles/secretmanager.secretAccessor ${job}`,
        `SecretIamMember ${PASSWORD_SECRET} roles/secretmanager.secretAccessor ${job}`,
        `SecretIamMember ${USER_SECRET} roles/secretmanager.secretAccessor ${job}`,
      ],
    );
    for (const r of prod.resources) assert.ok(!/projects\/iAM|iAMPolicy|serviceaccount\/key/.test(r.type), r.type);
  });

  it("starts the job daily at the logical hour through the Cloud Run Admin API as its invoker", async () => {
    const s = inputs(one(prod, SCHEDULE));
    assert.equal(s.schedule, "0 5 * * *");
    assert.equal(s.timeZone, "Etc/UTC");
    assert.equal(s.region, GCP_REGION);
    assert.deepEqual(s.httpTarget, {
      httpMethod: "POST",
      uri: `https://run.googleapis.com/v2/projects/${GCP_PROJECT}/locations/${GCP_REGION}/jobs/loom-prod-logical-backup:run`,
      oauthToken: {
        serviceAccountEmail: `loom-prod-backup-sched@${GCP_PROJECT}.iam.gserviceaccount.com`,
        scope: "https://www.googleapis.com/auth/cloud-platform",
      },
    });
    // Two hours after the base backup hour, wrapping past midnight.
    const late = await build(argsFor("staging", { dailyHourUtc: 23 }));
    assert.equal(inputs(one(late, SCHEDULE)).schedule, "0 1 * * *");
  });

  it("prints the metrics file to the log after a successful run (Observability's size signal)", () => {
    const script: string = container(prod).args[0];
    assert.ok(script.includes("--metrics-file /tmp/loom-backup/metrics.prom"));
    assert.ok(script.includes("\ncat /tmp/loom-backup/metrics.prom\n"));
    assert.equal(inputs(one(prod, JOB)).name, backupJobName("loom-prod"));
  });

  it("without the job image builds only the buckets (and warns)", async () => {
    const run = await build(argsFor("staging", { job: undefined }));
    assert.deepEqual(ofType(run, BUCKET).length, 2);
    assert.deepEqual(ofType(run, JOB), []);
    assert.deepEqual(ofType(run, SCHEDULE), []);
    assert.equal((run.outputs.recovery as Record<string, unknown>).logicalBackupEveryHours, 0);
  });

  it("refuses a job without a network, and a size no Cloud Run job holds", async () => {
    const noNetwork = argsFor("staging");
    const { network: _n, ...job } = noNetwork.job as NonNullable<BackupsArgs["job"]>;
    await assert.rejects(build({ ...noNetwork, job }), {
      propertyPath: "job.network",
      reason: "is required on GCP (the VPC and subnet of Direct VPC egress)",
    });
    const big = argsFor("staging");
    await assert.rejects(
      build({ ...big, job: { ...(big.job as NonNullable<BackupsArgs["job"]>), cpu: 8, memoryMiB: 65536 } }),
      { propertyPath: "job.cpu", reason: "8 vCPU and 65536 MiB exceed a Cloud Run job (8 vCPU, 32 GiB)" },
    );
  });

  it("refuses the backup targets of another cloud", () => {
    assert.throws(
      () =>
        Backups.resolve({
          ...argsFor("prod"),
          targets: { cloud: "aws", resourceArns: pulumi.output([]) },
        }),
      { propertyPath: "targets", reason: "must be the backupTargets of a gcp Database" },
    );
  });
});
