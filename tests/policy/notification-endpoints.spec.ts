/**
 * notification-endpoints-tls: alert subscriptions deliver over TLS. Happy-path fixtures (the protocols Loom uses on
 * AWS, a Pub/Sub https push) pass; one mutation per failing case, exact message.
 */
import type { TopicSubscriptionArgs } from "@pulumi/aws/sns/topicSubscription";
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

describe("notification-endpoints-tls", () => {
  itPasses(notificationEndpointsTls, [
    sns("email", "oncall@example.com", "email"),
    sns("email-json", "oncall@example.com", "email-json"),
    sns("https", "https://events.pagerduty.com/integration/0123abcd/enqueue", "pagerduty"),
    sns("sqs", "arn:aws:sqs:eu-west-1:111122223333:relay", "sqs"),
    sns("lambda", "arn:aws:lambda:eu-west-1:111122223333:function:relay", "lambda"),
    pubsub(),
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
  ]);
});
