/**
 * Database: PostgreSQL 16+, private, TLS-only, encrypted at rest, with point-in-time recovery.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | CloudNativePG `Cluster` (TLS from the namespace CA, 1/2/3 instances, PITR WAL archive to an object store), PgBouncer `Pooler`, PodMonitor |
 * | aws | RDS PostgreSQL (customer KMS key, rds.force_ssl, managed master secret, Multi-AZ in prod, read replica, RDS Proxy, Performance Insights, enhanced monitoring) |
 * | gcp | Cloud SQL PostgreSQL (private services access only, ENCRYPTED_ONLY with a CAS-issued certificate for its DNS name, CMEK, PITR, REGIONAL in prod, read replica, Query Insights, Cloud SQL IAM database authentication for every workload, the built-in admin's generated password in Secret Manager for the roles job only; no pooler: it takes no IAM logins) |
 * | azure | PostgreSQL Flexible Server (VNet integration in a delegated subnet + private DNS zone, TLS and slow log pinned as server parameters, Entra auth for every app workload's managed identity and a roles identity as second Entra administrator, the generated password administrator in Key Vault for the backup job and break-glass only, ≥ 7-day PITR geo-redundant with DR, auto-grow storage, zone-redundant HA in prod, read replica, PgBouncer on 6432, Query Store) |
 */
import type * as pulumi from "@pulumi/pulumi";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import type { DatabaseAccess } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";
import type { NetworkOutputs } from "../network";
import type { Tier } from "../profiles";
import type { AwsDatabaseBackupTargets, AwsDatabaseMonitoring } from "./aws";
import type { AzureDatabaseBackupTargets, AzureDatabaseMonitoring } from "./azure";
import type { DigitalOceanDatabaseBackupTargets, DigitalOceanDatabaseMonitoring } from "./digitalocean";
import type { GcpDatabaseBackupTargets, GcpDatabaseMonitoring } from "./gcp";
import type { KubernetesDatabaseBackupTargets, KubernetesDatabaseMonitoring } from "./kubernetes";

export interface DatabaseArgs extends BaseArgs {
  /** The network to live in (private data subnets and the database tier's identity). */
  network: NetworkOutputs;
  /** PostgreSQL major (or major.minor) version, 16 or newer. @default "16" */
  engineVersion?: string;
  /** Cloud-neutral size class. @default "small" */
  tier?: Tier;
  /** Allocated storage in GiB. @default 20 */
  storageGiB?: number;
  /** Storage autoscaling ceiling in GiB. @default - 2.5 × storageGiB */
  maxStorageGiB?: number;
  /** Synchronous standby in another zone. @default false */
  highAvailability?: boolean;
  /** An asynchronous read replica. @default false */
  readReplica?: boolean;
  /** A managed connection pooler; the app connects to it instead of the instance. @default false */
  connectionPooler?: boolean;
  /** Days of automated backups (the point-in-time recovery window), 1–35. @default 7 */
  backupRetentionDays?: number;
  /** Query telemetry and OS metrics. @default false */
  performanceInsights?: boolean;
  /** Refuse deletion at the cloud API. @default false */
  deletionProtection?: boolean;
  /** Log statements slower than this (ms); 0 logs all, -1 none. @default 500 */
  slowQueryMs?: number;
  /** Database created for the app. @default "loom" */
  databaseName?: string;
  /** Days to keep the database's exported logs. @default 30 */
  logRetentionDays?: number;
}

export type ResolvedDatabaseArgs = Required<Omit<DatabaseArgs, keyof BaseArgs>> & ResolvedBase;

/** What the same cloud's Observability reads to build alerts and dashboards (declared beside each cloud file). */
export type DatabaseMonitoring =
  | AwsDatabaseMonitoring
  | GcpDatabaseMonitoring
  | AzureDatabaseMonitoring
  | DigitalOceanDatabaseMonitoring
  | KubernetesDatabaseMonitoring;
/** What the same cloud's Backups protects (AWS: DB instance ARNs; Kubernetes: the CNPG cluster and its store). */
export type DatabaseBackupTargets =
  | AwsDatabaseBackupTargets
  | GcpDatabaseBackupTargets
  | AzureDatabaseBackupTargets
  | DigitalOceanDatabaseBackupTargets
  | KubernetesDatabaseBackupTargets;

export interface DatabaseOutputs {
  /** Host the app connects to for writes (the pooler when there is one). */
  endpoint: pulumi.Output<string>;
  /** Host for read-only queries (the replica when there is one, else the writer). */
  readerEndpoint: pulumi.Output<string>;
  port: pulumi.Output<number>;
  databaseName: pulumi.Output<string>;
  /** Where the app's database credentials live (never the values). */
  credentials: { username: SecretRef; password: SecretRef };
  /** Each workload's login and the roles step's SQL (components/lib/db-roles.ts). */
  access: DatabaseAccess;
  /** What the same cloud's Backups protects. */
  backupTargets: DatabaseBackupTargets;
  /**
   * PEM bundle of the CAs the server certificates chain to, where no system trust store has them (GCP: Cloud SQL's
   * Google-managed CAS CA); undefined elsewhere. The app verifies the server against it (verify-full).
   */
  serverCa?: pulumi.Output<string>;
  /** Identifiers the same cloud's Observability uses to build alerts. */
  monitoring: DatabaseMonitoring;
}

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedDatabaseArgs, DatabaseOutputs>;

export class Database extends LoomComponent<ResolvedDatabaseArgs, DatabaseOutputs> implements DatabaseOutputs {
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly readerEndpoint: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly databaseName: pulumi.Output<string>;
  declare readonly credentials: { username: SecretRef; password: SecretRef };
  declare readonly access: DatabaseAccess;
  declare readonly backupTargets: DatabaseBackupTargets;
  declare readonly serverCa?: pulumi.Output<string>;
  declare readonly monitoring: DatabaseMonitoring;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Database", name, Database.resolve(args), opts);
  }

  static resolve(args: DatabaseArgs): ResolvedDatabaseArgs {
    const engineVersion = args.engineVersion ?? "16";
    const major = Number(engineVersion.split(".")[0]);
    if (!(major >= 16)) invalid("engineVersion", `must be PostgreSQL 16 or newer, got "${engineVersion}"`);
    const storageGiB = args.storageGiB ?? 20;
    const maxStorageGiB = args.maxStorageGiB ?? Math.ceil(storageGiB * 2.5);
    if (maxStorageGiB < storageGiB) invalid("maxStorageGiB", `must be ≥ storageGiB (${storageGiB})`);
    const backupRetentionDays = args.backupRetentionDays ?? 7;
    if (backupRetentionDays < 1 || backupRetentionDays > 35) {
      invalid("backupRetentionDays", `must be 1 to 35 (point-in-time recovery needs ≥ 1), got ${backupRetentionDays}`);
    }
    return {
      ...resolveBase(args),
      network: args.network,
      engineVersion,
      tier: args.tier ?? "small",
      storageGiB,
      maxStorageGiB,
      highAvailability: args.highAvailability ?? false,
      readReplica: args.readReplica ?? false,
      connectionPooler: args.connectionPooler ?? false,
      backupRetentionDays,
      performanceInsights: args.performanceInsights ?? false,
      deletionProtection: args.deletionProtection ?? false,
      slowQueryMs: args.slowQueryMs ?? 500,
      databaseName: args.databaseName ?? "loom",
      logRetentionDays: args.logRetentionDays ?? 30,
    };
  }
}
