/**
 * Cloud Monitoring notification channels from `loom:alerting` (channels.ts) and the ids each severity notifies.
 *
 * Per channel kind (Cloud Monitoring's channel types):
 * - email → `email` with `labels.email_address` (the recipient gets a verification mail once);
 * - slack → `slack` with `labels.channel_name` and the Slack app's bot token (`xoxb-…`) as `sensitiveLabels.authToken`
 *   (channels.ts SLACK_VIA.gcp = "token"; the app must be invited to the channel);
 * - pagerduty → `pagerduty` with the integration (service) key as `sensitiveLabels.serviceKey`;
 * - webhook → `webhook_tokenauth` with the whole https:// URL (it usually holds a token) as `labels.url`.
 *
 * Credentials come only from `args.channelSecrets` (secret Outputs): sensitive labels are write-only in the API, and
 * the webhook URL, a secret input, stays secret in the state. Only channels some severity routes to are created.
 */
import { NotificationChannel } from "@pulumi/gcp/monitoring/notificationChannel";
import type * as pulumi from "@pulumi/pulumi";
import type { GcpScope } from "../lib/gcp";
import { channelSecret, type ResolvedObservabilityArgs } from ".";
import { type AlertChannel, SEVERITIES, type Severity } from "./channels";

export interface ChannelSpec {
  type: "email" | "slack" | "pagerduty" | "webhook_tokenauth";
  labels: Record<string, pulumi.Input<string>>;
  sensitiveLabels?: { authToken?: pulumi.Input<string>; serviceKey?: pulumi.Input<string> };
}

/** A channel's type and labels; `secret` is the channel's credential (absent for e-mail). */
export function channelSpec(c: AlertChannel, secret: pulumi.Input<string> | undefined): ChannelSpec {
  if (c.kind === "email") return { type: "email", labels: { email_address: c.to } };
  if (secret === undefined) throw new Error(`channel ${c.name} (${c.kind}) needs its credential`);
  switch (c.kind) {
    case "slack":
      return { type: "slack", labels: { channel_name: c.channel }, sensitiveLabels: { authToken: secret } };
    case "pagerduty":
      return { type: "pagerduty", labels: {}, sensitiveLabels: { serviceKey: secret } };
    case "webhook":
      return { type: "webhook_tokenauth", labels: { url: secret } };
  }
}

/** The channels routed to at least one severity, in configuration order. */
export function routedChannels(args: Pick<ResolvedObservabilityArgs, "channels">): AlertChannel[] {
  const routed = new Set(SEVERITIES.flatMap((s) => args.channels.routes[s]));
  return args.channels.channels.filter((c) => routed.has(c.name));
}

/** One NotificationChannel per routed channel; per severity the channel ids (`projects/<p>/notificationChannels/…`). */
export function notificationChannels(
  s: GcpScope,
  args: ResolvedObservabilityArgs,
): Record<Severity, pulumi.Output<string>[]> {
  const ids = new Map<string, pulumi.Output<string>>();
  for (const c of routedChannels(args)) {
    const spec = channelSpec(c, c.kind === "email" ? undefined : channelSecret(args, c));
    const channel = new NotificationChannel(
      `${s.name}-channel-${c.name}`,
      {
        project: s.project,
        displayName: `${s.prefix} ${c.name} (${c.kind})`,
        type: spec.type,
        labels: spec.labels,
        ...(spec.sensitiveLabels ? { sensitiveLabels: spec.sensitiveLabels } : {}),
        enabled: true,
        userLabels: s.labels,
      },
      s.opts(),
    );
    ids.set(c.name, channel.name);
  }
  const out = {} as Record<Severity, pulumi.Output<string>[]>;
  for (const severity of SEVERITIES) {
    out[severity] = args.channels.routes[severity].map((n) => {
      const id = ids.get(n);
      if (!id) throw new Error(`severity ${severity} routes to unknown channel ${n}`);
      return id;
    });
  }
  return out;
}
