/**
 * Observability on AWS: a CloudWatch dashboard in every environment; with alerting on, a customer-managed KMS key,
 * a KMS-encrypted SNS topic that only this account's CloudWatch alarms may publish to (over TLS), an e-mail
 * subscription, and one CloudWatch alarm per alert-catalog entry (per service for tasks-below-desired), each sending
 * ALARM and OK notifications to the topic. The alarm and dashboard definitions are pure data from cloudwatch.ts.
 *
 * Targets it reads (Outputs of the other AWS components):
 * - app: loadBalancerArnSuffix, clusterName, webServiceName, workerServiceName
 * - database: instanceId, allocatedStorageGiB
 * - cache: replicationGroupId
 */
import { Dashboard } from "@pulumi/aws/cloudwatch/dashboard";
import { MetricAlarm, type MetricAlarmArgs } from "@pulumi/aws/cloudwatch/metricAlarm";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { Topic } from "@pulumi/aws/sns/topic";
import { TopicPolicy } from "@pulumi/aws/sns/topicPolicy";
import { TopicSubscription } from "@pulumi/aws/sns/topicSubscription";
import * as pulumi from "@pulumi/pulumi";
import { awsAccount, kmsKey } from "../lib/aws";
import { childOptions, invalid, tagsFor } from "../lib/component";
import { prefix as namePrefix } from "../naming";
import {
  type AlarmSpec,
  type AlarmThreshold,
  type AwsMonitoringIds,
  alarmMetricArgs,
  cacheClusterIdOf,
  dashboardBody,
  renderAlarms,
  storageThresholdBytes,
} from "./cloudwatch";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from "./index";

/** The service principals that use the alert key: CloudWatch encrypts when it publishes, SNS when it stores. */
export const ALERT_KEY_PRINCIPALS = ["cloudwatch.amazonaws.com", "sns.amazonaws.com"];

type Targets = ResolvedObservabilityArgs["targets"];

/** A monitoring identifier another component must provide; a clear error when it does not. */
function target(targets: Targets, group: keyof Targets, key: string): pulumi.Input<string> {
  const value = targets[group][key];
  if (value === undefined) {
    const have = Object.keys(targets[group]);
    invalid(`targets.${group}.${key}`, `is required on aws (got: ${have.length > 0 ? have.join(", ") : "none"})`);
  }
  return value;
}

function monitoringIds(targets: Targets): AwsMonitoringIds<pulumi.Input<string>> {
  const replicationGroupId = target(targets, "cache", "replicationGroupId");
  return {
    loadBalancer: target(targets, "app", "loadBalancerArnSuffix"),
    clusterName: target(targets, "app", "clusterName"),
    webServiceName: target(targets, "app", "webServiceName"),
    workerServiceName: target(targets, "app", "workerServiceName"),
    dbInstanceId: target(targets, "database", "instanceId"),
    cacheClusterId: pulumi.output(replicationGroupId).apply(cacheClusterIdOf),
  };
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const prefix = namePrefix(args.context.project, args.context.environment);
  const environment = args.context.environment;
  const ids = monitoringIds(args.targets);
  const allocatedStorageGiB = target(args.targets, "database", "allocatedStorageGiB");
  const region = getRegionOutput({}, { parent }).region;
  const tags = tagsFor(args, "observability");

  let alarms: MetricAlarm[] = [];
  let alarmTargets: pulumi.Output<string[]> = pulumi.output([]);
  if (args.alerting) {
    if (!args.alertEmail) invalid("alertEmail", "is required when alerting is on");
    // The thresholds were checked by Observability.resolve (thresholdProblems), naming the key.
    const specs = renderAlarms({ prefix, environment, ids, thresholds: args.thresholds });

    const account = awsAccount(parent);
    const key = kmsKey(parent, `${name}-alerts-key`, {
      description: `Encrypts the ${prefix} alert topic (CloudWatch alarms publish, SNS stores)`,
      alias: `${prefix}-alerts`,
      account,
      servicePrincipals: ALERT_KEY_PRINCIPALS,
      tags,
      protect: args.protect,
    });

    const topic = new Topic(
      `${name}-alerts`,
      {
        name: `${prefix}-alerts`,
        displayName: `${prefix} alerts`,
        kmsMasterKeyId: key.arn,
        // SHA256 message signatures (version 1 is SHA1).
        signatureVersion: 2,
        tags,
      },
      childOptions(parent, args),
    );

    const policy = new TopicPolicy(
      `${name}-alerts-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([topic.arn, account.accountId, account.partition, region])
          .apply(([topicArn, accountId, partition, r]) =>
            JSON.stringify(alertTopicPolicy({ topicArn, accountId, partition, region: r, prefix })),
          ),
      },
      childOptions(parent, args),
    );

    new TopicSubscription(
      `${name}-alerts-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.alertEmail },
      childOptions(parent, args),
    );

    alarms = specs.map(
      (spec) =>
        new MetricAlarm(
          `${name}-${spec.key}`,
          alarmArgs(spec, topic.arn, thresholdOf(spec.threshold, allocatedStorageGiB), {
            ...tags,
            alert: spec.alert.id,
            severity: spec.alert.severity,
          }),
          // The topic policy first: an alarm that fires at creation must be allowed to publish.
          childOptions(parent, args, false, { dependsOn: [policy] }),
        ),
    );
    alarmTargets = topic.arn.apply((arn) => [arn]);
  }

  const dashboard = new Dashboard(
    `${name}-dashboard`,
    {
      dashboardName: prefix,
      dashboardBody: pulumi
        .output({ region, ids, alarmArns: alarms.map((a) => a.arn) })
        .apply(({ region: r, ids: plain, alarmArns }) =>
          JSON.stringify(dashboardBody({ region: r, environment, ids: plain, alarmArns })),
        ),
    },
    childOptions(parent, args),
  );

  return {
    alarmTargets,
    alertNames: pulumi.all(alarms.map((a) => a.name)),
    dashboard: dashboard.dashboardName,
  };
}

/** The MetricAlarm args for a spec: notifications on ALARM and OK to `topicArn`. */
function alarmArgs(
  spec: AlarmSpec<pulumi.Input<string>>,
  topicArn: pulumi.Input<string>,
  threshold: pulumi.Input<number>,
  tags: Record<string, string>,
): MetricAlarmArgs {
  return {
    name: spec.name,
    alarmDescription: spec.description,
    comparisonOperator: spec.comparisonOperator,
    threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    treatMissingData: spec.treatMissingData,
    ...(spec.evaluateLowSampleCountPercentiles
      ? { evaluateLowSampleCountPercentiles: spec.evaluateLowSampleCountPercentiles }
      : {}),
    ...(alarmMetricArgs(spec.metric) as Partial<MetricAlarmArgs>),
    actionsEnabled: true,
    alarmActions: [topicArn],
    okActions: [topicArn],
    tags,
  };
}

function thresholdOf(threshold: AlarmThreshold, allocatedStorageGiB: pulumi.Input<string>): pulumi.Input<number> {
  if ("value" in threshold) return threshold.value;
  return pulumi
    .output(allocatedStorageGiB)
    .apply((gib) => storageThresholdBytes(Number(gib), threshold.percentOfAllocatedStorage));
}

export interface AlertTopicPolicyArgs {
  topicArn: string;
  accountId: string;
  partition: string;
  region: string;
  prefix: string;
}

/**
 * The alert topic's resource policy: only CloudWatch alarms of this account whose names start with `<prefix>-` may
 * publish, and any request without TLS is denied. (The account's own principals manage the topic through IAM.)
 */
export function alertTopicPolicy(a: AlertTopicPolicyArgs): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: a.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": a.accountId },
          ArnLike: { "aws:SourceArn": `arn:${a.partition}:cloudwatch:${a.region}:${a.accountId}:alarm:${a.prefix}-*` },
        },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: a.topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
