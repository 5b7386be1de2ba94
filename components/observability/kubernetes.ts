/**
 * Observability on Kubernetes (kube-prometheus-stack, docs/kubernetes.md):
 *
 * - ServiceMonitor for web (through its Service) and PodMonitor for the worker, scraping the app's metrics path;
 *   monitoring exists in every environment.
 * - With alerting on: a PrometheusRule holding every entry of the alert catalog (prometheus.ts). Alerts reach people
 *   through the cluster's Alertmanager, routed on the `namespace` and `severity` labels (docs/kubernetes.md).
 * - A Grafana dashboard ConfigMap (label `grafana_dashboard`).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor, selectorFor, targetOf } from "../lib/k8s";
import { k8sOptions } from "../lib/k8s-provider";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from ".";
import { ALERT_CATALOG } from "./alerts";
import { alertName, dashboardJson, type PromContext, prometheusRuleSpec } from "./prometheus";

export const SCRAPE_INTERVAL = "30s";

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const target = targetOf(args);
  const ns = target.namespace;
  // The namespace as an output of the Namespace resource (through AppService), so these are created after it.
  const inNamespace = pulumi.output(args.targets.app.namespace ?? ns);
  const opts = () => k8sOptions(parent, args);
  const labels = { ...labelsFor(args, "observability"), release: target.prometheusRelease };
  const { app, database, cache } = args.targets;
  const str = (v: pulumi.Input<string> | undefined, fallback: string) => pulumi.output(v ?? fallback);

  const context: pulumi.Output<PromContext> = pulumi
    .all([
      str(app.webDeployment, `${name}-web`),
      str(app.workerDeployment, `${name}-worker`),
      str(database.instancePods, `${name}-db-[0-9]+`),
      str(database.container, "postgres"),
      str(cache.statefulSet, `${name}-cache`),
      str(cache.container, "valkey"),
    ])
    .apply(([webDeployment, workerDeployment, databasePods, databaseContainer, cacheStatefulSet, cacheContainer]) => ({
      namespace: ns,
      webDeployment,
      workerDeployment,
      databasePods,
      databaseContainer,
      cacheStatefulSet,
      cacheContainer,
    }));
  const metricsPath = str(app.metricsPath, "/metrics");
  const instance = ns;

  new CustomResource(
    `${name}-web-servicemonitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: `${name}-web`, namespace: inNamespace, labels },
      spec: {
        selector: { matchLabels: selectorFor(instance, "web") },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [{ port: "http", path: metricsPath, interval: SCRAPE_INTERVAL, scheme: "http" }],
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
        selector: { matchLabels: selectorFor(instance, "worker") },
        namespaceSelector: { matchNames: [ns] },
        podMetricsEndpoints: [{ port: "http", path: metricsPath, interval: SCRAPE_INTERVAL, scheme: "http" }],
      },
    },
    opts(),
  );

  let rules: CustomResource | undefined;
  if (args.alerting) {
    rules = new CustomResource(
      `${name}-alerts`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: `${name}-alerts`, namespace: inNamespace, labels },
        spec: context.apply((c) => prometheusRuleSpec(args.thresholds, c)),
      },
      opts(),
    );
  }

  const dashboardName = `${name}-dashboard`;
  const dashboard = new ConfigMap(
    `${name}-dashboard`,
    {
      metadata: { name: dashboardName, namespace: inNamespace, labels: { ...labels, grafana_dashboard: "1" } },
      data: { "loom.json": context.apply((c) => dashboardJson(`Loom ${ns}`, c)) },
    },
    opts(),
  );

  return {
    alarmTargets: rules
      ? pulumi.output([`alertmanager:${target.operatorNamespaces.monitoring}`])
      : pulumi.output([] as string[]),
    alertNames: pulumi.output(args.alerting ? ALERT_CATALOG.map((a) => alertName(a.id)) : []),
    dashboard: dashboard.metadata.apply((m) => m?.name ?? dashboardName),
  };
}
