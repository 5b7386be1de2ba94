/**
 * The stack's one explicit Kubernetes provider and the optional operator installation (both created once by
 * components/platform/kubernetes.ts), and the child options every components/<name>/kubernetes.ts uses. Only
 * Kubernetes files import this module (it loads @pulumi/kubernetes), so a stack on another cloud never does.
 *
 * Operators (loom:kubernetes.installOperators, default off) are Helm charts rendered by `helm.v4.Chart`, which works
 * with `renderYamlToDirectory` (the v3 `Release` does not: pulumi/pulumi-kubernetes#1716). Versions are pinned here
 * and documented in docs/kubernetes.md; bump them deliberately.
 */

import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Chart } from "@pulumi/kubernetes/helm/v4/chart";
import { Provider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformHandle } from "../platform";
import type { KubernetesPlatform } from "../platform/kubernetes";
import type { KubernetesTarget } from "../targets";
import { type BaseArgs, childOptions, handleFor } from "./component";

/**
 * The stack's explicit Kubernetes provider (created once, by the Kubernetes platform), so no resource ever falls
 * back to the ambient default provider. Render mode (`renderDir`) writes YAML under `<renderDir>/0-crd` and
 * `<renderDir>/1-manifest` and contacts no cluster (settings forbid kubeconfig/context with it). Without
 * kubeconfig, context or renderDir the provider uses the ambient kubeconfig ($KUBECONFIG, ~/.kube/config).
 * It has no parent: its URN is the one every existing stack already has.
 */
export function createProvider(target: KubernetesTarget): Provider {
  return new Provider("kubernetes", {
    // A kubeconfig's content carries credentials: keep it secret in state and in the plan.
    kubeconfig: target.kubeconfig === undefined ? undefined : pulumi.secret(target.kubeconfig),
    context: target.context,
    renderYamlToDirectory: target.renderDir,
    enableServerSideApply: true,
  });
}

/** The Kubernetes variant of a component's platform, or an InputPropertyError naming `platform`. */
export function k8sPlatform(args: { platform: PlatformHandle }): KubernetesPlatform {
  return handleFor("platform", args.platform, "kubernetes");
}

/**
 * Options for a Kubernetes child: parent, the platform's provider, `protect` for stateful children, and — when the
 * platform installed the operators — a dependency on them (CRDs and admission webhooks must exist first).
 */
export function k8sOptions(
  parent: pulumi.Resource,
  args: Pick<BaseArgs, "protect" | "platform">,
  stateful = false,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  const platform = k8sPlatform(args);
  const dependsOn = [...platform.operators, ...toArray(extra.dependsOn)];
  return childOptions(parent, args, stateful, {
    provider: platform.provider,
    ...extra,
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
  });
}

function toArray(d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (d === undefined) return [];
  return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

// ---------------------------------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------------------------------

/** Pinned Helm charts of the prerequisites (docs/kubernetes.md lists the same table). */
export const OPERATOR_CHARTS = {
  certManager: { chart: "cert-manager", version: "v1.20.1", repo: "https://charts.jetstack.io" },
  cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repo: "https://cloudnative-pg.github.io/charts" },
  barmanCloud: { chart: "plugin-barman-cloud", version: "0.8.0", repo: "https://cloudnative-pg.github.io/charts" },
  keda: { chart: "keda", version: "2.19.0", repo: "https://kedacore.github.io/charts" },
  ingressNginx: { chart: "ingress-nginx", version: "4.15.1", repo: "https://kubernetes.github.io/ingress-nginx" },
  kubePrometheusStack: {
    chart: "kube-prometheus-stack",
    version: "84.5.0",
    repo: "https://prometheus-community.github.io/helm-charts",
  },
} as const;

/** A chart pinned by name, version and repository. */
export interface PinnedChart {
  chart: string;
  version: string;
  repo: string;
}

/**
 * The cluster log pipeline, installed with the operators (`installOperators`) but by Observability
 * (components/observability/k8s-logging.ts), which has the profile's log retention and the redaction settings.
 * Loki's OSS chart moved from grafana/helm-charts to grafana-community/helm-charts in March 2026 (the old one is
 * for Grafana Enterprise Logs only).
 */
export const LOG_PIPELINE_CHARTS = {
  loki: { chart: "loki", version: "18.11.0", repo: "https://grafana-community.github.io/helm-charts" },
  logAgent: {
    chart: "opentelemetry-collector",
    version: "0.170.0",
    repo: "https://open-telemetry.github.io/opentelemetry-helm-charts",
  },
} as const satisfies Record<string, PinnedChart>;

/** A pinned chart rendered by `helm.v4.Chart` as release `release` in `namespace` (the charts above). */
export function pinnedChart(
  name: string,
  pinned: PinnedChart,
  release: string,
  namespace: pulumi.Input<string>,
  values: Record<string, unknown>,
  opts: pulumi.ComponentResourceOptions,
): Chart {
  return new Chart(
    name,
    {
      chart: pinned.chart,
      version: pinned.version,
      repositoryOpts: { repo: pinned.repo },
      name: release,
      namespace,
      values,
    },
    opts,
  );
}

/**
 * Pod Security level of each operator namespace: the lowest its chart runs under. The monitoring stack's
 * node-exporter needs host namespaces and the node log agent hostPath (privileged); ingress-nginx binds low ports
 * (baseline); the rest are restricted.
 */
export const OPERATOR_POD_SECURITY = {
  certManager: "restricted",
  cnpg: "restricted",
  keda: "restricted",
  ingress: "baseline",
  monitoring: "privileged",
} as const;

/** Helm values for ingress-nginx: HSTS on every TLS host, TLS 1.2+, no snippet annotations. */
export function ingressNginxValues(ingressClass: string): Record<string, unknown> {
  return {
    controller: {
      ingressClassResource: { name: ingressClass, default: false },
      ingressClass,
      allowSnippetAnnotations: false,
      config: {
        hsts: "true",
        "hsts-max-age": "31536000",
        "hsts-include-subdomains": "true",
        "ssl-protocols": "TLSv1.2 TLSv1.3",
        "ssl-redirect": "true",
      },
      metrics: { enabled: true },
    },
  };
}

/** Helm values for kube-prometheus-stack: select monitors/rules from every namespace, dashboards from every namespace. */
export const KUBE_PROMETHEUS_VALUES: Record<string, unknown> = {
  prometheus: {
    prometheusSpec: {
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
    },
  },
  grafana: { sidecar: { dashboards: { enabled: true, searchNamespace: "ALL" } } },
};

/**
 * Install the operators (cluster-wide: enable `installOperators` in one stack per cluster). Returns the charts every
 * Kubernetes child then depends on. Called once, by the Kubernetes platform; the namespaces and charts have no
 * parent, so their URNs are the ones existing stacks already have.
 */
export function installOperators(target: KubernetesTarget, provider: Provider): pulumi.Resource[] {
  const ns = target.operatorNamespaces;
  const namespace = (key: keyof typeof OPERATOR_POD_SECURITY, name: string) =>
    new Namespace(
      `operators-${name}`,
      {
        metadata: {
          name,
          labels: {
            "pod-security.kubernetes.io/enforce": OPERATOR_POD_SECURITY[key],
            "pod-security.kubernetes.io/warn": "restricted",
            "app.kubernetes.io/managed-by": "pulumi",
          },
        },
      },
      { provider },
    );
  const chart = (
    key: keyof typeof OPERATOR_CHARTS,
    release: string,
    inNamespace: Namespace,
    values: Record<string, unknown>,
    dependsOn: pulumi.Resource[] = [],
  ) =>
    new Chart(
      `operators-${release}`,
      {
        chart: OPERATOR_CHARTS[key].chart,
        version: OPERATOR_CHARTS[key].version,
        repositoryOpts: { repo: OPERATOR_CHARTS[key].repo },
        name: release,
        namespace: inNamespace.metadata.name,
        values,
      },
      { provider, dependsOn: [inNamespace, ...dependsOn] },
    );

  const certManagerNs = namespace("certManager", ns.certManager);
  const cnpgNs = namespace("cnpg", ns.cnpg);
  const certManager = chart("certManager", "cert-manager", certManagerNs, { crds: { enabled: true } });
  const cnpg = chart("cloudnativePg", "cloudnative-pg", cnpgNs, {});
  const barman = chart("barmanCloud", "barman-cloud", cnpgNs, {}, [certManager, cnpg]);
  const keda = chart("keda", "keda", namespace("keda", ns.keda), {});
  const ingress = chart(
    "ingressNginx",
    "ingress-nginx",
    namespace("ingress", ns.ingress),
    ingressNginxValues(target.ingressClass),
  );
  const monitoring = chart(
    "kubePrometheusStack",
    target.prometheusRelease,
    namespace("monitoring", ns.monitoring),
    KUBE_PROMETHEUS_VALUES,
  );
  return [certManager, cnpg, barman, keda, ingress, monitoring];
}
