/**
 * Alert channels as a list (DESIGN §11) and the Alertmanager configuration they render to. Pure. Secrets are never
 * values here: every credential is a file path (`*_file` fields) the deployment mounts from a Secret.
 *
 * Routing: every alert also goes to the webhook (for an incident tool); critical → PagerDuty + Slack;
 * warning → Slack + e-mail. Grouped by `namespace` and `loom_alert`. Inhibition: a critical alert silences the
 * warning of the same alert (same `loom_alert`), and a fast SLO burn silences the slow burn of the same SLO.
 */
import type { Severity } from "./alerts";

export type Channel =
  | { kind: "email"; name: string; to: string; from: string; smarthost: string; authPasswordFile?: string }
  | { kind: "slack"; name: string; channel: string; apiUrlFile: string }
  | { kind: "pagerduty"; name: string; routingKeyFile: string }
  /** The URL is not a secret (Alertmanager 0.25 has no `url_file`); the bearer token is, so it is a file. */
  | { kind: "webhook"; name: string; url: string; credentialsFile: string };

export type Routing = Readonly<Record<Severity, readonly Channel["kind"][]>>;

export const DEFAULT_ROUTING: Routing = {
  critical: ["pagerduty", "slack"],
  warning: ["slack", "email"],
};

/** The example channels of the exported file: placeholder addresses and mounted secret files. */
export const EXAMPLE_CHANNELS: readonly Channel[] = [
  {
    kind: "email",
    name: "email",
    to: "oncall@example.com",
    from: "alertmanager@example.com",
    smarthost: "smtp.example.com:587",
    authPasswordFile: "/etc/alertmanager/secrets/smtp-password",
  },
  { kind: "slack", name: "slack", channel: "#loom-alerts", apiUrlFile: "/etc/alertmanager/secrets/slack-webhook-url" },
  { kind: "pagerduty", name: "pagerduty", routingKeyFile: "/etc/alertmanager/secrets/pagerduty-routing-key" },
  {
    kind: "webhook",
    name: "webhook",
    url: "https://hooks.example.com/loom/alerts",
    credentialsFile: "/etc/alertmanager/secrets/webhook-token",
  },
];

const TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})";
const TEXT =
  "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}";

function receiver(c: Channel): Record<string, unknown> {
  switch (c.kind) {
    case "email":
      return {
        name: c.name,
        email_configs: [
          {
            to: c.to,
            from: c.from,
            smarthost: c.smarthost,
            ...(c.authPasswordFile ? { auth_username: c.from, auth_password_file: c.authPasswordFile } : {}),
            send_resolved: true,
            headers: { Subject: TITLE },
          },
        ],
      };
    case "slack":
      return {
        name: c.name,
        slack_configs: [
          { api_url_file: c.apiUrlFile, channel: c.channel, send_resolved: true, title: TITLE, text: TEXT },
        ],
      };
    case "pagerduty":
      return {
        name: c.name,
        pagerduty_configs: [{ routing_key_file: c.routingKeyFile, send_resolved: true, description: TITLE }],
      };
    case "webhook":
      return {
        name: c.name,
        webhook_configs: [
          { url: c.url, send_resolved: true, http_config: { authorization: { credentials_file: c.credentialsFile } } },
        ],
      };
    default: {
      const never: never = c;
      throw new Error(`unknown channel ${JSON.stringify(never)}`);
    }
  }
}

function routesFor(severity: Severity, kinds: readonly Channel["kind"][], channels: readonly Channel[]) {
  return channels
    .filter((c) => kinds.includes(c.kind))
    .map((c) => ({ receiver: c.name, matchers: [`severity="${severity}"`], continue: true }));
}

/** The Alertmanager configuration; the last matching route does not continue, so nothing falls to the default. */
export function alertmanagerConfig(
  channels: readonly Channel[] = EXAMPLE_CHANNELS,
  routing: Routing = DEFAULT_ROUTING,
): Record<string, unknown> {
  if (channels.length === 0) throw new Error("alerting needs at least one channel");
  const webhooks = channels.filter((c) => c.kind === "webhook").map((c) => ({ receiver: c.name, continue: true }));
  const routes = [
    ...webhooks,
    ...routesFor("critical", routing.critical, channels),
    ...routesFor("warning", routing.warning, channels),
  ];
  const fallback = channels.find((c) => c.kind === "email") ?? channels[0];
  return {
    route: {
      receiver: fallback.name,
      group_by: ["namespace", "loom_alert"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes,
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["namespace", "loom_alert"],
      },
      {
        source_matchers: ['severity="critical"', 'loom_slo=~".+"'],
        target_matchers: ['severity="warning"', 'loom_slo=~".+"'],
        equal: ["namespace", "loom_slo"],
      },
    ],
    receivers: channels.map(receiver),
  };
}
