/**
 * Database on Azure: Azure Database for PostgreSQL Flexible Server in the stack's VNet (VNet integration).
 *
 * Guarantees: private only — the server lives in the network's subnet delegated to
 * Microsoft.DBforPostgreSQL/flexibleServers and its name resolves through the network's private DNS zone, so it has
 * no public endpoint and no firewall rule exists; TLS pinned as server parameters (`require_secure_transport` on,
 * TLS 1.2 or newer); slow statements logged at the profile's threshold; Query Store (`pg_qs`, top statements, I/O
 * timing) when performanceInsights is on; the built-in PgBouncer on 6432 when connectionPooler is on; Microsoft
 * Entra authentication enabled with the DBA group (`loom:azure.databaseAdminGroupId`) or the deployer as Entra
 * administrator and the roles step's own identity as a second one; every app workload logs in with its managed
 * identity (azure-logins.ts), the logical-backup job too (its identity `<prefix>-backup-id` is created here, so the
 * roles step can map it); password authentication stays for the administrator `loom_admin` (generated, in Key
 * Vault: break-glass only, no workload's login); backups kept
 * max(7, backupRetentionDays) days (Azure's minimum is 7), geo-redundant when the stack has disaster recovery (a
 * creation-time choice: it cannot be switched on later); Premium SSD storage of the smallest allowed size holding
 * storageGiB (≥ 32), grown automatically (Azure has no growth cap, so maxStorageGiB has no effect); zone-redundant
 * HA when highAvailability; a read replica (createMode Replica) on request; a Sunday maintenance window; every log
 * and metric of each server to the stack's workspace; `protect` per profile (Azure PostgreSQL has no deletion
 * protection flag: the prod resource-group lock of Backups guards the servers at the API).
 *
 * Trust: Flexible Server's certificates chain to public roots (DigiCert Global Root G2 / Microsoft RSA Root 2017)
 * that system trust stores carry, so no CA bundle is needed (`serverCa` stays undefined) and `verify-full` works.
 *
 * Ports: with the pooler the app connects on 6432 (`port`); the migrate job and pg_dump need a session and use
 * 5432 on the same host (AppService's migrate and Backups' job override it).
 *
 * Identity: server names are `<prefix>-db-<hash>` (global DNS names); renaming the logical name replaces the
 * server (a new, empty database) unless the old name is given as an alias.
 */
import { AdministratorsMicrosoftEntra } from "@pulumi/azure-native/dbforpostgresql/administratorsMicrosoftEntra";
import { Configuration } from "@pulumi/azure-native/dbforpostgresql/configuration";
import { Database } from "@pulumi/azure-native/dbforpostgresql/database";
import { Server, type ServerArgs } from "@pulumi/azure-native/dbforpostgresql/server";
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import * as pulumi from "@pulumi/pulumi";
import { type AzureScope, azureScope, diagnostics } from "../lib/azure";
import { handleFor, invalid, orInvalid, TYPE_PREFIX } from "../lib/component";
import { stableHash } from "../naming";
import type { AzureNetworkPlacement } from "../network/azure";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";
import { ADMIN_USERNAME, adminCredentials } from "./azure-credentials";
import {
  backupRetentionFor,
  databaseNameProblem,
  type FlexibleSku,
  MAINTENANCE_WINDOW,
  majorVersionFor,
  PGBOUNCER_PORT,
  POSTGRES_PORT,
  serverNameFor,
  serverParameters,
  skuFor,
  storageSizeFor,
} from "./azure-flexible";
import { azureAccess, backupIdentityName, rolesIdentityName } from "./azure-logins";

/** What Observability on Azure builds PostgreSQL alerts from. */
export interface AzureDatabaseMonitoring {
  cloud: "azure";
  /** ARM ids of the flexible servers (alert scopes), primary first. */
  serverIds: pulumi.Output<string>[];
}

/** What Backups on Azure protects. */
export interface AzureDatabaseBackupTargets {
  cloud: "azure";
  /** The primary flexible server's ARM id (BackupInstance dataSourceInfo.resourceID). */
  serverId: pulumi.Output<string>;
  serverName: pulumi.Output<string>;
  /** The primary's FQDN (the logical-backup job connects directly, never through PgBouncer). */
  host: pulumi.Output<string>;
}

interface DbScope extends AzureScope {
  args: ResolvedDatabaseArgs;
  placement: AzureNetworkPlacement;
  version: string;
  sku: FlexibleSku;
  storageSizeGB: number;
  backupRetentionDays: number;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedDatabaseArgs): DatabaseOutputs {
  const nameProblem = databaseNameProblem(args.databaseName);
  if (nameProblem) invalid("databaseName", nameProblem);
  const placement = handleFor("network.placement", args.network.placement, "azure");
  const scope = azureScope(parent, name, args, "database");
  const retention = orInvalid("backupRetentionDays", () => backupRetentionFor(args.backupRetentionDays));
  if (retention.warning) pulumi.log.warn(`${name}: ${retention.warning}`, parent);
  const s: DbScope = {
    ...scope,
    args,
    placement,
    version: orInvalid("engineVersion", () => majorVersionFor(args.engineVersion)),
    sku: orInvalid("tier", () => skuFor(args.tier, args)),
    storageSizeGB: orInvalid("storageGiB", () => storageSizeFor(args.storageGiB)),
    backupRetentionDays: retention.days,
  };

  const credentials = adminCredentials(s);
  const primary = primaryServer(s, credentials.passwordValue);
  const rolesIdentity = rolesStepIdentity(s);
  const backupIdentity = backupJobIdentity(s);
  const primaryDone = configure(s, `${name}-db`, primary, [
    (after) => entraAdministrator(s, primary, after),
    (after) => rolesAdministrator(s, primary, rolesIdentity, after),
    (after) =>
      new Database(
        `${name}-db-app`,
        {
          resourceGroupName: s.resourceGroupName,
          serverName: primary.name,
          databaseName: args.databaseName,
          charset: "UTF8",
          collation: "en_US.utf8",
        },
        s.opts(true, { dependsOn: [after] }),
      ),
  ]);
  const replica = args.readReplica ? replicaServer(s, primary, primaryDone) : undefined;
  if (replica) configure(s, `${name}-db-replica`, replica, []);

  return {
    endpoint: primary.fullyQualifiedDomainName,
    readerEndpoint: (replica ?? primary).fullyQualifiedDomainName,
    // PgBouncer runs on each server's own host; the app goes through it, sessions (migrate, pg_dump) use 5432.
    port: pulumi.output(args.connectionPooler ? PGBOUNCER_PORT : POSTGRES_PORT),
    databaseName: pulumi.output(args.databaseName),
    // The password administrator: break-glass only; no workload gets it.
    credentials: { username: credentials.username, password: credentials.password },
    access: azureAccess({
      prefix: s.prefix,
      database: args.databaseName,
      rolesIdentity: { id: rolesIdentity.id, clientId: rolesIdentity.clientId, name: rolesIdentity.name },
      backupIdentity: {
        id: backupIdentity.id,
        clientId: backupIdentity.clientId,
        principalId: backupIdentity.principalId,
        name: backupIdentity.name,
      },
    }),
    backupTargets: {
      cloud: "azure",
      serverId: primary.id,
      serverName: primary.name,
      host: primary.fullyQualifiedDomainName,
    },
    monitoring: { cloud: "azure", serverIds: [primary, ...(replica ? [replica] : [])].map((r) => r.id) },
  };
}

/** What primary and replica share: compute, version, VNet integration, storage, maintenance. */
function commonArgs(s: DbScope, suffix: string): ServerArgs {
  return {
    resourceGroupName: s.resourceGroupName,
    location: s.location,
    serverName: serverNameFor(s.prefix, suffix, stableHash(`${s.prefix}/${suffix}`).padStart(6, "0").slice(0, 6)),
    version: s.version,
    sku: { ...s.sku },
    network: {
      delegatedSubnetResourceId: s.placement.subnets.database,
      privateDnsZoneArmResourceId: s.placement.privateZones.postgres,
    },
    storage: { storageSizeGB: s.storageSizeGB, autoGrow: "Enabled", type: "Premium_LRS" },
    maintenanceWindow: { ...MAINTENANCE_WINDOW },
    tags: s.tags,
  };
}

/** Auto-grow raises the size past `storageSizeGB`; without this the next update would try to shrink the disk. */
const GROWN = { ignoreChanges: ["storage.storageSizeGB"] };

function primaryServer(s: DbScope, password: pulumi.Output<string>): Server {
  const { args } = s;
  return new Server(
    `${s.name}-db`,
    {
      ...commonArgs(s, "db"),
      createMode: "Create",
      administratorLogin: ADMIN_USERNAME,
      // Secret in state and plan (the SDK does not mark it, and the generated value must never show).
      administratorLoginPassword: pulumi.secret(password),
      authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled", tenantId: s.platform.tenantId },
      backup: {
        backupRetentionDays: s.backupRetentionDays,
        // Creation-time only: a server created without it cannot gain it later.
        geoRedundantBackup: s.platform.disasterRecovery ? "Enabled" : "Disabled",
      },
      // Zone-redundant HA: the primary in zone 1, its synchronous standby in zone 2 (explicit, so the plan shows
      // they differ). A failover swaps them; Azure's later zones are not drift.
      ...(args.highAvailability
        ? { availabilityZone: "1", highAvailability: { mode: "ZoneRedundant", standbyAvailabilityZone: "2" } }
        : { highAvailability: { mode: "Disabled" } }),
    },
    s.opts(true, {
      ignoreChanges: [...GROWN.ignoreChanges, "availabilityZone", "highAvailability.standbyAvailabilityZone"],
    }),
  );
}

/** An asynchronous read replica in the same region (no HA, no backups of its own: the primary's hold the data). */
function replicaServer(s: DbScope, primary: Server, after: pulumi.Resource): Server {
  return new Server(
    `${s.name}-db-replica`,
    { ...commonArgs(s, "db-replica"), createMode: "Replica", sourceServerResourceId: primary.id },
    s.opts(true, { ...GROWN, dependsOn: [after] }),
  );
}

/**
 * The server parameters, then `then` (each given the resource before it), one after another — Flexible Server
 * refuses an operation while another is in progress — and the diagnostic setting. Returns the last of the chain.
 */
function configure(
  s: DbScope,
  logicalName: string,
  server: Server,
  then: ((after: pulumi.Resource) => pulumi.Resource)[],
): pulumi.Resource {
  let last: pulumi.Resource = server;
  for (const [parameter, value] of serverParameters(s.args)) {
    last = new Configuration(
      `${logicalName}-${parameter.replace(/[._]/g, "-")}`,
      {
        resourceGroupName: s.resourceGroupName,
        serverName: server.name,
        configurationName: parameter,
        value,
        source: "user-override",
      },
      s.opts(false, { dependsOn: [last] }),
    );
  }
  for (const step of then) last = step(last);
  diagnostics(s, `${logicalName}-diagnostics`, server.id);
  return last;
}

/**
 * The Entra administrator: the DBA group when the target names one, else the deploying principal (a service
 * principal in CI; a human deployer should name a group). The principal name becomes the PostgreSQL role name.
 */
function entraAdministrator(s: DbScope, server: Server, after: pulumi.Resource): AdministratorsMicrosoftEntra {
  const group = s.platform.target.databaseAdminGroupId;
  return new AdministratorsMicrosoftEntra(
    `${s.name}-db-entra-admin`,
    {
      resourceGroupName: s.resourceGroupName,
      serverName: server.name,
      objectId: group ?? s.platform.deployerObjectId,
      principalName: group ? `${s.prefix}-dba` : `${s.prefix}-deployer`,
      principalType: group ? "Group" : "ServicePrincipal",
      tenantId: s.platform.tenantId,
    },
    s.opts(false, { dependsOn: [after] }),
  );
}

/** The roles step's own identity (azure-logins.ts): nothing but the server's second Entra administrator. */
function rolesStepIdentity(s: DbScope): UserAssignedIdentity {
  return new UserAssignedIdentity(
    `${s.name}-db-roles-identity`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      resourceName: rolesIdentityName(s.prefix),
      tags: s.tags,
    },
    s.opts(),
  );
}

/**
 * Where the backup identity was before the Database created it: Backups' child `<name>-logical-backup` (index.ts
 * names Database and Backups alike). The alias moves that resource here in place (only its `component` tag
 * changes). Without it the engine sees one resource to create and one to delete with the same ARM name: the
 * create is refused (azure-native finds the identity already there) and, were it imported, the delete of the
 * "old" one would remove the one identity both mean, with the job still running under it.
 */
export function backupIdentityAlias(name: string): pulumi.Alias {
  return { name: `${name}-logical-backup`, parent: pulumi.createUrn(name, `${TYPE_PREFIX}:Backups`) };
}

/**
 * The logical-backup job's identity (azure-logins.ts): an Entra login in loom_readonly, created here so that the
 * roles step knows its principal id. Backups runs the job under it and gives it its Azure roles; in a profile
 * without backups it exists unused (no Azure role, no job runs under it), as the backup login does on every cloud.
 */
function backupJobIdentity(s: DbScope): UserAssignedIdentity {
  return new UserAssignedIdentity(
    `${s.name}-db-backup-identity`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      resourceName: backupIdentityName(s.prefix),
      tags: s.tags,
    },
    s.opts(false, { aliases: [backupIdentityAlias(s.name)] }),
  );
}

/**
 * The roles identity as a further Entra administrator (a member of azure_pg_admin, not a superuser): only an Entra
 * administrator may map a managed identity to a role (`pgaadauth_create_principal_with_oid`). Its principal name is
 * the identity's name, which is the PostgreSQL role it logs in as.
 */
function rolesAdministrator(
  s: DbScope,
  server: Server,
  identity: UserAssignedIdentity,
  after: pulumi.Resource,
): AdministratorsMicrosoftEntra {
  return new AdministratorsMicrosoftEntra(
    `${s.name}-db-entra-roles-admin`,
    {
      resourceGroupName: s.resourceGroupName,
      serverName: server.name,
      objectId: identity.principalId,
      principalName: identity.name,
      principalType: "ServicePrincipal",
      tenantId: s.platform.tenantId,
    },
    s.opts(false, { dependsOn: [after] }),
  );
}
