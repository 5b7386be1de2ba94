/**
 * The logical-backup bucket on AWS (and with disaster recovery its replica in `loom:aws.drRegion`):
 *
 * - encrypted with its own customer-managed key (SSE-KMS, S3 Bucket Keys), uploads asking for anything else denied;
 * - TLS only, public access blocked, ACLs disabled (BucketOwnerEnforced);
 * - versioned with S3 Object Lock, default retention = `retentionDays`: COMPLIANCE when the stack is protected
 *   (prod) — no one, not even the account root, can delete or shorten a locked version before it expires — and
 *   GOVERNANCE elsewhere (a principal with s3:BypassGovernanceRetention can, so a test stack can be torn down);
 * - a lifecycle that ends each backup after its retention: a delete marker at `retentionDays`, the version itself
 *   one day later (once its lock has expired), and unfinished multipart uploads after a day;
 * - `protect`ed in prod with its key; never force-destroyed.
 *
 * Replication (disaster recovery): every new object, including the KMS-encrypted ones (re-encrypted with the replica
 * key), with its Object Lock retention; delete markers are NOT replicated, so a delete in the primary region never
 * reaches the copy. Replication Time Control is off: it guarantees 15 minutes for a fee per GB, and the logical
 * backups' RPO is the daily schedule (24 h), not minutes — S3 replicates most objects within minutes anyway.
 *
 * Server access logging is not configured: the repository has no shared log bucket (the ALB's access-log bucket is
 * AppService's and SSE-S3 only); who read or wrote a backup is answerable from CloudTrail (data events if enabled).
 */
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import type { Key } from "@pulumi/aws/kms/key";
import type { Provider } from "@pulumi/aws/provider";
import { Bucket } from "@pulumi/aws/s3/bucket";
import { BucketLifecycleConfiguration } from "@pulumi/aws/s3/bucketLifecycleConfiguration";
import { BucketObjectLockConfiguration } from "@pulumi/aws/s3/bucketObjectLockConfiguration";
import { BucketOwnershipControls } from "@pulumi/aws/s3/bucketOwnershipControls";
import { BucketPolicy } from "@pulumi/aws/s3/bucketPolicy";
import { BucketPublicAccessBlock } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import { BucketReplicationConfig } from "@pulumi/aws/s3/bucketReplicationConfig";
import { BucketServerSideEncryptionConfiguration } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import { BucketVersioning } from "@pulumi/aws/s3/bucketVersioning";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, kmsKey } from "../lib/aws";
import { fit as fitName } from "../naming";
import { backupBucketPolicy, type PolicyContext, replicationPolicy, serviceTrustPolicy } from "./aws-policies";

export type ObjectLockMode = "COMPLIANCE" | "GOVERNANCE";

/** COMPLIANCE for protected (prod) stacks, GOVERNANCE elsewhere. */
export function objectLockMode(protect: boolean): ObjectLockMode {
  return protect ? "COMPLIANCE" : "GOVERNANCE";
}

export interface BackupBucket {
  bucket: Bucket;
  key: Key;
  region: string;
  /** What writers (the job, replication) must wait for: encryption, lock, versioning and policy in place. */
  ready: pulumi.Resource[];
}

export interface BucketOptions {
  /** Logical name stem: `${stem}-…` for every child. */
  stem: string;
  region: string;
  retentionDays: number;
  /** The DR region's provider; undefined = the default provider. */
  provider?: Provider;
}

export function policyContext(s: AwsScope, region = s.region): pulumi.Output<PolicyContext> {
  return pulumi
    .all([s.account.accountId, s.account.partition])
    .apply(([accountId, partition]) => ({ accountId, partition, region }));
}

/** One hardened, locked backup bucket with its own key. */
export function backupBucket(s: AwsScope, o: BucketOptions): BackupBucket {
  const provider = o.provider ? { provider: o.provider } : {};
  const child = (extra: pulumi.CustomResourceOptions = {}) => s.opts(false, { ...provider, ...extra });
  const dr = o.provider !== undefined;
  const key = kmsKey(s.parent, `${o.stem}-key`, {
    description: `${s.prefix} logical backups${dr ? ` disaster-recovery replica (${o.region})` : ""}`,
    alias: `${s.prefix}-logical-backups${dr ? "-dr" : ""}`,
    account: s.account,
    tags: s.tags(),
    protect: s.protect,
    ...provider,
  });
  const bucket = new Bucket(
    o.stem,
    {
      bucket: pulumi.interpolate`${fitName(`${s.prefix}-backups-${o.region}`, 50)}-${s.account.accountId}`,
      objectLockEnabled: true,
      forceDestroy: false,
      tags: s.tags(),
    },
    s.opts(true, provider),
  );
  const name = bucket.bucket;
  const publicAccess = new BucketPublicAccessBlock(
    o.stem,
    {
      bucket: name,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child(),
  );
  const ownership = new BucketOwnershipControls(
    o.stem,
    { bucket: name, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child(),
  );
  const encryption = new BucketServerSideEncryptionConfiguration(
    o.stem,
    {
      bucket: name,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
          bucketKeyEnabled: true,
        },
      ],
    },
    child(),
  );
  const versioning = new BucketVersioning(
    o.stem,
    { bucket: name, versioningConfiguration: { status: "Enabled" } },
    child(),
  );
  const lock = new BucketObjectLockConfiguration(
    o.stem,
    {
      bucket: name,
      rule: { defaultRetention: { mode: objectLockMode(s.protect), days: o.retentionDays } },
    },
    child({ dependsOn: [versioning] }),
  );
  lifecycle(o, name, child({ dependsOn: [versioning] }));
  const policy = new BucketPolicy(
    o.stem,
    {
      bucket: name,
      policy: pulumi
        .all([policyContext(s, o.region), name, key.arn])
        .apply(([ctx, b, k]) => JSON.stringify(backupBucketPolicy(ctx, b, k))),
    },
    child({ dependsOn: [publicAccess] }),
  );
  return { bucket, key, region: o.region, ready: [encryption, ownership, versioning, lock, policy] };
}

/** Backups end after their retention: marker at `retentionDays`, version a day later (its lock has expired). */
function lifecycle(o: BucketOptions, bucket: pulumi.Output<string>, opts: pulumi.CustomResourceOptions): void {
  new BucketLifecycleConfiguration(
    o.stem,
    {
      bucket,
      rules: [
        {
          id: "expire-backups",
          status: "Enabled",
          filter: {},
          expiration: { days: o.retentionDays },
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
    },
    opts,
  );
}

/** Replicate `source` into `replica` (another region) under a least-privilege role. */
export function replication(s: AwsScope, source: BackupBucket, replica: BackupBucket): BucketReplicationConfig {
  const ctx = policyContext(s);
  const role = new Role(
    `${s.name}-backup-replication`,
    {
      name: fitName(`${s.prefix}-backup-replication`, 64),
      description: "S3 replication of the logical backups to the disaster-recovery region",
      assumeRolePolicy: ctx.apply((c) => JSON.stringify(serviceTrustPolicy(c, "s3.amazonaws.com"))),
      tags: s.tags(),
    },
    s.opts(),
  );
  const grant = new RolePolicy(
    `${s.name}-backup-replication`,
    {
      role: role.name,
      policy: pulumi
        .all([ctx, source.bucket.bucket, source.key.arn, replica.bucket.bucket, replica.key.arn])
        .apply(([c, sb, sk, rb, rk]) =>
          JSON.stringify(
            replicationPolicy(c, {
              source: { bucket: sb, keyArn: sk, region: source.region },
              replica: { bucket: rb, keyArn: rk, region: replica.region },
            }),
          ),
        ),
    },
    s.opts(),
  );
  return new BucketReplicationConfig(
    `${s.name}-backup-replication`,
    {
      bucket: source.bucket.bucket,
      role: role.arn,
      rules: [
        {
          id: "logical-backups-to-dr",
          status: "Enabled",
          priority: 1,
          filter: {},
          deleteMarkerReplication: { status: "Disabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: replica.bucket.arn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: replica.key.arn },
          },
        },
      ],
    },
    s.opts(false, { dependsOn: [grant, ...source.ready, ...replica.ready] }),
  );
}
