/**
 * DigitalOcean fixtures for component tests: a target as settings resolves it, the Platform handle built inside the
 * mocked program, and a fixed DigitalOcean network (placement and tiers) for testing a component without a VPC.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs } from "../../components/network";
import { Platform } from "../../components/platform";
import type { DigitalOceanPlatform } from "../../components/platform/digitalocean";
import type { TagContext } from "../../components/tags";
import type { DigitalOceanTarget } from "../../components/targets/digitalocean";

export const DO_REGION = "ams3";
/** An obviously fake SSH key fingerprint. */
export const DO_SSH_KEY = "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:03";
/** The VPC id the fixture network hands out (a uuid, as the API returns). */
export const DO_VPC_ID = "00000000-0000-4000-8000-0000000000a1";

/** ams3 as settings resolves it (DR fra1), Let's Encrypt through the loom.example.com DNS domain. */
export function doTarget(over: Partial<DigitalOceanTarget> = {}): DigitalOceanTarget {
  return {
    cloud: "digitalocean",
    region: DO_REGION,
    drRegion: "fra1",
    sshKeys: [DO_SSH_KEY],
    adminCidrs: [],
    dnsDomain: "loom.example.com",
    dropletImage: "ubuntu-24-04-x64",
    activeAppLogin: "a",
    ...over,
  };
}

/** The DigitalOcean Platform handle; call inside the program (project, account lookup, secrets bucket). */
export function doPlatform(
  context: TagContext,
  opts: { target?: DigitalOceanTarget; protect?: boolean; disasterRecovery?: boolean } = {},
): DigitalOceanPlatform {
  const platform = new Platform("loom", {
    target: opts.target ?? doTarget(),
    context,
    protect: opts.protect ?? false,
    disasterRecovery: opts.disasterRecovery ?? false,
  });
  return platform.handle as DigitalOceanPlatform;
}

/** `args` with a real DigitalOcean Platform built in the program (same target as its static platform, or the default). */
export function withDoPlatform<A extends { platform: unknown; context: TagContext; protect?: boolean }>(
  args: A,
  opts: { disasterRecovery?: boolean } = {},
): A {
  const target = (args.platform as Partial<DigitalOceanPlatform>).target ?? doTarget();
  return { ...args, platform: doPlatform(args.context, { target, protect: args.protect, ...opts }) };
}

/** A handle made without the runtime, for `resolve()` tests (outputs are plain values; no resources). */
export function staticDoPlatform(target: DigitalOceanTarget = doTarget()): DigitalOceanPlatform {
  return {
    cloud: "digitalocean",
    target,
    region: target.region,
    drRegion: target.drRegion,
    sshKeys: target.sshKeys,
    adminCidrs: target.adminCidrs,
    dropletImage: target.dropletImage,
    disasterRecovery: false,
    projectId: pulumi.output("00000000-0000-4000-8000-00000000000p"),
    accountSuffix: pulumi.output("a1b2c3"),
    secrets: {
      bucket: pulumi.output("loom-prod-secrets-a1b2c3"),
      region: target.region,
      endpoint: `https://${target.region}.digitaloceanspaces.com`,
    },
  };
}

/** A NetworkOutputs with fixed DigitalOcean ids (as the mock engine computes them); call inside the program. */
export function fakeDoNetwork(stack = "prod"): NetworkOutputs {
  const o = pulumi.output;
  const tag = (group: string) => `loom-${stack}-${group}`;
  return {
    networkId: o(DO_VPC_ID),
    cidr: o("10.40.32.0/20"),
    zones: [],
    placement: {
      cloud: "digitalocean",
      region: DO_REGION,
      vpcId: o(DO_VPC_ID),
      vpcCidr: "10.40.32.0/20",
      tags: {
        web: tag("web"),
        worker: tag("worker"),
        jobs: tag("jobs"),
        backup: tag("backup"),
        monitor: tag("monitor"),
        app: tag("app"),
      },
    },
    tiers: {
      edge: o(tag("web")),
      app: o(tag("app")),
      database: o(tag("database")),
      cache: o(tag("cache")),
      backup: o(tag("backup")),
    },
  };
}

/** runComponents' config for a DigitalOcean program (the provider reads no region; nothing is required). */
export const DO_CONFIG: Record<string, string> = {};
