/**
 * The stack's one explicit Kubernetes provider and the optional operator installation, shared by every
 * components/<name>/kubernetes.ts. Only those files import this module (it loads @pulumi/kubernetes), so a stack on
 * another cloud never does.
 *
 * Operators (loom:kubernetes.installOperators, default off) are Helm charts rendered by `helm.v4.Chart`, which works
 * with `renderYamlToDirectory` (the v3 `Release` does not: pulumi/pulumi-kubernetes#1716). Versions are pinned here
 * and documented in docs/kubernetes.md; bump them deliberately.
 */

import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Chart } from "@pulumi/kubernetes/helm/v4/chart";
import { Provider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesSettings } from "../settings";
import { type BaseArgs, childOptions } from "./component";
import { targetOf } from "./k8s";

export { targetOf };

/** Per stack run (keyed by the run's root Stack resource): providers by connection settings, and operators. */
interface RunState {
  providers: Map<string, Provider>;
  operators?: pulumi.Resource[];
}
const runs = new WeakMap<object, RunState>();
const NO_STACK = {};

function runState(): RunState {
  const root = pulumi.runtime.getStackResource() ?? NO_STACK;
  let state = runs.get(root);
  if (!state) {
    state = { providers: new Map() };
    runs.set(root, state);
  }
  return state;
}

/**
 * The stack's explicit Kubernetes provider, created once per run and shared by every component, so no resource
 * ever falls back to the ambient default provider. Render mode (`renderDir`) writes YAML under `<renderDir>/0-crd`
 * and `<renderDir>/1-manifest` and contacts no cluster (settings forbid kubeconfig/context with it). Without
 * kubeconfig, context or renderDir the provider uses the ambient kubeconfig ($KUBECONFIG, ~/.kube/config).
 */
export function providerFor(target: KubernetesSettings): Provider {
  const { providers } = runState();
  const key = JSON.stringify([target.kubeconfig ?? null, target.context ?? null, target.renderDir ?? null]);
  let provider = providers.get(key);
  if (!provider) {
    const name = providers.size === 0 ? "kubernetes" : `kubernetes-${providers.size + 1}`;
    provider = new Provider(name, {
      // A kubeconfig's content carries credentials: keep it secret in state and in the plan.
      kubeconfig: target.kubeconfig === undefined ? undefined : pulumi.secret(target.kubeconfig),
      context: target.context,
      renderYamlToDirectory: target.renderDir,
      enableServerSideApply: true,
    });
    providers.set(key, provider);
  }
  return provider;
}

/**
 * Options for a Kubernetes child: parent, the shared provider, `protect` for stateful children, and — when the
 * program installs the operators — a dependency on them (CRDs and admission webhooks must exist first).
 */
export function k8sOptions(
  parent: pulumi.Resource,
  args: Pick<BaseArgs, "protect"> & { kubernetes?: KubernetesSettings },
  stateful = false,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  const target = targetOf(args);
  const operators = target.installOperators ? installOperators(target) : [];
  const dependsOn = [...operators, ...toArray(extra.dependsOn)];
  return childOptions(parent, args, stateful, {
    provider: providerFor(target),
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

/**
 * Pod Security level of each operator namespace: the lowest its chart runs under. The monitoring stack's
 * node-exporter needs host namespaces (privileged); ingress-nginx binds low ports (baseline); the rest are restricted.
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
 * Install the operators once per run (cluster-wide: enable `installOperators` in one stack per cluster). Returns
 * the charts every Kubernetes child then depends on.
 */
export function installOperators(target: KubernetesSettings): pulumi.Resource[] {
  const state = runState();
  if (state.operators) return state.operators;
  const provider = providerFor(target);
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
  state.operators = [certManager, cnpg, barman, keda, ingress, monitoring];
  return state.operators;
}
