/**
 * Cache on AWS: an ElastiCache for Valkey replication group (cluster mode disabled) in the private data subnets.
 * TLS is required in transit, data is encrypted at rest with a customer managed key, clients authenticate with a
 * generated AUTH token kept in Secrets Manager, and highAvailability adds Multi-AZ with automatic failover.
 *
 * Engine: Valkey rather than Redis OSS. ElastiCache supports the AUTH token for both engines (the provider's
 * `authToken` only requires transit encryption; AWS's "Authenticating with the Valkey and Redis OSS AUTH command"
 * lists `--engine valkey|redis`), Valkey is protocol-compatible with Redis 7.2 clients, is where new versions land,
 * and node-based Valkey is priced about 20 % below Redis OSS. Moving Redis → Valkey later is an in-place upgrade;
 * the reverse is not, so a new stack starts on Valkey.
 *
 * Eviction: a parameter group of our own with `maxmemory-policy noeviction`, as on every other cloud. The default
 * group's `volatile-lru` evicts keys that carry a TTL when memory is full (locks, job leases of the review queue);
 * here a full cache refuses writes instead, and the cache-memory alert fires before that.
 */
import { ParameterGroup } from "@pulumi/aws/elasticache/parameterGroup";
import { ReplicationGroup } from "@pulumi/aws/elasticache/replicationGroup";
import { SubnetGroup } from "@pulumi/aws/elasticache/subnetGroup";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import { SecretVersion } from "@pulumi/aws/secretsmanager/secretVersion";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { type AwsScope, awsScope, encryptedLogGroup, scopedKey, secretRecoveryDays } from "../lib/aws";
import { handleFor } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import * as naming from "../naming";
import type { CacheOutputs, ResolvedCacheArgs } from ".";
import { awsCacheNodeType } from "./node-types";

export const CACHE_ENGINE = "valkey";
export const CACHE_ENGINE_VERSION = "8.0";
export const CACHE_PORT = 6379;
/** The parameter group family of CACHE_ENGINE_VERSION (`valkey8`): changes with a major version upgrade. */
export const CACHE_PARAMETER_FAMILY = `${CACHE_ENGINE}${CACHE_ENGINE_VERSION.split(".")[0]}`;
/** The review-job queue lives in the cache: never evict, refuse writes when full. */
export const CACHE_PARAMETERS: readonly { name: string; value: string }[] = [
  { name: "maxmemory-policy", value: "noeviction" },
];
/** Daily snapshot window (UTC); must not overlap the maintenance window. */
export const SNAPSHOT_WINDOW = "03:00-04:00";
/** Weekly maintenance window (UTC), after the snapshot. */
export const MAINTENANCE_WINDOW = "sun:05:00-sun:06:00";

/** What AWS Observability reads: the replication group (its first node carries the per-node metrics). */
export interface AwsCacheMonitoring {
  cloud: "aws";
  replicationGroupId: pulumi.Output<string>;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedCacheArgs): CacheOutputs {
  const placement = handleFor("network.placement", args.network.placement, "aws");
  const s = awsScope(parent, name, args, "cache");
  const { prefix } = s;
  // One key for everything the cache persists: snapshots and nodes at rest, the AUTH token secret, the slow log.
  const key = scopedKey(s, `${name}-cache`, {
    description: `Loom cache ${prefix}: data at rest, AUTH token, slow log`,
    alias: `${prefix}-cache`,
    logs: true,
  });
  const token = authToken(s, key.arn);
  const subnetGroup = new SubnetGroup(
    `${name}-cache`,
    {
      name: `${prefix}-cache`,
      description: `Private data subnets of ${prefix}`,
      subnetIds: placement.dataSubnetIds,
      tags: s.tags(),
    },
    { parent },
  );
  const slowLog = encryptedLogGroup(parent, `${name}-cache-slow-log`, {
    logGroupName: s.logPath("cache/slow-log"),
    retentionDays: args.logRetentionDays,
    kmsKeyArn: key.arn,
    tags: s.tags(),
  });
  const parameters = new ParameterGroup(
    `${name}-cache`,
    {
      name: `${prefix}-cache`,
      family: CACHE_PARAMETER_FAMILY,
      description: `Loom cache ${prefix}: noeviction (the review-job queue lives here)`,
      parameters: [...CACHE_PARAMETERS],
      tags: s.tags(),
    },
    { parent },
  );
  const group = replicationGroup(s, args, {
    keyArn: key.arn,
    parameterGroupName: parameters.name,
    token: token.value,
    subnetGroupName: subnetGroup.name,
    slowLogName: slowLog.name,
  });
  return {
    endpoint: group.primaryEndpointAddress,
    port: pulumi.output(CACHE_PORT),
    tls: true,
    authToken: token.ref,
    monitoring: { cloud: "aws", replicationGroupId: group.replicationGroupId },
  };
}

/** The generated AUTH token, stored in Secrets Manager (encrypted with the cache key). */
function authToken(s: AwsScope, keyArn: pulumi.Output<string>): { value: pulumi.Output<string>; ref: SecretRef } {
  const { parent, name, prefix } = s;
  // 64 alphanumerics (~380 bits): inside ElastiCache's 16–128 printable characters, and no character that needs
  // escaping in a rediss:// URL (ElastiCache accepts only !&#$^<>- as specials anyway).
  const token = new RandomPassword(
    `${name}-cache-auth-token`,
    { length: 64, special: false, upper: true, lower: true, numeric: true, minUpper: 4, minLower: 4, minNumeric: 4 },
    { parent },
  );
  // Secret already (additionalSecretOutputs); said again so no refactor can make it plain.
  const value = pulumi.secret(token.result);
  const secret = new Secret(
    `${name}-cache-auth-token`,
    {
      name: `${prefix}/cache/auth-token`,
      description: `AUTH token of the ${prefix} cache (clients connect with TLS and this token)`,
      kmsKeyId: keyArn,
      recoveryWindowInDays: secretRecoveryDays(s.protect),
      tags: s.tags(),
    },
    s.opts(true),
  );
  const version = new SecretVersion(
    `${name}-cache-auth-token`,
    { secretId: secret.arn, secretString: value },
    { parent },
  );
  // Resolves only once the value is stored, so a consumer never starts against an empty secret.
  return { value, ref: { id: pulumi.all([secret.arn, version.id]).apply(([arn]) => arn) } };
}

interface GroupWiring {
  keyArn: pulumi.Output<string>;
  parameterGroupName: pulumi.Output<string>;
  token: pulumi.Output<string>;
  subnetGroupName: pulumi.Output<string>;
  slowLogName: pulumi.Output<string>;
}

function replicationGroup(s: AwsScope, args: ResolvedCacheArgs, w: GroupWiring): ReplicationGroup {
  const replicationGroupId = naming.fit(`${s.prefix}-cache`, 40);
  return new ReplicationGroup(
    `${s.name}-cache`,
    {
      replicationGroupId,
      description: `Loom cache and review-job queue (${s.prefix})`,
      engine: CACHE_ENGINE,
      engineVersion: CACHE_ENGINE_VERSION,
      nodeType: awsCacheNodeType(args.tier),
      numCacheClusters: args.nodes,
      automaticFailoverEnabled: args.highAvailability,
      multiAzEnabled: args.highAvailability,
      port: CACHE_PORT,
      parameterGroupName: w.parameterGroupName,
      subnetGroupName: w.subnetGroupName,
      securityGroupIds: [args.network.tiers.cache],
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      kmsKeyId: w.keyArn,
      authToken: w.token,
      // A changed token is added next to the old one, so running clients keep working until they restart.
      authTokenUpdateStrategy: "ROTATE",
      snapshotRetentionLimit: args.snapshotRetentionDays,
      snapshotWindow: SNAPSHOT_WINDOW,
      maintenanceWindow: MAINTENANCE_WINDOW,
      autoMinorVersionUpgrade: true,
      // Protected (prod) caches change in the maintenance window, never in the middle of the day.
      applyImmediately: !args.protect,
      ...(args.protect && args.snapshotRetentionDays > 0
        ? { finalSnapshotIdentifier: `${replicationGroupId}-final` }
        : {}),
      logDeliveryConfigurations: [
        { destination: w.slowLogName, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
      ],
      tags: s.tags(),
    },
    s.opts(true),
  );
}
