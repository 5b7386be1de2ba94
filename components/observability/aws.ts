/**
 * Observability on AWS: a CloudWatch dashboard in every environment; with alerting on, a customer-managed KMS key,
 * a KMS-encrypted SNS topic that only this account's CloudWatch alarms may publish to (over TLS), an e-mail
 * subscription, and one CloudWatch alarm per alert-catalog entry (per service for tasks-below-desired), each sending
 * ALARM and OK notifications to the topic. The alarm and dashboard definitions are pure data from cloudwatch.ts.
 *
 * Targets are the typed AWS handles of the other components (AwsAppMonitoring, AwsDatabaseMonitoring,
 * AwsCacheMonitoring): a missing identifier is a type error, and a handle of another cloud fails by name.
 */
import { Dashboard } from "@pulumi/aws/cloudwatch/dashboard";
import { MetricAlarm, type MetricAlarmArgs } from "@pulumi/aws/cloudwatch/metricAlarm";
import { Topic } from "@pulumi/aws/sns/topic";
import { TopicPolicy } from "@pulumi/aws/sns/topicPolicy";
import { TopicSubscription } from "@pulumi/aws/sns/topicSubscription";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, awsScope, scopedKey } from "../lib/aws";
import { handleFor, invalid } from "../lib/component";
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

/** The identifiers the alarms and the dashboard need, read from the typed AWS handles. */
export function monitoringIds(targets: Targets): AwsMonitoringIds<pulumi.Input<string>> {
  const app = handleFor("targets.app", targets.app, "aws");
  const database = handleFor("targets.database", targets.database, "aws");
  const cache = handleFor("targets.cache", targets.cache, "aws");
  return {
    loadBalancer: app.loadBalancerArnSuffix,
    clusterName: app.clusterName,
    webServiceName: app.webServiceName,
    workerServiceName: app.workerServiceName,
    dbInstanceId: database.instanceId,
    cacheClusterId: pulumi.output(cache.replicationGroupId).apply(cacheClusterIdOf),
  };
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const s = awsScope(parent, name, args, "observability");
  const ids = monitoringIds(args.targets);
  const allocatedStorageGiB = handleFor("targets.database", args.targets.database, "aws").allocatedStorageGiB;
  const environment = args.context.environment;

  let alarms: MetricAlarm[] = [];
  let alarmTargets: pulumi.Output<string[]> = pulumi.output([]);
  if (args.alerting) {
    if (!args.alertEmail) invalid("alertEmail", "is required when alerting is on");
    // The thresholds were checked by Observability.resolve (thresholdProblems), naming the key.
    const specs = renderAlarms({ prefix: s.prefix, environment, ids, thresholds: args.thresholds });
    const topic = alertTopic(s, args.alertEmail);
    alarms = specs.map(
      (spec) =>
        new MetricAlarm(
          `${name}-${spec.key}`,
          alarmArgs(spec, topic.topic.arn, thresholdOf(spec.threshold, allocatedStorageGiB), {
            ...s.tags(),
            alert: spec.alert.id,
            severity: spec.alert.severity,
          }),
          // The topic policy first: an alarm that fires at creation must be allowed to publish.
          s.opts(false, { dependsOn: [topic.policy] }),
        ),
    );
    alarmTargets = topic.topic.arn.apply((arn) => [arn]);
  }

  const dashboard = new Dashboard(
    `${name}-dashboard`,
    {
      dashboardName: s.prefix,
      dashboardBody: pulumi
        .output({ ids, alarmArns: alarms.map((a) => a.arn) })
        .apply(({ ids: plain, alarmArns }) =>
          JSON.stringify(dashboardBody({ region: s.region, environment, ids: plain, alarmArns })),
        ),
    },
    s.opts(),
  );

  return {
    alarmTargets,
    alertNames: pulumi.all(alarms.map((a) => a.name)),
    dashboard: dashboard.dashboardName,
  };
}

/** The KMS-encrypted alert topic, its publish policy and the e-mail subscription. */
function alertTopic(s: AwsScope, alertEmail: string): { topic: Topic; policy: TopicPolicy } {
  const { name, prefix, account, region } = s;
  const key = scopedKey(s, `${name}-alerts-key`, {
    description: `Encrypts the ${prefix} alert topic (CloudWatch alarms publish, SNS stores)`,
    alias: `${prefix}-alerts`,
    servicePrincipals: ALERT_KEY_PRINCIPALS,
  });
  const topic = new Topic(
    `${name}-alerts`,
    {
      name: `${prefix}-alerts`,
      displayName: `${prefix} alerts`,
      kmsMasterKeyId: key.arn,
      // SHA256 message signatures (version 1 is SHA1).
      signatureVersion: 2,
      tags: s.tags(),
    },
    s.opts(),
  );
  const policy = new TopicPolicy(
    `${name}-alerts-policy`,
    {
      arn: topic.arn,
      policy: pulumi
        .all([topic.arn, account.accountId, account.partition])
        .apply(([topicArn, accountId, partition]) =>
          JSON.stringify(alertTopicPolicy({ topicArn, accountId, partition, region, prefix })),
        ),
    },
    s.opts(),
  );
  new TopicSubscription(
    `${name}-alerts-email`,
    { topic: topic.arn, protocol: "email", endpoint: alertEmail },
    s.opts(),
  );
  return { topic, policy };
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

function thresholdOf(threshold: AlarmThreshold, allocatedStorageGiB: number): number {
  if ("value" in threshold) return threshold.value;
  return storageThresholdBytes(allocatedStorageGiB, threshold.percentOfAllocatedStorage);
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
