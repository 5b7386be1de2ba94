/**
 * In production, stateful resources cannot be deleted by accident: the cloud's own deletion protection is on, and the
 * Pulumi `protect` option guards them against a `pulumi destroy` or a rename that would replace them.
 */

import type { VaultArgs } from "@pulumi/aws/backup/vault";
import type { ClusterArgs as DocDbClusterArgs } from "@pulumi/aws/docdb/cluster";
import type { TableArgs } from "@pulumi/aws/dynamodb/table";
import type { LoadBalancerArgs } from "@pulumi/aws/lb/loadBalancer";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BucketArgs as S3BucketArgs } from "@pulumi/aws/s3/bucket";
import type { BackupVaultArgs as AzureBackupVaultArgs } from "@pulumi/azure-native/dataprotection/backupVault";
import type { VaultArgs as KeyVaultArgs } from "@pulumi/azure-native/keyvault/vault";
import type { SpacesBucketArgs } from "@pulumi/digitalocean/spacesBucket";
import type { BackupVaultArgs } from "@pulumi/gcp/backupdisasterrecovery/backupVault";
import type { InstanceArgs as GcpRedisArgs } from "@pulumi/gcp/redis/instance";
import type { DatabaseInstanceArgs } from "@pulumi/gcp/sql/databaseInstance";
import type { BucketArgs as GcsBucketArgs } from "@pulumi/gcp/storage/bucket";
import { type EnvironmentConfig, environmentConfig, isProduction } from "../../lib/environment";
import { q } from "../../lib/props";
import { type CheckContext, checks, rule } from "../../lib/rule";

interface Config extends EnvironmentConfig {
  requireProtect: boolean;
  statefulTypes: string[];
}
const on = checks<Config>();

/** Resources whose deletion loses data or makes data unreadable (keys). */
export const STATEFUL_TYPES: readonly string[] = [
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:docdb/cluster:Cluster",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:elasticache/serverlessCache:ServerlessCache",
  "aws:memorydb/cluster:Cluster",
  "aws:dynamodb/table:Table",
  "aws:efs/fileSystem:FileSystem",
  "aws:ebs/volume:Volume",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:backup/vault:Vault",
  "gcp:sql/databaseInstance:DatabaseInstance",
  "gcp:storage/bucket:Bucket",
  "gcp:redis/instance:Instance",
  "gcp:redis/cluster:Cluster",
  "gcp:memorystore/instance:Instance",
  "gcp:kms/keyRing:KeyRing",
  "gcp:kms/cryptoKey:CryptoKey",
  "gcp:compute/disk:Disk",
  "gcp:secretmanager/secret:Secret",
  "gcp:backupdisasterrecovery/backupVault:BackupVault",
  "azure-native:dbforpostgresql:Server",
  "azure-native:storage:StorageAccount",
  "azure-native:redis:Redis",
  "azure-native:cache:Redis",
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  "azure-native:keyvault:Secret",
  "azure-native:redisenterprise:RedisEnterprise",
  "azure-native:redisenterprise:Database",
  "azure-native:dataprotection:BackupVault",
  "azure-native:operationalinsights:Workspace",
  "digitalocean:index/databaseCluster:DatabaseCluster",
  "digitalocean:index/databaseReplica:DatabaseReplica",
  "digitalocean:index/spacesBucket:SpacesBucket",
  "digitalocean:index/volume:Volume",
  "kubernetes:postgresql.cnpg.io/v1:Cluster",
  "kubernetes:core/v1:PersistentVolumeClaim",
];

const attribute = (ctx: CheckContext<Config>, ok: boolean, what: string) => {
  if (isProduction(ctx.config) && !ok) ctx.report(`${what} in ${ctx.config.environment}`);
};

export const deletionProtection = rule<Config>({
  name: "deletion-protection",
  concern: "resilience",
  description:
    "In production, stateful resources have the cloud's deletion protection on, no force-destroy, and the Pulumi protect option.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps:
    "Production profile: `deletionProtection: true` (RDS, Aurora, DocumentDB, Cloud SQL `settings.deletionProtectionEnabled`), `enableDeletionProtection: true` (load balancers), `deletionProtectionEnabled: true` (DynamoDB), no `forceDestroy`, and `protect: true` on every stateful child (components use childOptions(parent, args, true)). Azure: Key Vault `properties.enablePurgeProtection: true` (soft delete on), Backup vault soft delete not Off (`securitySettings.softDeleteSettings.state` On, the default, or AlwaysOn) and immutability Unlocked or Locked. Deleting then needs an explicit unprotect first.",
  config: {
    ...environmentConfig,
    requireProtect: {
      type: "boolean",
      default: true,
      description: "Also require the Pulumi protect resource option on stateful resources in production.",
    },
    statefulTypes: {
      type: "array",
      items: { type: "string" },
      default: [...STATEFUL_TYPES],
      description:
        "Type tokens that hold data (or keys to data) and must carry the Pulumi protect option in production.",
    },
  },
  checks: [
    on<Record<string, unknown>>(["*"], (_props, ctx) => {
      const c = ctx.config;
      if (isProduction(c) && c.requireProtect && c.statefulTypes.includes(ctx.type) && !ctx.protect) {
        ctx.report(
          `stateful resource is not protected in ${c.environment}: set the Pulumi resource option protect: true (a destroy or replacement would lose its data)`,
        );
      }
    }),
    on<RdsInstanceArgs>("aws:rds/instance:Instance", (db, ctx) =>
      attribute(
        ctx,
        db.deletionProtection === true,
        `RDS instance deletionProtection is ${q(db.deletionProtection ?? false)}`,
      ),
    ),
    on<RdsClusterArgs>("aws:rds/cluster:Cluster", (c, ctx) =>
      attribute(
        ctx,
        c.deletionProtection === true,
        `RDS cluster deletionProtection is ${q(c.deletionProtection ?? false)}`,
      ),
    ),
    on<DocDbClusterArgs>("aws:docdb/cluster:Cluster", (c, ctx) =>
      attribute(
        ctx,
        c.deletionProtection === true,
        `DocumentDB cluster deletionProtection is ${q(c.deletionProtection ?? false)}`,
      ),
    ),
    on<LoadBalancerArgs>(["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"], (lb, ctx) =>
      attribute(
        ctx,
        lb.enableDeletionProtection === true,
        `load balancer enableDeletionProtection is ${q(lb.enableDeletionProtection ?? false)}`,
      ),
    ),
    on<TableArgs>("aws:dynamodb/table:Table", (t, ctx) =>
      attribute(
        ctx,
        t.deletionProtectionEnabled === true,
        `DynamoDB table deletionProtectionEnabled is ${q(t.deletionProtectionEnabled ?? false)}`,
      ),
    ),
    on<S3BucketArgs>(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"], (b, ctx) =>
      attribute(ctx, b.forceDestroy !== true, "S3 bucket has forceDestroy: true (a destroy deletes every object)"),
    ),
    on<VaultArgs>("aws:backup/vault:Vault", (v, ctx) =>
      attribute(
        ctx,
        v.forceDestroy !== true,
        "backup vault has forceDestroy: true (a destroy deletes every recovery point)",
      ),
    ),
    on<DatabaseInstanceArgs>("gcp:sql/databaseInstance:DatabaseInstance", (db, ctx) => {
      attribute(ctx, db.deletionProtection !== false, "Cloud SQL deletionProtection is false");
      attribute(
        ctx,
        db.settings?.deletionProtectionEnabled === true,
        `Cloud SQL settings.deletionProtectionEnabled is ${q(db.settings?.deletionProtectionEnabled ?? false)}`,
      );
    }),
    on<GcpRedisArgs>("gcp:redis/instance:Instance", (r, ctx) =>
      attribute(ctx, r.deletionProtection !== false, "Memorystore for Redis deletionProtection is false"),
    ),
    on<BackupVaultArgs>("gcp:backupdisasterrecovery/backupVault:BackupVault", (v, ctx) =>
      attribute(
        ctx,
        v.forceDelete !== true,
        "backup vault has forceDelete: true (a destroy deletes the vault even while it holds backups)",
      ),
    ),
    on<KeyVaultArgs>("azure-native:keyvault:Vault", (v, ctx) => {
      const p = v.properties;
      attribute(
        ctx,
        p?.enablePurgeProtection === true,
        `Key Vault properties.enablePurgeProtection is ${q(p?.enablePurgeProtection ?? false)} (a deleted vault and its keys and secrets can be purged before the retention ends)`,
      );
      attribute(ctx, p?.enableSoftDelete !== false, "Key Vault properties.enableSoftDelete is false");
    }),
    on<AzureBackupVaultArgs>("azure-native:dataprotection:BackupVault", (v, ctx) => {
      const security = v.properties?.securitySettings;
      const immutability = security?.immutabilitySettings?.state;
      attribute(
        ctx,
        immutability === "Unlocked" || immutability === "Locked",
        `Backup vault securitySettings.immutabilitySettings.state is ${q(immutability ?? "Disabled (default)")} (recovery points can be deleted before they expire); set "Unlocked" or "Locked"`,
      );
      const state = security?.softDeleteSettings?.state;
      attribute(
        ctx,
        state !== "Off",
        'Backup vault securitySettings.softDeleteSettings.state is "Off" (deleted backups are gone at once); set "On" or "AlwaysOn"',
      );
    }),
    on<SpacesBucketArgs>("digitalocean:index/spacesBucket:SpacesBucket", (b, ctx) =>
      attribute(ctx, b.forceDestroy !== true, "Spaces bucket has forceDestroy: true (a destroy deletes every object)"),
    ),
    on<GcsBucketArgs>("gcp:storage/bucket:Bucket", (b, ctx) =>
      attribute(
        ctx,
        b.forceDestroy !== true,
        "Cloud Storage bucket has forceDestroy: true (a destroy deletes every object)",
      ),
    ),
  ],
});
