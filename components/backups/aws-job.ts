/**
 * The scheduled logical backup on AWS: a Fargate task of the backup image (scripts/backup/Dockerfile) in its own
 * ECS cluster, started daily by EventBridge Scheduler, in the app's private subnets with the app tier's security
 * group (the one the database accepts; the task listens on nothing, so the group's app-port ingress is moot).
 *
 * - Hardening as the app's tasks: non-root uid, read-only root filesystem with a /tmp volume (Fargate ephemeral
 *   storage sized for the dump), not privileged, every capability dropped, an init process, awslogs to a
 *   KMS-encrypted log group with retention, cpu/memory limits on the task and the container, a 4 h deadline.
 * - Secrets: the database's credentials from its Secrets Manager secret (references, never values); the backup
 *   encryption key from a secret created here EMPTY — its value (`npm run backup -- keygen`) is put out of band
 *   (docs/runbooks/backup-restore.md), so it never appears in the program, the plan or the state.
 * - Least privilege: the execution role reads exactly those two secrets; the task role may only put objects under
 *   `logical/` and publish its two metrics; the scheduler may run exactly this task definition on this cluster and
 *   pass exactly these two roles to ECS.
 */
import type { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
import { Cluster } from "@pulumi/aws/ecs/cluster";
import { TaskDefinition } from "@pulumi/aws/ecs/taskDefinition";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import { Schedule } from "@pulumi/aws/scheduler/schedule";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import * as pulumi from "@pulumi/pulumi";
import { fargateSizeProblem } from "../app-service/fargate";
import { ecsTasksTrustPolicy, executionSecretsPolicy } from "../app-service/policies";
import { type AwsScope, encryptedLogGroup, scopedKey, secretRecoveryDays } from "../lib/aws";
import { handleFor, invalid } from "../lib/component";
import { METRICS_NAMESPACE } from "../lib/metrics";
import type { SecretRef } from "../lib/secrets";
import { fit as fitName } from "../naming";
import type { ResolvedBackupJobArgs, ResolvedBackupsArgs } from ".";
import type { BackupBucket } from "./aws-bucket";
import { policyContext } from "./aws-bucket";
import { jobTaskPolicy, type PolicyContext, schedulerPolicy, serviceTrustPolicy } from "./aws-policies";
import { CONFIG_ENV } from "./config-export";
import { backupJobLogin } from "./job-login";
import { jobScript, LOGICAL_PREFIX, logicalHourUtc, tmpGiBFor } from "./job-script";

/** The container's name (also the awslogs stream prefix). */
export const CONTAINER = "logical-backup";
/** Seconds a run may take before `timeout` ends it (the next day's run is never stacked on a hung one). */
export const JOB_DEADLINE_SECONDS = 4 * 3600;
/** Fargate's included ephemeral storage (GiB); more is requested only when the dump needs it. */
export const FARGATE_DEFAULT_EPHEMERAL_GIB = 20;
/** Where the image keeps the RDS CA bundle (scripts/backup/Dockerfile), for sslmode=verify-full. */
export const RDS_CA_BUNDLE = "/etc/ssl/certs/rds-global-bundle.pem";

export interface AwsBackupJob {
  cluster: Cluster;
  taskDefinition: TaskDefinition;
  schedule: Schedule;
  /** The empty secret the operator fills with the backup key. */
  keySecret: Secret;
}

/** ECS `valueFrom` of a secret reference (`<arn>:<json-key>::` for one key of a JSON secret). */
function valueFrom(ref: SecretRef): pulumi.Output<string> {
  return pulumi.output(ref.id).apply((id) => (ref.key === undefined ? id : `${id}:${ref.key}::`));
}

function roleFor(s: AwsScope, suffix: string, description: string, trust: pulumi.Output<string>): Role {
  return new Role(
    `${s.name}-logical-backup-${suffix}`,
    { name: fitName(`${s.prefix}-backup-${suffix}`, 64), description, assumeRolePolicy: trust, tags: s.tags() },
    s.opts(),
  );
}

export function backupJob(s: AwsScope, args: ResolvedBackupsArgs, job: ResolvedBackupJobArgs, bucket: BackupBucket) {
  const network = job.network;
  if (!network) return invalid("job.network", "is required on AWS (the private subnets and the backup tier's group)");
  const placement = handleFor("job.network.placement", network.placement, "aws");
  const size = fargateSizeProblem(job.cpu, job.memoryMiB);
  if (size) invalid(`job.${size.key}`, size.reason);
  const ctx = policyContext(s);
  const key = scopedKey(s, `${s.name}-logical-backup-job-key`, {
    description: `${s.prefix} logical backup job: logs and the backup encryption key secret`,
    alias: `${s.prefix}-backup-job`,
    logs: true,
  });
  const keySecret = new Secret(
    `${s.name}-logical-backup-key`,
    {
      name: `${s.prefix}/backup/encryption-key`,
      description: `${s.prefix} logical backup key (32 bytes, hex); put out of band: docs/runbooks/backup-restore.md`,
      kmsKeyId: key.arn,
      recoveryWindowInDays: secretRecoveryDays(s.protect),
      tags: s.tags(),
    },
    // Losing the key makes every logical backup unreadable: protected with the data.
    s.opts(true),
  );
  const logGroup = encryptedLogGroup(s.parent, `${s.name}-logical-backup-logs`, {
    logGroupName: s.logPath("backup"),
    retentionDays: job.logRetentionDays,
    kmsKeyArn: key.arn,
    tags: s.tags(),
  });
  // RDS IAM tokens are signed with the task role's credentials for AWS_REGION (always set below too).
  const login = backupJobLogin(job.database, {
    cloud: "AWS",
    token: "aws-rds-iam",
    tokenEnv: { AWS_REGION: s.region },
    needsConnect: true,
  });
  const secrets: Record<string, SecretRef> = { ...login.secrets, LOOM_BACKUP_KEY: { id: keySecret.arn } };
  const roles = taskRoles(s, ctx, bucket, Object.values(secrets), login.connect);
  const cluster = new Cluster(
    `${s.name}-logical-backup`,
    {
      name: fitName(`${s.prefix}-backup`, 255),
      settings: [{ name: "containerInsights", value: "enabled" }],
      tags: s.tags(),
    },
    s.opts(),
  );
  const taskDefinition = task(s, args, job, { bucket, logGroup, secrets, login: login.env, roles });
  const schedule = scheduler(s, ctx, args, { cluster, taskDefinition, roles, placement, sg: network.tiers.backup });
  return { cluster, taskDefinition, schedule, keySecret } satisfies AwsBackupJob;
}

interface TaskRoles {
  execution: Role;
  task: Role;
  grants: pulumi.Resource[];
}

function taskRoles(
  s: AwsScope,
  ctx: pulumi.Output<PolicyContext>,
  bucket: BackupBucket,
  secrets: SecretRef[],
  connect?: pulumi.Input<string>,
): TaskRoles {
  const trust = ctx.apply((c) => JSON.stringify(ecsTasksTrustPolicy(c)));
  const execution = roleFor(
    s,
    "execution",
    "ECS pulls the backup image, writes its logs, reads its two secrets",
    trust,
  );
  const taskRole = roleFor(s, "task", "Logical backup: upload under logical/ and publish its metrics only", trust);
  const arns = pulumi.all(secrets.map((r) => pulumi.output(r.id)));
  const grants = [
    new RolePolicyAttachment(
      `${s.name}-logical-backup-execution-managed`,
      {
        role: execution.name,
        policyArn: pulumi.interpolate`arn:${s.account.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
      },
      s.opts(),
    ),
    new RolePolicy(
      `${s.name}-logical-backup-execution-secrets`,
      {
        role: execution.name,
        policy: pulumi.all([ctx, arns]).apply(([c, ids]) => JSON.stringify(executionSecretsPolicy(c, ids))),
      },
      s.opts(),
    ),
    new RolePolicy(
      `${s.name}-logical-backup-task`,
      {
        role: taskRole.name,
        policy: pulumi
          .all([ctx, bucket.bucket.bucket, bucket.key.arn, connect])
          .apply(([c, b, k, db]) => JSON.stringify(jobTaskPolicy(c, b, k, METRICS_NAMESPACE, db))),
      },
      s.opts(),
    ),
  ];
  return { execution, task: taskRole, grants };
}

interface TaskParts {
  bucket: BackupBucket;
  logGroup: LogGroup;
  secrets: Record<string, SecretRef>;
  /** The login's plain variables (backupJobLogin: DATABASE_AUTH; a token login's PGUSER and AWS_REGION). */
  login: Record<string, pulumi.Input<string>>;
  roles: TaskRoles;
}

function task(s: AwsScope, args: ResolvedBackupsArgs, job: ResolvedBackupJobArgs, p: TaskParts): TaskDefinition {
  const tmpGiB = tmpGiBFor(args.databaseSizeGiB);
  const cpu = Math.round(job.cpu * 1024);
  const db = job.database;
  const secretEntries = Object.entries(p.secrets).sort(([a], [b]) => (a < b ? -1 : 1));
  const definition = pulumi
    .all([
      p.bucket.bucket.bucket,
      p.bucket.key.arn,
      p.logGroup.name,
      db.endpoint,
      db.port,
      db.databaseName,
      pulumi.all(secretEntries.map(([, ref]) => valueFrom(ref))),
      pulumi.all(p.login),
    ])
    .apply(([bucket, keyArn, logGroup, host, port, database, froms, login]) => {
      const script = jobScript({
        prefix: `loom-${database}`,
        destinations: [{ url: `s3://${bucket}/${LOGICAL_PREFIX}/`, sse: "aws:kms", kmsKeyId: keyArn }],
        cloudwatch: { namespace: METRICS_NAMESPACE, environment: args.context.environment },
        tables: job.tables,
        ...(job.config !== undefined ? { configEnv: CONFIG_ENV } : {}),
      });
      const environment = {
        AWS_DEFAULT_REGION: s.region,
        AWS_REGION: s.region,
        HOME: "/tmp",
        PGDATABASE: database,
        PGHOST: host,
        PGPORT: String(port),
        PGSSLMODE: "verify-full",
        PGSSLROOTCERT: RDS_CA_BUNDLE,
        ...login,
        // The stack's settings minus secrets (config-export.ts): the backup set's configuration part.
        ...(job.config !== undefined ? { [CONFIG_ENV]: job.config } : {}),
      };
      return JSON.stringify([
        {
          name: CONTAINER,
          image: job.image,
          essential: true,
          command: ["timeout", String(JOB_DEADLINE_SECONDS), "/bin/sh", "-ec", script],
          user: `${job.runAsUser}:${job.runAsUser}`,
          cpu,
          memory: job.memoryMiB,
          readonlyRootFilesystem: true,
          privileged: false,
          linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
          mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
          environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
          secrets: secretEntries.map(([name], i) => ({ name, valueFrom: froms[i] })),
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup, "awslogs-region": s.region, "awslogs-stream-prefix": CONTAINER },
          },
          stopTimeout: 120,
        },
      ]);
    });
  return new TaskDefinition(
    `${s.name}-logical-backup`,
    {
      family: `${s.prefix}-logical-backup`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(cpu),
      memory: String(job.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: p.roles.execution.arn,
      taskRoleArn: p.roles.task.arn,
      volumes: [{ name: "tmp" }],
      ...(tmpGiB > FARGATE_DEFAULT_EPHEMERAL_GIB ? { ephemeralStorage: { sizeInGib: Math.min(tmpGiB, 200) } } : {}),
      containerDefinitions: definition,
      tags: s.tags(),
    },
    s.opts(false, { dependsOn: [...p.roles.grants, ...p.bucket.ready] }),
  );
}

interface ScheduleParts {
  cluster: Cluster;
  taskDefinition: TaskDefinition;
  roles: TaskRoles;
  placement: { privateSubnetIds: pulumi.Output<string[]> };
  sg: pulumi.Input<string>;
}

function scheduler(
  s: AwsScope,
  ctx: pulumi.Output<PolicyContext>,
  args: ResolvedBackupsArgs,
  p: ScheduleParts,
): Schedule {
  const role = roleFor(
    s,
    "scheduler",
    "EventBridge Scheduler: run the logical backup task, nothing else",
    ctx.apply((c) => JSON.stringify(serviceTrustPolicy(c, "scheduler.amazonaws.com"))),
  );
  const grant = new RolePolicy(
    `${s.name}-logical-backup-scheduler`,
    {
      role: role.name,
      policy: pulumi
        .all([ctx, p.taskDefinition.arn, p.cluster.arn, p.roles.execution.arn, p.roles.task.arn])
        .apply(([c, taskDefinitionArn, clusterArn, exec, taskRole]) =>
          JSON.stringify(schedulerPolicy(c, { taskDefinitionArn, clusterArn, roleArns: [exec, taskRole] })),
        ),
    },
    s.opts(),
  );
  return new Schedule(
    `${s.name}-logical-backup`,
    {
      name: fitName(`${s.prefix}-logical-backup`, 64),
      description: "Daily encrypted logical backup of the database (scripts/backup)",
      scheduleExpression: `cron(0 ${logicalHourUtc(args.dailyHourUtc)} * * ? *)`,
      scheduleExpressionTimezone: "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: p.cluster.arn,
        roleArn: role.arn,
        ecsParameters: {
          taskDefinitionArn: p.taskDefinition.arn,
          launchType: "FARGATE",
          platformVersion: "1.4.0",
          taskCount: 1,
          networkConfiguration: {
            subnets: p.placement.privateSubnetIds,
            securityGroups: [p.sg],
            assignPublicIp: false,
          },
          enableEcsManagedTags: true,
          propagateTags: "TASK_DEFINITION",
        },
        // RunTask itself (capacity, throttling) is retried for an hour; a task that fails is alerted, not re-run.
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    },
    s.opts(false, { dependsOn: [grant] }),
  );
}
