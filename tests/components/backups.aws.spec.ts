import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Backups, type BackupsArgs } from "../../components/backups";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";

const DB_ARN = "arn:aws:rds:eu-west-1:111122223333:db:loom-prod-db";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/loom-backup-key";

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: "dev" | "staging" | "prod"): BackupsArgs {
  const p = PROFILES[env];
  return {
    cloud: "aws",
    context: context(env),
    protect: p.deletionProtection,
    enabled: p.backups,
    targets: pulumi.output([DB_ARN.replace("prod", env)]),
    retentionDays: p.backupRetentionDays,
  };
}

async function build(args: BackupsArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const b = new Backups("loom", args);
    return { vaultName: b.vaultName, retentionDays: b.retentionDays };
  });
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const rule = (run: ProgramRun) => inputs(one(run, "aws:backup/plan:Plan")).rules[0];

describe("Backups on AWS", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  let longRetention: ProgramRun;
  before(async () => {
    dev = await build(argsFor("dev"));
    staging = await build(argsFor("staging"));
    prod = await build(argsFor("prod"));
    longRetention = await build({ ...argsFor("prod"), retentionDays: 90, schedule: "cron(30 4 * * ? *)" });
  });

  it("creates nothing when disabled (dev) and says so in its outputs", () => {
    assert.deepEqual(
      dev.resources.filter((r) => r.custom).map((r) => r.type),
      [],
    );
    assert.deepEqual(dev.outputs, { vaultName: "", retentionDays: 0 });
  });

  it("encrypts the vault with its own rotated key, never force-destroys it, and protects both in prod", () => {
    const vault = one(prod, "aws:backup/vault:Vault");
    assert.deepEqual(inputs(vault), {
      name: "loom-prod-vault",
      kmsKeyArn: KEY_ARN,
      forceDestroy: false,
      tags: inputs(vault).tags,
    });
    assert.equal(vault.protect, true);
    const key = one(prod, "aws:kms/key:Key", "loom-backup-key");
    assert.equal(inputs(key).enableKeyRotation, true);
    assert.equal(key.protect, true);
    assert.equal(one(staging, "aws:backup/vault:Vault").protect, false);
    assert.equal(inputs(one(staging, "aws:backup/vault:Vault")).kmsKeyArn, KEY_ARN);
  });

  it("runs a daily rule into the vault with the profile's retention and continuous backup (PITR)", () => {
    const tags = inputs(one(prod, "aws:backup/plan:Plan")).tags;
    assert.deepEqual(rule(prod), {
      ruleName: "daily",
      targetVaultName: "loom-prod-vault",
      schedule: "cron(0 3 * * ? *)",
      startWindow: 60,
      completionWindow: 180,
      enableContinuousBackup: true,
      lifecycle: { deleteAfter: 14 },
      recoveryPointTags: tags,
    });
    assert.equal(rule(staging).lifecycle.deleteAfter, 7);
    assert.equal(rule(staging).enableContinuousBackup, true);
    assert.equal(prod.outputs.retentionDays, 14);
    assert.equal(prod.outputs.vaultName, "loom-prod-vault");
  });

  it("drops continuous backup beyond AWS Backup's 35-day limit and keeps snapshots for the full retention", () => {
    assert.equal(rule(longRetention).enableContinuousBackup, false);
    assert.deepEqual(rule(longRetention).lifecycle, { deleteAfter: 90 });
    assert.equal(rule(longRetention).schedule, "cron(30 4 * * ? *)");
  });

  it("tags recovery points like every resource", () => {
    assert.deepEqual(rule(prod).recoveryPointTags, {
      project: "loom",
      environment: "prod",
      stack: "prod",
      component: "backups",
      "managed-by": "pulumi",
      team: "platform",
    });
  });

  it("selects exactly the given targets under a backup-only role with AWS's backup and restore policies", () => {
    assert.deepEqual(inputs(one(prod, "aws:backup/selection:Selection")), {
      name: "loom-prod-database",
      planId: "loom-backup-plan-id",
      iamRoleArn: "arn:aws:iam:eu-west-1:111122223333:role/loom-backup",
      resources: [DB_ARN],
    });
    const trust = JSON.parse(inputs(one(prod, "aws:iam/role:Role", "loom-backup")).assumeRolePolicy);
    assert.deepEqual(trust.Statement, [
      { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    assert.deepEqual(
      ofType(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => inputs(a)),
      [
        {
          role: "loom-prod-backup",
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        },
        {
          role: "loom-prod-backup",
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        },
      ],
    );
    assert.equal(ofType(prod, "aws:iam/rolePolicy:RolePolicy").length, 0);
  });

  it("Backups.resolve rejects a retention below one day or not whole", () => {
    for (const retentionDays of [0, -1, 1.5]) {
      assert.throws(() => Backups.resolve({ ...argsFor("prod"), retentionDays }), {
        propertyPath: "retentionDays",
        reason: `must be a whole number ≥ 1, got ${retentionDays}`,
      });
    }
  });
});
