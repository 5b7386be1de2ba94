/**
 * The node log agent (docs/logging.md#kubernetes) as plain data: the OpenTelemetry Collector chart in `daemonset`
 * mode, its collector configuration and its Helm values. Pure: tested without mocks; k8s-logging.ts installs it
 * with `loom:kubernetes.installOperators`, in the monitoring operator namespace (Pod Security `privileged`: the agent
 * reads the node's /var/log/pods through hostPath, which no stack namespace allows).
 *
 * Pipeline: `file_log` (every container's file under /var/log/pods except the agent's own; the `container` operator
 * parses the CRI format and sets k8s.namespace.name / k8s.pod.name / k8s.container.name from the path; read
 * positions are checkpointed on the node, so a restart neither loses nor repeats lines) → `memory_limiter` →
 * `transform/parse` (a line that is a JSON object — the app's contract, docs/logging.md — gives the record its
 * severity from `level` and its trace context from `trace_id`/`span_id`; the line itself stays the body) →
 * `transform/redact` (redaction.ts `ottlLogStatements`: the `loom:observability.redact` classes, on the body and
 * every attribute) → `batch` → `otlp_http/loki` (Loki's OTLP endpoint, a persistent queue on the node's disk).
 *
 * No `k8s_attributes` processor: it needs a cluster-wide pod watch, and the file path already names namespace, pod
 * and container. The record's time is the container runtime's (the moment the line reached stdout), which the
 * app's `time` field equals to the millisecond.
 */

import { LOKI_PORT, LOKI_RELEASE, lokiUrl } from "./loki-config";
import { ottlLogStatements, type Redaction } from "./redaction";

/** Helm release name; the chart's `fullnameOverride` (the DaemonSet is `loom-logs-agent`). */
export const AGENT_RELEASE = "loom-logs";
/** The chart's container name (the exclude pattern needs it). */
export const AGENT_CONTAINER = "opentelemetry-collector";
/** The collector's Kubernetes distribution (file_log, transform, file_storage, otlp_http): the chart's appVersion. */
export const AGENT_IMAGE = { repository: "docker.io/otel/opentelemetry-collector-k8s", tag: "0.158.0" } as const;
/** Per node; requests = limits. */
export const AGENT_RESOURCES = { cpu: "200m", memory: "256Mi" } as const;
export const AGENT_METRICS_PORT = 8888;
export const AGENT_HEALTH_PORT = 13133;
/** The node's pod logs (kubelet: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log). */
export const POD_LOGS_DIR = "/var/log/pods";
/** Read positions and the export queue: a directory of the node that only this agent writes. */
export const CHECKPOINT_HOST_DIR = "/var/lib/otelcol/loom-logs";
export const CHECKPOINT_DIR = "/var/lib/otelcol";
/** Longest recombined line (the CRI splits lines at 16 KiB): 100 KiB, below Loki's 256 KB line limit. */
export const MAX_LOG_SIZE = 102_400;

/** The pod's own IP, expanded by the collector from the chart's MY_POD_IP variable (listen only there). */
const POD_IP = `\${env:MY_POD_IP}`;

/** The contract's levels (docs/logging.md) and the OTLP severity each one sets. */
export const LEVEL_SEVERITY = {
  debug: "SEVERITY_NUMBER_DEBUG",
  info: "SEVERITY_NUMBER_INFO",
  warn: "SEVERITY_NUMBER_WARN",
  error: "SEVERITY_NUMBER_ERROR",
} as const;

export interface AgentInputs {
  monitoringNamespace: string;
  redaction: Redaction;
  /** The `release` label kube-prometheus-stack selects monitors by. */
  prometheusRelease: string;
}

/** OTTL (one statement group, so `log.cache` is shared): JSON line → severity and trace context; body unchanged. */
export function parseStatements(): string[] {
  const cache = (field: string) => `log.cache["${field}"]`;
  return [
    'merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsString(log.body) and IsMatch(log.body, "^\\\\s*\\\\{")',
    `set(log.severity_text, ${cache("level")}) where IsString(${cache("level")})`,
    ...Object.entries(LEVEL_SEVERITY).map(
      ([level, severity]) => `set(log.severity_number, ${severity}) where ${cache("level")} == "${level}"`,
    ),
    `set(log.trace_id.string, ${cache("trace_id")}) where IsString(${cache("trace_id")}) and IsMatch(${cache("trace_id")}, "^[0-9a-f]{32}$")`,
    `set(log.span_id.string, ${cache("span_id")}) where IsString(${cache("span_id")}) and IsMatch(${cache("span_id")}, "^[0-9a-f]{16}$")`,
  ];
}

/** The agent's own pod logs: never read back (a loop when the export fails and the agent logs the failure). */
export function agentExclude(monitoringNamespace: string): string {
  return `${POD_LOGS_DIR}/${monitoringNamespace}_${AGENT_RELEASE}-agent-*_*/${AGENT_CONTAINER}/*.log`;
}

/** The collector configuration file (the chart's `alternateConfig`: not merged with its defaults). */
export function agentConfig(p: AgentInputs): Record<string, unknown> {
  const redact = ottlLogStatements(p.redaction);
  const processors: Record<string, unknown> = {
    memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
    "transform/parse": { error_mode: "ignore", log_statements: [{ statements: parseStatements() }] },
    ...(redact.length > 0 ? { "transform/redact": { error_mode: "ignore", log_statements: redact } } : {}),
    batch: { send_batch_size: 1024, send_batch_max_size: 2048, timeout: "2s" },
  };
  return {
    extensions: {
      health_check: { endpoint: `${POD_IP}:${AGENT_HEALTH_PORT}` },
      file_storage: { directory: CHECKPOINT_DIR },
    },
    receivers: {
      file_log: {
        include: [`${POD_LOGS_DIR}/*/*/*.log`],
        exclude: [agentExclude(p.monitoringNamespace)],
        // First start on a node: what the kubelet still holds; afterwards the checkpoints decide.
        start_at: "beginning",
        include_file_path: true,
        include_file_name: false,
        storage: "file_storage",
        retry_on_failure: { enabled: true },
        operators: [{ type: "container", id: "container-parser", max_log_size: MAX_LOG_SIZE }],
      },
    },
    processors,
    exporters: {
      "otlp_http/loki": {
        endpoint: `${lokiUrl(p.monitoringNamespace)}/otlp`,
        sending_queue: { enabled: true, storage: "file_storage", num_consumers: 4, queue_size: 1000 },
        // Never give up while Loki is away: the queue is on disk and file_log waits when it is full.
        retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "0s" },
      },
    },
    service: {
      extensions: ["health_check", "file_storage"],
      telemetry: {
        logs: { level: "info", encoding: "json" },
        metrics: {
          level: "normal",
          readers: [{ pull: { exporter: { prometheus: { host: POD_IP, port: AGENT_METRICS_PORT } } } }],
        },
      },
      pipelines: {
        logs: { receivers: ["file_log"], processors: Object.keys(processors), exporters: ["otlp_http/loki"] },
      },
    },
  };
}

/** The chart's ports: none but the agent's own metrics (no OTLP, Jaeger or Zipkin receivers, no hostPorts). */
const PORTS = {
  otlp: { enabled: false },
  "otlp-http": { enabled: false },
  "jaeger-compact": { enabled: false },
  "jaeger-thrift": { enabled: false },
  "jaeger-grpc": { enabled: false },
  zipkin: { enabled: false },
  metrics: { enabled: true, containerPort: AGENT_METRICS_PORT, servicePort: AGENT_METRICS_PORT, protocol: "TCP" },
};

/**
 * Root without privileges: the kubelet writes pod logs 0640 root:root, so reading them takes uid 0 — with every
 * capability dropped, no privilege escalation, a read-only root file system, /var/log/pods mounted read-only and
 * one writable host directory of its own.
 */
const SECURITY_CONTEXT = {
  runAsUser: 0,
  runAsGroup: 0,
  runAsNonRoot: false,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** Helm values of the `opentelemetry-collector` chart (values.schema.json of the pinned version). */
export function agentValues(p: AgentInputs): Record<string, unknown> {
  const fromMonitoring = { matchLabels: { "kubernetes.io/metadata.name": p.monitoringNamespace } };
  return {
    mode: "daemonset",
    fullnameOverride: AGENT_RELEASE,
    image: { ...AGENT_IMAGE },
    alternateConfig: agentConfig(p),
    // It reads files, not the Kubernetes API: no token.
    serviceAccount: { create: true, automountServiceAccountToken: false },
    podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
    securityContext: SECURITY_CONTEXT,
    resources: { requests: { ...AGENT_RESOURCES }, limits: { ...AGENT_RESOURCES } },
    useGOMEMLIMIT: true,
    extraVolumes: [
      { name: "varlogpods", hostPath: { path: POD_LOGS_DIR, type: "Directory" } },
      { name: "checkpoints", hostPath: { path: CHECKPOINT_HOST_DIR, type: "DirectoryOrCreate" } },
    ],
    extraVolumeMounts: [
      { name: "varlogpods", mountPath: POD_LOGS_DIR, readOnly: true },
      { name: "checkpoints", mountPath: CHECKPOINT_DIR },
    ],
    ports: PORTS,
    // Every node's logs, including nodes tainted NoSchedule for dedicated workloads.
    tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
    rollout: { strategy: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    podMonitor: { enabled: true, extraLabels: { release: p.prometheusRelease } },
    networkPolicy: {
      enabled: true,
      allowIngressFrom: [{ namespaceSelector: fromMonitoring }],
      egressRules: [
        {
          to: [
            {
              podSelector: {
                matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": LOKI_RELEASE },
              },
            },
          ],
          ports: [{ port: LOKI_PORT, protocol: "TCP" }],
        },
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    },
  };
}
