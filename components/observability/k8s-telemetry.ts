/**
 * Traces on Kubernetes (docs/observability.md#traces-on-kubernetes): the stack's OpenTelemetry Collector and, for
 * the `jaeger` backend (`loom:kubernetes.tracing`), a Jaeger v2 all-in-one, both in the stack's namespace.
 *
 * - Collector: immutable content-named ConfigMap (a change rolls the pods), a server Certificate from the namespace
 *   CA (the app connects over TLS), its own ServiceAccount without a token, a Deployment `loom-otel-collector`
 *   (2 replicas spread over zones and nodes with a PDB in prod, 1 elsewhere), a Service (OTLP gRPC 4317, HTTP
 *   4318), a PodMonitor on its own metrics, and NetworkPolicies (app → collector on OTLP; collector → the backend
 *   only; monitoring → metrics).
 * - Jaeger (backend `jaeger`): ConfigMap, Certificate, ServiceAccount, Deployment `loom-jaeger` (one replica: the
 *   in-memory store is per process), Service (OTLP gRPC, UI 16686: in-cluster only, `kubectl port-forward`), and a
 *   NetworkPolicy (collector → OTLP, monitoring → UI/query for Grafana).
 * - Backend `none`: nothing; the app's OTEL env says OTEL_TRACES_EXPORTER=none.
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/networkPolicy";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { checkovSkips, internalServerCertSpec, labelsFor, selectorFor, serviceDnsNames, serviceHost } from "../lib/k8s";
import { k8sPlatform } from "../lib/k8s-provider";
import { K8S_COLLECTOR_NAME, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../lib/telemetry";
import { TIERS } from "../network/network-policies";
import type { KubernetesTracing } from "../targets/kubernetes";
import type { ResolvedObservabilityArgs } from ".";
import {
  collectorConfig,
  collectorSize,
  JAEGER_UI_PORT,
  jaegerConfig,
  jaegerMemoryMiB,
  K8S_JAEGER_NAME,
  serviceFqdn,
} from "./otel-collector-config";
import {
  COLLECTOR_APP,
  JAEGER_APP,
  type TelemetryPodInputs,
  telemetryPodTemplate,
  telemetryPolicies,
} from "./telemetry-pods";

/** Server certificates of the collector and Jaeger: 90 days, renewed 30 days ahead (both re-read them hourly). */
export const TELEMETRY_CERT_DURATION = "2160h";
export const TELEMETRY_CERT_RENEW_BEFORE = "720h";
/**
 * checkov findings on both Deployments that are deliberate (npm run e2e runs checkov on the rendered manifests), as
 * for the Valkey image: the upstream images are pinned to release tags, not digests.
 */
export const TELEMETRY_CHECKOV_SKIPS = checkovSkips({
  CKV_K8S_43:
    "the upstream collector and Jaeger images are pinned to release tags; clusters that need digests mirror them and pin the digest there",
  CKV_K8S_15:
    "IfNotPresent with a release-pinned tag (as for the app image); Always would make every pod start depend on the registry",
});
/** Jaeger's CPU (requests = limits); its memory follows `maxTraces` (jaegerMemoryMiB). */
export const JAEGER_CPU = 0.5;

type Opts = () => pulumi.CustomResourceOptions;
type Backend = Exclude<KubernetesTracing, { backend: "none" }>;

interface Scope {
  name: string;
  ns: pulumi.Output<string>;
  nsName: string;
  labels: Record<string, string>;
  opts: Opts;
}

/**
 * The collector (and Jaeger) of the stack; children are parented through `opts`. Returns the collector's Service
 * name ("" with backend `none`) and where traces end up (a stack output).
 */
export function createTelemetry(
  _parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
  inNamespace: pulumi.Output<string>,
  opts: () => pulumi.CustomResourceOptions,
): { collector: string; traces: pulumi.Output<string> } {
  const target = k8sPlatform(args).target;
  const tracing = target.tracing;
  if (tracing.backend === "none") return { collector: "", traces: pulumi.output("none") };
  const s: Scope = {
    name,
    ns: inNamespace,
    nsName: target.namespace,
    labels: labelsFor(args, "observability"),
    opts,
  };
  const size = collectorSize(args.context.environment);
  const config = collectorConfig({ namespace: s.nsName, tracing, redaction: args.redaction });
  workload(s, "collector", K8S_COLLECTOR_NAME, config, {
    cpu: size.cpu,
    memoryMiB: size.memoryMiB,
    replicas: size.replicas,
    authSecret: tracing.backend === "otlp" ? tracing.authSecret : undefined,
    ports: [
      { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
      { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: "otlp-http", protocol: "TCP" },
    ],
  });
  collectorMonitor(s, target.prometheusRelease);
  if (tracing.backend === "jaeger") {
    workload(s, "jaeger", K8S_JAEGER_NAME, jaegerConfig(tracing.maxTraces), {
      cpu: JAEGER_CPU,
      memoryMiB: jaegerMemoryMiB(tracing.maxTraces),
      replicas: 1,
      ports: [
        { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
        { name: "ui", port: JAEGER_UI_PORT, targetPort: "ui", protocol: "TCP" },
      ],
    });
  }
  policies(s, tracing, target.operatorNamespaces.monitoring, target.clusterCidrs);
  return { collector: K8S_COLLECTOR_NAME, traces: pulumi.output(tracesLocation(tracing, s.nsName)) };
}

/** Where traces end up, for the stack output: Jaeger's in-cluster UI, or the external endpoint. */
export function tracesLocation(tracing: Backend, namespace: string): string {
  if (tracing.backend === "otlp") return tracing.endpoint;
  return `http://${serviceFqdn(K8S_JAEGER_NAME, namespace)}:${JAEGER_UI_PORT}`;
}

interface WorkloadSize {
  cpu: number;
  memoryMiB: number;
  replicas: number;
  authSecret?: string;
  ports: { name: string; port: number; targetPort: string; protocol: string; appProtocol?: string }[];
}

/** ConfigMap, Certificate, ServiceAccount, Deployment, Service (and a PDB with more than one replica). */
function workload(
  s: Scope,
  kind: TelemetryPodInputs["kind"],
  service: string,
  config: Record<string, unknown>,
  w: WorkloadSize,
): void {
  const id = `${s.name}-${kind === "collector" ? "otel-collector" : "jaeger"}`;
  const selector = selectorFor(s.nsName, kind === "collector" ? COLLECTOR_APP : JAEGER_APP);
  const configMap = new ConfigMap(
    `${id}-config`,
    {
      metadata: { namespace: s.ns, labels: s.labels },
      immutable: true,
      data: { "config.yaml": stringify(config, { lineWidth: 0, aliasDuplicateObjects: false }) },
    },
    s.opts(),
  );
  const tlsSecret = serverCertificate(s, id, service);
  const account = new ServiceAccount(
    id,
    { metadata: { name: service, namespace: s.ns, labels: s.labels }, automountServiceAccountToken: false },
    s.opts(),
  );
  const meta = { name: service, namespace: s.ns, labels: s.labels };
  new Deployment(
    id,
    {
      metadata: { ...meta, annotations: TELEMETRY_CHECKOV_SKIPS },
      spec: {
        replicas: w.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // One replica (Jaeger's in-memory store) is recreated: two would each hold half of the traces.
        strategy:
          w.replicas > 1
            ? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
            : { type: "Recreate" },
        template: telemetryPodTemplate({
          kind,
          cpu: w.cpu,
          memoryMiB: w.memoryMiB,
          labels: s.labels,
          selector,
          serviceAccountName: account.metadata.name,
          configMapName: configMap.metadata.name,
          tlsSecret,
          authSecret: w.authSecret,
          spread: w.replicas > 1,
        }),
      },
    },
    s.opts(),
  );
  new Service(id, { metadata: meta, spec: { type: "ClusterIP", selector, ports: w.ports } }, s.opts());
  if (w.replicas > 1) {
    new PodDisruptionBudget(
      id,
      {
        metadata: meta,
        spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
      },
      s.opts(),
    );
  }
}

/** The server certificate of a Service, from the namespace CA; returns its Secret's name. */
function serverCertificate(s: Scope, id: string, service: string): string {
  const secretName = `${service}-tls`;
  new CustomResource(
    `${id}-tls`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: secretName, namespace: s.ns, labels: s.labels },
      spec: internalServerCertSpec({
        secretName,
        commonName: serviceHost(service, s.nsName),
        dnsNames: serviceDnsNames(service, s.nsName),
        duration: TELEMETRY_CERT_DURATION,
        renewBefore: TELEMETRY_CERT_RENEW_BEFORE,
      }),
    },
    s.opts(),
  );
  return secretName;
}

/** The collector's own metrics (accepted/refused/failed spans, queue size) for Prometheus. */
function collectorMonitor(s: Scope, release: string): void {
  new CustomResource(
    `${s.name}-otel-collector-podmonitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: K8S_COLLECTOR_NAME, namespace: s.ns, labels: { ...s.labels, release } },
      spec: {
        selector: { matchLabels: selectorFor(s.nsName, COLLECTOR_APP) },
        namespaceSelector: { matchNames: [s.nsName] },
        podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s", scheme: "http" }],
      },
    },
    s.opts(),
  );
}

function policies(s: Scope, tracing: Backend, monitoringNamespace: string, clusterCidrs: string[]): void {
  for (const policy of telemetryPolicies({ tracing, appTier: TIERS.app, monitoringNamespace, clusterCidrs })) {
    new NetworkPolicy(
      `${s.name}-netpol-${policy.name}`,
      { metadata: { name: policy.name, namespace: s.ns, labels: s.labels }, spec: policy.spec },
      s.opts(),
    );
  }
}
