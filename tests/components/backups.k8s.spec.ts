import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Backups } from "../../components/backups";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base } from "./k8s-fixtures";

const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const STORE = { bucket: "acme-loom-backups", credentialsSecret: "loom-s3" };

async function build(
  enabled: boolean,
  kubernetes: Record<string, unknown>,
  env: "dev" | "prod" = "prod",
): Promise<ProgramRun> {
  return runComponents(() => {
    const b = new Backups("loom", {
      ...base(env, kubernetes),
      enabled,
      targets: pulumi.output(["loom-db"]),
      retentionDays: 14,
    });
    return { vaultName: b.vaultName, retentionDays: b.retentionDays };
  });
}

describe("backups on kubernetes", () => {
  it("schedules a daily plugin backup of the cluster, the first one right away", async () => {
    const run = await build(true, { backup: STORE });
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
    assert.equal(run.outputs.vaultName, "s3://acme-loom-backups/loom-prod");
    assert.equal(run.outputs.retentionDays, 14);
  });

  it("schedules backups whenever a store is configured (WAL without a base backup restores nothing)", async () => {
    const run = await build(false, { backup: STORE }, "dev");
    assert.equal(ofType(run, SCHEDULED).length, 1);
  });

  it("creates nothing without a store", async () => {
    const run = await build(false, {}, "dev");
    assert.equal(ofType(run, SCHEDULED).length, 0);
    assert.equal(run.outputs.vaultName, "");
    assert.equal(run.outputs.retentionDays, 0);
  });
});
