import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Backups, type BackupsArgs } from "../../components/backups";
import { backupBootConfig, type DoBootInputs } from "../../components/backups/do-job";
import {
  BACKUP_COMPOSE_PATH,
  BACKUP_ENV_FILE,
  BACKUP_SCRIPT_PATH,
  backupDropletSize,
  CONFIG_HOST_PATH,
  DB_CA_HOST_PATH,
  doJobScript,
  onCalendar,
} from "../../components/backups/do-job-script";
import { DO_PITR_DAYS, DO_PROVISION_MINUTES, doRecoveryObjectives } from "../../components/backups/do-recovery";
import { doBucketPolicy } from "../../components/backups/do-storage";
import { RESTORE_MB_PER_SECOND } from "../../components/backups/recovery";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { DO_CONFIG, DO_SSH_KEY, DO_VPC_ID, fakeDoNetwork, staticDoPlatform, withDoPlatform } from "./do-fixtures";

type Env = "dev" | "staging" | "prod";
const IMAGE = "registry.digitalocean.com/loom/loom-backup:0.1.0";
const CLUSTER_ID = "00000000-0000-4000-8000-0000000000d1";
const HOST = (env: Env) => `private-loom-${env}-db-do-user-0000000-0.m.db.ondigitalocean.com`;
const COLLECTOR = "10.40.32.7";
const CONFIG_JSON = '{"format":"loom-stack-config/1","stack":"prod"}';

const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const KEY = "digitalocean:index/spacesKey:SpacesKey";
const OBJECT = "digitalocean:index/spacesBucketObject:SpacesBucketObject";
const DROPLET = "digitalocean:index/droplet:Droplet";
const PROJECT_RESOURCES = "digitalocean:index/projectResources:ProjectResources";

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env, over: Partial<BackupsArgs> = {}, job: Record<string, unknown> = {}): BackupsArgs {
  const p = PROFILES[env];
  const o = pulumi.output;
  return {
    platform: staticDoPlatform(),
    context: context(env),
    protect: p.deletionProtection,
    enabled: p.backups,
    disasterRecovery: p.backups && p.disasterRecovery,
    targets: { cloud: "digitalocean", clusterId: o(CLUSTER_ID), privateHost: o(HOST(env)), port: 25060 },
    retentionDays: p.backupRetentionDays,
    databaseSizeGiB: p.database.storageGiB,
    job: {
      image: IMAGE,
      network: fakeDoNetwork(env),
      runtime: { cloud: "digitalocean", collectorHost: o(COLLECTOR) },
      logRetentionDays: p.logRetentionDays,
      database: {
        endpoint: o(`private-loom-${env}-pool.example`),
        port: o(25061),
        databaseName: o("loom"),
        credentials: { username: { id: "database-user" }, password: { id: "database-password" } },
      },
      tables: ["reviews"],
      config: CONFIG_JSON,
      ...job,
    },
    ...over,
  };
}

async function build(args: BackupsArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const b = new Backups("loom", withDoPlatform(args));
    return {
      store: b.store,
      drStore: b.drStore,
      retentionDays: b.retentionDays,
      recovery: b.recovery,
      ...(b.bootConfig ? { bootConfig: b.bootConfig } : {}),
      ...(b.hosts ? { hosts: b.hosts } : {}),
    };
  }, DO_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
/** Only the component's resources (the platform's project and secrets bucket are not Backups'). */
const own = (run: ProgramRun, type: string) => ofType(run, type).filter((r) => r.urn.includes("Backups"));
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
const writeFile = (cloudConfig: any, path: string): string => {
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
  const f = cloudConfig.write_files.find((w: any) => w.path === path);
  assert.ok(f, `no write_files entry ${path}`);
  return f.content;
};

describe("Backups on DigitalOcean (helpers)", () => {
  it("sizes the droplet for the container, the host's 256 MiB and a dump as large as the database", () => {
    assert.equal(backupDropletSize(0.5, 1024, 20), "s-1vcpu-2gb");
    assert.equal(backupDropletSize(0.5, 1024, 50), "s-2vcpu-4gb");
    assert.equal(backupDropletSize(0.5, 1024, 100), "s-4vcpu-8gb");
    // 4000 MiB does not fit s-2vcpu-4gb once the host keeps its 256 MiB.
    assert.equal(backupDropletSize(1, 4000, 20), "s-4vcpu-8gb");
    assert.throws(() => backupDropletSize(0.5, 1024, 400), /exceed the largest basic droplet/);
    assert.throws(() => backupDropletSize(0, 1024, 20), /more than 0/);
  });

  it("renders the daily OnCalendar in UTC and refuses an hour outside 0–23", () => {
    assert.equal(onCalendar(3), "*-*-* 03:00:00 UTC");
    assert.equal(onCalendar(23), "*-*-* 23:00:00 UTC");
    assert.throws(() => onCalendar(24), /0–23/);
  });

  it("dumps, verifies, then uploads each bucket's set (objects, manifests) and its metrics file, primary first", () => {
    const script = doJobScript({
      prefix: "loom-loom",
      buckets: [
        { bucket: "loom-prod-backups-a1b2c3", region: "ams3" },
        { bucket: "loom-prod-backups-dr-a1b2c3", region: "fra1" },
      ],
      tables: ["reviews"],
      config: true,
    });
    const ams = "--endpoint-url 'https://ams3.digitaloceanspaces.com' --region 'ams3'";
    const fra = "--endpoint-url 'https://fra1.digitaloceanspaces.com' --region 'fra1'";
    const cp = (bucket: string, where: string) =>
      `aws s3 cp "$store/" 's3://${bucket}/logical/' --recursive --only-show-errors ${where}`;
    assert.equal(
      script,
      [
        "# Generated by loom-infra (components/backups/do-job-script.ts): pg_dump -Fc, encrypted client-side with",
        "# AES-256-GCM by loom-backup (scripts/backup/crypto.ts), verified, then uploaded to each Spaces bucket.",
        "set -eu",
        "umask 077",
        "rm -rf /tmp/loom-backup",
        "store=/tmp/loom-backup/store",
        'mkdir -p "$store"',
        `latest=$(aws s3 ls 's3://loom-prod-backups-a1b2c3/logical/' ${ams} 2>/dev/null | awk '$4 ~ /[.]manifest[.]json$/ {print $4}' | sort | tail -n 1)`,
        `if [ -n "$latest" ]; then aws s3 cp 's3://loom-prod-backups-a1b2c3/logical/'"$latest" /tmp/loom-backup/previous.manifest.json --only-show-errors ${ams}; fi`,
        `loom-backup dump --dbname "$PGDATABASE" --store "$store" --prefix 'loom-loom' --metrics-file /tmp/loom-backup/metrics.prom --previous-manifest /tmp/loom-backup/previous.manifest.json --table 'reviews' --config-file /etc/loom-backup/config.json`,
        'loom-backup verify --store "$store"',
        `${cp("loom-prod-backups-a1b2c3", ams)} --exclude '*.manifest.json'`,
        `${cp("loom-prod-backups-a1b2c3", ams)} --exclude '*' --include '*.manifest.json'`,
        `aws s3 cp /tmp/loom-backup/metrics.prom 's3://loom-prod-backups-a1b2c3/metrics/latest.prom' --only-show-errors ${ams}`,
        `${cp("loom-prod-backups-dr-a1b2c3", fra)} --exclude '*.manifest.json'`,
        `${cp("loom-prod-backups-dr-a1b2c3", fra)} --exclude '*' --include '*.manifest.json'`,
        `aws s3 cp /tmp/loom-backup/metrics.prom 's3://loom-prod-backups-dr-a1b2c3/metrics/latest.prom' --only-show-errors ${fra}`,
        "cat /tmp/loom-backup/metrics.prom",
        "rm -rf /tmp/loom-backup",
        "",
      ].join("\n"),
    );
    assert.throws(() => doJobScript({ prefix: "loom-loom", buckets: [], config: false }), /at least one bucket/);
  });

  it("keeps each set retention + 1 days, noncurrent versions retention days, versioned, private, never force-destroyed", () => {
    assert.deepEqual(doBucketPolicy(14), {
      acl: "private",
      forceDestroy: false,
      versioning: { enabled: true },
      lifecycleRules: [
        {
          id: "logical-retention",
          enabled: true,
          expiration: { days: 15 },
          noncurrentVersionExpiration: { days: 14 },
          abortIncompleteMultipartUploadDays: 1,
        },
      ],
    });
  });

  it("derives recovery: DigitalOcean's fixed 7-day PITR always, the daily dump and the DR copy when built", () => {
    const rto = (gib: number) => DO_PROVISION_MINUTES + Math.ceil((gib * 1024) / RESTORE_MB_PER_SECOND / 60);
    const dev = doRecoveryObjectives({ retentionDays: 1, storageGiB: 20, logicalJob: false });
    assert.deepEqual(
      { ...dev, restoreSteps: dev.restoreSteps.length },
      {
        pitrWindowDays: DO_PITR_DAYS,
        rpoMinutes: 5,
        drRpoMinutes: null,
        rtoMinutesEstimate: rto(20),
        logicalBackupEveryHours: 0,
        drCopy: false,
        drRegionOrStore: "",
        logicalRetentionDays: 0,
        restoreSteps: 4,
      },
    );
    assert.match(dev.restoreSteps[0] as string, /creates a NEW cluster/);
    assert.ok(!dev.restoreSteps.some((s) => s.includes("DR region")));
    const prod = doRecoveryObjectives({ retentionDays: 14, storageGiB: 100, logicalJob: true, drRegion: "fra1" });
    assert.equal(prod.pitrWindowDays, 7);
    assert.equal(prod.drRpoMinutes, 24 * 60);
    assert.equal(prod.drRegionOrStore, "fra1");
    assert.equal(prod.logicalBackupEveryHours, 24);
    assert.equal(prod.logicalRetentionDays, 14);
    assert.equal(prod.rtoMinutesEstimate, rto(100));
    assert.ok(prod.restoreSteps.some((s) => /standby nodes .* read replicas/.test(s)));
    assert.ok(prod.restoreSteps.some((s) => s.includes("DR region") && s.includes("backup key's offline copy")));
    // A DR region without the job copies nothing.
    assert.equal(
      doRecoveryObjectives({ retentionDays: 7, storageGiB: 50, logicalJob: false, drRegion: "fra1" }).drCopy,
      false,
    );
  });
});

describe("Backups on DigitalOcean (boot config)", () => {
  const boot: DoBootInputs = {
    image: IMAGE,
    loginEnv: { DATABASE_AUTH: "password" },
    runAsUser: 10001,
    cpu: 0.5,
    memoryMiB: 1024,
    host: HOST("prod"),
    port: 25060,
    database: "loom",
    dbUserKey: "database-user",
    dbPasswordKey: "database-password",
    ca: "-----BEGIN CERTIFICATE-----\nMIIFAKEDOCA\n-----END CERTIFICATE-----",
    config: CONFIG_JSON,
    tables: [],
    buckets: [{ bucket: "loom-prod-backups-a1b2c3", region: "ams3" }],
    collectorHost: COLLECTOR,
    hourUtc: 3,
  };

  it("schedules the timer daily at the hour, runs the backup service once per tick, after the secret files", () => {
    const text = backupBootConfig(boot);
    assert.ok(text.startsWith("#cloud-config\n"));
    const doc = parse(text);
    const timer = writeFile(doc, "/etc/systemd/system/loom-backup.timer");
    assert.match(timer, /^OnCalendar=\*-\*-\* 03:00:00 UTC$/m);
    assert.match(timer, /^Persistent=true$/m);
    const service = writeFile(doc, "/etc/systemd/system/loom-backup.service");
    assert.match(service, /^Type=oneshot$/m);
    assert.match(service, /^ExecStartPre=\/usr\/local\/sbin\/loom-secrets$/m);
    assert.match(
      service,
      /^ExecStart=\/usr\/bin\/docker compose -f \/opt\/loom\/backup\/compose\.yaml run --rm --no-deps backup$/m,
    );
    assert.ok(doc.runcmd.includes("systemctl enable --now loom-backup.timer"));
    assert.ok(!doc.runcmd.includes("systemctl enable --now loom-backup.service"));
    // No app compose project on this droplet: loom.service is not written.
    // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
    assert.ok(!doc.write_files.some((w: any) => w.path === "/etc/systemd/system/loom.service"));
  });

  it("runs the hardened, profiled backup service against the primary directly with verify-full and the cluster CA", () => {
    const doc = parse(backupBootConfig(boot));
    const compose = parse(writeFile(doc, BACKUP_COMPOSE_PATH));
    const svc = compose.services.backup;
    assert.equal(svc.image, IMAGE);
    assert.equal(svc.user, "10001:10001");
    assert.deepEqual(svc.cap_drop, ["ALL"]);
    assert.deepEqual(svc.security_opt, ["no-new-privileges:true"]);
    assert.equal(svc.read_only, true);
    assert.deepEqual(svc.profiles, ["backup"]);
    assert.deepEqual(svc.command, ["/bin/sh", "-e", "/etc/loom-backup/job.sh"]);
    assert.deepEqual(svc.env_file, [BACKUP_ENV_FILE]);
    assert.deepEqual(svc.deploy.resources.limits, { cpus: 0.5, memory: "1024m" });
    assert.equal(svc.environment.PGHOST, HOST("prod"));
    assert.equal(svc.environment.PGPORT, "25060");
    assert.equal(svc.environment.PGSSLMODE, "verify-full");
    assert.equal(svc.environment.PGSSLROOTCERT, "/etc/loom-backup/db-ca.pem");
    assert.equal(svc.environment.DATABASE_AUTH, "password");
    assert.equal(svc.ports, undefined);
    assert.deepEqual(
      // biome-ignore lint/suspicious/noExplicitAny: parsed YAML
      svc.volumes.map((v: any) => `${v.type} ${v.source} ${v.target} ${v.read_only ?? false}`),
      [
        `bind ${BACKUP_SCRIPT_PATH} /etc/loom-backup/job.sh true`,
        `bind ${DB_CA_HOST_PATH} /etc/loom-backup/db-ca.pem true`,
        `bind ${CONFIG_HOST_PATH} /etc/loom-backup/config.json true`,
        "volume backup-work /tmp false",
      ],
    );
    assert.equal(writeFile(doc, DB_CA_HOST_PATH), `${boot.ca}\n`);
    assert.equal(writeFile(doc, CONFIG_HOST_PATH), `${CONFIG_JSON}\n`);
    assert.match(writeFile(doc, BACKUP_SCRIPT_PATH), /--config-file \/etc\/loom-backup\/config\.json/);
  });

  it("assembles the env file from the pushed secret files: db credentials, backup key, the job's Spaces key", () => {
    const secrets = writeFile(parse(backupBootConfig(boot)), "/usr/local/sbin/loom-secrets");
    for (const key of [
      "database-user",
      "database-password",
      "backup-key",
      "backup-access-key-id",
      "backup-secret-access-key",
    ]) {
      assert.ok(secrets.includes(`/etc/loom/secrets/${key}`), `${key} not read`);
    }
    for (const name of ["PGUSER", "PGPASSWORD", "LOOM_BACKUP_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      assert.ok(secrets.includes(`'${name}'`), `${name} not written`);
    }
    assert.ok(secrets.includes(BACKUP_ENV_FILE));
    // Ansible delivery: nothing is fetched, so no key sits in the userData.
    assert.ok(!secrets.includes("--aws-sigv4"));
  });
});

describe("Backups on DigitalOcean (component)", () => {
  it("dev: builds nothing; recovery is DigitalOcean's 7-day PITR only", async () => {
    const run = await build(argsFor("dev"));
    for (const t of [BUCKET, KEY, OBJECT, DROPLET, PROJECT_RESOURCES]) assert.deepEqual(own(run, t), [], t);
    assert.equal(run.outputs.store, "");
    assert.equal(run.outputs.drStore, "");
    assert.equal(run.outputs.retentionDays, 0);
    assert.equal(run.outputs.bootConfig, undefined);
    assert.equal(run.outputs.hosts, undefined);
    const recovery = run.outputs.recovery as Record<string, unknown>;
    assert.equal(recovery.pitrWindowDays, 7);
    assert.equal(recovery.logicalBackupEveryHours, 0);
    assert.equal(recovery.drCopy, false);
  });

  it("staging: one private versioned bucket, scoped keys, the key placeholder and the backup droplet", async () => {
    const run = await build(argsFor("staging"));
    const buckets = own(run, BUCKET);
    assert.equal(buckets.length, 1);
    const b = inputs(buckets[0] as PlannedResource);
    assert.match(b.name, /^loom-staging-backups-[0-9a-z]{6}$/);
    assert.equal(b.region, "ams3");
    assert.deepEqual(
      { ...b, name: undefined, region: undefined },
      { ...doBucketPolicy(7), name: undefined, region: undefined },
    );
    assert.equal((buckets[0] as PlannedResource).protect, false);
    const keys = Object.fromEntries(own(run, KEY).map((k) => [inputs(k).name, inputs(k).grants]));
    assert.deepEqual(keys, {
      "loom-staging-backup-job": [{ bucket: b.name, permission: "readwrite" }],
      "loom-staging-backup-metrics-read": [{ bucket: b.name, permission: "read" }],
    });
    const objects = Object.fromEntries(own(run, OBJECT).map((o) => [inputs(o).key, o]));
    assert.deepEqual(Object.keys(objects).sort(), [
      "backup-access-key-id",
      "backup-key",
      "backup-secret-access-key",
      "monitor-backup-access-key",
      "monitor-backup-secret-key",
    ]);
    assert.equal(inputs(objects["backup-key"] as PlannedResource).content, "");
    assert.ok((objects["backup-secret-access-key"] as PlannedResource).secretPaths.includes("content"));
    assert.equal(run.outputs.store, `https://${b.name}.ams3.digitaloceanspaces.com`);
    assert.equal(run.outputs.drStore, "");
    assert.equal(run.outputs.retentionDays, 7);
  });

  it("staging: the droplet joins the VPC with the backup and app tags, monitoring on, sized for 50 GiB", async () => {
    const run = await build(argsFor("staging"));
    const d = inputs(one(run, DROPLET));
    assert.equal(d.name, "loom-staging-backup");
    assert.equal(d.region, "ams3");
    assert.equal(d.size, "s-2vcpu-4gb");
    assert.equal(d.image, "ubuntu-24-04-x64");
    assert.deepEqual(d.sshKeys, [DO_SSH_KEY]);
    assert.equal(d.vpcUuid, DO_VPC_ID);
    assert.equal(d.monitoring, true);
    assert.deepEqual(d.tags.slice(0, 2), ["loom-staging-backup", "loom-staging-app"]);
    for (const t of d.tags) assert.match(t, /^[A-Za-z0-9:_-]{1,255}$/);
    assert.ok(d.tags.includes("team:platform"));
    const doc = parse(d.userData);
    assert.match(writeFile(doc, "/etc/systemd/system/loom-backup.timer"), /OnCalendar=\*-\*-\* 03:00:00 UTC/);
    const compose = parse(writeFile(doc, BACKUP_COMPOSE_PATH));
    assert.equal(compose.services.backup.environment.PGHOST, HOST("staging"));
    // The login's rule (backups/job-login.ts) reaches the droplet: password, its credentials from the env file.
    assert.equal(compose.services.backup.environment.DATABASE_AUTH, "password");
    assert.equal(compose.services.backup.environment.PGPASSWORD, undefined);
    assert.match(writeFile(doc, DB_CA_HOST_PATH), /^-----BEGIN CERTIFICATE-----\nMOCKDIGITALOCEANDATABASECA/);
    assert.match(writeFile(doc, BACKUP_SCRIPT_PATH), /s3:\/\/loom-staging-backups-[0-9a-z]{6}\/logical\//);
    assert.doesNotMatch(d.userData, /mock-generated-password|DO00[0-9A-F]{16}/);
    assert.deepEqual(one(run, DROPLET).secretPaths, []);
    // Ansible's inventory: the droplet by private IP with the secret files to push; its boot config as planned.
    const group = (run.outputs.hosts as Record<string, { hosts: { name: string; privateIp: string }[] }>).backup;
    // The mock engine's private address of the droplet (10.110.0.x), as the provider reports ipv4AddressPrivate.
    assert.match(group?.hosts[0]?.privateIp ?? "", /^10\.110\.0\.\d+$/);
    assert.deepEqual(run.outputs.hosts, {
      backup: {
        tag: "loom-staging-backup",
        hosts: [{ name: "loom-staging-backup", privateIp: group?.hosts[0]?.privateIp }],
        secretKeys: [
          "database-user",
          "database-password",
          "backup-key",
          "backup-access-key-id",
          "backup-secret-access-key",
        ],
      },
    });
    assert.deepEqual(run.outputs.bootConfig, { backup: d.userData });
    // The buckets and the droplet join the stack's project.
    const attached = inputs(one(run, PROJECT_RESOURCES, "loom-project")).resources;
    assert.equal(attached.length, 2);
    assert.ok(attached.every((u: string) => /^do:(space|droplet):/.test(u)));
  });

  it("prod: a protected DR bucket in fra1 the job also writes to, both keys scoped to both buckets", async () => {
    const run = await build(argsFor("prod"));
    const byRegion = Object.fromEntries(own(run, BUCKET).map((b) => [inputs(b).region, b]));
    assert.deepEqual(Object.keys(byRegion).sort(), ["ams3", "fra1"]);
    const primary = inputs(byRegion.ams3 as PlannedResource).name;
    const dr = inputs(byRegion.fra1 as PlannedResource).name;
    assert.match(dr, /^loom-prod-backups-dr-[0-9a-z]{6}$/);
    assert.equal((byRegion.ams3 as PlannedResource).protect, true);
    assert.equal((byRegion.fra1 as PlannedResource).protect, true);
    assert.deepEqual(inputs(byRegion.fra1 as PlannedResource).lifecycleRules[0].expiration, { days: 15 });
    const grants = Object.fromEntries(own(run, KEY).map((k) => [inputs(k).name, inputs(k).grants]));
    assert.deepEqual(grants["loom-prod-backup-job"], [
      { bucket: primary, permission: "readwrite" },
      { bucket: dr, permission: "readwrite" },
    ]);
    assert.deepEqual(grants["loom-prod-backup-metrics-read"], [
      { bucket: primary, permission: "read" },
      { bucket: dr, permission: "read" },
    ]);
    const d = inputs(one(run, DROPLET));
    assert.equal(d.size, "s-4vcpu-8gb");
    const script = writeFile(parse(d.userData), BACKUP_SCRIPT_PATH);
    assert.ok(script.includes(`'s3://${dr}/logical/'`));
    assert.ok(script.includes(`'s3://${dr}/metrics/latest.prom'`));
    assert.equal(run.outputs.drStore, `https://${dr}.fra1.digitaloceanspaces.com`);
    const recovery = run.outputs.recovery as Record<string, unknown>;
    assert.equal(recovery.drRegionOrStore, "fra1");
    assert.equal(recovery.logicalRetentionDays, 14);
  });

  it("schedules at dailyHourUtc", async () => {
    const run = await build(argsFor("staging", { dailyHourUtc: 22 }));
    const timer = writeFile(parse(inputs(one(run, DROPLET)).userData), "/etc/systemd/system/loom-backup.timer");
    assert.match(timer, /OnCalendar=\*-\*-\* 22:00:00 UTC/);
  });

  it("fails early without the runtime or the network, and on another cloud's targets", async () => {
    await assert.rejects(build(argsFor("staging", {}, { runtime: undefined })), {
      propertyPath: "job.runtime",
      message: "is required on DigitalOcean (AppService's runtime: the log aggregator)",
    });
    await assert.rejects(build(argsFor("staging", {}, { network: undefined })), {
      propertyPath: "job.network",
      message: "is required on DigitalOcean (the VPC and the backup group's tag)",
    });
    assert.throws(
      () => Backups.resolve({ ...argsFor("staging"), targets: { cloud: "gcp" } as unknown as BackupsArgs["targets"] }),
      { propertyPath: "targets", message: "must be the backupTargets of a digitalocean Database" },
    );
  });
});
