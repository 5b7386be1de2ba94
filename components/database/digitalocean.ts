/**
 * Database on DigitalOcean: a Managed PostgreSQL cluster in the stack's VPC.
 *
 * Guarantees: `engine: "pg"` at the profile's major version (16+); in the stack's VPC (`privateNetworkUuid`) and
 * its project (`projectId`); the plan's size from the tier and `storageSizeMib` ≥ storageGiB × 1024 (do-sizing.ts)
 * with storage autoscaling on; one standby node (automatic failover) when highly available; a weekly maintenance
 * window; the database tier's tag plus the stack's tags; trusted sources (`DatabaseFirewall`) = the app droplets'
 * tag only, never an address range; the app's database and one managed user per login (do-logins.ts: two
 * alternating app users, the migrate user `loom`, the backup user; DigitalOcean generates every password; `doadmin`
 * is the roles step's admin only); slow statements logged from slowQueryMs; a PgBouncer pool in transaction mode
 * when the profile asks, with no fixed user (each client's own login: either app user works through it; the app
 * connects on 25061; migrations and pg_dump connect directly on 25060, because advisory locks and session state
 * break in transaction mode); a read-only replica in the VPC on request (`readerEndpoint`). Credentials go to the
 * stack's secret store (lib/digitalocean.ts `storeSecret`, keys in do-logins.ts), never into the plan. `serverCa`
 * is the cluster's CA (PEM) for verify-full.
 * Cluster, replica and the app's database and user are Pulumi-protected in prod: DigitalOcean has no deletion
 * protection of its own.
 *
 * Not settable on DigitalOcean: point-in-time recovery is fixed at 7 days with daily backups (backupRetentionDays
 * beyond that is Backups' encrypted pg_dumps), storage autoscaling has no ceiling (maxStorageGiB), there is no
 * query-insights product (performanceInsights).
 */
import { DatabaseCluster } from "@pulumi/digitalocean/databaseCluster";
import { DatabaseConnectionPool } from "@pulumi/digitalocean/databaseConnectionPool";
import { DatabaseDb } from "@pulumi/digitalocean/databaseDb";
import { DatabaseFirewall } from "@pulumi/digitalocean/databaseFirewall";
import { DatabasePostgresqlConfig } from "@pulumi/digitalocean/databasePostgresqlConfig";
import { DatabaseReplica } from "@pulumi/digitalocean/databaseReplica";
import { DatabaseUser } from "@pulumi/digitalocean/databaseUser";
import { getDatabaseCaOutput } from "@pulumi/digitalocean/getDatabaseCa";
import * as pulumi from "@pulumi/pulumi";
import { handleFor, invalid, orInvalid } from "../lib/component";
import type { DatabaseAccess, DatabaseLogin } from "../lib/db-roles";
import { DO_PORTS, type DoScope, doScope, storeSecret } from "../lib/digitalocean";
import type { DigitalOceanNetworkPlacement } from "../network/digitalocean";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";
import { DO_LOGIN_KEYS, DO_MANAGED_USERS, type DoLoginUse, doRoleLogins } from "./do-logins";
import {
  databaseNameProblem,
  PG_MAINTENANCE_WINDOW,
  PG_STORAGE_AUTOSCALE,
  pgMajorVersion,
  pgNodeCount,
  pgPlan,
  poolSize,
  storageSizeMib,
} from "./do-sizing";

/** What Observability on DigitalOcean builds database alerts from. */
export interface DigitalOceanDatabaseMonitoring {
  cloud: "digitalocean";
  /** Database cluster ids (uuid) the `v1/dbaas/alerts/*` policies watch: the primary, then the replica. */
  clusterIds: pulumi.Output<string>[];
}

/** What Backups on DigitalOcean protects. */
export interface DigitalOceanDatabaseBackupTargets {
  cloud: "digitalocean";
  /** The primary cluster's id (uuid). */
  clusterId: pulumi.Output<string>;
  /** The primary's private (VPC) host; pg_dump connects directly on `port`, never through a pool. */
  privateHost: pulumi.Output<string>;
  /** The direct port (25060). */
  port: number;
}

interface PgScope extends DoScope {
  args: ResolvedDatabaseArgs;
  placement: DigitalOceanNetworkPlacement;
  slug: string;
  storageMib: string;
  /** The database tier's tag (the network's) and the stack's tags. */
  clusterTags: pulumi.Input<string>[];
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedDatabaseArgs): DatabaseOutputs {
  const nameProblem = databaseNameProblem(args.databaseName, args.connectionPooler);
  if (nameProblem) invalid("databaseName", nameProblem);
  const placement = handleFor("network.placement", args.network.placement, "digitalocean");
  const scope = doScope(parent, name, args, "database");
  const s: PgScope = {
    ...scope,
    args,
    placement,
    slug: orInvalid("tier", () => pgPlan(args.tier)).slug,
    storageMib: orInvalid("storageGiB", () => storageSizeMib(args.tier, args.storageGiB)),
    clusterTags: [args.network.tiers.database, ...scope.tags],
  };
  const version = orInvalid("engineVersion", () => pgMajorVersion(args.engineVersion));

  const cluster = pgCluster(s, version);
  new DatabaseFirewall(
    `${name}-pg-firewall`,
    // Trusted sources: the droplets carrying the app tag (web, worker, jobs, backup), nothing by address.
    { clusterId: cluster.id, rules: [{ type: "tag", value: placement.tags.app }] },
    s.opts(),
  );
  const db = new DatabaseDb(`${name}-pg-db`, { clusterId: cluster.id, name: args.databaseName }, s.opts(true));
  const logins = databaseLogins(s, cluster);
  new DatabasePostgresqlConfig(
    `${name}-pg-config`,
    { clusterId: cluster.id, logMinDurationStatement: args.slowQueryMs },
    s.opts(),
  );
  const pool = args.connectionPooler ? connectionPool(s, cluster, db) : undefined;
  const replica = args.readReplica ? readReplica(s, cluster) : undefined;
  const app = logins[s.platform.target.activeAppLogin === "b" ? "app-b" : "app-a"];
  const access: DatabaseAccess = {
    logins: { web: app, worker: app, migrate: logins.migrate, backup: logins.backup, admin: logins.admin },
    roles: { database: db.name, logins: doRoleLogins() },
  };
  const endpoint = pool ? pool.privateHost : cluster.privateHost;
  return {
    // The VPC (`private-…`) hostnames: the pool's on 25061 when there is one, else the cluster's on 25060.
    endpoint,
    // The app reaches both hosts on one DATABASE_PORT. DigitalOcean's pools run on the primary only, so with the
    // pool the readers use it too and the replica serves failover and DR (docs/digitalocean.md).
    readerEndpoint: replica && !pool ? replica.privateHost : endpoint,
    port: pulumi.output<number>(pool ? DO_PORTS.pool : DO_PORTS.postgres),
    databaseName: db.name,
    // The app's login (the active app user); every workload's own is in `access`.
    credentials: { username: app.username, password: app.password },
    access,
    backupTargets: {
      cloud: "digitalocean",
      clusterId: cluster.id,
      privateHost: cluster.privateHost,
      port: DO_PORTS.postgres,
    },
    // DigitalOcean's own CA, which no system trust store has: the app verifies the server against it (verify-full).
    serverCa: getDatabaseCaOutput({ clusterId: cluster.id }, { parent }).certificate,
    monitoring: { cloud: "digitalocean", clusterIds: [cluster.id, ...(replica ? [replica.uuid] : [])] },
  };
}

function pgCluster(s: PgScope, version: string): DatabaseCluster {
  return new DatabaseCluster(
    `${s.name}-pg`,
    {
      name: `${s.prefix}-pg`,
      engine: "pg",
      version,
      size: s.slug,
      region: s.region,
      nodeCount: pgNodeCount(s.args.highAvailability),
      privateNetworkUuid: s.placement.vpcId,
      projectId: s.platform.projectId,
      storageSizeMib: s.storageMib,
      storageAutoscale: { ...PG_STORAGE_AUTOSCALE },
      maintenanceWindows: [{ ...PG_MAINTENANCE_WINDOW }],
      tags: s.clusterTags,
    },
    // Storage autoscaling grows the disk past storageSizeMib; without this the next update would try to shrink it.
    s.opts(true, { ignoreChanges: ["storageSizeMib"] }),
  );
}

type PasswordLogin = Extract<DatabaseLogin, { auth: "password" }>;

/**
 * Each login's managed user (protected in prod; `loom` keeps the first user's Pulumi name) and both halves of it in
 * the secrets bucket; the admin's halves are the cluster's own doadmin.
 */
function databaseLogins(s: PgScope, cluster: DatabaseCluster): Record<DoLoginUse, PasswordLogin> {
  const store = (use: DoLoginUse, user: pulumi.Input<string>, password: pulumi.Input<string>): PasswordLogin => {
    const keys = DO_LOGIN_KEYS[use];
    // The first user's objects keep their Pulumi names: `<name>-database-user` / `-password`.
    const id = use === "migrate" ? "" : `-${use}`;
    return {
      auth: "password",
      username: storeSecret(s, `${s.name}-database${id}-user`, keys.user, user),
      password: storeSecret(s, `${s.name}-database${id}-password`, keys.password, password),
    };
  };
  const out = {} as Record<DoLoginUse, PasswordLogin>;
  for (const { use, name } of DO_MANAGED_USERS) {
    const resource = use === "migrate" ? `${s.name}-pg-user` : `${s.name}-pg-user-${use}`;
    const user = new DatabaseUser(resource, { clusterId: cluster.id, name }, s.opts(true));
    out[use] = store(use, user.name, user.password);
  }
  out.admin = store("admin", cluster.user, cluster.password);
  return out;
}

/**
 * PgBouncer in transaction mode, named like the database (clients of a DigitalOcean pool name the pool as their
 * database, so DATABASE_NAME is right either way). No fixed `user`: each session logs in as its client's own
 * login, so both alternating app users work through the pool.
 */
function connectionPool(s: PgScope, cluster: DatabaseCluster, db: DatabaseDb): DatabaseConnectionPool {
  return new DatabaseConnectionPool(
    `${s.name}-pg-pool`,
    {
      clusterId: cluster.id,
      name: s.args.databaseName,
      mode: "transaction",
      size: poolSize(s.args.tier),
      dbName: db.name,
    },
    s.opts(),
  );
}

/** A read-only node in the primary's region and VPC (the DR copy is Backups': dumps to a second region). */
function readReplica(s: PgScope, cluster: DatabaseCluster): DatabaseReplica {
  return new DatabaseReplica(
    `${s.name}-pg-replica`,
    {
      clusterId: cluster.id,
      name: `${s.prefix}-pg-replica`,
      region: s.region,
      size: s.slug,
      privateNetworkUuid: s.placement.vpcId,
      storageSizeMib: s.storageMib,
      tags: s.clusterTags,
    },
    s.opts(true, { ignoreChanges: ["storageSizeMib"] }),
  );
}
