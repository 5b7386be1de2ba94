/**
 * Network on Azure — STUB written with the contract; the network helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";

/** Private DNS zones the network creates and links to the VNet (privatedns:PrivateZone ids). */
export interface AzurePrivateZones {
  /** `<name>.private.postgres.database.azure.com` zone for the Flexible Server's VNet integration. */
  postgres: pulumi.Output<string>;
  /** `privatelink.redis.azure.net`: Azure Managed Redis private endpoint. */
  redis: pulumi.Output<string>;
  /** `privatelink.vaultcore.azure.net`: the Key Vault private endpoint. */
  vault: pulumi.Output<string>;
}

/** Where Azure components put their resources. */
export interface AzureNetworkPlacement {
  cloud: "azure";
  vnetId: pulumi.Output<string>;
  subnets: {
    /** The Application Gateway's own subnet (no NSG rules beyond what AGW v2 needs). */
    gateway: pulumi.Output<string>;
    /** The Container Apps environment's infrastructure subnet (delegated to Microsoft.App/environments, NAT). */
    apps: pulumi.Output<string>;
    /** Delegated to Microsoft.DBforPostgreSQL/flexibleServers (VNet integration). */
    database: pulumi.Output<string>;
    /** Private endpoints (Redis, Key Vault) and the migrate runner's ACI group when `migrateRunner: aci`. */
    endpoints: pulumi.Output<string>;
  };
  privateZones: AzurePrivateZones;
  /** The NAT gateway's static public IP address (LLM providers' allow-lists). */
  egressIp: pulumi.Output<string>;
}

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedNetworkArgs): NetworkOutputs {
  throw new Error("Network on azure: not built yet");
}
