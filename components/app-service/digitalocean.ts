/**
 * AppService on DigitalOcean — STUB written with the contract; the app-service helper replaces the body.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";

/** What Observability on DigitalOcean builds alerts, uptime checks and its monitor droplet from. */
export interface DigitalOceanAppMonitoring {
  cloud: "digitalocean";
  /** The load balancer's id (uuid); none without one (dev: the web droplet terminates TLS). */
  loadBalancerId?: pulumi.Output<string>;
  /** Droplet-group tags (pool members carry them too): `v1/insights/droplet/*` policies select by them. */
  tags: { web: string; worker: string; jobs: string; monitor: string };
  /** Ids of the fixed droplets (dev's web and worker, the jobs droplet). */
  dropletIds: pulumi.Output<string>[];
  /** The public host the uptime check calls (the domain) and the health path. */
  publicHost: string;
  healthPath: string;
  /** The VPC the monitor droplet joins. */
  vpcId: pulumi.Output<string>;
  /** The jobs droplet's collector: Prometheus scrapes `http://<host>:<metricsPort>/metrics` (lib/digitalocean.ts DO_PORTS). */
  collectorHost: pulumi.Output<string>;
}

/** Where other DigitalOcean droplets (backup, monitor) send their logs: the jobs droplet's aggregator. */
export interface DigitalOceanAppRuntime {
  cloud: "digitalocean";
  /** The jobs droplet's private address (the log aggregator and the OTLP collector listen there). */
  collectorHost: pulumi.Output<string>;
}

export function create(
  _parent: pulumi.ComponentResource,
  _name: string,
  _args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  throw new Error("AppService on digitalocean: not built yet");
}
