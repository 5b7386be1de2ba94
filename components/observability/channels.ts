/**
 * Alert channels as stack config (`loom:alerting`, DESIGN §11): a list of channels and a routing of severities to
 * channel kinds. Pure: zod only, no SDK; settings.ts validates with {@link ALERTING_SCHEMA} and resolves with
 * {@link resolveAlerting}.
 *
 * Credentials are never in this object. They live in ONE secret config object, `loom:alertSecrets`, one entry per
 * channel (`secret`, default the channel's name): `pulumi config set --secret --path loom:alertSecrets.pagerduty …`.
 * Settings requires the entry to exist and the key to be stored as a secret; the program reads it as a secret Output
 * (never in plan inputs in clear) and messages never show its values.
 *
 * | kind | what | credential (`loom:alertSecrets.<secret>`) |
 * |---|---|---|
 * | email | `to` | none (the cloud's mail service: SNS e-mail on AWS; the cluster Alertmanager's SMTP relay on Kubernetes) |
 * | slack | `channel` (+ `workspaceId`/`channelId` for AWS Chatbot) | an incoming-webhook URL (not used on AWS) |
 * | pagerduty | an Events API v2 integration | the integration (routing) key |
 * | webhook | a generic HTTPS receiver (an incident tool) | the whole https:// URL, since it usually holds a token |
 */
import { z } from "zod";
import type { ImplementedCloud } from "../cloud";
import { DNS_LABEL, email, show } from "../targets/values";

export type Severity = "critical" | "warning";
export const SEVERITIES: readonly Severity[] = ["critical", "warning"];
export const CHANNEL_KINDS = ["email", "slack", "pagerduty", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The config key holding every channel credential. */
export const SECRETS_KEY = "alertSecrets";

/**
 * How Slack is reached on each cloud. AWS: AWS Chatbot (a Slack workspace authorised once in the console, then a
 * `SlackChannelConfiguration` subscribed to the SNS topics; SNS cannot post Slack's payload to an incoming webhook
 * without a relay function, and Chatbot needs no credential in the stack). GCP: Cloud Monitoring's own `slack`
 * notification channel, which posts with the Slack app's bot token (`xoxb-…`, the `auth_token` label); its webhook
 * channel sends Monitoring's incident JSON, which a Slack incoming webhook refuses. Kubernetes: Alertmanager's
 * `slack_configs` with the incoming-webhook URL. DigitalOcean: Monitoring's and Uptime's own `slacks` entries take
 * the incoming-webhook URL (a Pulumi secret; the SDK does not mark it one).
 */
export const SLACK_VIA: Readonly<Record<ImplementedCloud, "chatbot" | "webhook" | "token">> = {
  aws: "chatbot",
  gcp: "token",
  azure: "webhook",
  digitalocean: "webhook",
  kubernetes: "webhook",
};

/** Routing when the stack sets none: critical pages; warnings go to chat and mail; the webhook sees everything. */
export const DEFAULT_ROUTING: Readonly<Record<Severity, readonly ChannelKind[]>> = {
  critical: ["pagerduty", "slack", "webhook"],
  warning: ["slack", "email", "webhook"],
};

const name = z.string().regex(DNS_LABEL, "must be 1-63 of a-z 0-9 -, starting and ending alphanumeric");
const secretKey = z
  .string()
  .regex(/^[a-z][A-Za-z0-9_-]{0,62}$/, `must name an entry of loom:${"alertSecrets"} such as pagerduty`);

const CHANNEL_SCHEMA = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("email"), name: name.optional(), to: email() }).strict(),
    z
      .object({
        kind: z.literal("slack"),
        name: name.optional(),
        channel: z.string().regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, "must be a Slack channel such as #loom-alerts"),
        secret: secretKey.optional(),
        workspaceId: z
          .string()
          .regex(/^T[A-Z0-9]{8,}$/, "must be a Slack workspace (team) id such as T0123ABCD")
          .optional(),
        channelId: z
          .string()
          .regex(/^[CG][A-Z0-9]{8,}$/, "must be a Slack channel id such as C0123ABCD")
          .optional(),
      })
      .strict(),
    z.object({ kind: z.literal("pagerduty"), name: name.optional(), secret: secretKey.optional() }).strict(),
    z.object({ kind: z.literal("webhook"), name: name.optional(), secret: secretKey.optional() }).strict(),
  ],
  { error: `must be one of ${CHANNEL_KINDS.join(", ")}` },
);

const kinds = z.array(z.enum(CHANNEL_KINDS));

/** The schema of `loom:alerting`. */
export const ALERTING_SCHEMA = z
  .object({
    channels: z.array(CHANNEL_SCHEMA),
    routing: z.object({ critical: kinds, warning: kinds }).partial().strict(),
  })
  .partial()
  .strict();

export type AlertingConfig = z.output<typeof ALERTING_SCHEMA>;

/** A resolved channel: a unique `name`, and for credentialed kinds the `loom:alertSecrets` entry of its secret. */
export type AlertChannel =
  | { kind: "email"; name: string; to: string }
  | { kind: "slack"; name: string; channel: string; secret: string; workspaceId?: string; channelId?: string }
  | { kind: "pagerduty"; name: string; secret: string }
  | { kind: "webhook"; name: string; secret: string };

/** The alerting settings every cloud renders: channels, and per severity the names of the channels it reaches. */
export interface AlertingSettings {
  channels: AlertChannel[];
  routes: Record<Severity, string[]>;
}

export interface AlertingContext {
  cloud: ImplementedCloud;
  /** The profile's `alerting`. */
  enabled: boolean;
  /** `loom:alertSecrets` as the stack holds it (values are never shown), and whether it is stored as a secret. */
  alertSecrets: unknown;
  alertSecretsIsSecret: boolean;
  problems: string[];
  warnings: string[];
}

const KEY = "loom:alerting";

/** Names, secrets and routes; every problem names the key as the stack wrote it. */
export function resolveAlerting(cfg: AlertingConfig, ctx: AlertingContext): AlertingSettings {
  const channels = (cfg.channels ?? []).map((c, i) => resolveChannel(c, i, ctx));
  const seen = new Set<string>();
  channels.forEach((c, i) => {
    if (seen.has(c.name)) {
      ctx.problems.push(`${KEY}.channels[${i}].name: ${show(c.name)} is used twice; give each channel its own name`);
    }
    seen.add(c.name);
  });
  if (ctx.enabled && channels.length === 0) {
    ctx.problems.push(
      `${KEY}.channels: alerting is on (the profile's alerting) but no channel is configured; add at least one of ${CHANNEL_KINDS.join(", ")}, e.g. [{"kind":"email","to":"oncall@example.com"}]`,
    );
  }
  if (!ctx.enabled && channels.length > 0) {
    ctx.warnings.push(
      `${KEY}.channels is set but the profile's alerting is off: no alert is created, nobody is notified`,
    );
  }
  const routes = {} as Record<Severity, string[]>;
  for (const severity of SEVERITIES) {
    const explicit = cfg.routing?.[severity];
    const wanted = explicit ?? DEFAULT_ROUTING[severity];
    let names = channels.filter((c) => wanted.includes(c.kind)).map((c) => c.name);
    if (names.length === 0 && explicit === undefined) names = channels.map((c) => c.name);
    if (names.length === 0 && ctx.enabled && channels.length > 0) {
      ctx.problems.push(
        `${KEY}.routing.${severity}: ${show(explicit)} reaches none of the configured channels (${channels.map((c) => c.kind).join(", ")}); every severity must reach at least one`,
      );
    }
    routes[severity] = names;
  }
  return { channels, routes };
}

function resolveChannel(c: z.output<typeof CHANNEL_SCHEMA>, i: number, ctx: AlertingContext): AlertChannel {
  const at = `${KEY}.channels[${i}]`;
  const channelName = c.name ?? c.kind;
  if (c.kind === "email") return { kind: "email", name: channelName, to: c.to };
  const secret = c.secret ?? channelName;
  const needsSecret = c.kind !== "slack" || SLACK_VIA[ctx.cloud] !== "chatbot";
  if (ctx.enabled && needsSecret) secretProblem(`${at}.secret`, secret, secretFormat(c.kind, ctx.cloud), ctx);
  if (c.kind === "slack") {
    slackProblems(c, at, ctx);
    return {
      kind: "slack",
      name: channelName,
      channel: c.channel,
      secret,
      ...(c.workspaceId ? { workspaceId: c.workspaceId } : {}),
      ...(c.channelId ? { channelId: c.channelId } : {}),
    };
  }
  return { kind: c.kind, name: channelName, secret };
}

type SecretFormat = "url" | "pagerduty-key" | "slack-token";

function secretFormat(kind: "slack" | "pagerduty" | "webhook", cloud: ImplementedCloud): SecretFormat {
  if (kind === "pagerduty") return "pagerduty-key";
  return kind === "slack" && SLACK_VIA[cloud] === "token" ? "slack-token" : "url";
}

function secretProblem(at: string, entry: string, format: SecretFormat, ctx: AlertingContext): void {
  const key = `loom:${SECRETS_KEY}.${entry}`;
  const how = `pulumi config set --secret --path ${key} <value>`;
  const store = ctx.alertSecrets;
  const value = typeof store === "object" && store !== null ? (store as Record<string, unknown>)[entry] : undefined;
  // The value is never shown: it is the credential.
  if (value === undefined) ctx.problems.push(`${at}: ${key} is not set; set it with \`${how}\``);
  else if (typeof value !== "string" || value.trim() === "") {
    ctx.problems.push(`${at}: ${key} must be a non-empty string; set it with \`${how}\``);
  } else if (format === "url" && !/^https:\/\/\S+$/.test(value)) {
    ctx.problems.push(`${at}: ${key} must be an https:// URL (TLS only; the value is not shown)`);
  } else if (format === "slack-token" && !/^xoxb-[A-Za-z0-9-]+$/.test(value)) {
    ctx.problems.push(
      `${at}: ${key} must be the Slack app's bot token (xoxb-…) on ${ctx.cloud}: Cloud Monitoring posts to Slack with it (docs/alerting.md#slack; the value is not shown)`,
    );
  } else if (format === "pagerduty-key" && !/^[A-Za-z0-9]+$/.test(value)) {
    // It becomes a path segment of PagerDuty's CloudWatch integration URL (observability/aws-routing.ts).
    ctx.problems.push(
      `${at}: ${key} must be a PagerDuty integration key: letters and digits only (the value is not shown)`,
    );
  } else if (!ctx.alertSecretsIsSecret) {
    ctx.problems.push(
      `${at}: loom:${SECRETS_KEY} is stored in plain text; it holds credentials, store it with \`${how}\``,
    );
  }
}

function slackProblems(
  c: { workspaceId?: string; channelId?: string; secret?: string },
  at: string,
  ctx: AlertingContext,
) {
  if (SLACK_VIA[ctx.cloud] === "chatbot") {
    for (const key of ["workspaceId", "channelId"] as const) {
      if (ctx.enabled && !c[key]) {
        ctx.problems.push(
          `${at}.${key} is required on ${ctx.cloud}: Slack is reached through AWS Chatbot, which needs the workspace and channel ids (docs/alerting.md#slack)`,
        );
      }
    }
    if (c.secret) ctx.warnings.push(`${at}.secret does not apply on ${ctx.cloud}: Slack goes through AWS Chatbot`);
  } else {
    const how = SLACK_VIA[ctx.cloud] === "token" ? "the Slack app's bot token" : "its incoming webhook";
    for (const key of ["workspaceId", "channelId"] as const) {
      if (c[key]) {
        ctx.warnings.push(`${at}.${key} does not apply on ${ctx.cloud}: Slack is reached through ${how}`);
      }
    }
  }
}

/** The `loom:alertSecrets` entries the selected cloud reads (every credentialed channel's `secret`). */
export function secretKeysOf(a: AlertingSettings, cloud: ImplementedCloud): string[] {
  const keys = a.channels
    .filter((c) => c.kind !== "email" && (c.kind !== "slack" || SLACK_VIA[cloud] !== "chatbot"))
    .map((c) => (c as { secret: string }).secret);
  return [...new Set(keys)];
}
