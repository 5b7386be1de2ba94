/**
 * The OpenTelemetry Collector sidecar of every AWS task, as plain data (pure: tested without mocks): the image, the
 * app metrics it publishes to CloudWatch and its configuration file. aws-telemetry.ts creates the log groups,
 * containers.ts the container definition; docs/observability.md ("Traces on AWS", "App metrics path") explains it.
 *
 * Why the upstream contrib distribution and not ADOT (public.ecr.aws/aws-observability/aws-otel-collector): ADOT
 * ships no `transform` processor, and both jobs below need it — the PII rules of redaction.ts on span attributes,
 * and turning the app's Prometheus series into the exact CloudWatch metrics the catalog reads (histogram counts,
 * renames, the queue-depth sum). The contrib build carries the same `awsxray` and `awsemf` exporters ADOT does, and
 * is the collector the Kubernetes stack runs (components/observability/otel-collector-config.ts).
 *
 * Pipelines (web and worker; migrate runs `traces` only — a one-off task has nothing worth scraping):
 * - traces: otlp (localhost) → memory_limiter → resourcedetection (ecs) → transform/redact → batch → awsxray
 * - metrics/scrape: prometheus (the app's own `localhost:<port><metricsPath>` every 30 s) → memory_limiter →
 *   resourcedetection → transform/scrape → filter/scrape → batch → awsemf
 * - metrics/otlp: otlp → memory_limiter → resourcedetection → transform/otlp → filter/otlp → batch → awsemf: the
 *   three duration distributions, pushed by the SDK as delta exponential histograms — the only histogram form awsemf
 *   turns into value/count arrays CloudWatch can take percentiles of (a Prometheus bucket histogram becomes a
 *   statistic set without a distribution)
 */
import { stringify } from "yaml";
import { METRICS_NAMESPACE, QUEUE_DEPTH_METRIC, QUEUE_DEPTH_SERIES } from "../lib/metrics";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../lib/telemetry";
import { ottlSpanStatements, type Redaction } from "../observability/redaction";
import type { Workload } from "./workload-secrets";

/** Pinned (the Kubernetes collector's version; bump both together). ghcr.io: no anonymous pull-rate limit. */
export const COLLECTOR_IMAGE =
  "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.155.0";
/** The sidecar's container name (the app containers depend on it). */
export const COLLECTOR_CONTAINER = "otel-collector";
/** The non-root uid:gid the contrib image is built with. */
export const COLLECTOR_UID = 10001;
/** The variable the configuration travels in (`--config=env:…`: no file, no S3 object, no SSM parameter). */
export const COLLECTOR_CONFIG_ENV = "LOOM_COLLECTOR_CONFIG";
export const SCRAPE_INTERVAL_SECONDS = 30;
/** The one dimension of the app's metrics in namespace METRICS_NAMESPACE. */
export const EMF_DIMENSION = "Environment";

/** SDK settings the metrics/otlp pipeline relies on (delta exponential histograms), set in every AWS container. */
export const OTLP_METRICS_ENV: Readonly<Record<string, string>> = {
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: "base2_exponential_bucket_histogram",
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "delta",
};

export type CwUnit = "Count" | "Seconds" | "None";

/** One CloudWatch metric in namespace Loom: which app series it is made from, and how. */
export interface EmfMetric {
  unit: CwUnit;
  /** `scrape`: from /metrics; `otlp`: an SDK exponential histogram. */
  via: "scrape" | "otlp";
  /** Regular expression (RE2) matching the source metric's name as the collector receives it. */
  source: string;
  /** What the value is (docs/metrics.md). */
  meaning: string;
}

// Counters may arrive with or without `_total` (the Prometheus receiver's name normalisation is a feature gate).
const counter = (name: string) => `^${name}(_total)?$`;
// OTLP instrument names: the Prometheus family name, or the same words dot-separated (unit suffix optional).
const instrument = (words: string[]) => `^${words.join("[._]")}([._]seconds)?$`;

/** Every metric the sidecar publishes to `Loom`, by CloudWatch name; each has exactly one publisher (this one). */
export const EMF_METRICS: Readonly<Record<string, EmfMetric>> = {
  [QUEUE_DEPTH_METRIC]: {
    unit: "Count",
    via: "scrape",
    source: `^${QUEUE_DEPTH_SERIES}$`,
    meaning: "sum over queue and priority",
  },
  ReviewsCompleted: {
    unit: "Count",
    via: "scrape",
    source: "^loom_review_duration_seconds_count$",
    meaning: "finished reviews",
  },
  ReviewsRequested: {
    unit: "Count",
    via: "scrape",
    source: counter("loom_reviews_requested"),
    meaning: "every trigger",
  },
  ActiveUsers: { unit: "Count", via: "scrape", source: "^loom_active_users$", meaning: 'window="1h" only' },
  JobsFailed: { unit: "Count", via: "scrape", source: counter("loom_jobs_failed"), meaning: "every reason" },
  LlmRequests: {
    unit: "Count",
    via: "scrape",
    source: "^loom_llm_request_duration_seconds_count$",
    meaning: "every outcome",
  },
  LlmRequestFailures: {
    unit: "Count",
    via: "scrape",
    source: "^loom_llm_request_duration_seconds_count$",
    meaning: 'outcome != "success"',
  },
  LlmTokens: { unit: "Count", via: "scrape", source: counter("loom_llm_tokens"), meaning: "input and output" },
  LlmCostUsd: { unit: "None", via: "scrape", source: counter("loom_llm_cost_usd"), meaning: "US dollars" },
  ReviewDuration: {
    unit: "Seconds",
    via: "otlp",
    source: instrument(["loom", "review", "duration"]),
    meaning: "distribution",
  },
  LlmRequestDuration: {
    unit: "Seconds",
    via: "otlp",
    source: instrument(["loom", "llm", "request", "duration"]),
    meaning: "distribution",
  },
  DbQueryDuration: {
    unit: "Seconds",
    via: "otlp",
    source: instrument(["loom", "db", "query", "duration"]),
    meaning: "distribution",
  },
};

/** Histograms whose count becomes a counter (`extract_count_metric`: `<name>_count`, same attributes). */
const COUNTED_HISTOGRAMS = ["loom_review_duration_seconds", "loom_llm_request_duration_seconds"];

export interface CollectorConfigInputs {
  workload: Workload;
  /** The `Environment` dimension (LOOM_ENVIRONMENT). */
  environment: string;
  region: string;
  /** Where the app serves /metrics (its own port, on localhost). */
  appPort: number;
  metricsPath: string;
  /** The pre-created, KMS-encrypted EMF log group. */
  emfLogGroup: string;
  redaction: Redaction;
  /** The collector container's memory (MiB): memory_limiter stays under it. */
  memoryMiB: number;
}

/** The names of `via`'s metrics, as an anchored alternation. */
function namesOf(via: EmfMetric["via"]): string {
  return `^(${Object.keys(EMF_METRICS)
    .filter((n) => EMF_METRICS[n]?.via === via)
    .join("|")})$`;
}

/** OTTL: rename every metric of `via` from its source name; the failures copy is made before the renames. */
function renames(via: EmfMetric["via"]): string[] {
  return Object.entries(EMF_METRICS)
    .filter(([name, m]) => m.via === via && name !== "LlmRequestFailures")
    .map(
      ([name, m]) =>
        `set(metric.name, ${JSON.stringify(name)}) where IsMatch(metric.name, ${JSON.stringify(m.source)})`,
    );
}

/** transform/scrape: counts out of histograms, the failures copy, CloudWatch names, one queue-depth series. */
function scrapeTransform(environment: string): Record<string, unknown> {
  return {
    error_mode: "ignore",
    metric_statements: [
      {
        context: "metric",
        statements: [
          ...COUNTED_HISTOGRAMS.map((h) => `extract_count_metric(true) where metric.name == ${JSON.stringify(h)}`),
          'copy_metric(name="LlmRequestFailures") where metric.name == "loom_llm_request_duration_seconds_count"',
          ...renames("scrape"),
          `aggregate_on_attributes("sum", []) where metric.name == ${JSON.stringify(QUEUE_DEPTH_METRIC)}`,
        ],
      },
      { context: "datapoint", statements: [environmentStatement(environment)] },
    ],
  };
}

function environmentStatement(environment: string): string {
  return `set(datapoint.attributes[${JSON.stringify(EMF_DIMENSION)}], ${JSON.stringify(environment)})`;
}

/** awsemf: namespace Loom, exactly `[Environment]`, a declaration for every published name, units. */
function emfExporter(p: CollectorConfigInputs): Record<string, unknown> {
  return {
    namespace: METRICS_NAMESPACE,
    region: p.region,
    log_group_name: p.emfLogGroup,
    log_stream_name: "{TaskDefinitionFamily}/{TaskId}",
    dimension_rollup_option: "NoDimensionRollup",
    resource_to_telemetry_conversion: { enabled: false },
    // Counters start at 0 with the task, so the first value is a real delta (a rare failure reason is not lost).
    retain_initial_value_of_delta_metric: true,
    metric_declarations: [
      {
        dimensions: [[EMF_DIMENSION]],
        metric_name_selectors: Object.keys(EMF_METRICS).map((n) => `^${n}$`),
      },
    ],
    metric_descriptors: Object.entries(EMF_METRICS).map(([name, m]) => ({
      metric_name: name,
      unit: m.unit,
      overwrite: true,
    })),
  };
}

function metricPipelines(p: CollectorConfigInputs) {
  const scrapeJob = {
    job_name: `loom-${p.workload}`,
    scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`,
    scrape_timeout: "10s",
    metrics_path: p.metricsPath,
    static_configs: [{ targets: [`localhost:${p.appPort}`] }],
  };
  return {
    receivers: { prometheus: { config: { scrape_configs: [scrapeJob] } } },
    processors: {
      "transform/scrape": scrapeTransform(p.environment),
      "filter/scrape": {
        error_mode: "ignore",
        metrics: {
          metric: [`not IsMatch(metric.name, ${JSON.stringify(namesOf("scrape"))})`],
          datapoint: [
            'metric.name == "LlmRequestFailures" and datapoint.attributes["outcome"] == "success"',
            'metric.name == "ActiveUsers" and datapoint.attributes["window"] != "1h"',
          ],
        },
      },
      "transform/otlp": {
        error_mode: "ignore",
        metric_statements: [
          { context: "metric", statements: renames("otlp") },
          { context: "datapoint", statements: [environmentStatement(p.environment)] },
        ],
      },
      "filter/otlp": {
        error_mode: "ignore",
        metrics: {
          metric: [
            `not IsMatch(metric.name, ${JSON.stringify(namesOf("otlp"))})`,
            "metric.type != METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM",
          ],
        },
      },
    },
    exporters: { awsemf: emfExporter(p) },
    pipelines: {
      "metrics/scrape": {
        receivers: ["prometheus"],
        processors: ["memory_limiter", "resourcedetection", "transform/scrape", "filter/scrape", "batch"],
        exporters: ["awsemf"],
      },
      "metrics/otlp": {
        receivers: ["otlp"],
        processors: ["memory_limiter", "resourcedetection", "transform/otlp", "filter/otlp", "batch"],
        exporters: ["awsemf"],
      },
    },
  };
}

/** The collector's configuration (opentelemetry.io/docs/collector/configuration) for one workload's sidecar. */
export function collectorConfig(p: CollectorConfigInputs): Record<string, unknown> {
  const redact = ottlSpanStatements(p.redaction);
  const metrics = p.workload === "migrate" ? undefined : metricPipelines(p);
  const traceProcessors = ["memory_limiter", "resourcedetection", ...(redact.length ? ["transform/redact"] : [])];
  return {
    receivers: {
      otlp: {
        protocols: {
          // IPv4 loopback on both sides: `localhost` may resolve to ::1 in the SDK and to 127.0.0.1 here.
          grpc: { endpoint: `127.0.0.1:${OTLP_GRPC_PORT}` },
          http: { endpoint: `127.0.0.1:${OTLP_HTTP_PORT}` },
        },
      },
      ...metrics?.receivers,
    },
    processors: {
      memory_limiter: {
        check_interval: "1s",
        limit_mib: Math.floor(p.memoryMiB * 0.8),
        spike_limit_mib: Math.floor(p.memoryMiB * 0.2),
      },
      resourcedetection: { detectors: ["env", "ecs"], timeout: "2s", override: false },
      ...(redact.length ? { "transform/redact": { error_mode: "ignore", trace_statements: redact } } : {}),
      ...metrics?.processors,
      batch: { send_batch_size: 512, send_batch_max_size: 1024, timeout: "5s" },
    },
    exporters: { awsxray: { region: p.region }, ...metrics?.exporters },
    service: {
      // Its own metrics would need a listener nothing scrapes; its logs go to its awslogs group.
      telemetry: { logs: { level: "info", encoding: "json" }, metrics: { level: "none" } },
      pipelines: {
        traces: { receivers: ["otlp"], processors: [...traceProcessors, "batch"], exporters: ["awsxray"] },
        ...metrics?.pipelines,
      },
    },
  };
}

/** The configuration as the collector reads it from COLLECTOR_CONFIG_ENV. */
export function collectorConfigYaml(p: CollectorConfigInputs): string {
  return stringify(collectorConfig(p), { lineWidth: 0 });
}
