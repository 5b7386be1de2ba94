/**
 * Database on GCP: Cloud SQL for PostgreSQL on the stack's VPC through private services access.
 *
 * Guarantees: no public IPv4 (`ipv4Enabled: false` set explicitly), no authorized networks, the Data API
 * (ExecuteSql) refused; the server refuses unencrypted connections (`sslMode: ENCRYPTED_ONLY`) and presents a
 * certificate for its DNS name from a Google-managed CAS CA (`GOOGLE_MANAGED_CAS_CA`), so the app connects to that
 * name with `verify-full` (a private Cloud DNS zone on the VPC resolves it to the private IP); a customer-managed
 * key (90-day rotation) encrypts the instance, its replica, backups and the credentials' secrets; automated
 * backups with point-in-time recovery for the profile's window (the edition must hold it), one more daily backup
 * than log days, a final backup and retained backups when the instance is deleted; slow-query and connection
 * logging; Query Insights and a Sunday maintenance window; storage that grows up to `maxStorageGiB`; REGIONAL
 * (synchronous standby in another zone) when highly available; a read replica on request; API-level and
 * provider-level deletion protection and Pulumi `protect`
 * per profile. Logins (gcp-logins.ts): every workload is its service account's Cloud SQL IAM user (IAM database
 * authentication on, no password anywhere); the admin `loom_admin`, for the roles step only, has a generated
 * password kept in Secret Manager (gcp-credentials.ts).
 *
 * No Managed Connection Pooling: the pooler takes password logins only for direct connections (gcp-logins.ts), and
 * no workload has one, so `connectionPooler` is not built here (a warning says so) and the port is 5432 for all.
 *
 * Identity: instance names (`<prefix>-db`, `<prefix>-db-replica`) are identity, and Cloud SQL refuses to reuse a
 * deleted instance's name for up to a week. Renaming a logical name replaces the instance (a new, empty database)
 * unless the old name is given as an alias.
 */

import { ManagedZone } from "@pulumi/gcp/dns/managedZone";
import { RecordSet } from "@pulumi/gcp/dns/recordSet";
import type { CryptoKey } from "@pulumi/gcp/kms/cryptoKey";
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms/cryptoKeyIAMMember";
import { ServiceIdentity } from "@pulumi/gcp/projects/serviceIdentity";
import { DatabaseInstance } from "@pulumi/gcp/sql/databaseInstance";
import type { sql } from "@pulumi/gcp/types/input";
import * as pulumi from "@pulumi/pulumi";
import { handleFor, invalid, orInvalid } from "../lib/component";
import { CLOUD_SQL_DIRECT_PORT, cmekKey, type GcpScope, gcpScope } from "../lib/gcp";
import { pemBundle } from "../lib/secrets";
import type { GcpNetworkPlacement } from "../network/gcp";
import type { CloudSqlEdition } from "../targets/gcp";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";
import { adminCredentials } from "./gcp-credentials";
import { gcpAccess } from "./gcp-logins";
import {
  backupConfiguration,
  caBundle,
  databaseFlags,
  databaseVersionFor,
  editionProblems,
  FINAL_BACKUP_RETENTION_DAYS,
  hostOf,
  insightsConfig,
  MAINTENANCE_WINDOW,
  machineTierFor,
  sqlDatabaseNameProblem,
} from "./gcp-sql";

export const POSTGRES_PORT = CLOUD_SQL_DIRECT_PORT;

/** What Observability on GCP builds Cloud SQL alerts and dashboards from. */
export interface GcpDatabaseMonitoring {
  cloud: "gcp";
  /** The `database_id` label of cloudsql.googleapis.com metrics (`<project>:<instance>`), primary first. */
  databaseIds: pulumi.Output<string>[];
}

/** What Backups on GCP protects. */
export interface GcpDatabaseBackupTargets {
  cloud: "gcp";
  /** The primary's instance name. */
  instanceName: pulumi.Output<string>;
  /** The primary's resource id as Backup and DR names it: `projects/<p>/instances/<name>`. */
  instanceId: pulumi.Output<string>;
  /** The primary's region. */
  region: string;
  /** The primary's own DNS name (what `verify-full` checks), for clients that need the instance itself. */
  primaryHost?: pulumi.Output<string>;
  /** The instance's server CA certificates (PEM, public): a Google-managed CAS CA is in no system trust store. */
  serverCa?: pulumi.Output<string>;
}

interface DbScope extends GcpScope {
  args: ResolvedDatabaseArgs;
  placement: GcpNetworkPlacement;
  edition: CloudSqlEdition;
  databaseVersion: string;
  key: CryptoKey;
  /** The key's grants to the service agents: everything encrypted with the key is created after them. */
  grants: pulumi.Resource[];
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedDatabaseArgs): DatabaseOutputs {
  const nameProblem = sqlDatabaseNameProblem(args.databaseName);
  if (nameProblem) invalid("databaseName", nameProblem);
  const databaseVersion = orInvalid("engineVersion", () => databaseVersionFor(args.engineVersion));
  const placement = handleFor("network.placement", args.network.placement, "gcp");
  const scope = gcpScope(parent, name, args, "database");
  const edition = scope.platform.target.databaseEdition;
  for (const [arg, reason] of editionProblems(edition, args)) invalid(arg, reason);
  const { key, grants } = databaseKey(scope);
  const s: DbScope = { ...scope, args, placement, edition, databaseVersion, key, grants };

  const primary = primaryInstance(s);
  const replica = args.readReplica ? replicaInstance(s, primary) : undefined;
  privateDnsName(s, `${name}-db`, `${scope.prefix}-db`, primary);
  if (replica) privateDnsName(s, `${name}-db-replica`, `${scope.prefix}-db-replica`, replica);
  if (args.connectionPooler) {
    pulumi.log.warn(
      "connectionPooler: Managed Connection Pooling is not turned on: the workloads log in with Cloud SQL IAM " +
        "database authentication, which the pooler does not take on a direct connection; they connect to the " +
        "instance on 5432 (docs/runbooks/credentials-gcp.md)",
      parent,
    );
  }
  const credentials = adminCredentials(s, primary, {
    databaseName: args.databaseName,
    deletionProtection: args.deletionProtection,
    key,
    dependsOn: grants,
  });
  const databaseId = (instance: DatabaseInstance) => pulumi.interpolate`${s.project}:${instance.name}`;

  return {
    // Every login connects to the instance itself (IAM logins cannot use the pooler, see above).
    endpoint: primary.dnsName.apply(hostOf),
    readerEndpoint: (replica ?? primary).dnsName.apply(hostOf),
    port: pulumi.output(CLOUD_SQL_DIRECT_PORT),
    databaseName: credentials.databaseName,
    // The admin login's secrets (Backups falls back to them only without `access`).
    credentials: { username: credentials.username, password: credentials.password },
    access: gcpAccess({
      prefix: s.prefix,
      project: s.project,
      database: credentials.databaseName,
      instance: primary.name,
      admin: { username: credentials.username, password: credentials.password },
    }),
    backupTargets: {
      cloud: "gcp",
      instanceName: primary.name,
      instanceId: pulumi.interpolate`projects/${s.project}/instances/${primary.name}`,
      region: s.region,
      primaryHost: primary.dnsName.apply(hostOf),
      serverCa: serverCaBundle(primary),
    },
    monitoring: { cloud: "gcp", databaseIds: [primary, ...(replica ? [replica] : [])].map(databaseId) },
    // Cloud SQL's CAS CA is in no system trust store: the app verifies the server (verify-full) against this.
    serverCa: pulumi
      .all([serverCaBundle(primary), ...(replica ? [serverCaBundle(replica)] : [])])
      .apply((bundles) => pemBundle(bundles)),
  };
}

/** Every CA certificate the instance reports, one PEM bundle (both sides of a CA rotation verify). */
function serverCaBundle(instance: DatabaseInstance): pulumi.Output<string> {
  return instance.serverCaCerts.apply((certs) => caBundle(certs.map((c) => c.cert)));
}

/**
 * One key for everything that holds this database's data: the instance and replica disks, backups, and the
 * credentials' secrets. Cloud SQL and Secret Manager use it through their service agents, which exist once
 * `ServiceIdentity` has asked for them.
 */
function databaseKey(s: GcpScope): { key: CryptoKey; grants: pulumi.Resource[] } {
  const agent = (short: string, service: string) =>
    new ServiceIdentity(`${s.name}-db-agent-${short}`, { project: s.project, service }, s.opts());
  const agents = [agent("sql", "sqladmin.googleapis.com"), agent("secrets", "secretmanager.googleapis.com")];
  // The grants are made here rather than by cmekKey so the instance and secrets can wait for them: Cloud SQL
  // refuses to create an instance whose key its agent cannot use yet.
  const key = cmekKey(s, `${s.name}-db-key`, []);
  const grants = agents.map(
    (a, i) =>
      new CryptoKeyIAMMember(
        `${s.name}-db-key-agent-${i}`,
        { cryptoKeyId: key.id, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: a.member },
        s.opts(),
      ),
  );
  return { key, grants };
}

/** What primary and replica share: machine, storage, private TLS-only networking, flags, telemetry, upkeep. */
function commonSettings(s: DbScope) {
  const { args, placement } = s;
  return {
    tier: orInvalid("tier", () => machineTierFor(s.edition, args.tier)),
    edition: s.edition,
    pricingPlan: "PER_USE",
    diskType: "PD_SSD",
    diskSize: args.storageGiB,
    diskAutoresize: true,
    diskAutoresizeLimit: args.maxStorageGiB,
    ipConfiguration: {
      ipv4Enabled: false,
      privateNetwork: placement.network,
      allocatedIpRange: placement.privateServicesRange,
      enablePrivatePathForGoogleCloudServices: false,
      sslMode: "ENCRYPTED_ONLY",
      serverCaMode: "GOOGLE_MANAGED_CAS_CA",
      serverCertificateRotationMode: "AUTOMATIC_ROTATION_DURING_MAINTENANCE",
    },
    dataApiAccess: "DISALLOW_DATA_API",
    connectorEnforcement: "NOT_REQUIRED",
    databaseFlags: databaseFlags(args.slowQueryMs),
    insightsConfig: insightsConfig(args.performanceInsights),
    maintenanceWindow: { ...MAINTENANCE_WINDOW },
    deletionProtectionEnabled: args.deletionProtection,
    userLabels: s.labels,
  } satisfies Partial<sql.DatabaseInstanceSettings>;
}

/** Options of an instance: after private services access and the key grants; disk growth is Cloud SQL's own. */
function instanceOpts(s: DbScope, extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions {
  return s.opts(true, {
    dependsOn: [s.placement.privateServices, ...s.grants, ...extra],
    // Autoresize grows the disk past `diskSize`; without this the next update would try to shrink it.
    ignoreChanges: ["settings.diskSize"],
  });
}

/**
 * Where automated backups are stored: the DR region when the stack has disaster recovery (the platform then holds
 * a DR key ring, and only then), else Cloud SQL's default, the multi-region nearest the instance.
 */
function backupLocation(s: DbScope): string | undefined {
  return s.platform.drKeyRing !== undefined ? s.platform.target.drRegion : undefined;
}

function primaryInstance(s: DbScope): DatabaseInstance {
  const { args, prefix } = s;
  return new DatabaseInstance(
    `${s.name}-db`,
    {
      name: `${prefix}-db`,
      project: s.project,
      region: s.region,
      databaseVersion: s.databaseVersion,
      encryptionKeyName: s.key.id,
      deletionProtection: args.deletionProtection,
      settings: {
        ...commonSettings(s),
        availabilityType: args.highAvailability ? "REGIONAL" : "ZONAL",
        backupConfiguration: backupConfiguration(args.backupRetentionDays, backupLocation(s)),
        // Deleting the instance keeps its automated backups and takes a last one.
        retainBackupsOnDelete: true,
        finalBackupConfig: { enabled: true, retentionDays: FINAL_BACKUP_RETENTION_DAYS },
      },
    },
    instanceOpts(s),
  );
}

function replicaInstance(s: DbScope, primary: DatabaseInstance): DatabaseInstance {
  const { args, prefix } = s;
  return new DatabaseInstance(
    `${s.name}-db-replica`,
    {
      name: `${prefix}-db-replica`,
      project: s.project,
      region: s.region,
      databaseVersion: s.databaseVersion,
      masterInstanceName: primary.name,
      // A replica in the primary's region uses the primary's key.
      encryptionKeyName: s.key.id,
      deletionProtection: args.deletionProtection,
      settings: {
        ...commonSettings(s),
        availabilityType: "ZONAL",
        // Replicas have no backups of their own; the primary's backups and logs hold the data.
        backupConfiguration: { enabled: false },
      },
    },
    instanceOpts(s, [primary]),
  );
}

/**
 * The instance's DNS name resolves on the VPC to its private IP: a private Cloud DNS zone for exactly that name,
 * visible only to the stack's network, with its A record. The server certificate (GOOGLE_MANAGED_CAS_CA) is issued
 * for this name, so `verify-full` succeeds.
 */
function privateDnsName(s: DbScope, logicalName: string, physicalName: string, instance: DatabaseInstance): void {
  const zone = new ManagedZone(
    `${logicalName}-dns`,
    {
      project: s.project,
      name: `${physicalName}-dns`,
      dnsName: instance.dnsName,
      description: `${s.prefix}: the Cloud SQL instance's DNS name on the VPC (private services access)`,
      visibility: "private",
      privateVisibilityConfig: { networks: [{ networkUrl: s.placement.network }] },
      labels: s.labels,
    },
    s.opts(),
  );
  new RecordSet(
    `${logicalName}-dns`,
    {
      project: s.project,
      managedZone: zone.name,
      name: instance.dnsName,
      type: "A",
      ttl: 300,
      rrdatas: [instance.privateIpAddress],
    },
    s.opts(),
  );
}
