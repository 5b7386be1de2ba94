/**
 * The GCP AppService edge [s+p]: a global external Application Load Balancer (EXTERNAL_MANAGED) in front of the web
 * Cloud Run service, with Cloud Armor (gcp-armor.ts). Work in progress (H5).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { GcpScope } from "../lib/gcp";

export interface GcpEdgeArgs {
  /** The web Cloud Run service's name (the serverless NEG's `cloudRun.service`). */
  webServiceName: pulumi.Output<string>;
  /** loom:domain: the managed certificate's domain and the DNS record's name. */
  domain: string;
  /** Enforce Cloud Armor's preconfigured WAF rules (sqli, xss, …). */
  waf: boolean;
  /** Requests per 5 minutes per client IP before Cloud Armor throttles. */
  rateLimitPer5Min: number;
  /** Client ranges allowed; narrower than 0.0.0.0/0 = allow rules plus a default deny. */
  ingressCidrs: string[];
  /** The app's metrics path, never published at the edge. */
  metricsPath: string;
}

export interface GcpEdge {
  /** https://<domain> */
  url: pulumi.Output<string>;
  /** The load balancer's reserved IPv4 address (point the domain's A record here). */
  edgeHostname: pulumi.Output<string>;
  /** The HTTPS URL map's name (`url_map_name` label of loadbalancing.googleapis.com metrics). */
  urlMap: pulumi.Output<string>;
}

export function gcpEdge(_scope: GcpScope, _args: GcpEdgeArgs): GcpEdge {
  throw new Error("gcpEdge: not built yet");
}
