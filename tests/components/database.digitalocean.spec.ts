import * as assert from "node:assert/strict";
import { Database, type DatabaseArgs } from "../../components/database";
import {
  DO_PG_PLANS,
  databaseNameProblem,
  pgConnectionLimit,
  pgMajorVersion,
  pgNodeCount,
  poolSize,
  storageSizeMib,
} from "../../components/database/do-sizing";
import type { DigitalOceanPlatform } from "../../components/platform/digitalocean";
import { PROFILES, type Tier } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import {
  DO_CONFIG,
  DO_REGION,
  DO_VPC_ID,
  doTarget,
  fakeDoNetwork,
  staticDoPlatform,
  withDoPlatform,
} from "./do-fixtures";

const CLUSTER = "digitalocean:index/databaseCluster:DatabaseCluster";
const FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall";
const USER = "digitalocean:index/databaseUser:DatabaseUser";
const DB = "digitalocean:index/databaseDb:DatabaseDb";
const CONFIG_T = "digitalocean:index/databasePostgresqlConfig:DatabasePostgresqlConfig";
const POOL = "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool";
const REPLICA = "digitalocean:index/databaseReplica:DatabaseReplica";
const OBJECT = "digitalocean:index/spacesBucketObject:SpacesBucketObject";
/** The stack's tags as DigitalOcean tags (k:v), as doScope gives them to the database. */
const STACK_TAGS = (env: Env) => [
  "project:loom",
  `environment:${env}`,
  `stack:${env}`,
  "component:database",
  "managed-by:pulumi",
  "team:platform",
];
const HOST = (own: string) => `${own}-do-user-0000000-0.m.db.ondigitalocean.com`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Env = "dev" | "staging" | "prod";
const ENVS = ["dev", "staging", "prod"] as const;

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env, over: Partial<DatabaseArgs> = {}): DatabaseArgs {
  const p = PROFILES[env];
  return {
    platform: staticDoPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeDoNetwork(env),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
    deletionProtection: p.deletionProtection,
    logRetentionDays: p.logRetentionDays,
    ...over,
  };
}

async function build(args: DatabaseArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const a = withDoPlatform(args);
    const db = new Database("loom", a);
    const platform = a.platform as DigitalOceanPlatform;
    return {
      projectId: platform.projectId,
      secretsBucket: platform.secrets.bucket,
      endpoint: db.endpoint,
      readerEndpoint: db.readerEndpoint,
      serverCa: db.serverCa,
      port: db.port,
      databaseName: db.databaseName,
      credentials: db.credentials,
      access: db.access,
      backupTargets: db.backupTargets,
      monitoring: db.monitoring,
    };
  }, DO_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: stack outputs are untyped data
const outputs = (run: ProgramRun) => run.outputs as Record<string, any>;
const clusterOf = (run: ProgramRun) => inputs(one(run, CLUSTER));
/** The primary cluster's id, as the engine computed it. */
const clusterId = (run: ProgramRun) => outputs(run).backupTargets.clusterId;

describe("DigitalOcean PostgreSQL sizing (pure)", () => {
  it("tiers map to 2/4/8 GiB plans; storage is the larger of the ask and the plan's base disk, in MiB", () => {
    assert.deepEqual(
      Object.values(DO_PG_PLANS).map((p) => p.slug),
      ["db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb"],
    );
    assert.equal(storageSizeMib("small", 20), "25600");
    assert.equal(storageSizeMib("medium", 50), "51200");
    assert.equal(storageSizeMib("large", 100), "117760");
    assert.equal(storageSizeMib("large", 500), "512000");
    assert.throws(() => storageSizeMib("small", 0), { message: "must be a whole number of GiB ≥ 1, got 0" });
    assert.throws(() => storageSizeMib("huge" as Tier, 20), { message: '"huge" is not one of small, medium, large' });
  });

  it("one node, or a standby with HA; pools are half the plan's connections", () => {
    assert.equal(pgNodeCount(false), 1);
    assert.equal(pgNodeCount(true), 2);
    assert.deepEqual(
      (["small", "medium", "large"] as const).map((t) => [pgConnectionLimit(t), poolSize(t)]),
      [
        [47, 20],
        [97, 45],
        [197, 95],
      ],
    );
  });

  it("a major version 16 or newer only; a plain lower-case database name that is not DigitalOcean's", () => {
    assert.equal(pgMajorVersion("17"), "17");
    assert.throws(() => pgMajorVersion("16.4"), {
      message: 'DigitalOcean takes a PostgreSQL major version only (e.g. "16"), got "16.4"',
    });
    assert.throws(() => pgMajorVersion("15"), { message: 'must be PostgreSQL 16 or newer, got "15"' });
    assert.equal(databaseNameProblem("loom"), undefined);
    assert.equal(databaseNameProblem("defaultdb"), '"defaultdb" is DigitalOcean\'s own database');
    assert.match(databaseNameProblem("Loom-1") ?? "", /must be 1-63 of a-z, 0-9 and _/);
    assert.equal(databaseNameProblem("db"), undefined);
    assert.equal(
      databaseNameProblem("db", true),
      'must be 3 to 60 characters with a connection pooler (the pool carries the database\'s name), got "db"',
    );
  });
});

describe("Database on digitalocean", () => {
  const runs = {} as Record<Env, ProgramRun>;
  before(async () => {
    for (const env of ENVS) runs[env] = await build(argsFor(env));
  });

  it("exactly one pg cluster per stack, version 16, in the stack's VPC, region and project", () => {
    for (const env of ENVS) {
      const clusters = ofType(runs[env], CLUSTER);
      assert.equal(clusters.length, 1, env);
      const c = clusterOf(runs[env]);
      assert.equal(c.name, `loom-${env}-pg`);
      assert.equal(c.engine, "pg");
      assert.equal(c.version, "16");
      assert.equal(c.region, DO_REGION);
      assert.equal(c.privateNetworkUuid, DO_VPC_ID);
      assert.match(c.projectId, UUID);
      assert.equal(c.projectId, outputs(runs[env]).projectId);
      assert.deepEqual(c.storageAutoscale, { enabled: true, thresholdPercent: 80, incrementGib: 10 });
      assert.deepEqual(c.maintenanceWindows, [{ day: "sunday", hour: "04:00" }]);
      assert.deepEqual(c.tags, [`loom-${env}-database`, ...STACK_TAGS(env)]);
      for (const t of c.tags) assert.match(t, /^[A-Za-z0-9:_-]{1,255}$/);
    }
  });

  it("size and storage from the profile: ≥ storageGiB × 1024 MiB; one node, two in prod (standby)", () => {
    assert.deepEqual(
      ENVS.map((e) => [clusterOf(runs[e]).size, clusterOf(runs[e]).storageSizeMib, clusterOf(runs[e]).nodeCount]),
      [
        ["db-s-1vcpu-2gb", "25600", 1],
        ["db-s-2vcpu-4gb", "51200", 1],
        ["db-s-4vcpu-8gb", "117760", 2],
      ],
    );
    for (const e of ENVS) {
      assert.ok(Number(clusterOf(runs[e]).storageSizeMib) >= PROFILES[e].database.storageGiB * 1024);
    }
  });

  it("trusted sources: the app droplets' tag, and nothing by address", () => {
    for (const env of ENVS) {
      const fw = inputs(one(runs[env], FIREWALL));
      assert.equal(fw.clusterId, clusterId(runs[env]));
      assert.deepEqual(fw.rules, [{ type: "tag", value: `loom-${env}-app` }]);
    }
  });

  it("one managed user per login (two alternating app users), the loom database, slow statements from slowQueryMs", () => {
    for (const env of ENVS) {
      const id = clusterId(runs[env]);
      assert.deepEqual(
        ofType(runs[env], USER).map((u) => [u.name, inputs(u)]),
        [
          ["loom-pg-user", { clusterId: id, name: "loom" }],
          ["loom-pg-user-app-a", { clusterId: id, name: "loom_app_a" }],
          ["loom-pg-user-app-b", { clusterId: id, name: "loom_app_b" }],
          ["loom-pg-user-backup", { clusterId: id, name: "loom_backup" }],
        ],
      );
      assert.deepEqual(inputs(one(runs[env], DB)), { clusterId: id, name: "loom" });
      assert.deepEqual(inputs(one(runs[env], CONFIG_T)), {
        clusterId: id,
        logMinDurationStatement: PROFILES[env].database.slowQueryMs,
      });
    }
    assert.deepEqual(
      ENVS.map((e) => inputs(one(runs[e], CONFIG_T)).logMinDurationStatement),
      [500, 500, 250],
    );
  });

  it("dev: no pool, no replica; the app connects to the cluster's private host on 25060", () => {
    assert.equal(ofType(runs.dev, POOL).length, 0);
    assert.equal(ofType(runs.dev, REPLICA).length, 0);
    const out = outputs(runs.dev);
    assert.equal(out.endpoint, `private-${HOST("loom-dev-pg")}`);
    assert.equal(out.readerEndpoint, out.endpoint);
    assert.equal(out.port, 25060);
  });

  it("s+p: a transaction pool named like the database, each client's own login (no fixed user); 25061", () => {
    for (const env of ["staging", "prod"] as const) {
      assert.deepEqual(inputs(one(runs[env], POOL)), {
        clusterId: clusterId(runs[env]),
        name: "loom",
        mode: "transaction",
        size: env === "prod" ? 95 : 45,
        dbName: "loom",
      });
      assert.equal(outputs(runs[env]).endpoint, `private-${HOST("loom")}`);
      assert.equal(outputs(runs[env]).port, 25061);
    }
  });

  it("prod: a read-only replica of the primary in the VPC and region → readerEndpoint; staging has none", () => {
    assert.equal(ofType(runs.staging, REPLICA).length, 0);
    const r = inputs(one(runs.prod, REPLICA));
    assert.equal(r.clusterId, clusterId(runs.prod));
    assert.equal(r.name, "loom-prod-pg-replica");
    assert.equal(r.privateNetworkUuid, DO_VPC_ID);
    assert.equal(r.region, DO_REGION);
    assert.equal(r.size, "db-s-4vcpu-8gb");
    assert.equal(r.storageSizeMib, "117760");
    // With the pool (prod), readers use it too: one DATABASE_PORT, and DigitalOcean's pools run on the primary.
    assert.equal(outputs(runs.prod).readerEndpoint, outputs(runs.prod).endpoint);
  });

  it("a replica without a pool is the reader endpoint, on the same direct port", async () => {
    const run = await build({ ...argsFor("prod"), connectionPooler: false });
    assert.equal(outputs(run).readerEndpoint, `private-${HOST("replica-loom-prod-pg-replica")}`);
    assert.equal(outputs(run).port, 25060);
  });

  it("prod protects the cluster, the replica, the app's database and every user; dev and staging protect nothing", () => {
    for (const t of [CLUSTER, REPLICA, DB]) assert.equal(one(runs.prod, t).protect, true, t);
    assert.deepEqual(
      ofType(runs.prod, USER).map((u) => u.protect),
      [true, true, true, true],
    );
    for (const env of ["dev", "staging"] as const) {
      for (const t of [CLUSTER, DB]) assert.equal(one(runs[env], t).protect, false, `${env} ${t}`);
      assert.ok(
        ofType(runs[env], USER).every((u) => !u.protect),
        `${env} users`,
      );
    }
  });

  it("credentials: each login's name and DigitalOcean's generated password as secret objects in the secrets bucket", () => {
    const objects = ofType(runs.prod, OBJECT).filter((o) => String(inputs(o).key).startsWith("database-"));
    const bucket = outputs(runs.prod).secretsBucket;
    assert.deepEqual(
      objects.map((o) => [o.name, inputs(o).key, inputs(o).acl, inputs(o).bucket, inputs(o).content]),
      [
        // migrate's keep the first user's resource names and keys: nothing is replaced.
        ["loom-database-user", "database-user", "private", bucket, "loom"],
        ["loom-database-password", "database-password", "private", bucket, "mock-generated-password-loom"],
        ["loom-database-app-a-user", "database-app-a-user", "private", bucket, "loom_app_a"],
        [
          "loom-database-app-a-password",
          "database-app-a-password",
          "private",
          bucket,
          "mock-generated-password-loom_app_a",
        ],
        ["loom-database-app-b-user", "database-app-b-user", "private", bucket, "loom_app_b"],
        [
          "loom-database-app-b-password",
          "database-app-b-password",
          "private",
          bucket,
          "mock-generated-password-loom_app_b",
        ],
        ["loom-database-backup-user", "database-backup-user", "private", bucket, "loom_backup"],
        [
          "loom-database-backup-password",
          "database-backup-password",
          "private",
          bucket,
          "mock-generated-password-loom_backup",
        ],
        // The roles step's admin: the cluster's own doadmin.
        ["loom-database-admin-user", "database-admin-user", "private", bucket, "doadmin"],
        [
          "loom-database-admin-password",
          "database-admin-password",
          "private",
          bucket,
          "mock-generated-password-loom-prod-pg",
        ],
      ],
    );
    for (const o of objects) assert.ok((o as PlannedResource).secretPaths.includes("content"), o.name);
    assert.deepEqual(outputs(runs.prod).credentials, {
      username: { id: "database-app-a-user" },
      password: { id: "database-app-a-password" },
    });
    assert.doesNotMatch(JSON.stringify(outputs(runs.prod)), /mock-generated-password/);
  });

  it("access: web and worker the active app user, migrate loom, backup loom_backup, the roles step doadmin", async () => {
    const login = (use: string) => ({
      auth: "password",
      username: { id: `database-${use}-user` },
      password: { id: `database-${use}-password` },
    });
    const migrate = { auth: "password", username: { id: "database-user" }, password: { id: "database-password" } };
    const roles = {
      database: "loom",
      logins: [
        { name: "loom", group: "owner", create: "platform" },
        { name: "loom_app_a", group: "app", create: "platform" },
        { name: "loom_app_b", group: "app", create: "platform" },
        { name: "loom_backup", group: "readonly", create: "platform" },
      ],
    };
    assert.deepEqual(outputs(runs.prod).access, {
      logins: { web: login("app-a"), worker: login("app-a"), migrate, backup: login("backup"), admin: login("admin") },
      roles,
    });
    // The switch: loom:digitalocean.activeAppLogin b moves web and worker (and nothing else) to loom_app_b.
    const b = await build({ ...argsFor("prod"), platform: staticDoPlatform(doTarget({ activeAppLogin: "b" })) });
    assert.deepEqual(outputs(b).access, {
      logins: { web: login("app-b"), worker: login("app-b"), migrate, backup: login("backup"), admin: login("admin") },
      roles,
    });
    // Both app users exist either way: the switch creates and drops nothing.
    assert.deepEqual(
      ofType(b, USER).map((u) => inputs(u).name),
      ofType(runs.prod, USER).map((u) => inputs(u).name),
    );
  });

  it("serverCa is the cluster's CA (PEM); backup targets are the primary's private host on 25060; monitoring ids", () => {
    const out = outputs(runs.prod);
    assert.match(out.serverCa, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    const id = out.backupTargets.clusterId;
    assert.match(id, UUID);
    assert.deepEqual(out.backupTargets, {
      cloud: "digitalocean",
      clusterId: id,
      privateHost: `private-${HOST("loom-prod-pg")}`,
      port: 25060,
    });
    assert.equal(out.monitoring.cloud, "digitalocean");
    assert.equal(out.monitoring.clusterIds.length, 2);
    assert.equal(out.monitoring.clusterIds[0], id);
    assert.match(out.monitoring.clusterIds[1], UUID);
    assert.notEqual(out.monitoring.clusterIds[1], id);
    assert.deepEqual(outputs(runs.dev).monitoring.clusterIds, [outputs(runs.dev).backupTargets.clusterId]);
  });

  it("refuses a minor version, a bad database name and another cloud's network, by argument name", async () => {
    await assert.rejects(build(argsFor("dev", { engineVersion: "16.4" })), { propertyPath: "engineVersion" });
    await assert.rejects(build(argsFor("dev", { databaseName: "defaultdb" })), {
      propertyPath: "databaseName",
      reason: '"defaultdb" is DigitalOcean\'s own database',
    });
    const network = { ...fakeDoNetwork("dev"), placement: { cloud: "gcp" } } as unknown as DatabaseArgs["network"];
    await assert.rejects(build(argsFor("dev", { network })), {
      propertyPath: "network.placement",
      reason: "must come from a digitalocean component, got gcp",
    });
  });
});
