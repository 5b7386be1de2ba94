import * as assert from "node:assert/strict";
import { Cache, type CacheArgs } from "../../components/cache";
import { DO_VALKEY_SLUGS, VALKEY_CONFIG, valkeyNodeCount, valkeySlug } from "../../components/cache/do-sizing";
import type { DigitalOceanPlatform } from "../../components/platform/digitalocean";
import { PROFILES, type Tier } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { DO_CONFIG, DO_REGION, DO_VPC_ID, fakeDoNetwork, staticDoPlatform, withDoPlatform } from "./do-fixtures";

const CLUSTER = "digitalocean:index/databaseCluster:DatabaseCluster";
const FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall";
const CONFIG_T = "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig";
const OBJECT = "digitalocean:index/spacesBucketObject:SpacesBucketObject";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Env = "dev" | "staging" | "prod";
const ENVS = ["dev", "staging", "prod"] as const;

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env, over: Partial<CacheArgs> = {}): CacheArgs {
  const p = PROFILES[env];
  return {
    platform: staticDoPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeDoNetwork(env),
    ...p.cache,
    logRetentionDays: p.logRetentionDays,
    ...over,
  };
}

async function build(args: CacheArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const a = withDoPlatform(args);
    const cache = new Cache("loom", a);
    const platform = a.platform as DigitalOceanPlatform;
    return {
      projectId: platform.projectId,
      secretsBucket: platform.secrets.bucket,
      endpoint: cache.endpoint,
      port: cache.port,
      tls: cache.tls,
      authToken: cache.authToken,
      monitoring: cache.monitoring,
      serverCa: cache.serverCa,
    };
  }, DO_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: stack outputs are untyped data
const outputs = (run: ProgramRun) => run.outputs as Record<string, any>;
const clusterOf = (run: ProgramRun) => inputs(one(run, CLUSTER));

describe("DigitalOcean Valkey sizing (pure)", () => {
  it("tiers map to 1/4/16 GiB plans; at most 3 nodes", () => {
    assert.deepEqual(DO_VALKEY_SLUGS, { small: "db-s-1vcpu-1gb", medium: "db-s-2vcpu-4gb", large: "db-s-6vcpu-16gb" });
    assert.equal(valkeySlug("large"), "db-s-6vcpu-16gb");
    assert.throws(() => valkeySlug("huge" as Tier), { message: '"huge" is not one of small, medium, large' });
    assert.equal(valkeyNodeCount(3), 3);
    assert.throws(() => valkeyNodeCount(4), {
      message: "DigitalOcean Valkey clusters have at most 3 nodes (a primary and two standbys), got 4",
    });
  });
});

describe("Cache on digitalocean", () => {
  const runs = {} as Record<Env, ProgramRun>;
  before(async () => {
    for (const env of ENVS) runs[env] = await build(argsFor(env));
  });

  it("one Valkey 8 cluster per stack in the VPC, region and project, noeviction, maintenance Sunday 05:00", () => {
    for (const env of ENVS) {
      assert.equal(ofType(runs[env], CLUSTER).length, 1);
      const c = clusterOf(runs[env]);
      assert.equal(c.name, `loom-${env}-cache`);
      assert.equal(c.engine, "valkey");
      assert.equal(c.version, "8");
      assert.equal(c.region, DO_REGION);
      assert.equal(c.privateNetworkUuid, DO_VPC_ID);
      assert.match(c.projectId, UUID);
      assert.equal(c.projectId, outputs(runs[env]).projectId);
      assert.equal(c.evictionPolicy, "noeviction");
      assert.deepEqual(c.maintenanceWindows, [{ day: "sunday", hour: "05:00" }]);
      assert.deepEqual(c.tags, [
        `loom-${env}-cache`,
        "project:loom",
        `environment:${env}`,
        `stack:${env}`,
        "component:cache",
        "managed-by:pulumi",
        "team:platform",
      ]);
    }
  });

  it("size from the tier, nodes from the profile: 1/1/2 (prod's standby fails over)", () => {
    assert.deepEqual(
      ENVS.map((e) => [clusterOf(runs[e]).size, clusterOf(runs[e]).nodeCount]),
      [
        ["db-s-1vcpu-1gb", 1],
        ["db-s-1vcpu-1gb", 1],
        ["db-s-2vcpu-4gb", 2],
      ],
    );
  });

  it("config: noeviction, TLS required, RDB persistence with frequent snapshots", () => {
    for (const env of ENVS) {
      const cfg = inputs(one(runs[env], CONFIG_T));
      assert.deepEqual(cfg, {
        clusterId: outputs(runs[env]).monitoring.clusterId,
        valkeyMaxmemoryPolicy: "noeviction",
        ssl: true,
        persistence: "rdb",
        frequentSnapshots: true,
      });
    }
    assert.deepEqual(VALKEY_CONFIG, {
      valkeyMaxmemoryPolicy: "noeviction",
      ssl: true,
      persistence: "rdb",
      frequentSnapshots: true,
    });
  });

  it("its own trusted sources: the app droplets' tag, nothing by address", () => {
    for (const env of ENVS) {
      assert.deepEqual(inputs(one(runs[env], FIREWALL)), {
        clusterId: outputs(runs[env]).monitoring.clusterId,
        rules: [{ type: "tag", value: `loom-${env}-app` }],
      });
    }
  });

  it("outputs: the private host on 25061 with TLS, the password as a secret ref, the CA, the cluster id", () => {
    const out = outputs(runs.prod);
    assert.equal(out.endpoint, "private-loom-prod-cache-do-user-0000000-0.m.db.ondigitalocean.com");
    assert.equal(out.port, 25061);
    assert.equal(out.tls, true);
    assert.deepEqual(out.authToken, { id: "redis-password" });
    assert.match(out.serverCa, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    assert.equal(out.monitoring.cloud, "digitalocean");
    assert.match(out.monitoring.clusterId, UUID);
    assert.doesNotMatch(JSON.stringify(out), /mock-generated-password/);
  });

  it("the cluster's generated password is stored as a secret object in the secrets bucket", () => {
    const obj = one(runs.prod, OBJECT);
    assert.deepEqual(
      [inputs(obj).key, inputs(obj).acl, inputs(obj).bucket, inputs(obj).content],
      ["redis-password", "private", outputs(runs.prod).secretsBucket, "mock-generated-password-loom-prod-cache"],
    );
    assert.ok(obj.secretPaths.includes("content"));
  });

  it("prod protects the cluster; dev and staging do not", () => {
    assert.equal(one(runs.prod, CLUSTER).protect, true);
    assert.equal(one(runs.staging, CLUSTER).protect, false);
    assert.equal(one(runs.dev, CLUSTER).protect, false);
  });

  it("refuses 4 nodes and another cloud's network, by argument name", async () => {
    await assert.rejects(build(argsFor("prod", { nodes: 4 })), { propertyPath: "nodes" });
    const network = { ...fakeDoNetwork("dev"), placement: { cloud: "aws" } } as unknown as CacheArgs["network"];
    await assert.rejects(build(argsFor("dev", { network })), {
      propertyPath: "network.placement",
      reason: "must come from a digitalocean component, got aws",
    });
  });
});
