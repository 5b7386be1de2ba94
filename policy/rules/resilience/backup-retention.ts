/**
 * Automated backups exist and are kept at least the configured number of days (point-in-time recovery window).
 */

import type { PlanArgs } from "@pulumi/aws/backup/plan";
import type { ClusterArgs as DocDbClusterArgs } from "@pulumi/aws/docdb/cluster";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BackupPolicyArgs as AzureBackupPolicyArgs } from "@pulumi/azure-native/dataprotection/backupPolicy";
import type { ServerArgs as PgFlexibleServerArgs } from "@pulumi/azure-native/dbforpostgresql/server";
import type { DatabaseArgs as RedisEnterpriseDatabaseArgs } from "@pulumi/azure-native/redisenterprise/database";
import type { SpacesBucketArgs } from "@pulumi/digitalocean/spacesBucket";
import type { BackupPlanArgs } from "@pulumi/gcp/backupdisasterrecovery/backupPlan";
import type { BackupVaultArgs } from "@pulumi/gcp/backupdisasterrecovery/backupVault";
import type { DatabaseInstanceArgs } from "@pulumi/gcp/sql/databaseInstance";
import { BARMAN_OBJECT_STORE, type BarmanObjectStore, CNPG_CLUSTER, type CnpgCluster } from "../../lib/crds";
import { isoDurationDays } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  minRetentionDays: number;
  minCacheSnapshotDays: number;
}
const on = checks<Config>();

/** CloudNativePG/Barman retention "30d", "4w", "3m" → days. */
function barmanDays(policy: string): number | undefined {
  const m = /^(\d+)([dwm])$/.exec(policy.trim());
  if (!m) return undefined;
  return Number(m[1]) * ({ d: 1, w: 7, m: 30 } as const)[m[2] as "d" | "w" | "m"];
}

/**
 * DigitalOcean's managed PostgreSQL keeps a fixed 7-day PITR, so longer retention lives in logical dumps on Spaces:
 * a bucket whose name says it holds backups (or dumps) is versioned (an overwrite or delete keeps the old dump) and
 * expires nothing before minRetentionDays.
 */
function spacesBackupBucket(b: SpacesBucketArgsPlain, name: string, min: number, report: (m: string) => void): void {
  if (!/backup|dump/i.test(name)) return;
  if (b.versioning?.enabled !== true) {
    report(
      `Spaces backup bucket ${JSON.stringify(name)} has no versioning, so an overwritten or deleted dump is gone; set versioning: { enabled: true }`,
    );
  }
  for (const r of b.lifecycleRules ?? []) {
    const days = r.expiration?.days;
    if (r.enabled && days !== undefined && days < min) {
      report(short(`Spaces backup bucket ${JSON.stringify(name)} lifecycle expiration.days`, days, min));
    }
  }
}
type SpacesBucketArgsPlain = {
  versioning?: { enabled?: boolean };
  lifecycleRules?: { enabled: boolean; expiration?: { days?: number } }[];
};

const short = (what: string, days: number | string, min: number) =>
  `${what} is ${days}, below the minimum of ${min} days (minRetentionDays)`;

export const backupRetention = rule<Config>({
  name: "backup-retention",
  concern: "resilience",
  description:
    "Databases have automated backups kept at least minRetentionDays (RDS, Aurora, DocumentDB, AWS Backup plans, Cloud SQL, Azure PostgreSQL, Azure Backup vault policies, CloudNativePG, DigitalOcean Spaces backup buckets versioned with no earlier expiry); caches keep snapshots at least minCacheSnapshotDays.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps:
    "Take the retention from the profile (backupRetentionDays: 7 staging, 14 prod): RDS/Aurora/DocumentDB `backupRetentionPeriod`, AWS Backup rule `lifecycle.deleteAfter`, Cloud SQL `backupConfiguration.enabled` + `backupRetentionSettings.retainedBackups`, Azure PostgreSQL `backup.backupRetentionDays`, Azure Backup vault policy retention rules `lifecycles[].deleteAfter.duration` (P14D), CloudNativePG `spec.backup.retentionPolicy` (or the Barman ObjectStore's); ElastiCache `snapshotRetentionLimit`; Azure Managed Redis `persistence` (AOF or RDB) when minCacheSnapshotDays > 0; DigitalOcean (PITR fixed at 7 days): encrypted dumps to a Spaces bucket with `versioning.enabled` and lifecycle `expiration.days` ≥ the retention.",
  config: {
    minRetentionDays: {
      type: "integer",
      minimum: 1,
      maximum: 35,
      default: 7,
      description: "Shortest allowed database backup retention in days (policy/config sets 1 dev, 7 staging, 14 prod).",
    },
    minCacheSnapshotDays: {
      type: "integer",
      minimum: 0,
      default: 1,
      description: "Shortest allowed cache snapshot retention in days (0 allows caches without snapshots).",
    },
  },
  checks: [
    on<SpacesBucketArgs>("digitalocean:index/spacesBucket:SpacesBucket", (b, ctx) =>
      spacesBackupBucket(b, b.name ?? ctx.name, ctx.config.minRetentionDays, ctx.report),
    ),
    on<RdsInstanceArgs>("aws:rds/instance:Instance", (db, ctx) => {
      if (db.replicateSourceDb) return; // replicas: the source's backups cover them
      const days = db.backupRetentionPeriod ?? 1;
      if (days < ctx.config.minRetentionDays) {
        ctx.report(
          short(
            `RDS instance backupRetentionPeriod`,
            db.backupRetentionPeriod ?? "unset (AWS default 1)",
            ctx.config.minRetentionDays,
          ),
        );
      }
    }),
    on<RdsClusterArgs>("aws:rds/cluster:Cluster", (c, ctx) => {
      if (c.replicationSourceIdentifier) return;
      if ((c.backupRetentionPeriod ?? 1) < ctx.config.minRetentionDays) {
        ctx.report(
          short(
            "RDS cluster backupRetentionPeriod",
            c.backupRetentionPeriod ?? "unset (AWS default 1)",
            ctx.config.minRetentionDays,
          ),
        );
      }
    }),
    on<DocDbClusterArgs>("aws:docdb/cluster:Cluster", (c, ctx) => {
      if ((c.backupRetentionPeriod ?? 1) < ctx.config.minRetentionDays) {
        ctx.report(
          short(
            "DocumentDB cluster backupRetentionPeriod",
            c.backupRetentionPeriod ?? "unset (AWS default 1)",
            ctx.config.minRetentionDays,
          ),
        );
      }
    }),
    on<ReplicationGroupArgs>("aws:elasticache/replicationGroup:ReplicationGroup", (rg, ctx) => {
      const days = rg.snapshotRetentionLimit ?? 0;
      if (days < ctx.config.minCacheSnapshotDays) {
        ctx.report(
          `ElastiCache snapshotRetentionLimit is ${rg.snapshotRetentionLimit ?? "unset (0: no snapshots)"}, below the minimum of ${ctx.config.minCacheSnapshotDays} days (minCacheSnapshotDays)`,
        );
      }
    }),
    // Azure Managed Redis keeps no snapshot history (one RDB file or the AOF log): any persistence counts as kept.
    on<RedisEnterpriseDatabaseArgs>("azure-native:redisenterprise:Database", (d, ctx) => {
      const p = d.persistence;
      if (ctx.config.minCacheSnapshotDays > 0 && p?.aofEnabled !== true && p?.rdbEnabled !== true) {
        ctx.report(
          `Azure Managed Redis database has no persistence (persistence.aofEnabled and rdbEnabled not true), but minCacheSnapshotDays is ${ctx.config.minCacheSnapshotDays}; enable AOF or RDB`,
        );
      }
    }),
    on<PlanArgs>("aws:backup/plan:Plan", (p, ctx) => {
      for (const r of p.rules) {
        const keep = r.lifecycle?.deleteAfter;
        if (keep !== undefined && keep < ctx.config.minRetentionDays) {
          ctx.report(short(`backup rule "${r.ruleName}" lifecycle.deleteAfter`, keep, ctx.config.minRetentionDays));
        }
        for (const c of r.copyActions ?? []) {
          const copyKeep = c.lifecycle?.deleteAfter;
          if (copyKeep !== undefined && copyKeep < ctx.config.minRetentionDays) {
            ctx.report(
              short(
                `backup rule "${r.ruleName}" copy action lifecycle.deleteAfter`,
                copyKeep,
                ctx.config.minRetentionDays,
              ),
            );
          }
        }
      }
    }),
    on<DatabaseInstanceArgs>("gcp:sql/databaseInstance:DatabaseInstance", (db, ctx) => {
      if (db.masterInstanceName) return; // read replicas have no backups of their own
      const b = db.settings?.backupConfiguration;
      if (b?.enabled !== true) {
        ctx.report(
          "Cloud SQL automated backups are off (settings.backupConfiguration.enabled is not true); enable them with point-in-time recovery",
        );
        return;
      }
      const kept = b.backupRetentionSettings?.retainedBackups ?? 7;
      if ((b.backupRetentionSettings?.retentionUnit ?? "COUNT") === "COUNT" && kept < ctx.config.minRetentionDays) {
        ctx.report(
          short("Cloud SQL backupRetentionSettings.retainedBackups (daily backups)", kept, ctx.config.minRetentionDays),
        );
      }
      if (b.pointInTimeRecoveryEnabled !== true) {
        ctx.report(
          "Cloud SQL point-in-time recovery is off (settings.backupConfiguration.pointInTimeRecoveryEnabled is not true)",
        );
      } else if ((b.transactionLogRetentionDays ?? 7) < ctx.config.minRetentionDays) {
        ctx.report(
          short(
            "Cloud SQL backupConfiguration.transactionLogRetentionDays (the PITR window)",
            b.transactionLogRetentionDays ?? 7,
            ctx.config.minRetentionDays,
          ),
        );
      }
    }),
    on<BackupVaultArgs>("gcp:backupdisasterrecovery/backupVault:BackupVault", (v, ctx) => {
      const seconds = Number(/^(\d+)s$/.exec(String(v.backupMinimumEnforcedRetentionDuration ?? ""))?.[1] ?? 0);
      if (seconds < ctx.config.minRetentionDays * 86400) {
        ctx.report(
          short(
            "backup vault backupMinimumEnforcedRetentionDuration",
            `${seconds / 86400} days (${String(v.backupMinimumEnforcedRetentionDuration ?? "not set")})`,
            ctx.config.minRetentionDays,
          ),
        );
      }
    }),
    on<BackupPlanArgs>("gcp:backupdisasterrecovery/backupPlan:BackupPlan", (plan, ctx) => {
      for (const r of plan.backupRules ?? []) {
        if (r.backupRetentionDays < ctx.config.minRetentionDays) {
          ctx.report(
            short(
              `backup plan rule "${r.ruleId}" backupRetentionDays`,
              r.backupRetentionDays,
              ctx.config.minRetentionDays,
            ),
          );
        }
      }
    }),
    on<PgFlexibleServerArgs>("azure-native:dbforpostgresql:Server", (s, ctx) => {
      if (s.createMode === "Replica") return;
      const days = s.backup?.backupRetentionDays ?? 7;
      if (days < ctx.config.minRetentionDays) {
        ctx.report(short("Azure PostgreSQL backup.backupRetentionDays", days, ctx.config.minRetentionDays));
      }
    }),
    on<AzureBackupPolicyArgs>("azure-native:dataprotection:BackupPolicy", (p, ctx) => {
      for (const r of p.properties?.policyRules ?? []) {
        if (r.objectType !== "AzureRetentionRule") continue;
        for (const l of r.lifecycles ?? []) {
          const duration = l.deleteAfter?.duration;
          const days = isoDurationDays(duration);
          if (days === undefined || days < ctx.config.minRetentionDays) {
            ctx.report(
              short(
                `Backup vault policy retention rule "${r.name}" deleteAfter.duration`,
                JSON.stringify(duration ?? null),
                ctx.config.minRetentionDays,
              ),
            );
          }
        }
      }
    }),
    on<CnpgCluster>(CNPG_CLUSTER, (c, ctx) => {
      const spec = c.spec ?? {};
      const plugin = (spec.plugins ?? []).some((p) => p.isWALArchiver === true || /barman/i.test(p.name ?? ""));
      if (!spec.backup?.barmanObjectStore && !plugin) {
        ctx.report(
          "CloudNativePG cluster has no backups (no spec.backup.barmanObjectStore and no Barman Cloud plugin): no base backups, no WAL archive, no point-in-time recovery",
        );
        return;
      }
      const policy = spec.backup?.retentionPolicy;
      const days = policy === undefined ? undefined : barmanDays(policy);
      if (policy !== undefined && (days === undefined || days < ctx.config.minRetentionDays)) {
        ctx.report(
          short("CloudNativePG spec.backup.retentionPolicy", JSON.stringify(policy), ctx.config.minRetentionDays),
        );
      }
    }),
    on<BarmanObjectStore>(BARMAN_OBJECT_STORE, (s, ctx) => {
      const policy = s.spec?.retentionPolicy;
      const days = policy === undefined ? undefined : barmanDays(policy);
      if (policy !== undefined && (days === undefined || days < ctx.config.minRetentionDays)) {
        ctx.report(
          short("Barman ObjectStore spec.retentionPolicy", JSON.stringify(policy), ctx.config.minRetentionDays),
        );
      }
    }),
  ],
});
