/**
 * The stack's alert route for the cluster's Alertmanager (prometheus-operator `AlertmanagerConfig`): every alert of
 * this namespace goes to `alertEmail`. Pure: tested without mocks.
 *
 * The SMTP smarthost, sender and credentials are the cluster's: the Alertmanager's global `smtp_*` settings
 * (kube-prometheus-stack `alertmanager.config.global`), so no mail credential passes through this stack
 * (docs/kubernetes.md#alerts). prometheus-operator adds a `namespace` matcher for the config's own namespace, so
 * the route only ever sees this stack's alerts.
 */
export const ALERTMANAGER_CONFIG_API = "monitoring.coreos.com/v1alpha1";
export const EMAIL_RECEIVER = "loom-email";

/** Alerts grouped per alert and severity; a firing alert is repeated every 4 hours, resolutions are sent too. */
export function alertmanagerConfigSpec(alertEmail: string): Record<string, unknown> {
  return {
    route: {
      receiver: EMAIL_RECEIVER,
      groupBy: ["alertname", "severity"],
      groupWait: "30s",
      groupInterval: "5m",
      repeatInterval: "4h",
    },
    receivers: [{ name: EMAIL_RECEIVER, emailConfigs: [{ to: alertEmail, sendResolved: true }] }],
  };
}
