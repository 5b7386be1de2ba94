import * as assert from "node:assert/strict";
import { Database, type DatabaseArgs } from "../../components/database";
import { PROFILES } from "../../components/profiles";
import type { CloudSqlEdition } from "../../components/targets/gcp";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { fakeGcpNetwork, GCP_PROJECT, GCP_REGION, gcpTarget, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

const INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance";
const SECRET = "gcp:secretmanager/secret:Secret";
const VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
const ZONE = "gcp:dns/managedZone:ManagedZone";
const RECORD = "gcp:dns/recordSet:RecordSet";
const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };
const NETWORK = `projects/${GCP_PROJECT}/global/networks/loom-prod`;
const KEY_ID = `projects/${GCP_PROJECT}/locations/${GCP_REGION}/keyRings/loom-keys/cryptoKeys/loom-db-key`;
const SQL_HOST = /^[0-9a-f]{12}\.[0-9a-f]{12}\.europe-west1\.sql\.goog$/;

type Env = "dev" | "staging" | "prod";
/** The edition settings derives from each profile (components/targets/gcp.ts: > 7 days of logs → PLUS). */
const EDITIONS: Record<Env, CloudSqlEdition> = {
  dev: "ENTERPRISE",
  staging: "ENTERPRISE",
  prod: "ENTERPRISE_PLUS",
};

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env, edition: CloudSqlEdition = EDITIONS[env]): DatabaseArgs {
  const p = PROFILES[env];
  return {
    platform: staticGcpPlatform(gcpTarget({ databaseEdition: edition })),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeGcpNetwork(),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
    deletionProtection: p.deletionProtection,
    logRetentionDays: p.logRetentionDays,
  };
}

/** Disaster recovery as index.ts derives it (backups && disasterRecovery): the platform then has a DR key ring. */
async function build(args: DatabaseArgs, disasterRecovery = false): Promise<ProgramRun> {
  return runComponents(() => {
    const db = new Database("loom", withGcpPlatform(args, { disasterRecovery }));
    return {
      endpoint: db.endpoint,
      readerEndpoint: db.readerEndpoint,
      serverCa: db.serverCa,
      port: db.port,
      databaseName: db.databaseName,
      credentials: db.credentials,
      backupTargets: db.backupTargets,
      monitoring: db.monitoring,
    };
  }, CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const primaryOf = (run: ProgramRun) => one(run, INSTANCE, "loom-db");
const settingsOf = (r: PlannedResource) => inputs(r).settings;

describe("Database on GCP", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  let runs: [Env, ProgramRun][];
  before(async () => {
    dev = await build(argsFor("dev"));
    staging = await build(argsFor("staging"));
    prod = await build(argsFor("prod"), true);
    runs = [
      ["dev", dev],
      ["staging", staging],
      ["prod", prod],
    ];
  });

  it("runs Cloud SQL PostgreSQL 16 named after the stack, in the stack's project and region", () => {
    for (const [env, run] of runs) {
      const db = inputs(primaryOf(run));
      assert.deepEqual(
        [db.databaseVersion, db.name, db.project, db.region],
        ["POSTGRES_16", `loom-${env}-db`, GCP_PROJECT, GCP_REGION],
      );
    }
  });

  it("is private on every instance: no public IPv4, private services access on our VPC, no Data API", () => {
    for (const [, run] of runs) {
      for (const db of ofType(run, INSTANCE)) {
        const s = settingsOf(db);
        assert.deepEqual(s.ipConfiguration, {
          ipv4Enabled: false,
          privateNetwork: NETWORK,
          allocatedIpRange: "loom-prod-psa",
          enablePrivatePathForGoogleCloudServices: false,
          sslMode: "ENCRYPTED_ONLY",
          serverCaMode: "GOOGLE_MANAGED_CAS_CA",
          serverCertificateRotationMode: "AUTOMATIC_ROTATION_DURING_MAINTENANCE",
        });
        assert.equal(s.dataApiAccess, "DISALLOW_DATA_API");
        assert.equal(s.connectorEnforcement, "NOT_REQUIRED");
      }
    }
    assert.equal(ofType(prod, INSTANCE).length, 2);
  });

  it("picks a machine tier the edition accepts, never shared-core", () => {
    const tiers = (run: ProgramRun) => ofType(run, INSTANCE).map((db) => [settingsOf(db).edition, settingsOf(db).tier]);
    assert.deepEqual(tiers(dev), [["ENTERPRISE", "db-custom-1-3840"]]);
    assert.deepEqual(tiers(staging), [["ENTERPRISE", "db-custom-2-8192"]]);
    assert.deepEqual(tiers(prod), [
      ["ENTERPRISE_PLUS", "db-perf-optimized-N-4"],
      ["ENTERPRISE_PLUS", "db-perf-optimized-N-4"],
    ]);
  });

  it("logs slow queries at the profile's threshold and every connection and disconnection; IAM logins on", () => {
    for (const [run, ms] of [
      [dev, "500"],
      [staging, "500"],
      [prod, "250"],
    ] as const) {
      for (const db of ofType(run, INSTANCE)) {
        assert.deepEqual(settingsOf(db).databaseFlags, [
          { name: "log_min_duration_statement", value: ms },
          { name: "log_connections", value: "on" },
          { name: "log_disconnections", value: "on" },
          { name: "cloudsql.iam_authentication", value: "on" },
        ]);
      }
    }
  });

  it("sizes SSD storage from the profile and lets it grow to maxStorageGiB", () => {
    const disk = (run: ProgramRun) => {
      const s = settingsOf(primaryOf(run));
      return [s.diskType, s.diskSize, s.diskAutoresize, s.diskAutoresizeLimit];
    };
    assert.deepEqual(disk(dev), ["PD_SSD", 20, true, 50]);
    assert.deepEqual(disk(staging), ["PD_SSD", 50, true, 200]);
    assert.deepEqual(disk(prod), ["PD_SSD", 100, true, 1000]);
    assert.equal(settingsOf(one(prod, INSTANCE, "loom-db-replica")).diskAutoresizeLimit, 1000);
  });

  it("backs up daily with point-in-time recovery over the profile's window, one more backup than log days", () => {
    for (const [run, days] of [
      [dev, 1],
      [staging, 7],
      [prod, 14],
    ] as const) {
      const { location: _, ...backup } = settingsOf(primaryOf(run)).backupConfiguration;
      assert.deepEqual(backup, {
        enabled: true,
        pointInTimeRecoveryEnabled: true,
        startTime: "00:00",
        transactionLogRetentionDays: days,
        backupRetentionSettings: { retainedBackups: days + 1, retentionUnit: "COUNT" },
      });
    }
    assert.deepEqual(settingsOf(one(prod, INSTANCE, "loom-db-replica")).backupConfiguration, { enabled: false });
  });

  it("stores prod's backups in the DR region, and leaves the others in Cloud SQL's nearest multi-region", () => {
    assert.equal(settingsOf(primaryOf(prod)).backupConfiguration.location, "europe-west4");
    assert.equal("location" in settingsOf(primaryOf(dev)).backupConfiguration, false);
    assert.equal("location" in settingsOf(primaryOf(staging)).backupConfiguration, false);
  });

  it("is REGIONAL (a standby in another zone) only when highly available (prod)", () => {
    assert.equal(settingsOf(primaryOf(dev)).availabilityType, "ZONAL");
    assert.equal(settingsOf(primaryOf(staging)).availabilityType, "ZONAL");
    assert.equal(settingsOf(primaryOf(prod)).availabilityType, "REGIONAL");
    assert.equal(settingsOf(one(prod, INSTANCE, "loom-db-replica")).availabilityType, "ZONAL");
  });

  it("turns Query Insights on with performanceInsights (no client addresses), and keeps a Sunday window", () => {
    assert.deepEqual(settingsOf(primaryOf(dev)).insightsConfig, { queryInsightsEnabled: false });
    for (const db of [primaryOf(staging), ...ofType(prod, INSTANCE)]) {
      assert.deepEqual(settingsOf(db).insightsConfig, {
        queryInsightsEnabled: true,
        queryPlansPerMinute: 5,
        queryStringLength: 1024,
        recordApplicationTags: false,
        recordClientAddress: false,
      });
    }
    for (const [, run] of runs) {
      for (const db of ofType(run, INSTANCE)) {
        assert.deepEqual(settingsOf(db).maintenanceWindow, { day: 7, hour: 1, updateTrack: "stable" });
      }
    }
  });

  it("encrypts every instance with its own rotated key, usable by the Cloud SQL and Secret Manager agents", () => {
    for (const [, run] of runs) {
      for (const db of ofType(run, INSTANCE)) assert.equal(inputs(db).encryptionKeyName, KEY_ID);
      const key = inputs(one(run, "gcp:kms/cryptoKey:CryptoKey", "loom-db-key"));
      assert.equal(key.rotationPeriod, "7776000s");
      assert.equal(key.keyRing, `projects/${GCP_PROJECT}/locations/${GCP_REGION}/keyRings/loom-keys`);
      const services = ofType(run, "gcp:projects/serviceIdentity:ServiceIdentity").map((a) => inputs(a).service);
      assert.deepEqual(services, ["sqladmin.googleapis.com", "secretmanager.googleapis.com"]);
      const grants = ofType(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map(inputs);
      assert.deepEqual(grants, [
        {
          cryptoKeyId: KEY_ID,
          role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
          member: "serviceAccount:service-000000000000@gcp-sa-cloud-sql.iam.gserviceaccount.com",
        },
        {
          cryptoKeyId: KEY_ID,
          role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
          member: "serviceAccount:service-000000000000@gcp-sa-secretmanager.iam.gserviceaccount.com",
        },
      ]);
    }
    assert.equal(one(prod, "gcp:kms/cryptoKey:CryptoKey").protect, true);
    assert.equal(one(dev, "gcp:kms/cryptoKey:CryptoKey").protect, false);
  });

  it("refuses deletion in prod at the API, the provider and Pulumi; dev and staging can be torn down", () => {
    for (const db of ofType(prod, INSTANCE)) {
      assert.equal(inputs(db).deletionProtection, true, db.name);
      assert.equal(settingsOf(db).deletionProtectionEnabled, true, db.name);
      assert.equal(db.protect, true, db.name);
    }
    for (const run of [dev, staging]) {
      const db = primaryOf(run);
      assert.deepEqual(
        [inputs(db).deletionProtection, settingsOf(db).deletionProtectionEnabled, db.protect],
        [false, false, false],
      );
    }
  });

  it("keeps the backups and takes a final one when the primary is deleted", () => {
    for (const [, run] of runs) {
      const s = settingsOf(primaryOf(run));
      assert.equal(s.retainBackupsOnDelete, true);
      assert.deepEqual(s.finalBackupConfig, { enabled: true, retentionDays: 30 });
    }
    const replica = settingsOf(one(prod, INSTANCE, "loom-db-replica"));
    assert.equal("finalBackupConfig" in replica, false);
  });

  it("adds a read replica of the primary only when asked (prod), and readers use it", () => {
    assert.equal(ofType(dev, INSTANCE).length, 1);
    assert.equal(ofType(staging, INSTANCE).length, 1);
    const replica = inputs(one(prod, INSTANCE, "loom-db-replica"));
    assert.equal(replica.masterInstanceName, "loom-prod-db");
    assert.equal(replica.name, "loom-prod-db-replica");
    assert.equal(replica.databaseVersion, "POSTGRES_16");
    const replicaRecord = inputs(one(prod, RECORD, "loom-db-replica-dns"));
    assert.equal(prod.outputs.readerEndpoint, replicaRecord.name.replace(/\.$/, ""));
    assert.notEqual(prod.outputs.readerEndpoint, prod.outputs.endpoint);
    assert.equal(dev.outputs.readerEndpoint, dev.outputs.endpoint);
  });

  it("does not turn Managed Connection Pooling on, even with connectionPooler (IAM logins connect directly)", () => {
    // The warning that says so: tests/components/db-logins.gcp.spec.ts.
    for (const [, run] of runs) {
      for (const db of ofType(run, INSTANCE)) assert.equal("connectionPoolConfigs" in settingsOf(db), false);
    }
  });

  it("connects by the instance's DNS name (no trailing dot), which a private zone on our VPC resolves", () => {
    for (const [env, run] of runs) {
      const endpoint = run.outputs.endpoint as string;
      assert.match(endpoint, SQL_HOST);
      const zone = inputs(one(run, ZONE, "loom-db-dns"));
      assert.deepEqual(zone, {
        project: GCP_PROJECT,
        name: `loom-${env}-db-dns`,
        dnsName: `${endpoint}.`,
        description: `loom-${env}: the Cloud SQL instance's DNS name on the VPC (private services access)`,
        visibility: "private",
        privateVisibilityConfig: { networks: [{ networkUrl: NETWORK }] },
        labels: zone.labels,
      });
      const record = inputs(one(run, RECORD, "loom-db-dns"));
      assert.deepEqual(
        [record.managedZone, record.name, record.type, record.ttl],
        [`loom-${env}-db-dns`, `${endpoint}.`, "A", 300],
      );
      assert.equal(record.rrdatas.length, 1);
      assert.match(record.rrdatas[0], /^10\.\d+\.\d+\.\d+$/);
    }
    assert.notDeepEqual(
      inputs(one(prod, RECORD, "loom-db-dns")).rrdatas,
      inputs(one(prod, RECORD, "loom-db-replica-dns")).rrdatas,
    );
  });

  it("creates the app's database and the admin password user loom_admin; no password is a literal, none on the instance", () => {
    for (const [, run] of runs) {
      assert.deepEqual(inputs(one(run, "gcp:sql/database:Database")), {
        project: GCP_PROJECT,
        instance: inputs(primaryOf(run)).name,
        name: "loom",
        deletionPolicy: "ABANDON",
      });
      const user = one(run, "gcp:sql/user:User");
      const password = "mock-generated-password-loom-db-app".padEnd(40, "x");
      assert.deepEqual(inputs(user), {
        project: GCP_PROJECT,
        instance: inputs(primaryOf(run)).name,
        name: "loom_admin",
        type: "BUILT_IN",
        password,
        deletionPolicy: "ABANDON",
      });
      assert.deepEqual(user.secretPaths, ["password"]);
      assert.deepEqual(inputs(one(run, "random:index/randomPassword:RandomPassword")), {
        length: 40,
        special: false,
        minLower: 1,
        minUpper: 1,
        minNumeric: 1,
      });
      for (const db of ofType(run, INSTANCE)) {
        for (const field of ["rootPassword", "rootPasswordWo"]) assert.equal(field in inputs(db), false);
      }
    }
  });

  it("keeps the admin's user name and password in Secret Manager, in region, encrypted with the database's key", () => {
    for (const [env, run] of runs) {
      for (const what of ["username", "password"]) {
        const secret = one(run, SECRET, `loom-db-${what}`);
        assert.equal(inputs(secret).secretId, `loom-${env}-db-admin-${what}`);
        assert.deepEqual(inputs(secret).replication, {
          userManaged: { replicas: [{ location: GCP_REGION, customerManagedEncryption: { kmsKeyName: KEY_ID } }] },
        });
        assert.equal(inputs(secret).deletionProtection, env === "prod");
        assert.equal(secret.protect, env === "prod");
        const version = one(run, VERSION, `loom-db-${what}`);
        assert.equal(inputs(version).secret, `projects/${GCP_PROJECT}/secrets/loom-${env}-db-admin-${what}`);
        assert.deepEqual(version.secretPaths, ["secretData"]);
      }
      assert.equal(inputs(one(run, VERSION, "loom-db-username")).secretData, "loom_admin");
      assert.equal(
        inputs(one(run, VERSION, "loom-db-password")).secretData,
        inputs(one(run, "gcp:sql/user:User")).password,
      );
    }
    assert.deepEqual(prod.outputs.credentials, {
      username: { id: `projects/${GCP_PROJECT}/secrets/loom-prod-db-admin-username` },
      password: { id: `projects/${GCP_PROJECT}/secrets/loom-prod-db-admin-password` },
    });
  });

  it("labels the instances and secrets with the stack's labels", () => {
    const labels = settingsOf(primaryOf(prod)).userLabels;
    assert.deepEqual(labels, {
      component: "database",
      environment: "prod",
      "managed-by": "pulumi",
      project: "loom",
      stack: "prod",
      team: "platform",
    });
    assert.deepEqual(inputs(one(prod, SECRET, "loom-db-password")).labels, labels);
  });

  it("outputs the direct port 5432 (no pooler), the database name, the primary (host, CA) for Backups, both instances for Observability", () => {
    assert.equal(dev.outputs.port, 5432);
    // The app's trust (PGSSLROOTCERT): the primary's and the replica's Cloud SQL CAs as one bundle.
    const ca = "-----BEGIN CERTIFICATE-----\nMIIMOCKGOOGLEMANAGEDCA\n-----END CERTIFICATE-----";
    assert.equal(prod.outputs.serverCa, `${ca}\n${ca}\n`);
    assert.equal(dev.outputs.serverCa, `${ca}\n`);
    const { port, databaseName, backupTargets, monitoring } = prod.outputs;
    assert.deepEqual(
      { port, databaseName, backupTargets, monitoring },
      {
        port: 5432,
        databaseName: "loom",
        backupTargets: {
          cloud: "gcp",
          instanceName: "loom-prod-db",
          instanceId: `projects/${GCP_PROJECT}/instances/loom-prod-db`,
          region: GCP_REGION,
          // The primary itself (not the replica), and the CA the mock engine reports as the API does.
          primaryHost: inputs(one(prod, RECORD, "loom-db-dns")).name.replace(/\.$/, ""),
          serverCa: "-----BEGIN CERTIFICATE-----\nMIIMOCKGOOGLEMANAGEDCA\n-----END CERTIFICATE-----\n",
        },
        monitoring: {
          cloud: "gcp",
          databaseIds: [`${GCP_PROJECT}:loom-prod-db`, `${GCP_PROJECT}:loom-prod-db-replica`],
        },
      },
    );
    assert.deepEqual(dev.outputs.monitoring, { cloud: "gcp", databaseIds: [`${GCP_PROJECT}:loom-dev-db`] });
  });

  describe("invalid args", () => {
    const cases: [string, DatabaseArgs, string, string][] = [
      [
        "14 days of logs on ENTERPRISE",
        { ...argsFor("prod", "ENTERPRISE"), connectionPooler: false },
        "backupRetentionDays",
        "Cloud SQL ENTERPRISE keeps at most 7 days of transaction logs, got 14; use ENTERPRISE_PLUS (loom:gcp.databaseEdition) for up to 35",
      ],
      [
        "a name Cloud SQL reserves",
        { ...argsFor("dev"), databaseName: "cloudsqladmin" },
        "databaseName",
        '"cloudsqladmin" is reserved by PostgreSQL/Cloud SQL',
      ],
      [
        "a three-part version",
        { ...argsFor("dev"), engineVersion: "16.4.1" },
        "engineVersion",
        '"16.4.1" is not a PostgreSQL version such as 16 or 16.4',
      ],
    ];
    for (const [label, args, propertyPath, reason] of cases) {
      it(`rejects ${label} before creating an instance`, async () => {
        await assert.rejects(build(args), { propertyPath, reason });
      });
    }
  });
});
