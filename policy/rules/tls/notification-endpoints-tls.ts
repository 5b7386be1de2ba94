/**
 * Alert notifications leave the cloud only over TLS: SNS subscriptions use email, email-json, https, sqs or lambda
 * (never http, whose POST carries the alarm and often a token in the URL in plaintext), and Pub/Sub push
 * subscriptions push to https:// endpoints, and Cloud Monitoring webhook channels call https:// URLs, and Azure Monitor
 * action groups call https:// webhook, Logic App and Function URLs, and DigitalOcean monitor and uptime alerts post to
 * https:// Slack webhooks.
 */
import type { TopicSubscriptionArgs } from "@pulumi/aws/sns/topicSubscription";
import type { ActionGroupArgs } from "@pulumi/azure-native/monitor/actionGroup";
import type { MonitorAlertArgs } from "@pulumi/digitalocean/monitorAlert";
import type { UptimeAlertArgs } from "@pulumi/digitalocean/uptimeAlert";
import type { NotificationChannelArgs } from "@pulumi/gcp/monitoring/notificationChannel";
import type { SubscriptionArgs } from "@pulumi/gcp/pubsub/subscription";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

/** SNS protocols that deliver over TLS or stay inside AWS. */
export const SNS_PROTOCOLS = ["email", "email-json", "https", "sqs", "lambda"] as const;

/** The URL-bearing receivers of an Azure Monitor action group: [kind, receiver name, URL]. */
function actionGroupUrls(g: {
  webhookReceivers?: { name: string; serviceUri: string }[];
  logicAppReceivers?: { name: string; callbackUrl: string }[];
  azureFunctionReceivers?: { name: string; httpTriggerUrl: string }[];
}): [string, string, unknown][] {
  return [
    ...(g.webhookReceivers ?? []).map((r): [string, string, unknown] => ["webhook receiver", r.name, r.serviceUri]),
    ...(g.logicAppReceivers ?? []).map((r): [string, string, unknown] => ["Logic App receiver", r.name, r.callbackUrl]),
    ...(g.azureFunctionReceivers ?? []).map((r): [string, string, unknown] => [
      "Azure Function receiver",
      r.name,
      r.httpTriggerUrl,
    ]),
  ];
}

/** DigitalOcean alert policies' Slack webhooks (monitor alerts: `alerts.slacks`; uptime alerts: `notifications[].slacks`). */
function slackUrls(what: string, slacks: { channel?: string; url?: string }[], ctx: { report(m: string): void }) {
  for (const s of slacks) {
    if (typeof s.url !== "string" || !s.url.startsWith("https://")) {
      ctx.report(
        `${what} Slack notification to ${q(s.channel ?? "")} calls a non-https URL: alerts (and the webhook's token, which is its path) travel in plaintext; use the https:// webhook URL`,
      );
    }
  }
}

export const notificationEndpointsTls = rule({
  name: "notification-endpoints-tls",
  concern: "tls",
  description:
    "Notification subscriptions deliver over TLS: SNS subscriptions use only email, email-json, https, sqs or lambda (never http); Pub/Sub push endpoints, Cloud Monitoring webhook channels and Azure Monitor action group webhook/Logic App/Function receivers and DigitalOcean alert Slack webhooks are https://.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'SNS: subscribe with protocol "https" to an https:// endpoint (PagerDuty, a webhook receiver), or "sqs"/"lambda" for a relay inside AWS. Pub/Sub: set pushConfig.pushEndpoint to an https:// URL. Cloud Monitoring: set labels.url of a webhook_tokenauth/webhook_basicauth channel to an https:// URL. Azure Monitor: every action group webhookReceivers[].serviceUri (and Logic App callbackUrl, Function httpTriggerUrl) an https:// URL. DigitalOcean: every MonitorAlert `alerts.slacks[].url` and UptimeAlert `notifications[].slacks[].url` an https:// Slack webhook, passed as a Pulumi secret.',
  checks: [
    on<TopicSubscriptionArgs>("aws:sns/topicSubscription:TopicSubscription", (sub, ctx) => {
      const protocol = String(sub.protocol ?? "");
      if (protocol === "http") {
        ctx.report(
          'SNS subscription uses protocol "http": notifications (and any token in the endpoint URL) travel in plaintext; use protocol "https" with an https:// endpoint',
        );
      } else if (!(SNS_PROTOCOLS as readonly string[]).includes(protocol)) {
        ctx.report(`SNS subscription uses protocol "${protocol}"; use one of ${SNS_PROTOCOLS.join(", ")}`);
      }
    }),
    on<SubscriptionArgs>("gcp:pubsub/subscription:Subscription", (sub, ctx) => {
      const endpoint = sub.pushConfig?.pushEndpoint;
      if (typeof endpoint === "string" && !endpoint.startsWith("https://")) {
        ctx.report(
          "Pub/Sub push subscription pushes to a non-https endpoint; set pushConfig.pushEndpoint to an https:// URL",
        );
      }
    }),
    on<NotificationChannelArgs>("gcp:monitoring/notificationChannel:NotificationChannel", (ch, ctx) => {
      const type = String(ch.type ?? "");
      if (!type.startsWith("webhook")) return;
      const url = ch.labels?.url;
      if (typeof url !== "string") {
        ctx.report(`Cloud Monitoring ${type} channel has no labels.url`);
      } else if (!url.startsWith("https://")) {
        ctx.report(
          `Cloud Monitoring ${type} channel calls a non-https URL: incidents (and the token in the URL) travel in plaintext; use an https:// URL`,
        );
      }
    }),
    on<ActionGroupArgs>("azure-native:monitor:ActionGroup", (g, ctx) => {
      for (const [kind, name, url] of actionGroupUrls(g)) {
        if (typeof url !== "string" || !url.startsWith("https://")) {
          ctx.report(
            `action group ${kind} ${q(name)} calls a non-https URL: alerts (and the token in the URL) travel in plaintext; use an https:// URL`,
          );
        }
      }
    }),
    on<MonitorAlertArgs>("digitalocean:index/monitorAlert:MonitorAlert", (a, ctx) =>
      slackUrls("monitor alert", a.alerts?.slacks ?? [], ctx),
    ),
    on<UptimeAlertArgs>("digitalocean:index/uptimeAlert:UptimeAlert", (a, ctx) =>
      slackUrls(
        "uptime alert",
        (a.notifications ?? []).flatMap((n) => n.slacks ?? []),
        ctx,
      ),
    ),
  ],
});
