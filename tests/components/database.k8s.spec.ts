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

function args(env: Environment, kubernetes: Record<string, unknown> = {}): DatabaseArgs {
  const p = PROFILES[env];
  return {
    ...base(env, kubernetes),
    network: k8sNetwork(`loom-${env}`),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
  };
}

async function build(a: DatabaseArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const db = new Database("loom", a);
    return {
      endpoint: db.endpoint,
      readerEndpoint: db.readerEndpoint,
      port: db.port,
      credentials: db.credentials,
      backupTargets: db.backupTargets,
    };
  });
}

describe("database on kubernetes (CloudNativePG)", () => {
  it("runs 1, 2 and 3 instances in dev, staging and prod", async () => {
    const counts: number[] = [];
    for (const env of ["dev", "staging", "prod"] as const)
      counts.push(at(one(await build(args(env)), CLUSTER).inputs, "spec").instances);
    assert.deepEqual(counts, [1, 2, 3]);
  });

  it("lets CloudNativePG generate the app's credentials: no password passes through Pulumi", async () => {
    const run = await build(args("prod"));
    assert.equal(ofType(run, "random:index/randomPassword:RandomPassword").length, 0);
    assert.equal(ofType(run, SECRET).filter((s) => s.name === "loom-db-app").length, 0);
    assert.deepEqual(at(one(run, CLUSTER).inputs, "spec", "bootstrap", "initdb"), {
      database: "loom",
      owner: "loom_app",
      dataChecksums: true,
    });
    assert.equal(at(one(run, CLUSTER).inputs, "spec", "enableSuperuserAccess"), false);
    assert.deepEqual(run.outputs.credentials, {
      username: { id: "loom-db-app", key: "username" },
      password: { id: "loom-db-app", key: "password" },
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
    assert.equal(
      ofType(run, SECRET).length,
      0,
      "a configured store's credentials Secret is the operator's, not created here",
    );
    assert.deepEqual(run.outputs.backupTargets, ["loom-db"]);
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
