/**
 * The logical-backup buckets on GCP: each with uniform bucket-level access, public access prevention enforced, a
 * customer-managed key (rotated every 90 days) the Cloud Storage service agent may use, never force-destroyed, and
 * protected in prod.
 *
 * - `logical` (primary region) and `logical-dr` (`drRegion`, disaster recovery): a retention policy of
 *   `retentionDays` — no object can be deleted or replaced before it is that old, by anyone — LOCKED in protected
 *   (prod) stacks (irreversible: the policy can then never be shortened or removed, and the bucket cannot be
 *   deleted before its objects age out), unlocked elsewhere so a test stack can be torn down. Objects older than
 *   the retention are deleted by lifecycle. Cloud Storage refuses Object Versioning on a bucket with a retention
 *   policy, so versioning is explicitly off: the retention policy is the stronger guarantee (nothing can be
 *   overwritten or deleted at all, rather than kept as a noncurrent version that can itself be deleted).
 * - `staging`: the backup CLI's working store (gcp-job-script.ts); no retention (the CLI renames), objects deleted
 *   after a day, soft delete off (nothing in it is the only copy).
 */
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms/cryptoKeyIAMMember";
import { Bucket } from "@pulumi/gcp/storage/bucket";
import * as pulumi from "@pulumi/pulumi";
import { cmekKey, type GcpScope } from "../lib/gcp";
import { fit as fitName } from "../naming";

export type BucketKind = "logical" | "logical-dr" | "staging";

export interface BucketKey {
  id: pulumi.Output<string>;
  /** The Storage service agent's grant: what must exist before anything is encrypted with the key. */
  ready: pulumi.Resource[];
}

export interface GcpBackupBucket {
  bucket: Bucket;
  /** What must exist before a writer uses the bucket (the key grant the bucket's encryption needs). */
  ready: pulumi.Resource[];
  /** The bucket's key (the backup key secret's replica in the same region uses it too). */
  key: BucketKey;
}

const DAY_SECONDS = 86400;
/** Days a staged backup may stay in the staging bucket. */
export const STAGING_DAYS = 1;

/** The bucket's name: globally unique (project ids are), ≤ 63 characters. */
export function bucketName(project: string, prefix: string, kind: BucketKind): string {
  return fitName(`${project}-${prefix.replace(/^loom-/, "")}-backup-${kind}`, 63);
}

/** The settings of one kind of bucket that do not depend on resources. */
export interface BucketPolicy {
  uniformBucketLevelAccess: true;
  publicAccessPrevention: "enforced";
  forceDestroy: false;
  versioning: { enabled: false };
  retentionPolicy?: { retentionPeriod: string; isLocked: boolean };
  softDeletePolicy?: { retentionDurationSeconds: number };
  lifecycleRules: { action: { type: "Delete" }; condition: { age: number } }[];
}

/** The settings of one kind of bucket that do not depend on resources (pure, tested directly). */
export function bucketPolicy(kind: BucketKind, retentionDays: number, locked: boolean): BucketPolicy {
  const base = { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", forceDestroy: false } as const;
  if (kind === "staging") {
    return {
      ...base,
      versioning: { enabled: false } as const,
      softDeletePolicy: { retentionDurationSeconds: 0 },
      lifecycleRules: [{ action: { type: "Delete" as const }, condition: { age: STAGING_DAYS } }],
    };
  }
  return {
    ...base,
    versioning: { enabled: false } as const,
    retentionPolicy: { retentionPeriod: String(retentionDays * DAY_SECONDS), isLocked: locked },
    lifecycleRules: [{ action: { type: "Delete" as const }, condition: { age: retentionDays + 1 } }],
  };
}

/** The Cloud Storage service agent of the project (it encrypts objects with the bucket's default key). */
export function storageAgent(projectNumber: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`serviceAccount:service-${projectNumber}@gs-project-accounts.iam.gserviceaccount.com`;
}

export function backupBucket(
  s: GcpScope,
  kind: BucketKind,
  retentionDays: number,
  locked: boolean,
  key?: BucketKey,
): GcpBackupBucket {
  const dr = kind === "logical-dr";
  const bucketKey = key ?? bucketKeyFor(s, kind, dr);
  const bucket = new Bucket(
    `${s.name}-backup-${kind}`,
    {
      name: bucketName(s.project, s.prefix, kind),
      project: s.project,
      location: (dr ? s.platform.target.drRegion : s.region).toUpperCase(),
      storageClass: "STANDARD",
      encryption: { defaultKmsKeyName: bucketKey.id },
      labels: s.labels,
      ...bucketPolicy(kind, retentionDays, locked),
    },
    s.opts(true, { dependsOn: bucketKey.ready }),
  );
  return { bucket, ready: bucketKey.ready, key: bucketKey };
}

/** A bucket key on the platform's (or the DR) key ring, and the Storage service agent's grant on it. */
function bucketKeyFor(
  s: GcpScope,
  kind: BucketKind,
  dr: boolean,
): { id: pulumi.Output<string>; ready: pulumi.Resource[] } {
  const key = cmekKey(s, `${s.name}-backup-${dr ? "dr-" : ""}key`, [], { dr });
  const grant = new CryptoKeyIAMMember(
    `${s.name}-backup-${kind}-key-storage`,
    {
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: storageAgent(s.platform.projectNumber),
    },
    s.opts(),
  );
  return { id: key.id, ready: [grant] };
}
