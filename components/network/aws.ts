/**
 * Network on AWS: a VPC over `zones` availability zones (the Platform's zone names) with three subnet tiers per
 * zone, NAT, flow logs (aws-flow-logs.ts), VPC endpoints and one security group per tier (aws-security-groups.ts).
 *
 * - public subnets hold only the load balancer (no public IPs on launch); one route table with 0.0.0.0/0 → IGW.
 * - app subnets (tasks) route 0.0.0.0/0 to a NAT gateway (the zone's own with `perZone`, else the single one) and
 *   reach ECR, Secrets Manager, CloudWatch Logs and S3 through VPC endpoints without NAT.
 * - data subnets (database, cache) have route tables with no routes at all: only the VPC-local route exists.
 *
 * Logical names are identity: renaming one replaces the resource (a subnet replacement takes everything in it),
 * so a rename needs `aliases`.
 */
import { DefaultSecurityGroup } from "@pulumi/aws/ec2/defaultSecurityGroup";
import { Eip } from "@pulumi/aws/ec2/eip";
import { InternetGateway } from "@pulumi/aws/ec2/internetGateway";
import { NatGateway } from "@pulumi/aws/ec2/natGateway";
import { RouteTable } from "@pulumi/aws/ec2/routeTable";
import { RouteTableAssociation } from "@pulumi/aws/ec2/routeTableAssociation";
import type { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { Subnet } from "@pulumi/aws/ec2/subnet";
import { Vpc } from "@pulumi/aws/ec2/vpc";
import { VpcEndpoint } from "@pulumi/aws/ec2/vpcEndpoint";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, awsScope } from "../lib/aws";
import { orInvalid } from "../lib/component";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";
import { flowLogs } from "./aws-flow-logs";
import { ANYWHERE, securityGroups } from "./aws-security-groups";
import { pickZones, planSubnets, type SubnetPlan, zoneSuffix } from "./subnets";

/**
 * Interface endpoints that take the app's AWS API traffic off NAT: image pulls (ecr.api + ecr.dkr; layers come
 * from S3 through the gateway endpoint), secrets at task start, and log delivery. KMS and STS are not needed:
 * tasks never call KMS themselves (Secrets Manager and CloudWatch Logs decrypt server-side) and task credentials
 * come from the ECS credential endpoint, not STS. Each interface endpoint costs per hour per zone, so the list
 * stays short.
 */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "secretsmanager", "logs"] as const;

/** Where the other AWS components put their resources. */
export interface AwsNetworkPlacement {
  cloud: "aws";
  vpcId: pulumi.Output<string>;
  /** Subnets that face the internet; only the load balancer is placed here. */
  publicSubnetIds: pulumi.Output<string[]>;
  /** Private subnets for app tasks (egress through NAT). */
  privateSubnetIds: pulumi.Output<string[]>;
  /** Private subnets for the database and cache (no route to the internet). */
  dataSubnetIds: pulumi.Output<string[]>;
}

type Tier = "public" | "app" | "data";

/** The network's scope plus its zones and the letter each zone's children are named after. */
interface NetScope extends AwsScope {
  zones: string[];
  letter(i: number): string;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedNetworkArgs): NetworkOutputs {
  const scope = awsScope(parent, name, args, "network");
  // Fail before any child exists, naming the argument.
  const zones = orInvalid("zones", () => pickZones(scope.region, scope.platform.zones, args.zones));
  const plan = orInvalid("cidr", () => planSubnets(args.cidr, args.zones));
  const s: NetScope = { ...scope, zones, letter: (i) => (zones[i] ? zoneSuffix(scope.region, zones[i]) : String(i)) };

  const vpc = new Vpc(
    `${name}-vpc`,
    {
      cidrBlock: args.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: s.tags({ Name: `${s.prefix}-vpc` }),
    },
    s.opts(),
  );
  // The default security group would otherwise allow all traffic between its members and all egress
  // (Checkov CKV2_AWS_12, Trivy AVD-AWS-0173): take over it and leave it with no rules.
  new DefaultSecurityGroup(
    `${name}-default-sg`,
    { vpcId: vpc.id, ingress: [], egress: [], tags: s.tags({ Name: `${s.prefix}-default-unused` }) },
    s.opts(),
  );
  const subnets = tierSubnets(s, vpc, plan);
  const appRoutes = routing(s, vpc, subnets, args.natGateways === "perZone" ? args.zones : 1);
  flowLogs(s, vpc, args.flowLogRetentionDays);
  const groups = securityGroups(s, vpc, { cidr: args.cidr, ingressCidrs: args.ingressCidrs, appPort: args.appPort });
  endpoints(s, vpc, appRoutes, subnets.app, groups.endpoints);

  const ids = (list: Subnet[]) => pulumi.all(list.map((x) => x.id));
  return {
    networkId: vpc.id,
    cidr: pulumi.output(args.cidr),
    zones,
    placement: {
      cloud: "aws",
      vpcId: vpc.id,
      publicSubnetIds: ids(subnets.public),
      privateSubnetIds: ids(subnets.app),
      dataSubnetIds: ids(subnets.data),
    },
    tiers: {
      edge: groups.edge.id,
      app: groups.app.id,
      database: groups.database.id,
      cache: groups.cache.id,
      backup: groups.backup.id,
    },
  };
}

function tierSubnets(s: NetScope, vpc: Vpc, plan: SubnetPlan): Record<Tier, Subnet[]> {
  const subnet = (tier: Tier, cidrs: string[]) =>
    cidrs.map(
      (cidrBlock, i) =>
        new Subnet(
          `${s.name}-${tier}-${s.letter(i)}`,
          {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: s.zones[i],
            // Even public subnets launch nothing with a public address: only the ALB lives there.
            mapPublicIpOnLaunch: false,
            tags: s.tags({ Name: `${s.prefix}-${tier}-${s.letter(i)}`, tier }),
          },
          s.opts(),
        ),
    );
  return { public: subnet("public", plan.public), app: subnet("app", plan.app), data: subnet("data", plan.data) };
}

/**
 * Internet gateway, NAT and route tables (inline routes: the table's routes are exactly these; VPC endpoint routes
 * are managed by the endpoint and ignored by the table). Returns the app tier's route tables.
 */
function routing(s: NetScope, vpc: Vpc, subnets: Record<Tier, Subnet[]>, natCount: number): RouteTable[] {
  const { name, prefix, letter } = s;
  const igw = new InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: s.tags({ Name: `${prefix}-igw` }) }, s.opts());
  const nats = Array.from({ length: natCount }, (_, i) => {
    const eip = new Eip(
      `${name}-nat-${letter(i)}`,
      { domain: "vpc", tags: s.tags({ Name: `${prefix}-nat-${letter(i)}` }) },
      s.opts(),
    );
    return new NatGateway(
      `${name}-nat-${letter(i)}`,
      {
        allocationId: eip.id,
        subnetId: subnets.public[i]?.id as pulumi.Output<string>,
        connectivityType: "public",
        tags: s.tags({ Name: `${prefix}-nat-${letter(i)}` }),
      },
      s.opts(false, { dependsOn: [igw] }),
    );
  });
  const table = (logical: string, tier: Tier, routes: Record<string, unknown>[]) =>
    new RouteTable(
      `${name}-${logical}`,
      { vpcId: vpc.id, routes, tags: s.tags({ Name: `${prefix}-${logical}`, tier }) },
      s.opts(),
    );
  const publicRoutes = table("public", "public", [{ cidrBlock: ANYWHERE, gatewayId: igw.id }]);
  const appRoutes = subnets.app.map((_, i) =>
    table(`app-${letter(i)}`, "app", [{ cidrBlock: ANYWHERE, natGatewayId: (nats[i] ?? nats[0])?.id }]),
  );
  // No routes: the data tier cannot reach, or be reached from, anything outside the VPC.
  const dataRoutes = subnets.data.map((_, i) => table(`data-${letter(i)}`, "data", []));
  const associate = (tier: Tier, tableOf: (i: number) => RouteTable) =>
    subnets[tier].forEach((subnet, i) => {
      new RouteTableAssociation(
        `${name}-${tier}-${letter(i)}`,
        { subnetId: subnet.id, routeTableId: tableOf(i).id },
        s.opts(),
      );
    });
  associate("public", () => publicRoutes);
  associate("app", (i) => appRoutes[i] as RouteTable);
  associate("data", (i) => dataRoutes[i] as RouteTable);
  return appRoutes;
}

/** The S3 gateway endpoint (app route tables only) and the interface endpoints in the app subnets. */
function endpoints(s: NetScope, vpc: Vpc, appRoutes: RouteTable[], appSubnets: Subnet[], sg: SecurityGroup): void {
  new VpcEndpoint(
    `${s.name}-s3`,
    {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${s.region}.s3`,
      vpcEndpointType: "Gateway",
      // App tables only: the data tier keeps no route out of the VPC, not even to S3.
      routeTableIds: appRoutes.map((t) => t.id),
      tags: s.tags({ Name: `${s.prefix}-s3` }),
    },
    s.opts(),
  );
  for (const service of INTERFACE_ENDPOINTS) {
    const id = service.replace(/\./g, "-");
    new VpcEndpoint(
      `${s.name}-${id}`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${s.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: appSubnets.map((x) => x.id),
        securityGroupIds: [sg.id],
        tags: s.tags({ Name: `${s.prefix}-${id}` }),
      },
      s.opts(),
    );
  }
}
