/**
 * Database on GCP — STUB written with the contract; the database helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";

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
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedDatabaseArgs): DatabaseOutputs {
  throw new Error("Database on gcp: not built yet");
}
