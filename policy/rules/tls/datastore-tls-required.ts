/**
 * Databases, caches and storage refuse unencrypted client connections.
 */

import type { ClusterArgs as DaxClusterArgs } from "@pulumi/aws/dax/cluster";
import type { ClusterArgs as ElastiCacheClusterArgs } from "@pulumi/aws/elasticache/cluster";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { ClusterArgs as MemoryDbClusterArgs } from "@pulumi/aws/memorydb/cluster";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { ParameterGroupArgs } from "@pulumi/aws/rds/parameterGroup";
import type { ProxyArgs } from "@pulumi/aws/rds/proxy";
import type { ConfigurationArgs as PgConfigurationArgs } from "@pulumi/azure-native/dbforpostgresql/configuration";
import type { RedisArgs } from "@pulumi/azure-native/redis/redis";
import type { DatabaseArgs as RedisEnterpriseDatabaseArgs } from "@pulumi/azure-native/redisenterprise/database";
import type { StorageAccountArgs } from "@pulumi/azure-native/storage/storageAccount";
import type { DatabaseRedisConfigArgs } from "@pulumi/digitalocean/databaseRedisConfig";
import type { DatabaseValkeyConfigArgs } from "@pulumi/digitalocean/databaseValkeyConfig";
import type { InstanceArgs as MemorystoreInstanceArgs } from "@pulumi/gcp/memorystore/instance";
import type { ClusterArgs as GcpRedisClusterArgs } from "@pulumi/gcp/redis/cluster";
import type { InstanceArgs as GcpRedisInstanceArgs } from "@pulumi/gcp/redis/instance";
import type { DatabaseInstanceArgs } from "@pulumi/gcp/sql/databaseInstance";
import { CNPG_CLUSTER, type CnpgCluster } from "../../lib/crds";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

/** Major version from "16.4", "postgres16", "aurora-postgresql15", "mysql8.0" → 16, 16, 15, 8. */
function major(v: string | undefined): number | undefined {
  const m = /(\d+)/.exec(v ?? "");
  return m ? Number(m[1]) : undefined;
}

type Params = { name: string; value: string }[] | undefined;
const param = (params: Params, name: string) => (params ?? []).find((p) => p.name === name)?.value;
const isOn = (v: string | undefined) => v !== undefined && ["1", "on", "true"].includes(v.toLowerCase());

/** RDS/Aurora parameter group families and the parameter that forces TLS, with the engine's default when unset. */
function forceTlsParameter(family: string): { name: string; defaultOn: boolean } | undefined {
  const f = family.toLowerCase();
  if (/^postgres\d/.test(f)) return { name: "rds.force_ssl", defaultOn: (major(f) ?? 0) >= 15 };
  if (f.startsWith("aurora-postgresql")) return { name: "rds.force_ssl", defaultOn: false };
  if (/^mysql\d/.test(f)) return { name: "require_secure_transport", defaultOn: f === "mysql8.4" };
  if (f.startsWith("aurora-mysql") || f.startsWith("mariadb"))
    return { name: "require_secure_transport", defaultOn: false };
  return undefined;
}

function checkParameterGroup(family: string, params: Params, report: (m: string) => void): void {
  const p = forceTlsParameter(family);
  if (!p) return;
  const value = param(params, p.name);
  if (value === undefined ? !p.defaultOn : !isOn(value)) {
    report(
      `parameter group (family ${family}) ${value === undefined ? `does not set ${p.name}, whose default for this family accepts unencrypted connections` : `sets ${p.name} to ${q(value)}`}; add parameter ${p.name} = "1"`,
    );
  }
}

/** Clients of a CNPG cluster must not reach the default `host all all all <method>` rule without TLS. */
function cnpgRejectsPlaintext(pgHba: string[]): string | undefined {
  for (const raw of pgHba) {
    const f = raw.trim().split(/\s+/);
    const [kind, db, user, address, method] = f;
    if (kind === "hostnossl" && db === "all" && user === "all" && address === "all" && method === "reject")
      return undefined;
    if ((kind === "host" || kind === "hostnossl") && f[f.length - 1] !== "reject") return raw.trim();
  }
  return "(default) host all all all scram-sha-256";
}

export const datastoreTlsRequired = rule({
  name: "datastore-tls-required",
  concern: "tls",
  description: "Databases, caches and storage accounts refuse unencrypted client connections.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Require TLS on the server side, not only in clients: RDS parameter `rds.force_ssl = 1` (PostgreSQL) or `require_secure_transport = 1` (MySQL/MariaDB), RDS Proxy `requireTls`, ElastiCache `transitEncryptionEnabled` (mode required), Cloud SQL `sslMode: ENCRYPTED_ONLY`, Memorystore `transitEncryptionMode: SERVER_AUTHENTICATION`, Azure PostgreSQL `require_secure_transport = on`, Azure Redis `enableNonSslPort: false`, Azure Storage `enableHttpsTrafficOnly: true`, DigitalOcean Valkey/Redis config `ssl` not false (PostgreSQL always requires TLS), CloudNativePG `pg_hba` starting with `hostnossl all all all reject`.",
  checks: [
    on<DatabaseValkeyConfigArgs | DatabaseRedisConfigArgs>(
      [
        "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig",
        "digitalocean:index/databaseRedisConfig:DatabaseRedisConfig",
      ],
      (c, ctx) => {
        if (c.ssl === false) {
          ctx.report(
            `${ctx.type.includes("Valkey") ? "Valkey" : "Redis"} config sets ssl: false, so the cluster accepts plaintext connections; leave ssl unset or true (clients use rediss://)`,
          );
        }
      },
    ),
    on<ParameterGroupArgs>(
      ["aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"],
      (pg, ctx) => checkParameterGroup(pg.family, pg.parameters as Params, ctx.report),
    ),
    on<RdsInstanceArgs>("aws:rds/instance:Instance", (db, ctx) => {
      if (db.replicateSourceDb || !db.engine) return;
      const group = db.parameterGroupName;
      if (group && !group.startsWith("default.")) return; // a custom group: checked on the ParameterGroup itself
      const version = /^(\d+)(?:\.(\d+))?/.exec(db.engineVersion ?? "");
      const engine = db.engine.toLowerCase();
      const family =
        engine === "postgres"
          ? `postgres${version?.[1] ?? 99}`
          : engine === "mysql"
            ? `mysql${version?.[1] ?? 0}.${version?.[2] ?? 0}`
            : engine;
      const p = forceTlsParameter(family);
      if (p && !p.defaultOn) {
        ctx.report(
          `${engine} ${db.engineVersion ?? ""} instance uses the default parameter group, where ${p.name} is off; attach a parameter group with ${p.name} = "1"`,
        );
      }
    }),
    on<RdsClusterArgs>("aws:rds/cluster:Cluster", (c, ctx) => {
      if (c.replicationSourceIdentifier) return;
      const p = forceTlsParameter(c.engine);
      if (p && !c.dbClusterParameterGroupName) {
        ctx.report(
          `${c.engine} cluster uses the default cluster parameter group, where ${p.name} is off; attach a cluster parameter group with ${p.name} = "1"`,
        );
      }
    }),
    on<ProxyArgs>("aws:rds/proxy:Proxy", (p, ctx) => {
      if (p.requireTls !== true) {
        ctx.report(`RDS Proxy requireTls is ${q(p.requireTls ?? false)}; set requireTls: true`);
      }
    }),
    on<ReplicationGroupArgs>("aws:elasticache/replicationGroup:ReplicationGroup", (rg, ctx) => {
      if (rg.transitEncryptionEnabled !== true) {
        ctx.report(
          `ElastiCache replication group transitEncryptionEnabled is ${q(rg.transitEncryptionEnabled ?? false)}; set transitEncryptionEnabled: true`,
        );
      } else if ((rg.transitEncryptionMode ?? "required") !== "required") {
        ctx.report(
          `ElastiCache transitEncryptionMode is ${q(rg.transitEncryptionMode)}, which still accepts plaintext clients; set "required"`,
        );
      }
    }),
    on<ElastiCacheClusterArgs>("aws:elasticache/cluster:Cluster", (c, ctx) => {
      if (c.replicationGroupId) return; // a member: the replication group carries the setting
      if (c.transitEncryptionEnabled !== true) {
        ctx.report(
          `ElastiCache cluster transitEncryptionEnabled is ${q(c.transitEncryptionEnabled ?? false)}; set transitEncryptionEnabled: true`,
        );
      }
    }),
    on<MemoryDbClusterArgs>("aws:memorydb/cluster:Cluster", (c, ctx) => {
      if (c.tlsEnabled === false) ctx.report("MemoryDB cluster has tlsEnabled: false; remove it (TLS is the default)");
    }),
    on<DaxClusterArgs>("aws:dax/cluster:Cluster", (c, ctx) => {
      if (c.clusterEndpointEncryptionType !== "TLS") {
        ctx.report(`DAX clusterEndpointEncryptionType is ${q(c.clusterEndpointEncryptionType ?? "NONE")}; set "TLS"`);
      }
    }),
    on<DatabaseInstanceArgs>("gcp:sql/databaseInstance:DatabaseInstance", (db, ctx) => {
      const mode = db.settings?.ipConfiguration?.sslMode;
      if (mode !== "ENCRYPTED_ONLY" && mode !== "TRUSTED_CLIENT_CERTIFICATE_REQUIRED") {
        ctx.report(
          `Cloud SQL settings.ipConfiguration.sslMode is ${q(mode ?? "ALLOW_UNENCRYPTED_AND_ENCRYPTED (default)")}; set "ENCRYPTED_ONLY"`,
        );
      }
    }),
    on<GcpRedisInstanceArgs>("gcp:redis/instance:Instance", (r, ctx) => {
      if (r.transitEncryptionMode !== "SERVER_AUTHENTICATION") {
        ctx.report(
          `Memorystore for Redis transitEncryptionMode is ${q(r.transitEncryptionMode ?? "DISABLED (default)")}; set "SERVER_AUTHENTICATION"`,
        );
      }
    }),
    on<GcpRedisClusterArgs>("gcp:redis/cluster:Cluster", (r, ctx) => {
      if (r.transitEncryptionMode !== "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION") {
        ctx.report(
          `Memorystore for Redis Cluster transitEncryptionMode is ${q(r.transitEncryptionMode ?? "TRANSIT_ENCRYPTION_MODE_DISABLED (default)")}; set "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION"`,
        );
      }
    }),
    on<MemorystoreInstanceArgs>("gcp:memorystore/instance:Instance", (r, ctx) => {
      if (r.transitEncryptionMode !== "SERVER_AUTHENTICATION") {
        ctx.report(
          `Memorystore instance transitEncryptionMode is ${q(r.transitEncryptionMode ?? "TRANSIT_ENCRYPTION_DISABLED (default)")}; set "SERVER_AUTHENTICATION"`,
        );
      }
    }),
    on<PgConfigurationArgs>("azure-native:dbforpostgresql:Configuration", (c, ctx) => {
      if (c.configurationName === "require_secure_transport" && !isOn(c.value)) {
        ctx.report(`PostgreSQL server parameter require_secure_transport is ${q(c.value ?? null)}; set "on"`);
      }
    }),
    on<RedisArgs>(["azure-native:redis:Redis", "azure-native:cache:Redis"], (r, ctx) => {
      if (r.enableNonSslPort === true) {
        ctx.report(
          "Azure Cache for Redis has enableNonSslPort: true (plaintext port 6379); set enableNonSslPort: false",
        );
      }
    }),
    on<RedisEnterpriseDatabaseArgs>("azure-native:redisenterprise:Database", (d, ctx) => {
      if ((d.clientProtocol ?? "Encrypted") !== "Encrypted") {
        ctx.report(`Redis Enterprise database clientProtocol is ${q(d.clientProtocol)}; set "Encrypted"`);
      }
    }),
    on<StorageAccountArgs>("azure-native:storage:StorageAccount", (s, ctx) => {
      if (s.enableHttpsTrafficOnly === false) {
        ctx.report("Storage account has enableHttpsTrafficOnly: false; set enableHttpsTrafficOnly: true");
      }
    }),
    on<CnpgCluster>(CNPG_CLUSTER, (c, ctx) => {
      const accepting = cnpgRejectsPlaintext(c.spec?.postgresql?.pg_hba ?? []);
      if (accepting) {
        ctx.report(
          `CloudNativePG pg_hba accepts non-TLS connections (first matching rule: ${q(accepting)}); put "hostnossl all all all reject" first in spec.postgresql.pg_hba`,
        );
      }
    }),
  ],
});
