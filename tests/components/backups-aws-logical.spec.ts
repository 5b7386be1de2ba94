/**
 * Backups on AWS beyond the vault: vault lock per environment, the logical-backup bucket (policy, Object Lock,
 * lifecycle, replication to the DR region), the scheduled ECS job (task hardening, secrets by reference, scheduler
 * → task wiring, least privilege), the failure events to SNS, `recovery`, and the policy pack on all of it.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Backups, type BackupsArgs } from "../../components/backups";
import { vaultLockArgs } from "../../components/backups/aws";
import type { Recovery } from "../../components/backups/recovery";
import { type DatabaseAccess, type DatabaseLogin, singleLoginAccess } from "../../components/lib/db-roles";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { check, policies } from "../harness/policy-check";
import { context, ofType, one, ROOT, runComponents } from "../harness/program";
import { awsPlatform, fakeAwsNetwork } from "./aws-fixtures";

type Env = "dev" | "staging" | "prod";
const ACCOUNT = "111122223333";
const DB_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:rds!db-loom-db-AbCdEf`;
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:loom-prod-alerts-critical`;
const IMAGE = "ghcr.io/example/loom-backup:1.0.0";
const bucketName = (env: Env, region = "eu-west-1") => `loom-${env}-backups-${region}-${ACCOUNT}`;
const s3 = (name: string) => `arn:aws:s3:::${name}`;

interface Options {
  job?: boolean;
  topic?: boolean;
}

/** Args as index.ts wires them from a profile, with the job and the alert topic. */
function argsFor(env: Env, o: Options): Omit<BackupsArgs, "platform"> {
  const p = PROFILES[env];
  const o5432 = pulumi.output(5432);
  return {
    context: context(env),
    protect: p.deletionProtection,
    enabled: p.backups,
    disasterRecovery: p.backups && p.disasterRecovery,
    targets: { cloud: "aws", resourceArns: pulumi.output([`arn:aws:rds:eu-west-1:${ACCOUNT}:db:loom-${env}-db`]) },
    retentionDays: p.backupRetentionDays,
    databaseSizeGiB: p.database.storageGiB,
    ...(o.topic ? { alertTopicArn: TOPIC } : {}),
    ...(o.job
      ? {
          job: {
            image: IMAGE,
            network: fakeAwsNetwork(),
            database: {
              endpoint: pulumi.output(`loom-${env}-db.abcdefghijkl.eu-west-1.rds.amazonaws.com`),
              port: o5432,
              databaseName: pulumi.output("loom"),
              credentials: {
                username: { id: DB_SECRET, key: "username" },
                password: { id: DB_SECRET, key: "password" },
              },
            },
          },
        }
      : {}),
  };
}

async function build(env: Env, o: Options = { job: true, topic: true }): Promise<ProgramRun> {
  const a = argsFor(env, o);
  return runComponents(() => {
    const platform = awsPlatform(a.context, { protect: a.protect, disasterRecovery: a.disasterRecovery });
    const b = new Backups("loom", { ...a, platform });
    return { recovery: b.recovery, store: b.store };
  });
}

const CREDENTIALS = { username: { id: DB_SECRET, key: "username" }, password: { id: DB_SECRET, key: "password" } };
/** An RDS Proxy's database user (the shape access.connect carries). */
const CONNECT = `arn:aws:rds-db:eu-west-1:${ACCOUNT}:dbuser:prx-0123456789abcdef0/loom_backup`;

/** A hand-made access: today's password login everywhere but `backup`. */
function tokenAccess(backup: DatabaseLogin, connect?: string): DatabaseAccess {
  const single = singleLoginAccess(CREDENTIALS);
  return {
    ...single,
    logins: { ...single.logins, backup },
    ...(connect !== undefined ? { connect: { backup: connect } } : {}),
  };
}

/** prod with the job given this access (as index.ts passes the whole Database). */
function buildWith(access: DatabaseAccess): Promise<ProgramRun> {
  const a = argsFor("prod", { job: true });
  const job = a.job as NonNullable<BackupsArgs["job"]>;
  return runComponents(() => {
    const platform = awsPlatform(a.context, { protect: true, disasterRecovery: true });
    const b = new Backups("loom", { ...a, platform, job: { ...job, database: { ...job.database, access } } });
    return { store: b.store };
  });
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const policyOf = (run: ProgramRun, name: string) =>
  JSON.parse(inputs(one(run, "aws:iam/rolePolicy:RolePolicy", name)).policy).Statement;
const container = (run: ProgramRun) =>
  JSON.parse(inputs(one(run, "aws:ecs/taskDefinition:TaskDefinition")).containerDefinitions)[0];

describe("Backups on AWS: vault lock, logical-backup bucket, scheduled job", () => {
  const runs = {} as Record<Env, ProgramRun>;
  let prodBare: ProgramRun;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(env);
    prodBare = await build("prod", {});
  });

  describe("vault lock", () => {
    it("is COMPLIANCE in prod (changeableForDays = the 3-day grace) on both vaults, GOVERNANCE in staging", () => {
      const locks = (run: ProgramRun) =>
        ofType(run, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").map((r) => inputs(r));
      assert.deepEqual(locks(runs.prod), [
        { backupVaultName: "loom-prod-vault", changeableForDays: 3, maxRetentionDays: 365, minRetentionDays: 14 },
        { backupVaultName: "loom-prod-vault-dr", changeableForDays: 3, maxRetentionDays: 365, minRetentionDays: 14 },
      ]);
      assert.deepEqual(locks(runs.staging), [
        { backupVaultName: "loom-staging-vault", maxRetentionDays: 365, minRetentionDays: 7 },
      ]);
      assert.deepEqual(vaultLockArgs(400, true), {
        minRetentionDays: 400,
        maxRetentionDays: 400,
        changeableForDays: 3,
      });
    });
  });

  describe("logical-backup bucket", () => {
    it("is KMS-encrypted with its own key (bucket keys on), versioned, locked per environment, protected in prod", () => {
      const bucket = one(runs.prod, "aws:s3/bucket:Bucket", "loom-logical-backups");
      assert.deepEqual(
        { ...inputs(bucket), tags: undefined },
        { bucket: bucketName("prod"), objectLockEnabled: true, forceDestroy: false, tags: undefined },
      );
      assert.equal(bucket.protect, true);
      assert.equal(one(runs.staging, "aws:s3/bucket:Bucket").protect, false);
      assert.equal(one(runs.prod, "aws:kms/key:Key", "loom-logical-backups-key").protect, true);
      assert.deepEqual(
        inputs(
          one(
            runs.prod,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "loom-logical-backups",
          ),
        ).rules,
        [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/loom-logical-backups-key`,
            },
            bucketKeyEnabled: true,
          },
        ],
      );
      assert.deepEqual(
        inputs(one(runs.prod, "aws:s3/bucketVersioning:BucketVersioning", "loom-logical-backups"))
          .versioningConfiguration,
        {
          status: "Enabled",
        },
      );
      const lock = (run: ProgramRun) =>
        inputs(ofType(run, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0] as PlannedResource)
          .rule;
      assert.deepEqual(lock(runs.prod), { defaultRetention: { mode: "COMPLIANCE", days: 14 } });
      assert.deepEqual(lock(runs.staging), { defaultRetention: { mode: "GOVERNANCE", days: 7 } });
    });

    it("blocks public access, enforces ownership, expires backups after retention", () => {
      assert.deepEqual(
        inputs(one(runs.prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "loom-logical-backups")),
        {
          bucket: bucketName("prod"),
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        },
      );
      assert.deepEqual(
        inputs(one(runs.prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "loom-logical-backups")).rule,
        { objectOwnership: "BucketOwnerEnforced" },
      );
      assert.deepEqual(
        inputs(
          one(runs.prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "loom-logical-backups"),
        ).rules,
        [
          {
            id: "expire-backups",
            status: "Enabled",
            filter: {},
            expiration: { days: 14 },
            noncurrentVersionExpiration: { noncurrentDays: 1 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
          {
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
          },
        ],
      );
    });

    it("denies plain HTTP and uploads with another encryption or key", () => {
      const arn = s3(bucketName("prod"));
      const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/loom-logical-backups-key`;
      assert.deepEqual(
        JSON.parse(inputs(one(runs.prod, "aws:s3/bucketPolicy:BucketPolicy", "loom-logical-backups")).policy),
        {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
              Sid: "DenyOtherEncryption",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:PutObject",
              Resource: `${arn}/*`,
              Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
            },
            {
              Sid: "DenyOtherKey",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:PutObject",
              Resource: `${arn}/*`,
              Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": key } },
            },
          ],
        },
      );
    });

    it("replicates to a locked replica with its own key in the DR region; delete markers stay behind (prod)", () => {
      const replica = one(runs.prod, "aws:s3/bucket:Bucket", "loom-logical-backups-dr");
      assert.equal(inputs(replica).bucket, bucketName("prod", "eu-central-1"));
      assert.equal(replica.protect, true);
      const drKey = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/loom-logical-backups-dr-key`;
      const config = inputs(one(runs.prod, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"));
      assert.deepEqual(config, {
        bucket: bucketName("prod"),
        role: `arn:aws:iam:eu-west-1:${ACCOUNT}:role/loom-backup-replication`,
        rules: [
          {
            id: "logical-backups-to-dr",
            status: "Enabled",
            priority: 1,
            filter: {},
            deleteMarkerReplication: { status: "Disabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
              bucket: `arn:aws:s3:eu-central-1:${ACCOUNT}:bucket/loom-logical-backups-dr`,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: drKey },
            },
          },
        ],
      });
      const statements = policyOf(runs.prod, "loom-backup-replication");
      assert.deepEqual(
        statements.map((st: { Sid: string; Action: unknown }) => [st.Sid, st.Action]),
        [
          ["ReadReplicationConfiguration", ["s3:GetReplicationConfiguration", "s3:ListBucket"]],
          [
            "ReadSourceVersions",
            [
              "s3:GetObjectVersionForReplication",
              "s3:GetObjectVersionAcl",
              "s3:GetObjectVersionTagging",
              "s3:GetObjectRetention",
              "s3:GetObjectLegalHold",
            ],
          ],
          ["WriteReplicas", ["s3:ReplicateObject", "s3:ReplicateTags"]],
          ["DecryptSource", "kms:Decrypt"],
          ["EncryptReplica", ["kms:Encrypt", "kms:GenerateDataKey"]],
        ],
      );
      assert.deepEqual(statements[4].Condition, {
        StringEquals: { "kms:ViaService": "s3.eu-central-1.amazonaws.com" },
        StringLike: {
          "kms:EncryptionContext:aws:s3:arn": [
            s3(bucketName("prod", "eu-central-1")),
            `${s3(bucketName("prod", "eu-central-1"))}/*`,
          ],
        },
      });
      assert.deepEqual(
        JSON.parse(inputs(one(runs.prod, "aws:iam/role:Role", "loom-backup-replication")).assumeRolePolicy).Statement,
        [
          {
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
          },
        ],
      );
      assert.equal(ofType(runs.staging, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 0);
      assert.equal(ofType(runs.staging, "aws:s3/bucket:Bucket").length, 1);
    });
  });

  describe("scheduled logical backup job", () => {
    it("runs the backup image hardened like the app's tasks, secrets by reference only", () => {
      const c = container(runs.prod);
      assert.deepEqual(
        {
          image: c.image,
          user: c.user,
          readonlyRootFilesystem: c.readonlyRootFilesystem,
          privileged: c.privileged,
          linuxParameters: c.linuxParameters,
          mountPoints: c.mountPoints,
          cpu: c.cpu,
          memory: c.memory,
          command: c.command.slice(0, 4),
          logConfiguration: c.logConfiguration,
          secrets: c.secrets,
        },
        {
          image: IMAGE,
          user: "10001:10001",
          readonlyRootFilesystem: true,
          privileged: false,
          linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
          mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
          cpu: 512,
          memory: 1024,
          command: ["timeout", "14400", "/bin/sh", "-ec"],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": "/loom/prod/backup",
              "awslogs-region": "eu-west-1",
              "awslogs-stream-prefix": "logical-backup",
            },
          },
          secrets: [
            {
              name: "LOOM_BACKUP_KEY",
              valueFrom: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret/loom-logical-backup-key`,
            },
            { name: "PGPASSWORD", valueFrom: `${DB_SECRET}:password::` },
            { name: "PGUSER", valueFrom: `${DB_SECRET}:username::` },
          ],
        },
      );
      assert.deepEqual(
        c.environment.map((e: { name: string }) => e.name),
        [
          "AWS_DEFAULT_REGION",
          "AWS_REGION",
          "HOME",
          "PGDATABASE",
          "PGHOST",
          "PGPORT",
          "PGSSLMODE",
          "PGSSLROOTCERT",
          "DATABASE_AUTH",
        ],
      );
      assert.deepEqual(c.environment.at(-1), { name: "DATABASE_AUTH", value: "password" });
      assert.match(c.command[4], /^set -eu\n/);
      assert.match(c.command[4], new RegExp(`aws s3 cp "\\$store/" 's3://${bucketName("prod")}/logical/'`));
      const td = inputs(one(runs.prod, "aws:ecs/taskDefinition:TaskDefinition"));
      assert.deepEqual(
        [td.family, td.cpu, td.memory, td.ephemeralStorage, td.volumes, td.requiresCompatibilities],
        ["loom-prod-logical-backup", "512", "1024", { sizeInGib: 101 }, [{ name: "tmp" }], ["FARGATE"]],
      );
    });

    it("keeps the key secret empty (no version, no value in the plan), encrypted and protected; logs encrypted", () => {
      assert.equal(ofType(runs.prod, "aws:secretsmanager/secretVersion:SecretVersion").length, 0);
      const secret = one(runs.prod, "aws:secretsmanager/secret:Secret");
      assert.equal(secret.protect, true);
      assert.deepEqual(
        [inputs(secret).name, inputs(secret).kmsKeyId, inputs(secret).recoveryWindowInDays],
        ["loom-prod/backup/encryption-key", `arn:aws:kms:eu-west-1:${ACCOUNT}:key/loom-logical-backup-job-key`, 30],
      );
      const logs = inputs(one(runs.prod, "aws:cloudwatch/logGroup:LogGroup"));
      assert.deepEqual(
        [logs.name, logs.retentionInDays, logs.kmsKeyId],
        ["/loom/prod/backup", 30, `arn:aws:kms:eu-west-1:${ACCOUNT}:key/loom-logical-backup-job-key`],
      );
    });

    it("is started daily by EventBridge Scheduler on that task definition, in the private subnets", () => {
      const schedule = inputs(one(runs.prod, "aws:scheduler/schedule:Schedule"));
      const td = `arn:aws:ecs:eu-west-1:${ACCOUNT}:taskdefinition/loom-logical-backup`;
      assert.deepEqual(schedule, {
        name: "loom-prod-logical-backup",
        description: "Daily encrypted logical backup of the database (scripts/backup)",
        scheduleExpression: "cron(0 5 * * ? *)",
        scheduleExpressionTimezone: "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/loom-logical-backup`,
          roleArn: `arn:aws:iam:eu-west-1:${ACCOUNT}:role/loom-logical-backup-scheduler`,
          ecsParameters: {
            taskDefinitionArn: td,
            launchType: "FARGATE",
            platformVersion: "1.4.0",
            taskCount: 1,
            networkConfiguration: {
              subnets: ["subnet-private-a", "subnet-private-b"],
              securityGroups: ["sg-backup"],
              assignPublicIp: false,
            },
            enableEcsManagedTags: true,
            propagateTags: "TASK_DEFINITION",
          },
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        },
      });
    });

    it("exports loom:backup.tables on their own and the stack's configuration (plain environment, not a secret)", async () => {
      const a = argsFor("prod", { job: true });
      const config = JSON.stringify({ format: "loom-stack-config/1", stack: "prod", cloud: "aws" });
      const job = { ...(a.job as NonNullable<BackupsArgs["job"]>), tables: ["prompt_library", "users"], config };
      const run = await runComponents(() => {
        const platform = awsPlatform(a.context, { protect: true, disasterRecovery: true });
        return new Backups("loom", { ...a, platform, job });
      });
      const c = container(run);
      assert.deepEqual(
        c.environment.find((e: { name: string }) => e.name === "LOOM_BACKUP_CONFIG"),
        { name: "LOOM_BACKUP_CONFIG", value: config },
      );
      assert.equal(
        c.secrets.some((e: { name: string }) => e.name === "LOOM_BACKUP_CONFIG"),
        false,
      );
      const dump = (c.command[4] as string).split("\n").find((l) => l.startsWith("loom-backup dump")) as string;
      assert.match(dump, / --table 'prompt_library' --table 'users' --config-env 'LOOM_BACKUP_CONFIG'$/);
      assert.doesNotMatch(container(runs.prod).command[4], /--table|--config-env/);
    });

    it("grants least privilege: scheduler runs exactly this task and passes exactly its roles; the task only uploads", () => {
      const role = (n: string) => `arn:aws:iam:eu-west-1:${ACCOUNT}:role/loom-logical-backup-${n}`;
      assert.deepEqual(policyOf(runs.prod, "loom-logical-backup-scheduler"), [
        {
          Sid: "RunBackupTask",
          Effect: "Allow",
          Action: "ecs:RunTask",
          Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:taskdefinition/loom-logical-backup`,
          Condition: { ArnEquals: { "ecs:cluster": `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/loom-logical-backup` } },
        },
        {
          Sid: "TagStartedTask",
          Effect: "Allow",
          Action: "ecs:TagResource",
          Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/loom-logical-backup/*`,
          Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
        },
        {
          Sid: "PassTaskRoles",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: [role("execution"), role("task")],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
      ]);
      assert.deepEqual(
        JSON.parse(inputs(one(runs.prod, "aws:iam/role:Role", "loom-logical-backup-scheduler")).assumeRolePolicy)
          .Statement,
        [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
          },
        ],
      );
      const task = policyOf(runs.prod, "loom-logical-backup-task");
      assert.deepEqual(task[0], {
        Sid: "UploadLogicalBackups",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: `${s3(bucketName("prod"))}/logical/*`,
      });
      assert.deepEqual(
        task.map((st: { Sid: string }) => st.Sid),
        ["UploadLogicalBackups", "ListLogicalBackups", "ReadLogicalManifests", "EncryptViaS3", "PublishBackupMetrics"],
      );
      // Reads only manifests (the previous size): never a backup object, never outside logical/.
      assert.deepEqual(task.slice(1, 3), [
        {
          Sid: "ListLogicalBackups",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: s3(bucketName("prod")),
          Condition: { StringLike: { "s3:prefix": ["logical/*"] } },
        },
        {
          Sid: "ReadLogicalManifests",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: `${s3(bucketName("prod"))}/logical/*.manifest.json`,
        },
      ]);
      assert.deepEqual(policyOf(runs.prod, "loom-logical-backup-execution-secrets")[0].Resource, [
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret/loom-logical-backup-key`,
        DB_SECRET,
      ]);
    });

    it("with the Database's access: today's single password login changes nothing in the task or its roles", async () => {
      const run = await buildWith(singleLoginAccess(CREDENTIALS));
      assert.deepEqual(container(run), container(runs.prod));
      for (const name of ["loom-logical-backup-task", "loom-logical-backup-execution-secrets"]) {
        assert.deepEqual(policyOf(run, name), policyOf(runs.prod, name));
      }
    });

    it("with an RDS IAM backup login: PGUSER plain, no password anywhere, rds-db:connect on that user only", async () => {
      const run = await buildWith(tokenAccess({ auth: "aws-rds-iam", username: "loom_backup" }, CONNECT));
      const c = container(run);
      const env = Object.fromEntries(c.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
      assert.deepEqual(env, {
        AWS_DEFAULT_REGION: "eu-west-1",
        AWS_REGION: "eu-west-1",
        HOME: "/tmp",
        PGDATABASE: "loom",
        PGHOST: "loom-prod-db.abcdefghijkl.eu-west-1.rds.amazonaws.com",
        PGPORT: "5432",
        PGSSLMODE: "verify-full",
        PGSSLROOTCERT: "/etc/ssl/certs/rds-global-bundle.pem",
        DATABASE_AUTH: "aws-rds-iam",
        PGUSER: "loom_backup",
      });
      // The backup key is the only secret: no database credential is injected or readable by the execution role.
      assert.deepEqual(c.secrets, [
        {
          name: "LOOM_BACKUP_KEY",
          valueFrom: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret/loom-logical-backup-key`,
        },
      ]);
      assert.deepEqual(policyOf(run, "loom-logical-backup-execution-secrets")[0].Resource, [
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret/loom-logical-backup-key`,
      ]);
      const task = policyOf(run, "loom-logical-backup-task");
      assert.deepEqual(task.slice(0, -1), policyOf(runs.prod, "loom-logical-backup-task"));
      assert.deepEqual(task.at(-1), {
        Sid: "ConnectAsBackupLogin",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: CONNECT,
      });
      // No other role may connect: the execution role only reads the key.
      assert.equal(JSON.stringify(policyOf(run, "loom-logical-backup-execution-secrets")).includes("rds-db"), false);
    });

    it("a backup login with its own host (the instance, bypassing RDS Proxy) replaces PGHOST, nothing else", async () => {
      const direct = "loom-prod-db.direct.eu-west-1.rds.amazonaws.com";
      const run = await buildWith(tokenAccess({ auth: "aws-rds-iam", username: "loom_backup", host: direct }, CONNECT));
      const envOf = (r: ProgramRun) =>
        Object.fromEntries(container(r).environment.map((e: { name: string; value: string }) => [e.name, e.value]));
      const viaEndpoint = await buildWith(tokenAccess({ auth: "aws-rds-iam", username: "loom_backup" }, CONNECT));
      assert.deepEqual(envOf(run), { ...envOf(viaEndpoint), PGHOST: direct });
      assert.equal("DATABASE_HOST" in envOf(run), false);
    });

    it("refuses a backup login the AWS job cannot use, naming job.database.access", async () => {
      const cases: [DatabaseAccess, string][] = [
        [
          tokenAccess({ auth: "aws-rds-iam", username: "loom_backup" }),
          "the backup login authenticates with aws-rds-iam but access.connect.backup (the resource it logs in to) is not set: the job's role could not connect",
        ],
        [
          tokenAccess({ auth: "gcp-cloudsql-iam", username: "loom-prod-backup@p.iam" }),
          "the backup login authenticates with gcp-cloudsql-iam, which the AWS backup job cannot use (it takes password or aws-rds-iam logins)",
        ],
      ];
      for (const [access, reason] of cases) {
        await assert.rejects(buildWith(access), { propertyPath: "job.database.access", reason });
      }
    });

    it("fails naming the argument without a network, and with a size Fargate does not have", async () => {
      const a = argsFor("prod", { job: true });
      const job = a.job as NonNullable<BackupsArgs["job"]>;
      for (const [over, propertyPath] of [
        [{ network: undefined }, "job.network"],
        [{ memoryMiB: 3000 }, "job.memoryMiB"],
      ] as const) {
        await assert.rejects(
          runComponents(() => {
            const platform = awsPlatform(a.context, { protect: true, disasterRecovery: true });
            return new Backups("loom", { ...a, platform, job: { ...job, ...over } });
          }),
          { propertyPath },
        );
      }
    });
  });

  describe("failure events", () => {
    it("sends failed/aborted/expired backup and copy jobs, and failed backup tasks, to the alert topic", () => {
      const rules = ofType(runs.prod, "aws:cloudwatch/eventRule:EventRule").map((r) => [
        inputs(r).name,
        JSON.parse(inputs(r).eventPattern),
      ]);
      assert.deepEqual(rules, [
        [
          "loom-prod-backup-job-failed",
          {
            source: ["aws.backup"],
            account: [ACCOUNT],
            "detail-type": ["Backup Job State Change", "Copy Job State Change"],
            detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
          },
        ],
        [
          "loom-prod-logical-backup-failed",
          {
            source: ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            detail: {
              clusterArn: [`arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/loom-logical-backup`],
              lastStatus: ["STOPPED"],
              $or: [{ containers: { exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
            },
          },
        ],
      ]);
      assert.deepEqual(
        ofType(runs.prod, "aws:cloudwatch/eventTarget:EventTarget").map((t) => inputs(t)),
        [
          { rule: "loom-prod-backup-job-failed", arn: TOPIC, targetId: "alert-topic" },
          { rule: "loom-prod-logical-backup-failed", arn: TOPIC, targetId: "alert-topic" },
        ],
      );
    });
  });

  describe("disabled features create nothing", () => {
    it("no job, no topic: no cluster, task, schedule, secret, rule; the bucket stays", () => {
      for (const type of [
        "aws:ecs/cluster:Cluster",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:scheduler/schedule:Schedule",
        "aws:secretsmanager/secret:Secret",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/logGroup:LogGroup",
      ]) {
        assert.equal(ofType(prodBare, type).length, 0, type);
      }
      assert.equal(ofType(prodBare, "aws:s3/bucket:Bucket").length, 2);
      assert.equal((prodBare.outputs.recovery as Recovery).logicalBackupEveryHours, 0);
    });

    it("dev (backups off): nothing but the recovery objectives of RDS's own automated backups", () => {
      assert.deepEqual(
        runs.dev.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers")).map((r) => r.type),
        [],
      );
      assert.deepEqual(runs.dev.outputs.recovery, {
        pitrWindowDays: 1,
        rpoMinutes: 5,
        drRpoMinutes: null,
        rtoMinutesEstimate: 53,
        logicalBackupEveryHours: 0,
        drCopy: false,
        drRegionOrStore: "",
      });
    });
  });

  it("outputs recovery objectives for prod and staging", () => {
    assert.deepEqual(runs.prod.outputs.recovery, {
      pitrWindowDays: 14,
      rpoMinutes: 5,
      drRpoMinutes: 1440,
      rtoMinutesEstimate: 144,
      logicalBackupEveryHours: 24,
      drCopy: true,
      drRegionOrStore: "eu-central-1",
    });
    assert.equal((runs.staging.outputs.recovery as Recovery).drCopy, false);
  });

  for (const env of ["staging", "prod"] as const) {
    it(`${env}: the policy pack (policy/config/${env}.json) reports nothing on any of it`, async () => {
      const config = JSON.parse(readFileSync(join(ROOT, "policy", "config", `${env}.json`), "utf8"));
      assert.deepEqual(await check(policies, runs[env].resources, config), []);
    });
  }
});
