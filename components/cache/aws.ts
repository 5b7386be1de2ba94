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
 */
import { ReplicationGroup } from "@pulumi/aws/elasticache/replicationGroup";
import { SubnetGroup } from "@pulumi/aws/elasticache/subnetGroup";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import { SecretVersion } from "@pulumi/aws/secretsmanager/secretVersion";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { awsAccount, encryptedLogGroup, kmsKey, logsPrincipal, secretRecoveryDays } from "../lib/aws";
import { childOptions, invalid, tagsFor } from "../lib/component";
import * as naming from "../naming";
import { regionOfZone } from "../network/subnets";
import type { CacheOutputs, ResolvedCacheArgs } from ".";
import { awsCacheNodeType } from "./node-types";

export const CACHE_ENGINE = "valkey";
export const CACHE_ENGINE_VERSION = "8.0";
export const CACHE_PORT = 6379;
/** Daily snapshot window (UTC); must not overlap the maintenance window. */
export const SNAPSHOT_WINDOW = "03:00-04:00";
/** Weekly maintenance window (UTC), after the snapshot. */
export const MAINTENANCE_WINDOW = "sun:05:00-sun:06:00";

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedCacheArgs): CacheOutputs {
  const { project, environment } = args.context;
  const prefix = naming.prefix(project, environment);
  const tags = tagsFor(args, "cache");
  const zone = args.network.zones[0];
  if (!zone) invalid("network", "has no zones");
  // The network's zones are `${region}<letter>`; the region names the CloudWatch Logs principal in the key policy.
  const region = regionOfZone(zone);
  const account = awsAccount(parent);
  const nodeType = awsCacheNodeType(args.tier);

  // One key for everything the cache persists: snapshots and nodes at rest, the AUTH token secret, the slow log.
  const key = kmsKey(parent, `${name}-cache`, {
    description: `Loom cache ${prefix}: data at rest, AUTH token, slow log`,
    alias: `${prefix}-cache`,
    region,
    account,
    servicePrincipals: [logsPrincipal(region)],
    tags,
    protect: args.protect,
  });

  // 64 alphanumerics (~380 bits): inside ElastiCache's 16–128 printable characters, and no character that needs
  // escaping in a rediss:// URL (ElastiCache accepts only !&#$^<>- as specials anyway).
  const token = new RandomPassword(
    `${name}-cache-auth-token`,
    { length: 64, special: false, upper: true, lower: true, numeric: true, minUpper: 4, minLower: 4, minNumeric: 4 },
    { parent },
  );
  // Secret already (additionalSecretOutputs); said again so no refactor can make it plain.
  const tokenValue = pulumi.secret(token.result);

  const secret = new Secret(
    `${name}-cache-auth-token`,
    {
      name: `${prefix}/cache/auth-token`,
      description: `AUTH token of the ${prefix} cache (clients connect with TLS and this token)`,
      kmsKeyId: key.arn,
      recoveryWindowInDays: secretRecoveryDays(args.protect),
      tags,
    },
    childOptions(parent, args, true),
  );
  const version = new SecretVersion(
    `${name}-cache-auth-token`,
    { secretId: secret.arn, secretString: tokenValue },
    { parent },
  );

  const subnetGroup = new SubnetGroup(
    `${name}-cache`,
    {
      name: `${prefix}-cache`,
      description: `Private data subnets of ${prefix}`,
      subnetIds: args.network.dataSubnetIds,
      tags,
    },
    { parent },
  );

  const slowLog = encryptedLogGroup(parent, `${name}-cache-slow-log`, {
    logGroupName: `/${project}/${environment}/cache/slow-log`,
    retentionDays: args.logRetentionDays,
    kmsKeyArn: key.arn,
    tags,
  });

  const replicationGroupId = naming.fit(`${prefix}-cache`, 40);
  const group = new ReplicationGroup(
    `${name}-cache`,
    {
      replicationGroupId,
      description: `Loom cache and review-job queue (${prefix})`,
      engine: CACHE_ENGINE,
      engineVersion: CACHE_ENGINE_VERSION,
      nodeType,
      numCacheClusters: args.nodes,
      automaticFailoverEnabled: args.highAvailability,
      multiAzEnabled: args.highAvailability,
      port: CACHE_PORT,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [args.network.tiers.cache],
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      kmsKeyId: key.arn,
      authToken: tokenValue,
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
        { destination: slowLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
      ],
      tags,
    },
    childOptions(parent, args, true),
  );

  return {
    endpoint: group.primaryEndpointAddress,
    port: pulumi.output(CACHE_PORT),
    tls: true,
    // Resolves only once the value is stored, so a consumer never starts against an empty secret.
    authToken: { id: pulumi.all([secret.arn, version.id]).apply(([arn]) => arn) },
    monitoring: { replicationGroupId: group.replicationGroupId },
  };
}
