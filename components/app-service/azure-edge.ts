/**
 * The Azure AppService edge [s+p]: an Application Gateway WAF_v2 in front of the web Container App (body in progress).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "../lib/azure";
import type { AzureNetworkPlacement } from "../network/azure";

export interface AzureEdgeArgs {
  /** The web Container App's FQDN (the backend; end-to-end TLS to it). */
  backendFqdn: pulumi.Output<string>;
  /** loom:domain: the HTTPS listener's host name and the certificate's subject. */
  domain: string;
  /** WAF managed rule sets enforced (Prevention). */
  waf: boolean;
  /** Requests per 5 minutes per client IP before the WAF blocks. */
  rateLimitPer5Min: number;
  /** Client ranges allowed; narrower than 0.0.0.0/0 = an IPMatch allow-list. */
  ingressCidrs: string[];
  /** The app's health path (the backend probe). */
  healthPath: string;
  /** The app's metrics path, never published at the edge. */
  metricsPath: string;
  /** Zones 1, 2, 3 for the gateway and its public IP (prod). */
  zoneRedundant: boolean;
}

export interface AzureEdge {
  /** https://<domain> */
  url: pulumi.Output<string>;
  /** The gateway's static public IP address (point the domain's A record here). */
  edgeHostname: pulumi.Output<string>;
  /** The Application Gateway's resource id (metric alerts' scope). */
  gatewayId: pulumi.Output<string>;
}

export function azureEdge(_scope: AzureScope, _placement: AzureNetworkPlacement, _args: AzureEdgeArgs): AzureEdge {
  throw new Error("azureEdge: not built yet");
}
