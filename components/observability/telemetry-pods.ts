/**
 * Pod templates and NetworkPolicy specs of the collector and Jaeger (pure: tested without mocks), hardened like the
 * app's pods: Pod Security "restricted" (non-root uid 10001, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp, read-only root filesystem), no service-account token, requests = limits, probes on the
 * health endpoint, configuration and certificates mounted read-only.
 */
import type { networking } from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";
import {
  cpuQuantity,
  INTERNAL_CA,
  memoryQuantity,
  NAME_LABEL,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  TIER_LABEL,
} from "../lib/k8s";
import { K8S_COLLECTOR_NAME, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../lib/telemetry";
import type { KubernetesTracing } from "../targets/kubernetes";
import {
  AUTH_ENV,
  CA_DIR,
  COLLECTOR_CONFIG_PATH,
  COLLECTOR_IMAGE,
  COLLECTOR_METRICS_PORT,
  endpointTarget,
  goMemLimit,
  HEALTH_PORT,
  JAEGER_CONFIG_PATH,
  JAEGER_IMAGE,
  JAEGER_UI_PORT,
  K8S_JAEGER_NAME,
  TELEMETRY_TIER,
  TELEMETRY_UID,
  TLS_DIR,
} from "./otel-collector-config";

/** The `app.kubernetes.io/name` of the two workloads (with the tier label, what the policies select). */
export const COLLECTOR_APP = "otel-collector";
export const JAEGER_APP = "jaeger";
const EPHEMERAL = "256Mi";

export interface TelemetryPodInputs {
  kind: "collector" | "jaeger";
  cpu: number;
  memoryMiB: number;
  labels: Record<string, string>;
  selector: Record<string, string>;
  serviceAccountName: pulumi.Input<string>;
  configMapName: pulumi.Input<string>;
  /** Secret of the server certificate (cert-manager). */
  tlsSecret: string;
  /** Secret with key `authorization` for the external endpoint (collector, `otlp` backend). */
  authSecret?: string;
  /** Spread the replicas over zones and nodes (more than one replica). */
  spread: boolean;
}

function ports(kind: TelemetryPodInputs["kind"]) {
  const port = (name: string, containerPort: number) => ({ name, containerPort, protocol: "TCP" });
  return kind === "collector"
    ? [
        port("otlp-grpc", OTLP_GRPC_PORT),
        port("otlp-http", OTLP_HTTP_PORT),
        port("metrics", COLLECTOR_METRICS_PORT),
        port("health", HEALTH_PORT),
      ]
    : [port("otlp-grpc", OTLP_GRPC_PORT), port("ui", JAEGER_UI_PORT), port("health", HEALTH_PORT)];
}

/**
 * Startup, readiness and liveness on the health extension (the collector's `health_check`: `/`; Jaeger's v2:
 * `/status`). The startup probe gives a slow start (a cold node pulling the image, a large config) a minute before
 * liveness may restart the pod; after it passes, liveness needs no initial delay.
 */
function probes(kind: TelemetryPodInputs["kind"]) {
  const httpGet = { path: kind === "collector" ? "/" : "/status", port: "health", scheme: "HTTP" };
  return {
    startupProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 12 },
    readinessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { httpGet, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
  };
}

/** The pod template of the collector or of Jaeger. */
export function telemetryPodTemplate(p: TelemetryPodInputs) {
  const amounts = { cpu: cpuQuantity(p.cpu), memory: memoryQuantity(p.memoryMiB), "ephemeral-storage": EPHEMERAL };
  const configPath = p.kind === "collector" ? COLLECTOR_CONFIG_PATH : JAEGER_CONFIG_PATH;
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: p.selector },
    matchLabelKeys: ["pod-template-hash"],
  });
  // The collector verifies Jaeger with the namespace CA (only `ca.crt` is projected); Jaeger verifies nobody.
  const collector = p.kind === "collector";
  const auth = p.authSecret
    ? [{ name: AUTH_ENV, valueFrom: { secretKeyRef: { name: p.authSecret, key: "authorization", optional: false } } }]
    : [];
  return {
    metadata: { labels: { ...p.labels, ...p.selector, [TIER_LABEL]: TELEMETRY_TIER } },
    spec: {
      serviceAccountName: p.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurity(TELEMETRY_UID),
      terminationGracePeriodSeconds: 30,
      ...(p.spread
        ? { topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")] }
        : {}),
      containers: [
        {
          name: collector ? COLLECTOR_APP : JAEGER_APP,
          image: collector ? COLLECTOR_IMAGE : JAEGER_IMAGE,
          imagePullPolicy: "IfNotPresent",
          args: [`--config=${configPath}`],
          ports: ports(p.kind),
          env: [{ name: "GOMEMLIMIT", value: goMemLimit(p.memoryMiB) }, ...auth],
          resources: { requests: amounts, limits: { ...amounts } },
          securityContext: restrictedContainerSecurity(TELEMETRY_UID),
          ...probes(p.kind),
          volumeMounts: [
            { name: "config", mountPath: configPath, subPath: "config.yaml", readOnly: true },
            { name: "tls", mountPath: TLS_DIR, readOnly: true },
            ...(collector ? [{ name: "internal-ca", mountPath: CA_DIR, readOnly: true }] : []),
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
      ],
      volumes: [
        { name: "config", configMap: { name: p.configMapName } },
        { name: "tls", secret: { secretName: p.tlsSecret, defaultMode: 0o440 } },
        ...(collector
          ? [
              {
                name: "internal-ca",
                secret: { secretName: INTERNAL_CA.secret, items: [{ key: "ca.crt", path: "ca.crt" }] },
              },
            ]
          : []),
        { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
      ],
    },
  };
}

export interface TelemetryPolicyInputs {
  tracing: Exclude<KubernetesTracing, { backend: "none" }>;
  /** Pod-tier label value of the app's pods (Network's `tiers.app`). */
  appTier: string;
  monitoringNamespace: string;
  /** Excluded from an external endpoint's egress rule (the cluster's own ranges). */
  clusterCidrs: string[];
}

export interface TelemetryPolicy {
  name: string;
  spec: networking.v1.NetworkPolicySpec;
}

const tcp = (...list: number[]) => list.map((port) => ({ protocol: "TCP", port }));
const pods = (app: string) => ({ matchLabels: { [TIER_LABEL]: TELEMETRY_TIER, [NAME_LABEL]: app } });
const inNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

/** Where the collector may send: Jaeger's pods, the in-cluster Service's namespace, or the internet on one port. */
function backendPeer(tracing: TelemetryPolicyInputs["tracing"], clusterCidrs: string[]) {
  if (tracing.backend === "jaeger") return { to: [{ podSelector: pods(JAEGER_APP) }], ports: tcp(OTLP_GRPC_PORT) };
  const t = endpointTarget(tracing.endpoint);
  if (t.namespace) return { to: [inNamespace(t.namespace)], ports: tcp(t.port) };
  const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(t.host);
  return {
    to: [{ ipBlock: ip ? { cidr: `${t.host}/32` } : { cidr: "0.0.0.0/0", except: [...clusterCidrs] } }],
    ports: tcp(t.port),
  };
}

/**
 * The flows of the telemetry tier, added to the namespace's default deny (DNS is allowed there for every pod): the
 * app → collector on OTLP, the collector → its backend, monitoring → the collector's metrics, and for Jaeger
 * collector → Jaeger on OTLP gRPC and monitoring (Grafana's data source) → the UI/query port. Jaeger sends nowhere.
 */
export function telemetryPolicies(p: TelemetryPolicyInputs): TelemetryPolicy[] {
  const app = { podSelector: { matchLabels: { [TIER_LABEL]: p.appTier } } };
  const policies: TelemetryPolicy[] = [
    {
      name: "app-to-otel-collector",
      spec: {
        podSelector: { matchLabels: { [TIER_LABEL]: p.appTier } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: pods(COLLECTOR_APP) }], ports: tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT) }],
      },
    },
    {
      name: `${K8S_COLLECTOR_NAME}-ingress`,
      spec: {
        podSelector: pods(COLLECTOR_APP),
        policyTypes: ["Ingress"],
        ingress: [
          { from: [app], ports: tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT) },
          { from: [inNamespace(p.monitoringNamespace)], ports: tcp(COLLECTOR_METRICS_PORT) },
        ],
      },
    },
    {
      name: `${K8S_COLLECTOR_NAME}-egress`,
      spec: {
        podSelector: pods(COLLECTOR_APP),
        policyTypes: ["Egress"],
        egress: [backendPeer(p.tracing, p.clusterCidrs)],
      },
    },
  ];
  if (p.tracing.backend !== "jaeger") return policies;
  return [
    ...policies,
    {
      name: `${K8S_JAEGER_NAME}-ingress`,
      spec: {
        podSelector: pods(JAEGER_APP),
        policyTypes: ["Ingress"],
        ingress: [
          { from: [{ podSelector: pods(COLLECTOR_APP) }], ports: tcp(OTLP_GRPC_PORT) },
          { from: [inNamespace(p.monitoringNamespace)], ports: tcp(JAEGER_UI_PORT) },
        ],
      },
    },
  ];
}
