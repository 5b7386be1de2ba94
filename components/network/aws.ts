/**
 * Network on AWS: a VPC over `zones` availability zones with three subnet tiers per zone, NAT, flow logs, VPC
 * endpoints and one security group per tier.
 *
 * - public subnets hold only the load balancer (no public IPs on launch); one route table with 0.0.0.0/0 → IGW.
 * - app subnets (tasks) route 0.0.0.0/0 to a NAT gateway (the zone's own with `perZone`, else the single one) and
 *   reach ECR, Secrets Manager, CloudWatch Logs and S3 through VPC endpoints without NAT.
 * - data subnets (database, cache) have route tables with no routes at all: only the VPC-local route exists.
 * - security groups are written between tiers (edge → app → database/cache), never to whole ranges, except the
 *   edge's client ranges, the app's HTTPS egress and egress to the VPC range.
 *
 * Logical names are identity: renaming one replaces the resource (a subnet replacement takes everything in it),
 * so a rename needs `aliases`.
 */
import { DefaultSecurityGroup } from "@pulumi/aws/ec2/defaultSecurityGroup";
import { Eip } from "@pulumi/aws/ec2/eip";
import { FlowLog } from "@pulumi/aws/ec2/flowLog";
import { InternetGateway } from "@pulumi/aws/ec2/internetGateway";
import { NatGateway } from "@pulumi/aws/ec2/natGateway";
import { RouteTable } from "@pulumi/aws/ec2/routeTable";
import { RouteTableAssociation } from "@pulumi/aws/ec2/routeTableAssociation";
import { SecurityGroup, type SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import { Subnet } from "@pulumi/aws/ec2/subnet";
import { Vpc } from "@pulumi/aws/ec2/vpc";
import { VpcEndpoint } from "@pulumi/aws/ec2/vpcEndpoint";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import * as pulumi from "@pulumi/pulumi";
import { awsAccount, encryptedLogGroup, kmsKey, logsPrincipal } from "../lib/aws";
import { childOptions, orInvalid, tagsFor } from "../lib/component";
import { fit as fitName, prefix as namePrefix } from "../naming";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";
import { planSubnets, zoneNames } from "./subnets";

/**
 * Interface endpoints that take the app's AWS API traffic off NAT: image pulls (ecr.api + ecr.dkr; layers come
 * from S3 through the gateway endpoint), secrets at task start, and log delivery. KMS and STS are not needed:
 * tasks never call KMS themselves (Secrets Manager and CloudWatch Logs decrypt server-side) and task credentials
 * come from the ECS credential endpoint, not STS. Each interface endpoint costs per hour per zone, so the list
 * stays short.
 */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "secretsmanager", "logs"] as const;

const HTTPS = 443;
const HTTP = 80;
const POSTGRES = 5432;
const REDIS = 6379;
const ANYWHERE = "0.0.0.0/0";

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedNetworkArgs): NetworkOutputs {
  const region = args.region;
  const prefix = namePrefix(args.context.project, args.context.environment);
  const tags = (extra?: Record<string, string>) => tagsFor(args, "network", extra);
  const opts = childOptions(parent, args);

  // Fail before any child exists, naming the argument.
  const zones = orInvalid("zones", () => zoneNames(region, args.zones));
  const plan = orInvalid("cidr", () => planSubnets(args.cidr, args.zones));
  const letter = (i: number) => zones[i]?.slice(region.length) ?? String(i);

  const vpc = new Vpc(
    `${name}-vpc`,
    {
      cidrBlock: args.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: tags({ Name: `${prefix}-vpc` }),
    },
    opts,
  );

  // The default security group would otherwise allow all traffic between its members and all egress
  // (Checkov CKV2_AWS_12, Trivy AVD-AWS-0173): take over it and leave it with no rules.
  new DefaultSecurityGroup(
    `${name}-default-sg`,
    { vpcId: vpc.id, ingress: [], egress: [], tags: tags({ Name: `${prefix}-default-unused` }) },
    opts,
  );

  // ---- subnets -------------------------------------------------------------------------------------------------
  const subnet = (tier: "public" | "app" | "data", cidrs: string[]) =>
    cidrs.map(
      (cidrBlock, i) =>
        new Subnet(
          `${name}-${tier}-${letter(i)}`,
          {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: zones[i],
            // Even public subnets launch nothing with a public address: only the ALB lives there.
            mapPublicIpOnLaunch: false,
            tags: tags({ Name: `${prefix}-${tier}-${letter(i)}`, tier }),
          },
          opts,
        ),
    );
  const publicSubnets = subnet("public", plan.public);
  const appSubnets = subnet("app", plan.app);
  const dataSubnets = subnet("data", plan.data);

  // ---- internet gateway and NAT --------------------------------------------------------------------------------
  const igw = new InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags({ Name: `${prefix}-igw` }) }, opts);

  const natCount = args.natGateways === "perZone" ? args.zones : 1;
  const nats = Array.from({ length: natCount }, (_, i) => {
    const eip = new Eip(
      `${name}-nat-${letter(i)}`,
      { domain: "vpc", tags: tags({ Name: `${prefix}-nat-${letter(i)}` }) },
      opts,
    );
    return new NatGateway(
      `${name}-nat-${letter(i)}`,
      {
        allocationId: eip.id,
        subnetId: publicSubnets[i]?.id as pulumi.Output<string>,
        connectivityType: "public",
        tags: tags({ Name: `${prefix}-nat-${letter(i)}` }),
      },
      { ...opts, dependsOn: [igw] },
    );
  });

  // ---- route tables (inline routes: the table's routes are exactly these; VPC endpoint routes are managed by
  // the endpoint and ignored by the table) --------------------------------------------------------------------
  const publicRoutes = new RouteTable(
    `${name}-public`,
    {
      vpcId: vpc.id,
      routes: [{ cidrBlock: ANYWHERE, gatewayId: igw.id }],
      tags: tags({ Name: `${prefix}-public`, tier: "public" }),
    },
    opts,
  );
  const appRoutes = appSubnets.map(
    (_, i) =>
      new RouteTable(
        `${name}-app-${letter(i)}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: ANYWHERE, natGatewayId: (nats[i] ?? nats[0])?.id }],
          tags: tags({ Name: `${prefix}-app-${letter(i)}`, tier: "app" }),
        },
        opts,
      ),
  );
  // No routes: the data tier cannot reach, or be reached from, anything outside the VPC.
  const dataRoutes = dataSubnets.map(
    (_, i) =>
      new RouteTable(
        `${name}-data-${letter(i)}`,
        { vpcId: vpc.id, routes: [], tags: tags({ Name: `${prefix}-data-${letter(i)}`, tier: "data" }) },
        opts,
      ),
  );
  const associate = (tier: string, subnets: Subnet[], table: (i: number) => RouteTable) =>
    subnets.forEach((s, i) => {
      new RouteTableAssociation(`${name}-${tier}-${letter(i)}`, { subnetId: s.id, routeTableId: table(i).id }, opts);
    });
  associate("public", publicSubnets, () => publicRoutes);
  associate("app", appSubnets, (i) => appRoutes[i] as RouteTable);
  associate("data", dataSubnets, (i) => dataRoutes[i] as RouteTable);

  // ---- flow logs -----------------------------------------------------------------------------------------------
  const account = awsAccount(parent);
  const key = kmsKey(parent, `${name}-flow-logs-key`, {
    description: `${prefix} VPC flow logs`,
    alias: `${prefix}-flow-logs`,
    region,
    account,
    servicePrincipals: [logsPrincipal(region)],
    tags: tags(),
    protect: args.protect ?? false,
  });
  const flowLogGroup = encryptedLogGroup(parent, `${name}-flow-logs`, {
    logGroupName: `/${args.context.project}/${args.context.environment}/vpc-flow-logs`,
    retentionDays: args.flowLogRetentionDays,
    kmsKeyArn: key.arn,
    tags: tags(),
  });
  const flowLogRole = new Role(
    `${name}-flow-logs`,
    {
      name: fitName(`${prefix}-vpc-flow-logs`, 64),
      description: "VPC flow logs delivery to CloudWatch Logs",
      assumeRolePolicy: pulumi.all([account.accountId, account.partition]).apply(([accountId, partition]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
              // Confused-deputy guard: only this account's flow logs may use the role.
              Condition: {
                StringEquals: { "aws:SourceAccount": accountId },
                ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*` },
              },
            },
          ],
        }),
      ),
      tags: tags(),
    },
    opts,
  );
  new RolePolicy(
    `${name}-flow-logs`,
    {
      role: flowLogRole.id,
      policy: pulumi
        .all([flowLogGroup.arn, account.accountId, account.partition])
        .apply(([groupArn, accountId, partition]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "WriteThisLogGroupOnly",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [groupArn, `${groupArn}:*`],
              },
              {
                // The service checks the group exists before delivering; DescribeLogGroups is list-only and
                // cannot be scoped to one group.
                Sid: "FindLogGroup",
                Effect: "Allow",
                Action: "logs:DescribeLogGroups",
                Resource: `arn:${partition}:logs:${region}:${accountId}:log-group:*`,
              },
            ],
          }),
        ),
    },
    opts,
  );
  new FlowLog(
    `${name}-flow-logs`,
    {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      tags: tags({ Name: `${prefix}-vpc-flow-logs` }),
    },
    opts,
  );

  // ---- security groups (one per tier; created in dependency order, so no cycles) -------------------------------
  const sg = (tier: string, description: string, rules: Pick<SecurityGroupArgs, "ingress" | "egress">) =>
    new SecurityGroup(
      `${name}-${tier}`,
      {
        name: `${prefix}-${tier}`,
        description,
        vpcId: vpc.id,
        ...rules,
        tags: tags({ Name: `${prefix}-${tier}`, tier }),
      },
      opts,
    );

  const edge = sg("edge", "Load balancer: HTTPS/HTTP from the allowed client ranges", {
    ingress: [
      {
        description: "HTTPS from allowed clients",
        protocol: "tcp",
        fromPort: HTTPS,
        toPort: HTTPS,
        cidrBlocks: args.ingressCidrs,
      },
      {
        description: "HTTP from allowed clients (redirected to HTTPS)",
        protocol: "tcp",
        fromPort: HTTP,
        toPort: HTTP,
        cidrBlocks: args.ingressCidrs,
      },
    ],
    egress: [
      {
        description: "To app tasks and their health checks",
        protocol: "tcp",
        fromPort: args.appPort,
        toPort: args.appPort,
        cidrBlocks: [args.cidr],
      },
    ],
  });
  const app = sg("app", "App tasks (web, worker, migrate)", {
    ingress: [
      {
        description: "App port from the load balancer",
        protocol: "tcp",
        fromPort: args.appPort,
        toPort: args.appPort,
        securityGroups: [edge.id],
      },
    ],
    egress: [
      {
        description: "HTTPS to LLM APIs and AWS APIs",
        protocol: "tcp",
        fromPort: HTTPS,
        toPort: HTTPS,
        cidrBlocks: [ANYWHERE],
      },
      {
        description: "PostgreSQL in the VPC",
        protocol: "tcp",
        fromPort: POSTGRES,
        toPort: POSTGRES,
        cidrBlocks: [args.cidr],
      },
      { description: "Redis in the VPC", protocol: "tcp", fromPort: REDIS, toPort: REDIS, cidrBlocks: [args.cidr] },
    ],
  });
  // RDS Proxy sits in this group too: it reaches the instances through the self rules.
  const database = sg("database", "PostgreSQL and its connection pooler", {
    ingress: [
      {
        description: "PostgreSQL from app tasks",
        protocol: "tcp",
        fromPort: POSTGRES,
        toPort: POSTGRES,
        securityGroups: [app.id],
      },
      {
        description: "PostgreSQL from the pooler in this group",
        protocol: "tcp",
        fromPort: POSTGRES,
        toPort: POSTGRES,
        self: true,
      },
    ],
    egress: [
      {
        description: "Pooler to the database in this group",
        protocol: "tcp",
        fromPort: POSTGRES,
        toPort: POSTGRES,
        self: true,
      },
    ],
  });
  const cache = sg("cache", "Redis", {
    ingress: [
      {
        description: "Redis from app tasks",
        protocol: "tcp",
        fromPort: REDIS,
        toPort: REDIS,
        securityGroups: [app.id],
      },
    ],
    egress: [],
  });

  // ---- VPC endpoints -------------------------------------------------------------------------------------------
  const endpointSg = sg("endpoints", "VPC interface endpoints: HTTPS from inside the VPC", {
    ingress: [
      { description: "HTTPS from the VPC", protocol: "tcp", fromPort: HTTPS, toPort: HTTPS, cidrBlocks: [args.cidr] },
    ],
    egress: [],
  });
  new VpcEndpoint(
    `${name}-s3`,
    {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: "Gateway",
      // App tables only: the data tier keeps no route out of the VPC, not even to S3.
      routeTableIds: appRoutes.map((t) => t.id),
      tags: tags({ Name: `${prefix}-s3` }),
    },
    opts,
  );
  for (const service of INTERFACE_ENDPOINTS) {
    const id = service.replace(/\./g, "-");
    new VpcEndpoint(
      `${name}-${id}`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: appSubnets.map((s) => s.id),
        securityGroupIds: [endpointSg.id],
        tags: tags({ Name: `${prefix}-${id}` }),
      },
      opts,
    );
  }

  const ids = (subnets: Subnet[]) => pulumi.all(subnets.map((s) => s.id));
  return {
    networkId: vpc.id,
    cidr: pulumi.output(args.cidr),
    zones,
    publicSubnetIds: ids(publicSubnets),
    privateSubnetIds: ids(appSubnets),
    dataSubnetIds: ids(dataSubnets),
    tiers: { edge: edge.id, app: app.id, database: database.id, cache: cache.id },
  };
}
