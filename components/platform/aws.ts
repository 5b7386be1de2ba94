/**
 * Platform on AWS: what every AWS component shares, resolved once.
 *
 * - `account`: the account id and partition, looked up once here (invokes parented to the Platform) instead of
 *   once per component.
 * - `region` and `zones`: from the target (`aws:region`; the zone names of components/targets/aws-regions.ts or
 *   `loom:aws.availabilityZones`), never derived as `<region>a/b/c`.
 * - `drProvider`: with disaster recovery, an explicit provider in `loom:aws.drRegion` for the copies' vault and key.
 *   It reads credentials the way the default provider does (environment, profile, SSO, OIDC).
 */
import { Provider } from "@pulumi/aws/provider";
import type * as pulumi from "@pulumi/pulumi";
import { type AwsAccount, awsAccount } from "../lib/aws";
import type { AwsTarget } from "../targets/aws";
import type { ResolvedPlatformArgs } from ".";

export interface AwsPlatform {
  cloud: "aws";
  target: AwsTarget;
  /** `aws:region`: where every resource of the stack lives (except the disaster-recovery copies). */
  region: string;
  /** Every zone name of the region, in order (`target.availabilityZones`); the network uses the first N. */
  zones: string[];
  /** The caller's account id and partition. */
  account: AwsAccount;
  /** A provider in `target.drRegion`; only when disaster recovery is on. */
  drProvider?: Provider;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedPlatformArgs<"aws">): AwsPlatform {
  const { target } = args;
  return {
    cloud: "aws",
    target,
    region: target.region,
    zones: [...target.availabilityZones],
    account: awsAccount(parent),
    ...(args.disasterRecovery
      ? { drProvider: new Provider(`${name}-dr`, { region: target.drRegion }, { parent }) }
      : {}),
  };
}
