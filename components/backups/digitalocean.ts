/**
 * Backups on DigitalOcean: what the managed PostgreSQL's own backups (daily, with a fixed 7-day point-in-time
 * recovery, at a time nobody can set) do not give — encrypted logical backups kept `retentionDays` in a versioned
 * bucket of the stack's own, and with `disasterRecovery` a copy in `drRegion`.
 *
 * - dev (enabled false): nothing is built; `recovery` says DigitalOcean's 7-day PITR is all there is (it covers the
 *   profile's 1 day).
 * - s+p: the backup bucket (do-storage.ts: private, versioned, lifecycle expiration + noncurrent expiration, never
 *   force-destroyed, protected in prod), the job's and the monitor's Spaces keys scoped to it, the backup key as an
 *   empty secret-store placeholder (`backup-key`: `npm run backup -- keygen`, uploaded out of band, never in the
 *   plan or state), and the backup droplet (do-job.ts) whose timer runs the daily dump (do-job-script.ts).
 * - prod (disasterRecovery): a second bucket in `drRegion` the job uploads every set to as well. Spaces has no
 *   bucket replication and no cross-region copy, and the SDK no replication resource: the job's second upload is
 *   the copy.
 * - `recovery` (do-recovery.ts): PITR window, RPO, RTO estimate, the DR copy and the restore steps (a DigitalOcean
 *   restore creates a new cluster; standbys and replicas are re-added afterwards).
 */
import * as pulumi from "@pulumi/pulumi";
import type { HostGroups } from "../app-service";
import type { DigitalOceanDatabaseBackupTargets } from "../database/digitalocean";
import { handleFor } from "../lib/component";
import { doScope, inProject, storeSecret } from "../lib/digitalocean";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";
import { backupDroplet, type DoBackupDroplet } from "./do-job";
import { BACKUP_SECRETS } from "./do-job-script";
import { doRecoveryObjectives } from "./do-recovery";
import { backupStorage } from "./do-storage";
import type { Recovery } from "./recovery";

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  const targets = handleFor("targets", args.targets, "digitalocean") as DigitalOceanDatabaseBackupTargets;
  const s = doScope(parent, name, args, "backups");
  const drRegion = args.enabled && args.disasterRecovery ? s.platform.drRegion : undefined;
  const logicalJob = args.enabled && args.job !== undefined;
  const recovery = pulumi.output<Recovery>(
    doRecoveryObjectives({
      retentionDays: args.retentionDays,
      storageGiB: args.databaseSizeGiB,
      logicalJob,
      ...(drRegion ? { drRegion } : {}),
    }),
  );
  if (!args.enabled) {
    // Only DigitalOcean's own daily backups and 7-day PITR (see `recovery`).
    return { store: pulumi.output(""), drStore: pulumi.output(""), retentionDays: pulumi.output(0), recovery };
  }
  const storage = backupStorage(s, args.retentionDays, drRegion);
  const urns: pulumi.Input<string>[] = [storage.primary.bucket.bucketUrn];
  if (storage.dr) urns.push(storage.dr.bucket.bucketUrn);
  let host: DoBackupDroplet | undefined;
  if (args.job) {
    storeSecret(s, `${name}-backup-key`, BACKUP_SECRETS.key);
    host = backupDroplet(s, args, args.job, storage, targets);
    urns.push(host.droplet.dropletUrn);
  } else {
    pulumi.log.warn(
      "backups are on in this profile but no logical backup image is set: there is no daily pg_dump to the " +
        "backup bucket beyond DigitalOcean's 7-day PITR (set the backup image, docs/runbooks/backup-restore.md#the-scheduled-job)",
      parent,
    );
  }
  inProject(s, urns);
  return {
    store: pulumi.interpolate`https://${storage.primary.bucket.bucketDomainName}`,
    drStore: storage.dr ? pulumi.interpolate`https://${storage.dr.bucket.bucketDomainName}` : pulumi.output(""),
    retentionDays: pulumi.output(args.retentionDays),
    recovery,
    ...(host
      ? {
          bootConfig: host.userData.apply((text): Record<string, string> => ({ backup: text })),
          hosts: host.group.apply((g): HostGroups => ({ backup: g })),
        }
      : {}),
  };
}
