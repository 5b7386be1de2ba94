import * as assert from "node:assert/strict";
import { Database, type DatabaseArgs } from "../../components/database";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { fakeAwsNetwork, staticAwsPlatform, withPlatform } from "./aws-fixtures";

const INSTANCE = "aws:rds/instance:Instance";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/loom-db-key";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-loom-db-AbCdEf";

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: "dev" | "staging" | "prod"): DatabaseArgs {
  const p = PROFILES[env];
  return {
    platform: staticAwsPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeAwsNetwork(),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
    deletionProtection: p.deletionProtection,
    logRetentionDays: p.logRetentionDays,
  };
}

async function build(args: DatabaseArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const db = new Database("loom", withPlatform(args));
    return {
      endpoint: db.endpoint,
      readerEndpoint: db.readerEndpoint,
      port: db.port,
      databaseName: db.databaseName,
      credentials: db.credentials,
      access: db.access,
      backupTargets: db.backupTargets,
      monitoring: db.monitoring,
    };
  });
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const primaryOf = (run: ProgramRun) => one(run, INSTANCE, "loom-db");

describe("Database on AWS", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await build(argsFor("dev"));
    staging = await build(argsFor("staging"));
    prod = await build(argsFor("prod"));
  });

  it("runs RDS PostgreSQL of the requested version, private, in the data subnets behind the database SG", () => {
    const db = inputs(primaryOf(dev));
    assert.equal(db.engine, "postgres");
    assert.equal(db.engineVersion, "16");
    assert.equal(db.identifier, "loom-dev-db");
    assert.equal(db.publiclyAccessible, false);
    assert.equal(db.port, 5432);
    assert.deepEqual(db.vpcSecurityGroupIds, ["sg-database"]);
    assert.equal(db.dbSubnetGroupName, "loom-dev-db");
    assert.deepEqual(inputs(one(dev, "aws:rds/subnetGroup:SubnetGroup")).subnetIds, ["subnet-data-a", "subnet-data-b"]);
  });

  it("encrypts storage, the master secret and Performance Insights with its own rotated, protected-in-prod key", () => {
    for (const run of [dev, staging, prod]) {
      const db = inputs(primaryOf(run));
      assert.equal(db.storageEncrypted, true);
      assert.equal(db.kmsKeyId, KEY_ARN);
      assert.equal(db.masterUserSecretKmsKeyId, KEY_ARN);
      assert.equal(inputs(one(run, "aws:kms/key:Key", "loom-db-key")).enableKeyRotation, true);
    }
    assert.equal(inputs(primaryOf(prod)).performanceInsightsKmsKeyId, KEY_ARN);
    assert.equal(one(prod, "aws:kms/key:Key").protect, true);
    assert.equal(one(dev, "aws:kms/key:Key").protect, false);
  });

  it("lets RDS manage the master password: no password input anywhere, secret referenced by ARN", () => {
    for (const run of [dev, prod]) {
      for (const db of ofType(run, INSTANCE)) {
        for (const field of ["password", "passwordWo", "passwordWoVersion"]) {
          assert.equal(field in inputs(db), false, `${db.name} has a ${field} input`);
        }
        assert.deepEqual(db.secretPaths, [], `${db.name} carries a secret input`);
      }
      assert.equal(inputs(primaryOf(run)).manageMasterUserPassword, true);
      assert.equal(inputs(primaryOf(run)).username, "loom_admin");
    }
    assert.deepEqual(prod.outputs.credentials, {
      username: { id: SECRET_ARN, key: "username" },
      password: { id: SECRET_ARN, key: "password" },
    });
  });

  it("uses gp3 storage with autoscaling bounds and the tier's instance class", () => {
    const sizes = (run: ProgramRun) => {
      const db = inputs(primaryOf(run));
      return [db.instanceClass, db.storageType, db.allocatedStorage, db.maxAllocatedStorage];
    };
    assert.deepEqual(sizes(dev), ["db.t4g.small", "gp3", 20, 50]);
    assert.deepEqual(sizes(staging), ["db.t4g.large", "gp3", 50, 200]);
    assert.deepEqual(sizes(prod), ["db.m7g.large", "gp3", 100, 1000]);
  });

  it("forces TLS and logs slow queries and connections through its own parameter group", () => {
    const group = inputs(one(prod, "aws:rds/parameterGroup:ParameterGroup"));
    assert.equal(group.family, "postgres16");
    assert.equal(group.name, "loom-prod-db-postgres16");
    assert.deepEqual(group.parameters, [
      { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
      { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
      { name: "log_min_duration_statement", value: "250", applyMethod: "immediate" },
      { name: "log_connections", value: "1", applyMethod: "immediate" },
      { name: "log_disconnections", value: "1", applyMethod: "immediate" },
      { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
    ]);
    assert.equal(inputs(primaryOf(prod)).parameterGroupName, "loom-prod-db-postgres16");
    const devForceSsl = inputs(one(dev, "aws:rds/parameterGroup:ParameterGroup")).parameters[0];
    assert.deepEqual(devForceSsl, { name: "rds.force_ssl", value: "1", applyMethod: "immediate" });
  });

  it("is Multi-AZ only when highly available (prod)", () => {
    assert.equal(inputs(primaryOf(dev)).multiAz, false);
    assert.equal(inputs(primaryOf(staging)).multiAz, false);
    assert.equal(inputs(primaryOf(prod)).multiAz, true);
  });

  it("keeps backups for the profile's PITR window, copies tags to snapshots and keeps a final snapshot", () => {
    for (const [run, days] of [
      [dev, 1],
      [staging, 7],
      [prod, 14],
    ] as const) {
      const db = inputs(primaryOf(run));
      assert.equal(db.backupRetentionPeriod, days);
      assert.equal(db.copyTagsToSnapshot, true);
      assert.equal(db.skipFinalSnapshot, false);
      assert.equal(db.backupWindow, "00:00-01:00");
      assert.equal(db.maintenanceWindow, "sun:01:30-sun:02:30");
    }
    assert.equal(inputs(primaryOf(prod)).finalSnapshotIdentifier, "loom-prod-db-final");
  });

  it("has deletion protection and Pulumi protect in prod, changes only in the maintenance window there", () => {
    const db = primaryOf(prod);
    assert.equal(inputs(db).deletionProtection, true);
    assert.equal(db.protect, true);
    assert.equal(inputs(db).applyImmediately, false);
    assert.equal(inputs(one(prod, INSTANCE, "loom-db-replica")).deletionProtection, true);
    assert.equal(one(prod, INSTANCE, "loom-db-replica").protect, true);
    assert.equal(inputs(primaryOf(dev)).deletionProtection, false);
    assert.equal(primaryOf(dev).protect, false);
    assert.equal(inputs(primaryOf(dev)).applyImmediately, true);
  });

  it("enables IAM auth, minor-version upgrades and the RSA 2048 CA everywhere", () => {
    for (const db of [primaryOf(dev), ...ofType(prod, INSTANCE)]) {
      assert.equal(inputs(db).iamDatabaseAuthenticationEnabled, true);
      assert.equal(inputs(db).autoMinorVersionUpgrade, true);
      assert.equal(inputs(db).caCertIdentifier, "rds-ca-rsa2048-g1");
    }
  });

  it("turns on Performance Insights (KMS, 7 days) and 60 s enhanced monitoring only with performanceInsights", () => {
    const dbDev = inputs(primaryOf(dev));
    assert.equal(dbDev.performanceInsightsEnabled, false);
    assert.equal(dbDev.monitoringInterval, 0);
    assert.equal("monitoringRoleArn" in dbDev, false);
    assert.equal(ofType(dev, "aws:iam/role:Role").length, 0);

    const db = inputs(primaryOf(staging));
    assert.equal(db.performanceInsightsEnabled, true);
    assert.equal(db.performanceInsightsKmsKeyId, KEY_ARN);
    assert.equal(db.performanceInsightsRetentionPeriod, 7);
    assert.equal(db.monitoringInterval, 60);
    assert.equal(db.monitoringRoleArn, "arn:aws:iam:eu-west-1:111122223333:role/loom-db-monitoring");
    const trust = JSON.parse(inputs(one(staging, "aws:iam/role:Role", "loom-db-monitoring")).assumeRolePolicy);
    assert.deepEqual(trust.Statement[0].Principal, { Service: "monitoring.rds.amazonaws.com" });
    assert.deepEqual(inputs(one(staging, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")), {
      role: "loom-staging-db-monitoring",
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    });
  });

  it("exports postgresql and upgrade logs into KMS-encrypted log groups it creates, with retention", () => {
    assert.deepEqual(inputs(primaryOf(prod)).enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
    const groups = ofType(prod, LOG_GROUP).map((g) => [inputs(g).name, inputs(g).retentionInDays, inputs(g).kmsKeyId]);
    assert.deepEqual(groups, [
      ["/aws/rds/instance/loom-prod-db/postgresql", 90, KEY_ARN],
      ["/aws/rds/instance/loom-prod-db/upgrade", 90, KEY_ARN],
      ["/aws/rds/instance/loom-prod-db-replica/postgresql", 90, KEY_ARN],
      ["/aws/rds/instance/loom-prod-db-replica/upgrade", 90, KEY_ARN],
    ]);
    assert.equal(inputs(one(dev, LOG_GROUP, "loom-db-postgresql")).retentionInDays, 7);
    const keyPolicy = JSON.parse(inputs(one(prod, "aws:kms/key:Key")).policy);
    assert.deepEqual(keyPolicy.Statement[1].Principal, { Service: "logs.eu-west-1.amazonaws.com" });
  });

  it("adds an encrypted, private read replica of the primary only when asked (prod)", () => {
    assert.equal(ofType(dev, INSTANCE).length, 1);
    assert.equal(ofType(staging, INSTANCE).length, 1);
    const replica = inputs(one(prod, INSTANCE, "loom-db-replica"));
    assert.equal(replica.replicateSourceDb, "loom-prod-db");
    assert.equal(replica.identifier, "loom-prod-db-replica");
    assert.equal(replica.storageEncrypted, true);
    assert.equal(replica.kmsKeyId, KEY_ARN);
    assert.equal(replica.publiclyAccessible, false);
    assert.deepEqual(replica.vpcSecurityGroupIds, ["sg-database"]);
    assert.equal(replica.parameterGroupName, "loom-prod-db-postgres16");
    assert.equal(replica.performanceInsightsEnabled, true);
    assert.equal(replica.performanceInsightsKmsKeyId, KEY_ARN);
    assert.equal(replica.monitoringInterval, 60);
    assert.equal(replica.instanceClass, "db.m7g.large");
    for (const field of ["username", "dbName", "manageMasterUserPassword", "engineVersion", "allocatedStorage"]) {
      assert.equal(field in replica, false, `the replica sets ${field}, which it inherits from the source`);
    }
    assert.equal(prod.outputs.readerEndpoint, "loom-prod-db-replica.abcdefghijkl.eu-west-1.rds.amazonaws.com");
    assert.equal(dev.outputs.readerEndpoint, "loom-dev-db.abcdefghijkl.eu-west-1.rds.amazonaws.com");
  });

  it("puts RDS Proxy in front when pooling: TLS required, end-to-end IAM auth (no secret), data subnets", () => {
    assert.equal(ofType(dev, "aws:rds/proxy:Proxy").length, 0);
    const proxy = inputs(one(staging, "aws:rds/proxy:Proxy"));
    assert.equal(proxy.name, "loom-staging-db-proxy");
    assert.equal(proxy.engineFamily, "POSTGRESQL");
    assert.equal(proxy.requireTls, true);
    assert.equal(proxy.debugLogging, false);
    assert.equal(proxy.defaultAuthScheme, "IAM_AUTH");
    assert.equal("auths" in proxy, false, "an IAM_AUTH proxy takes no SECRETS auth");
    assert.deepEqual(proxy.vpcSubnetIds, ["subnet-data-a", "subnet-data-b"]);
    assert.deepEqual(proxy.vpcSecurityGroupIds, ["sg-database"]);
    assert.equal(proxy.roleArn, "arn:aws:iam:eu-west-1:111122223333:role/loom-db-proxy");
    assert.deepEqual(inputs(one(staging, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup")), {
      dbProxyName: "loom-staging-db-proxy",
      connectionPoolConfig: { maxConnectionsPercent: 90, connectionBorrowTimeout: 120 },
    });
    assert.deepEqual(inputs(one(staging, "aws:rds/proxyTarget:ProxyTarget")), {
      dbProxyName: "loom-staging-db-proxy",
      targetGroupName: "default",
      dbInstanceIdentifier: "loom-staging-db",
    });
    assert.equal(staging.outputs.endpoint, "loom-db-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com");
    assert.equal(dev.outputs.endpoint, "loom-dev-db.abcdefghijkl.eu-west-1.rds.amazonaws.com");
  });

  it("lets the proxy's role log in to the instance as the token logins only, and read no secret", () => {
    const trust = JSON.parse(inputs(one(prod, "aws:iam/role:Role", "loom-db-proxy")).assumeRolePolicy);
    assert.deepEqual(trust.Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "rds.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
      },
    ]);
    const policy = JSON.parse(inputs(one(prod, "aws:iam/rolePolicy:RolePolicy", "loom-db-proxy")).policy);
    const onInstance = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY0";
    assert.deepEqual(policy.Statement, [
      {
        Sid: "ConnectToTheInstanceAsTheTokenLogins",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: [`${onInstance}/loom_app`, `${onInstance}/loom_backup`, `${onInstance}/loom_migrate`],
      },
    ]);
    assert.equal(JSON.stringify(policy).includes("secretsmanager"), false);
    assert.equal(JSON.stringify(policy).includes(SECRET_ARN), false);
  });

  it("hands out IAM logins to every workload and the master only as the roles step's admin, on the instance", () => {
    const onProxy = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:prx-0123456789abcdef0";
    const onInstance = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY0";
    const admin = {
      auth: "password",
      username: { id: SECRET_ARN, key: "username" },
      password: { id: SECRET_ARN, key: "password" },
    };
    const host = (env: string) => `loom-${env}-db.abcdefghijkl.eu-west-1.rds.amazonaws.com`;
    const expected = (env: string, on: string) => ({
      logins: {
        web: { auth: "aws-rds-iam", username: "loom_app" },
        worker: { auth: "aws-rds-iam", username: "loom_app" },
        migrate: { auth: "aws-rds-iam", username: "loom_migrate" },
        // Behind a proxy the backup goes to the instance: pg_dump's idle snapshot session outlives its idle timeout.
        backup:
          on === onProxy
            ? { auth: "aws-rds-iam", username: "loom_backup", host: host(env) }
            : { auth: "aws-rds-iam", username: "loom_backup" },
        // The instance itself: an IAM_AUTH proxy admits no password login.
        admin: { ...admin, host: host(env) },
      },
      roles: {
        database: "loom",
        logins: [
          { name: "loom_app", group: "app", create: "aws-rds-iam" },
          { name: "loom_migrate", group: "owner", create: "aws-rds-iam" },
          { name: "loom_backup", group: "readonly", create: "aws-rds-iam" },
        ],
      },
      connect: {
        web: `${on}/loom_app`,
        worker: `${on}/loom_app`,
        migrate: `${on}/loom_migrate`,
        backup: `${onInstance}/loom_backup`,
      },
    });
    // With the proxy (staging, prod) the token logins connect to it: its dbuser ARNs; dev: the instance's.
    assert.deepEqual(staging.outputs.access, expected("staging", onProxy));
    assert.deepEqual(dev.outputs.access, expected("dev", onInstance));
    // prod reads from its replica too, an instance of its own: web and worker get its dbuser ARNs as well.
    const onReplica = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ZYXWVUTSRQPONMLKJIHGFEDCB1";
    assert.deepEqual(prod.outputs.access, {
      ...expected("prod", onProxy),
      readerConnect: { web: `${onReplica}/loom_app`, worker: `${onReplica}/loom_app` },
    });
  });

  it("outputs port, name, backup targets and the monitoring identifiers", () => {
    const { port, databaseName, backupTargets, monitoring } = prod.outputs;
    assert.deepEqual(
      { port, databaseName, backupTargets, monitoring },
      {
        port: 5432,
        databaseName: "loom",
        backupTargets: { cloud: "aws", resourceArns: ["arn:aws:rds:eu-west-1:111122223333:db:loom-prod-db"] },
        monitoring: {
          cloud: "aws",
          instanceId: "loom-prod-db",
          allocatedStorageGiB: 100,
          memoryGiB: 8,
          replicaInstanceId: "loom-prod-db-replica",
        },
      },
    );
    assert.deepEqual(dev.outputs.monitoring, {
      cloud: "aws",
      instanceId: "loom-dev-db",
      allocatedStorageGiB: 20,
      memoryGiB: 2,
    });
  });

  describe("invalid args", () => {
    const base = () => argsFor("dev");
    const cases: [string, Partial<DatabaseArgs>, string, string][] = [
      ["PostgreSQL 15", { engineVersion: "15" }, "engineVersion", 'must be PostgreSQL 16 or newer, got "15"'],
      [
        "a non-numeric version",
        { engineVersion: "latest" },
        "engineVersion",
        'must be PostgreSQL 16 or newer, got "latest"',
      ],
      [
        "max storage below storage",
        { storageGiB: 100, maxStorageGiB: 50 },
        "maxStorageGiB",
        "must be ≥ storageGiB (100)",
      ],
      [
        "0 days of backups",
        { backupRetentionDays: 0 },
        "backupRetentionDays",
        "must be 1 to 35 (point-in-time recovery needs ≥ 1), got 0",
      ],
      [
        "36 days of backups",
        { backupRetentionDays: 36 },
        "backupRetentionDays",
        "must be 1 to 35 (point-in-time recovery needs ≥ 1), got 36",
      ],
    ];
    for (const [label, patch, propertyPath, reason] of cases) {
      it(`Database.resolve rejects ${label}`, () => {
        assert.throws(() => Database.resolve({ ...base(), ...patch }), { propertyPath, reason });
      });
    }

    it("rejects an invalid database name or version format before creating children", async () => {
      await assert.rejects(build({ ...base(), databaseName: "loom-db" }), {
        propertyPath: "databaseName",
        reason: '"loom-db" must start with a letter and hold only letters, digits and _ (at most 63 characters)',
      });
      await assert.rejects(build({ ...base(), engineVersion: "16.4.1" }), {
        propertyPath: "engineVersion",
        reason: '"16.4.1" is not a PostgreSQL version such as 16 or 16.4',
      });
    });
  });
});
