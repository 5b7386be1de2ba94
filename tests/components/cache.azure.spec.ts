import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Cache, type CacheArgs } from "../../components/cache";
import { AZURE_CACHE_SKUS, amrHighAvailability, amrPersistence, amrSku } from "../../components/cache/azure-sizing";
import { PROFILES, type Tier } from "../../components/profiles";
import { type PlannedResource, type ProgramRun, redact } from "../../scripts/lib/mock-engine";
import { context, one, runComponents } from "../harness/program";
import {
  AZURE_CONFIG,
  AZURE_SUBSCRIPTION,
  fakeAzureNetwork,
  staticAzurePlatform,
  withAzurePlatform,
} from "./azure-fixtures";

const CLUSTER = "azure-native:redisenterprise:RedisEnterprise";
const DATABASE = "azure-native:redisenterprise:Database";
const ENDPOINT = "azure-native:network:PrivateEndpoint";
const ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup";
const SECRET = "azure-native:keyvault:Secret";
const DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting";
const RG = (env: string) => `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-${env}`;
const CLUSTER_ID = (env: string) => `${RG(env)}/providers/Microsoft.Cache/redisEnterprise/loom-${env}-cache`;
const WORKSPACE_ID = (env: string) => `${RG(env)}/providers/Microsoft.OperationalInsights/workspaces/loom-${env}-logs`;
// The fixed network of the fixtures (its ids name loom-prod whatever the stack).
const FAKE_RG = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-prod`;

type Env = "dev" | "staging" | "prod";

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env): CacheArgs {
  const p = PROFILES[env];
  return {
    platform: staticAzurePlatform(),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeAzureNetwork(),
    ...p.cache,
    logRetentionDays: p.logRetentionDays,
  };
}

async function build(args: CacheArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const cache = new Cache("loom", withAzurePlatform({ ...args, network: fakeAzureNetwork() }));
    return {
      endpoint: cache.endpoint,
      port: cache.port,
      tls: cache.tls,
      authTokenId: cache.authToken.id,
      monitoring: cache.monitoring,
      // The server certificate chains to a public root: no CA bundle is handed to the app.
      hasServerCa: cache.serverCa !== undefined,
    };
  }, AZURE_CONFIG);
}

/** The warnings `run` logs through pulumi.log.warn. */
async function warningsOf<T>(run: () => Promise<T>): Promise<string[]> {
  const warnings: string[] = [];
  const log = pulumi.log as { warn: (msg: string) => Promise<void> };
  const original = log.warn;
  log.warn = async (msg: string) => {
    warnings.push(msg);
  };
  try {
    await run();
  } finally {
    log.warn = original;
  }
  return warnings;
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;

describe("cache sizing (azure)", () => {
  it("maps every tier to the Balanced size at or below the AWS node's memory, B0 for a small cache that keeps nothing", () => {
    assert.deepEqual(AZURE_CACHE_SKUS, { small: "Balanced_B1", medium: "Balanced_B5", large: "Balanced_B20" });
    const base = { nodes: 1, highAvailability: false };
    assert.equal(amrSku({ ...base, tier: "small", snapshotRetentionDays: 0 }), "Balanced_B0");
    assert.equal(amrSku({ ...base, tier: "small", snapshotRetentionDays: 1 }), "Balanced_B1");
    assert.equal(amrSku({ tier: "small", nodes: 2, highAvailability: true, snapshotRetentionDays: 0 }), "Balanced_B1");
    assert.equal(amrSku({ ...base, tier: "medium", snapshotRetentionDays: 0 }), "Balanced_B5");
    assert.equal(amrSku({ ...base, tier: "large", snapshotRetentionDays: 7 }), "Balanced_B20");
    assert.throws(() => amrSku({ ...base, tier: "huge" as Tier, snapshotRetentionDays: 0 }), {
      propertyPath: "tier",
      message: '"huge" is not one of small, medium, large',
    });
  });

  it("a replica only with highAvailability; replicas without it fail naming nodes; a larger count changes nothing", () => {
    assert.equal(amrHighAvailability({ nodes: 1, highAvailability: false }), "Disabled");
    assert.equal(amrHighAvailability({ nodes: 2, highAvailability: true }), "Enabled");
    assert.throws(() => amrHighAvailability({ nodes: 2, highAvailability: false }), {
      propertyPath: "nodes",
      message: /2 nodes need highAvailability: true/,
    });
    assert.equal(amrHighAvailability({ nodes: 3, highAvailability: true }), "Enabled");
  });

  it("persistence: AOF every second with highAvailability, hourly RDB without, explicitly off at 0 days", () => {
    assert.deepEqual(amrPersistence(0, false), { aofEnabled: false, rdbEnabled: false });
    assert.deepEqual(amrPersistence(0, true), { aofEnabled: false, rdbEnabled: false });
    assert.deepEqual(amrPersistence(1, false), { aofEnabled: false, rdbEnabled: true, rdbFrequency: "1h" });
    assert.deepEqual(amrPersistence(7, true), { aofEnabled: true, aofFrequency: "1s", rdbEnabled: false });
    assert.throws(() => amrPersistence(-1, false), { propertyPath: "snapshotRetentionDays" });
    assert.throws(() => amrPersistence(1.5, false), { propertyPath: "snapshotRetentionDays" });
  });
});

describe("Cache on azure", () => {
  const runs = {} as Record<Env, ProgramRun>;
  const warnings = {} as Record<Env, string[]>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      warnings[env] = await warningsOf(async () => {
        runs[env] = await build(argsFor(env));
      });
    }
  });

  it("every stack: Managed Redis, TLS 1.2+, no public access; TLS-only database on 10000, NoCluster, NoEviction, keys on", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const cluster = inputs(one(runs[env], CLUSTER));
      assert.equal(cluster.clusterName, `loom-${env}-cache`, env);
      assert.equal(cluster.resourceGroupName, `loom-${env}`);
      assert.equal(cluster.location, "westeurope");
      assert.equal(cluster.minimumTlsVersion, "1.2");
      assert.equal(cluster.publicNetworkAccess, "Disabled");
      assert.match(cluster.sku.name, /^Balanced_B\d+$/);
      assert.equal(cluster.tags.component, "cache");
      assert.equal(cluster.tags.environment, env);
      const db = inputs(one(runs[env], DATABASE));
      assert.deepEqual(
        { ...db, persistence: undefined },
        {
          clusterName: `loom-${env}-cache`,
          databaseName: "default",
          resourceGroupName: `loom-${env}`,
          clientProtocol: "Encrypted",
          port: 10000,
          clusteringPolicy: "NoCluster",
          evictionPolicy: "NoEviction",
          accessKeysAuthentication: "Enabled",
          persistence: undefined,
        },
      );
    }
  });

  it("dev: Balanced_B0 without replica or persistence, nothing protected, no warning", () => {
    const cluster = inputs(one(runs.dev, CLUSTER));
    assert.deepEqual(cluster.sku, { name: "Balanced_B0" });
    assert.equal(cluster.highAvailability, "Disabled");
    assert.deepEqual(inputs(one(runs.dev, DATABASE)).persistence, { aofEnabled: false, rdbEnabled: false });
    for (const type of [CLUSTER, DATABASE]) assert.equal(one(runs.dev, type).protect, false, type);
    assert.equal(one(runs.dev, SECRET, "loom-cache-access-key").protect, false);
    assert.deepEqual(warnings.dev, []);
  });

  it("staging: Balanced_B1 with hourly RDB (one day asked: no warning), unprotected", () => {
    const cluster = inputs(one(runs.staging, CLUSTER));
    assert.deepEqual(cluster.sku, { name: "Balanced_B1" });
    assert.equal(cluster.highAvailability, "Disabled");
    assert.deepEqual(inputs(one(runs.staging, DATABASE)).persistence, {
      aofEnabled: false,
      rdbEnabled: true,
      rdbFrequency: "1h",
    });
    assert.equal(one(runs.staging, CLUSTER).protect, false);
    assert.deepEqual(warnings.staging, []);
  });

  it("prod: Balanced_B5 with highAvailability, AOF every second, cluster, database and key secret protected", () => {
    const cluster = inputs(one(runs.prod, CLUSTER));
    assert.deepEqual(cluster.sku, { name: "Balanced_B5" });
    assert.equal(cluster.highAvailability, "Enabled");
    assert.deepEqual(inputs(one(runs.prod, DATABASE)).persistence, {
      aofEnabled: true,
      aofFrequency: "1s",
      rdbEnabled: false,
    });
    for (const type of [CLUSTER, DATABASE]) assert.equal(one(runs.prod, type).protect, true, type);
    assert.equal(one(runs.prod, SECRET, "loom-cache-access-key").protect, true);
    // Plumbing that holds no data stays unprotected.
    assert.equal(one(runs.prod, ENDPOINT).protect, false);
  });

  it("prod warns by name that 7 days of snapshots become the latest AOF file", () => {
    assert.equal(warnings.prod.length, 1, warnings.prod.join("\n"));
    assert.match(
      warnings.prod[0] as string,
      /^cache snapshotRetentionDays 7: Azure Managed Redis keeps only its latest persistence file \(AOF, written every second\), not 7 days/,
    );
  });

  it("reached only through a private endpoint in the endpoints subnet, registered in privatelink.redis.azure.net", () => {
    const pe = inputs(one(runs.prod, ENDPOINT));
    assert.deepEqual(pe, {
      privateEndpointName: "loom-prod-cache-pe",
      resourceGroupName: "loom-prod",
      location: "westeurope",
      // The two policies are the SDK's defaults for a SubnetArgs reference (the endpoint only reads the id).
      subnet: {
        id: `${FAKE_RG}/providers/Microsoft.Network/virtualNetworks/loom-prod-vnet/subnets/endpoints`,
        privateEndpointNetworkPolicies: "Disabled",
        privateLinkServiceNetworkPolicies: "Enabled",
      },
      privateLinkServiceConnections: [
        { name: "loom-prod-cache", privateLinkServiceId: CLUSTER_ID("prod"), groupIds: ["redisEnterprise"] },
      ],
      tags: pe.tags,
    });
    assert.deepEqual(inputs(one(runs.prod, ZONE_GROUP)), {
      privateDnsZoneGroupName: "default",
      privateEndpointName: "loom-prod-cache-pe",
      resourceGroupName: "loom-prod",
      privateDnsZoneConfigs: [
        {
          name: "redis",
          privateDnsZoneId: `${FAKE_RG}/providers/Microsoft.Network/privateDnsZones/privatelink.redis.azure.net`,
        },
      ],
    });
  });

  it("copies the database's primary key into the stack's Key Vault, only as a secret", () => {
    const r = one(runs.dev, SECRET, "loom-cache-access-key");
    const secret = inputs(r);
    assert.equal(secret.secretName, "loom-dev-cache-access-key");
    assert.equal(secret.vaultName, inputs(one(runs.dev, "azure-native:keyvault:Vault")).vaultName);
    assert.equal(secret.resourceGroupName, "loom-dev");
    assert.equal(secret.properties.contentType, "text/plain");
    // The key listDatabaseKeys returned for this very database (the mock's stable fake key), not one of ours.
    assert.match(String(secret.properties.value), /^mockprimary[0-9a-f]{33}$/);
    assert.ok(
      r.secretPaths.some((p) => p.startsWith("properties")),
      `secret paths: ${r.secretPaths.join(", ")}`,
    );
  });

  it("never shows the access key outside secret inputs", () => {
    const key = String(inputs(one(runs.prod, SECRET, "loom-cache-access-key")).properties.value);
    for (const r of runs.prod.resources) {
      const shown = JSON.stringify(redact(r.inputs, r.secretPaths));
      assert.ok(!shown.includes(key), `${r.type} ${r.name} shows the access key`);
    }
    assert.ok(!JSON.stringify(runs.prod.outputs).includes(key));
  });

  it("sends the cluster's metrics and the database's logs to the stack's workspace", () => {
    const settings = runs.prod.resources.filter((r) => r.type === DIAGNOSTICS).map(inputs);
    assert.deepEqual(settings, [
      {
        name: "loom-prod-to-workspace",
        resourceUri: CLUSTER_ID("prod"),
        workspaceId: WORKSPACE_ID("prod"),
        metrics: [{ category: "AllMetrics", enabled: true }],
      },
      {
        name: "loom-prod-to-workspace",
        resourceUri: `${CLUSTER_ID("prod")}/databases/default`,
        workspaceId: WORKSPACE_ID("prod"),
        logs: [{ categoryGroup: "allLogs", enabled: true }],
      },
    ]);
  });

  it("outputs the cluster's host name, TLS port 10000, the Key Vault secret URI and the monitoring ids; no CA", () => {
    const kv = inputs(one(runs.dev, "azure-native:keyvault:Vault")).vaultName;
    assert.deepEqual(runs.dev.outputs, {
      endpoint: "loom-dev-cache.westeurope.redis.azure.net",
      port: 10000,
      tls: true,
      hasServerCa: false,
      authTokenId: `https://${kv}.vault.azure.net/secrets/loom-dev-cache-access-key`,
      monitoring: {
        cloud: "azure",
        clusterId: CLUSTER_ID("dev"),
        databaseId: `${CLUSTER_ID("dev")}/databases/default`,
      },
    });
  });

  it("fails early, naming nodes, when the layout cannot be built on Managed Redis", async () => {
    await assert.rejects(build({ ...argsFor("dev"), nodes: 2 }), {
      propertyPath: "nodes",
      message: /2 nodes need highAvailability: true/,
    });
    // A node count beyond the one replica is not applicable (warned by name), not an error.
    const three = await build({ ...argsFor("prod"), nodes: 3 });
    assert.equal(one(three, CLUSTER).inputs.highAvailability, "Enabled");
  });
});
