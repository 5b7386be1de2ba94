/**
 * The logical-backup CronJob on Kubernetes: Pod Security "restricted", requests = limits, the schedule and run
 * limits, secrets by reference (the CloudNativePG app Secret, the store credentials, the empty key Secret), the
 * destinations (primary store and, with disaster recovery, the DR store), the NetworkPolicies, `recovery`, the
 * ObjectStore retention, and the policy pack.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type BackupJobArgs, Backups } from "../../components/backups";
import { jobNetworkPolicies } from "../../components/backups/k8s-job";
import type { Recovery } from "../../components/backups/recovery";
import type { KubernetesDatabaseBackupTargets } from "../../components/database/kubernetes";
import { type DatabaseAccess, type DatabaseLogin, singleLoginAccess } from "../../components/lib/db-roles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { check, policies } from "../harness/policy-check";
import { ofType, one, ROOT, runComponents } from "../harness/program";
import { at, base, IMAGE, PROD_CLUSTER_INPUTS } from "./k8s-fixtures";

const CRON = "kubernetes:batch/v1:CronJob";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SECRET = "kubernetes:core/v1:Secret";
const STORE = { bucket: "acme-loom-backups", credentialsSecret: "loom-s3" };
const DR_STORE = { bucket: "acme-loom-dr", credentialsSecret: "loom-s3-dr", region: "eu-central-1" };

function targets(): KubernetesDatabaseBackupTargets {
  return {
    cloud: "kubernetes",
    namespace: pulumi.output("loom-prod"),
    cluster: pulumi.output("loom-db"),
    objectStore: "loom-db-backups",
    objectStoreUrl: "s3://acme-loom-backups/loom-prod",
    clusterInputs: { ...PROD_CLUSTER_INPUTS, objectStore: "loom-db-backups" },
  };
}

async function build(o: {
  job: boolean;
  dr: boolean;
  env?: "staging" | "prod";
  enabled?: boolean;
  /** loom:backup.tables and the configuration part. */
  app?: boolean;
  /** The Database's access (index.ts passes the whole Database). */
  access?: DatabaseAccess;
}): Promise<ProgramRun> {
  const env = o.env ?? "prod";
  return runComponents(() => {
    const b = new Backups("loom", {
      ...base(env, { backup: STORE, ...(o.dr ? { drBackup: DR_STORE } : {}) }),
      enabled: o.enabled ?? true,
      disasterRecovery: o.dr,
      targets: targets(),
      retentionDays: 14,
      databaseSizeGiB: 100,
      ...(o.job
        ? {
            job: {
              image: IMAGE,
              database: {
                endpoint: pulumi.output("loom-db-pooler-rw.loom-prod.svc"),
                port: pulumi.output(5432),
                databaseName: pulumi.output("loom"),
                credentials: {
                  username: { id: "loom-db-app", key: "username" },
                  password: { id: "loom-db-app", key: "password" },
                },
                ...(o.access ? { access: o.access } : {}),
              },
              ...(o.app ? { tables: ["prompt_library", "public.users"], config: APP_CONFIG } : {}),
            },
          }
        : {}),
    });
    return { recovery: b.recovery, store: b.store };
  });
}

const APP_CONFIG = JSON.stringify({ format: "loom-stack-config/1", stack: "prod", cloud: "kubernetes" });

const pod = (run: ProgramRun) => at(one(run, CRON).inputs, "spec", "jobTemplate", "spec", "template", "spec");

describe("backups on kubernetes: the logical-backup CronJob", () => {
  let prod: ProgramRun;
  let noDr: ProgramRun;
  let noJob: ProgramRun;
  before(async () => {
    prod = await build({ job: true, dr: true });
    noDr = await build({ job: true, dr: false, env: "staging" });
    noJob = await build({ job: false, dr: true });
  });

  it("runs daily at 05:00 UTC, one at a time, with deadlines, retries and history limits", () => {
    const spec = at(one(prod, CRON).inputs, "spec");
    assert.deepEqual(
      {
        schedule: spec.schedule,
        timeZone: spec.timeZone,
        concurrencyPolicy: spec.concurrencyPolicy,
        startingDeadlineSeconds: spec.startingDeadlineSeconds,
        successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: spec.failedJobsHistoryLimit,
        backoffLimit: spec.jobTemplate.spec.backoffLimit,
        activeDeadlineSeconds: spec.jobTemplate.spec.activeDeadlineSeconds,
      },
      {
        schedule: "0 5 * * *",
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        backoffLimit: 2,
        activeDeadlineSeconds: 14400,
      },
    );
    assert.equal(at(one(prod, CRON).inputs, "metadata", "namespace"), "loom-prod");
  });

  it("is Pod Security restricted: non-root, read-only root, no capabilities, seccomp, no token; requests = limits", () => {
    const p = pod(prod);
    const c = p.containers[0];
    assert.deepEqual(
      {
        restartPolicy: p.restartPolicy,
        automountServiceAccountToken: p.automountServiceAccountToken,
        securityContext: p.securityContext,
        containerSecurity: c.securityContext,
        resources: c.resources,
        volumes: p.volumes,
        mounts: c.volumeMounts,
      },
      {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          fsGroup: 10001,
          fsGroupChangePolicy: "OnRootMismatch",
          seccompProfile: { type: "RuntimeDefault" },
        },
        containerSecurity: {
          runAsNonRoot: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          privileged: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        },
        resources: {
          requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "102Gi" },
          limits: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "102Gi" },
        },
        volumes: [
          { name: "tmp", emptyDir: { sizeLimit: "101Gi" } },
          {
            name: "internal-ca",
            secret: { secretName: "loom-internal-ca", items: [{ key: "ca.crt", path: "ca.crt" }] },
          },
        ],
        mounts: [
          { name: "tmp", mountPath: "/tmp" },
          { name: "internal-ca", mountPath: "/etc/loom/ca", readOnly: true },
        ],
      },
    );
    assert.equal(c.image, IMAGE);
    assert.deepEqual(
      at(one(prod, CRON).inputs, "spec", "jobTemplate", "spec", "template", "metadata", "labels")["loom/tier"],
      "backup",
    );
  });

  it("dumps the primary (-rw, verify-full) with every credential from a Secret", () => {
    const env = pod(prod).containers[0].env;
    const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
    assert.deepEqual(env, [
      { name: "HOME", value: "/tmp" },
      { name: "PGHOST", value: "loom-db-rw.loom-prod.svc" },
      { name: "PGPORT", value: "5432" },
      { name: "PGDATABASE", value: "loom" },
      { name: "PGSSLMODE", value: "verify-full" },
      { name: "PGSSLROOTCERT", value: "/etc/loom/ca/ca.crt" },
      { name: "DATABASE_AUTH", value: "password" },
      { name: "PGUSER", valueFrom: ref("loom-db-app", "username") },
      { name: "PGPASSWORD", valueFrom: ref("loom-db-app", "password") },
      { name: "LOOM_BACKUP_KEY", valueFrom: ref("loom-backup-key", "LOOM_BACKUP_KEY") },
      { name: "AWS_ACCESS_KEY_ID", valueFrom: ref("loom-s3", "ACCESS_KEY_ID") },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: ref("loom-s3", "ACCESS_SECRET_KEY") },
      { name: "DR_AWS_ACCESS_KEY_ID", valueFrom: ref("loom-s3-dr", "ACCESS_KEY_ID") },
      { name: "DR_AWS_SECRET_ACCESS_KEY", valueFrom: ref("loom-s3-dr", "ACCESS_SECRET_KEY") },
    ]);
    assert.equal(
      pod(noDr).containers[0].env.some((e: { name: string }) => e.name.startsWith("DR_")),
      false,
    );
  });

  it("logs in with the Database's backup login when it has one (its own Secret), and refuses a token login", async () => {
    const app = { username: { id: "loom-db-app", key: "username" }, password: { id: "loom-db-app", key: "password" } };
    const single = singleLoginAccess(app);
    const backup: DatabaseLogin = {
      auth: "password",
      username: { id: "loom-db-backup", key: "username" },
      password: { id: "loom-db-backup", key: "password" },
    };
    const run = await build({ job: true, dr: false, access: { ...single, logins: { ...single.logins, backup } } });
    const env = pod(run).containers[0].env as { name: string }[];
    assert.deepEqual(
      env.filter((e) => ["DATABASE_AUTH", "PGUSER", "PGPASSWORD"].includes(e.name)),
      [
        { name: "DATABASE_AUTH", value: "password" },
        { name: "PGUSER", valueFrom: { secretKeyRef: { name: "loom-db-backup", key: "username" } } },
        { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "loom-db-backup", key: "password" } } },
      ],
    );
    const token: DatabaseLogin = { auth: "aws-rds-iam", username: "loom_backup" };
    await assert.rejects(
      build({ job: true, dr: false, access: { ...single, logins: { ...single.logins, backup: token } } }),
      {
        propertyPath: "job.database.access",
        reason:
          "the backup login authenticates with aws-rds-iam, which the Kubernetes backup job cannot use (it takes password logins)",
      },
    );
  });

  it("uploads under logical/ to the backup store and, with disaster recovery, to the DR store", () => {
    const script: string = pod(prod).containers[0].command[2];
    assert.deepEqual(pod(prod).containers[0].command.slice(0, 2), ["/bin/sh", "-ec"]);
    const uploads = script.split("\n").filter((l) => l.includes('aws s3 cp "$store/"'));
    assert.deepEqual(
      uploads.map((l) => l.match(/'s3:\/\/[^']+'/)?.[0]),
      [
        "'s3://acme-loom-backups/loom-prod/logical/'",
        "'s3://acme-loom-backups/loom-prod/logical/'",
        "'s3://acme-loom-dr/loom-prod/logical/'",
        "'s3://acme-loom-dr/loom-prod/logical/'",
      ],
    );
    assert.match(uploads[2] as string, /^env AWS_ACCESS_KEY_ID="\$DR_AWS_ACCESS_KEY_ID"/);
    assert.match(
      uploads[2] as string,
      /--endpoint-url 'https:\/\/s3\.eu-central-1\.amazonaws\.com' --region 'eu-central-1' --sse 'AES256'/,
    );
    assert.equal(script.includes("cloudwatch"), false);
    assert.equal(
      pod(noDr)
        .containers[0].command[2].split("\n")
        .filter((l: string) => l.includes('aws s3 cp "$store/"')).length,
      2,
    );
  });

  it("exports loom:backup.tables on their own and the stack's configuration (a plain env var, never a secret)", async () => {
    const app = await build({ job: true, dr: false, app: true });
    const c = pod(app).containers[0];
    const dump = (c.command[2] as string).split("\n").find((l) => l.startsWith("loom-backup dump")) as string;
    assert.match(dump, / --table 'prompt_library' --table 'public\.users' --config-env 'LOOM_BACKUP_CONFIG'$/);
    assert.deepEqual(
      c.env.find((e: { name: string }) => e.name === "LOOM_BACKUP_CONFIG"),
      { name: "LOOM_BACKUP_CONFIG", value: APP_CONFIG },
    );
    // Without them: no flags, no variable.
    const plain = pod(noDr).containers[0];
    assert.doesNotMatch(plain.command[2], /--table|--config-env/);
    assert.equal(
      plain.env.some((e: { name: string }) => e.name === "LOOM_BACKUP_CONFIG"),
      false,
    );
  });

  it("refuses a table name the CLI would not take and a configuration that is not a JSON object", async () => {
    const cases: [Partial<BackupJobArgs>, string][] = [
      [{ tables: ["Users"] }, "job.tables"],
      [{ tables: ["users", "users"] }, "job.tables"],
      [{ config: "[1]" }, "job.config"],
      [{ config: "loom: prod" }, "job.config"],
    ];
    for (const [job, propertyPath] of cases) {
      assert.throws(() => Backups.resolveJob({ image: IMAGE, database: {} as never, ...job }), { propertyPath });
    }
  });

  it("compares with the backup store's latest manifest and fails the Job without retry on a size drop", () => {
    const lines: string[] = pod(prod).containers[0].command[2].split("\n");
    const url = "'s3://acme-loom-backups/loom-prod/logical/'";
    const dumpAt = lines.findIndex((l) => l.startsWith("loom-backup dump"));
    assert.deepEqual(lines.slice(dumpAt - 2, dumpAt + 1), [
      `latest=$(aws s3 ls ${url} 2>/dev/null | awk '$4 ~ /[.]manifest[.]json$/ {print $4}' | sort | tail -n 1)`,
      `if [ -n "$latest" ]; then aws s3 cp ${url}"$latest" /tmp/loom-backup/previous.manifest.json --only-show-errors; fi`,
      `loom-backup dump --dbname "$PGDATABASE" --store "$store" --prefix 'loom-loom' --metrics-file /tmp/loom-backup/metrics.prom --previous-manifest /tmp/loom-backup/previous.manifest.json`,
    ]);
    // After every upload: the ratio from the metrics file, then exit 6 under 0.5.
    assert.deepEqual(lines.slice(-4), [
      "cat /tmp/loom-backup/metrics.prom",
      "rm -rf /tmp/loom-backup",
      `if awk -v r="$ratio" 'BEGIN { exit !(r < 0.5) }'; then echo "backup uploaded, but its size is $ratio of the previous one's (under 0.5): exit 6" >&2; exit 6; fi`,
      "",
    ]);
    assert.ok(
      lines.indexOf("ratio=$(awk '/^loom_backup_size_ratio/ {print $2}' /tmp/loom-backup/metrics.prom)") > dumpAt,
    );
    assert.deepEqual(at(one(prod, CRON).inputs, "spec", "jobTemplate", "spec", "podFailurePolicy"), {
      rules: [{ action: "FailJob", onExitCodes: { containerName: "logical-backup", operator: "In", values: [6] } }],
    });
  });

  it("creates the key Secret empty, annotated, never overwritten, protected in prod", () => {
    const secret = one(prod, SECRET, "loom-logical-backup-key");
    assert.deepEqual(at(secret.inputs, "metadata", "annotations", "loom/expected-keys"), "LOOM_BACKUP_KEY");
    assert.equal(secret.inputs.data, undefined);
    assert.equal(secret.inputs.stringData, undefined);
    assert.equal(secret.protect, true);
  });

  it("lets the job reach the database on 5432 and HTTPS, and the database accept it", () => {
    const nps = ofType(prod, NP).map((r) => [at(r.inputs, "metadata", "name"), at(r.inputs, "spec")]);
    assert.deepEqual(nps, [
      [
        "logical-backup-egress",
        {
          podSelector: { matchLabels: { "loom/tier": "backup" } },
          policyTypes: ["Egress"],
          egress: [
            {
              to: [{ podSelector: { matchLabels: { "loom/tier": "database" } } }],
              ports: [{ protocol: "TCP", port: 5432 }],
            },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
          ],
        },
      ],
      [
        "database-from-logical-backup",
        {
          podSelector: { matchLabels: { "loom/tier": "database" } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { "loom/tier": "backup" } } }],
              ports: [{ protocol: "TCP", port: 5432 }],
            },
          ],
        },
      ],
    ]);
    assert.deepEqual(
      jobNetworkPolicies().map((p) => p.name),
      ["logical-backup-egress", "database-from-logical-backup"],
    );
  });

  it("keeps base backups and WAL for retentionDays in both ObjectStores", () => {
    // The primary ObjectStore belongs to Database (backupRetentionDays, the same profile number); the DR one to Backups.
    const dr = one(prod, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore");
    assert.equal(at(dr.inputs, "spec", "retentionPolicy"), "14d");
  });

  it("outputs the recovery objectives (archive_timeout 5 min, replica-cluster DR)", () => {
    assert.deepEqual(prod.outputs.recovery, {
      pitrWindowDays: 14,
      rpoMinutes: 5,
      drRpoMinutes: 10,
      rtoMinutesEstimate: 124,
      logicalBackupEveryHours: 24,
      drCopy: true,
      drRegionOrStore: "s3://acme-loom-dr/loom-prod",
    });
    assert.equal((noJob.outputs.recovery as Recovery).logicalBackupEveryHours, 0);
  });

  it("creates no CronJob, key Secret or NetworkPolicy without a job", () => {
    for (const type of [CRON, NP]) assert.equal(ofType(noJob, type).length, 0, type);
    assert.equal(
      ofType(noJob, SECRET).some((s) => s.name === "loom-logical-backup-key"),
      false,
    );
  });

  it("follows enabled like AWS: a store and an image but backups off build no CronJob", async () => {
    const off = await build({ job: true, dr: false, env: "staging", enabled: false });
    assert.equal(ofType(off, CRON).length, 0);
    assert.equal((off.outputs.recovery as Recovery).logicalBackupEveryHours, 0);
  });

  it("passes the policy pack (policy/config/prod.json)", async () => {
    const config = JSON.parse(readFileSync(join(ROOT, "policy", "config", "prod.json"), "utf8"));
    assert.deepEqual(await check(policies, prod.resources, config), []);
  });
});
