/**
 * Observability on Kubernetes (kube-prometheus-stack, docs/kubernetes.md#observability), rendered from the catalog:
 *
 * - ServiceMonitor for web (through its Service) and PodMonitor for the worker, on the app's metrics path.
 * - A PrometheusRule `<name>-rules` (k8s-rules.ts): the recording rules in every environment (the dashboards read
 *   only recorded series), plus every `Loom<CamelCaseId>` alerting rule of ALERTS with alerting on.
 * - With alerting on: an AlertmanagerConfig (k8s-alertmanager.ts) with one receiver per routed channel, routes per
 *   severity and the inhibit rules, and — when a channel carries a credential — ONE Secret `<name>-alert-channels`
 *   holding those credentials (secret Outputs; the AlertmanagerConfig only names its keys).
 * - The seven dashboards of DASHBOARDS as ConfigMaps `<name>-dashboard-<id>` for Grafana's sidecar
 *   (label `grafana_dashboard: "1"`, folder annotation `grafana_folder: Loom`), scoped to this namespace.
 * - Traces: the stack's OpenTelemetry Collector and Jaeger (k8s-telemetry.ts); logs: with installOperators, Loki
 *   and the node log agent (k8s-logging.ts).
 *
 * Every name comes from the other components' typed monitoring handles (no guessed names).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import * as pulumi from "@pulumi/pulumi";
import { handleFor } from "../lib/component";
import { labelsFor, selectorFor } from "../lib/k8s";
import { k8sOptions, k8sPlatform } from "../lib/k8s-provider";
import { channelSecret, type ObservabilityOutputs, type ResolvedObservabilityArgs } from ".";
import { ALERTS } from "./catalog/alerts";
import { DASHBOARDS } from "./catalog/dashboards";
import { dashboardJson } from "./catalog/grafana";
import { alertName } from "./catalog/rules";
import { ALERTMANAGER_CONFIG_API, alertmanagerConfigSpec, credentialedChannels } from "./k8s-alertmanager";
import { createLogging } from "./k8s-logging";
import { prometheusRuleSpec, type StackNames } from "./k8s-rules";
import { createTelemetry } from "./k8s-telemetry";

export const SCRAPE_INTERVAL = "30s";
/** The Grafana folder of Loom's dashboards (the sidecar's `folderAnnotation`). */
export const GRAFANA_FOLDER = "Loom";

type Opts = () => pulumi.CustomResourceOptions;

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const target = k8sPlatform(args).target;
  const app = handleFor("targets.app", args.targets.app, "kubernetes");
  const database = handleFor("targets.database", args.targets.database, "kubernetes");
  const cache = handleFor("targets.cache", args.targets.cache, "kubernetes");
  // The namespace as an output of the Namespace resource (through AppService), so these are created after it.
  const inNamespace = app.namespace;
  const opts: Opts = () => k8sOptions(parent, args);
  const labels = { ...labelsFor(args, "observability"), release: target.prometheusRelease };

  const names: pulumi.Output<StackNames> = pulumi
    .all([
      app.webDeployment,
      app.workerDeployment,
      database.instancePods,
      database.container,
      cache.statefulSet,
      cache.container,
    ])
    .apply(([webDeployment, workerDeployment, databasePods, databaseContainer, cacheStatefulSet, cacheContainer]) => ({
      namespace: target.namespace,
      webDeployment,
      workerDeployment,
      databasePods,
      databaseContainer,
      cacheStatefulSet,
      cacheContainer,
    }));
  scrapes(name, args, app, inNamespace, labels, opts);

  new CustomResource(
    `${name}-rules`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: `${name}-rules`, namespace: inNamespace, labels },
      spec: names.apply((n) => prometheusRuleSpec(n, args)),
    },
    opts(),
  );
  if (args.alerting) alertRouting(parent, name, args, inNamespace, labels, opts);
  const dashboards = grafanaDashboards(name, target.namespace, inNamespace, labels, opts);
  const traces = createTelemetry(parent, name, args, inNamespace, opts).traces;
  const logs = createLogging(parent, name, args, inNamespace, opts).logStore;

  return {
    telemetry: pulumi.all([traces, logs]).apply(([t, l]) => ({
      traces: t,
      logs: l || "the cluster's own log pipeline (loom:kubernetes.installOperators is off)",
    })),
    alarmTargets: pulumi.output(args.alerting ? [`alertmanager:${target.operatorNamespaces.monitoring}`] : []),
    alertNames: pulumi.output(args.alerting ? ALERTS.map((a) => alertName(a.id)) : []),
    dashboard: dashboards.apply((d) => d.overview),
    dashboards,
  };
}

/** The channel Secret (only when a routed channel carries a credential) and the AlertmanagerConfig reading it. */
function alertRouting(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
  inNamespace: pulumi.Output<string>,
  labels: Record<string, string>,
  opts: Opts,
): void {
  const secretName = `${name}-alert-channels`;
  const credentialed = credentialedChannels(args.channels);
  let secretRef: pulumi.Output<string> = pulumi.output(secretName);
  if (credentialed.length > 0) {
    const stringData: Record<string, pulumi.Output<string>> = {};
    for (const c of credentialed) stringData[c.secret] = pulumi.secret(channelSecret(args, c));
    const secret = new Secret(
      `${name}-alert-channels`,
      {
        metadata: { name: secretName, namespace: inNamespace, labels },
        type: "Opaque",
        stringData,
      },
      // Stateful like every Secret of the stack (protected in prod); its keys are rewritten from config on update.
      k8sOptions(parent, args, true),
    );
    // Through the Secret's output, so the AlertmanagerConfig is created after the keys it names exist.
    secretRef = secret.metadata.apply((m) => m?.name ?? secretName);
  }
  new CustomResource(
    `${name}-alert-route`,
    {
      apiVersion: ALERTMANAGER_CONFIG_API,
      kind: "AlertmanagerConfig",
      metadata: { name: `${name}-alerts`, namespace: inNamespace, labels },
      spec: secretRef.apply((s) => alertmanagerConfigSpec(args.channels, s)),
    },
    opts(),
  );
}

/** One ConfigMap per dashboard; the namespace variable defaults to this stack's. Returns id → ConfigMap name. */
function grafanaDashboards(
  name: string,
  namespace: string,
  inNamespace: pulumi.Output<string>,
  labels: Record<string, string>,
  opts: Opts,
): pulumi.Output<Record<string, string>> {
  const entries = DASHBOARDS.map((d) => {
    const configMapName = `${name}-dashboard-${d.id}`;
    const map = new ConfigMap(
      configMapName,
      {
        metadata: {
          name: configMapName,
          namespace: inNamespace,
          labels: { ...labels, grafana_dashboard: "1" },
          annotations: { grafana_folder: GRAFANA_FOLDER },
        },
        // The sidecar writes every key as a file into one folder: the namespace keeps two stacks' files apart.
        data: { [`${namespace}-${d.id}.json`]: JSON.stringify(dashboardJson(d, { namespace })) },
      },
      opts(),
    );
    return [d.id, map.metadata.apply((m) => m?.name ?? configMapName)] as const;
  });
  return pulumi.all(Object.fromEntries(entries)) as pulumi.Output<Record<string, string>>;
}

/** ServiceMonitor for web, PodMonitor for the worker, both on the app's metrics path. */
function scrapes(
  name: string,
  args: ResolvedObservabilityArgs,
  app: { instance: pulumi.Output<string>; metricsPath: pulumi.Output<string> },
  inNamespace: pulumi.Output<string>,
  labels: Record<string, string>,
  opts: Opts,
): void {
  const ns = k8sPlatform(args).target.namespace;
  const selector = (tier: string) => app.instance.apply((instance) => selectorFor(instance, tier));
  const endpoint = { port: "http", path: app.metricsPath, interval: SCRAPE_INTERVAL, scheme: "http" };
  new CustomResource(
    `${name}-web-servicemonitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: `${name}-web`, namespace: inNamespace, labels },
      spec: {
        selector: { matchLabels: selector("web") },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [endpoint],
      },
    },
    opts(),
  );
  new CustomResource(
    `${name}-worker-podmonitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: `${name}-worker`, namespace: inNamespace, labels },
      spec: {
        selector: { matchLabels: selector("worker") },
        namespaceSelector: { matchNames: [ns] },
        podMetricsEndpoints: [endpoint],
      },
    },
    opts(),
  );
}
