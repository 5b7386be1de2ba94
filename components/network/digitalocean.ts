/**
 * Network on DigitalOcean — STUB written with the contract; the network helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";

/** Droplet-group tags (lib/digitalocean.ts `groupTag`): firewalls, the load balancer and database rules select by them. */
export interface DigitalOceanGroupTags {
  /** Web droplets (the edge proxy runs there); the load balancer's `dropletTag`. */
  web: string;
  worker: string;
  /** The jobs droplet: migrations, the telemetry collector and the log aggregator. */
  jobs: string;
  /** The logical-backup droplet. */
  backup: string;
  /** The monitor droplet: Prometheus and Alertmanager for the signals DigitalOcean Monitoring cannot measure. */
  monitor: string;
  /** Carried by every droplet that talks to the database and cache (web, worker, jobs, backup). */
  app: string;
}

/** Where DigitalOcean components put their resources. */
export interface DigitalOceanNetworkPlacement {
  cloud: "digitalocean";
  region: string;
  /** The stack's VPC (uuid): every droplet, pool template, database cluster and load balancer joins it. */
  vpcId: pulumi.Output<string>;
  /** The VPC's range (the load balancer reaches the droplets from it). */
  vpcCidr: string;
  tags: DigitalOceanGroupTags;
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedNetworkArgs): NetworkOutputs {
  throw new Error("Network on digitalocean: not built yet");
}
