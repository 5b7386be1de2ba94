/**
 * The stack's OpenTelemetry Collector and Jaeger on Kubernetes as plain data (pure: tested without mocks): their
 * configuration files, images and sizes. k8s-telemetry.ts turns them into resources; docs/observability.md
 * ("Traces on Kubernetes") explains the choices.
 *
 * Collector pipeline (traces): receiver `otlp` (gRPC 4317, HTTP 4318, TLS from the namespace CA) → `memory_limiter`
 * → `resource/loom` → `transform/redact` (the PII rules of redaction.ts, when any class is on) → `batch` → one
 * exporter: `otlp_grpc/jaeger` (TLS, verified with the namespace CA) or `otlp_http/backend` (the configured endpoint).
 *
 * - No `k8sattributes`: it needs cluster-wide RBAC to list pods, and these pods run without a service-account
 *   token. The SDK sets the resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES: environment, service namespace);
 *   the collector adds `k8s.namespace.name`.
 * - No tail sampling: the SDK samples at the head (`parentbased_traceidratio`, the profile's `traceSampleRatio`), so
 *   every span that reaches the collector is kept; tail sampling would need every span of a trace on one replica.
 * - No logs or metrics pipelines: the app logs JSON to stdout (collected from the nodes) and serves /metrics to
 *   Prometheus; its OTLP logs and metrics exporters are off (OTEL_LOGS_EXPORTER/OTEL_METRICS_EXPORTER=none).
 */

import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../lib/telemetry";
import type { KubernetesTracing } from "../targets/kubernetes";
import { ottlSpanStatements, type Redaction } from "./redaction";

/** Pinned images (bump deliberately; docs/observability.md lists them). */
export const COLLECTOR_IMAGE = "docker.io/otel/opentelemetry-collector-contrib:0.155.0";
export const JAEGER_IMAGE = "cr.jaegertracing.io/jaegertracing/jaeger:2.19.0";
/** The non-root user both images are built with. */
export const TELEMETRY_UID = 10001;

/** Jaeger all-in-one: Deployment and Service name in the stack's namespace. */
export const K8S_JAEGER_NAME = "loom-jaeger";
/** Pod label `loom/tier` of the collector and Jaeger (NetworkPolicies select on it). */
export const TELEMETRY_TIER = "telemetry";

export const HEALTH_PORT = 13133;
/** The collector's own metrics (Prometheus, scraped through a PodMonitor). */
export const COLLECTOR_METRICS_PORT = 8888;
export const JAEGER_UI_PORT = 16686;

/** Where the pods mount their server certificate, the namespace CA and their configuration. */
export const TLS_DIR = "/etc/loom/tls";
export const CA_DIR = "/etc/loom/ca";
export const COLLECTOR_CONFIG_PATH = "/etc/otelcol-contrib/config.yaml";
export const JAEGER_CONFIG_PATH = "/etc/jaeger/config.yaml";
/** The environment variable holding the external endpoint's `authorization` header (from `tracing.authSecret`). */
export const AUTH_ENV = "OTLP_AUTHORIZATION";

/** Collector size per replica; requests = limits. */
export interface TelemetrySize {
  cpu: number;
  memoryMiB: number;
  replicas: number;
}

/** Two replicas in prod (a PDB and spread over zones and nodes), one elsewhere. */
export function collectorSize(environment: string): TelemetrySize {
  return environment === "prod" ? { cpu: 0.5, memoryMiB: 512, replicas: 2 } : { cpu: 0.2, memoryMiB: 256, replicas: 1 };
}

/**
 * Jaeger's memory: the in-memory store evicts by trace count only, so the limit follows `maxTraces`, at an
 * estimated 64 KiB per trace (a review request: tens of spans with HTTP, SQL and LLM attributes) plus 256 MiB for
 * the process, rounded up to 128 MiB.
 */
export function jaegerMemoryMiB(maxTraces: number): number {
  return Math.ceil((256 + (maxTraces * 64) / 1024) / 128) * 128;
}

/** GOMEMLIMIT for a Go process under a memory limit: 80 %, so the garbage collector works before the OOM killer. */
export function goMemLimit(memoryMiB: number): string {
  return `${Math.floor(memoryMiB * 0.8)}MiB`;
}

/** In-cluster host name of a Service of the namespace. */
export function serviceFqdn(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

const serverTls = {
  cert_file: `${TLS_DIR}/tls.crt`,
  key_file: `${TLS_DIR}/tls.key`,
  min_version: "1.2",
  // cert-manager renews the certificate in place; the receiver re-reads it.
  reload_interval: "1h",
};

const JSON_LOGS = { level: "info", encoding: "json" };

/** The collector's own telemetry: JSON logs, Prometheus metrics on COLLECTOR_METRICS_PORT (the PodMonitor's). */
const COLLECTOR_TELEMETRY = {
  logs: JSON_LOGS,
  metrics: {
    level: "normal",
    readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: COLLECTOR_METRICS_PORT } } } }],
  },
};

export interface CollectorConfigInputs {
  namespace: string;
  tracing: Exclude<KubernetesTracing, { backend: "none" }>;
  redaction: Redaction;
}

/** The exporter of the configured backend: its id and its configuration. */
function exporterFor(p: CollectorConfigInputs): [string, Record<string, unknown>] {
  const delivery = {
    sending_queue: { enabled: true, num_consumers: 4, queue_size: 2048 },
    retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "300s" },
  };
  if (p.tracing.backend === "jaeger") {
    return [
      "otlp_grpc/jaeger",
      {
        endpoint: `${serviceFqdn(K8S_JAEGER_NAME, p.namespace)}:${OTLP_GRPC_PORT}`,
        tls: { ca_file: `${CA_DIR}/ca.crt`, min_version: "1.2" },
        ...delivery,
      },
    ];
  }
  return [
    "otlp_http/backend",
    {
      endpoint: p.tracing.endpoint,
      ...(p.tracing.authSecret ? { headers: { authorization: `\${env:${AUTH_ENV}}` } } : {}),
      compression: "gzip",
      ...delivery,
    },
  ];
}

/** The collector's configuration file (docs: opentelemetry.io/docs/collector/configuration). */
export function collectorConfig(p: CollectorConfigInputs): Record<string, unknown> {
  const statements = ottlSpanStatements(p.redaction);
  const [exporter, exporterConfig] = exporterFor(p);
  const processors: Record<string, unknown> = {
    memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
    "resource/loom": { attributes: [{ key: "k8s.namespace.name", value: p.namespace, action: "upsert" }] },
    ...(statements.length > 0 ? { "transform/redact": { error_mode: "ignore", trace_statements: statements } } : {}),
    batch: { send_batch_size: 1024, send_batch_max_size: 2048, timeout: "2s" },
  };
  return {
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}`, tls: serverTls },
          http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}`, tls: serverTls },
        },
      },
    },
    processors,
    exporters: { [exporter]: exporterConfig },
    service: {
      extensions: ["health_check"],
      telemetry: COLLECTOR_TELEMETRY,
      pipelines: { traces: { receivers: ["otlp"], processors: Object.keys(processors), exporters: [exporter] } },
    },
  };
}

/**
 * Jaeger v2 all-in-one: OTLP gRPC in (TLS, from the collector only), the in-memory store bounded by `maxTraces`,
 * the query service and UI on JAEGER_UI_PORT (port-forward, or Grafana's Jaeger data source from the monitoring
 * namespace). Traces do not survive a restart: docs/observability.md#production-trace-storage.
 */
export function jaegerConfig(maxTraces: number): Record<string, unknown> {
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      // Nothing scrapes Jaeger (the collector's metrics show what reaches it): no metrics endpoint.
      telemetry: { resource: { "service.name": "jaeger" }, logs: JSON_LOGS, metrics: { level: "none" } },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
      jaeger_storage: { backends: { memstore: { memory: { max_traces: maxTraces } } } },
      jaeger_query: { storage: { traces: "memstore" }, http: { endpoint: `0.0.0.0:${JAEGER_UI_PORT}` } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}`, tls: serverTls } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: "memstore" } },
  };
}

/** Host, port and (for an in-cluster Service) namespace of an OTLP endpoint URL. */
export function endpointTarget(endpoint: string): { host: string; port: number; namespace?: string } {
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const inCluster = /^[^.]+\.([^.]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
  return { host: url.hostname, port, ...(inCluster?.[1] ? { namespace: inCluster[1] } : {}) };
}
