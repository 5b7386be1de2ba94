/**
 * Observability on Kubernetes (kube-prometheus-stack, docs/kubernetes.md):
 *
 * - ServiceMonitor for web (through its Service) and PodMonitor for the worker, scraping the app's metrics path;
 *   monitoring exists in every environment.
 * - With alerting on: a PrometheusRule holding every entry of the alert catalog (prometheus.ts) and an
 *   AlertmanagerConfig routing this namespace's alerts to `alertEmail` (alertmanager.ts; the SMTP relay is the
 *   cluster's). Off: neither exists, and nobody is paged.
 * - A Grafana dashboard ConfigMap (label `grafana_dashboard`).
 *
 * Every name comes from the other components' typed monitoring handles (no guessed names).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import * as pulumi from "@pulumi/pulumi";
import { handleFor } from "../lib/component";
import { labelsFor, selectorFor } from "../lib/k8s";
import { k8sOptions, k8sPlatform } from "../lib/k8s-provider";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from ".";
import { ALERTMANAGER_CONFIG_API, alertmanagerConfigSpec } from "./alertmanager";
import { ALERT_CATALOG } from "./alerts";
import { alertName, dashboardJson, type PromContext, prometheusRuleSpec } from "./prometheus";

export const SCRAPE_INTERVAL = "30s";

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const target = k8sPlatform(args).target;
  const ns = target.namespace;
  const app = handleFor("targets.app", args.targets.app, "kubernetes");
  const database = handleFor("targets.database", args.targets.database, "kubernetes");
  const cache = handleFor("targets.cache", args.targets.cache, "kubernetes");
  // The namespace as an output of the Namespace resource (through AppService), so these are created after it.
  const inNamespace = app.namespace;
  const opts = () => k8sOptions(parent, args);
  const labels = { ...labelsFor(args, "observability"), release: target.prometheusRelease };

  const context: pulumi.Output<PromContext> = pulumi
    .all([
      app.webDeployment,
      app.workerDeployment,
      database.instancePods,
      database.container,
      cache.statefulSet,
      cache.container,
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
  scrapes(name, args, app, inNamespace, labels, opts);

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
    // resolve() requires alertEmail whenever alerting is on.
    new CustomResource(
      `${name}-alert-route`,
      {
        apiVersion: ALERTMANAGER_CONFIG_API,
        kind: "AlertmanagerConfig",
        metadata: { name: `${name}-alerts`, namespace: inNamespace, labels },
        spec: alertmanagerConfigSpec(args.alertEmail as string),
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

/** ServiceMonitor for web, PodMonitor for the worker, both on the app's metrics path. */
function scrapes(
  name: string,
  args: ResolvedObservabilityArgs,
  app: { instance: pulumi.Output<string>; metricsPath: pulumi.Output<string> },
  inNamespace: pulumi.Output<string>,
  labels: Record<string, string>,
  opts: () => pulumi.CustomResourceOptions,
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
