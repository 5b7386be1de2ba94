/**
 * Database on Azure — STUB written with the contract; the database helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";

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

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedDatabaseArgs): DatabaseOutputs {
  throw new Error("Database on azure: not built yet");
}
