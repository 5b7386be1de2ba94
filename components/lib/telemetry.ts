/**
 * The app's OpenTelemetry contract (docs/observability.md#the-otel-environment-every-cloud): the environment every
 * workload gets, so the SDK exports OTLP to the stack's collector, samples by the profile and propagates W3C trace
 * context. One home for the collector's name and ports, used by the app (endpoint) and by the collector itself
 * (Service, policies).
 */

/** OTLP ports (the OpenTelemetry defaults). */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/** The stack's collector on Kubernetes: Deployment and Service name in the stack's namespace. */
export const K8S_COLLECTOR_NAME = "loom-otel-collector";

/** The variables below, owned by the program (a stack may not set them in loom:appEnv). */
export const OTEL_ENV_NAMES = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_SERVICE_NAME",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_PROPAGATORS",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_EXPORTER_OTLP_CERTIFICATE",
  "OTEL_TRACES_EXPORTER",
  "OTEL_METRICS_EXPORTER",
  "OTEL_LOGS_EXPORTER",
  // AWS: the SDK's metric export shape the sidecar's EMF pipeline relies on (app-service/aws-telemetry-config.ts).
  "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
  "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
] as const;
export type OtelEnvName = (typeof OTEL_ENV_NAMES)[number];

/** `otlp` = export the signal to the endpoint; `none` = the SDK exports nothing (and retries nothing). */
export type OtelExporter = "otlp" | "none";

export interface OtelEnvArgs {
  /** Base OTLP/HTTP endpoint, e.g. http://localhost:4318 (the SDK appends /v1/traces, /v1/logs, /v1/metrics). */
  endpoint: string;
  /** `loom-web`, `loom-worker`, `loom-migrate`. */
  service: string;
  environment: string;
  /** Head sampling ratio (parent-based: a sampled parent is always continued). */
  sampleRatio: number;
  /**
   * Trace exporter. `none`: no trace leaves the process, and no endpoint is set (context is still propagated, so
   * log lines keep their trace ids). Unset: the SDK default (otlp) and no OTEL_TRACES_EXPORTER variable.
   */
  exporter?: OtelExporter;
  /** Metrics and logs exporters; unset = the SDK default (otlp) and no variable. */
  metricsExporter?: OtelExporter;
  logsExporter?: OtelExporter;
  /** CA certificate file the SDK verifies an https:// endpoint with (OTEL_EXPORTER_OTLP_CERTIFICATE). */
  certificate?: string;
}

type OptionalName =
  | "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
  | "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
  | "OTEL_EXPORTER_OTLP_CERTIFICATE"
  | "OTEL_TRACES_EXPORTER"
  | "OTEL_METRICS_EXPORTER"
  | "OTEL_LOGS_EXPORTER";
type EndpointName = "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_EXPORTER_OTLP_PROTOCOL";
/** The variables of one workload: the endpoint pair is absent when every exporter is `none`. */
export type OtelEnv = Record<Exclude<OtelEnvName, OptionalName | EndpointName>, string> &
  Partial<Record<OptionalName | EndpointName, string>>;

/** The standard OTEL_* variables (OpenTelemetry SDK environment specification). */
export function otelEnv(
  a: OtelEnvArgs & { exporter?: "otlp" },
): Record<Exclude<OtelEnvName, OptionalName>, string> & Partial<Record<OptionalName, string>>;
export function otelEnv(a: OtelEnvArgs): OtelEnv;
export function otelEnv(a: OtelEnvArgs): OtelEnv {
  const exporting = [a.exporter, a.metricsExporter, a.logsExporter].some((e) => e !== "none");
  return {
    ...(exporting
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: a.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
          ...(a.certificate ? { OTEL_EXPORTER_OTLP_CERTIFICATE: a.certificate } : {}),
        }
      : {}),
    OTEL_SERVICE_NAME: a.service,
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: String(a.sampleRatio),
    OTEL_PROPAGATORS: "tracecontext,baggage",
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${a.environment},service.namespace=loom`,
    ...(a.exporter ? { OTEL_TRACES_EXPORTER: a.exporter } : {}),
    ...(a.metricsExporter ? { OTEL_METRICS_EXPORTER: a.metricsExporter } : {}),
    ...(a.logsExporter ? { OTEL_LOGS_EXPORTER: a.logsExporter } : {}),
  };
}

/**
 * The collector's in-cluster OTLP/HTTP endpoint for a namespace: TLS with a certificate from the namespace's
 * internal CA (the app verifies it with the CA file every pod mounts, `OTEL_EXPORTER_OTLP_CERTIFICATE`).
 */
export function k8sCollectorEndpoint(namespace: string): string {
  return `https://${K8S_COLLECTOR_NAME}.${namespace}.svc.cluster.local:${OTLP_HTTP_PORT}`;
}

/** The ADOT sidecar of an ECS task (same network namespace under awsvpc). */
export const AWS_SIDECAR_ENDPOINT = `http://127.0.0.1:${OTLP_HTTP_PORT}`;
