import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import {
  COLLECTOR_IMAGE,
  collectorConfig,
  EMF_METRICS,
  OTLP_METRICS_ENV,
} from "../../components/app-service/aws-telemetry-config";
import { customDataIdentifiers } from "../../components/app-service/policies";
import { LOGICAL_BACKUP_METRICS } from "../../components/backups/job-script";
import { imageRefProblem } from "../../components/lib/image-ref";
import { METRICS_NAMESPACE, QUEUE_DEPTH_METRIC } from "../../components/lib/metrics";
import { CLOUDWATCH, members } from "../../components/observability/catalog/cloudwatch";
import { DEFAULT_REDACTION, ottlSpanStatements } from "../../components/observability/redaction";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { fakeAwsNetwork, staticAwsPlatform, withPlatform } from "./aws-fixtures";

const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const PROTECTION = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy";
const ids = (...names: string[]) => names.map((n) => `arn:aws:dataprotection::aws:data-identifier/${n}`);

type Env = "staging" | "prod" | "dev";
function args(env: Env, over: Partial<AppServiceArgs> = {}): AppServiceArgs {
  return {
    platform: staticAwsPlatform(),
    context: context(env),
    network: fakeAwsNetwork(),
    image: "ghcr.io/example/loom:1.4.2",
    domain: "loom.example.com",
    web: { cpu: 0.5, memoryMiB: 1024, minReplicas: 2, maxReplicas: 4 },
    worker: { cpu: 1, memoryMiB: 2048, minReplicas: 1, maxReplicas: 4 },
    env: { LOOM_ENVIRONMENT: env, PORT: "8080" },
    logRetentionDays: 90,
    traceSampleRatio: 0.25,
    ...over,
  };
}

const build = (env: Env, over: Partial<AppServiceArgs> = {}) =>
  runComponents(() => {
    new AppService("loom", withPlatform(args(env, over)));
  });

interface Def {
  name: string;
  environment: { name: string; value: string }[];
  [key: string]: unknown;
}
const defs = (run: ProgramRun, tier: string): Def[] =>
  JSON.parse(String(one(run, TASK, `loom-${tier}`).inputs.containerDefinitions));
const envOf = (d: Def) => Object.fromEntries(d.environment.map((e) => [e.name, e.value]));
/** The collector configuration as the sidecar receives it, parsed back from its environment. */
const configOf = (run: ProgramRun, tier: string) => {
  const sidecar = defs(run, tier)[1] as Def;
  return parse(envOf(sidecar).LOOM_COLLECTOR_CONFIG as string);
};

describe("AppService on aws: telemetry", () => {
  let staging: ProgramRun;
  before(async () => {
    staging = await build("staging");
  });

  it("gives every Loom container the OTEL contract pointing at its sidecar", () => {
    const common = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_PROPAGATORS: "tracecontext,baggage",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,service.namespace=loom",
      OTEL_LOGS_EXPORTER: "none",
    };
    for (const tier of ["web", "worker"]) {
      assert.deepEqual(envOf(defs(staging, tier)[0] as Def), {
        LOOM_ENVIRONMENT: "staging",
        PORT: "8080",
        ...common,
        OTEL_SERVICE_NAME: `loom-${tier}`,
        OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: "base2_exponential_bucket_histogram",
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "delta",
      });
    }
    assert.deepEqual(envOf(defs(staging, "migrate")[0] as Def), {
      LOOM_ENVIRONMENT: "staging",
      PORT: "8080",
      ...common,
      OTEL_SERVICE_NAME: "loom-migrate",
      OTEL_METRICS_EXPORTER: "none",
    });
  });

  it("starts each app after its sidecar and reserves the sidecar's share from the task size", () => {
    const shares: Record<string, [number, number, number, number]> = {
      // app cpu, app MiB, collector cpu, collector MiB (task: web/migrate 512/1024, worker 1024/2048)
      web: [448, 768, 64, 256],
      migrate: [448, 768, 64, 256],
      worker: [896, 1536, 128, 512],
    };
    for (const [tier, [appCpu, appMem, cpu, mem]] of Object.entries(shares)) {
      const [app, sidecar] = defs(staging, tier) as [Def, Def];
      assert.deepEqual(app.dependsOn, [{ containerName: "otel-collector", condition: "START" }], tier);
      assert.deepEqual([app.cpu, app.memory, sidecar.cpu, sidecar.memory], [appCpu, appMem, cpu, mem], tier);
      const task = one(staging, TASK, `loom-${tier}`).inputs;
      assert.equal(Number(task.cpu), appCpu + cpu, `${tier}: the task size is unchanged`);
      assert.equal(Number(task.memory), appMem + mem, `${tier}: the task size is unchanged`);
    }
  });

  it("hardens the sidecar like the app, non-essential and restarted in place, logging to its own group", () => {
    for (const tier of ["web", "worker", "migrate"]) {
      const { environment, ...sidecar } = defs(staging, tier)[1] as Def;
      const memory = tier === "worker" ? 512 : 256;
      assert.deepEqual(sidecar, {
        name: "otel-collector",
        image: COLLECTOR_IMAGE,
        essential: false,
        command: ["--config=env:LOOM_COLLECTOR_CONFIG"],
        user: "10001:10001",
        readonlyRootFilesystem: true,
        privileged: false,
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        portMappings: [],
        cpu: tier === "worker" ? 128 : 64,
        memory,
        restartPolicy: { enabled: true, restartAttemptPeriod: 60 },
        stopTimeout: 30,
        secrets: [],
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": "/loom/staging/otel-collector",
            "awslogs-region": "eu-west-1",
            "awslogs-stream-prefix": tier,
            mode: "non-blocking",
            "max-buffer-size": "25m",
          },
        },
      });
      assert.deepEqual(
        environment.map((e) => e.name),
        ["GOMEMLIMIT", "LOOM_COLLECTOR_CONFIG"],
      );
      assert.equal(envOf({ name: "", environment }).GOMEMLIMIT, tier === "worker" ? "460MiB" : "230MiB");
    }
    assert.equal(imageRefProblem(COLLECTOR_IMAGE), undefined);
    assert.match(COLLECTOR_IMAGE, /:\d+\.\d+\.\d+$/, "an exact version tag");
  });

  it("pre-creates the EMF and collector log groups, KMS-encrypted, with the profile's retention", () => {
    for (const path of ["metrics", "otel-collector"]) {
      const g = ofType(staging, LOG_GROUP).find((x) => x.inputs.name === `/loom/staging/${path}`);
      assert.ok(g, path);
      assert.equal(g.inputs.retentionInDays, 90);
      assert.equal(g.inputs.kmsKeyId, "arn:aws:kms:eu-west-1:111122223333:key/loom-app-logs");
    }
  });

  it("masks personal data and credentials in the app log groups (CloudWatch Logs data protection)", () => {
    const policies = ofType(staging, PROTECTION);
    assert.deepEqual(policies.map((p) => p.inputs.logGroupName).sort(), [
      "/loom/staging/migrate",
      "/loom/staging/web",
      "/loom/staging/worker",
    ]);
    const all = ids("EmailAddress", "AwsSecretKey", "OpenSshPrivateKey", "PgpPrivateKey", "PkcsPrivateKey");
    all.push(...ids("PuttyPrivateKey", "IpAddress"));
    // The credential shapes CloudWatch can carry, by name (tests/secrets/cloudwatch-redaction.spec.ts checks them).
    const custom = customDataIdentifiers();
    assert.equal(custom.length, 10);
    all.push(...custom.map((c) => c.Name));
    const web = policies.find((p) => p.inputs.logGroupName === "/loom/staging/web");
    assert.deepEqual(JSON.parse(String(web?.inputs.policyDocument)), {
      Name: "loom-staging-web-logs",
      Description: "Mask personal data and credentials in Loom's logs (loom:observability.redaction)",
      Version: "2021-06-01",
      Configuration: { CustomDataIdentifier: custom },
      Statement: [
        { Sid: "Audit", DataIdentifier: all, Operation: { Audit: { FindingsDestination: {} } } },
        { Sid: "Redact", DataIdentifier: all, Operation: { Deidentify: { MaskConfig: {} } } },
      ],
    });
  });

  it("masks only the redaction classes that are on, and adds no policy when all are off", async () => {
    const emails = await build("dev", { redaction: { emails: true, tokens: false, ips: false } });
    for (const p of ofType(emails, PROTECTION)) {
      const doc = JSON.parse(String(p.inputs.policyDocument));
      assert.deepEqual(doc.Statement[0].DataIdentifier, ids("EmailAddress"));
      assert.deepEqual(doc.Statement[1].DataIdentifier, ids("EmailAddress"));
    }
    assert.equal(ofType(emails, PROTECTION).length, 3);
    const none = await build("dev", { redaction: { emails: false, tokens: false, ips: false } });
    assert.equal(ofType(none, PROTECTION).length, 0);
  });

  it("configures web's collector: OTLP and the scrape on localhost, X-Ray, EMF into Loom", () => {
    const c = configOf(staging, "web");
    assert.deepEqual(c.receivers.otlp, {
      protocols: { grpc: { endpoint: "127.0.0.1:4317" }, http: { endpoint: "127.0.0.1:4318" } },
    });
    assert.deepEqual(c.receivers.prometheus.config.scrape_configs, [
      {
        job_name: "loom-web",
        scrape_interval: "30s",
        scrape_timeout: "10s",
        metrics_path: "/metrics",
        static_configs: [{ targets: ["localhost:8080"] }],
      },
    ]);
    assert.deepEqual(c.exporters.awsxray, { region: "eu-west-1" });
    const emf = c.exporters.awsemf;
    assert.equal(emf.namespace, "Loom");
    assert.equal(emf.region, "eu-west-1");
    assert.equal(emf.log_group_name, "/loom/staging/metrics");
    assert.equal(emf.dimension_rollup_option, "NoDimensionRollup");
    assert.deepEqual(emf.resource_to_telemetry_conversion, { enabled: false });
    assert.deepEqual(c.processors.memory_limiter, { check_interval: "1s", limit_mib: 204, spike_limit_mib: 51 });
    assert.deepEqual(c.processors.resourcedetection, { detectors: ["env", "ecs"], timeout: "2s", override: false });
    assert.deepEqual(c.service.pipelines, {
      traces: {
        receivers: ["otlp"],
        processors: ["memory_limiter", "resourcedetection", "transform/redact", "batch"],
        exporters: ["awsxray"],
      },
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
    });
    assert.deepEqual(c.service.telemetry.metrics, { level: "none" }, "no listener beyond localhost OTLP");
  });

  it("redacts span attributes with the PII rules, $-escaped as the collector needs", () => {
    const c = configOf(staging, "worker");
    const statements = c.processors["transform/redact"].trace_statements as string[];
    assert.deepEqual(statements, ottlSpanStatements(DEFAULT_REDACTION));
    assert.ok(
      statements.some((x) => x.includes('"$$1 [REDACTED]"')),
      "capture references survive YAML as $$1",
    );
  });

  it("follows the redaction setting: one class, or none (no transform at all)", async () => {
    const emails = configOf(await build("dev", { redaction: { emails: true, tokens: false, ips: false } }), "web");
    assert.deepEqual(
      emails.processors["transform/redact"].trace_statements,
      ottlSpanStatements({ emails: true, tokens: false, ips: false }),
    );
    assert.equal(emails.processors["transform/redact"].trace_statements.length, 1);
    const none = configOf(await build("dev", { redaction: { emails: false, tokens: false, ips: false } }), "web");
    assert.equal(none.processors["transform/redact"], undefined);
    assert.deepEqual(none.service.pipelines.traces.processors, ["memory_limiter", "resourcedetection", "batch"]);
  });

  it("scrapes the app's own port and metrics path", async () => {
    const c = configOf(await build("dev", { app: { port: 9000, metricsPath: "/internal/metrics" } }), "worker");
    const [job] = c.receivers.prometheus.config.scrape_configs;
    assert.deepEqual(
      [job.job_name, job.metrics_path, job.static_configs],
      ["loom-worker", "/internal/metrics", [{ targets: ["localhost:9000"] }]],
    );
  });

  it("gives migrate a traces-only collector (a one-off task has nothing to scrape)", () => {
    const c = configOf(staging, "migrate");
    assert.deepEqual(Object.keys(c.service.pipelines), ["traces"]);
    assert.deepEqual(Object.keys(c.receivers), ["otlp"]);
    assert.deepEqual(Object.keys(c.exporters), ["awsxray"]);
  });

  it("refuses a stack env that sets a variable of the telemetry contract", async () => {
    for (const name of ["OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"]) {
      await assert.rejects(build("dev", { env: { LOOM_ENVIRONMENT: "dev", [name]: "x" } }), {
        propertyPath: `env.${name}`,
        message: "is set by the program (the OpenTelemetry contract)",
      });
    }
  });
});

describe("the sidecar's CloudWatch metrics (pure)", () => {
  const config = collectorConfig({
    workload: "web",
    environment: "prod",
    region: "eu-west-1",
    appPort: 8080,
    metricsPath: "/metrics",
    emfLogGroup: "/loom/prod/metrics",
    redaction: DEFAULT_REDACTION,
    memoryMiB: 128,
  }) as Record<string, Record<string, Record<string, unknown>>>;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed collector configuration
  const emf = (config.exporters as any).awsemf;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed collector configuration
  const processors = config.processors as any;

  /**
   * Every metric name the CloudWatch catalog reads in namespace Loom, but those the backup job publishes itself
   * with put-metric-data (components/backups/job-script.ts): one publisher per metric.
   */
  const jobMetrics: string[] = Object.values(LOGICAL_BACKUP_METRICS);
  const catalogNames = new Set(
    Object.values(CLOUDWATCH).flatMap((q) =>
      members(q).flatMap(([, leaf]) =>
        (leaf.kind === "metric" ? [leaf.metric] : Object.values(leaf.inputs))
          .filter((x) => x.namespace === METRICS_NAMESPACE && !jobMetrics.includes(x.metricName))
          .map((x) => x.metricName),
      ),
    ),
  );

  it("declares exactly the app's Loom metrics the catalog reads, QueueDepth (the autoscaler's) among them", () => {
    assert.ok(catalogNames.has(QUEUE_DEPTH_METRIC));
    const appNames = [...catalogNames];
    assert.deepEqual(Object.keys(EMF_METRICS).sort(), appNames.sort());
    for (const n of jobMetrics) assert.ok(!(n in EMF_METRICS), `${n} has one publisher, the backup job`);
    const [declaration, ...more] = emf.metric_declarations;
    assert.equal(more.length, 0);
    assert.deepEqual(declaration.dimensions, [["Environment"]]);
    for (const name of appNames) {
      const selected = (declaration.metric_name_selectors as string[]).filter((re) => new RegExp(re).test(name));
      assert.equal(selected.length, 1, `${name} is declared`);
      assert.ok(!new RegExp(selected[0] as string).test(`${name}Extra`), `${name}: the selector is anchored`);
    }
    assert.deepEqual(
      emf.metric_descriptors.map((d: { metric_name: string; unit: string }) => [d.metric_name, d.unit]),
      Object.entries(EMF_METRICS).map(([n, m]) => [n, m.unit]),
    );
  });

  it("sets the Environment dimension on every data point of both metric pipelines", () => {
    for (const p of ["transform/scrape", "transform/otlp"]) {
      const datapoint = processors[p].metric_statements.find((x: { context: string }) => x.context === "datapoint");
      assert.deepEqual(datapoint.statements, ['set(datapoint.attributes["Environment"], "prod")'], p);
    }
  });

  it("turns the scraped series into the catalog's names: counts, failures, one queue-depth sum", () => {
    const [metric] = processors["transform/scrape"].metric_statements;
    assert.deepEqual(metric.statements, [
      'extract_count_metric(true) where metric.name == "loom_review_duration_seconds"',
      'extract_count_metric(true) where metric.name == "loom_llm_request_duration_seconds"',
      'copy_metric(name="LlmRequestFailures") where metric.name == "loom_llm_request_duration_seconds_count"',
      'set(metric.name, "QueueDepth") where IsMatch(metric.name, "^loom_queue_depth$")',
      'set(metric.name, "ReviewsCompleted") where IsMatch(metric.name, "^loom_review_duration_seconds_count$")',
      'set(metric.name, "ReviewsRequested") where IsMatch(metric.name, "^loom_reviews_requested(_total)?$")',
      'set(metric.name, "ActiveUsers") where IsMatch(metric.name, "^loom_active_users$")',
      'set(metric.name, "JobsFailed") where IsMatch(metric.name, "^loom_jobs_failed(_total)?$")',
      'set(metric.name, "LlmRequests") where IsMatch(metric.name, "^loom_llm_request_duration_seconds_count$")',
      'set(metric.name, "LlmTokens") where IsMatch(metric.name, "^loom_llm_tokens(_total)?$")',
      'set(metric.name, "LlmCostUsd") where IsMatch(metric.name, "^loom_llm_cost_usd(_total)?$")',
      'aggregate_on_attributes("sum", []) where metric.name == "QueueDepth"',
    ]);
    assert.deepEqual(processors["filter/scrape"].metrics.datapoint, [
      'metric.name == "LlmRequestFailures" and datapoint.attributes["outcome"] == "success"',
      'metric.name == "ActiveUsers" and datapoint.attributes["window"] != "1h"',
    ]);
  });

  it("keeps only the declared names on each path: one publisher per metric", () => {
    const kept = (p: string) => {
      const [condition] = processors[p].metrics.metric as string[];
      const re = /^not IsMatch\(metric\.name, "(.*)"\)$/.exec(condition as string)?.[1] as string;
      return Object.keys(EMF_METRICS).filter((n) => new RegExp(re).test(n));
    };
    const scrape = kept("filter/scrape");
    const otlp = kept("filter/otlp");
    assert.deepEqual(otlp, ["ReviewDuration", "LlmRequestDuration", "DbQueryDuration"]);
    assert.deepEqual([...scrape, ...otlp].sort(), Object.keys(EMF_METRICS).sort(), "every metric on one path");
    assert.ok(!new RegExp(scrape.join("|")).test("loom_http_requests_total"));
    assert.deepEqual(
      processors["filter/otlp"].metrics.metric[1],
      "metric.type != METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM",
    );
  });

  it("matches the SDK's instrument names for the distributions, Prometheus-style or dotted", () => {
    for (const [name, sources] of Object.entries({
      ReviewDuration: ["loom_review_duration_seconds", "loom.review.duration"],
      LlmRequestDuration: ["loom_llm_request_duration_seconds", "loom.llm.request.duration"],
      DbQueryDuration: ["loom_db_query_duration_seconds", "loom.db.query.duration"],
    })) {
      for (const s of sources) assert.ok(new RegExp(EMF_METRICS[name]?.source as string).test(s), `${name} ← ${s}`);
    }
    assert.deepEqual(OTLP_METRICS_ENV, {
      OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: "base2_exponential_bucket_histogram",
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "delta",
    });
  });
});
