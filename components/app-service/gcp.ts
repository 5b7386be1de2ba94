/**
 * AppService on GCP — STUB written with the contract; the app-service helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";

/** What Observability on GCP builds Cloud Run / load balancer alerts, dashboards and uptime checks from. */
export interface GcpAppMonitoring {
  cloud: "gcp";
  region: string;
  /** Cloud Run service names (the `service_name` label of run.googleapis.com metrics). */
  webService: pulumi.Output<string>;
  workerService: pulumi.Output<string>;
  /** The migrate job's name (`job_name` label). */
  migrateJob: pulumi.Output<string>;
  /** The load balancer's URL map name (`url_map_name` label of loadbalancing.googleapis.com metrics); none in dev. */
  urlMap?: pulumi.Output<string>;
  /** Host name an uptime check on the health path calls (the domain behind the LB, or the run.app host in dev). */
  publicHost: pulumi.Output<string>;
  /** The app's liveness path (`/healthz`). */
  healthPath: string;
}

export function create(
  _parent: pulumi.ComponentResource,
  _name: string,
  _args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  throw new Error("AppService on gcp: not built yet");
}
