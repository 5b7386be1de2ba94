/**
 * Databases and caches store data encrypted at rest (customer-managed keys optionally required by config).
 */

import type { ClusterArgs as DaxClusterArgs } from "@pulumi/aws/dax/cluster";
import type { ClusterArgs as DocDbClusterArgs } from "@pulumi/aws/docdb/cluster";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { DomainArgs as OpenSearchDomainArgs } from "@pulumi/aws/opensearch/domain";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { ServerArgs as PgFlexibleServerArgs } from "@pulumi/azure-native/dbforpostgresql/server";
import type { RedisEnterpriseArgs } from "@pulumi/azure-native/redisenterprise/redisEnterprise";
import type { InstanceArgs as MemorystoreInstanceArgs } from "@pulumi/gcp/memorystore/instance";
import type { InstanceArgs as GcpRedisInstanceArgs } from "@pulumi/gcp/redis/instance";
import type { DatabaseInstanceArgs } from "@pulumi/gcp/sql/databaseInstance";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  requireCustomerManagedKeys: boolean;
}
const on = checks<Config>();

/**
 * RDS instances and clusters: encrypted unless created from an encrypted source (replica, snapshot, PITR, serverless
 * v1), and with requireCustomerManagedKeys a kmsKeyId of our own.
 */
function checkRdsStorage(
  what: "RDS instance" | "RDS cluster",
  db: { storageEncrypted?: unknown; kmsKeyId?: unknown },
  inherits: boolean,
  ctx: { config: Config; report: (message: string) => void },
): void {
  if (db.storageEncrypted === false || (!inherits && db.storageEncrypted !== true)) {
    ctx.report(
      `${what} storageEncrypted is ${q(db.storageEncrypted ?? false)}; set storageEncrypted: true with a kmsKeyId`,
    );
  } else if (ctx.config.requireCustomerManagedKeys && !db.kmsKeyId && !inherits) {
    ctx.report(`${what} is encrypted with the AWS managed key (no kmsKeyId); set kmsKeyId to a customer-managed key`);
  }
}

export const datastoreEncryptedAtRest = rule<Config>({
  name: "datastore-encrypted-at-rest",
  concern: "encryption",
  description:
    "Databases and caches encrypt data at rest; with requireCustomerManagedKeys, with a customer-managed key (KMS, Cloud KMS, Key Vault).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "AWS: `storageEncrypted: true` with `kmsKeyId` of a rotated customer-managed key (RDS, Aurora, DocumentDB), `atRestEncryptionEnabled: true` + `kmsKeyId` (ElastiCache), `encryptAtRest.enabled` (OpenSearch), `serverSideEncryption.enabled` (DAX). GCP and Azure encrypt by default; to require CMEK set `encryptionKeyName` (Cloud SQL), `customerManagedKey`/`kmsKey` (Memorystore), `dataEncryption.type: AzureKeyVault` (Azure PostgreSQL). Encryption at rest can only be chosen at creation: migrate through an encrypted snapshot.",
  config: {
    requireCustomerManagedKeys: {
      type: "boolean",
      default: false,
      description:
        "Also require a customer-managed key (AWS kmsKeyId, GCP CMEK, Azure Key Vault key) instead of the provider-managed default.",
    },
  },
  checks: [
    on<RdsInstanceArgs>("aws:rds/instance:Instance", (db, ctx) =>
      checkRdsStorage(
        "RDS instance",
        db,
        Boolean(db.replicateSourceDb || db.snapshotIdentifier || db.restoreToPointInTime),
        ctx,
      ),
    ),
    on<RdsClusterArgs>("aws:rds/cluster:Cluster", (c, ctx) =>
      checkRdsStorage(
        "RDS cluster",
        c,
        Boolean(c.replicationSourceIdentifier || c.snapshotIdentifier || c.engineMode === "serverless"),
        ctx,
      ),
    ),
    on<DocDbClusterArgs>("aws:docdb/cluster:Cluster", (c, ctx) => {
      if (c.storageEncrypted !== true && !c.snapshotIdentifier) {
        ctx.report(
          `DocumentDB cluster storageEncrypted is ${q(c.storageEncrypted ?? false)}; set storageEncrypted: true`,
        );
      }
    }),
    on<ReplicationGroupArgs>("aws:elasticache/replicationGroup:ReplicationGroup", (rg, ctx) => {
      if (rg.globalReplicationGroupId) return; // a secondary of a global datastore inherits the primary's settings
      const onByDefault = (rg.engine ?? "redis").toLowerCase() === "valkey";
      const enabled = rg.atRestEncryptionEnabled ?? onByDefault;
      if (enabled !== true) {
        ctx.report(
          `ElastiCache replication group atRestEncryptionEnabled is ${q(rg.atRestEncryptionEnabled ?? false)}; set atRestEncryptionEnabled: true with a kmsKeyId`,
        );
      } else if (ctx.config.requireCustomerManagedKeys && !rg.kmsKeyId) {
        ctx.report(
          "ElastiCache replication group has no kmsKeyId (AWS managed key); set kmsKeyId to a customer-managed key",
        );
      }
    }),
    on<OpenSearchDomainArgs>("aws:opensearch/domain:Domain", (d, ctx) => {
      if (d.encryptAtRest?.enabled !== true) {
        ctx.report(
          "OpenSearch domain encryptAtRest.enabled is not true; set encryptAtRest { enabled: true, kmsKeyId }",
        );
      }
    }),
    on<DaxClusterArgs>("aws:dax/cluster:Cluster", (c, ctx) => {
      if (c.serverSideEncryption?.enabled !== true) {
        ctx.report("DAX cluster serverSideEncryption.enabled is not true; set serverSideEncryption { enabled: true }");
      }
    }),
    on<DatabaseInstanceArgs>("gcp:sql/databaseInstance:DatabaseInstance", (db, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && !db.encryptionKeyName) {
        ctx.report(
          "Cloud SQL instance has no encryptionKeyName (Google-managed key); set encryptionKeyName to a Cloud KMS key",
        );
      }
    }),
    on<GcpRedisInstanceArgs>("gcp:redis/instance:Instance", (r, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && !r.customerManagedKey) {
        ctx.report(
          "Memorystore for Redis instance has no customerManagedKey (Google-managed key); set customerManagedKey to a Cloud KMS key",
        );
      }
    }),
    on<MemorystoreInstanceArgs>("gcp:memorystore/instance:Instance", (r, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && !r.kmsKey) {
        ctx.report("Memorystore instance has no kmsKey (Google-managed key); set kmsKey to a Cloud KMS key");
      }
    }),
    on<PgFlexibleServerArgs>("azure-native:dbforpostgresql:Server", (s, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && s.dataEncryption?.type !== "AzureKeyVault") {
        ctx.report(
          `Azure PostgreSQL dataEncryption.type is ${q(s.dataEncryption?.type ?? "SystemManaged (default)")}; set "AzureKeyVault" with primaryKeyURI`,
        );
      }
    }),
    // Azure Managed Redis always encrypts at rest (Microsoft-managed keys); only a customer key can be required.
    on<RedisEnterpriseArgs>("azure-native:redisenterprise:RedisEnterprise", (r, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && !r.encryption?.customerManagedKeyEncryption?.keyEncryptionKeyUrl) {
        ctx.report(
          "Azure Managed Redis has no encryption.customerManagedKeyEncryption.keyEncryptionKeyUrl (Microsoft-managed key); set it to a Key Vault key",
        );
      }
    }),
  ],
});
