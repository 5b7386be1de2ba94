/**
 * GCP fixtures for component tests: a target as settings resolves it, the Platform handle built inside the mocked
 * program, and a fixed GCP network (placement and tiers) for testing a component without building a VPC.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs } from "../../components/network";
import { Platform } from "../../components/platform";
import type { GcpPlatform } from "../../components/platform/gcp";
import type { TagContext } from "../../components/tags";
import type { GcpTarget } from "../../components/targets/gcp";

export const GCP_PROJECT = "loom-example-prod";
export const GCP_REGION = "europe-west1";

/** europe-west1 as settings resolves it (DR pair europe-west4), with a Cloud DNS zone. */
export function gcpTarget(over: Partial<GcpTarget> = {}): GcpTarget {
  return {
    cloud: "gcp",
    project: GCP_PROJECT,
    region: GCP_REGION,
    drRegion: "europe-west4",
    databaseEdition: "ENTERPRISE_PLUS",
    dnsZone: "loom-example-com",
    natStaticIps: 0,
    ...over,
  };
}

/** The GCP Platform handle; call inside the program (it registers the Platform, its APIs and key rings). */
export function gcpPlatform(
  context: TagContext,
  opts: { target?: GcpTarget; protect?: boolean; disasterRecovery?: boolean } = {},
): GcpPlatform {
  const platform = new Platform("loom", {
    target: opts.target ?? gcpTarget(),
    context,
    protect: opts.protect ?? false,
    disasterRecovery: opts.disasterRecovery ?? false,
  });
  return platform.handle as GcpPlatform;
}

/** A NetworkOutputs with fixed GCP ids (as the mock engine computes them); call inside the program. */
export function fakeGcpNetwork(): NetworkOutputs {
  const o = pulumi.output;
  const network = `projects/${GCP_PROJECT}/global/networks/loom-prod`;
  const privateServices = new pulumi.ComponentResource("test:fixture:PrivateServices", "fixture-psa");
  return {
    networkId: o(network),
    cidr: o("10.40.0.0/16"),
    zones: [],
    placement: {
      cloud: "gcp",
      region: GCP_REGION,
      network: o(network),
      networkName: o("loom-prod"),
      appSubnetwork: o(`projects/${GCP_PROJECT}/regions/${GCP_REGION}/subnetworks/loom-prod-app`),
      privateServices,
      privateServicesRange: o("loom-prod-psa"),
    },
    tiers: {
      edge: o("loom-prod-edge"),
      app: o("loom-prod-app"),
      database: o("loom-prod-database"),
      cache: o("loom-prod-cache"),
      backup: o("loom-prod-backup"),
    },
  };
}

/** `args` with a real GCP Platform built in the program (same target as its static platform, or the default). */
export function withGcpPlatform<A extends { platform: unknown; context: TagContext; protect?: boolean }>(
  args: A,
  opts: { disasterRecovery?: boolean } = {},
): A {
  const target = (args.platform as Partial<GcpPlatform>).target ?? gcpTarget();
  return { ...args, platform: gcpPlatform(args.context, { target, protect: args.protect, ...opts }) };
}

/** A handle made without the runtime, for `resolve()` tests (outputs are plain values; no resources). */
export function staticGcpPlatform(target: GcpTarget = gcpTarget()): GcpPlatform {
  return {
    cloud: "gcp",
    target,
    project: target.project,
    region: target.region,
    projectNumber: pulumi.output("000000000000"),
    apis: [],
    // biome-ignore lint/suspicious/noExplicitAny: resolve() never touches the key ring; withGcpPlatform replaces it
    keyRing: undefined as any,
  };
}
