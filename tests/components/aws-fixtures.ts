/**
 * AWS fixtures for component tests: a target as settings resolves it, the Platform handle built inside the mocked
 * program, and a fixed AWS network (placement and tiers) for testing a component without building a VPC.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs } from "../../components/network";
import { Platform } from "../../components/platform";
import type { AwsPlatform } from "../../components/platform/aws";
import type { TagContext } from "../../components/tags";
import type { AwsTarget } from "../../components/targets/aws";

/** eu-west-1 as settings resolves it from the zone and DR tables, with a hosted zone. */
export function awsTarget(over: Partial<AwsTarget> = {}): AwsTarget {
  return {
    cloud: "aws",
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    hostedZoneId: "Z0EXAMPLEZONE",
    drRegion: "eu-central-1",
    ...over,
  };
}

/** The AWS Platform handle; call inside the program (it registers the Platform component and its lookups). */
export function awsPlatform(
  context: TagContext,
  opts: { target?: AwsTarget; protect?: boolean; disasterRecovery?: boolean } = {},
): AwsPlatform {
  const platform = new Platform("loom", {
    target: opts.target ?? awsTarget(),
    context,
    protect: opts.protect ?? false,
    disasterRecovery: opts.disasterRecovery ?? false,
  });
  return platform.handle as AwsPlatform;
}

/** A NetworkOutputs with fixed AWS ids; call inside the program. */
export function fakeAwsNetwork(): NetworkOutputs {
  const o = pulumi.output;
  return {
    networkId: o("vpc-0mock"),
    cidr: o("10.40.0.0/16"),
    zones: ["eu-west-1a", "eu-west-1b"],
    placement: {
      cloud: "aws",
      vpcId: o("vpc-0mock"),
      publicSubnetIds: o(["subnet-public-a", "subnet-public-b"]),
      privateSubnetIds: o(["subnet-private-a", "subnet-private-b"]),
      dataSubnetIds: o(["subnet-data-a", "subnet-data-b"]),
    },
    tiers: {
      edge: o("sg-edge"),
      app: o("sg-app"),
      database: o("sg-database"),
      cache: o("sg-cache"),
      backup: o("sg-backup"),
    },
  };
}

/** A handle with the mock engine's account, made without the runtime: for `resolve()` tests and arg builders. */
export function staticAwsPlatform(target: AwsTarget = awsTarget()): AwsPlatform {
  return {
    cloud: "aws",
    target,
    region: target.region,
    zones: [...target.availabilityZones],
    account: { accountId: pulumi.output("111122223333"), partition: pulumi.output("aws") },
  };
}

/** `args` with its static platform replaced by a real Platform built in the program (same target). */
export function withPlatform<A extends { platform: unknown; context: TagContext; protect?: boolean }>(
  args: A,
  opts: { disasterRecovery?: boolean } = {},
): A {
  const target = (args.platform as AwsPlatform).target;
  return { ...args, platform: awsPlatform(args.context, { target, protect: args.protect, ...opts }) };
}
