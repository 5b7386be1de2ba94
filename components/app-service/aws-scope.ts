/**
 * What the AWS AppService files share: the component's scope, its resolved args, the network placement and the
 * policy context (account, partition, region as plain strings inside `apply`).
 */
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, awsScope } from "../lib/aws";
import { handleFor, invalid } from "../lib/component";
import type { AwsNetworkPlacement } from "../network/aws";
import type { AwsTarget } from "../targets/aws";
import type { ResolvedAppServiceArgs } from ".";
import type { PolicyContext } from "./policies";

export interface AppScope extends AwsScope {
  args: ResolvedAppServiceArgs;
  placement: AwsNetworkPlacement;
  policyContext: pulumi.Output<PolicyContext>;
}

export function appScope(parent: pulumi.Resource, name: string, args: ResolvedAppServiceArgs): AppScope {
  const placement = handleFor("network.placement", args.network.placement, "aws");
  const s = awsScope(parent, name, args, "app-service");
  const policyContext = pulumi
    .all([s.account.accountId, s.account.partition])
    .apply(([accountId, partition]) => ({ accountId, partition, region: s.region }));
  return { ...s, args, placement, policyContext };
}

/** Where the HTTPS listener's certificate comes from: a DNS-validated one in the hosted zone, or an existing one. */
export type CertificateSource = { hostedZoneId: string } | { certificateArn: string };

/** The target's certificate source; fails naming both stack keys when neither is set. */
export function certificateSource(target: AwsTarget): CertificateSource {
  if (target.hostedZoneId) return { hostedZoneId: target.hostedZoneId };
  if (target.certificateArn) return { certificateArn: target.certificateArn };
  return invalid(
    "loom:aws.hostedZoneId",
    "or loom:aws.certificateArn is required: the load balancer serves HTTPS and needs a certificate (a Route 53 zone for a DNS-validated one, or an existing ACM certificate ARN in aws:region)",
  );
}
