/**
 * Pure NSG rules of the Azure network, one list per subnet (no Pulumi, no SDK; tested in
 * tests/components/network.azure.spec.ts). The subnets are the tiers (NetworkTiers on Azure are subnet ids), so
 * every rule names a subnet range, never a whole network.
 *
 * Inbound only; outbound keeps Azure's default rules (VNet and Internet allowed): Container Apps, the Application
 * Gateway v2 and PostgreSQL all need outbound endpoints Microsoft lists and changes (AAD, MCR, monitoring), and
 * egress leaves through the NAT gateway's one address. Azure's default inbound rules (AllowVnetInBound 65000,
 * AllowAzureLoadBalancerInBound 65001, DenyAllInBound 65500) would admit every subnet of the VNet, so each NSG ends
 * with a `deny-vnet-inbound` at 4096 below its allow rules: a subnet is reached only by the tiers that need it.
 *
 * The gateway subnet has an NSG too (Application Gateway v2 supports one when it admits GatewayManager on
 * 65200-65535 and the Azure load balancer): it admits clients on 80/443 from `ingressCidrs` only ("Internet"
 * when they include 0.0.0.0/0) and denies every other Internet source. No rule admits Internet anywhere else.
 */
import type { AzureAddressPlan } from "./azure-addresses";

export interface AzureSecurityRule {
  name: string;
  description: string;
  priority: number;
  direction: "Inbound";
  access: "Allow" | "Deny";
  protocol: "Tcp" | "*";
  sourcePortRange: "*";
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix: string;
  destinationPortRange?: string;
  destinationPortRanges?: string[];
}

export type AzureSubnetRole = "gateway" | "apps" | "database" | "endpoints" | "containerGroups";

/** Ports: PostgreSQL direct and through PgBouncer; Key Vault (HTTPS) and Azure Managed Redis (TLS). */
export const POSTGRES_PORTS = ["5432", "6432"];
export const ENDPOINT_PORTS = ["443", "10000"];

type Source = Pick<AzureSecurityRule, "sourceAddressPrefix" | "sourceAddressPrefixes">;
type Ports = Pick<AzureSecurityRule, "destinationPortRange" | "destinationPortRanges">;

const from = (prefixes: string[]): Source =>
  prefixes.length === 1 ? { sourceAddressPrefix: prefixes[0] as string } : { sourceAddressPrefixes: prefixes };
const ports = (list: string[]): Ports =>
  list.length === 1 ? { destinationPortRange: list[0] as string } : { destinationPortRanges: list };

function allow(
  name: string,
  description: string,
  priority: number,
  source: Source,
  to: string,
  on: Ports,
  protocol: "Tcp" | "*" = "Tcp",
): AzureSecurityRule {
  return {
    name,
    description,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol,
    sourcePortRange: "*",
    ...source,
    destinationAddressPrefix: to,
    ...on,
  };
}

function deny(name: string, description: string, source: string): AzureSecurityRule {
  return {
    name,
    description,
    priority: 4096,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourcePortRange: "*",
    sourceAddressPrefix: source,
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
  };
}

const ANY = ports(["*"]);
const loadBalancer = (priority: number, to: string) =>
  allow("allow-azure-load-balancer", "Azure's health probes", priority, from(["AzureLoadBalancer"]), to, ANY, "*");
const denyVnet = (what: string) =>
  deny("deny-vnet-inbound", `Nothing else in the VNet reaches ${what}`, "VirtualNetwork");

/** Client ranges as one NSG source: the Internet service tag when they include everything. */
export function clientSource(ingressCidrs: string[]): Source {
  return ingressCidrs.includes("0.0.0.0/0") ? { sourceAddressPrefix: "Internet" } : from(ingressCidrs);
}

/** Application Gateway v2's required sources, then clients on 80/443 only; no other Internet source. */
function gatewayRules(plan: AzureAddressPlan, ingressCidrs: string[]): AzureSecurityRule[] {
  return [
    allow(
      "allow-gateway-manager",
      "Application Gateway v2 infrastructure (required)",
      100,
      from(["GatewayManager"]),
      "*",
      ports(["65200-65535"]),
    ),
    loadBalancer(110, "*"),
    allow(
      "allow-clients",
      "Clients (ingressCidrs) to the listeners",
      120,
      clientSource(ingressCidrs),
      plan.gateway,
      ports(["80", "443"]),
    ),
    deny("deny-internet-inbound", "No other port is open to the Internet", "Internet"),
  ];
}

/**
 * The inbound rules of each subnet's NSG. `containerGroups` is the ACI runner's subnet when it exists
 * (`migrateRunner: aci`): it reaches the database and the endpoints like the apps subnet.
 */
export function securityRules(
  plan: AzureAddressPlan,
  ingressCidrs: string[],
  containerGroups: boolean,
): Record<AzureSubnetRole, AzureSecurityRule[]> {
  const clients = containerGroups ? [plan.apps, plan.containerGroups] : [plan.apps];
  return {
    gateway: gatewayRules(plan, ingressCidrs),
    apps: [
      allow(
        "allow-gateway",
        "The Application Gateway to the environment's load balancer",
        100,
        from([plan.gateway]),
        plan.apps,
        ports(["80", "443"]),
      ),
      allow("allow-apps", "The environment's own nodes and replicas", 110, from([plan.apps]), plan.apps, ANY, "*"),
      loadBalancer(120, plan.apps),
      denyVnet("the apps"),
    ],
    database: [
      allow(
        "allow-app-postgres",
        "Web, worker, migrate and the backup job to PostgreSQL and PgBouncer",
        100,
        from(clients),
        plan.database,
        ports(POSTGRES_PORTS),
      ),
      allow(
        "allow-database",
        "Primary, standby and replica replication",
        110,
        from([plan.database]),
        plan.database,
        ANY,
        "*",
      ),
      loadBalancer(120, plan.database),
      denyVnet("the database"),
    ],
    endpoints: [
      allow(
        "allow-app-endpoints",
        "The apps to Key Vault (443) and Redis (10000)",
        100,
        from(clients),
        plan.endpoints,
        ports(ENDPOINT_PORTS),
      ),
      allow(
        "allow-gateway-vault",
        "The Application Gateway to Key Vault (its certificate)",
        110,
        from([plan.gateway]),
        plan.endpoints,
        ports(["443"]),
      ),
      denyVnet("the private endpoints"),
    ],
    containerGroups: [denyVnet("the migrate container group")],
  };
}
