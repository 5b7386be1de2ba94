/**
 * The AWS alert channels (routing in aws-routing.ts): a customer-managed KMS key, one encrypted SNS topic per
 * severity with its publish policy, the e-mail / PagerDuty / webhook subscriptions, and one AWS Chatbot Slack channel
 * configuration per Slack channel under a read-only role. Credentials (PagerDuty key, webhook URL) only ever pass as
 * secret Outputs: the subscription endpoint is secret in the plan.
 */
import { SlackChannelConfiguration } from "@pulumi/aws/chatbot/slackChannelConfiguration";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { Topic } from "@pulumi/aws/sns/topic";
import { TopicPolicy } from "@pulumi/aws/sns/topicPolicy";
import { TopicSubscription } from "@pulumi/aws/sns/topicSubscription";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, scopedKey } from "../lib/aws";
import { fit as fitName } from "../naming";
import {
  alertTopicPolicy,
  CHATBOT_GUARDRAIL_POLICY,
  CHATBOT_ROLE_POLICY,
  chatbotTrustPolicy,
  HTTPS_DELIVERY_POLICY,
  pagerdutyUrl,
  type Routing,
  type SlackChannel,
  topicName,
} from "./aws-routing";
import type { AlertChannel, Severity } from "./channels";
import { channelSecret, type ResolvedObservabilityArgs } from "./index";

/**
 * The service principals that use the alert key: CloudWatch and EventBridge (the backups' job-failure rules) encrypt
 * when they publish, SNS when it stores.
 */
export const ALERT_KEY_PRINCIPALS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"];

export interface AlertTopic {
  topic: Topic;
  /** Alarms publishing to the topic wait for it: an alarm that fires at creation must be allowed to publish. */
  policy: TopicPolicy;
}

/** Topics per routed severity, their subscriptions and the Chatbot configurations. */
export function notifications(
  s: AwsScope,
  args: ResolvedObservabilityArgs,
  routing: Routing,
): Partial<Record<Severity, AlertTopic>> {
  const key = scopedKey(s, `${s.name}-alerts-key`, {
    description: `Encrypts the ${s.prefix} alert topics (CloudWatch alarms publish, SNS stores)`,
    alias: `${s.prefix}-alerts`,
    servicePrincipals: ALERT_KEY_PRINCIPALS,
  });
  const topics: Partial<Record<Severity, AlertTopic>> = {};
  for (const severity of routing.severities) {
    const t = alertTopic(s, severity, key.arn);
    topics[severity] = t;
    for (const channel of routing.subscriptions[severity] ?? []) subscribe(s, args, severity, t.topic, channel);
  }
  for (const { channel, severities } of routing.slack) {
    chatbot(
      s,
      channel,
      severities.map((sev) => (topics[sev] as AlertTopic).topic.arn),
    );
  }
  return topics;
}

function alertTopic(s: AwsScope, severity: Severity, keyArn: pulumi.Input<string>): AlertTopic {
  const { name, prefix, account, region } = s;
  const topic = new Topic(
    `${name}-alerts-${severity}`,
    {
      name: topicName(prefix, severity),
      displayName: `${prefix} ${severity} alerts`,
      kmsMasterKeyId: keyArn,
      // SHA256 message signatures (version 1 is SHA1).
      signatureVersion: 2,
      tags: s.tags({ severity }),
    },
    s.opts(),
  );
  const policy = new TopicPolicy(
    `${name}-alerts-${severity}`,
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
  return { topic, policy };
}

/** One subscription; the PagerDuty and webhook endpoints are secret Outputs (the credential is in the URL). */
function subscribe(
  s: AwsScope,
  args: ResolvedObservabilityArgs,
  severity: Severity,
  topic: Topic,
  channel: Exclude<AlertChannel, { kind: "slack" }>,
): TopicSubscription {
  const logical = `${s.name}-alerts-${severity}-${channel.name}`;
  if (channel.kind === "email") {
    return new TopicSubscription(logical, { topic: topic.arn, protocol: "email", endpoint: channel.to }, s.opts());
  }
  const secret = pulumi.output(channelSecret(args, channel));
  const endpoint = pulumi.secret(channel.kind === "pagerduty" ? secret.apply(pagerdutyUrl) : secret);
  return new TopicSubscription(
    logical,
    {
      topic: topic.arn,
      protocol: "https",
      endpoint,
      // PagerDuty confirms SNS subscriptions itself; a generic receiver confirms by fetching the SubscribeURL.
      endpointAutoConfirms: channel.kind === "pagerduty",
      // Both expect the SNS envelope with the CloudWatch alarm JSON in Message.
      rawMessageDelivery: false,
      deliveryPolicy: JSON.stringify(HTTPS_DELIVERY_POLICY),
    },
    s.opts(),
  );
}

/** AWS Chatbot in one Slack channel: the topics it receives, a role that can only read CloudWatch, a guardrail. */
function chatbot(s: AwsScope, channel: SlackChannel, topicArns: pulumi.Output<string>[]): SlackChannelConfiguration {
  const { name, prefix, account } = s;
  // Settings require both ids on AWS when alerting is on (channels.ts slackProblems).
  if (!channel.workspaceId || !channel.channelId) {
    throw new Error(`slack channel ${channel.name} needs workspaceId and channelId on AWS`);
  }
  const role = new Role(
    `${name}-chatbot-${channel.name}`,
    {
      name: fitName(`${prefix}-chatbot-${channel.name}`, 64),
      description: `AWS Chatbot in Slack ${channel.channel}: reads CloudWatch alarms to render notifications`,
      assumeRolePolicy: account.accountId.apply((id) => JSON.stringify(chatbotTrustPolicy(id))),
      tags: s.tags(),
    },
    s.opts(),
  );
  const policy = new RolePolicy(
    `${name}-chatbot-${channel.name}`,
    { role: role.name, policy: JSON.stringify(CHATBOT_ROLE_POLICY) },
    s.opts(),
  );
  return new SlackChannelConfiguration(
    `${name}-chatbot-${channel.name}`,
    {
      configurationName: fitName(`${prefix}-${channel.name}`, 128),
      iamRoleArn: role.arn,
      slackTeamId: channel.workspaceId,
      slackChannelId: channel.channelId,
      snsTopicArns: topicArns,
      guardrailPolicyArns: [pulumi.interpolate`arn:${account.partition}:iam::aws:policy/${CHATBOT_GUARDRAIL_POLICY}`],
      loggingLevel: "ERROR",
      tags: s.tags(),
    },
    s.opts(false, { dependsOn: [policy] }),
  );
}
