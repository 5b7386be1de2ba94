import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Backups } from "../../components/backups";
import { clusterSpec, drReplicaSpec } from "../../components/database/cnpg";
import type { KubernetesDatabaseBackupTargets } from "../../components/database/kubernetes";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base, PROD_CLUSTER_INPUTS } from "./k8s-fixtures";

const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const STORE_TYPE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SECRET = "kubernetes:core/v1:Secret";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const STORE = { bucket: "acme-loom-backups", credentialsSecret: "loom-s3" };
const DR_STORE = { bucket: "acme-loom-dr", credentialsSecret: "loom-s3-dr", region: "eu-central-1" };

/** The handle Database's kubernetes.ts returns for a cluster archiving to `loom-db-backups` (or to nothing). */
function targets(objectStore: string | undefined): KubernetesDatabaseBackupTargets {
  return {
    cloud: "kubernetes",
    namespace: pulumi.output("loom-prod"),
    cluster: pulumi.output("loom-db"),
    objectStore,
    objectStoreUrl: objectStore ? "s3://acme-loom-backups/loom-prod" : undefined,
    clusterInputs: { ...PROD_CLUSTER_INPUTS, objectStore },
  };
}

interface BuildOptions {
  enabled: boolean;
  kubernetes: Record<string, unknown>;
  env?: "dev" | "prod";
  disasterRecovery?: boolean;
  dailyHourUtc?: number;
}

async function build(o: BuildOptions): Promise<ProgramRun> {
  const env = o.env ?? "prod";
  const hasStore = o.kubernetes.backup !== undefined || (env === "prod" && o.enabled);
  return runComponents(() => {
    const b = new Backups("loom", {
      ...base(env, o.kubernetes),
      enabled: o.enabled,
      disasterRecovery: o.disasterRecovery ?? false,
      dailyHourUtc: o.dailyHourUtc,
      targets: targets(hasStore ? "loom-db-backups" : undefined),
      retentionDays: 14,
    });
    return { store: b.store, drStore: b.drStore, retentionDays: b.retentionDays };
  });
}

describe("backups on kubernetes", () => {
  it("schedules a daily plugin backup of the cluster, the first one right away", async () => {
    const run = await build({ enabled: true, kubernetes: { backup: STORE } });
    const sb = one(run, SCHEDULED);
    assert.deepEqual(at(sb.inputs, "spec"), {
      schedule: "0 0 3 * * *",
      cluster: { name: "loom-db" },
      method: "plugin",
      pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
      immediate: true,
      backupOwnerReference: "self",
      target: "prefer-standby",
    });
    assert.equal(at(sb.inputs, "metadata", "namespace"), "loom-prod");
    assert.equal(run.outputs.store, "s3://acme-loom-backups/loom-prod");
    assert.equal(run.outputs.drStore, "");
    assert.equal(run.outputs.retentionDays, 14);
  });

  it("renders dailyHourUtc in CloudNativePG's six-field cron", async () => {
    const run = await build({ enabled: true, kubernetes: { backup: STORE }, dailyHourUtc: 22 });
    assert.equal(at(one(run, SCHEDULED).inputs, "spec", "schedule"), "0 0 22 * * *");
  });

  it("schedules backups whenever a store is configured (WAL without a base backup restores nothing)", async () => {
    const run = await build({ enabled: false, kubernetes: { backup: STORE }, env: "dev" });
    assert.equal(ofType(run, SCHEDULED).length, 1);
  });

  it("creates nothing without a store", async () => {
    const run = await build({ enabled: false, kubernetes: {}, env: "dev" });
    assert.equal(ofType(run, SCHEDULED).length, 0);
    assert.equal(run.outputs.store, "");
    assert.equal(run.outputs.drStore, "");
    assert.equal(run.outputs.retentionDays, 0);
  });

  describe("disaster recovery: a second object store fed by a replica cluster", () => {
    let run: ProgramRun;
    before(async () => {
      run = await build({
        enabled: true,
        disasterRecovery: true,
        kubernetes: { backup: STORE, drBackup: DR_STORE },
      });
    });

    it("declares the second ObjectStore with the same retention, and outputs its URL", () => {
      const store = one(run, STORE_TYPE);
      assert.equal(at(store.inputs, "metadata", "name"), "loom-db-dr-backups");
      assert.equal(at(store.inputs, "spec", "retentionPolicy"), "14d");
      assert.deepEqual(at(store.inputs, "spec", "configuration"), {
        destinationPath: "s3://acme-loom-dr/loom-prod",
        endpointURL: "https://s3.eu-central-1.amazonaws.com",
        s3Credentials: {
          accessKeyId: { name: "loom-s3-dr", key: "ACCESS_KEY_ID" },
          secretAccessKey: { name: "loom-s3-dr", key: "ACCESS_SECRET_KEY" },
        },
        wal: { compression: "gzip", encryption: "AES256" },
        data: { compression: "gzip", jobs: 2, encryption: "AES256" },
      });
      assert.equal(run.outputs.drStore, "s3://acme-loom-dr/loom-prod");
      assert.equal(ofType(run, SECRET).length, 0, "a configured store's credentials are the operator's");
    });

    it("runs a protected one-instance replica cluster that restores from the primary store and archives to the second", () => {
      const replica = one(run, CLUSTER);
      assert.equal(at(replica.inputs, "metadata", "name"), "loom-db-dr");
      assert.equal(replica.protect, true);
      const spec = at(replica.inputs, "spec");
      assert.equal(spec.instances, 1);
      assert.deepEqual(spec.bootstrap, { recovery: { source: "loom-db" } });
      assert.deepEqual(spec.replica, { enabled: true, source: "loom-db" });
      assert.deepEqual(spec.externalClusters, [
        {
          name: "loom-db",
          plugin: {
            name: "barman-cloud.cloudnative-pg.io",
            parameters: { barmanObjectName: "loom-db-backups", serverName: "loom-db" },
          },
        },
      ]);
      assert.deepEqual(spec.plugins, [
        {
          name: "barman-cloud.cloudnative-pg.io",
          isWALArchiver: true,
          parameters: { barmanObjectName: "loom-db-dr-backups" },
        },
      ]);
      assert.equal(spec.enableSuperuserAccess, false);
    });

    it("backs the replica cluster up daily into the second store, an hour after the primary", () => {
      const [primary, dr] = ["loom-daily-backup", "loom-dr-backup"].map((n) => one(run, SCHEDULED, n));
      assert.equal(at(primary?.inputs, "spec", "cluster", "name"), "loom-db");
      assert.equal(at(dr?.inputs, "spec", "cluster", "name"), "loom-db-dr");
      assert.equal(at(dr?.inputs, "spec", "schedule"), "0 0 4 * * *");
      assert.equal(at(dr?.inputs, "metadata", "name"), "loom-dr-daily");
    });

    it("copies the primary's image, sizes and settings so the replica can follow it", () => {
      const t = targets("loom-db-backups").clusterInputs;
      const primary = clusterSpec(t);
      const replica = drReplicaSpec(t, "loom-db-backups", "loom-db-dr-backups");
      for (const key of ["imageName", "postgresql", "storage", "resources", "inheritedMetadata", "enablePDB"]) {
        assert.deepEqual(replica[key], primary[key], key);
      }
      assert.equal(replica.certificates, undefined, "the operator issues the replica's own server certificate");
    });

    it("defaults the second store when none is set, creating its credentials Secret empty", async () => {
      const defaulted = await build({ enabled: true, disasterRecovery: true, kubernetes: { backup: STORE } });
      const creds = one(defaulted, SECRET);
      assert.equal(
        at(creds.inputs, "metadata", "annotations", "loom/expected-keys"),
        "ACCESS_KEY_ID,ACCESS_SECRET_KEY",
      );
      assert.equal(creds.inputs.stringData, undefined);
      assert.match(String(defaulted.outputs.drStore), /^s3:\/\/.+/);
      assert.notEqual(defaulted.outputs.drStore, defaulted.outputs.store);
    });

    it("creates no copy without disasterRecovery", async () => {
      const off = await build({ enabled: true, kubernetes: { backup: STORE } });
      assert.equal(ofType(off, CLUSTER).length, 0);
      assert.equal(ofType(off, STORE_TYPE).length, 0);
      assert.equal(ofType(off, POD_MONITOR).length, 0);
      assert.equal(off.outputs.drStore, "");
    });

    it("scrapes the replica cluster's instances (its WAL archive failures are the DR-copy alert's signal)", () => {
      const pm = one(run, POD_MONITOR);
      assert.equal(at(pm.inputs, "metadata", "name"), "loom-db-dr");
      assert.equal(at(pm.inputs, "metadata", "namespace"), "loom-prod");
      assert.equal(at(pm.inputs, "metadata", "labels").release, "kube-prometheus-stack");
      assert.deepEqual(at(pm.inputs, "spec"), {
        selector: { matchLabels: { "cnpg.io/cluster": "loom-db-dr" } },
        podMetricsEndpoints: [{ port: "metrics" }],
      });
    });
  });
});
