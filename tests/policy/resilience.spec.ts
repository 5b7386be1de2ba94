/**
 * Beyond the four — resilience: deletion-protection (production only), backup-retention.
 */
import assert from "node:assert/strict";
import { backupRetention } from "../../policy/rules/resilience/backup-retention";
import { deletionProtection, STATEFUL_TYPES } from "../../policy/rules/resilience/deletion-protection";
import { allFixtures, aws, azure, check, gcp, itFails, itPasses, k8s, messages, mutate } from "../harness/fixtures";

const env = (environment: string, extra: object = {}) => ({ "deletion-protection": { environment, ...extra } });
const PROD = env("prod");
const NOT_PROTECTED =
  "stateful resource is not protected in prod: set the Pulumi resource option protect: true (a destroy or replacement would lose its data)";

describe("deletion-protection", () => {
  itPasses(
    deletionProtection,
    [
      aws.rdsInstance(),
      aws.rdsCluster(),
      aws.docDb(),
      aws.loadBalancer(),
      aws.dynamoTable(),
      aws.bucket(),
      aws.backupVault(),
      aws.kmsKey(),
      gcp.sqlInstance(),
      gcp.bucket(),
      azure.pgServer(),
      k8s.cnpgCluster(),
      k8s.pvc(),
    ],
    PROD,
    "in prod",
  );

  it("passes every happy-path fixture in prod (stateful ones are protected)", async () => {
    assert.deepEqual(await messages(deletionProtection, allFixtures(), PROD), []);
  });

  const bare = mutate(
    aws.rdsInstance(),
    (db) => {
      db.deletionProtection = undefined;
    },
    { protect: false },
  );
  itPasses(deletionProtection, [bare], env("dev"), "unprotected in dev (dev can be torn down)");
  itPasses(deletionProtection, [bare], {}, "without an environment in the pack config");
  itPasses(
    deletionProtection,
    [mutate(aws.rdsInstance(), () => undefined, { protect: false })],
    env("prod", { requireProtect: false }),
    "unprotected when requireProtect is off",
  );

  itFails(deletionProtection, [
    {
      title: "RDS instance without deletion protection in prod",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.deletionProtection = undefined;
      }),
      config: PROD,
      messages: ["RDS instance deletionProtection is false in prod"],
    },
    {
      title: "RDS instance without the Pulumi protect option in prod",
      resource: mutate(aws.rdsInstance(), () => undefined, { protect: false }),
      config: PROD,
      messages: [NOT_PROTECTED],
    },
    {
      title: "Aurora cluster without deletion protection in prod",
      resource: mutate(aws.rdsCluster(), (c) => {
        c.deletionProtection = false;
      }),
      config: PROD,
      messages: ["RDS cluster deletionProtection is false in prod"],
    },
    {
      title: "DocumentDB without deletion protection in prod",
      resource: mutate(aws.docDb(), (c) => {
        c.deletionProtection = undefined;
      }),
      config: PROD,
      messages: ["DocumentDB cluster deletionProtection is false in prod"],
    },
    {
      title: "load balancer without deletion protection in prod",
      resource: mutate(aws.loadBalancer(), (lb) => {
        lb.enableDeletionProtection = undefined;
      }),
      config: PROD,
      messages: ["load balancer enableDeletionProtection is false in prod"],
    },
    {
      title: "DynamoDB table without deletion protection in prod",
      resource: mutate(aws.dynamoTable(), (t) => {
        t.deletionProtectionEnabled = false;
      }),
      config: PROD,
      messages: ["DynamoDB table deletionProtectionEnabled is false in prod"],
    },
    {
      title: "S3 bucket with forceDestroy in prod",
      resource: mutate(aws.bucket(), (b) => {
        b.forceDestroy = true;
      }),
      config: PROD,
      messages: ["S3 bucket has forceDestroy: true (a destroy deletes every object) in prod"],
    },
    {
      title: "backup vault with forceDestroy in prod",
      resource: mutate(aws.backupVault(), (v) => {
        v.forceDestroy = true;
      }),
      config: PROD,
      messages: ["backup vault has forceDestroy: true (a destroy deletes every recovery point) in prod"],
    },
    {
      title: "Cloud SQL with Pulumi-side deletionProtection off in prod",
      resource: mutate(gcp.sqlInstance(), (db) => {
        db.deletionProtection = false;
      }),
      config: PROD,
      messages: ["Cloud SQL deletionProtection is false in prod"],
    },
    {
      title: "Cloud SQL without API-side deletion protection in prod",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings) db.settings.deletionProtectionEnabled = undefined;
      }),
      config: PROD,
      messages: ["Cloud SQL settings.deletionProtectionEnabled is false in prod"],
    },
    {
      title: "Cloud Storage bucket with forceDestroy in prod",
      resource: mutate(gcp.bucket(), (b) => {
        b.forceDestroy = true;
      }),
      config: PROD,
      messages: ["Cloud Storage bucket has forceDestroy: true (a destroy deletes every object) in prod"],
    },
    {
      title: "CloudNativePG cluster without the Pulumi protect option in prod",
      resource: mutate(k8s.cnpgCluster(), () => undefined, { protect: false }),
      config: PROD,
      messages: [NOT_PROTECTED],
    },
    {
      title: "staging treated as production by config",
      resource: bare,
      config: env("staging", { productionEnvironments: ["staging", "prod"] }),
      messages: [
        "RDS instance deletionProtection is false in staging",
        "stateful resource is not protected in staging: set the Pulumi resource option protect: true (a destroy or replacement would lose its data)",
      ],
    },
  ]);

  it("lists the stateful types every cloud's components create", () => {
    for (const t of [
      "aws:rds/instance:Instance",
      "aws:elasticache/replicationGroup:ReplicationGroup",
      "aws:kms/key:Key",
      "aws:backup/vault:Vault",
      "aws:s3/bucket:Bucket",
      "gcp:sql/databaseInstance:DatabaseInstance",
      "azure-native:dbforpostgresql:Server",
      "digitalocean:index/databaseCluster:DatabaseCluster",
      "kubernetes:postgresql.cnpg.io/v1:Cluster",
    ]) {
      assert.ok(STATEFUL_TYPES.includes(t), t);
    }
  });
});

describe("backup-retention", () => {
  const all = () => [
    aws.rdsInstance(),
    aws.rdsCluster(),
    aws.docDb(),
    aws.replicationGroup(),
    aws.backupPlan(),
    gcp.sqlInstance(),
    azure.pgServer(),
    k8s.cnpgCluster(),
    k8s.barmanObjectStore(),
  ];
  const prodMin = { "backup-retention": { minRetentionDays: 14, minCacheSnapshotDays: 7 } };
  itPasses(backupRetention, all());
  itPasses(backupRetention, all(), prodMin, "with the prod minimums (14 days, 7 cache)");
  itPasses(
    backupRetention,
    [
      mutate(aws.rdsInstance(), (db) => {
        db.backupRetentionPeriod = 0;
        db.replicateSourceDb = "loom-prod-db";
      }),
      mutate(gcp.sqlInstance(), (db) => {
        db.masterInstanceName = "loom-prod";
        if (db.settings) db.settings.backupConfiguration = undefined;
      }),
      mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec) {
          c.spec.backup = undefined;
          c.spec.plugins = [
            {
              name: "barman-cloud.cloudnative-pg.io",
              isWALArchiver: true,
              parameters: { barmanObjectName: "loom-db-backups" },
            },
          ];
        }
      }),
    ],
    {},
    "(replicas; CloudNativePG with the Barman Cloud plugin)",
  );

  const below = (what: string, value: string | number, min = 7) =>
    `${what} is ${value}, below the minimum of ${min} days (minRetentionDays)`;
  itFails(backupRetention, [
    {
      title: "RDS instance keeping backups 3 days",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.backupRetentionPeriod = 3;
      }),
      messages: [below("RDS instance backupRetentionPeriod", 3)],
    },
    {
      title: "RDS instance on the AWS default retention",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.backupRetentionPeriod = undefined;
      }),
      messages: [below("RDS instance backupRetentionPeriod", "unset (AWS default 1)")],
    },
    {
      title: "RDS instance keeping 7 days when prod asks 14",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.backupRetentionPeriod = 7;
      }),
      config: prodMin,
      messages: [below("RDS instance backupRetentionPeriod", 7, 14)],
    },
    {
      title: "Aurora cluster on the default retention",
      resource: mutate(aws.rdsCluster(), (c) => {
        c.backupRetentionPeriod = undefined;
      }),
      messages: [below("RDS cluster backupRetentionPeriod", "unset (AWS default 1)")],
    },
    {
      title: "DocumentDB keeping one day",
      resource: mutate(aws.docDb(), (c) => {
        c.backupRetentionPeriod = 1;
      }),
      messages: [below("DocumentDB cluster backupRetentionPeriod", 1)],
    },
    {
      title: "ElastiCache without snapshots",
      resource: mutate(aws.replicationGroup(), (rg) => {
        rg.snapshotRetentionLimit = undefined;
      }),
      messages: [
        "ElastiCache snapshotRetentionLimit is unset (0: no snapshots), below the minimum of 1 days (minCacheSnapshotDays)",
      ],
    },
    {
      title: "AWS Backup rule deleting after 3 days",
      resource: mutate(aws.backupPlan(), (p) => {
        const r = p.rules[0];
        if (r) r.lifecycle = { deleteAfter: 3 };
      }),
      messages: [below('backup rule "daily" lifecycle.deleteAfter', 3)],
    },
    {
      title: "AWS Backup cross-region copy deleted after 3 days",
      resource: mutate(aws.backupPlan(), (p) => {
        const c = p.rules[0]?.copyActions?.[0];
        if (c) c.lifecycle = { deleteAfter: 3 };
      }),
      messages: [below('backup rule "daily" copy action lifecycle.deleteAfter', 3)],
    },
    {
      title: "Cloud SQL with automated backups off",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.backupConfiguration) db.settings.backupConfiguration.enabled = false;
      }),
      messages: [
        "Cloud SQL automated backups are off (settings.backupConfiguration.enabled is not true); enable them with point-in-time recovery",
      ],
    },
    {
      title: "Cloud SQL keeping 3 daily backups",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.backupConfiguration)
          db.settings.backupConfiguration.backupRetentionSettings = { retainedBackups: 3 };
      }),
      messages: [below("Cloud SQL backupRetentionSettings.retainedBackups (daily backups)", 3)],
    },
    {
      title: "Cloud SQL without point-in-time recovery",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.backupConfiguration) db.settings.backupConfiguration.pointInTimeRecoveryEnabled = false;
      }),
      messages: [
        "Cloud SQL point-in-time recovery is off (settings.backupConfiguration.pointInTimeRecoveryEnabled is not true)",
      ],
    },
    {
      title: "Cloud SQL on the default 7-day PITR window when prod asks 14",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.backupConfiguration) db.settings.backupConfiguration.transactionLogRetentionDays = undefined;
      }),
      config: prodMin,
      messages: [below("Cloud SQL backupConfiguration.transactionLogRetentionDays (the PITR window)", 7, 14)],
    },
    {
      title: "Backup and DR vault enforcing 3 days",
      resource: mutate(gcp.backupVault(), (v) => {
        v.backupMinimumEnforcedRetentionDuration = "259200s";
      }),
      config: prodMin,
      messages: [below("backup vault backupMinimumEnforcedRetentionDuration", "3 days (259200s)", 14)],
    },
    {
      title: "Backup and DR plan rule keeping 3 days",
      resource: mutate(gcp.backupPlan(), (p) => {
        const r = p.backupRules?.[0];
        if (r) r.backupRetentionDays = 3;
      }),
      messages: [below('backup plan rule "daily" backupRetentionDays', 3)],
    },
    {
      title: "Azure PostgreSQL on the 7-day default when prod asks 14",
      resource: mutate(azure.pgServer(), (s) => {
        s.backup = undefined;
      }),
      config: prodMin,
      messages: [below("Azure PostgreSQL backup.backupRetentionDays", 7, 14)],
    },
    {
      title: "CloudNativePG without any backup",
      resource: mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec) c.spec.backup = undefined;
      }),
      messages: [
        "CloudNativePG cluster has no backups (no spec.backup.barmanObjectStore and no Barman Cloud plugin): no base backups, no WAL archive, no point-in-time recovery",
      ],
    },
    {
      title: "CloudNativePG keeping backups 3 days",
      resource: mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec?.backup) c.spec.backup.retentionPolicy = "3d";
      }),
      messages: [below("CloudNativePG spec.backup.retentionPolicy", '"3d"')],
    },
    {
      title: "Barman ObjectStore keeping 1 week when prod asks 14 days",
      resource: mutate(k8s.barmanObjectStore(), (s) => {
        if (s.spec) s.spec.retentionPolicy = "1w";
      }),
      config: prodMin,
      messages: [below("Barman ObjectStore spec.retentionPolicy", '"1w"', 14)],
    },
  ]);

  it("is advisory by default", async () => {
    const rds = mutate(aws.rdsInstance(), (db) => {
      db.backupRetentionPeriod = 1;
    });
    assert.deepEqual(
      (await check(backupRetention, rds)).map((v) => v.enforcementLevel),
      ["advisory"],
    );
  });
});
