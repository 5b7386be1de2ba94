import * as assert from "node:assert/strict";
import { Cache, type CacheArgs } from "../../components/cache";
import { REDIS_VERSION, redisServiceAgent } from "../../components/cache/gcp";
import {
  GCP_CACHE_MEMORY_GB,
  gcpCacheMemoryGb,
  maintenancePolicy,
  redisLayout,
  redisPersistence,
} from "../../components/cache/gcp-sizing";
import { KMS_ROTATION_PERIOD } from "../../components/lib/gcp";
import { PROFILES, type Tier } from "../../components/profiles";
import { type PlannedResource, type ProgramRun, redact } from "../../scripts/lib/mock-engine";
import { context, one, runComponents } from "../harness/program";
import { fakeGcpNetwork, GCP_PROJECT, GCP_REGION, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

const REDIS = "gcp:redis/instance:Instance";
const KEY = "gcp:kms/cryptoKey:CryptoKey";
const KEY_MEMBER = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const SECRET = "gcp:secretmanager/secret:Secret";
const SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
const IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity";
const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };
const KEY_ID = `projects/${GCP_PROJECT}/locations/${GCP_REGION}/keyRings/loom-keys/cryptoKeys/loom-cache`;
const NETWORK = `projects/${GCP_PROJECT}/global/networks/loom-prod`;

type Env = "dev" | "staging" | "prod";

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env): CacheArgs {
  const p = PROFILES[env];
  return {
    platform: staticGcpPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeGcpNetwork(),
    ...p.cache,
    logRetentionDays: p.logRetentionDays,
  };
}

async function build(args: CacheArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const cache = new Cache("loom", withGcpPlatform(args));
    return {
      endpoint: cache.endpoint,
      port: cache.port,
      tls: cache.tls,
      authTokenId: cache.authToken.id,
      monitoring: cache.monitoring,
      serverCa: cache.serverCa,
    };
  }, CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const redisOf = (run: ProgramRun) => inputs(one(run, REDIS));

describe("cache sizing (gcp)", () => {
  it("maps every tier to whole GiB at or below the AWS node's memory", () => {
    assert.deepEqual(GCP_CACHE_MEMORY_GB, { small: 1, medium: 6, large: 26 });
    assert.equal(gcpCacheMemoryGb("medium"), 6);
    assert.throws(() => gcpCacheMemoryGb("huge" as Tier), {
      propertyPath: "tier",
      message: '"huge" is not one of small, medium, large',
    });
  });

  it("one node is BASIC without replicas; two with highAvailability are STANDARD_HA with one replica", () => {
    assert.deepEqual(redisLayout({ tier: "small", nodes: 1, highAvailability: false }), {
      tier: "BASIC",
      memorySizeGb: 1,
      replicaCount: 0,
      readReplicasMode: "READ_REPLICAS_DISABLED",
    });
    assert.deepEqual(redisLayout({ tier: "small", nodes: 2, highAvailability: true }), {
      tier: "STANDARD_HA",
      memorySizeGb: 1,
      replicaCount: 1,
      readReplicasMode: "READ_REPLICAS_DISABLED",
    });
  });

  it("more than two nodes become read replicas, which need 5 GiB and stop at 5 replicas", () => {
    assert.deepEqual(redisLayout({ tier: "medium", nodes: 4, highAvailability: true }), {
      tier: "STANDARD_HA",
      memorySizeGb: 6,
      replicaCount: 3,
      readReplicasMode: "READ_REPLICAS_ENABLED",
    });
    assert.throws(() => redisLayout({ tier: "small", nodes: 3, highAvailability: true }), {
      propertyPath: "nodes",
      message: /need at least 5 GiB; tier "small" is 1 GiB/,
    });
    assert.throws(() => redisLayout({ tier: "large", nodes: 7, highAvailability: true }), {
      propertyPath: "nodes",
      message: /at most 6 nodes/,
    });
  });

  it("refuses replicas without highAvailability (BASIC has none)", () => {
    assert.throws(() => redisLayout({ tier: "medium", nodes: 2, highAvailability: false }), {
      propertyPath: "nodes",
      message: /Memorystore BASIC has no replicas; 2 nodes need highAvailability/,
    });
  });

  it("snapshots are hourly RDB persistence, or explicitly disabled", () => {
    assert.deepEqual(redisPersistence(0), { persistenceMode: "DISABLED" });
    assert.deepEqual(redisPersistence(1), { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" });
    assert.deepEqual(redisPersistence(7), { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" });
    assert.throws(() => redisPersistence(-1), { propertyPath: "snapshotRetentionDays" });
  });

  it("the maintenance window is Sunday 05:00 UTC", () => {
    assert.deepEqual(maintenancePolicy(), {
      weeklyMaintenanceWindows: [{ day: "SUNDAY", startTime: { hours: 5, minutes: 0, seconds: 0, nanos: 0 } }],
    });
  });
});

describe("Cache on gcp", () => {
  const runs = {} as Record<Env, ProgramRun>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(argsFor(env));
  });

  it("every stack: Redis 7.2, private services access on the stack's VPC, TLS, AUTH, CMEK, noeviction", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const redis = redisOf(runs[env]);
      assert.equal(redis.name, `loom-${env}-cache`, env);
      assert.equal(redis.redisVersion, REDIS_VERSION);
      assert.equal(redis.redisVersion, "REDIS_7_2");
      assert.equal(redis.project, GCP_PROJECT);
      assert.equal(redis.region, GCP_REGION);
      assert.equal(redis.connectMode, "PRIVATE_SERVICE_ACCESS");
      assert.equal(redis.authorizedNetwork, NETWORK);
      assert.equal(redis.reservedIpRange, "loom-prod-psa");
      assert.equal(redis.transitEncryptionMode, "SERVER_AUTHENTICATION");
      assert.equal(redis.authEnabled, true);
      assert.equal(redis.customerManagedKey, KEY_ID);
      assert.deepEqual(redis.redisConfigs, { "maxmemory-policy": "noeviction" });
      assert.deepEqual(redis.maintenancePolicy, maintenancePolicy());
      assert.equal(redis.labels.component, "cache");
      assert.equal(redis.labels.environment, env);
    }
  });

  it("dev: one small BASIC node, no persistence, nothing protected, destroyable", () => {
    const redis = redisOf(runs.dev);
    assert.equal(redis.tier, "BASIC");
    assert.equal(redis.memorySizeGb, 1);
    assert.equal(redis.replicaCount, 0);
    assert.equal(redis.readReplicasMode, "READ_REPLICAS_DISABLED");
    assert.deepEqual(redis.persistenceConfig, { persistenceMode: "DISABLED" });
    assert.equal(redis.deletionProtection, false);
    assert.equal(one(runs.dev, REDIS).protect, false);
    assert.equal(one(runs.dev, KEY).protect, false);
    assert.equal(one(runs.dev, SECRET).protect, false);
    assert.equal(inputs(one(runs.dev, SECRET)).deletionProtection, false);
  });

  it("staging: snapshots on (RDB, hourly), still BASIC and unprotected", () => {
    const redis = redisOf(runs.staging);
    assert.equal(redis.tier, "BASIC");
    assert.deepEqual(redis.persistenceConfig, { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" });
    assert.equal(redis.deletionProtection, false);
    assert.equal(one(runs.staging, REDIS).protect, false);
  });

  it("prod: STANDARD_HA with one replica, medium memory, RDB snapshots, deletion protection and protect", () => {
    const redis = redisOf(runs.prod);
    assert.equal(redis.tier, "STANDARD_HA");
    assert.equal(redis.memorySizeGb, 6);
    assert.equal(redis.replicaCount, 1);
    assert.equal(redis.readReplicasMode, "READ_REPLICAS_DISABLED");
    assert.deepEqual(redis.persistenceConfig, { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" });
    assert.equal(redis.deletionProtection, true);
    assert.equal(one(runs.prod, REDIS).protect, true);
    assert.equal(one(runs.prod, KEY).protect, true);
    assert.equal(one(runs.prod, SECRET).protect, true);
    assert.equal(inputs(one(runs.prod, SECRET)).deletionProtection, true);
  });

  it("one rotating key on the platform's ring, usable by the Redis and Secret Manager service agents only", () => {
    const key = inputs(one(runs.prod, KEY));
    assert.equal(key.keyRing, `projects/${GCP_PROJECT}/locations/${GCP_REGION}/keyRings/loom-keys`);
    assert.equal(key.rotationPeriod, KMS_ROTATION_PERIOD);
    assert.equal(key.rotationPeriod, "7776000s");
    assert.equal(key.purpose, "ENCRYPT_DECRYPT");
    const grants = runs.prod.resources
      .filter((r) => r.type === KEY_MEMBER)
      .map((r) => inputs(r))
      .map((g) => [g.cryptoKeyId, g.role, g.member]);
    assert.deepEqual(grants, [
      [KEY_ID, "roles/cloudkms.cryptoKeyEncrypterDecrypter", redisServiceAgent("000000000000")],
      [
        KEY_ID,
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "serviceAccount:service-000000000000@gcp-sa-secretmanager.iam.gserviceaccount.com",
      ],
    ]);
    assert.equal(redisServiceAgent("42"), "serviceAccount:service-42@cloud-redis.iam.gserviceaccount.com");
    assert.deepEqual(inputs(one(runs.prod, IDENTITY)), {
      project: GCP_PROJECT,
      service: "secretmanager.googleapis.com",
    });
  });

  it("copies the AUTH string into a regional, CMEK-encrypted Secret Manager secret, only as a secret", () => {
    const secret = inputs(one(runs.dev, SECRET));
    assert.equal(secret.secretId, "loom-dev-cache-auth-string");
    assert.equal(secret.project, GCP_PROJECT);
    assert.deepEqual(secret.replication, {
      userManaged: { replicas: [{ location: GCP_REGION, customerManagedEncryption: { kmsKeyName: KEY_ID } }] },
    });
    const version = one(runs.dev, SECRET_VERSION);
    assert.equal(inputs(version).secret, `projects/${GCP_PROJECT}/secrets/loom-dev-cache-auth-string`);
    assert.ok(version.secretPaths.includes("secretData"), `secret paths: ${version.secretPaths.join(", ")}`);
    // The string the instance generated (the mock's UUID), not one of ours.
    assert.match(
      String(inputs(version).secretData),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("never shows the AUTH string outside secret inputs", () => {
    const token = String(inputs(one(runs.prod, SECRET_VERSION)).secretData);
    for (const r of runs.prod.resources) {
      const shown = JSON.stringify(redact(r.inputs, r.secretPaths));
      assert.ok(!shown.includes(token), `${r.type} ${r.name} shows the AUTH string`);
    }
    assert.ok(!JSON.stringify(runs.prod.outputs).includes(token));
  });

  it("outputs the instance's host and TLS port, where the AUTH string lives, the metrics instance id and its CA", () => {
    const { serverCa, ...out } = runs.dev.outputs;
    // The instance's serverCaCerts as one bundle (the mock engine reports one Google-managed CA).
    assert.equal(serverCa, "-----BEGIN CERTIFICATE-----\nMIIMOCKGOOGLEMANAGEDCA\n-----END CERTIFICATE-----\n");
    assert.match(String(out.endpoint), /^10\.\d+\.\d+\.\d+$/);
    assert.deepEqual(
      { ...out, endpoint: undefined },
      {
        endpoint: undefined,
        port: 6378,
        tls: true,
        authTokenId: `projects/${GCP_PROJECT}/secrets/loom-dev-cache-auth-string`,
        monitoring: {
          cloud: "gcp",
          instanceId: `projects/${GCP_PROJECT}/locations/${GCP_REGION}/instances/loom-dev-cache`,
        },
      },
    );
  });

  it("more than two nodes: read replicas, their second range from the private services access range", async () => {
    const run = await build({ ...argsFor("prod"), nodes: 3 });
    const redis = redisOf(run);
    assert.equal(redis.readReplicasMode, "READ_REPLICAS_ENABLED");
    assert.equal(redis.replicaCount, 2);
    assert.equal(redis.secondaryIpRange, "loom-prod-psa");
    assert.equal(redisOf(runs.prod).secondaryIpRange, undefined);
  });

  it("fails early, naming nodes, when the nodes cannot be laid out on Memorystore", async () => {
    await assert.rejects(build({ ...argsFor("dev"), nodes: 2 }), {
      propertyPath: "nodes",
      message: /Memorystore BASIC has no replicas/,
    });
  });
});
