/**
 * Database on DigitalOcean — STUB written with the contract; the database helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";

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

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedDatabaseArgs): DatabaseOutputs {
  throw new Error("Database on digitalocean: not built yet");
}
