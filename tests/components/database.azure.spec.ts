import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Database, type DatabaseArgs } from "../../components/database";
import {
  backupRetentionFor,
  databaseNameProblem,
  majorVersionFor,
  serverNameFor,
  serverParameters,
  skuFor,
  storageSizeFor,
} from "../../components/database/azure-flexible";
import { keyVaultName } from "../../components/platform/azure";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { uuid } from "../../scripts/lib/mock-values/types";
import { context, ofType, one, runComponents } from "../harness/program";
import {
  AZURE_CONFIG,
  AZURE_LOCATION,
  AZURE_SUBSCRIPTION,
  azureTarget,
  fakeAzureNetwork,
  staticAzurePlatform,
  withAzurePlatform,
} from "./azure-fixtures";

const SERVER = "azure-native:dbforpostgresql:Server";
const CONFIGURATION = "azure-native:dbforpostgresql:Configuration";
const ENTRA = "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra";
const DATABASE = "azure-native:dbforpostgresql:Database";
const SECRET = "azure-native:keyvault:Secret";
const DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const FIXED_RG = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-prod`;
const DB_SUBNET = `${FIXED_RG}/providers/Microsoft.Network/virtualNetworks/loom-prod-vnet/subnets/database`;
const PG_ZONE = `${FIXED_RG}/providers/Microsoft.Network/privateDnsZones/loom-prod.private.postgres.database.azure.com`;
const DEPLOYER = "00000000-0000-0000-0000-000000000002";
const TENANT = "00000000-0000-0000-0000-000000000000";
const DBA_GROUP = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

type Env = "dev" | "staging" | "prod";
const rg = (env: Env) => `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-${env}`;

/** Args as index.ts builds them from an environment's profile. */
function argsFor(env: Env, target = azureTarget()): DatabaseArgs {
  const p = PROFILES[env];
  return {
    platform: staticAzurePlatform(target),
    context: context(env),
    protect: p.deletionProtection,
    network: fakeAzureNetwork(),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
    deletionProtection: p.deletionProtection,
    logRetentionDays: p.logRetentionDays,
  };
}

/** A structured alias as the engine receives it (pulumi's alias.proto Spec). */
interface AliasSpec {
  name: string;
  type: string;
  stack: string;
  project: string;
  parenturn: string;
  noparent?: boolean;
}
type RegisterRequest = { getName(): string; getAliasesList(): { toObject(): { urn?: string; spec?: AliasSpec } }[] };
/** The aliases each resource of the last build registered with, by logical name (read off the monitor's requests). */
let aliasesOf: Record<string, { urn?: string; spec?: AliasSpec }[]> = {};
function recordAliases(): void {
  aliasesOf = {};
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: unknown): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    // JSON drops the fields proto3 leaves unset (the alias's `urn` oneof, a false `noparent`).
    aliasesOf[req.getName()] = req.getAliasesList().map((a) => JSON.parse(JSON.stringify(a.toObject())));
    register(req, cb);
  };
}

/** Disaster recovery as index.ts derives it (prod). The network is the fixed one, built inside the program. */
async function build(args: DatabaseArgs, disasterRecovery = false): Promise<ProgramRun> {
  return runComponents(() => {
    recordAliases();
    const db = new Database("loom", withAzurePlatform({ ...args, network: fakeAzureNetwork() }, { disasterRecovery }));
    return {
      endpoint: db.endpoint,
      readerEndpoint: db.readerEndpoint,
      serverCa: db.serverCa,
      port: db.port,
      databaseName: db.databaseName,
      credentials: db.credentials,
      access: db.access,
      backupTargets: db.backupTargets,
      monitoring: db.monitoring,
    };
  }, AZURE_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const primaryOf = (run: ProgramRun) => one(run, SERVER, "loom-db");
/** The server parameters applied to the server `serverName`, as [name, value, source]. */
const parametersOf = (run: ProgramRun, serverName: string) =>
  ofType(run, CONFIGURATION)
    .map(inputs)
    .filter((c) => c.serverName === serverName)
    .map((c) => [c.configurationName, c.value, c.source]);

const NAMES: Record<Env, string> = {
  dev: "loom-dev-db-1cghi0",
  staging: "loom-staging-db-1qmco2",
  prod: "loom-prod-db-1yumdr",
};
const PROD_REPLICA = "loom-prod-db-replica-cgay00";

describe("Database on Azure", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  let runs: [Env, ProgramRun][];
  /** pulumi.log.warn messages per environment's build. */
  const warnings: Record<Env, string[]> = { dev: [], staging: [], prod: [] };
  async function buildWarned(env: Env, disasterRecovery = false): Promise<ProgramRun> {
    const warn = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => {
      // The harness's own note on the undefined serverCa output is not the component's.
      if (!message.includes("(serverCa)")) warnings[env].push(message);
    };
    try {
      return await build(argsFor(env), disasterRecovery);
    } finally {
      pulumi.log.warn = warn;
    }
  }
  before(async () => {
    dev = await buildWarned("dev");
    staging = await buildWarned("staging");
    prod = await buildWarned("prod", true);
    runs = [
      ["dev", dev],
      ["staging", staging],
      ["prod", prod],
    ];
  });

  it("runs one primary Flexible Server, PostgreSQL 16, created (not restored), in the stack's group and location", () => {
    for (const [env, run] of runs) {
      const primaries = ofType(run, SERVER).filter((s) => inputs(s).createMode !== "Replica");
      assert.equal(primaries.length, 1);
      const db = inputs(primaryOf(run));
      assert.deepEqual(
        [db.createMode, db.version, db.serverName, db.resourceGroupName, db.location],
        ["Create", "16", NAMES[env], `loom-${env}`, AZURE_LOCATION],
      );
    }
  });

  it("is private on every server: VNet integration in the delegated subnet and the network's private DNS zone, no firewall rule", () => {
    for (const [, run] of runs) {
      for (const server of ofType(run, SERVER)) {
        assert.deepEqual(inputs(server).network, {
          delegatedSubnetResourceId: DB_SUBNET,
          privateDnsZoneArmResourceId: PG_ZONE,
        });
      }
      assert.equal(ofType(run, "azure-native:dbforpostgresql:FirewallRule").length, 0);
    }
    assert.equal(ofType(prod, SERVER).length, 2);
  });

  it("pins TLS, the slow-query threshold, Query Store and PgBouncer as server parameters on every server", () => {
    const tls = [
      ["require_secure_transport", "on", "user-override"],
      ["ssl_min_protocol_version", "TLSv1.2", "user-override"],
    ];
    assert.deepEqual(parametersOf(dev, NAMES.dev), [...tls, ["log_min_duration_statement", "500", "user-override"]]);
    const withInsightsAndPooler = (ms: string) => [
      ...tls,
      ["log_min_duration_statement", ms, "user-override"],
      ["pg_qs.query_capture_mode", "top", "user-override"],
      ["track_io_timing", "on", "user-override"],
      ["pgbouncer.enabled", "true", "user-override"],
    ];
    assert.deepEqual(parametersOf(staging, NAMES.staging), withInsightsAndPooler("500"));
    assert.deepEqual(parametersOf(prod, NAMES.prod), withInsightsAndPooler("250"));
    assert.deepEqual(parametersOf(prod, PROD_REPLICA), withInsightsAndPooler("250"));
    assert.equal(ofType(prod, CONFIGURATION).length, 12);
  });

  it("sizes compute by tier: Burstable only in dev, General Purpose where HA, PgBouncer or a replica needs it", () => {
    const skus = (run: ProgramRun) => ofType(run, SERVER).map((s) => inputs(s).sku);
    assert.deepEqual(skus(dev), [{ name: "Standard_B2s", tier: "Burstable" }]);
    assert.deepEqual(skus(staging), [{ name: "Standard_D2ds_v5", tier: "GeneralPurpose" }]);
    assert.deepEqual(skus(prod), [
      { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
      { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
    ]);
  });

  it("rounds storage up to an allowed Premium SSD size of at least 32 GiB and lets it grow", () => {
    for (const [run, size] of [
      [dev, 32],
      [staging, 64],
      [prod, 128],
    ] as const) {
      for (const server of ofType(run, SERVER)) {
        assert.deepEqual(inputs(server).storage, { storageSizeGB: size, autoGrow: "Enabled", type: "Premium_LRS" });
      }
    }
  });

  it("keeps max(7, profile) days of backups, geo-redundant only with disaster recovery (prod)", () => {
    assert.deepEqual(inputs(primaryOf(dev)).backup, { backupRetentionDays: 7, geoRedundantBackup: "Disabled" });
    assert.deepEqual(inputs(primaryOf(staging)).backup, { backupRetentionDays: 7, geoRedundantBackup: "Disabled" });
    assert.deepEqual(inputs(primaryOf(prod)).backup, { backupRetentionDays: 14, geoRedundantBackup: "Enabled" });
    assert.equal("backup" in inputs(one(prod, SERVER, "loom-db-replica")), false);
  });

  it("warns by name when the profile asks fewer than Azure's 7 days (dev's 1), and only then", () => {
    assert.deepEqual(warnings.dev, [
      "loom: backupRetentionDays: 1 is below Azure PostgreSQL's minimum of 7 days; the server keeps 7 days of backups (a longer point-in-time recovery window)",
    ]);
    assert.deepEqual([warnings.staging, warnings.prod], [[], []]);
  });

  it("is zone-redundant only when highly available (prod); the replica has no HA of its own", () => {
    // Without HA the zones are the SDK's default "" (Azure picks one); with it, primary and standby zones differ.
    const zones = (run: ProgramRun) => [
      inputs(primaryOf(run)).availabilityZone,
      inputs(primaryOf(run)).highAvailability,
    ];
    assert.deepEqual(zones(dev), ["", { mode: "Disabled", standbyAvailabilityZone: "" }]);
    assert.deepEqual(zones(staging), ["", { mode: "Disabled", standbyAvailabilityZone: "" }]);
    assert.deepEqual(zones(prod), ["1", { mode: "ZoneRedundant", standbyAvailabilityZone: "2" }]);
    assert.equal("highAvailability" in inputs(one(prod, SERVER, "loom-db-replica")), false);
  });

  it("keeps a Sunday 01:00 UTC maintenance window on every server", () => {
    for (const [, run] of runs) {
      for (const server of ofType(run, SERVER)) {
        assert.deepEqual(inputs(server).maintenanceWindow, {
          customWindow: "Enabled",
          dayOfWeek: 0,
          startHour: 1,
          startMinute: 0,
        });
      }
    }
  });

  it("enables Entra and password auth; the deployer is the Entra administrator unless a DBA group is named", async () => {
    for (const [env, run] of runs) {
      assert.deepEqual(inputs(primaryOf(run)).authConfig, {
        activeDirectoryAuth: "Enabled",
        passwordAuth: "Enabled",
        tenantId: TENANT,
      });
      assert.deepEqual(inputs(one(run, ENTRA, "loom-db-entra-admin")), {
        resourceGroupName: `loom-${env}`,
        serverName: NAMES[env],
        objectId: DEPLOYER,
        principalName: `loom-${env}-deployer`,
        principalType: "ServicePrincipal",
        tenantId: TENANT,
      });
    }
    const withGroup = await build(argsFor("staging", azureTarget({ databaseAdminGroupId: DBA_GROUP })));
    const admin = inputs(one(withGroup, ENTRA, "loom-db-entra-admin"));
    assert.deepEqual(
      [admin.objectId, admin.principalName, admin.principalType],
      [DBA_GROUP, "loom-staging-dba", "Group"],
    );
  });

  it("registers the roles step's own identity as a second Entra administrator of the primary", () => {
    for (const [env, run] of runs) {
      const identityId = `${rg(env)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-${env}-db-roles`;
      assert.deepEqual(inputs(one(run, IDENTITY, "loom-db-roles-identity")), {
        resourceGroupName: `loom-${env}`,
        location: AZURE_LOCATION,
        resourceName: `loom-${env}-db-roles`,
        tags: inputs(one(run, IDENTITY, "loom-db-roles-identity")).tags,
      });
      assert.deepEqual(inputs(one(run, ENTRA, "loom-db-entra-roles-admin")), {
        resourceGroupName: `loom-${env}`,
        serverName: NAMES[env],
        objectId: uuid(`principal/${identityId}`),
        principalName: `loom-${env}-db-roles`,
        principalType: "ServicePrincipal",
        tenantId: TENANT,
      });
      const access = run.outputs.access as Record<string, Record<string, unknown>>;
      const backupId = `${rg(env)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-${env}-backup-id`;
      assert.deepEqual(access.entra, {
        rolesIdentity: {
          id: identityId,
          clientId: uuid(`client/${identityId}`),
          name: `loom-${env}-db-roles`,
        },
        backupIdentity: {
          id: backupId,
          clientId: uuid(`client/${backupId}`),
          principalId: uuid(`principal/${backupId}`),
          name: `loom-${env}-backup-id`,
        },
      });
    }
  });

  it("creates the backup job's identity <prefix>-backup-id, aliased from Backups' child, and no Entra admin of it", async () => {
    for (const [env, run] of runs) {
      const identity = one(run, IDENTITY, "loom-db-backup-identity");
      assert.deepEqual(inputs(identity), {
        resourceGroupName: `loom-${env}`,
        location: AZURE_LOCATION,
        resourceName: `loom-${env}-backup-id`,
        tags: { ...inputs(identity).tags, component: "database" },
      });
      assert.equal(identity.protect, false);
      assert.equal(identity.parent, "urn:pulumi:test::loom::loom:components:Database::loom");
      // Only the roles identity and the DBA/deployer administer the server; the backup identity is a plain login.
      const principal = uuid(
        `principal/${rg(env)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-${env}-backup-id`,
      );
      assert.deepEqual(
        ofType(run, ENTRA).filter((a) => inputs(a).objectId === principal),
        [],
      );
    }
    // The alias the engine receives (the last build, prod): Backups' `loom-logical-backup` (same type), so the
    // identity it created before moves here in place; its URN is pinned in backups.azure.spec.ts.
    await build(argsFor("prod"), true);
    const named = aliasesOf["loom-db-backup-identity"]?.filter((a) => a.spec?.name);
    assert.deepEqual(named, [
      {
        spec: {
          name: "loom-logical-backup",
          type: "",
          stack: "",
          project: "",
          parenturn: "urn:pulumi:test::loom::loom:components:Backups::loom",
        },
      },
    ]);
  });

  it("hands out Entra logins named after each identity, the backup job's too; the password administrator to none", () => {
    const access = prod.outputs.access as Record<string, unknown>;
    assert.deepEqual(access.logins, {
      web: { auth: "azure-entra", username: "loom-prod-web" },
      worker: { auth: "azure-entra", username: "loom-prod-worker" },
      migrate: { auth: "azure-entra", username: "loom-prod-migrate" },
      backup: { auth: "azure-entra", username: "loom-prod-backup-id" },
      admin: { auth: "azure-entra", username: "loom-prod-db-roles" },
    });
    // The backup identity is the one Entra role whose principal id the Database knows (AppService adds the
    // workloads' as rolesStepEnv `extra`); loom_admin is in no group (the step's prune revokes its old loom_readonly).
    const backup = `${FIXED_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-prod-backup-id`;
    assert.deepEqual(access.roles, {
      database: "loom",
      logins: [
        {
          name: "loom-prod-backup-id",
          group: "readonly",
          create: "azure-entra",
          objectId: uuid(`principal/${backup}`),
        },
      ],
    });
  });

  it("generates the admin password (secret, never a literal) and keeps user name and password in Key Vault", () => {
    for (const [env, run] of runs) {
      const server = primaryOf(run);
      const password = "mock-generated-password-loom-db-admin".padEnd(40, "x");
      assert.equal(inputs(server).administratorLogin, "loom_admin");
      assert.equal(inputs(server).administratorLoginPassword, password);
      assert.deepEqual(server.secretPaths, ["administratorLoginPassword"]);
      assert.deepEqual(inputs(one(run, PASSWORD)), {
        length: 40,
        special: false,
        minLower: 1,
        minUpper: 1,
        minNumeric: 1,
      });
      const vault = keyVaultName("loom", env);
      for (const [what, value] of [
        ["username", "loom_admin"],
        ["password", password],
      ] as const) {
        const secret = one(run, SECRET, `loom-db-${what}`);
        assert.deepEqual(inputs(secret), {
          resourceGroupName: `loom-${env}`,
          vaultName: vault,
          secretName: `loom-${env}-db-${what}`,
          properties: { value, contentType: "text/plain" },
          tags: inputs(secret).tags,
        });
        // The value makes the whole properties object secret in the plan.
        assert.deepEqual(secret.secretPaths, ["properties.value"]);
        assert.equal(secret.protect, env === "prod");
      }
      const replica = ofType(run, SERVER).find((s) => inputs(s).createMode === "Replica");
      if (replica) assert.equal("administratorLoginPassword" in inputs(replica), false);
    }
    const vault = keyVaultName("loom", "prod");
    assert.deepEqual(prod.outputs.credentials, {
      username: { id: `https://${vault}.vault.azure.net/secrets/loom-prod-db-username` },
      password: { id: `https://${vault}.vault.azure.net/secrets/loom-prod-db-password` },
    });
  });

  it("creates the app's database (UTF-8) on the primary", () => {
    for (const [env, run] of runs) {
      assert.deepEqual(inputs(one(run, DATABASE)), {
        resourceGroupName: `loom-${env}`,
        serverName: NAMES[env],
        databaseName: "loom",
        charset: "UTF8",
        collation: "en_US.utf8",
      });
    }
  });

  it("adds a read replica of the primary only when asked (prod), and readers use it", () => {
    assert.equal(ofType(dev, SERVER).length, 1);
    assert.equal(ofType(staging, SERVER).length, 1);
    const replica = inputs(one(prod, SERVER, "loom-db-replica"));
    assert.deepEqual(
      [replica.createMode, replica.sourceServerResourceId, replica.serverName, replica.version],
      [
        "Replica",
        `${rg("prod")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${NAMES.prod}`,
        PROD_REPLICA,
        "16",
      ],
    );
    assert.equal(prod.outputs.readerEndpoint, `${PROD_REPLICA}.postgres.database.azure.com`);
    assert.equal(prod.outputs.endpoint, `${NAMES.prod}.postgres.database.azure.com`);
    assert.equal(dev.outputs.readerEndpoint, dev.outputs.endpoint);
  });

  it("protects every server, secret and the database in prod only", () => {
    for (const [env, run] of runs) {
      for (const r of [...ofType(run, SERVER), ...ofType(run, SECRET), one(run, DATABASE)]) {
        assert.equal(r.protect, env === "prod", `${env} ${r.name}`);
      }
    }
  });

  it("sends every log and metric of each server to the stack's workspace", () => {
    for (const [env, run] of runs) {
      const servers = ofType(run, SERVER).map((s) => inputs(s).serverName);
      const settings = ofType(run, DIAGNOSTICS).map(inputs);
      assert.deepEqual(
        settings.map((d) => d.resourceUri),
        servers.map((n) => `${rg(env)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${n}`),
      );
      for (const d of settings) {
        assert.equal(d.workspaceId, `${rg(env)}/providers/Microsoft.OperationalInsights/workspaces/loom-${env}-logs`);
        assert.deepEqual(d.logs, [{ categoryGroup: "allLogs", enabled: true }]);
        assert.deepEqual(d.metrics, [{ category: "AllMetrics", enabled: true }]);
      }
    }
  });

  it("outputs PgBouncer's 6432 with the pooler (5432 without), no CA bundle, the primary for Backups, both servers for Observability", () => {
    assert.equal(dev.outputs.port, 5432);
    assert.equal(staging.outputs.port, 6432);
    const server = (n: string) => `${rg("prod")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${n}`;
    const { port, databaseName, backupTargets, monitoring, serverCa } = prod.outputs;
    assert.deepEqual(
      { port, databaseName, backupTargets, monitoring, serverCa },
      {
        port: 6432,
        databaseName: "loom",
        backupTargets: {
          cloud: "azure",
          serverId: server(NAMES.prod),
          serverName: NAMES.prod,
          host: `${NAMES.prod}.postgres.database.azure.com`,
        },
        monitoring: { cloud: "azure", serverIds: [server(NAMES.prod), server(PROD_REPLICA)] },
        serverCa: undefined,
      },
    );
    assert.deepEqual(dev.outputs.monitoring, {
      cloud: "azure",
      serverIds: [`${rg("dev")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${NAMES.dev}`],
    });
  });

  describe("pure rules", () => {
    it("maps tiers to SKUs, leaving Burstable when HA, a replica or PgBouncer is on", () => {
      const none = { highAvailability: false, readReplica: false, connectionPooler: false };
      assert.deepEqual(skuFor("small", none), { name: "Standard_B2s", tier: "Burstable" });
      for (const need of ["highAvailability", "readReplica", "connectionPooler"] as const) {
        assert.deepEqual(skuFor("small", { ...none, [need]: true }), {
          name: "Standard_D2ds_v5",
          tier: "GeneralPurpose",
        });
      }
      assert.deepEqual(skuFor("medium", none), { name: "Standard_D2ds_v5", tier: "GeneralPurpose" });
      assert.deepEqual(skuFor("large", none), { name: "Standard_D4ds_v5", tier: "GeneralPurpose" });
    });

    it("rounds storage up to the next allowed size and refuses more than Azure offers", () => {
      assert.deepEqual(
        [1, 20, 32, 33, 50, 100, 129, 1000, 4096, 20000].map(storageSizeFor),
        [32, 32, 32, 64, 64, 128, 256, 1024, 4096, 32767],
      );
      assert.throws(() => storageSizeFor(40000), /must be at most 32767 GiB, got 40000/);
    });

    it("keeps 7 to 35 days of backups and says why when the profile asks fewer than 7", () => {
      assert.deepEqual(backupRetentionFor(1), {
        days: 7,
        warning:
          "backupRetentionDays: 1 is below Azure PostgreSQL's minimum of 7 days; the server keeps 7 days of backups (a longer point-in-time recovery window)",
      });
      assert.deepEqual(backupRetentionFor(7), { days: 7 });
      assert.deepEqual(backupRetentionFor(35), { days: 35 });
      assert.throws(() => backupRetentionFor(36), /at most 35/);
    });

    it("accepts the majors Flexible Server offers, 16 and newer, and no minor", () => {
      assert.deepEqual(["16", "17", "18"].map(majorVersionFor), ["16", "17", "18"]);
      for (const v of ["15", "16.4", "19"]) assert.throws(() => majorVersionFor(v), /must be a PostgreSQL major/);
    });

    it("leaves Query Store and PgBouncer out when their flags are off", () => {
      assert.deepEqual(serverParameters({ slowQueryMs: -1, performanceInsights: false, connectionPooler: false }), [
        ["require_secure_transport", "on"],
        ["ssl_min_protocol_version", "TLSv1.2"],
        ["log_min_duration_statement", "-1"],
      ]);
    });

    it("names servers within 63 characters, keeping the suffix and hash", () => {
      assert.equal(serverNameFor("loom-prod", "db", "abc123"), "loom-prod-db-abc123");
      const long = serverNameFor("a".repeat(70), "db-replica", "abc123");
      assert.equal(long.length, 63);
      assert.ok(long.endsWith("-db-replica-abc123"));
    });

    it("refuses database names Azure keeps or PostgreSQL cannot take", () => {
      assert.equal(databaseNameProblem("loom"), undefined);
      assert.equal(databaseNameProblem("azure_sys"), '"azure_sys" is reserved by PostgreSQL/Azure');
      assert.equal(databaseNameProblem("Loom-DB"), '"Loom-DB" must be 1-63 of a-z 0-9 _, starting with a letter or _');
    });
  });

  describe("invalid args", () => {
    const cases: [string, DatabaseArgs, string, string][] = [
      [
        "a minor version",
        { ...argsFor("dev"), engineVersion: "16.4" },
        "engineVersion",
        'must be a PostgreSQL major version Flexible Server offers (16, 17, 18; Azure picks the minor), got "16.4"',
      ],
      [
        "more storage than Azure offers",
        { ...argsFor("dev"), storageGiB: 40000, maxStorageGiB: 40000 },
        "storageGiB",
        "must be at most 32767 GiB, got 40000",
      ],
      [
        "a reserved database name",
        { ...argsFor("dev"), databaseName: "postgres" },
        "databaseName",
        '"postgres" is reserved by PostgreSQL/Azure',
      ],
    ];
    for (const [label, args, propertyPath, reason] of cases) {
      it(`rejects ${label} before creating a server`, async () => {
        await assert.rejects(build(args), { propertyPath, reason });
      });
    }
  });
});
