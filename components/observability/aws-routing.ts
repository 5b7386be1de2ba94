/**
 * Where AWS alarms go, as plain data: which severities get a topic, what each topic delivers to, the topic policy,
 * the PagerDuty URL and the AWS Chatbot role. Pure (aws-notify.ts creates the resources; tests check this directly).
 *
 * One SNS topic per severity that has alerts and at least one routed channel. Per channel kind:
 * - email → an `email` subscription (the recipient confirms once);
 * - pagerduty → an `https` subscription to PagerDuty's Amazon CloudWatch integration endpoint (auto-confirmed);
 * - webhook → an `https` subscription to the secret URL (the receiver confirms the subscription);
 * - slack → AWS Chatbot: one Slack channel configuration per Slack channel, subscribed to the topics of the
 *   severities routed to it. SNS cannot post Slack's message format to an incoming webhook without a relay function,
 *   and Chatbot keeps no credential in the stack (the workspace is authorised once in the console).
 */
import type { AlertDef } from "./catalog/alerts";
import { type AlertChannel, type AlertingSettings, SEVERITIES, type Severity } from "./channels";

export type SlackChannel = Extract<AlertChannel, { kind: "slack" }>;

export interface Routing {
  /** Severities that get a topic, in SEVERITIES order. */
  severities: Severity[];
  /** Per topic severity, the non-Slack channels it delivers to. */
  subscriptions: Partial<Record<Severity, Exclude<AlertChannel, { kind: "slack" }>[]>>;
  /** Per Slack channel, the severities whose topics it receives. */
  slack: { channel: SlackChannel; severities: Severity[] }[];
}

/** The routing of `channels` for the alerts that exist: no topic or subscription for a severity nobody needs. */
export function routingOf(channels: AlertingSettings, alerts: readonly Pick<AlertDef, "severity">[]): Routing {
  const routed = (s: Severity) => channels.channels.filter((c) => channels.routes[s].includes(c.name));
  const severities = SEVERITIES.filter((s) => alerts.some((a) => a.severity === s) && routed(s).length > 0);
  const subscriptions: Routing["subscriptions"] = {};
  for (const s of severities) {
    subscriptions[s] = routed(s).filter((c): c is Exclude<AlertChannel, { kind: "slack" }> => c.kind !== "slack");
  }
  const slack = channels.channels
    .filter((c): c is SlackChannel => c.kind === "slack")
    .map((channel) => ({ channel, severities: severities.filter((s) => routed(s).includes(channel)) }))
    .filter((x) => x.severities.length > 0);
  return { severities, subscriptions, slack };
}

/** The topic of a severity: `<prefix>-alerts-<severity>`. */
export function topicName(prefix: string, severity: Severity): string {
  return `${prefix}-alerts-${severity}`;
}

/** PagerDuty's Amazon CloudWatch integration endpoint for an integration key. */
export function pagerdutyUrl(integrationKey: string): string {
  if (!/^[A-Za-z0-9]+$/.test(integrationKey)) {
    throw new Error("the PagerDuty integration key must be letters and digits (the value is not shown)");
  }
  return `https://events.pagerduty.com/integration/${integrationKey}/enqueue`;
}

/**
 * Retries of an HTTPS delivery (PagerDuty, webhook): SNS's default is 3 retries 20 s apart, so a receiver's minute of
 * downtime loses the page. Here 12 retries with exponential backoff from 5 s to 5 min (about 15 min in all, inside
 * SNS's 1-hour limit on a retry policy).
 */
export const HTTPS_DELIVERY_POLICY = {
  healthyRetryPolicy: {
    numRetries: 12,
    numNoDelayRetries: 0,
    minDelayTarget: 5,
    maxDelayTarget: 300,
    numMinDelayRetries: 1,
    numMaxDelayRetries: 0,
    backoffFunction: "exponential",
  },
} as const;

export interface AlertTopicPolicyArgs {
  topicArn: string;
  accountId: string;
  partition: string;
  region: string;
  prefix: string;
}

/**
 * An alert topic's resource policy: only CloudWatch alarms (metric and composite) and EventBridge rules of this
 * account whose names start with `<prefix>-` may publish, and any request without TLS is denied. The account's own principals (the deployer,
 * which also creates the Chatbot subscription) manage and subscribe through IAM.
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
        // Backups' EventBridge rules (failed backup and DR copy jobs, failed logical backups) page through here too.
        Sid: "StackEventRulesPublish",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: a.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": a.accountId },
          ArnLike: { "aws:SourceArn": `arn:${a.partition}:events:${a.region}:${a.accountId}:rule/${a.prefix}-*` },
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

/** The trust policy of the Chatbot channel role: only AWS Chatbot, only for this account's configurations. */
export function chatbotTrustPolicy(accountId: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "chatbot.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/**
 * What the channel role may do: read CloudWatch alarms and metrics so Chatbot can render an alarm's graph in Slack
 * (AWS's "Notification permissions" template). Nothing else: no command can change anything through this channel.
 */
export const CHATBOT_ROLE_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadAlarmsForNotifications",
      Effect: "Allow",
      Action: ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"],
      Resource: "*",
    },
  ],
} as const;

/**
 * Guardrail of the channel (caps what anyone in the Slack channel can do through Chatbot, whatever the role allows;
 * without it Chatbot applies AdministratorAccess): CloudWatch read-only.
 */
export const CHATBOT_GUARDRAIL_POLICY = "CloudWatchReadOnlyAccess";
