import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService } from "../../components/app-service";
import { ROLES_POLL_SECONDS, startAndWait } from "../../components/app-service/azure-roles";
import { Backups } from "../../components/backups";
import { BACKUP_CONTAINER, backupAccountName } from "../../components/backups/azure-storage";
import { Database } from "../../components/database";
import { rolesIdentityName, workloadIdentityName } from "../../components/database/azure-logins";
import { AZURE_ROLES, keyVaultSecretScope } from "../../components/lib/azure";
import { ROLES_COMMAND, rolesSql, singleLoginAccess } from "../../components/lib/db-roles";
import type { AzureNetworkPlacement } from "../../components/network/azure";
import { keyVaultName } from "../../components/platform/azure";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { uuid } from "../../scripts/lib/mock-values/types";
import { appArgsOfProfile, context, databaseEnvOf, ofType, one, runComponents } from "../harness/program";
import { AZURE_CONFIG, azureTarget, fakeAzureNetwork, staticAzurePlatform, withAzurePlatform } from "./azure-fixtures";

const IMAGE = "loomacr.azurecr.io/loom:1.4.2";
const BACKUP_IMAGE = "loomacr.azurecr.io/loom-backup:0.1.0";
const RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-prod";
const IDENTITIES = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
const SERVER = "loom-prod-db-1yumdr";
const T = {
  app: "azure-native:app:ContainerApp",
  job: "azure-native:app:Job",
  group: "azure-native:containerinstance:ContainerGroup",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleAssignment",
};
const VAULT = keyVaultName("loom", "prod");
const ADMIN_PASSWORD_URI = `https://${VAULT}.vault.azure.net/secrets/loom-prod-db-password`;
const principal = (name: string) => uuid(`principal/${IDENTITIES}/${name}`);
const client = (name: string) => uuid(`client/${IDENTITIES}/${name}`);

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
type EnvVar = { name: string; value?: string; secretRef?: string };
const envOf = (container: { env?: EnvVar[]; environmentVariables?: EnvVar[] }): Record<string, string | undefined> =>
  Object.fromEntries(
    (container.env ?? container.environmentVariables ?? []).map((e) => [
      e.name,
      e.secretRef ? `ref:${e.secretRef}` : e.value,
    ]),
  );

/** Database, AppService and Backups of prod wired as index.ts wires them (database.access into AppService). */
async function build(opts: { aci?: boolean; access?: "database" | "single" } = {}): Promise<ProgramRun> {
  return runComponents(() => {
    const p = PROFILES.prod;
    const target = azureTarget(opts.aci ? { migrateRunner: "aci" } : {});
    const { platform } = withAzurePlatform({ platform: staticAzurePlatform(target), context: context("prod") });
    const base = { platform, context: context("prod"), protect: true };
    const network = fakeAzureNetwork();
    const placement = network.placement as AzureNetworkPlacement;
    const groups = pulumi.output(`${RG}/providers/Microsoft.Network/virtualNetworks/loom-prod-vnet/subnets/aci`);
    const appNetwork = opts.aci
      ? { ...network, placement: { ...placement, subnets: { ...placement.subnets, containerGroups: groups } } }
      : network;
    const db = new Database("loom", { ...base, network, ...p.database, backupRetentionDays: p.backupRetentionDays });
    const database = opts.access === "single" ? singleLoginAccess(db.credentials) : db.access;
    const app = new AppService("loom", {
      ...base,
      network: appNetwork,
      image: IMAGE,
      domain: "loom.example.com",
      ...appArgsOfProfile(p),
      env: {
        PORT: "8080",
        ...databaseEnvOf(db),
        REDIS_HOST: pulumi.output("loom-prod-cache.westeurope.redis.azure.net"),
        REDIS_PORT: pulumi.output("10000"),
      },
      secrets: { REDIS_PASSWORD: { id: `https://${VAULT}.vault.azure.net/secrets/loom-prod-cache-key` } },
      database,
      appSecretNames: ["LLM_API_KEY"],
    });
    new Backups("loom", {
      ...base,
      enabled: p.backups,
      disasterRecovery: p.backups && p.disasterRecovery,
      targets: db.backupTargets,
      retentionDays: p.backupRetentionDays,
      databaseSizeGiB: p.database.storageGiB,
      job: { image: BACKUP_IMAGE, database: db, ...(app.runtime ? { runtime: app.runtime } : {}) },
    });
    return { migrateCommand: app.migrateCommand };
  }, AZURE_CONFIG);
}

/** The roles SQL the step must run: the backup job's and the three workloads' identities, by their principal ids. */
const EXPECTED_SQL = rolesSql({
  database: "loom",
  logins: [
    // The backup job's identity (the Database's: it knows its principal id), then AppService's `extra`. No
    // loom_admin: the password administrator is in no group.
    {
      name: "loom-prod-backup-id",
      group: "readonly",
      create: "azure-entra",
      objectId: principal("loom-prod-backup-id"),
    },
    { name: "loom-prod-web", group: "app", create: "azure-entra", objectId: principal("loom-prod-web") },
    { name: "loom-prod-worker", group: "app", create: "azure-entra", objectId: principal("loom-prod-worker") },
    { name: "loom-prod-migrate", group: "owner", create: "azure-entra", objectId: principal("loom-prod-migrate") },
  ],
});

describe("Azure database logins (azure-logins.ts, azure-roles.ts)", () => {
  it("names each login after its identity, the roles identity <prefix>-db-roles", () => {
    assert.equal(workloadIdentityName("loom-prod", "worker"), "loom-prod-worker");
    assert.equal(rolesIdentityName("loom-prod"), "loom-prod-db-roles");
  });

  it("scopes a Key Vault grant to the one secret a versionless URI names", () => {
    assert.equal(
      keyVaultSecretScope("/v", "https://kv-a.vault.azure.net/secrets/loom-prod-db-password"),
      "/v/secrets/loom-prod-db-password",
    );
    assert.throws(() => keyVaultSecretScope("/v", "https://kv-a.vault.azure.net/secrets/x/0123abcd"), /versionless/);
  });

  it("waits for the roles execution and is true only when it Succeeded", () => {
    assert.equal(
      startAndWait("loom-prod-db-roles", "loom-prod"),
      "s=Unknown; e=$(az containerapp job start --name loom-prod-db-roles --resource-group loom-prod --query name --output tsv) && s=Pending; " +
        `while [ "$s" = Pending ] || [ "$s" = Running ] || [ "$s" = Processing ]; do sleep ${ROLES_POLL_SECONDS}; ` +
        's=$(az containerapp job execution show --name loom-prod-db-roles --resource-group loom-prod --job-execution-name "$e" --query properties.status --output tsv) || s=Unknown; done; ' +
        'echo "loom-prod-db-roles execution $e: $s" >&2; [ "$s" = Succeeded ]',
    );
  });
});

describe("Azure database logins, Database and AppService together (prod)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await build();
  });

  it("runs the roles step as its own job under the roles identity: the admin login and the exact SQL, no secret", () => {
    const job = inputs(one(run, T.job, "loom-db-roles"));
    assert.equal(job.jobName, "loom-prod-db-roles");
    assert.deepEqual(job.identity, {
      type: "UserAssigned",
      userAssignedIdentities: [`${IDENTITIES}/loom-prod-db-roles`],
    });
    assert.deepEqual(job.configuration, {
      triggerType: "Manual",
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
      replicaTimeout: 600,
      replicaRetryLimit: 1,
    });
    const [container, ...others] = job.template.containers;
    assert.equal(others.length, 0);
    assert.deepEqual([container.name, container.image, container.command], ["db-roles", IMAGE, [...ROLES_COMMAND]]);
    assert.deepEqual(envOf(container), {
      AZURE_CLIENT_ID: client("loom-prod-db-roles"),
      DATABASE_AUTH: "azure-entra",
      DATABASE_HOST: `${SERVER}.postgres.database.azure.com`,
      DATABASE_NAME: "loom",
      // A session on PostgreSQL itself, past PgBouncer (prod's app port is 6432).
      DATABASE_PORT: "5432",
      DATABASE_SSLMODE: "verify-full",
      DATABASE_USER: "loom-prod-db-roles",
      LOOM_DB_ROLES_SQL: EXPECTED_SQL,
    });
    assert.match(
      EXPECTED_SQL,
      /pgaadauth_create_principal_with_oid\('loom-prod-migrate', '[0-9a-f-]{36}', 'service', false, false\)/,
    );
    assert.ok(
      EXPECTED_SQL.includes(
        `PERFORM pgaadauth_create_principal_with_oid('loom-prod-backup-id', '${principal("loom-prod-backup-id")}', 'service', false, false);`,
      ),
    );
    assert.ok(EXPECTED_SQL.includes('GRANT loom_readonly TO "loom-prod-backup-id";'));
    assert.ok(!EXPECTED_SQL.includes("loom_admin"), "the password administrator is in no group");
  });

  it("runs the backup job as the Database's backup identity: its Entra login, no database secret, no admin grant", () => {
    const identities = ofType(run, T.identity).filter((i) => inputs(i).resourceName === "loom-prod-backup-id");
    assert.deepEqual(
      identities.map((i) => [i.name, i.parent]),
      [["loom-db-backup-identity", "urn:pulumi:test::loom::loom:components:Database::loom"]],
    );
    const job = inputs(one(run, T.job, "loom-logical-backup"));
    assert.deepEqual(job.identity, {
      type: "UserAssigned",
      userAssignedIdentities: [`${IDENTITIES}/loom-prod-backup-id`],
    });
    assert.deepEqual(job.configuration.secrets, [
      {
        name: "loom-backup-key",
        keyVaultUrl: `https://${VAULT}.vault.azure.net/secrets/backup-encryption-key`,
        identity: `${IDENTITIES}/loom-prod-backup-id`,
      },
    ]);
    const env = envOf(job.template.containers[0]);
    assert.deepEqual(
      [env.DATABASE_AUTH, env.PGUSER, env.AZURE_CLIENT_ID, env.PGPASSWORD, env.PGHOST, env.PGPORT],
      [
        "azure-entra",
        "loom-prod-backup-id",
        client("loom-prod-backup-id"),
        undefined,
        `${SERVER}.postgres.database.azure.com`,
        "5432",
      ],
    );
    const container = `${RG}/providers/Microsoft.Storage/storageAccounts/${backupAccountName("loom-prod")}/blobServices/default/containers/${BACKUP_CONTAINER}`;
    const vaultId = `${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
    assert.deepEqual(
      ofType(run, T.role)
        .filter((g) => inputs(g).principalId === principal("loom-prod-backup-id"))
        .map((g) => `${String(inputs(g).roleDefinitionId).split("/").pop()} ${inputs(g).scope}`)
        .sort(),
      [
        `${AZURE_ROLES.keyVaultSecretsUser} ${vaultId}/secrets/backup-encryption-key`,
        `${AZURE_ROLES.storageBlobDataContributor} ${container}`,
      ],
    );
  });

  it("gives web, worker and migrate their own identity's Entra login and no database secret", () => {
    const containers: [string, Record<string, unknown>][] = [
      ["web", inputs(one(run, T.app, "loom-web")).template.containers[0]],
      ["worker", inputs(one(run, T.app, "loom-worker")).template.containers[0]],
      ["migrate", inputs(one(run, T.job, "loom-migrate")).template.containers[0]],
    ];
    for (const [w, container] of containers) {
      const env = envOf(container as { env: EnvVar[] });
      assert.deepEqual(
        [env.DATABASE_AUTH, env.DATABASE_USER, env.AZURE_CLIENT_ID, env.DATABASE_PASSWORD],
        ["azure-entra", `loom-prod-${w}`, client(`loom-prod-${w}`), undefined],
        w,
      );
      assert.equal(env.DATABASE_PORT, w === "migrate" ? "5432" : "6432");
    }
    for (const [name, r] of [
      ["web", one(run, T.app, "loom-web")],
      ["worker", one(run, T.app, "loom-worker")],
      ["migrate", one(run, T.job, "loom-migrate")],
    ] as const) {
      const secrets = (inputs(r).configuration.secrets as { name: string }[]).map((x) => x.name);
      assert.deepEqual(
        secrets,
        name === "migrate"
          ? ["applicationinsights-connection-string"]
          : ["applicationinsights-connection-string", "llm-api-key", "redis-password"],
        name,
      );
    }
  });

  it("grants no identity the administrator password's secret, and no workload the vault", () => {
    const vaultId = `${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
    const adminScope = keyVaultSecretScope(vaultId, ADMIN_PASSWORD_URI);
    const grants = ofType(run, T.role);
    assert.deepEqual(
      grants.filter((g) => inputs(g).scope === adminScope || String(inputs(g).scope).endsWith("-db-username")),
      [],
    );
    const workloadIds = ["web", "worker", "migrate", "db-roles"].map((w) => principal(`loom-prod-${w}`));
    assert.deepEqual(
      grants.filter((g) => workloadIds.includes(inputs(g).principalId) && inputs(g).scope === vaultId),
      [],
    );
    // The roles identity holds no Azure role at all: it is an Entra administrator of the server, nothing else.
    assert.deepEqual(
      grants.filter((g) => inputs(g).principalId === principal("loom-prod-db-roles")),
      [],
    );
  });

  it("runs the roles step to its end before migrate in migrateCommand", () => {
    assert.equal(
      run.outputs.migrateCommand,
      `${startAndWait("loom-prod-db-roles", "loom-prod")} && az containerapp job start --name loom-prod-migrate --resource-group loom-prod`,
    );
  });

  it("with migrateRunner aci: the group logs in as migrate's identity and runs after the roles job", async () => {
    const aci = await build({ aci: true });
    const group = inputs(one(aci, T.group, "loom-migrate"));
    const vars = group.containers[0].environmentVariables as EnvVar[];
    assert.deepEqual(
      vars.filter((v) => v.name === "AZURE_CLIENT_ID").map((v) => v.value),
      [client("loom-prod-migrate")],
    );
    const env = envOf(group.containers[0]);
    assert.deepEqual(
      [env.DATABASE_AUTH, env.DATABASE_USER, env.DATABASE_PASSWORD_KEYVAULT_URI],
      ["azure-entra", "loom-prod-migrate", undefined],
    );
    assert.equal(one(aci, T.job, "loom-db-roles").inputs.jobName, "loom-prod-db-roles");
    assert.equal(
      aci.outputs.migrateCommand,
      `${startAndWait("loom-prod-db-roles", "loom-prod")} && az container start --name loom-prod-migrate --resource-group loom-prod`,
    );
  });

  it("refuses a database access that names no roles identity", async () => {
    await assert.rejects(
      build({ access: "single" }),
      /is not an Azure Database's access \(it names no roles identity\)/,
    );
  });
});
