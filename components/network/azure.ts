/**
 * Network on Azure: one VNet for the stack (`loom:network.cidr`), with
 *
 * - four subnets (azure-addresses.ts): gateway (the Application Gateway v2), apps (the Container Apps environment,
 *   delegated to Microsoft.App/environments), database (delegated to Microsoft.DBforPostgreSQL/flexibleServers)
 *   and endpoints (private endpoints); a fifth, containerGroups (delegated to Container Instances), when
 *   `loom:azure.migrateRunner` is `aci`;
 * - an NSG on every subnet (azure-security.ts): only 80/443 from `ingressCidrs` to the gateway, and
 *   GatewayManager's 65200-65535 that Application Gateway v2 requires; each other subnet admits only the tiers that
 *   use it;
 * - a Standard NAT gateway with one static Standard public IP (protected in prod: providers allow-list it) on the
 *   apps and containerGroups subnets, `defaultOutboundAccess: false` on them and on the endpoints subnet, so the
 *   NAT address is the workloads' only way out. The gateway egresses through its own public IP; the database subnet
 *   keeps Azure's default outbound access, which the Flexible Server uses to reach Entra ID (token validation) and
 *   Azure Storage (WAL archive) — the service manages that path, and nothing of ours runs there;
 * - the VNet flow log, its storage account and traffic analytics (azure-flow-logs.ts);
 * - private DNS zones for PostgreSQL, Redis and Key Vault linked to the VNet, and the vault's private endpoint
 *   (azure-private.ts).
 *
 * Subnets are regional and a subnet takes one NAT gateway, so `zones` and `natGateways` build nothing here. A
 * Standard NAT gateway is zonal (or, without zones, placed by Azure in one zone): a zone outage takes egress with
 * it. StandardV2 (zone-redundant) is not in the 2024-05-01 API of azure-native 3.28; move to it once it is. Subnets
 * are created one after another: ARM refuses concurrent writes to one VNet (AnotherOperationInProgress). Logical
 * names are identity: renaming one replaces the resource.
 */
import { NatGateway } from "@pulumi/azure-native/network/natGateway";
import { NetworkSecurityGroup } from "@pulumi/azure-native/network/networkSecurityGroup";
import { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress";
import { Subnet } from "@pulumi/azure-native/network/subnet";
import { VirtualNetwork } from "@pulumi/azure-native/network/virtualNetwork";
import * as pulumi from "@pulumi/pulumi";
import { type AzureScope, azureScope, diagnostics } from "../lib/azure";
import { orInvalid, requireWholeDays } from "../lib/component";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";
import { type AzureAddressPlan, planAzureAddresses } from "./azure-addresses";
import { flowLog, MAX_FLOW_LOG_DAYS, MIN_FLOW_LOG_DAYS } from "./azure-flow-logs";
import { privateZones, vaultEndpoint } from "./azure-private";
import { type AzureSecurityRule, type AzureSubnetRole, securityRules } from "./azure-security";

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
    /** The Application Gateway's own subnet (its NSG admits GatewayManager, the load balancer and 80/443). */
    gateway: pulumi.Output<string>;
    /** The Container Apps environment's infrastructure subnet (delegated to Microsoft.App/environments, NAT). */
    apps: pulumi.Output<string>;
    /** Delegated to Microsoft.DBforPostgreSQL/flexibleServers (VNet integration). */
    database: pulumi.Output<string>;
    /** Private endpoints (Redis, Key Vault). */
    endpoints: pulumi.Output<string>;
    /**
     * Delegated to Microsoft.ContainerInstance/containerGroups, behind the NAT gateway: the migrate runner's
     * container group when `migrateRunner: aci` (a subnet delegated to ACI holds only container groups, so not
     * the endpoints subnet). Absent otherwise.
     */
    containerGroups?: pulumi.Output<string>;
  };
  privateZones: AzurePrivateZones;
  /** The NAT gateway's static public IP address (LLM providers' allow-lists). */
  egressIp: pulumi.Output<string>;
}

interface SubnetSpec {
  role: AzureSubnetRole;
  cidr: string;
  delegation?: string;
  nat?: boolean;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedNetworkArgs): NetworkOutputs {
  const s = azureScope(parent, name, args, "network");
  // Fail before any child exists, naming the argument.
  const days = args.flowLogRetentionDays;
  requireWholeDays("flowLogRetentionDays", days, MIN_FLOW_LOG_DAYS, MAX_FLOW_LOG_DAYS, "(VNet flow logs)");
  const plan = orInvalid("cidr", () => planAzureAddresses(args.cidr));
  const aci = s.platform.target.migrateRunner === "aci";
  const rules = securityRules(plan, args.ingressCidrs, aci);

  const vnet = new VirtualNetwork(
    `${name}-vnet`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      virtualNetworkName: `${s.prefix}-vnet`,
      addressSpace: { addressPrefixes: [args.cidr] },
      tags: s.tags,
    },
    s.opts(),
  );
  diagnostics(s, `${name}-vnet-diagnostics`, vnet.id);
  const { nat, egressIp } = natGateway(s);

  const specs = subnetSpecs(plan, aci);
  const ids: Partial<Record<AzureSubnetRole, pulumi.Output<string>>> = {};
  let previous: Subnet | undefined;
  for (const spec of specs) {
    previous = subnet(s, vnet, spec, nsg(s, spec.role, rules[spec.role]).id, nat.id, previous);
    ids[spec.role] = previous.id;
  }
  const sub = (role: AzureSubnetRole) => ids[role] as pulumi.Output<string>;

  flowLog(s, vnet.id, days);
  const zones = privateZones(s, vnet.id);
  vaultEndpoint(s, sub("endpoints"), zones.vault);

  return {
    networkId: vnet.id,
    cidr: pulumi.output(args.cidr),
    zones: [],
    placement: {
      cloud: "azure",
      vnetId: vnet.id,
      subnets: {
        gateway: sub("gateway"),
        apps: sub("apps"),
        database: sub("database"),
        endpoints: sub("endpoints"),
        ...(aci ? { containerGroups: sub("containerGroups") } : {}),
      },
      privateZones: zones,
      egressIp,
    },
    // Azure tiers are subnets (their NSGs are the tier rules); the backup job runs in the apps environment.
    tiers: {
      edge: sub("gateway"),
      app: sub("apps"),
      database: sub("database"),
      cache: sub("endpoints"),
      backup: sub("apps"),
    },
  };
}

/** The subnets in creation order; containerGroups only for the ACI migrate runner. */
function subnetSpecs(plan: AzureAddressPlan, aci: boolean): SubnetSpec[] {
  return [
    { role: "gateway", cidr: plan.gateway },
    { role: "apps", cidr: plan.apps, delegation: "Microsoft.App/environments", nat: true },
    { role: "database", cidr: plan.database, delegation: "Microsoft.DBforPostgreSQL/flexibleServers" },
    { role: "endpoints", cidr: plan.endpoints },
    ...(aci
      ? [
          {
            role: "containerGroups",
            cidr: plan.containerGroups,
            delegation: "Microsoft.ContainerInstance/containerGroups",
            nat: true,
          } as const,
        ]
      : []),
  ];
}

function nsg(s: AzureScope, role: AzureSubnetRole, securityRules: AzureSecurityRule[]): NetworkSecurityGroup {
  const group = new NetworkSecurityGroup(
    `${s.name}-${role}-nsg`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      networkSecurityGroupName: `${s.prefix}-${role}`,
      securityRules,
      tags: s.tags,
    },
    s.opts(),
  );
  // NSGs have log categories (events, rule counters) and no metrics.
  diagnostics(s, `${s.name}-${role}-nsg-diagnostics`, group.id, { metrics: false });
  return group;
}

function subnet(
  s: AzureScope,
  vnet: VirtualNetwork,
  spec: SubnetSpec,
  nsgId: pulumi.Output<string>,
  natId: pulumi.Output<string>,
  after: Subnet | undefined,
): Subnet {
  return new Subnet(
    `${s.name}-${spec.role}`,
    {
      resourceGroupName: s.resourceGroupName,
      virtualNetworkName: vnet.name,
      subnetName: spec.role === "containerGroups" ? "container-groups" : spec.role,
      addressPrefix: spec.cidr,
      networkSecurityGroup: { id: nsgId },
      ...(spec.delegation ? { delegations: [{ name: spec.role, serviceName: spec.delegation }] } : {}),
      ...(spec.nat ? { natGateway: { id: natId } } : {}),
      // Workloads leave only through the NAT gateway; gateway and database keep their own outbound (file comment).
      ...(spec.role === "gateway" || spec.role === "database" ? {} : { defaultOutboundAccess: false }),
      // NSG rules apply to private endpoints only with network policies on.
      ...(spec.role === "endpoints" ? { privateEndpointNetworkPolicies: "Enabled" } : {}),
    },
    s.opts(false, after ? { dependsOn: [after] } : {}),
  );
}

/** The Standard NAT gateway and its static Standard public IP (protected: LLM providers allow-list it). */
function natGateway(s: AzureScope): { nat: NatGateway; egressIp: pulumi.Output<string> } {
  const ip = new PublicIPAddress(
    `${s.name}-nat-ip`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      publicIpAddressName: `${s.prefix}-nat`,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      tags: s.tags,
    },
    s.opts(true),
  );
  diagnostics(s, `${s.name}-nat-ip-diagnostics`, ip.id);
  const nat = new NatGateway(
    `${s.name}-nat`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      natGatewayName: `${s.prefix}-nat`,
      sku: { name: "Standard" },
      publicIpAddresses: [{ id: ip.id }],
      tags: s.tags,
    },
    s.opts(),
  );
  // NAT gateways have metrics (SNAT ports, dropped packets) and no log categories.
  diagnostics(s, `${s.name}-nat-diagnostics`, nat.id, { logs: false });
  return { nat, egressIp: ip.ipAddress.apply((a) => a ?? "") };
}
