/**
 * no-credential-literals and the alert channels' own credential fields: a real-shaped Slack webhook or bot token is
 * allowed where the channel keeps its credential (Azure webhook receivers, GCP sensitive labels, DigitalOcean Slack
 * entries: tests/policy/digitalocean.spec.ts), and refused anywhere else on the same resource.
 */
import { noCredentialLiterals } from "../../policy/rules/secrets/no-credential-literals";
import { azure, itFails, itPasses, mutate } from "../harness/fixtures";
import { resource } from "../harness/fixtures/resource";

const SLACK = `https://hooks.slack.com/services/T0FAKE000/B0FAKE000/${"x".repeat(24)}`;
const BOT_TOKEN = `xoxb-${"0".repeat(12)}-fake-token-for-tests`;
const LEAK = (start: string) =>
  `contains a Slack token or webhook (${start}…); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference`;

const gcpSlack = (labels: Record<string, string>, sensitiveLabels: Record<string, string>) =>
  resource("gcp:monitoring/notificationChannel:NotificationChannel", {
    type: "slack",
    displayName: "loom-slack",
    labels,
    sensitiveLabels,
    enabled: true,
  });

describe("no-credential-literals: alert channel credentials on Azure and GCP", () => {
  itPasses(
    noCredentialLiterals,
    [
      mutate(azure.actionGroup(), (g) => {
        const hook = g.webhookReceivers?.[0];
        if (hook) hook.serviceUri = SLACK;
      }),
      gcpSlack({ channel_name: "#loom-alerts" }, { authToken: BOT_TOKEN }),
    ],
    {},
    "with the webhook URL in the receiver's serviceUri, the bot token in sensitiveLabels",
  );
  itFails(noCredentialLiterals, [
    {
      title: "an Azure action group with the webhook in its short name",
      resource: mutate(azure.actionGroup(), (g) => {
        g.groupShortName = SLACK;
      }),
      messages: [`input "groupShortName" ${LEAK("https")}`],
    },
    {
      title: "a GCP channel with the bot token in its plain labels",
      resource: gcpSlack({ channel_name: "#loom-alerts", auth_token: BOT_TOKEN }, {}),
      messages: [`input "labels.auth_token" ${LEAK("xoxb-")}`],
    },
  ]);
});
