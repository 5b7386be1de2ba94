/**
 * The DigitalOcean AppService's stores: the app's own credentials as empty placeholders in the secrets bucket
 * (operators fill them out of band; Pulumi never overwrites them), which secret file each workload reads
 * (workload-secrets.ts), and the logs bucket the jobs droplet's aggregator writes every droplet's journald to.
 *
 * The logs bucket is private, expires objects after logRetentionDays (the retention of every droplet's logs) and is
 * not versioned: logs are written once and only ever expire, so an old version would only outlive the retention.
 * Its readwrite key (scoped to it alone) is kept in the secrets bucket for Ansible to push to the jobs droplet.
 */
import { SpacesBucket } from "@pulumi/digitalocean/spacesBucket";
import { SpacesKey } from "@pulumi/digitalocean/spacesKey";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { bucketName, type DoScope, secretFileName, storeSecret } from "../lib/digitalocean";
import type { ResolvedAppServiceArgs } from ".";
import { LOGS_KEY_FILES } from "./do-groups";
import type { RolesInputs } from "./do-workloads";
import { databaseEnvFor, rolesStepEnv, secretsFor, WORKLOADS, type Workload } from "./workload-secrets";

/** Secret key (file name) by environment variable, per workload; app secrets are created as placeholders here. */
export function workloadSecretKeys(
  scope: DoScope,
  args: ResolvedAppServiceArgs,
): pulumi.Output<Record<Workload, Record<string, string>>> {
  for (const [envName, ref] of Object.entries(args.secrets)) {
    if (ref.key !== undefined) {
      invalid(`secrets.${envName}`, "a secrets-bucket object holds one value; pass a ref without `key`");
    }
  }
  const app = Object.fromEntries(
    args.appSecretNames.map((envName) => {
      const key = secretFileName(envName);
      return [envName, storeSecret(scope, `${scope.name}-app-secret-${key}`, key).id];
    }),
  );
  const perWorkload = WORKLOADS.map((w) => {
    const allowed = secretsFor(w, {
      platform: args.secrets,
      app: args.appSecretNames,
      database: args.database?.logins,
    });
    const refs: Record<string, pulumi.Input<string>> = {
      ...Object.fromEntries(Object.entries(allowed.platform).map(([env, ref]) => [env, ref.id])),
      ...Object.fromEntries(allowed.app.map((env) => [env, app[env] as pulumi.Input<string>])),
    };
    return pulumi.output(refs).apply((r) => [w, r] as const);
  });
  return pulumi
    .all(perWorkload)
    .apply((list) => Object.fromEntries(list) as unknown as Record<Workload, Record<string, string>>);
}

/**
 * Each workload's plain login env and, when the Database hands out real logins (roles to grant), the roles step's
 * env and secret keys (the admin login's objects in the secrets bucket) — resolved, for the compose files.
 */
export function databaseInputs(
  args: ResolvedAppServiceArgs,
): pulumi.Output<{ loginEnv: Record<Workload, Record<string, string>>; roles?: RolesInputs }> {
  const access = args.database;
  const loginEnv = pulumi.output(
    Object.fromEntries(WORKLOADS.map((w) => [w, databaseEnvFor(w, access)])) as Record<
      Workload,
      Record<string, pulumi.Input<string>>
    >,
  );
  if (!access || access.roles.logins.length === 0) return loginEnv.apply((l) => ({ loginEnv: l }));
  const step = rolesStepEnv(access);
  const secrets = Object.fromEntries(Object.entries(step.secrets).map(([env, ref]) => [env, ref.id]));
  return pulumi
    .all([loginEnv, pulumi.output(step.env), pulumi.output(secrets)])
    .apply(([l, env, keys]) => ({ loginEnv: l, roles: { env, secrets: keys } }));
}

export interface LogsStore {
  bucket: SpacesBucket;
  key: SpacesKey;
}

/** The logs bucket and the aggregator's key (its two halves stored as secrets for Ansible). */
export function logsStore(scope: DoScope, args: ResolvedAppServiceArgs): LogsStore {
  const bucket = new SpacesBucket(
    `${scope.name}-logs`,
    {
      name: bucketName(scope, "logs"),
      region: scope.region,
      acl: "private",
      forceDestroy: false,
      lifecycleRules: [
        {
          id: "expire-logs",
          enabled: true,
          expiration: { days: args.logRetentionDays },
          abortIncompleteMultipartUploadDays: 1,
        },
      ],
    },
    scope.opts(true),
  );
  const key = new SpacesKey(
    `${scope.name}-logs-writer`,
    { name: `${scope.prefix}-logs-writer`, grants: [{ bucket: bucket.name, permission: "readwrite" }] },
    scope.opts(),
  );
  storeSecret(scope, `${scope.name}-logs-access-key`, LOGS_KEY_FILES.accessKey, key.accessKey);
  storeSecret(scope, `${scope.name}-logs-secret-key`, LOGS_KEY_FILES.secretKey, key.secretKey);
  return { bucket, key };
}
