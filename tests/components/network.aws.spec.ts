import * as assert from "node:assert/strict";
import { Network, type NetworkArgs } from "../../components/network";
import { INTERFACE_ENDPOINTS } from "../../components/network/aws";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { awsTarget, staticAwsPlatform, withPlatform } from "./aws-fixtures";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const NAT = "aws:ec2/natGateway:NatGateway";
const EIP = "aws:ec2/eip:Eip";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const REGION = "eu-west-1";
/** The mock engine's ARN for a resource (scripts/lib/mock-engine.ts `computed`). */
const arn = (service: string, kind: string, name: string) =>
  `arn:aws:${service}:${REGION}:111122223333:${kind}/${name}`;

function devArgs(): NetworkArgs {
  return {
    platform: staticAwsPlatform(),
    context: context("dev"),
    zones: 2,
    natGateways: "single",
    flowLogRetentionDays: 7,
  };
}
function stagingArgs(): NetworkArgs {
  return { ...devArgs(), context: context("staging"), flowLogRetentionDays: 30, appPort: 3000 };
}
function prodArgs(): NetworkArgs {
  return {
    platform: staticAwsPlatform(),
    context: context("prod"),
    protect: true,
    cidr: "10.50.0.0/16",
    zones: 3,
    natGateways: "perZone",
    flowLogRetentionDays: 90,
    ingressCidrs: ["203.0.113.0/24", "198.51.100.0/24"],
  };
}

async function build(args: NetworkArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const n = new Network("loom", withPlatform(args));
    return {
      networkId: n.networkId,
      cidr: n.cidr,
      zones: n.zones,
      placement: n.placement,
      tiers: n.tiers,
    };
  });
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const names = (rs: PlannedResource[]) => rs.map((r) => r.name);
const byTier = (run: ProgramRun, tier: string) => ofType(run, SUBNET).filter((s) => inputs(s).tags.tier === tier);

describe("Network on AWS", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await build(devArgs());
    staging = await build(stagingArgs());
    prod = await build(prodArgs());
  });

  it("builds a VPC with DNS support and hostnames on the configured range", () => {
    const vpc = inputs(one(prod, "aws:ec2/vpc:Vpc", "loom-vpc"));
    assert.equal(vpc.cidrBlock, "10.50.0.0/16");
    assert.equal(vpc.enableDnsSupport, true);
    assert.equal(vpc.enableDnsHostnames, true);
    assert.equal(inputs(one(dev, "aws:ec2/vpc:Vpc")).cidrBlock, "10.40.0.0/16");
  });

  it("spreads three tiers over 2 zones in dev and 3 in prod, with the planned CIDRs and no public IPs", () => {
    const layout = (run: ProgramRun, tier: string) =>
      byTier(run, tier).map((s) => [inputs(s).availabilityZone, inputs(s).cidrBlock]);
    assert.deepEqual(layout(dev, "app"), [
      ["eu-west-1a", "10.40.0.0/19"],
      ["eu-west-1b", "10.40.32.0/19"],
    ]);
    assert.deepEqual(layout(dev, "public"), [
      ["eu-west-1a", "10.40.192.0/22"],
      ["eu-west-1b", "10.40.196.0/22"],
    ]);
    assert.deepEqual(layout(dev, "data"), [
      ["eu-west-1a", "10.40.224.0/22"],
      ["eu-west-1b", "10.40.228.0/22"],
    ]);
    assert.deepEqual(layout(prod, "data"), [
      ["eu-west-1a", "10.50.224.0/22"],
      ["eu-west-1b", "10.50.228.0/22"],
      ["eu-west-1c", "10.50.232.0/22"],
    ]);
    assert.equal(ofType(prod, SUBNET).length, 9);
    for (const s of [...ofType(dev, SUBNET), ...ofType(prod, SUBNET)]) {
      assert.equal(inputs(s).mapPublicIpOnLaunch, false, `${s.name} assigns public IPs`);
      assert.equal(inputs(s).vpcId, "loom-vpc-id");
    }
  });

  it("has one NAT gateway (in the first public subnet) in dev and one per zone in prod, each with an EIP", () => {
    assert.deepEqual(
      ofType(dev, NAT).map((n) => [inputs(n).subnetId, inputs(n).allocationId]),
      [["loom-public-a-id", "loom-nat-a-id"]],
    );
    assert.deepEqual(
      ofType(prod, NAT).map((n) => inputs(n).subnetId),
      ["loom-public-a-id", "loom-public-b-id", "loom-public-c-id"],
    );
    assert.deepEqual(
      ofType(dev, EIP).map((e) => inputs(e).domain),
      ["vpc"],
    );
    assert.equal(ofType(prod, EIP).length, 3);
  });

  it("routes public → IGW, app → NAT (own zone's in prod, the single one in dev)", () => {
    assert.deepEqual(inputs(one(dev, ROUTE_TABLE, "loom-public")).routes, [
      { cidrBlock: "0.0.0.0/0", gatewayId: "loom-igw-id" },
    ]);
    const natOf = (run: ProgramRun, table: string) => inputs(one(run, ROUTE_TABLE, table)).routes;
    assert.deepEqual(natOf(dev, "loom-app-a"), [{ cidrBlock: "0.0.0.0/0", natGatewayId: "loom-nat-a-id" }]);
    assert.deepEqual(natOf(dev, "loom-app-b"), [{ cidrBlock: "0.0.0.0/0", natGatewayId: "loom-nat-a-id" }]);
    assert.deepEqual(natOf(prod, "loom-app-b"), [{ cidrBlock: "0.0.0.0/0", natGatewayId: "loom-nat-b-id" }]);
    assert.deepEqual(natOf(prod, "loom-app-c"), [{ cidrBlock: "0.0.0.0/0", natGatewayId: "loom-nat-c-id" }]);
  });

  it("gives data subnets route tables with no routes at all (no IGW, no NAT, no S3)", () => {
    for (const run of [dev, prod]) {
      for (const subnet of byTier(run, "data")) {
        const association = one(run, ASSOCIATION, subnet.name);
        assert.equal(inputs(association).subnetId, `${subnet.name}-id`);
        const table = ofType(run, ROUTE_TABLE).find((t) => `${t.name}-id` === inputs(association).routeTableId);
        assert.ok(table, `${subnet.name} has no route table`);
        assert.deepEqual(inputs(table).routes, [], `${table.name} routes out of the VPC`);
      }
    }
    const s3 = inputs(one(prod, ENDPOINT, "loom-s3"));
    assert.deepEqual(s3.routeTableIds, ["loom-app-a-id", "loom-app-b-id", "loom-app-c-id"]);
  });

  it("associates public and app subnets with their own tables", () => {
    assert.equal(inputs(one(dev, ASSOCIATION, "loom-public-b")).routeTableId, "loom-public-id");
    assert.equal(inputs(one(prod, ASSOCIATION, "loom-app-c")).routeTableId, "loom-app-c-id");
    assert.equal(ofType(prod, ASSOCIATION).length, 9);
  });

  it("logs ALL VPC traffic to a KMS-encrypted log group with the configured retention", () => {
    for (const [run, retention] of [
      [dev, 7],
      [staging, 30],
      [prod, 90],
    ] as const) {
      const flow = inputs(one(run, "aws:ec2/flowLog:FlowLog"));
      assert.deepEqual(flow, {
        vpcId: "loom-vpc-id",
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: arn("cloudwatch", "loggroup", "loom-flow-logs"),
        iamRoleArn: arn("iam", "role", "loom-flow-logs"),
        tags: flow.tags,
      });
      const group = inputs(one(run, "aws:cloudwatch/logGroup:LogGroup", "loom-flow-logs"));
      assert.equal(group.retentionInDays, retention);
      assert.equal(group.kmsKeyId, arn("kms", "key", "loom-flow-logs-key"));
    }
    assert.equal(inputs(one(prod, "aws:cloudwatch/logGroup:LogGroup")).name, "/loom/prod/vpc-flow-logs");
  });

  it("encrypts flow logs with a rotated key whose policy admits the regional logs principal; protected in prod", () => {
    const key = one(prod, "aws:kms/key:Key", "loom-flow-logs-key");
    assert.equal(inputs(key).enableKeyRotation, true);
    const policy = JSON.parse(inputs(key).policy);
    assert.deepEqual(
      policy.Statement.map((s: { Principal: unknown }) => s.Principal),
      [{ AWS: "arn:aws:iam::111122223333:root" }, { Service: "logs.eu-west-1.amazonaws.com" }],
    );
    assert.equal(key.protect, true);
    assert.equal(one(dev, "aws:kms/key:Key").protect, false);
  });

  it("gives flow logs a role only vpc-flow-logs of this account can assume, writing only its log group", () => {
    const trust = JSON.parse(inputs(one(prod, "aws:iam/role:Role", "loom-flow-logs")).assumeRolePolicy);
    assert.deepEqual(trust.Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "111122223333" },
          ArnLike: { "aws:SourceArn": "arn:aws:ec2:eu-west-1:111122223333:vpc-flow-log/*" },
        },
      },
    ]);
    const policy = JSON.parse(inputs(one(prod, "aws:iam/rolePolicy:RolePolicy", "loom-flow-logs")).policy);
    const group = arn("cloudwatch", "loggroup", "loom-flow-logs");
    assert.deepEqual(policy.Statement, [
      {
        Sid: "WriteThisLogGroupOnly",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [group, `${group}:*`],
      },
      {
        Sid: "FindLogGroup",
        Effect: "Allow",
        Action: "logs:DescribeLogGroups",
        Resource: "arn:aws:logs:eu-west-1:111122223333:log-group:*",
      },
    ]);
  });

  it("adds an S3 gateway endpoint and private-DNS interface endpoints in the app subnets", () => {
    const s3 = inputs(one(dev, ENDPOINT, "loom-s3"));
    assert.equal(s3.serviceName, "com.amazonaws.eu-west-1.s3");
    assert.equal(s3.vpcEndpointType, "Gateway");
    const interfaces = ofType(prod, ENDPOINT).filter((e) => inputs(e).vpcEndpointType === "Interface");
    assert.deepEqual(
      interfaces.map((e) => inputs(e).serviceName),
      INTERFACE_ENDPOINTS.map((s) => `com.amazonaws.eu-west-1.${s}`),
    );
    assert.deepEqual([...INTERFACE_ENDPOINTS], ["ecr.api", "ecr.dkr", "secretsmanager", "logs"]);
    for (const e of interfaces) {
      assert.equal(inputs(e).privateDnsEnabled, true);
      assert.deepEqual(inputs(e).subnetIds, ["loom-app-a-id", "loom-app-b-id", "loom-app-c-id"]);
      assert.deepEqual(inputs(e).securityGroupIds, ["loom-endpoints-id"]);
    }
  });

  it("lets only the VPC range reach the endpoints, on 443", () => {
    const sg = inputs(one(prod, SG, "loom-endpoints"));
    assert.deepEqual(sg.ingress, [
      { description: "HTTPS from the VPC", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.50.0.0/16"] },
    ]);
    assert.deepEqual(sg.egress, []);
  });

  it("opens the edge only on 80/443 from the configured client ranges, and lets it reach only the app port", () => {
    const sg = inputs(one(prod, SG, "loom-edge"));
    const clients = ["203.0.113.0/24", "198.51.100.0/24"];
    assert.deepEqual(sg.ingress, [
      { description: "HTTPS from allowed clients", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: clients },
      {
        description: "HTTP from allowed clients (redirected to HTTPS)",
        protocol: "tcp",
        fromPort: 80,
        toPort: 80,
        cidrBlocks: clients,
      },
    ]);
    assert.deepEqual(sg.egress, [
      {
        description: "To app tasks and their health checks",
        protocol: "tcp",
        fromPort: 8080,
        toPort: 8080,
        cidrBlocks: ["10.50.0.0/16"],
      },
    ]);
    const stagingEdge = inputs(one(staging, SG, "loom-edge"));
    assert.deepEqual(stagingEdge.ingress[0].cidrBlocks, ["0.0.0.0/0"]);
    assert.equal(stagingEdge.egress[0].fromPort, 3000);
  });

  it("admits app traffic only from the edge; app egress is 443 out and 5432/6379 inside the VPC", () => {
    const sg = inputs(one(staging, SG, "loom-app"));
    assert.deepEqual(sg.ingress, [
      {
        description: "App port from the load balancer",
        protocol: "tcp",
        fromPort: 3000,
        toPort: 3000,
        securityGroups: ["loom-edge-id"],
      },
    ]);
    assert.deepEqual(sg.egress, [
      {
        description: "HTTPS to LLM APIs and AWS APIs",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: ["0.0.0.0/0"],
      },
      {
        description: "PostgreSQL in the VPC",
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrBlocks: ["10.40.0.0/16"],
      },
      { description: "Redis in the VPC", protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["10.40.0.0/16"] },
    ]);
  });

  it("admits PostgreSQL only from the app tier and the pooler in its own group; Redis only from the app tier", () => {
    const db = inputs(one(prod, SG, "loom-database"));
    assert.deepEqual(db.ingress, [
      {
        description: "PostgreSQL from app tasks",
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        securityGroups: ["loom-app-id"],
      },
      {
        description: "PostgreSQL from the pooler in this group",
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        self: true,
      },
      {
        description: "PostgreSQL from the logical-backup task",
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        securityGroups: ["loom-backup-id"],
      },
    ]);
    assert.deepEqual(db.egress, [
      {
        description: "Pooler to the database in this group",
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        self: true,
      },
    ]);
    const cache = inputs(one(prod, SG, "loom-cache"));
    assert.deepEqual(cache.ingress, [
      {
        description: "Redis from app tasks",
        protocol: "tcp",
        fromPort: 6379,
        toPort: 6379,
        securityGroups: ["loom-app-id"],
      },
    ]);
    assert.deepEqual(cache.egress, []);
  });

  it("gives the backup tier no ingress and exactly two egress rules: PostgreSQL to the database group, HTTPS", () => {
    const sg = inputs(one(prod, SG, "loom-backup"));
    assert.equal(sg.name, "loom-prod-backup");
    assert.deepEqual(sg.ingress, []);
    // No inline egress: the provider drops AWS's default allow-all, and the standalone rules below are all there is.
    assert.equal(sg.egress, undefined);
    const rules = ofType(prod, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => {
      const { tags: _tags, ...rule } = inputs(r);
      return [r.name, rule];
    });
    assert.deepEqual(rules, [
      [
        "loom-backup-postgres",
        {
          securityGroupId: "loom-backup-id",
          description: "PostgreSQL in the database group",
          ipProtocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          referencedSecurityGroupId: "loom-database-id",
        },
      ],
      [
        "loom-backup-https",
        {
          securityGroupId: "loom-backup-id",
          description: "HTTPS to S3, Secrets Manager, KMS and CloudWatch (VPC endpoints or NAT)",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: "0.0.0.0/0",
        },
      ],
    ]);
  });

  it("describes every security-group rule and keeps all groups in the VPC", () => {
    assert.deepEqual(names(ofType(prod, SG)), [
      "loom-edge",
      "loom-app",
      "loom-backup",
      "loom-database",
      "loom-cache",
      "loom-endpoints",
    ]);
    for (const sg of ofType(prod, SG)) {
      assert.equal(inputs(sg).vpcId, "loom-vpc-id");
      for (const rule of [...inputs(sg).ingress, ...(inputs(sg).egress ?? [])]) {
        assert.ok(
          typeof rule.description === "string" && rule.description.length > 0,
          `${sg.name} has a rule without description`,
        );
      }
    }
  });

  it("strips every rule from the VPC's default security group", () => {
    const sg = inputs(one(dev, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"));
    assert.equal(sg.vpcId, "loom-vpc-id");
    assert.deepEqual(sg.ingress, []);
    assert.deepEqual(sg.egress, []);
  });

  it("outputs the network contract: ids per tier in zone order and one security group per tier", () => {
    assert.deepEqual(prod.outputs, {
      networkId: "loom-vpc-id",
      cidr: "10.50.0.0/16",
      zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
      placement: {
        cloud: "aws",
        vpcId: "loom-vpc-id",
        publicSubnetIds: ["loom-public-a-id", "loom-public-b-id", "loom-public-c-id"],
        privateSubnetIds: ["loom-app-a-id", "loom-app-b-id", "loom-app-c-id"],
        dataSubnetIds: ["loom-data-a-id", "loom-data-b-id", "loom-data-c-id"],
      },
      tiers: {
        edge: "loom-edge-id",
        app: "loom-app-id",
        database: "loom-database-id",
        cache: "loom-cache-id",
        backup: "loom-backup-id",
      },
    });
  });

  it("takes zone names from the platform's target, not <region>a/b/c (ca-central-1 has a, b, d)", async () => {
    const canada = awsTarget({
      region: "ca-central-1",
      availabilityZones: ["ca-central-1a", "ca-central-1b", "ca-central-1d"],
    });
    const run = await build({ ...prodArgs(), platform: staticAwsPlatform(canada) });
    assert.deepEqual(run.outputs.zones, ["ca-central-1a", "ca-central-1b", "ca-central-1d"]);
    assert.deepEqual(
      byTier(run, "app").map((s) => [s.name, inputs(s).availabilityZone]),
      [
        ["loom-app-a", "ca-central-1a"],
        ["loom-app-b", "ca-central-1b"],
        ["loom-app-d", "ca-central-1d"],
      ],
    );
    assert.equal(inputs(one(run, ENDPOINT, "loom-s3")).serviceName, "com.amazonaws.ca-central-1.s3");
  });

  it("tags resources with the component, environment and the stack's tags", () => {
    assert.deepEqual(inputs(one(prod, "aws:ec2/vpc:Vpc")).tags, {
      project: "loom",
      environment: "prod",
      stack: "prod",
      component: "network",
      "managed-by": "pulumi",
      team: "platform",
      Name: "loom-prod-vpc",
    });
  });

  describe("invalid args", () => {
    const cases: [string, Partial<NetworkArgs>, string, string][] = [
      ["one zone", { zones: 1 }, "zones", "must be 2 to 6, got 1"],
      ["seven zones", { zones: 7 }, "zones", "must be 2 to 6, got 7"],
      ["fractional zones", { zones: 2.5 }, "zones", "must be 2 to 6, got 2.5"],
      [
        "no platform",
        { platform: undefined },
        "platform",
        "is required (construct a Platform first and pass platform.handle)",
      ],
      ["no ingress ranges", { ingressCidrs: [] }, "ingressCidrs", "must list at least one CIDR"],
    ];
    for (const [label, patch, propertyPath, reason] of cases) {
      it(`Network.resolve rejects ${label}`, () => {
        assert.throws(() => Network.resolve({ ...devArgs(), ...patch }), { propertyPath, reason });
      });
    }

    it("rejects a VPC range outside /16–/20 and more zones than the region has, before creating children", async () => {
      await assert.rejects(build({ ...devArgs(), cidr: "10.40.0.0/24" }), {
        propertyPath: "cidr",
        reason: '"10.40.0.0/24" must be a /16 to /20 network, got /24',
      });
      const tokyo = awsTarget({
        region: "ap-northeast-1",
        availabilityZones: ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"],
      });
      await assert.rejects(build({ ...devArgs(), platform: staticAwsPlatform(tokyo), zones: 4 }), {
        propertyPath: "zones",
        reason: "ap-northeast-1 offers 3 zones (ap-northeast-1a, ap-northeast-1c, ap-northeast-1d), asked for 4",
      });
    });
  });
});
