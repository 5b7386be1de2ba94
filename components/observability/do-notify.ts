/**
 * Who DigitalOcean Monitoring and Uptime notify, by severity: they know only e-mail addresses and Slack incoming
 * webhooks (`alerts.emails`, `alerts.slacks[{channel, url}]`). The webhook URL is a credential the SDK does not mark
 * secret, so it is wrapped in `pulumi.secret`. PagerDuty reaches DO Monitoring only through its e-mail integration
 * (add the integration's address as an `email` channel); PagerDuty and webhook channels are served by the monitor
 * droplet's Alertmanager for the Prometheus-evaluated alerts. Pure apart from `pulumi.secret`.
 */
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { channelSecret, type ResolvedObservabilityArgs } from ".";
import { SEVERITIES, type Severity } from "./channels";

export interface DoNotifications {
  emails: string[];
  slacks: { channel: string; url: pulumi.Output<string> }[];
}

/** Per severity, the e-mail and Slack channels its routes name; every severity must reach at least one. */
export function doNotifications(
  args: Pick<ResolvedObservabilityArgs, "channels" | "channelSecrets">,
): Record<Severity, DoNotifications> {
  const byName = new Map(args.channels.channels.map((c) => [c.name, c]));
  const out = {} as Record<Severity, DoNotifications>;
  for (const severity of SEVERITIES) {
    const routed = args.channels.routes[severity].map((n) => byName.get(n)).filter((c) => c !== undefined);
    const emails = routed.flatMap((c) => (c.kind === "email" ? [c.to] : []));
    const slacks = routed.flatMap((c) =>
      c.kind === "slack" ? [{ channel: c.channel, url: pulumi.secret(pulumi.output(channelSecret(args, c))) }] : [],
    );
    if (emails.length + slacks.length === 0) {
      invalid(
        `channels.routes.${severity}`,
        "must reach an email or slack channel on digitalocean: DO Monitoring and Uptime notify only those (PagerDuty: add its e-mail integration address as an email channel)",
      );
    }
    out[severity] = { emails, slacks };
  }
  return out;
}

/** The routed channels as `kind:target` (the alarmTargets output). */
export function routedTargets(args: Pick<ResolvedObservabilityArgs, "channels">): string[] {
  const routed = new Set(SEVERITIES.flatMap((s) => args.channels.routes[s]));
  return args.channels.channels
    .filter((c) => routed.has(c.name))
    .map((c) => {
      if (c.kind === "email") return `email:${c.to}`;
      if (c.kind === "slack") return `slack:${c.channel}`;
      return `${c.kind}:${c.name}`;
    });
}
