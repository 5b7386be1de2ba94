/**
 * Network on GCP — STUB written with the contract; the network helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";

/** Where GCP components put their resources. */
export interface GcpNetworkPlacement {
  cloud: "gcp";
  region: string;
  /** The VPC's id, `projects/<p>/global/networks/<name>` (Cloud SQL `privateNetwork`, Redis `authorizedNetwork`). */
  network: pulumi.Output<string>;
  /** The VPC's name (Cloud Run Direct VPC egress `networkInterfaces[].network`, monitoring filters). */
  networkName: pulumi.Output<string>;
  /** The regional subnet Cloud Run services and jobs egress through (Direct VPC egress), as its id. */
  appSubnetwork: pulumi.Output<string>;
  /** The private services access connection: Cloud SQL and Memorystore must depend on it. */
  privateServices: pulumi.Resource;
  /** Name of the reserved range of private services access (Redis `reservedIpRange`). */
  privateServicesRange: pulumi.Output<string>;
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedNetworkArgs): NetworkOutputs {
  throw new Error("Network on gcp: not built yet");
}
