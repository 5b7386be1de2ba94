import * as assert from "node:assert/strict";
import { jobScript, logicalHourUtc, shQuote, tmpGiBFor, uploadLines } from "../../components/backups/job-script";
import { RESTORE_MB_PER_SECOND, recoveryObjectives, rtoMinutes } from "../../components/backups/recovery";
import { PROFILES } from "../../components/profiles";

/** Inputs as the cloud files derive them from a profile (index.ts passes storageGiB and backupRetentionDays). */
function inputsFor(env: "dev" | "staging" | "prod", cloud: "aws" | "kubernetes", store = true) {
  const p = PROFILES[env];
  const dr = p.backups && p.disasterRecovery;
  return {
    cloud,
    retentionDays: p.backupRetentionDays,
    storageGiB: p.database.storageGiB,
    walArchive: cloud === "aws" || store,
    logicalJob: p.backups,
    drTarget: dr ? (cloud === "aws" ? "eu-central-1" : "s3://acme-loom-dr/loom-prod") : undefined,
  } as const;
}

describe("backups: recovery objectives (pure)", () => {
  it("derives every environment's objectives on AWS", () => {
    assert.deepEqual(recoveryObjectives(inputsFor("dev", "aws")), {
      pitrWindowDays: 1,
      rpoMinutes: 5,
      drRpoMinutes: null,
      rtoMinutesEstimate: 53,
      logicalBackupEveryHours: 0,
      drCopy: false,
      drRegionOrStore: "",
    });
    assert.deepEqual(recoveryObjectives(inputsFor("staging", "aws")), {
      pitrWindowDays: 7,
      rpoMinutes: 5,
      drRpoMinutes: null,
      rtoMinutesEstimate: 87,
      logicalBackupEveryHours: 24,
      drCopy: false,
      drRegionOrStore: "",
    });
    assert.deepEqual(recoveryObjectives(inputsFor("prod", "aws")), {
      pitrWindowDays: 14,
      rpoMinutes: 5,
      drRpoMinutes: 1440,
      rtoMinutesEstimate: 144,
      logicalBackupEveryHours: 24,
      drCopy: true,
      drRegionOrStore: "eu-central-1",
    });
  });

  it("derives Kubernetes objectives from the WAL archive (archive_timeout 5 min) and the replica cluster", () => {
    assert.deepEqual(recoveryObjectives(inputsFor("prod", "kubernetes")), {
      pitrWindowDays: 14,
      rpoMinutes: 5,
      drRpoMinutes: 10,
      rtoMinutesEstimate: 124,
      logicalBackupEveryHours: 24,
      drCopy: true,
      drRegionOrStore: "s3://acme-loom-dr/loom-prod",
    });
    // No object store: no PITR, no recovery point at all (dev without loom:kubernetes.backup).
    assert.deepEqual(recoveryObjectives(inputsFor("dev", "kubernetes", false)), {
      pitrWindowDays: 0,
      rpoMinutes: null,
      drRpoMinutes: null,
      rtoMinutesEstimate: 33,
      logicalBackupEveryHours: 0,
      drCopy: false,
      drRegionOrStore: "",
    });
    // Only the logical job: the RPO is its interval.
    assert.equal(recoveryObjectives({ ...inputsFor("dev", "kubernetes", false), logicalJob: true }).rpoMinutes, 1440);
  });

  it("estimates RTO from the drill's throughput, slowest run, plus provisioning; refuses a size that is not one", () => {
    assert.equal(RESTORE_MB_PER_SECOND, 15);
    assert.equal(rtoMinutes("aws", 100), 30 + Math.ceil((100 * 1024) / 15 / 60));
    assert.equal(rtoMinutes("kubernetes", 1), 12);
    for (const bad of [0, -1, Number.NaN]) {
      assert.throws(() => rtoMinutes("aws", bad), { message: `storageGiB must be a positive number, got ${bad}` });
    }
  });
});

describe("backups: the job script (pure)", () => {
  it("dumps, verifies, uploads objects before manifests and publishes metrics on AWS", () => {
    const script = jobScript({
      prefix: "loom-loom",
      destinations: [{ url: "s3://b/logical/", sse: "aws:kms", kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k" }],
      cloudwatch: { namespace: "Loom", environment: "prod" },
    });
    assert.equal(
      script,
      [
        "set -eu",
        "umask 077",
        "rm -rf /tmp/loom-backup",
        "store=/tmp/loom-backup/store",
        'mkdir -p "$store"',
        "latest=$(aws s3 ls 's3://b/logical/' 2>/dev/null | awk '$4 ~ /[.]manifest[.]json$/ {print $4}' | sort | tail -n 1)",
        'if [ -n "$latest" ]; then aws s3 cp \'s3://b/logical/\'"$latest" /tmp/loom-backup/previous.manifest.json --only-show-errors; fi',
        'loom-backup dump --dbname "$PGDATABASE" --store "$store" --prefix \'loom-loom\' --metrics-file /tmp/loom-backup/metrics.prom --previous-manifest /tmp/loom-backup/previous.manifest.json',
        'loom-backup verify --store "$store"',
        "aws s3 cp \"$store/\" 's3://b/logical/' --recursive --only-show-errors --sse 'aws:kms' --sse-kms-key-id 'arn:aws:kms:eu-west-1:1:key/k' --exclude '*.manifest.json'",
        "aws s3 cp \"$store/\" 's3://b/logical/' --recursive --only-show-errors --sse 'aws:kms' --sse-kms-key-id 'arn:aws:kms:eu-west-1:1:key/k' --exclude '*' --include '*.manifest.json'",
        "ratio=$(awk '/^loom_backup_size_ratio/ {print $2}' /tmp/loom-backup/metrics.prom)",
        "size=$(awk '/^loom_backup_size_bytes/ {print $2}' /tmp/loom-backup/metrics.prom)",
        "aws cloudwatch put-metric-data --namespace 'Loom' --metric-name LogicalBackupSizeBytes --dimensions 'Environment=prod' --unit Bytes --value \"$size\"",
        "aws cloudwatch put-metric-data --namespace 'Loom' --metric-name LogicalBackupSizeRatio --dimensions 'Environment=prod' --unit None --value \"$ratio\"",
        "aws cloudwatch put-metric-data --namespace 'Loom' --metric-name LogicalBackupSuccess --dimensions 'Environment=prod' --unit Count --value 1",
        "cat /tmp/loom-backup/metrics.prom",
        "rm -rf /tmp/loom-backup",
        "",
      ].join("\n"),
    );
  });

  it("uploads to an S3-compatible store with its endpoint, region and the DR store's own credentials", () => {
    assert.deepEqual(
      uploadLines({
        url: "s3://dr/loom-prod/logical/",
        endpoint: "https://s3.eu-central-1.amazonaws.com",
        region: "eu-central-1",
        sse: "AES256",
        credentialsPrefix: "DR_",
      })[0],
      'env AWS_ACCESS_KEY_ID="$DR_AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$DR_AWS_SECRET_ACCESS_KEY" aws s3 cp "$store/" ' +
        "'s3://dr/loom-prod/logical/' --recursive --only-show-errors --endpoint-url 'https://s3.eu-central-1.amazonaws.com' " +
        "--region 'eu-central-1' --sse 'AES256' --exclude '*.manifest.json'",
    );
  });

  it("refuses values that would need shell escaping, a destination that is not s3://…/, and no destination", () => {
    assert.throws(() => shQuote("a'b"), /has characters outside/);
    assert.throws(() => shQuote("$(id)"), /has characters outside/);
    assert.throws(() => uploadLines({ url: "s3://b/logical" }), {
      message: "destination s3://b/logical must be an s3:// URL ending in /",
    });
    assert.throws(() => jobScript({ prefix: "p", destinations: [] }), {
      message: "the backup job needs at least one destination",
    });
  });

  it("runs two hours after the base backup and sizes /tmp for a dump as large as the database", () => {
    assert.deepEqual([3, 22, 23].map(logicalHourUtc), [5, 0, 1]);
    assert.deepEqual([20, 50, 100, 0.5].map(tmpGiBFor), [21, 51, 101, 2]);
    assert.throws(() => tmpGiBFor(0), { message: "storageGiB must be a positive number, got 0" });
  });
});
