/**
 * The logical-backup buckets on DigitalOcean and the Spaces keys that reach them.
 *
 * - `backups` (the stack's region) and, with disaster recovery, `backups-dr` (`drRegion`): private, versioned
 *   (an overwrite or a delete — by a leaked job key, say — only makes a noncurrent version, kept `retentionDays`),
 *   a lifecycle rule expiring each set the day after its retention ends (expiration.days = retentionDays + 1) and
 *   noncurrent versions after `retentionDays`, incomplete multipart uploads after a day; never force-destroyed;
 *   protected in prod. Names are global across DigitalOcean customers (lib/digitalocean.ts bucketName).
 *   Spaces encrypts at rest with DigitalOcean-managed keys only; the dumps are encrypted client-side before upload.
 *   Spaces offers no object lock, so versioning + `protect` is the deletion guard.
 * - The job's key: `readwrite` on exactly these buckets (never `fullaccess`), its pair kept in the secret store
 *   (`backup-access-key-id`, `backup-secret-access-key`) for Ansible to push to the backup droplet.
 * - The monitor's key: `read` on the same buckets, for the metrics file Observability's monitor droplet fetches
 *   (`monitor-backup-access-key`, `monitor-backup-secret-key`, observability/do-monitor.ts). Backups makes it because
 *   it owns the buckets; it can read the sets too, which are encrypted with a key it never has.
 */
import { SpacesBucket } from "@pulumi/digitalocean/spacesBucket";
import { SpacesKey } from "@pulumi/digitalocean/spacesKey";
import type * as pulumi from "@pulumi/pulumi";
import { bucketName, type DoScope, storeSecret } from "../lib/digitalocean";
import { BACKUP_SECRETS, MONITOR_READ_SECRETS } from "./do-job-script";

/** The bucket roles (the middle of `<prefix>-<role>-<suffix>`): observability/do-monitor.ts can name them too. */
export const DO_BACKUP_BUCKET_ROLES = { primary: "backups", dr: "backups-dr" } as const;

export interface DoBackupBucket {
  bucket: SpacesBucket;
  region: string;
}

export interface DoBackupStorage {
  primary: DoBackupBucket;
  dr?: DoBackupBucket;
  jobKey: SpacesKey;
  monitorKey: SpacesKey;
}

/** The settings of a backup bucket that do not depend on resources (pure, tested directly). */
export function doBucketPolicy(retentionDays: number) {
  return {
    acl: "private",
    forceDestroy: false,
    versioning: { enabled: true },
    lifecycleRules: [
      {
        id: "logical-retention",
        enabled: true,
        expiration: { days: retentionDays + 1 },
        noncurrentVersionExpiration: { days: retentionDays },
        abortIncompleteMultipartUploadDays: 1,
      },
    ],
  };
}

function backupBucket(s: DoScope, role: string, region: string, retentionDays: number): DoBackupBucket {
  const bucket = new SpacesBucket(
    `${s.name}-${role}`,
    { name: bucketName(s, role), region, ...doBucketPolicy(retentionDays) },
    s.opts(true),
  );
  return { bucket, region };
}

function scopedKey(s: DoScope, label: string, buckets: DoBackupBucket[], permission: "read" | "readwrite"): SpacesKey {
  return new SpacesKey(
    `${s.name}-${label}`,
    {
      name: `${s.prefix}-${label}`,
      grants: buckets.map((b) => ({ bucket: b.bucket.name, permission })),
    },
    s.opts(),
  );
}

const keep = (s: DoScope, label: string, key: string, value: pulumi.Input<string>) =>
  storeSecret(s, `${s.name}-${label}`, key, value);

export function backupStorage(s: DoScope, retentionDays: number, drRegion?: string): DoBackupStorage {
  const primary = backupBucket(s, DO_BACKUP_BUCKET_ROLES.primary, s.region, retentionDays);
  const dr = drRegion ? backupBucket(s, DO_BACKUP_BUCKET_ROLES.dr, drRegion, retentionDays) : undefined;
  const buckets = [primary, ...(dr ? [dr] : [])];
  const jobKey = scopedKey(s, "backup-job", buckets, "readwrite");
  keep(s, "backup-job-access-key", BACKUP_SECRETS.accessKey, jobKey.accessKey);
  keep(s, "backup-job-secret-key", BACKUP_SECRETS.secretKey, jobKey.secretKey);
  const monitorKey = scopedKey(s, "backup-metrics-read", buckets, "read");
  keep(s, "backup-monitor-access-key", MONITOR_READ_SECRETS.accessKey, monitorKey.accessKey);
  keep(s, "backup-monitor-secret-key", MONITOR_READ_SECRETS.secretKey, monitorKey.secretKey);
  return { primary, ...(dr ? { dr } : {}), jobKey, monitorKey };
}
