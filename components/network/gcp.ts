/**
 * Network on GCP: one custom-mode VPC for the stack, with
 *
 * - a regional app subnet (the only subnet: GCP subnets span the region's zones) with Private Google Access and VPC
 *   flow logs, which Cloud Run's Direct VPC egress (web, worker, migrate, the backup job) sends its traffic through;
 * - private services access: a reserved `VPC_PEERING` range and the Service Networking connection Cloud SQL (private
 *   IP) and Memorystore (`PRIVATE_SERVICE_ACCESS`) are placed on; both must depend on `placement.privateServices`;
 * - a Cloud Router with Cloud NAT for the app subnet only (Google-allocated addresses, or `loom:gcp.natStaticIps`
 *   reserved ones, MANUAL_ONLY, for providers that allow-list callers), logging every translation;
 * - egress firewall rules between tiers by network tag, deny-all below them, no ingress rule (gcp-firewall.ts);
 * - the network's logs in their own log bucket with `flowLogRetentionDays` (gcp-flow-logs.ts).
 *
 * The address plan (gcp-addresses.ts) carves the subnet and the private services range from `loom:network.cidr`.
 * Cloud NAT is regional and spans zones, so `natGateways` has no GCP equivalent, and `zones` places nothing here
 * (zonal spread is Cloud SQL REGIONAL and Memorystore STANDARD_HA). `ingressCidrs` and `appPort` shape no rule: the
 * load balancer reaches Cloud Run through a serverless NEG outside the VPC, so Cloud Armor (the edge) enforces the
 * client ranges. Logical names are identity: renaming one replaces the resource.
 */
import { Address } from "@pulumi/gcp/compute/address";
import { GlobalAddress } from "@pulumi/gcp/compute/globalAddress";
import { Network } from "@pulumi/gcp/compute/network";
import { Router } from "@pulumi/gcp/compute/router";
import { RouterNat } from "@pulumi/gcp/compute/routerNat";
import { Subnetwork } from "@pulumi/gcp/compute/subnetwork";
import { Connection } from "@pulumi/gcp/servicenetworking/connection";
import * as pulumi from "@pulumi/pulumi";
import { orInvalid, requireWholeDays } from "../lib/component";
import { type GcpScope, gcpScope } from "../lib/gcp";
import { fit as fitName } from "../naming";
import type { NetworkOutputs, NetworkTiers, ResolvedNetworkArgs } from ".";
import { planGcpAddresses } from "./gcp-addresses";
import { firewallRules, type GcpTier, tierTag } from "./gcp-firewall";
import { MAX_LOG_RETENTION_DAYS, MIN_LOG_RETENTION_DAYS, networkLogs } from "./gcp-flow-logs";

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

/**
 * VPC flow-log sampling as CIS GCP 3.8 asks: every flow (sampling 1), 5-second aggregation, all metadata, no filter
 * (the AWS flow log records ALL traffic too).
 */
export const FLOW_LOG_CONFIG = {
  aggregationInterval: "INTERVAL_5_SEC",
  flowSampling: 1,
  metadata: "INCLUDE_ALL_METADATA",
} as const;

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedNetworkArgs): NetworkOutputs {
  const s = gcpScope(parent, name, args, "network");
  // Fail before any child exists, naming the argument.
  const days = args.flowLogRetentionDays;
  requireWholeDays("flowLogRetentionDays", days, MIN_LOG_RETENTION_DAYS, MAX_LOG_RETENTION_DAYS, "(Cloud Logging)");
  const plan = orInvalid("cidr", () => planGcpAddresses(args.cidr));

  const network = new Network(
    `${name}-vpc`,
    {
      project: s.project,
      name: fitName(s.prefix, 63),
      description: `${s.prefix}: the stack's VPC`,
      // The default (true) creates a subnet in every region.
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
      // The default internet route carries Cloud NAT's egress and Private Google Access.
      deleteDefaultRoutesOnCreate: false,
    },
    s.opts(),
  );
  const subnetName = fitName(`${s.prefix}-app`, 63);
  const subnet = new Subnetwork(
    `${name}-app`,
    {
      project: s.project,
      region: s.region,
      network: network.id,
      name: subnetName,
      description: "Cloud Run Direct VPC egress: web, worker, migrate and the backup job",
      purpose: "PRIVATE",
      stackType: "IPV4_ONLY",
      ipCidrRange: plan.app,
      privateIpGoogleAccess: true,
      logConfig: { ...FLOW_LOG_CONFIG },
    },
    s.opts(),
  );
  const psa = privateServices(s, network, plan.privateServicesAddress, plan.privateServicesPrefixLength);
  const natName = cloudNat(s, network, subnet);
  firewallRules(s, network, plan.privateServices);
  networkLogs(s, { subnetwork: subnetName, natGateway: natName }, days);

  return {
    networkId: network.id,
    cidr: pulumi.output(args.cidr),
    zones: [],
    placement: {
      cloud: "gcp",
      region: s.region,
      network: network.id,
      networkName: network.name,
      appSubnetwork: subnet.id,
      privateServices: psa.connection,
      privateServicesRange: psa.range.name,
    },
    tiers: tiersOf(s.prefix),
  };
}

/** Each tier's network tag, as an Output like every other cloud's tier identity. */
function tiersOf(prefix: string): NetworkTiers {
  const tag = (tier: GcpTier) => pulumi.output(tierTag(prefix, tier));
  return { edge: tag("edge"), app: tag("app"), database: tag("database"), cache: tag("cache"), backup: tag("backup") };
}

/**
 * The reserved range and the Service Networking peering Cloud SQL and Memorystore get their addresses from.
 * On destroy, Cloud SQL keeps producer resources behind the connection for days after an instance is deleted, so
 * deleting the connection can fail ("Producer services … are still using this connection"). Provider 9.37 has no
 * deletion policy that removes the peering (ABANDON leaves it, and then the VPC cannot be deleted), so the default
 * stays: remove the `servicenetworking-googleapis-com` peering by hand and destroy again.
 */
function privateServices(
  s: GcpScope,
  network: Network,
  address: string,
  prefixLength: number,
): { range: GlobalAddress; connection: Connection } {
  const range = new GlobalAddress(
    `${s.name}-psa`,
    {
      project: s.project,
      name: fitName(`${s.prefix}-psa`, 63),
      description: "Private services access: Cloud SQL and Memorystore addresses",
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address,
      prefixLength,
      network: network.id,
      labels: s.labels,
    },
    s.opts(),
  );
  const connection = new Connection(
    `${s.name}-psa`,
    { network: network.id, service: "servicenetworking.googleapis.com", reservedPeeringRanges: [range.name] },
    s.opts(),
  );
  return { range, connection };
}

/** Cloud Router + Cloud NAT for the app subnet; returns the NAT gateway's name (its logs' `gateway_name`). */
function cloudNat(s: GcpScope, network: Network, subnet: Subnetwork): string {
  const router = new Router(
    `${s.name}-router`,
    {
      project: s.project,
      region: s.region,
      network: network.id,
      name: fitName(`${s.prefix}-router`, 63),
      description: "Cloud NAT for the app subnet",
    },
    s.opts(),
  );
  // Reserved addresses are protected in prod: a provider's allow-list names them.
  const addresses = Array.from(
    { length: s.platform.target.natStaticIps },
    (_, i) =>
      new Address(
        `${s.name}-nat-${i}`,
        {
          project: s.project,
          region: s.region,
          name: fitName(`${s.prefix}-nat-${i}`, 63),
          description: "Cloud NAT egress address (allow-listed by LLM providers)",
          addressType: "EXTERNAL",
          networkTier: "PREMIUM",
          labels: s.labels,
        },
        s.opts(true),
      ),
  );
  const natName = fitName(`${s.prefix}-nat`, 63);
  new RouterNat(
    `${s.name}-nat`,
    {
      project: s.project,
      region: s.region,
      router: router.name,
      name: natName,
      ...(addresses.length > 0
        ? { natIpAllocateOption: "MANUAL_ONLY", natIps: addresses.map((a) => a.selfLink) }
        : { natIpAllocateOption: "AUTO_ONLY" }),
      // Only the app subnet egresses to the internet; nothing else in the VPC gets a translation.
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
      // Ports grow with demand (many concurrent LLM calls per instance); dynamic allocation requires EIM off.
      enableDynamicPortAllocation: true,
      enableEndpointIndependentMapping: false,
      minPortsPerVm: 64,
      logConfig: { enable: true, filter: "ALL" },
    },
    s.opts(),
  );
  return natName;
}
