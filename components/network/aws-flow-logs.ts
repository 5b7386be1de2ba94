/**
 * VPC flow logs on AWS: a KMS-encrypted log group with the profile's retention and a delivery role confined to
 * this account's flow logs and this one log group.
 */
import { FlowLog } from "@pulumi/aws/ec2/flowLog";
import type { Vpc } from "@pulumi/aws/ec2/vpc";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, encryptedLogGroup, scopedKey } from "../lib/aws";
import { fit as fitName } from "../naming";

export function flowLogs(s: AwsScope, vpc: Vpc, retentionDays: number): void {
  const { name, prefix, region, account } = s;
  const key = scopedKey(s, `${name}-flow-logs-key`, {
    description: `${prefix} VPC flow logs`,
    alias: `${prefix}-flow-logs`,
    logs: true,
  });
  const group = encryptedLogGroup(s.parent, `${name}-flow-logs`, {
    logGroupName: s.logPath("vpc-flow-logs"),
    retentionDays,
    kmsKeyArn: key.arn,
    tags: s.tags(),
  });
  const role = new Role(
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
      tags: s.tags(),
    },
    s.opts(),
  );
  new RolePolicy(
    `${name}-flow-logs`,
    {
      role: role.id,
      policy: pulumi
        .all([group.arn, account.accountId, account.partition])
        .apply(([groupArn, accountId, partition]) =>
          JSON.stringify(deliveryPolicy(groupArn, accountId, partition, region)),
        ),
    },
    s.opts(),
  );
  new FlowLog(
    `${name}-flow-logs`,
    {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: group.arn,
      iamRoleArn: role.arn,
      tags: s.tags({ Name: `${prefix}-vpc-flow-logs` }),
    },
    s.opts(),
  );
}

/** Write to this one log group; find it (DescribeLogGroups cannot be scoped to one group). */
export function deliveryPolicy(groupArn: string, accountId: string, partition: string, region: string): object {
  return {
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
  };
}
