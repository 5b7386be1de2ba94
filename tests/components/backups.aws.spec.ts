import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Backups, type BackupsArgs } from "../../components/backups";
import { dailySchedule } from "../../components/backups/aws";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { staticAwsPlatform, withPlatform } from "./aws-fixtures";

const DB_ARN = "arn:aws:rds:eu-west-1:111122223333:db:loom-prod-db";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/loom-backup-key";
/** The DR vault and its key live in the target's drRegion (the mock engine follows the explicit provider's region). */
const DR_VAULT_ARN = "arn:aws:backup:eu-central-1:111122223333:vault/loom-backup-dr-vault";
const DR_KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/loom-backup-dr-key";

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: "dev" | "staging" | "prod"): BackupsArgs {
  const p = PROFILES[env];
  return {
    platform: staticAwsPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    enabled: p.backups,
    disasterRecovery: p.backups && p.disasterRecovery,
    targets: { cloud: "aws", resourceArns: pulumi.output([DB_ARN.replace("prod", env)]) },
    retentionDays: p.backupRetentionDays,
  };
}

/** Each resource's explicit provider URN by `<type>::<name>`, recorded as the program registers it. */
type Providers = Map<string, string | undefined>;

async function build(args: BackupsArgs, providers: Providers = new Map()): Promise<ProgramRun> {
  return runComponents(async () => {
    pulumi.runtime.registerStackTransformation((a) => {
      const provider = a.opts.provider as pulumi.ProviderResource | undefined;
      const key = `${a.type}::${a.name}`;
      providers.set(key, undefined);
      if (provider) provider.urn.apply((urn) => providers.set(key, urn));
      return undefined;
    });
    const b = new Backups("loom", withPlatform(args, { disasterRecovery: args.disasterRecovery }));
    return { store: b.store, drStore: b.drStore, retentionDays: b.retentionDays };
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
  const prodProviders: Providers = new Map();
  before(async () => {
    dev = await build(argsFor("dev"));
    staging = await build(argsFor("staging"));
    prod = await build(argsFor("prod"), prodProviders);
    longRetention = await build({ ...argsFor("prod"), retentionDays: 90, dailyHourUtc: 4, disasterRecovery: false });
  });

  it("creates nothing when disabled (dev) and says so in its outputs", () => {
    assert.deepEqual(
      dev.resources.filter((r) => r.custom).map((r) => r.type),
      [],
    );
    assert.deepEqual(dev.outputs, { store: "", drStore: "", retentionDays: 0 });
  });

  it("encrypts the vault with its own rotated key, never force-destroys it, and protects both in prod", () => {
    const vault = one(prod, "aws:backup/vault:Vault", "loom-backup-vault");
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
      copyActions: [{ destinationVaultArn: DR_VAULT_ARN, lifecycle: { deleteAfter: 14 } }],
    });
    assert.equal(rule(staging).lifecycle.deleteAfter, 7);
    assert.equal("copyActions" in rule(staging), false);
    assert.equal(rule(staging).enableContinuousBackup, true);
    assert.equal(prod.outputs.retentionDays, 14);
    assert.equal(prod.outputs.store, "loom-prod-vault");
    assert.equal(staging.outputs.drStore, "");
  });

  it("drops continuous backup beyond AWS Backup's 35-day limit and keeps snapshots for the full retention", () => {
    assert.equal(rule(longRetention).enableContinuousBackup, false);
    assert.deepEqual(rule(longRetention).lifecycle, { deleteAfter: 90 });
    assert.equal(rule(longRetention).schedule, "cron(0 4 * * ? *)");
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
      ofType(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.name.startsWith("loom-backup-"))
        .map((a) => inputs(a)),
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
    // The AWS Backup role holds only the managed policies; the one inline policy is the S3 replication role's.
    assert.deepEqual(
      ofType(prod, "aws:iam/rolePolicy:RolePolicy").map((p) => inputs(p).role),
      ["loom-prod-backup-replication"],
    );
  });

  describe("disaster recovery (prod)", () => {
    it("keeps a second vault with its own rotated key in the DR region, both protected and tagged", () => {
      const provider = one(prod, "pulumi:providers:aws", "loom-dr");
      assert.equal(inputs(provider).region, "eu-central-1");
      const drVault = one(prod, "aws:backup/vault:Vault", "loom-backup-dr-vault");
      const tags = inputs(one(prod, "aws:backup/vault:Vault", "loom-backup-vault")).tags;
      assert.deepEqual(inputs(drVault), {
        name: "loom-prod-vault-dr",
        kmsKeyArn: DR_KEY_ARN,
        forceDestroy: false,
        tags,
      });
      assert.equal(drVault.protect, true);
      const key = one(prod, "aws:kms/key:Key", "loom-backup-dr-key");
      assert.equal(key.protect, true);
      assert.deepEqual(
        {
          rotation: inputs(key).enableKeyRotation,
          period: inputs(key).rotationPeriodInDays,
          window: inputs(key).deletionWindowInDays,
          tags: inputs(key).tags,
        },
        { rotation: true, period: 365, window: 30, tags },
      );
      assert.deepEqual(JSON.parse(inputs(key).policy).Statement, [
        {
          Sid: "AccountAdministers",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "kms:*",
          Resource: "*",
        },
      ]);
      assert.equal(inputs(one(prod, "aws:kms/alias:Alias", "loom-backup-dr-key")).name, "alias/loom-prod-backup-dr");
      assert.equal(prod.outputs.drStore, "loom-prod-vault-dr");
    });

    it("creates the DR vault, key and alias through the DR-region provider, everything else through the default", () => {
      const drUrn = one(prod, "pulumi:providers:aws", "loom-dr").urn;
      const viaDr = [...prodProviders]
        .filter(([, urn]) => urn === drUrn)
        .map(([n]) => n)
        .sort();
      assert.deepEqual(viaDr, [
        "aws:backup/vault:Vault::loom-backup-dr-vault",
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration::loom-backup-dr-vault-lock",
        "aws:kms/alias:Alias::loom-backup-dr-key",
        "aws:kms/alias:Alias::loom-logical-backups-dr-key",
        "aws:kms/key:Key::loom-backup-dr-key",
        "aws:kms/key:Key::loom-logical-backups-dr-key",
        "aws:s3/bucket:Bucket::loom-logical-backups-dr",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::loom-logical-backups-dr",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration::loom-logical-backups-dr",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::loom-logical-backups-dr",
        "aws:s3/bucketPolicy:BucketPolicy::loom-logical-backups-dr",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::loom-logical-backups-dr",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::loom-logical-backups-dr",
        "aws:s3/bucketVersioning:BucketVersioning::loom-logical-backups-dr",
      ]);
      assert.equal(prodProviders.has("aws:backup/vault:Vault::loom-backup-vault"), true);
      assert.equal(prodProviders.get("aws:backup/vault:Vault::loom-backup-vault"), undefined);
      assert.equal(prodProviders.get("aws:backup/plan:Plan::loom-backup-plan"), undefined);
    });

    it("copies with the vault's retention; no DR resources without disasterRecovery", () => {
      assert.deepEqual(rule(prod).copyActions, [{ destinationVaultArn: DR_VAULT_ARN, lifecycle: { deleteAfter: 14 } }]);
      for (const run of [staging, longRetention]) {
        assert.equal(ofType(run, "pulumi:providers:aws").length, 0);
        assert.deepEqual(
          ofType(run, "aws:backup/vault:Vault").map((v) => v.name),
          ["loom-backup-vault"],
        );
      }
    });

    it("fails naming the platform when it has no DR provider", async () => {
      await assert.rejects(
        runComponents(() => new Backups("loom", { ...withPlatform(argsFor("prod")), disasterRecovery: true })),
        {
          propertyPath: "platform",
          reason: "has no disaster-recovery provider: construct the Platform with disasterRecovery: true",
        },
      );
    });
  });

  it("renders the daily hour as AWS Backup cron and rejects an hour outside 0–23", () => {
    assert.equal(dailySchedule(0), "cron(0 0 * * ? *)");
    assert.equal(dailySchedule(23), "cron(0 23 * * ? *)");
    for (const dailyHourUtc of [-1, 24, 2.5]) {
      assert.throws(() => Backups.resolve({ ...argsFor("prod"), dailyHourUtc }), {
        propertyPath: "dailyHourUtc",
        reason: `must be a whole hour 0 to 23, got ${dailyHourUtc}`,
      });
    }
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
