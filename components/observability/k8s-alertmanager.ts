/**
 * The alert channels as a prometheus-operator `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1) for the
 * cluster's Alertmanager: the routing plan of catalog/alertmanager.ts (the same as the exported alertmanager.yml),
 * with every credential a SecretKeySelector into ONE Secret of the stack's namespace. Pure: no SDK.
 *
 * - email: `emailConfigs` with `to` only. The SMTP smarthost, sender and credentials are the cluster Alertmanager's
 *   global config (kube-prometheus-stack `alertmanager.config.global.smtp_*`), so no mail credential passes through
 *   the stack.
 * - slack: `slackConfigs`, the incoming-webhook URL as `apiURL`.
 * - pagerduty: `pagerdutyConfigs` with `routingKey` (Events API v2 integration key).
 * - webhook: `webhookConfigs` with `urlSecret` (the whole URL: it usually carries a token).
 *
 * prometheus-operator prefixes receiver names with `<namespace>/<config>/`, adds a `namespace="<ns>"` matcher to the
 * top route and enforces the namespace on both sides of each inhibit rule, so the config only ever sees (and only
 * silences) this stack's alerts.
 */

import { type LabelMatcher, routingPlan, TEXT, TITLE } from "./catalog/alertmanager";
import type { AlertChannel, AlertingSettings } from "./channels";

export const ALERTMANAGER_CONFIG_API = "monitoring.coreos.com/v1alpha1";

type Credentialed = Exclude<AlertChannel, { kind: "email" }>;

/** The routed channels that carry a credential (and so an entry of the channel Secret), in configuration order. */
export function credentialedChannels(a: AlertingSettings): Credentialed[] {
  return routingPlan(a).receivers.filter((c): c is Credentialed => c.kind !== "email");
}

/** The Secret's keys: one per `loom:alertSecrets` entry the routed channels read (two channels may share one). */
export function channelSecretKeys(a: AlertingSettings): string[] {
  return [...new Set(credentialedChannels(a).map((c) => c.secret))];
}

const matcher = (m: LabelMatcher) => ({ name: m.name, value: m.value, matchType: m.op });

function receiver(c: AlertChannel, secretName: string): Record<string, unknown> {
  const ref = (entry: string) => ({ name: secretName, key: entry });
  switch (c.kind) {
    case "email":
      return {
        name: c.name,
        emailConfigs: [{ to: c.to, sendResolved: true, headers: [{ key: "Subject", value: TITLE }] }],
      };
    case "slack":
      return {
        name: c.name,
        slackConfigs: [{ apiURL: ref(c.secret), channel: c.channel, sendResolved: true, title: TITLE, text: TEXT }],
      };
    case "pagerduty":
      return {
        name: c.name,
        pagerdutyConfigs: [{ routingKey: ref(c.secret), sendResolved: true, description: TITLE }],
      };
    case "webhook":
      return { name: c.name, webhookConfigs: [{ urlSecret: ref(c.secret), sendResolved: true }] };
    default: {
      const never: never = c;
      throw new Error(`unknown channel ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The AlertmanagerConfig spec. `secretName` is the Secret holding {@link channelSecretKeys} (unused when every
 * routed channel is e-mail).
 */
export function alertmanagerConfigSpec(a: AlertingSettings, secretName: string): Record<string, unknown> {
  const plan = routingPlan(a);
  return {
    route: {
      receiver: plan.receiver,
      groupBy: plan.groupBy,
      groupWait: plan.groupWait,
      groupInterval: plan.groupInterval,
      repeatInterval: plan.repeatInterval,
      routes: plan.routes.map((r) => ({ receiver: r.receiver, matchers: r.matchers.map(matcher), continue: true })),
    },
    inhibitRules: plan.inhibit.map((r) => ({
      sourceMatch: r.source.map(matcher),
      targetMatch: r.target.map(matcher),
      equal: r.equal,
    })),
    receivers: plan.receivers.map((c) => receiver(c, secretName)),
  };
}
