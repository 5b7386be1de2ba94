/**
 * RDS Proxy in front of the primary (profiles with `connectionPooler`), with end-to-end IAM authentication
 * (aws-logins.ts): clients log in with IAM tokens for the proxy's dbuser ARNs, and the proxy logs in to the instance
 * with IAM as the same user (`defaultAuthScheme: IAM_AUTH`, no `auths`, no secret). Its role may connect to the
 * instance as the token logins only; it reads no secret. The master never goes through it.
 */
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import type { Instance } from "@pulumi/aws/rds/instance";
import { Proxy as RdsProxy } from "@pulumi/aws/rds/proxy";
import { ProxyDefaultTargetGroup } from "@pulumi/aws/rds/proxyDefaultTargetGroup";
import { ProxyTarget } from "@pulumi/aws/rds/proxyTarget";
import * as pulumi from "@pulumi/pulumi";
import type { AwsAccount, AwsScope } from "../lib/aws";
import { fit as fitName } from "../naming";
import type { AwsNetworkPlacement } from "../network/aws";
import type { ResolvedDatabaseArgs } from ".";
import { proxyConnectPolicy } from "./aws-logins";

/** The end-to-end IAM scheme: client → proxy and proxy → database both with IAM tokens. */
export const PROXY_AUTH_SCHEME = "IAM_AUTH";

/** Trust for an RDS service principal, only from this account's resources (confused-deputy guard). */
export function rdsServiceTrust(account: AwsAccount, service: string): pulumi.Output<string> {
  return account.accountId.apply((accountId) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: service },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
      ],
    }),
  );
}

export interface ProxyScope extends AwsScope {
  args: ResolvedDatabaseArgs;
  placement: AwsNetworkPlacement;
}

/** The proxy, its role, target group and target; returns the proxy (its `endpoint` and `arn`). */
export function rdsProxy(s: ProxyScope, primary: Instance): RdsProxy {
  const { parent, name, prefix, args } = s;
  const role = new Role(
    `${name}-db-proxy`,
    {
      name: fitName(`${prefix}-db-proxy`, 64),
      description: "RDS Proxy: log in to the database with IAM as the app's token logins (end-to-end IAM)",
      assumeRolePolicy: rdsServiceTrust(s.account, "rds.amazonaws.com"),
      tags: s.tags(),
    },
    { parent },
  );
  const connect = new RolePolicy(
    `${name}-db-proxy`,
    {
      role: role.id,
      policy: pulumi
        .all([s.account.partition, s.account.accountId, primary.resourceId])
        .apply(([partition, accountId, resourceId]) =>
          JSON.stringify(proxyConnectPolicy({ partition, region: s.region, accountId, resourceId })),
        ),
    },
    { parent },
  );
  const proxy = new RdsProxy(
    `${name}-db-proxy`,
    {
      name: fitName(`${prefix}-db-proxy`, 60),
      engineFamily: "POSTGRESQL",
      requireTls: true,
      debugLogging: false,
      defaultAuthScheme: PROXY_AUTH_SCHEME,
      roleArn: role.arn,
      vpcSubnetIds: s.placement.dataSubnetIds,
      vpcSecurityGroupIds: [args.network.tiers.database],
      tags: s.tags(),
    },
    // The proxy logs in with its role from the first connection: the grant exists before it does.
    { parent, dependsOn: [connect] },
  );
  const targetGroup = new ProxyDefaultTargetGroup(
    `${name}-db-proxy`,
    {
      dbProxyName: proxy.name,
      connectionPoolConfig: { maxConnectionsPercent: 90, connectionBorrowTimeout: 120 },
    },
    { parent },
  );
  new ProxyTarget(
    `${name}-db-proxy`,
    { dbProxyName: proxy.name, targetGroupName: targetGroup.name, dbInstanceIdentifier: primary.identifier },
    { parent },
  );
  return proxy;
}
