/**
 * Alertmanager routing of the alert channels (`loom:alerting`, channels.ts), shared by every Alertmanager rendering:
 * {@link routingPlan} decides receivers, routes, grouping and inhibition once; {@link alertmanagerConfig} writes it as
 * a plain alertmanager.yml (the exported observability/alertmanager/alertmanager.yml, checked by `amtool
 * check-config`: secrets as `*_file` paths), and k8s-alertmanager.ts as a prometheus-operator AlertmanagerConfig
 * (secrets as SecretKeySelectors). The two differ only in how a secret is referenced and in key casing. Pure.
 *
 * Routing: one child route per (severity, routed channel), all with `continue: true`, so a severity reaches every
 * channel `routes[severity]` names (an alert that matched a child never falls back to the root receiver).
 * Grouped by `namespace` and `loom_alert`. Inhibition: a critical alert silences the warning of the same
 * `loom_alert`, and a fast SLO burn (critical) silences the slow burn (warning) of the same `loom_slo`, both within
 * one namespace.
 */
import { type AlertChannel, type AlertingSettings, DEFAULT_ROUTING, SEVERITIES, type Severity } from "../channels";

export interface LabelMatcher {
  name: string;
  op: "=" | "=~";
  value: string;
}

export interface ChildRoute {
  receiver: string;
  matchers: LabelMatcher[];
  continue: true;
}

export interface InhibitRule {
  source: LabelMatcher[];
  target: LabelMatcher[];
  equal: string[];
}

export interface RoutingPlan {
  /** The root route's receiver: only an alert of no known severity reaches it (the first warning channel). */
  receiver: string;
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  routes: ChildRoute[];
  inhibit: InhibitRule[];
  /** The channels some route names, in configuration order (an unrouted channel gets no receiver). */
  receivers: AlertChannel[];
}

const eq = (name: string, value: string): LabelMatcher => ({ name, op: "=", value });
const present = (name: string): LabelMatcher => ({ name, op: "=~", value: ".+" });

export const INHIBIT_RULES: readonly InhibitRule[] = [
  { source: [eq("severity", "critical")], target: [eq("severity", "warning")], equal: ["namespace", "loom_alert"] },
  {
    source: [eq("severity", "critical"), present("loom_slo")],
    target: [eq("severity", "warning"), present("loom_slo")],
    equal: ["namespace", "loom_slo"],
  },
];

/** Receivers, routes, grouping and inhibition of a channel configuration; every severity must reach a channel. */
export function routingPlan(a: AlertingSettings): RoutingPlan {
  if (a.channels.length === 0) throw new Error("alerting needs at least one channel");
  const byName = new Map(a.channels.map((c) => [c.name, c]));
  for (const severity of SEVERITIES) {
    if (a.routes[severity].length === 0) throw new Error(`severity ${severity} reaches no channel`);
    for (const n of a.routes[severity]) if (!byName.has(n)) throw new Error(`${severity} routes to unknown ${n}`);
  }
  const routes = SEVERITIES.flatMap((severity) =>
    a.routes[severity].map(
      (receiver): ChildRoute => ({ receiver, matchers: [eq("severity", severity)], continue: true }),
    ),
  );
  const routed = new Set(routes.map((r) => r.receiver));
  return {
    receiver: a.routes.warning[0],
    groupBy: ["namespace", "loom_alert"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
    routes,
    inhibit: [...INHIBIT_RULES],
    receivers: a.channels.filter((c) => routed.has(c.name)),
  };
}

/** The default routing (channels.ts DEFAULT_ROUTING) of a channel list, by channel name. */
export function defaultRoutes(channels: readonly AlertChannel[]): Record<Severity, string[]> {
  const of = (s: Severity) => channels.filter((c) => DEFAULT_ROUTING[s].includes(c.kind)).map((c) => c.name);
  return { critical: of("critical"), warning: of("warning") };
}

/** The example configuration of the exported file: one channel of each kind, the default routing. */
export const EXAMPLE_CHANNELS: readonly AlertChannel[] = [
  { kind: "email", name: "email", to: "oncall@example.com" },
  { kind: "slack", name: "slack", channel: "#loom-alerts", secret: "slack" },
  { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
  { kind: "webhook", name: "webhook", secret: "webhook" },
];
export const EXAMPLE_SETTINGS: AlertingSettings = {
  channels: [...EXAMPLE_CHANNELS],
  routes: defaultRoutes(EXAMPLE_CHANNELS),
};

/** How the plain file references what a stack keeps in `loom:alertSecrets` and in the cluster Alertmanager. */
export interface FileSecrets {
  /** The SMTP relay (`global.smtp_*`): the same settings the cluster Alertmanager holds on Kubernetes. */
  smtp: { from: string; smarthost: string; username: string; passwordFile: string };
  /**
   * The mounted file holding a `loom:alertSecrets` entry: with `<dir>/<entry>`, the channel Secret of a Kubernetes
   * stack mounted at `<dir>` provides exactly these files (except the webhook's `<entry>-token`, see below).
   */
  file: (entry: string) => string;
  /**
   * A webhook channel's URL. Alertmanager 0.25 (Debian bookworm's, which CI checks with) has no `url_file`, so the
   * file carries the URL and the token goes as a bearer credentials file (`<entry>-token`); the AlertmanagerConfig reads the whole URL
   * from its Secret instead.
   */
  webhookUrl: (channel: string) => string;
}

const SECRETS_DIR = "/etc/alertmanager/secrets";
export const EXAMPLE_FILE_SECRETS: FileSecrets = {
  smtp: {
    from: "alertmanager@example.com",
    smarthost: "smtp.example.com:587",
    username: "alertmanager@example.com",
    passwordFile: `${SECRETS_DIR}/smtp-password`,
  },
  file: (entry) => `${SECRETS_DIR}/${entry}`,
  webhookUrl: (channel) => `https://hooks.example.com/loom/${channel}`,
};

/** Notification texts: the alert, its namespace, and each alert's summary, description and runbook link. */
export const TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})";
export const TEXT =
  "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}";

function fileReceiver(c: AlertChannel, s: FileSecrets): Record<string, unknown> {
  switch (c.kind) {
    case "email":
      return { name: c.name, email_configs: [{ to: c.to, send_resolved: true, headers: { Subject: TITLE } }] };
    case "slack":
      return {
        name: c.name,
        slack_configs: [
          { api_url_file: s.file(c.secret), channel: c.channel, send_resolved: true, title: TITLE, text: TEXT },
        ],
      };
    case "pagerduty":
      return {
        name: c.name,
        pagerduty_configs: [{ routing_key_file: s.file(c.secret), send_resolved: true, description: TITLE }],
      };
    case "webhook":
      return {
        name: c.name,
        webhook_configs: [
          {
            url: s.webhookUrl(c.name),
            send_resolved: true,
            http_config: { authorization: { credentials_file: s.file(`${c.secret}-token`) } },
          },
        ],
      };
    default: {
      const never: never = c;
      throw new Error(`unknown channel ${JSON.stringify(never)}`);
    }
  }
}

/** A matcher in Alertmanager's string syntax: `severity="critical"`. */
export const matcherText = (m: LabelMatcher) => `${m.name}${m.op}${JSON.stringify(m.value)}`;

/** The plain Alertmanager configuration (alertmanager.yml) of a channel configuration. */
export function alertmanagerConfig(
  settings: AlertingSettings = EXAMPLE_SETTINGS,
  secrets: FileSecrets = EXAMPLE_FILE_SECRETS,
): Record<string, unknown> {
  const plan = routingPlan(settings);
  const smtp = plan.receivers.some((c) => c.kind === "email")
    ? {
        smtp_from: secrets.smtp.from,
        smtp_smarthost: secrets.smtp.smarthost,
        smtp_auth_username: secrets.smtp.username,
        smtp_auth_password_file: secrets.smtp.passwordFile,
        smtp_require_tls: true,
      }
    : {};
  return {
    global: { resolve_timeout: "5m", ...smtp },
    route: {
      receiver: plan.receiver,
      group_by: plan.groupBy,
      group_wait: plan.groupWait,
      group_interval: plan.groupInterval,
      repeat_interval: plan.repeatInterval,
      routes: plan.routes.map((r) => ({ receiver: r.receiver, matchers: r.matchers.map(matcherText), continue: true })),
    },
    inhibit_rules: plan.inhibit.map((r) => ({
      source_matchers: r.source.map(matcherText),
      target_matchers: r.target.map(matcherText),
      equal: r.equal,
    })),
    receivers: plan.receivers.map((c) => fileReceiver(c, secrets)),
  };
}
