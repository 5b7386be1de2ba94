import * as assert from "node:assert/strict";
import { Database, type DatabaseArgs } from "../../components/database";
import { type Environment, PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base, k8sNetwork } from "./k8s-fixtures";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const SECRET = "kubernetes:core/v1:Secret";
const STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const PODMONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";

const BACKUP = { bucket: "acme-loom-backups", credentialsSecret: "loom-s3", endpoint: "https://minio.example.com" };

function args(
  env: Environment,
  kubernetes: Record<string, unknown> = {},
  database: Partial<DatabaseArgs> = {},
): DatabaseArgs {
  const p = PROFILES[env];
  return {
    ...base(env, kubernetes),
    network: k8sNetwork(`loom-${env}`),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
    ...database,
  };
}

const clusterSpecOf = async (a: DatabaseArgs) => at(one(await build(a), CLUSTER).inputs, "spec");

async function build(a: DatabaseArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const db = new Database("loom", a);
    return {
      endpoint: db.endpoint,
      readerEndpoint: db.readerEndpoint,
      port: db.port,
      credentials: db.credentials,
      backupTargets: db.backupTargets,
      monitoring: db.monitoring,
    };
  });
}

describe("database on kubernetes (CloudNativePG)", () => {
  it("runs 1 + highAvailability + readReplica instances: 1, 1 and 3 with the dev, staging and prod profiles", async () => {
    const counts: number[] = [];
    for (const env of ["dev", "staging", "prod"] as const) counts.push((await clusterSpecOf(args(env))).instances);
    assert.deepEqual(counts, [1, 1, 3]);
  });

  it("takes the instance count from highAvailability and readReplica, not the environment (prod without HA: fewer)", async () => {
    const count = async (highAvailability: boolean, readReplica: boolean) => {
      const spec = await clusterSpecOf(args("prod", {}, { highAvailability, readReplica }));
      return [spec.instances, spec.affinity.podAntiAffinityType];
    };
    assert.deepEqual(await count(true, true), [3, "required"]);
    assert.deepEqual(await count(false, true), [2, "required"]);
    assert.deepEqual(await count(true, false), [2, "required"]);
    assert.deepEqual(await count(false, false), [1, "preferred"]);
    const single = await build(args("prod", {}, { highAvailability: false, readReplica: false }));
    assert.equal(single.outputs.readerEndpoint, "loom-db-rw.loom-prod.svc", "no replica: reads go to the primary");
  });

  it("logs statements slower than slowQueryMs and tracks statement statistics with performanceInsights", async () => {
    const on = (await clusterSpecOf(args("prod", {}, { slowQueryMs: 250, performanceInsights: true }))).postgresql;
    assert.equal(on.parameters.log_min_duration_statement, "250");
    assert.equal(on.parameters["pg_stat_statements.track"], "top");
    const off = (await clusterSpecOf(args("prod", {}, { slowQueryMs: 1200, performanceInsights: false }))).postgresql;
    assert.equal(off.parameters.log_min_duration_statement, "1200");
    assert.equal(off.parameters["pg_stat_statements.track"], undefined);
  });

  it("hands Observability and Backups typed kubernetes handles with the cluster's real names", async () => {
    const run = await build(args("prod", { backup: BACKUP }));
    assert.deepEqual(run.outputs.monitoring, {
      cloud: "kubernetes",
      namespace: "loom-prod",
      cluster: "loom-db",
      instancePods: "loom-db-[0-9]+",
      container: "postgres",
    });
    const t = run.outputs.backupTargets as Record<string, unknown>;
    assert.equal(t.cloud, "kubernetes");
    assert.equal(t.namespace, "loom-prod");
    assert.equal(t.cluster, "loom-db");
    assert.equal(t.objectStore, "loom-db-backups");
    assert.equal(t.objectStoreUrl, "s3://acme-loom-backups/loom-prod");
    assert.equal(at(t, "clusterInputs", "engineVersion"), "16");
    assert.equal(at(t, "clusterInputs", "objectStore"), "loom-db-backups");
  });

  it("keeps the operator's bootstrap owner (no cluster replacement) and hands Backups the backup login, not it", async () => {
    const run = await build(args("prod"));
    assert.equal(ofType(run, "random:index/randomPassword:RandomPassword").length, 0, "no @pulumi/random plugin");
    assert.equal(ofType(run, SECRET).filter((s) => s.name === "loom-db-app").length, 0);
    assert.deepEqual(at(one(run, CLUSTER).inputs, "spec", "bootstrap", "initdb"), {
      database: "loom",
      owner: "loom_app",
      dataChecksums: true,
    });
    assert.equal(at(one(run, CLUSTER).inputs, "spec", "enableSuperuserAccess"), false);
    assert.deepEqual(run.outputs.credentials, {
      username: { id: "loom-db-login-backup-r0", key: "username" },
      password: { id: "loom-db-login-backup-r0", key: "password" },
    });
  });

  it("issues the server certificate from the namespace CA for every service name the app may use", async () => {
    const run = await build(args("prod"));
    const cert = one(run, CERT);
    const dns: string[] = at(cert.inputs, "spec", "dnsNames");
    for (const host of ["loom-db-rw.loom-prod.svc", "loom-db-ro.loom-prod.svc", "loom-db-pooler-rw.loom-prod.svc"]) {
      assert.ok(dns.includes(host), `${host} missing from ${dns.join(", ")}`);
    }
    assert.deepEqual(at(cert.inputs, "spec", "issuerRef"), {
      group: "cert-manager.io",
      kind: "Issuer",
      name: "loom-internal-ca",
    });
    assert.equal(run.outputs.endpoint, "loom-db-pooler-rw.loom-prod.svc");
    assert.equal(run.outputs.readerEndpoint, "loom-db-ro.loom-prod.svc");
    assert.equal(run.outputs.port, 5432);
  });

  it("puts PgBouncer in front only when the profile asks for pooling (staging, prod)", async () => {
    const dev = await build(args("dev"));
    assert.equal(ofType(dev, POOLER).length, 0);
    assert.equal(dev.outputs.endpoint, "loom-db-rw.loom-dev.svc");
    assert.equal(dev.outputs.readerEndpoint, "loom-db-rw.loom-dev.svc", "one instance: reads go to the primary");
    const staging = await build(args("staging"));
    assert.equal(at(one(staging, POOLER).inputs, "spec", "cluster", "name"), "loom-db");
    assert.equal(ofType(staging, PODMONITOR).length, 2);
  });

  it("protects the cluster in prod only", async () => {
    const prod = await build(args("prod"));
    assert.equal(one(prod, CLUSTER).protect, true);
    const dev = await build(args("dev"));
    assert.equal(one(dev, CLUSTER).protect, false);
  });

  it("archives WAL to the configured object store with the profile's retention", async () => {
    const run = await build(args("prod", { backup: BACKUP }));
    const store = one(run, STORE);
    assert.equal(at(store.inputs, "spec", "retentionPolicy"), "14d");
    assert.equal(at(store.inputs, "spec", "configuration", "destinationPath"), "s3://acme-loom-backups/loom-prod");
    assert.deepEqual(at(one(run, CLUSTER).inputs, "spec", "plugins"), [
      {
        name: "barman-cloud.cloudnative-pg.io",
        isWALArchiver: true,
        parameters: { barmanObjectName: "loom-db-backups" },
      },
    ]);
    assert.deepEqual(
      ofType(run, SECRET).map((s) => at(s.inputs, "metadata", "name")),
      ["app-a", "app-b", "migrate", "backup", "admin"].map((l) => `loom-db-login-${l}-r0`),
      "only the logins' Secrets: a configured store's credentials Secret is the operator's, not created here",
    );
    assert.equal(at(run.outputs.backupTargets, "cluster"), "loom-db");
  });

  it("keeps backupRetentionDays as the object store's retention policy", async () => {
    for (const days of [1, 7, 30]) {
      const run = await build(args("prod", { backup: BACKUP }, { backupRetentionDays: days }));
      assert.equal(at(one(run, STORE).inputs, "spec", "retentionPolicy"), `${days}d`);
    }
  });

  it("defaults the object store when backups are on, creating its credentials Secret empty", async () => {
    const run = await build(args("staging"));
    assert.equal(
      at(one(run, STORE).inputs, "spec", "configuration", "destinationPath"),
      "s3://loom-staging-backups/loom-staging",
    );
    const creds = one(run, SECRET, "loom-backup-credentials");
    assert.equal(creds.inputs.data, undefined);
    assert.equal(creds.inputs.stringData, undefined);
    assert.equal(at(creds.inputs, "metadata", "annotations", "loom/expected-keys"), "ACCESS_KEY_ID,ACCESS_SECRET_KEY");
  });

  it("archives nothing in dev unless a store is configured", async () => {
    const run = await build(args("dev"));
    assert.equal(ofType(run, STORE).length, 0);
    assert.equal(at(one(run, CLUSTER).inputs, "spec").plugins, undefined);
  });
});
