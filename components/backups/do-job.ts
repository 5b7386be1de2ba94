/**
 * The backup droplet on DigitalOcean: one fixed droplet (tags: the backup group, the app tag the database's trusted
 * sources admit, the stack's tags) in the stack's VPC, whose boot config (lib/do-cloud-init.ts, the same hardened
 * host as every droplet) carries the daily timer, the backup compose file and the job script (do-job-script.ts).
 *
 * - Secrets (ansible delivery, spec fact 1): the database user and password (the Database's SecretRefs), the
 *   backup key and the job's Spaces key pair are files Ansible pushes into /etc/loom/secrets; nothing secret is in
 *   the userData, which is therefore plain and readable in the plan.
 * - The connection: the primary's private host on the direct port (DigitalOceanDatabaseBackupTargets: never the
 *   pool, pg_dump needs a session), verify-full against the cluster's CA (getDatabaseCa, a public certificate).
 * - Logs: journald → Vector → the jobs droplet's aggregator (job.runtime.collectorHost), like every droplet.
 */
import { Droplet } from "@pulumi/digitalocean/droplet";
import { getDatabaseCaOutput } from "@pulumi/digitalocean/getDatabaseCa";
import * as pulumi from "@pulumi/pulumi";
import type { HostGroups } from "../app-service";
import type { DigitalOceanAppRuntime } from "../app-service/digitalocean";
import type { DigitalOceanDatabaseBackupTargets } from "../database/digitalocean";
import { handleFor, invalid, orInvalid } from "../lib/component";
import { type DoScope, dropletBase } from "../lib/digitalocean";
import { renderCloudConfig } from "../lib/do-cloud-init";
import { renderCompose } from "../lib/do-compose";
import { SECRETS_SCRIPT } from "../lib/do-host";
import type { SecretRef } from "../lib/secrets";
import type { DigitalOceanNetworkPlacement } from "../network/digitalocean";
import type { ResolvedBackupJobArgs, ResolvedBackupsArgs } from ".";
import {
  BACKUP_COMPOSE_PATH,
  BACKUP_ENV_FILE,
  BACKUP_PROJECT,
  BACKUP_SCRIPT_PATH,
  BACKUP_SECRETS,
  BACKUP_STOP_GRACE_S,
  backupDropletSize,
  backupEnvFile,
  backupService,
  backupUnits,
  CONFIG_HOST_PATH,
  DB_CA_HOST_PATH,
  type DoBackupServiceInputs,
  type DoBucketRef,
  doJobScript,
} from "./do-job-script";
import type { DoBackupStorage } from "./do-storage";
import { backupJobLogin } from "./job-login";

/** The backup service's inputs (do-job-script.ts), with the stack's config JSON itself rather than its presence. */
export interface DoBootInputs extends Omit<DoBackupServiceInputs, "config"> {
  dbUserKey: string;
  dbPasswordKey: string;
  ca: string;
  config?: string;
  tables: string[];
  buckets: DoBucketRef[];
  collectorHost: string;
  hourUtc: number;
}

/** The backup droplet's `#cloud-config` (pure: every value resolved). */
export function backupBootConfig(i: DoBootInputs): string {
  const config = i.config !== undefined;
  const compose = renderCompose({ name: BACKUP_PROJECT, services: [backupService({ ...i, config })] });
  const envVars = backupEnvFile(i.dbUserKey, i.dbPasswordKey);
  return renderCloudConfig({
    role: "backup",
    stopGraceS: BACKUP_STOP_GRACE_S,
    secretKeys: [...new Set(Object.values(envVars))],
    secretDelivery: { kind: "ansible" },
    envFiles: { [BACKUP_ENV_FILE]: envVars },
    logShipping: { kind: "forward", address: i.collectorHost },
    files: [
      { path: BACKUP_COMPOSE_PATH, content: compose },
      {
        path: BACKUP_SCRIPT_PATH,
        content: doJobScript({ prefix: `loom-${i.database}`, buckets: i.buckets, tables: i.tables, config }),
      },
      { path: DB_CA_HOST_PATH, content: i.ca.endsWith("\n") ? i.ca : `${i.ca}\n` },
      ...(config ? [{ path: CONFIG_HOST_PATH, content: `${i.config}\n` }] : []),
    ],
    units: backupUnits(SECRETS_SCRIPT, i.hourUtc),
  });
}

const refKey = (at: string, id: pulumi.Input<string>) =>
  pulumi.output(id).apply((k) => {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(k)) invalid(at, `must be a DigitalOcean secret-store key, got "${k}"`);
    return k;
  });

export interface DoBackupDroplet {
  droplet: Droplet;
  /** The boot config (plain: no credential in it), for the `bootConfig` output and Ansible. */
  userData: pulumi.Output<string>;
  /** The backup group for the Ansible inventory (HostGroups entry). */
  group: pulumi.Output<HostGroups[string]>;
}

export function backupDroplet(
  s: DoScope,
  args: ResolvedBackupsArgs,
  job: ResolvedBackupJobArgs,
  storage: DoBackupStorage,
  targets: DigitalOceanDatabaseBackupTargets,
): DoBackupDroplet {
  if (!job.network) return invalid("job.network", "is required on DigitalOcean (the VPC and the backup group's tag)");
  const placement = handleFor(
    "job.network.placement",
    job.network.placement as DigitalOceanNetworkPlacement,
    "digitalocean",
  );
  if (!job.runtime)
    return invalid("job.runtime", "is required on DigitalOcean (AppService's runtime: the log aggregator)");
  const runtime = handleFor("job.runtime", job.runtime, "digitalocean") as DigitalOceanAppRuntime;
  const size = orInvalid("job.cpu", () => backupDropletSize(job.cpu, job.memoryMiB, args.databaseSizeGiB));
  const ca = getDatabaseCaOutput({ clusterId: targets.clusterId }, { parent: s.parent }).certificate;
  // DigitalOcean database users are password logins (the managed user's password in the secret store).
  const login = backupJobLogin(job.database, { cloud: "DigitalOcean" });
  const creds = { username: login.secrets.PGUSER as SecretRef, password: login.secrets.PGPASSWORD as SecretRef };
  const buckets = [storage.primary, ...(storage.dr ? [storage.dr] : [])];
  const userKey = refKey("job.database.credentials.username", creds.username.id);
  const passwordKey = refKey("job.database.credentials.password", creds.password.id);
  const secretKeys = pulumi
    .all([userKey, passwordKey])
    .apply(([u, p]) => [...new Set(Object.values(backupEnvFile(u, p)))]);
  const userData = pulumi
    .all([
      targets.privateHost,
      job.database.databaseName,
      userKey,
      passwordKey,
      ca,
      runtime.collectorHost,
      pulumi.all(buckets.map((b) => b.bucket.name)),
      pulumi.all(login.env),
    ])
    .apply(([host, database, dbUserKey, dbPasswordKey, pem, collectorHost, names, loginEnv]) =>
      backupBootConfig({
        image: job.image,
        loginEnv,
        runAsUser: job.runAsUser,
        cpu: job.cpu,
        memoryMiB: job.memoryMiB,
        host,
        port: targets.port,
        database,
        dbUserKey,
        dbPasswordKey,
        ca: pem,
        ...(job.config !== undefined ? { config: job.config } : {}),
        tables: job.tables,
        buckets: names.map((bucket, n) => ({ bucket, region: (buckets[n] as { region: string }).region })),
        collectorHost,
        hourUtc: args.dailyHourUtc,
      }),
    );
  const droplet = new Droplet(
    `${s.name}-backup`,
    {
      name: `${s.prefix}-backup`,
      ...dropletBase(s, placement.vpcId),
      size,
      gracefulShutdown: true,
      tags: [placement.tags.backup, placement.tags.app, ...s.tags],
      userData,
    },
    s.opts(),
  );
  const group = pulumi
    .all([droplet.name, droplet.ipv4AddressPrivate, secretKeys])
    .apply(([dropletName, privateIp, keys]) => ({
      tag: placement.tags.backup,
      hosts: [{ name: dropletName, privateIp }],
      secretKeys: keys,
    }));
  return { droplet, userData, group };
}

/** The secret-store key of the backup key (an empty placeholder the operator fills, never overwritten). */
export const BACKUP_KEY_SECRET = BACKUP_SECRETS.key;
