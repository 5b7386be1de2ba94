import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Backups, type BackupsArgs } from "../../components/backups";
import { KEY_PLACEHOLDER } from "../../components/backups/azure-job";
import {
  azureBackupJobName,
  azureDailyCron,
  azureJobScript,
  functionLines,
  jobSize,
  previousManifestLines,
  vaultSchedule,
} from "../../components/backups/azure-job-script";
import {
  AZURE_GEO_RPO_MINUTES,
  AZURE_PROVISION_MINUTES,
  azureRecoveryObjectives,
} from "../../components/backups/azure-recovery";
import {
  BACKUP_CONTAINER,
  backupAccountName,
  backupAccountSku,
  expiryRule,
} from "../../components/backups/azure-storage";
import { PG_FLEXIBLE_DATASOURCE, policyProperties, vaultProperties } from "../../components/backups/azure-vault";
import { RESTORE_MB_PER_SECOND } from "../../components/backups/recovery";
import type { AzureDatabaseAccess } from "../../components/database/azure-logins";
import { AZURE_ROLES } from "../../components/lib/azure";
import { type DatabaseAccess, type DatabaseLogin, singleLoginAccess } from "../../components/lib/db-roles";
import { keyVaultName } from "../../components/platform/azure";
import { PROFILES } from "../../components/profiles";
import { parseKeyMaterial } from "../../scripts/backup/crypto";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { AZURE_CONFIG, AZURE_SUBSCRIPTION, staticAzurePlatform, withAzurePlatform } from "./azure-fixtures";

type Env = "dev" | "staging" | "prod";
const IMAGE = "loomacr.azurecr.io/loom-backup:0.1.0";
const RG = (env: Env) => `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-${env}`;
const SERVER = (env: Env) => `${RG(env)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/loom-${env}-db`;
const VAULT_URI = (env: Env) => `https://${keyVaultName("loom", env)}.vault.azure.net`;
const ENV_ID = (env: Env) => `${RG(env)}/providers/Microsoft.App/managedEnvironments/loom-${env}-env`;

const T = (t: string) => `azure-native:${t}`;
const VAULT = T("dataprotection:BackupVault");
const POLICY = T("dataprotection:BackupPolicy");
const INSTANCE = T("dataprotection:BackupInstance");
const LOCK = T("authorization:ManagementLockAtResourceGroupLevel");
const ROLE = T("authorization:RoleAssignment");
const JOB = T("app:Job");
const ACCOUNT = T("storage:StorageAccount");
const IMMUTABILITY = T("storage:BlobContainerImmutabilityPolicy");
const KV_SECRET = T("keyvault:Secret");
const IDENTITY = T("managedidentity:UserAssignedIdentity");

function argsFor(env: Env, over: Partial<BackupsArgs> = {}): BackupsArgs {
  const p = PROFILES[env];
  const o = pulumi.output;
  return {
    platform: staticAzurePlatform(),
    context: context(env),
    protect: p.deletionProtection,
    enabled: p.backups,
    disasterRecovery: p.backups && p.disasterRecovery,
    targets: {
      cloud: "azure",
      serverId: o(SERVER(env)),
      serverName: o(`loom-${env}-db`),
      host: o(`loom-${env}-db.postgres.database.azure.com`),
    },
    retentionDays: p.backupRetentionDays,
    databaseSizeGiB: p.database.storageGiB,
    job: {
      image: IMAGE,
      runtime: { cloud: "azure", environmentId: o(ENV_ID(env)), environmentName: o(`loom-${env}-env`) },
      database: {
        endpoint: o(`loom-${env}-db.postgres.database.azure.com`),
        port: o(6432),
        databaseName: o("loom"),
        credentials: {
          username: { id: `${VAULT_URI(env)}/secrets/db-admin-username` },
          password: { id: `${VAULT_URI(env)}/secrets/db-admin-password` },
        },
      },
    },
    ...over,
  };
}

async function build(env: Env, over: Partial<BackupsArgs> = {}): Promise<ProgramRun> {
  const args = argsFor(env, over);
  return runComponents(
    () => {
      const b = new Backups("loom", withAzurePlatform(args, { disasterRecovery: args.disasterRecovery }));
      return { store: b.store, drStore: b.drStore, retentionDays: b.retentionDays, recovery: b.recovery };
    },
    AZURE_CONFIG,
    env,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
/** Every role assignment: `<role id> <scope>`. */
const roles = (run: ProgramRun) =>
  ofType(run, ROLE)
    .map((r) => `${String(inputs(r).roleDefinitionId).split("/").pop()} ${inputs(r).scope}`)
    .sort();

describe("Backups on Azure (helpers)", () => {
  it("sizes the job as a Consumption pair with the ephemeral storage the dump needs, as far as 8 GiB goes", () => {
    assert.deepEqual(jobSize(0.5, 1024, 2), { cpu: 0.5, memory: "1Gi", ephemeralGiB: 2, fitsTmp: true });
    assert.deepEqual(jobSize(0.5, 1024, 3), { cpu: 0.75, memory: "1.5Gi", ephemeralGiB: 4, fitsTmp: true });
    assert.deepEqual(jobSize(0.5, 1024, 51), { cpu: 1.25, memory: "2.5Gi", ephemeralGiB: 8, fitsTmp: false });
    assert.deepEqual(jobSize(2, 1024, 1), { cpu: 2, memory: "4Gi", ephemeralGiB: 8, fitsTmp: true });
    assert.throws(() => jobSize(4, 16384, 1), /exceed a Consumption replica/);
    assert.throws(() => jobSize(0, 512, 1), /more than 0/);
  });

  it("renders the job's cron and the vault's daily ISO 8601 interval at the hour, refusing hours outside 0–23", () => {
    assert.equal(azureDailyCron(5), "0 5 * * *");
    assert.equal(vaultSchedule(3), "R/2026-01-05T03:00:00+00:00/P1D");
    assert.equal(vaultSchedule(23), "R/2026-01-05T23:00:00+00:00/P1D");
    assert.throws(() => azureDailyCron(24), /0–23/);
    assert.throws(() => vaultSchedule(-1), /0–23/);
  });

  it("names the account 3–24 lower-case alphanumerics, unique per stack, and the job within 32 characters", () => {
    const a = backupAccountName("loom-prod");
    assert.match(a, /^bkloomprod[0-9a-z]{6}$/);
    assert.notEqual(a, backupAccountName("loom-prd"));
    assert.ok(backupAccountName("a-really-long-project-name-and-stack").length <= 24);
    assert.equal(azureBackupJobName("loom-prod"), "loom-prod-logical-backup");
    const long = azureBackupJobName("loom-a-much-longer-stack-name");
    assert.ok(long.length <= 32 && long.endsWith("-backup"), long);
    assert.equal(backupAccountSku(true), "Standard_RAGZRS");
    assert.equal(backupAccountSku(false), "Standard_ZRS");
  });

  it("builds the vault's settings: geo-redundant with cross-region restore for DR, locked when protected", () => {
    assert.deepEqual(vaultProperties({ disasterRecovery: true, protect: true }), {
      storageSettings: [{ datastoreType: "VaultStore", type: "GeoRedundant" }],
      securitySettings: {
        softDeleteSettings: { state: "AlwaysOn", retentionDurationInDays: 14 },
        immutabilitySettings: { state: "Locked" },
      },
      featureSettings: { crossRegionRestoreSettings: { state: "Enabled" } },
    });
    assert.deepEqual(vaultProperties({ disasterRecovery: false, protect: false }), {
      storageSettings: [{ datastoreType: "VaultStore", type: "LocallyRedundant" }],
      securitySettings: {
        softDeleteSettings: { state: "On", retentionDurationInDays: 14 },
        immutabilitySettings: { state: "Unlocked" },
      },
    });
  });

  it("keeps each vault backup retentionDays, taken daily", () => {
    const p = policyProperties(14, 3);
    assert.deepEqual(p.datasourceTypes, [PG_FLEXIBLE_DATASOURCE]);
    assert.deepEqual(p.policyRules[1]?.lifecycles?.[0]?.deleteAfter, {
      objectType: "AbsoluteDeleteOption",
      duration: "P14D",
    });
    assert.deepEqual(p.policyRules[0]?.trigger?.schedule, {
      repeatingTimeIntervals: ["R/2026-01-05T03:00:00+00:00/P1D"],
      timeZone: "UTC",
    });
  });

  it("derives recovery objectives: Azure's 7-day PITR floor, 5-minute RPO, the geo-restore RPO with DR", () => {
    assert.deepEqual(
      azureRecoveryObjectives({ retentionDays: 14, storageGiB: 100, logicalJob: true, drLocation: "northeurope" }),
      {
        pitrWindowDays: 14,
        rpoMinutes: 5,
        drRpoMinutes: AZURE_GEO_RPO_MINUTES,
        rtoMinutesEstimate: AZURE_PROVISION_MINUTES + Math.ceil((100 * 1024) / RESTORE_MB_PER_SECOND / 60),
        logicalBackupEveryHours: 24,
        drCopy: true,
        drRegionOrStore: "northeurope",
      },
    );
    const dev = azureRecoveryObjectives({ retentionDays: 1, storageGiB: 20, logicalJob: false });
    assert.equal(dev.pitrWindowDays, 7);
    assert.equal(dev.drCopy, false);
    assert.equal(dev.drRpoMinutes, null);
    assert.throws(() => azureRecoveryObjectives({ retentionDays: 7, storageGiB: 0, logicalJob: false }), /positive/);
  });
});

describe("Backups on Azure (job script)", () => {
  it("dumps, verifies, uploads objects before manifests, then prints the metrics; the token only in a file", () => {
    const script = azureJobScript({ prefix: "loom-loom", tables: ["prompts"], configEnv: "LOOM_BACKUP_CONFIG" });
    const lines = script.split("\n");
    const latest = lines.findIndex((l) => l.startsWith("latest=$(blob "));
    const dump = lines.findIndex((l) => l.startsWith("loom-backup dump"));
    const verify = lines.findIndex((l) => l.startsWith("loom-backup verify"));
    const objects = lines.findIndex((l) => l.includes("*.manifest.json) ;; *) put"));
    const manifests = lines.findIndex((l) => l.startsWith('for f in "$store"/*.manifest.json; do put'));
    const metrics = lines.indexOf("cat /tmp/loom-backup/metrics.prom");
    assert.ok(latest >= 0 && latest < dump && dump < verify && verify < objects && objects < manifests, script);
    assert.ok(manifests < metrics, script);
    assert.equal(
      lines[dump],
      `loom-backup dump --dbname "$PGDATABASE" --store "$store" --prefix 'loom-loom' --metrics-file /tmp/loom-backup/metrics.prom --previous-manifest /tmp/loom-backup/previous.manifest.json --table 'prompts' --config-env 'LOOM_BACKUP_CONFIG'`,
    );
    assert.ok(script.includes("-H @/tmp/loom-backup/auth.header"));
    assert.ok(
      !/Bearer \$/.test(script.replace("Authorization: Bearer %s", "")),
      "the token is never expanded on a command line",
    );
    execFileSync("sh", ["-n", "-c", script]);
  });

  it("uploads a file as Put Block + Put Block List with a bearer token from the identity endpoint (stub curl)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-az-put-"));
    const log = path.join(dir, "curl.log");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A curl stand-in: logs its arguments (one per line) and the header file it is given; answers the token call.
    fs.writeFileSync(
      path.join(bin, "curl"),
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> ${log}; case "$a" in @*) cat "\${a#@}" >> ${log};; esac; done\necho --- >> ${log}\ncase "$*" in *IDENTITY*|*api-version=2019-08-01*) printf '{"access_token":"fake-token-123","expires_in":"86400"}';; esac\n`,
      { mode: 0o755 },
    );
    const file = path.join(dir, "loom-1.dump.enc");
    fs.writeFileSync(file, "encrypted bytes");
    const work = "/tmp/loom-backup";
    const script = ["set -eu", `mkdir -p ${work}`, ...functionLines(), `put ${file}`].join("\n");
    execFileSync("sh", ["-c", script], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        IDENTITY_ENDPOINT: "http://localhost:42356/msi/token",
        IDENTITY_HEADER: "fake-header",
        AZURE_CLIENT_ID: "00000000-0000-0000-0000-0000000000c1",
        LOOM_BACKUP_CONTAINER_URL: `https://bkloomprod.blob.core.windows.net/${BACKUP_CONTAINER}`,
      },
    });
    const calls = fs.readFileSync(log, "utf8").split("---\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(`${work}/auth.header`, { force: true });
    assert.ok(
      calls[0]?.includes("resource=https%3A%2F%2Fstorage.azure.com%2F&client_id=00000000-0000-0000-0000-0000000000c1"),
    );
    assert.ok(calls[0]?.includes("X-IDENTITY-HEADER: fake-header"));
    const dest = `https://bkloomprod.blob.core.windows.net/${BACKUP_CONTAINER}/logical/loom-1.dump.enc`;
    assert.ok(calls[1]?.includes(`${dest}?comp=block&blockid=YjAwMDAw`), calls[1]);
    assert.ok(calls[1]?.includes("Authorization: Bearer fake-token-123"), calls[1]);
    assert.ok(calls[1]?.includes("x-ms-version: 2021-08-06"));
    assert.ok(calls[2]?.includes(`${dest}?comp=blocklist`), calls[2]);
    assert.ok(calls[2]?.includes("<BlockList><Latest>YjAwMDAw</Latest></BlockList>"), calls[2]);
  });
  it("fetches the container's latest manifest as the previous one (List Blobs XML, ids sort by time)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-az-list-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const out = path.join(dir, "previous.json");
    const list =
      '<?xml version="1.0"?><EnumerationResults><Blobs><Blob><Name>logical/loom-20260101.dump.enc</Name></Blob>' +
      "<Blob><Name>logical/loom-20260102.manifest.json</Name></Blob><Blob><Name>logical/loom-20260101.manifest.json</Name></Blob>" +
      "</Blobs></EnumerationResults>";
    // A curl stand-in: a token, the listing, and for a Get Blob its URL written to the -o file.
    fs.writeFileSync(
      path.join(bin, "curl"),
      `#!/bin/sh\ncase "$*" in *api-version=2019-08-01*) printf '{"access_token":"fake"}'; exit 0;; *comp=list*) printf '%s' '${list}'; exit 0;; esac\nwhile [ $# -gt 0 ]; do case "$1" in -o) o="$2"; shift;; https://*) u="$1";; esac; shift; done\nprintf '%s' "$u" > "$o"\n`,
      { mode: 0o755 },
    );
    const lines = previousManifestLines().map((l) => l.replace("/tmp/loom-backup/previous.manifest.json", out));
    execFileSync("sh", ["-c", ["set -eu", "mkdir -p /tmp/loom-backup", ...functionLines(), ...lines].join("\n")], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        IDENTITY_ENDPOINT: "http://localhost:42356/msi/token",
        IDENTITY_HEADER: "fake-header",
        AZURE_CLIENT_ID: "c1",
        LOOM_BACKUP_CONTAINER_URL: "https://acct.blob.core.windows.net/logical-backups",
      },
    });
    const got = fs.readFileSync(out, "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync("/tmp/loom-backup/auth.header", { force: true });
    assert.equal(got, "https://acct.blob.core.windows.net/logical-backups/logical/loom-20260102.manifest.json");
  });
});

describe("Backups on Azure (plans)", () => {
  it("dev: nothing but the server's own PITR", async () => {
    const run = await build("dev");
    for (const t of [VAULT, POLICY, INSTANCE, LOCK, JOB, ACCOUNT]) assert.equal(ofType(run, t).length, 0, t);
    assert.equal(run.outputs.store, "");
    assert.equal((run.outputs.recovery as { pitrWindowDays: number }).pitrWindowDays, 7);
  });

  it("staging: a locally redundant vault protecting the primary daily for 7 days; no lock", async () => {
    const run = await build("staging");
    const vault = inputs(one(run, VAULT));
    assert.deepEqual(vault.identity, { type: "SystemAssigned" });
    assert.deepEqual(vault.properties.storageSettings, [{ datastoreType: "VaultStore", type: "LocallyRedundant" }]);
    assert.equal(vault.properties.securitySettings.softDeleteSettings.state, "On");
    assert.equal(vault.properties.featureSettings, undefined);
    const policy = inputs(one(run, POLICY)).properties;
    assert.deepEqual(policy.datasourceTypes, [PG_FLEXIBLE_DATASOURCE]);
    assert.equal(policy.policyRules[1].lifecycles[0].deleteAfter.duration, "P7D");
    const instance = inputs(one(run, INSTANCE)).properties;
    assert.equal(instance.dataSourceInfo.datasourceType, PG_FLEXIBLE_DATASOURCE);
    assert.equal(instance.dataSourceInfo.resourceID, SERVER("staging"));
    assert.equal(
      instance.policyInfo.policyId,
      `${RG("staging")}/providers/Microsoft.DataProtection/backupVaults/loom-staging-backup-vault/backupPolicies/postgres-daily`,
    );
    assert.equal(ofType(run, LOCK).length, 0);
    assert.equal(one(run, VAULT).protect, false);
    assert.equal(inputs(one(run, ACCOUNT)).sku.name, "Standard_ZRS");
    assert.equal(run.outputs.drStore, "");
  });

  it("prod: geo-redundant vault with cross-region restore, locked immutability, protected, a CanNotDelete lock", async () => {
    const run = await build("prod");
    const vault = one(run, VAULT);
    assert.equal(vault.protect, true);
    assert.deepEqual(inputs(vault).properties, vaultProperties({ disasterRecovery: true, protect: true }));
    assert.equal(inputs(one(run, POLICY)).properties.policyRules[1].lifecycles[0].deleteAfter.duration, "P14D");
    const lock = one(run, LOCK);
    assert.equal(inputs(lock).level, "CanNotDelete");
    assert.equal(inputs(lock).resourceGroupName, "loom-prod");
    assert.equal(lock.protect, true);
    assert.equal(one(run, INSTANCE).protect, true);
    assert.equal(run.outputs.store, "loom-prod-backup-vault");
    assert.equal((run.outputs.recovery as { drRegionOrStore: string }).drRegionOrStore, "northeurope");
  });

  it("prod: the vault identity holds the LTR backup role on the server and Reader on the group; the job only its secrets and container", async () => {
    const run = await build("prod");
    const kv = `${RG("prod")}/providers/Microsoft.KeyVault/vaults/${keyVaultName("loom", "prod")}`;
    const account = backupAccountName("loom-prod");
    const container = `${RG("prod")}/providers/Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/${BACKUP_CONTAINER}`;
    assert.deepEqual(
      roles(run),
      [
        `${AZURE_ROLES.keyVaultSecretsUser} ${kv}/secrets/backup-encryption-key`,
        `${AZURE_ROLES.keyVaultSecretsUser} ${kv}/secrets/db-admin-password`,
        `${AZURE_ROLES.keyVaultSecretsUser} ${kv}/secrets/db-admin-username`,
        `${AZURE_ROLES.postgresFlexibleServerLtrBackup} ${SERVER("prod")}`,
        `${AZURE_ROLES.reader} ${RG("prod")}`,
        `${AZURE_ROLES.storageBlobDataContributor} ${container}`,
      ].sort(),
    );
    for (const r of ofType(run, ROLE)) assert.equal(inputs(r).principalType, "ServicePrincipal");
  });

  it("prod: an RA-GZRS account, Entra-only, and a container under a 14-day time-based retention policy", async () => {
    const run = await build("prod");
    const a = inputs(one(run, ACCOUNT));
    assert.equal(a.sku.name, "Standard_RAGZRS");
    assert.equal(a.allowSharedKeyAccess, false);
    assert.equal(a.allowBlobPublicAccess, false);
    assert.equal(a.minimumTlsVersion, "TLS1_2");
    assert.equal(a.enableHttpsTrafficOnly, true);
    assert.equal(a.encryption.requireInfrastructureEncryption, true);
    assert.equal(inputs(one(run, IMMUTABILITY)).immutabilityPeriodSinceCreationInDays, 14);
    assert.deepEqual(inputs(one(run, T("storage:ManagementPolicy"))).policy, { rules: [expiryRule(14)] });
    assert.deepEqual(expiryRule(14).definition, {
      filters: { blobTypes: ["blockBlob"], prefixMatch: [`${BACKUP_CONTAINER}/logical/`] },
      actions: { baseBlob: { delete: { daysAfterCreationGreaterThan: 15 } } },
    });
    assert.equal(one(run, ACCOUNT).protect, true);
    assert.equal(
      run.outputs.drStore,
      `https://${backupAccountName("loom-prod")}-secondary.blob.core.windows.net/${BACKUP_CONTAINER}`,
    );
  });

  it("prod: a scheduled job in the app's environment, direct to 5432, secrets only as Key Vault references", async () => {
    const run = await build("prod");
    const job = inputs(one(run, JOB));
    const identity = one(run, IDENTITY);
    const identityId = `${RG("prod")}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-prod-backup-id`;
    // Without the Database's identity (this database's access names none) the job has its own; its URN is what the
    // Database's `<name>-db-backup-identity` aliases (database.azure.spec.ts), so a stack built before keeps it.
    assert.equal(
      identity.urn,
      "urn:pulumi:prod::loom::loom:components:Backups$azure-native:managedidentity:UserAssignedIdentity::loom-logical-backup",
    );
    assert.equal(inputs(identity).resourceName, "loom-prod-backup-id");
    assert.equal(job.environmentId, ENV_ID("prod"));
    assert.equal(job.workloadProfileName, "Consumption");
    assert.equal(job.jobName, "loom-prod-logical-backup");
    assert.deepEqual(job.identity, { type: "UserAssigned", userAssignedIdentities: [identityId] });
    assert.equal(job.configuration.triggerType, "Schedule");
    assert.deepEqual(job.configuration.scheduleTriggerConfig, {
      cronExpression: "0 5 * * *",
      parallelism: 1,
      replicaCompletionCount: 1,
    });
    assert.equal(job.configuration.replicaRetryLimit, 1);
    const kv = `https://${keyVaultName("loom", "prod")}.vault.azure.net`;
    assert.deepEqual(job.configuration.secrets, [
      { name: "pguser", keyVaultUrl: `${VAULT_URI("prod")}/secrets/db-admin-username`, identity: identityId },
      { name: "pgpassword", keyVaultUrl: `${VAULT_URI("prod")}/secrets/db-admin-password`, identity: identityId },
      { name: "loom-backup-key", keyVaultUrl: `${kv}/secrets/backup-encryption-key`, identity: identityId },
    ]);
    const c = job.template.containers[0];
    // biome-ignore lint/suspicious/noExplicitAny: engine data
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
    assert.equal(env.PGPORT, "5432");
    assert.equal(env.PGHOST, "loom-prod-db.postgres.database.azure.com");
    assert.equal(env.PGSSLMODE, "verify-full");
    assert.equal(env.PGSSLROOTCERT, "system");
    assert.equal(env.DATABASE_AUTH, "password");
    assert.equal(env.PGUSER, "secretRef:pguser");
    assert.equal(env.PGPASSWORD, "secretRef:pgpassword");
    assert.equal(env.LOOM_BACKUP_KEY, "secretRef:loom-backup-key");
    assert.equal(
      env.LOOM_BACKUP_CONTAINER_URL,
      `https://${backupAccountName("loom-prod")}.blob.core.windows.net/${BACKUP_CONTAINER}`,
    );
    assert.equal(c.image, IMAGE);
    const key = one(run, KV_SECRET, "loom-logical-backup-key");
    assert.equal(inputs(key).properties.value, KEY_PLACEHOLDER);
    assert.deepEqual(key.secretPaths, []);
    assert.throws(() => parseKeyMaterial(Buffer.from(KEY_PLACEHOLDER), "LOOM_BACKUP_KEY"), /expected a 32-byte key/);
    assert.equal(key.protect, true);
  });

  it("with an Entra backup login: PGUSER plain, the identity's client id, no database secret referenced or granted", async () => {
    const base = argsFor("prod");
    const job = base.job as NonNullable<BackupsArgs["job"]>;
    const single = singleLoginAccess(job.database.credentials);
    const backup: DatabaseLogin = { auth: "azure-entra", username: "loom-prod-backup-id" };
    const access: DatabaseAccess = { ...single, logins: { ...single.logins, backup } };
    const run = await build("prod", { job: { ...job, database: { ...job.database, access } } });
    const j = inputs(one(run, JOB));
    const identityId = `${RG("prod")}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-prod-backup-id`;
    const kv = `https://${keyVaultName("loom", "prod")}.vault.azure.net`;
    assert.deepEqual(j.configuration.secrets, [
      { name: "loom-backup-key", keyVaultUrl: `${kv}/secrets/backup-encryption-key`, identity: identityId },
    ]);
    // biome-ignore lint/suspicious/noExplicitAny: engine data
    const env = j.template.containers[0].env.map((e: any) => [e.name, e.value ?? `secretRef:${e.secretRef}`]);
    const byName = Object.fromEntries(env);
    assert.equal(byName.DATABASE_AUTH, "azure-entra");
    assert.equal(byName.PGUSER, "loom-prod-backup-id");
    assert.equal("PGPASSWORD" in byName, false);
    // The CLI asks the identity endpoint for this user-assigned identity's token (its client id, set once).
    const clientId = inputs(one(await build("prod"), JOB)).template.containers[0].env.find(
      (e: { name: string }) => e.name === "AZURE_CLIENT_ID",
    ).value;
    assert.equal(byName.AZURE_CLIENT_ID, clientId);
    assert.equal(env.filter(([n]: [string]) => n === "AZURE_CLIENT_ID").length, 1);
    const secretRoles = roles(run).filter((r) => r.startsWith(AZURE_ROLES.keyVaultSecretsUser));
    assert.deepEqual(secretRoles, [
      `${AZURE_ROLES.keyVaultSecretsUser} ${RG("prod")}/providers/Microsoft.KeyVault/vaults/${keyVaultName("loom", "prod")}/secrets/backup-encryption-key`,
    ]);
  });

  it("with the Azure Database's access: the job runs as its backup identity and creates none of its own", async () => {
    const base = argsFor("prod");
    const job = base.job as NonNullable<BackupsArgs["job"]>;
    const single = singleLoginAccess(job.database.credentials);
    const id = `${RG("prod")}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-prod-backup-id`;
    const o = pulumi.output;
    const backupIdentity = {
      id: o(id),
      clientId: o("00000000-0000-0000-0000-0000000000c1"),
      principalId: o("00000000-0000-0000-0000-0000000000b1"),
      name: o("loom-prod-backup-id"),
    };
    const access: AzureDatabaseAccess = {
      ...single,
      logins: { ...single.logins, backup: { auth: "azure-entra", username: backupIdentity.name } },
      entra: { rolesIdentity: backupIdentity, backupIdentity },
    };
    const run = await build("prod", { job: { ...job, database: { ...job.database, access } } });
    assert.equal(ofType(run, IDENTITY).length, 0);
    const j = inputs(one(run, JOB));
    assert.deepEqual(j.identity, { type: "UserAssigned", userAssignedIdentities: [id] });
    const kv = `https://${keyVaultName("loom", "prod")}.vault.azure.net`;
    assert.deepEqual(j.configuration.secrets, [
      { name: "loom-backup-key", keyVaultUrl: `${kv}/secrets/backup-encryption-key`, identity: id },
    ]);
    const vars = j.template.containers[0].env as { name: string; value?: string; secretRef?: string }[];
    const env = Object.fromEntries(vars.map((e) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
    assert.deepEqual(
      [env.DATABASE_AUTH, env.PGUSER, env.AZURE_CLIENT_ID, env.PGPASSWORD],
      ["azure-entra", "loom-prod-backup-id", "00000000-0000-0000-0000-0000000000c1", undefined],
    );
    const mine = ofType(run, ROLE).filter((r) => inputs(r).principalId === "00000000-0000-0000-0000-0000000000b1");
    const container = `${RG("prod")}/providers/Microsoft.Storage/storageAccounts/${backupAccountName("loom-prod")}/blobServices/default/containers/${BACKUP_CONTAINER}`;
    assert.deepEqual(
      mine.map((r) => `${String(inputs(r).roleDefinitionId).split("/").pop()} ${inputs(r).scope}`).sort(),
      [
        `${AZURE_ROLES.keyVaultSecretsUser} ${RG("prod")}/providers/Microsoft.KeyVault/vaults/${keyVaultName("loom", "prod")}/secrets/backup-encryption-key`,
        `${AZURE_ROLES.storageBlobDataContributor} ${container}`,
      ],
    );
  });

  it("refuses a job without the Container Apps environment", async () => {
    const args = argsFor("staging");
    const job = { ...(args.job as NonNullable<BackupsArgs["job"]>) };
    delete job.runtime;
    await assert.rejects(build("staging", { job }), /is required on Azure \(AppService's runtime/);
  });
});
