/**
 * notification-endpoints-tls: alert subscriptions deliver over TLS. Happy-path fixtures (the protocols Loom uses on
 * AWS, a Pub/Sub https push) pass; one mutation per failing case, exact message.
 */
import type { TopicSubscriptionArgs } from "@pulumi/aws/sns/topicSubscription";
import type { NotificationChannelArgs } from "@pulumi/gcp/monitoring/notificationChannel";
import type { SubscriptionArgs } from "@pulumi/gcp/pubsub/subscription";
import type { Unwrap } from "@pulumi/pulumi";
import { notificationEndpointsTls } from "../../policy/rules/tls/notification-endpoints-tls";
import { itFails, itPasses, mutate, resource } from "../harness/fixtures";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:loom-prod-alerts-critical";
const sns = (protocol: string, endpoint: string, name: string) =>
  resource<Unwrap<TopicSubscriptionArgs>>(
    "aws:sns/topicSubscription:TopicSubscription",
    { topic: TOPIC, protocol, endpoint },
    { name },
  );
const pubsub = () =>
  resource<Unwrap<SubscriptionArgs>>("gcp:pubsub/subscription:Subscription", {
    topic: "projects/loom/topics/alerts",
    pushConfig: { pushEndpoint: "https://hooks.example.com/loom" },
  });

const webhook = () =>
  resource<Unwrap<NotificationChannelArgs>>("gcp:monitoring/notificationChannel:NotificationChannel", {
    displayName: "loom-prod webhook",
    type: "webhook_tokenauth",
    labels: { url: "https://hooks.example.com/loom/0123abcd" },
  });
const email = () =>
  resource<Unwrap<NotificationChannelArgs>>(
    "gcp:monitoring/notificationChannel:NotificationChannel",
    { displayName: "loom-prod email", type: "email", labels: { email_address: "oncall@example.com" } },
    { name: "email" },
  );

describe("notification-endpoints-tls", () => {
  itPasses(notificationEndpointsTls, [
    sns("email", "oncall@example.com", "email"),
    sns("email-json", "oncall@example.com", "email-json"),
    sns("https", "https://events.pagerduty.com/integration/0123abcd/enqueue", "pagerduty"),
    sns("sqs", "arn:aws:sqs:eu-west-1:111122223333:relay", "sqs"),
    sns("lambda", "arn:aws:lambda:eu-west-1:111122223333:function:relay", "lambda"),
    pubsub(),
    webhook(),
    email(),
  ]);

  itFails(notificationEndpointsTls, [
    {
      title: "SNS subscription over plain http",
      resource: sns("http", "http://hooks.example.com/loom?token=x", "webhook"),
      messages: [
        'SNS subscription uses protocol "http": notifications (and any token in the endpoint URL) travel in plaintext; use protocol "https" with an https:// endpoint',
      ],
    },
    {
      title: "SNS subscription by SMS",
      resource: sns("sms", "+15555550100", "sms"),
      messages: ['SNS subscription uses protocol "sms"; use one of email, email-json, https, sqs, lambda'],
    },
    {
      title: "Pub/Sub push to http://",
      resource: mutate(pubsub(), (s) => {
        s.pushConfig = { pushEndpoint: "http://hooks.example.com/loom" };
      }),
      messages: [
        "Pub/Sub push subscription pushes to a non-https endpoint; set pushConfig.pushEndpoint to an https:// URL",
      ],
    },
    {
      title: "Cloud Monitoring webhook to http://",
      resource: mutate(webhook(), (c) => {
        c.labels = { url: "http://hooks.example.com/loom/0123abcd" };
      }),
      messages: [
        "Cloud Monitoring webhook_tokenauth channel calls a non-https URL: incidents (and the token in the URL) travel in plaintext; use an https:// URL",
      ],
    },
    {
      title: "Cloud Monitoring webhook without a URL",
      resource: mutate(webhook(), (c) => {
        c.labels = {};
      }),
      messages: ["Cloud Monitoring webhook_tokenauth channel has no labels.url"],
    },
  ]);
});
