/**
 * Cache on GCP: a Memorystore for Redis instance (Redis 7.2, one non-cluster endpoint) reached over the stack's
 * private services access range. Clients must use TLS (`SERVER_AUTHENTICATION`: the instance serves TLS only, on
 * 6378) and authenticate with the AUTH string Google generates, which is copied into a Secret Manager secret the
 * app reads as REDIS_PASSWORD. Data at rest, the AUTH string and its secret are encrypted with a customer-managed
 * key (90-day rotation) on the platform's key ring. highAvailability is STANDARD_HA (a replica in another zone with
 * automatic failover); snapshots are RDB persistence (gcp-sizing.ts says how retention maps).
 *
 * Why Memorystore for Redis and not Memorystore for Valkey: Redis AUTH with a generated string works with every
 * client through a plain password, while Valkey's authentication is IAM tokens (its TOKEN_AUTH is beta) and its
 * default is cluster mode; the app speaks plain Redis with a password, like on AWS and Kubernetes.
 *
 * Not built: the slow log (Memorystore keeps it on the instance, `SLOWLOG GET`; it is not exported to Cloud
 * Logging), so `logRetentionDays` has nothing to apply to. The app must trust the instance's Google-managed server
 * CA (`serverCaCerts`), which is not in system trust stores.
 */
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms/cryptoKeyIAMMember";
import { ServiceIdentity } from "@pulumi/gcp/projects/serviceIdentity";
import { Instance } from "@pulumi/gcp/redis/instance";
import { Secret } from "@pulumi/gcp/secretmanager/secret";
import { SecretVersion } from "@pulumi/gcp/secretmanager/secretVersion";
import * as pulumi from "@pulumi/pulumi";
import { handleFor } from "../lib/component";
import { cmekKey, type GcpScope, gcpScope } from "../lib/gcp";
import { pemBundle, type SecretRef } from "../lib/secrets";
import * as naming from "../naming";
import type { CacheOutputs, ResolvedCacheArgs } from ".";
import {
  maintenancePolicy,
  type RedisLayout,
  type RedisPersistence,
  redisLayout,
  redisPersistence,
} from "./gcp-sizing";

export const REDIS_VERSION = "REDIS_7_2";
export const TRANSIT_ENCRYPTION_MODE = "SERVER_AUTHENTICATION";
export const CONNECT_MODE = "PRIVATE_SERVICE_ACCESS";
/** The review-job queue lives here: a full cache refuses writes rather than evicting jobs (as on Kubernetes). */
export const REDIS_CONFIGS: Readonly<Record<string, string>> = { "maxmemory-policy": "noeviction" };
export const KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/** What Observability on GCP builds Memorystore alerts from. */
export interface GcpCacheMonitoring {
  cloud: "gcp";
  /** The `instance_id` label of redis.googleapis.com metrics: `projects/<p>/locations/<region>/instances/<name>`. */
  instanceId: pulumi.Output<string>;
}

/** The Memorystore for Redis service agent (Google's documented form; it exists once the API is enabled). */
export function redisServiceAgent(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@cloud-redis.iam.gserviceaccount.com`;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedCacheArgs): CacheOutputs {
  const placement = handleFor("network.placement", args.network.placement, "gcp");
  // Bad sizes fail before anything is registered.
  const layout = redisLayout(args);
  const persistence = redisPersistence(args.snapshotRetentionDays);
  if (args.snapshotRetentionDays > 1) {
    // Never silently less than asked: the profile promises days of snapshots; Memorystore keeps one.
    pulumi.log.warn(
      `cache snapshotRetentionDays ${args.snapshotRetentionDays}: Memorystore for Redis keeps only its latest RDB snapshot (taken hourly), not ${args.snapshotRetentionDays} days of them; older points in time come from the database, not the cache`,
      parent,
    );
  }
  const s = gcpScope(parent, name, args, "cache");
  const key = cacheKey(s);
  const instance = redisInstance(s, args, {
    layout,
    persistence,
    keyId: key.id,
    network: placement.network,
    range: placement.privateServicesRange,
    dependsOn: [placement.privateServices, key.redisGrant],
  });
  const authToken = authSecret(s, args, instance, key);
  return {
    endpoint: instance.host,
    // As the instance reports it: 6378, the TLS port, with in-transit encryption on.
    port: instance.port,
    tls: true,
    authToken,
    monitoring: { cloud: "gcp", instanceId: instance.id },
    // Memorystore's own CA (no public trust store has it): the app verifies the server against it.
    serverCa: instance.serverCaCerts.apply((certs) => pemBundle((certs ?? []).map((c) => c.cert ?? ""))),
  };
}

interface CacheKey {
  id: pulumi.Output<string>;
  redisGrant: CryptoKeyIAMMember;
  secretGrant: CryptoKeyIAMMember;
}

/**
 * One key for what the cache persists (instance data at rest, the AUTH string, its Secret Manager copy), with
 * encrypterDecrypter for the two service agents that use it. The grants are made here, not through cmekKey's
 * `agents`, so the instance and the secret can wait for them: both are refused if the agent cannot use the key.
 */
function cacheKey(s: GcpScope): CacheKey {
  const key = cmekKey(s, `${s.name}-cache`, []);
  // Secret Manager's agent is created on request only (`gcloud beta services identity create`).
  const secretAgent = new ServiceIdentity(
    `${s.name}-cache-secretmanager-agent`,
    { project: s.project, service: "secretmanager.googleapis.com" },
    s.opts(),
  );
  const grant = (who: string, member: pulumi.Input<string>) =>
    new CryptoKeyIAMMember(`${s.name}-cache-key-${who}`, { cryptoKeyId: key.id, role: KEY_ROLE, member }, s.opts());
  return {
    id: key.id,
    redisGrant: grant("redis", s.platform.projectNumber.apply(redisServiceAgent)),
    secretGrant: grant("secretmanager", secretAgent.member),
  };
}

interface InstanceWiring {
  layout: RedisLayout;
  persistence: RedisPersistence;
  keyId: pulumi.Output<string>;
  network: pulumi.Output<string>;
  range: pulumi.Output<string>;
  dependsOn: pulumi.Resource[];
}

function redisInstance(s: GcpScope, args: ResolvedCacheArgs, w: InstanceWiring): Instance {
  return new Instance(
    `${s.name}-cache`,
    {
      name: naming.fit(`${s.prefix}-cache`, 40),
      displayName: `Loom cache and review-job queue (${s.prefix})`,
      project: s.project,
      region: s.region,
      redisVersion: REDIS_VERSION,
      tier: w.layout.tier,
      memorySizeGb: w.layout.memorySizeGb,
      replicaCount: w.layout.replicaCount,
      readReplicasMode: w.layout.readReplicasMode,
      connectMode: CONNECT_MODE,
      authorizedNetwork: w.network,
      reservedIpRange: w.range,
      // Read replicas take a second /28; in PSA mode it must come from the stack's allocated range too.
      ...(w.layout.readReplicasMode === "READ_REPLICAS_ENABLED" ? { secondaryIpRange: w.range } : {}),
      transitEncryptionMode: TRANSIT_ENCRYPTION_MODE,
      authEnabled: true,
      customerManagedKey: w.keyId,
      persistenceConfig: w.persistence,
      redisConfigs: { ...REDIS_CONFIGS },
      maintenancePolicy: maintenancePolicy(),
      // Provider-level guard (unset means true, which would block every destroy): on exactly when protected.
      deletionProtection: args.protect,
      labels: s.labels,
    },
    s.opts(true, { dependsOn: w.dependsOn }),
  );
}

/** The Google-generated AUTH string, copied into a regional, CMEK-encrypted Secret Manager secret. */
function authSecret(s: GcpScope, args: ResolvedCacheArgs, instance: Instance, key: CacheKey): SecretRef {
  const secret = new Secret(
    `${s.name}-cache-auth-string`,
    {
      secretId: `${s.prefix}-cache-auth-string`,
      project: s.project,
      // Kept in the cache's region, with the cache's (regional) key: automatic replication needs a global key.
      replication: {
        userManaged: { replicas: [{ location: s.region, customerManagedEncryption: { kmsKeyName: key.id } }] },
      },
      deletionProtection: args.protect,
      labels: s.labels,
    },
    s.opts(true, { dependsOn: [key.secretGrant] }),
  );
  // Secret already (the provider lists authString in additionalSecretOutputs); said again so no refactor can make
  // it plain.
  const version = new SecretVersion(
    `${s.name}-cache-auth-string`,
    { secret: secret.id, secretData: pulumi.secret(instance.authString) },
    s.opts(),
  );
  // Resolves only once the value is stored, so a consumer never starts against an empty secret.
  return { id: pulumi.all([secret.id, version.id]).apply(([id]) => id) };
}
