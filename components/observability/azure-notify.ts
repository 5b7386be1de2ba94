/**
 * Azure Monitor action groups from `loom:alerting` (channels.ts): one per severity, holding the channels that
 * severity routes to, in location `global` (action groups are global resources).
 *
 * Per channel kind:
 * - email → an `emailReceivers` entry (common alert schema);
 * - slack → a `webhookReceivers` entry whose URL is the channel's secret (channels.ts SLACK_VIA.azure = "webhook").
 *   Slack's incoming webhooks refuse the common alert schema's JSON (they want `{"text": …}`), so the URL must be a
 *   relay that accepts any JSON: a Slack workflow webhook or a Logic App posting to Slack (docs/alerting.md#azure);
 * - pagerduty → a webhook receiver on the PagerDuty Azure integration URL (the secret);
 * - webhook → a webhook receiver on the secret's https:// URL.
 * Every webhook receiver uses the common alert schema. URLs come only from `args.channelSecrets` (secret Outputs),
 * so they stay secret in the state and the plan.
 */
import { ActionGroup } from "@pulumi/azure-native/monitor/actionGroup";
import type * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "../lib/azure";
import { channelSecret, type ResolvedObservabilityArgs } from ".";
import { type AlertChannel, SEVERITIES, type Severity } from "./channels";

export interface Receivers {
  emailReceivers: { name: string; emailAddress: string; useCommonAlertSchema: true }[];
  webhookReceivers: { name: string; serviceUri: pulumi.Input<string>; useCommonAlertSchema: true }[];
}

/** The receivers of the channels `names` (in configuration order); `secret` gives a credentialed channel's URL. */
export function receivers(
  channels: readonly AlertChannel[],
  names: readonly string[],
  secret: (c: Exclude<AlertChannel, { kind: "email" }>) => pulumi.Input<string>,
): Receivers {
  const out: Receivers = { emailReceivers: [], webhookReceivers: [] };
  for (const n of names) {
    const c = channels.find((x) => x.name === n);
    if (!c) throw new Error(`route names unknown channel ${n}`);
    if (c.kind === "email") out.emailReceivers.push({ name: c.name, emailAddress: c.to, useCommonAlertSchema: true });
    else out.webhookReceivers.push({ name: c.name, serviceUri: secret(c), useCommonAlertSchema: true });
  }
  return out;
}

/** At most 12 characters (shown in e-mails and SMS): the prefix's start and the severity's. */
export function shortName(prefix: string, severity: Severity): string {
  return `${prefix.slice(0, 7)}-${severity.slice(0, 4)}`;
}

/** One action group per severity; their ids by severity. */
export function actionGroups(s: AzureScope, args: ResolvedObservabilityArgs): Record<Severity, pulumi.Output<string>> {
  const out = {} as Record<Severity, pulumi.Output<string>>;
  for (const severity of SEVERITIES) {
    const r = receivers(args.channels.channels, args.channels.routes[severity], (c) => channelSecret(args, c));
    const group = new ActionGroup(
      `${s.name}-${severity}`,
      {
        resourceGroupName: s.resourceGroupName,
        actionGroupName: `${s.prefix}-${severity}`,
        groupShortName: shortName(s.prefix, severity),
        location: "global",
        enabled: true,
        emailReceivers: r.emailReceivers,
        webhookReceivers: r.webhookReceivers,
        tags: s.tags,
      },
      s.opts(),
    );
    out[severity] = group.id;
  }
  return out;
}
