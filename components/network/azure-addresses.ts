/**
 * Pure address plan of the Azure network (no Pulumi, no SDK; tested in tests/components/network.azure.spec.ts).
 *
 * The VNet takes `loom:network.cidr` (/16 to /20) as its address space; subnets are regional, so there is one of
 * each whatever `zones` says. Counted in /24 slots from the start of the range (a /20 has 16):
 *
 * | slots | subnet | size | /16 example (10.40.0.0/16) |
 * |---|---|---|---|
 * | 0–1 | apps: the Container Apps environment's infrastructure (delegated to Microsoft.App/environments) | /23 | 10.40.0.0/23 |
 * | 2 | gateway: the Application Gateway v2 (Microsoft recommends a /24 for autoscaling) | /24 | 10.40.2.0/24 |
 * | 3 | database: delegated to Microsoft.DBforPostgreSQL/flexibleServers (primary, standby, replica) | /24 | 10.40.3.0/24 |
 * | 4 | endpoints: private endpoints (Key Vault, Redis) | /24 | 10.40.4.0/24 |
 * | 5 | containerGroups: delegated to Microsoft.ContainerInstance/containerGroups (`migrateRunner: aci` only) | /24 | 10.40.5.0/24 |
 *
 * A workload-profiles environment needs at least a /27; the /23 leaves room for the Consumption profile's replicas
 * (each takes an address) at every size the plan allows. A subnet delegated to Container Instances can hold only
 * container groups, so the ACI runner gets its own subnet rather than the endpoints one. Positions never move, so
 * adding a subnet never replaces one; the rest of the range stays free.
 */
import { parseCidr } from "../lib/cidr";
import { cidrSubnet, MAX_VPC_PREFIX, MIN_VPC_PREFIX } from "./subnets";

export interface AzureAddressPlan {
  apps: string;
  gateway: string;
  database: string;
  endpoints: string;
  containerGroups: string;
}

export function planAzureAddresses(cidr: string): AzureAddressPlan {
  const { prefix } = parseCidr(cidr);
  if (prefix < MIN_VPC_PREFIX || prefix > MAX_VPC_PREFIX) {
    throw new Error(`"${cidr}" must be a /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX} network, got /${prefix}`);
  }
  const slot = (i: number) => cidrSubnet(cidr, 24 - prefix, i);
  return {
    apps: cidrSubnet(cidr, 23 - prefix, 0),
    gateway: slot(2),
    database: slot(3),
    endpoints: slot(4),
    containerGroups: slot(5),
  };
}
