/**
 * IAM, bucket and event-pattern documents of the AWS Backups files, as pure functions of plain strings (the cloud
 * files call them inside `apply`), so least privilege is tested without mocks.
 */
import { type PolicyContext, type PolicyDocument, policyDocument } from "../lib/iam";
import { LOGICAL_PREFIX } from "./job-script";

export type { PolicyContext, PolicyDocument } from "../lib/iam";
export { serviceTrustPolicy } from "../lib/iam";

const doc = policyDocument;
const bucketArn = (ctx: Pick<PolicyContext, "partition">, bucket: string) => `arn:${ctx.partition}:s3:::${bucket}`;

/**
 * A backup bucket's policy: nothing over plain HTTP, and no upload that asks for another encryption than SSE-KMS
 * with the bucket's own key. Uploads that name no encryption get the bucket default (that same key), so the
 * `IfExists` conditions deny exactly the wrong requests without breaking replication or default-encrypted writes.
 */
export function backupBucketPolicy(ctx: PolicyContext, bucket: string, keyArn: string): PolicyDocument {
  const arn = bucketArn(ctx, bucket);
  return doc(
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
      Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn } },
    },
  );
}

export interface ReplicationPolicyInputs {
  source: { bucket: string; keyArn: string; region: string };
  replica: { bucket: string; keyArn: string; region: string };
}

/**
 * The S3 replication role: read the source's versions (with their Object Lock retention and legal hold, so the
 * replica is locked alike), decrypt with the source key only through S3 in the source region, write replicas and
 * their tags (no ReplicateDelete: delete markers are not replicated) and encrypt with the replica key only through
 * S3 in the DR region.
 */
export function replicationPolicy(ctx: PolicyContext, p: ReplicationPolicyInputs): PolicyDocument {
  const src = bucketArn(ctx, p.source.bucket);
  const dst = bucketArn(ctx, p.replica.bucket);
  const via = (region: string, arn: string) => ({
    StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
    // With S3 Bucket Keys the encryption context is the bucket ARN, without them the object's.
    StringLike: { "kms:EncryptionContext:aws:s3:arn": [arn, `${arn}/*`] },
  });
  return doc(
    {
      Sid: "ReadReplicationConfiguration",
      Effect: "Allow",
      Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
      Resource: src,
    },
    {
      Sid: "ReadSourceVersions",
      Effect: "Allow",
      Action: [
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        "s3:GetObjectRetention",
        "s3:GetObjectLegalHold",
      ],
      Resource: `${src}/*`,
    },
    { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${dst}/*` },
    {
      Sid: "DecryptSource",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: p.source.keyArn,
      Condition: via(p.source.region, src),
    },
    {
      Sid: "EncryptReplica",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: p.replica.keyArn,
      Condition: via(p.replica.region, dst),
    },
  );
}

/**
 * The job's task role: put objects under `logical/` in the bucket, list `logical/` and read only the manifests there
 * (the previous backup's size, for the size-drop ratio: sizes, row counts and a MAC, no data) — no object read, no
 * delete: a compromised job cannot read or destroy older backups; use the bucket key only through S3; publish its
 * metrics; with an RDS IAM backup login (`dbConnect`: its `rds-db:connect` ARN, one database user on one instance or
 * proxy), sign tokens for that user alone.
 */
export function jobTaskPolicy(
  ctx: PolicyContext,
  bucket: string,
  keyArn: string,
  namespace: string,
  dbConnect?: string,
): PolicyDocument {
  const arn = bucketArn(ctx, bucket);
  return doc(
    { Sid: "UploadLogicalBackups", Effect: "Allow", Action: "s3:PutObject", Resource: `${arn}/${LOGICAL_PREFIX}/*` },
    {
      Sid: "ListLogicalBackups",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: arn,
      Condition: { StringLike: { "s3:prefix": [`${LOGICAL_PREFIX}/*`] } },
    },
    {
      Sid: "ReadLogicalManifests",
      Effect: "Allow",
      Action: "s3:GetObject",
      // The CLI's manifest suffix (scripts/backup/manifest.ts MANIFEST_SUFFIX), as the upload lines use it.
      Resource: `${arn}/${LOGICAL_PREFIX}/*.manifest.json`,
    },
    {
      Sid: "EncryptViaS3",
      Effect: "Allow",
      // GenerateDataKey for each object; Decrypt to complete multipart uploads of large dumps.
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: keyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${ctx.region}.amazonaws.com` } },
    },
    {
      Sid: "PublishBackupMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
    },
    ...(dbConnect
      ? [{ Sid: "ConnectAsBackupLogin", Effect: "Allow", Action: "rds-db:connect", Resource: dbConnect }]
      : []),
  );
}

export interface SchedulerPolicyInputs {
  taskDefinitionArn: string;
  clusterArn: string;
  /** The task's execution and task roles. */
  roleArns: string[];
}

/**
 * EventBridge Scheduler's role: run exactly this task definition revision on exactly this cluster, tag the task it
 * starts (propagated tags), and pass only the task's two roles, only to ECS tasks.
 */
export function schedulerPolicy(ctx: PolicyContext, p: SchedulerPolicyInputs): PolicyDocument {
  const clusterName = p.clusterArn.split("/").pop();
  return doc(
    {
      Sid: "RunBackupTask",
      Effect: "Allow",
      Action: "ecs:RunTask",
      Resource: p.taskDefinitionArn,
      Condition: { ArnEquals: { "ecs:cluster": p.clusterArn } },
    },
    {
      Sid: "TagStartedTask",
      Effect: "Allow",
      Action: "ecs:TagResource",
      Resource: `arn:${ctx.partition}:ecs:${ctx.region}:${ctx.accountId}:task/${clusterName}/*`,
      Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
    },
    {
      Sid: "PassTaskRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: [...p.roleArns].sort(),
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    },
  );
}

/** AWS Backup job states that mean a backup or a DR copy did not happen. */
export const FAILED_BACKUP_STATES = ["FAILED", "ABORTED", "EXPIRED"] as const;

/** EventBridge pattern: an AWS Backup backup or copy job of this account ended in a failed state. */
export function backupJobFailedPattern(accountId: string): Record<string, unknown> {
  return {
    source: ["aws.backup"],
    account: [accountId],
    "detail-type": ["Backup Job State Change", "Copy Job State Change"],
    detail: { state: [...FAILED_BACKUP_STATES] },
  };
}

/**
 * EventBridge pattern: a task of the backup cluster stopped with a container exit code other than 0, or never
 * started (image pull, secret fetch or capacity failures carry no exit code, only `stopCode: TaskFailedToStart`).
 */
export function logicalBackupFailedPattern(clusterArn: string): Record<string, unknown> {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: {
      clusterArn: [clusterArn],
      lastStatus: ["STOPPED"],
      $or: [{ containers: { exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
    },
  };
}
