/**
 * The app's OpenTelemetry contract (docs/observability.md#traces): the environment every workload gets, so the
 * SDK exports OTLP to the stack's collector, samples by the profile and propagates W3C trace context. One home for
 * the collector's name and ports, used by the app (endpoint) and by the collector itself (Service, policies).
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
] as const;

export interface OtelEnvArgs {
  /** Base OTLP/HTTP endpoint, e.g. http://localhost:4318 (the SDK appends /v1/traces, /v1/logs, /v1/metrics). */
  endpoint: string;
  /** `loom-web`, `loom-worker`, `loom-migrate`. */
  service: string;
  environment: string;
  /** Head sampling ratio (parent-based: a sampled parent is always continued). */
  sampleRatio: number;
}

/** The standard OTEL_* variables (OpenTelemetry SDK environment specification). */
export function otelEnv(a: OtelEnvArgs): Record<(typeof OTEL_ENV_NAMES)[number], string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: a.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_SERVICE_NAME: a.service,
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: String(a.sampleRatio),
    OTEL_PROPAGATORS: "tracecontext,baggage",
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${a.environment},service.namespace=loom`,
  };
}

/** The collector's in-cluster OTLP/HTTP endpoint for a namespace. */
export function k8sCollectorEndpoint(namespace: string): string {
  return `http://${K8S_COLLECTOR_NAME}.${namespace}.svc.cluster.local:${OTLP_HTTP_PORT}`;
}

/** The ADOT sidecar of an ECS task (same network namespace under awsvpc). */
export const AWS_SIDECAR_ENDPOINT = `http://localhost:${OTLP_HTTP_PORT}`;
