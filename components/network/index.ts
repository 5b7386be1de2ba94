/**
 * Network: the private address space every other component lives in, and the network identity of each tier.
 *
 * | cloud | what it builds |
 * |---|---|
 * | aws | VPC, public subnets (load balancer only), private app and data subnets per zone, NAT, flow logs, VPC endpoints, one security group per tier |
 * | gcp | Custom-mode VPC, one regional app subnet (Private Google Access, flow logs), private services access (Cloud SQL, Memorystore), Cloud Router + Cloud NAT, egress firewall rules per tier network tag over a deny-all, the network's logs in their own log bucket |
 * | azure | VNet with gateway, apps (Container Apps, NAT), database (PostgreSQL) and endpoints subnets, an NSG per subnet (tier rules; only 80/443 from ingressCidrs and GatewayManager from outside), Standard NAT with a static IP, the VNet flow log with traffic analytics, private DNS zones, the Key Vault's private endpoint |
 * | kubernetes | Namespace (Pod Security `restricted`), default-deny NetworkPolicies + per-tier allow rules, LimitRange, the namespace's private CA (cert-manager) |
 */
import type * as pulumi from "@pulumi/pulumi";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import type { AwsNetworkPlacement } from "./aws";
import type { AzureNetworkPlacement } from "./azure";
import type { DigitalOceanNetworkPlacement } from "./digitalocean";
import type { GcpNetworkPlacement } from "./gcp";
import type { KubernetesNetworkPlacement } from "./kubernetes";

export interface NetworkArgs extends BaseArgs {
  /** The network's address range. @default "10.40.0.0/16" */
  cidr?: string;
  /** Availability zones to spread subnets over (2–6). @default 2 */
  zones?: number;
  /** One NAT gateway for the network, or one per zone. @default "single" */
  natGateways?: "single" | "perZone";
  /** Days to keep network flow logs. @default 30 */
  flowLogRetentionDays?: number;
  /** Client ranges allowed to reach the load balancer on 80/443. @default ["0.0.0.0/0"] */
  ingressCidrs?: string[];
  /** The port the app listens on; only the edge tier may reach it. @default 8080 */
  appPort?: number;
  /**
   * The web droplets terminate TLS themselves (no load balancer): their firewall opens 80/443 to ingressCidrs
   * instead of the edge port to the VPC. DigitalOcean only. @default false
   */
  edgeOnDroplets?: boolean;
}

export type ResolvedNetworkArgs = Required<Omit<NetworkArgs, keyof BaseArgs>> & ResolvedBase;

/** The tiers whose network identity other components reference. */
export interface NetworkTiers {
  /** The load balancer. */
  edge: pulumi.Output<string>;
  /** Web, worker and migrate tasks. */
  app: pulumi.Output<string>;
  database: pulumi.Output<string>;
  cache: pulumi.Output<string>;
  /** The logical-backup job: reaches the database and the object store only. */
  backup: pulumi.Output<string>;
}

export interface NetworkOutputs {
  /** VPC id / VNet id / network self-link / namespace. */
  networkId: pulumi.Output<string>;
  cidr: pulumi.Output<string>;
  /** Zone names in subnet order (empty where the cloud places zones itself). */
  zones: string[];
  /** Where each tier's resources are placed, per cloud (AWS: VPC and subnets; Kubernetes: the namespace). */
  placement: NetworkPlacement;
  /**
   * Each tier's network identity: AWS security group id, Azure application security group id, GCP network tag,
   * Kubernetes pod-selector label value. Rules are written between tiers, never to whole ranges.
   */
  tiers: NetworkTiers;
}

/** Where the other components of the same cloud put their resources; each variant is declared beside its cloud file. */
export type NetworkPlacement =
  | AwsNetworkPlacement
  | GcpNetworkPlacement
  | AzureNetworkPlacement
  | DigitalOceanNetworkPlacement
  | KubernetesNetworkPlacement;

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedNetworkArgs, NetworkOutputs>;

export class Network extends LoomComponent<ResolvedNetworkArgs, NetworkOutputs> implements NetworkOutputs {
  declare readonly networkId: pulumi.Output<string>;
  declare readonly cidr: pulumi.Output<string>;
  declare readonly zones: string[];
  declare readonly placement: NetworkPlacement;
  declare readonly tiers: NetworkTiers;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Network", name, Network.resolve(args), opts);
  }

  static resolve(args: NetworkArgs): ResolvedNetworkArgs {
    const zones = args.zones ?? 2;
    if (!Number.isInteger(zones) || zones < 2 || zones > 6) invalid("zones", `must be 2 to 6, got ${zones}`);
    const ingressCidrs = args.ingressCidrs ?? ["0.0.0.0/0"];
    if (ingressCidrs.length === 0) invalid("ingressCidrs", "must list at least one CIDR");
    return {
      ...resolveBase(args),
      cidr: args.cidr ?? "10.40.0.0/16",
      zones,
      natGateways: args.natGateways ?? "single",
      flowLogRetentionDays: args.flowLogRetentionDays ?? 30,
      ingressCidrs,
      appPort: args.appPort ?? 8080,
      edgeOnDroplets: args.edgeOnDroplets ?? false,
    };
  }
}
