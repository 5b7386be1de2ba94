/**
 * Logs on Kubernetes (components/observability/k8s-logging.ts): the cluster log pipeline that
 * `loom:kubernetes.installOperators` installs — Loki with the profile's retention, the node agent with the
 * `loom:observability.redact` rules, the Grafana data source — as the mock engine records it, and nothing without it.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { k8sOptions, LOG_PIPELINE_CHARTS, OPERATOR_POD_SECURITY } from "../../components/lib/k8s-provider";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { createLogging } from "../../components/observability/k8s-logging";
import { parseStatements } from "../../components/observability/log-agent-config";
import { DEFAULT_REDACTION, ottlLogStatements, redactLine } from "../../components/observability/redaction";
import { type Environment, PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, runComponents } from "../harness/program";
import { at, base, k8sMonitoringTargets } from "./k8s-fixtures";

const CHART = "kubernetes:helm.sh/v4:Chart";
const CONFIG = "kubernetes:core/v1:ConfigMap";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const ON = { installOperators: true };

const o = pulumi.output;
function args(env: Environment, kubernetes: Record<string, unknown> = {}, extra: Partial<ObservabilityArgs> = {}) {
  return Observability.resolve({
    ...base(env, kubernetes),
    logRetentionDays: PROFILES[env].logRetentionDays,
    targets: k8sMonitoringTargets(env),
    ...extra,
  } as ObservabilityArgs);
}

async function build(env: Environment, kubernetes: Record<string, unknown> = {}, extra = {}): Promise<ProgramRun> {
  const a = args(env, kubernetes, extra);
  return runComponents(() => {
    const parent = new pulumi.ComponentResource("loom:test:Parent", "loom");
    const logging = createLogging(parent, "loom", a, o(`loom-${env}`), () => k8sOptions(parent, a));
    return { logStore: logging.logStore };
  });
}

/** The chart of this file (the platform's own operator charts are in the same run). */
function chart(run: ProgramRun, name: "loom-loki" | "loom-log-agent"): PlannedResource {
  const found = ofType(run, CHART).filter((c) => c.name === name);
  assert.equal(found.length, 1, `one chart ${name}`);
  return found[0] as PlannedResource;
}
// biome-ignore lint/suspicious/noExplicitAny: chart values are untyped; tests read them by path
const values = (r: PlannedResource): Record<string, any> => at(r.inputs, "values");
// biome-ignore lint/suspicious/noExplicitAny: the collector configuration is untyped
const agentConfig = (run: ProgramRun): Record<string, any> => values(chart(run, "loom-log-agent")).alternateConfig;

/** Every resource whose inputs mention a hostPath volume. */
const withHostPath = (run: ProgramRun) => run.resources.filter((r) => JSON.stringify(r.inputs).includes('"hostPath"'));

describe("logs on kubernetes", () => {
  it("without installOperators creates nothing cluster-wide (the cluster's own pipeline keeps the logs)", async () => {
    for (const env of ["dev", "prod"] as const) {
      const run = await build(env);
      assert.deepEqual(run.outputs, { logStore: "" });
      assert.deepEqual(ofType(run, CHART), []);
      assert.deepEqual(ofType(run, CONFIG), []);
      assert.deepEqual(ofType(run, NAMESPACE), []);
      assert.deepEqual(withHostPath(run), [], "no hostPath anywhere");
    }
  });

  it("installs Loki and the node agent from their pinned charts in the monitoring namespace", async () => {
    const run = await build("prod", ON);
    assert.deepEqual(run.outputs, { logStore: "http://loki.monitoring.svc.cluster.local:3100" });
    const pinned = (r: PlannedResource) => ({
      chart: r.inputs.chart,
      version: r.inputs.version,
      repositoryOpts: r.inputs.repositoryOpts,
      name: r.inputs.name,
      namespace: r.inputs.namespace,
    });
    assert.deepEqual(pinned(chart(run, "loom-loki")), {
      chart: "loki",
      version: "18.11.0",
      repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" },
      name: "loki",
      namespace: "monitoring",
    });
    assert.deepEqual(pinned(chart(run, "loom-log-agent")), {
      chart: "opentelemetry-collector",
      version: "0.170.0",
      repositoryOpts: { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
      name: "loom-logs",
      namespace: "monitoring",
    });
    assert.equal(LOG_PIPELINE_CHARTS.loki.version, "18.11.0");
    const moved = await build("prod", { ...ON, operatorNamespaces: { monitoring: "observability" } });
    assert.equal(chart(moved, "loom-loki").inputs.namespace, "observability");
    assert.equal(chart(moved, "loom-log-agent").inputs.namespace, "observability");
    assert.equal(
      agentConfig(moved).exporters["otlp_http/loki"].endpoint,
      "http://loki.observability.svc.cluster.local:3100/otlp",
    );
  });

  it("Loki: Monolithic on a volume, retention in hours from logRetentionDays, one rule per namespace", async () => {
    for (const [env, hours] of [
      ["dev", "168h"],
      ["staging", "720h"],
      ["prod", "2160h"],
    ] as const) {
      const v = values(chart(await build(env, ON), "loom-loki"));
      assert.equal(v.loki.limits_config.retention_period, hours, env);
      assert.deepEqual(v.loki.limits_config.retention_stream, [
        { selector: `{k8s_namespace_name="loom-${env}"}`, priority: 1, period: hours },
      ]);
      assert.deepEqual(v.loki.compactor, {
        working_directory: "/var/loki/compactor",
        compaction_interval: "10m",
        retention_enabled: true,
        retention_delete_delay: "2h",
        retention_delete_worker_count: 150,
        delete_request_store: "filesystem",
      });
    }
    const shared = await build("prod", {
      ...ON,
      storageClass: "fast-ssd",
      logs: { storageGiB: "200", namespaceRetentionDays: { "loom-staging": "30", "loom-dev": 7 } },
    });
    const v = values(chart(shared, "loom-loki"));
    assert.deepEqual(v.loki.limits_config.retention_stream, [
      { selector: '{k8s_namespace_name="loom-prod"}', priority: 1, period: "2160h" },
      { selector: '{k8s_namespace_name="loom-dev"}', priority: 1, period: "168h" },
      { selector: '{k8s_namespace_name="loom-staging"}', priority: 1, period: "720h" },
    ]);
    assert.equal(v.loki.limits_config.retention_period, "2160h", "every other stream: the installing stack's");
    assert.deepEqual(v.singleBinary.persistence, { enabled: true, size: "200Gi", storageClass: "fast-ssd" });
    assert.equal(v.deploymentMode, "Monolithic");
    assert.equal(v.singleBinary.replicas, 1);
    assert.deepEqual([v.read.replicas, v.write.replicas, v.backend.replicas], [0, 0, 0]);
    assert.deepEqual(v.loki.storage, { type: "filesystem" });
    assert.equal(v.loki.auth_enabled, false);
    assert.deepEqual(v.loki.limits_config.otlp_config.resource_attributes, {
      ignore_defaults: true,
      attributes_config: [
        { action: "index_label", attributes: ["k8s.namespace.name", "k8s.container.name", "service.name"] },
      ],
    });
    assert.deepEqual(v.singleBinary.resources, {
      requests: { cpu: "1", memory: "2Gi" },
      limits: { cpu: "1", memory: "2Gi" },
    });
    assert.deepEqual(
      [v.gateway.enabled, v.chunksCache.enabled, v.resultsCache.enabled, v.lokiCanary.enabled, v.test.enabled],
      [false, false, false, false, false],
    );
    assert.deepEqual(v.networkPolicy, {
      enabled: true,
      ingress: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
      metrics: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
    });
    assert.deepEqual(v.monitoring.serviceMonitor, { enabled: true, labels: { release: "kube-prometheus-stack" } });
    const defaults = values(chart(await build("dev", ON), "loom-loki"));
    assert.deepEqual(defaults.singleBinary.persistence, { enabled: true, size: "50Gi" }, "default StorageClass");
  });

  it("agent: the redaction statements in its config are exactly those of loom:observability.redact", async () => {
    const cases = [
      DEFAULT_REDACTION,
      { emails: true, tokens: false, ips: false },
      { emails: false, tokens: true, ips: true },
    ];
    for (const redaction of cases) {
      const config = agentConfig(await build("prod", ON, { redaction }));
      assert.deepEqual(config.processors["transform/redact"], {
        error_mode: "ignore",
        log_statements: ottlLogStatements(redaction),
      });
      assert.deepEqual(config.service.pipelines.logs, {
        receivers: ["file_log"],
        processors: ["memory_limiter", "transform/parse", "transform/redact", "batch"],
        exporters: ["otlp_http/loki"],
      });
    }
    assert.equal(ottlLogStatements({ emails: true, tokens: false, ips: false }).length, 2, "body + attributes");
    const off = agentConfig(await build("prod", ON, { redaction: { emails: false, tokens: false, ips: false } }));
    assert.equal(off.processors["transform/redact"], undefined, "nothing to redact: no processor");
    assert.deepEqual(off.service.pipelines.logs.processors, ["memory_limiter", "transform/parse", "batch"]);
  });

  it("agent: file_log on every pod's file but its own, JSON lines give severity and trace context", async () => {
    const config = agentConfig(await build("prod", ON));
    assert.deepEqual(config.receivers.file_log, {
      include: ["/var/log/pods/*/*/*.log"],
      exclude: ["/var/log/pods/monitoring_loom-logs-agent-*_*/opentelemetry-collector/*.log"],
      start_at: "beginning",
      include_file_path: true,
      include_file_name: false,
      storage: "file_storage",
      retry_on_failure: { enabled: true },
      operators: [{ type: "container", id: "container-parser", max_log_size: 102400 }],
    });
    assert.deepEqual(config.processors["transform/parse"], {
      error_mode: "ignore",
      log_statements: [{ statements: parseStatements() }],
    });
    assert.deepEqual(parseStatements(), [
      'merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsString(log.body) and IsMatch(log.body, "^\\\\s*\\\\{")',
      'set(log.severity_text, log.cache["level"]) where IsString(log.cache["level"])',
      'set(log.severity_number, SEVERITY_NUMBER_DEBUG) where log.cache["level"] == "debug"',
      'set(log.severity_number, SEVERITY_NUMBER_INFO) where log.cache["level"] == "info"',
      'set(log.severity_number, SEVERITY_NUMBER_WARN) where log.cache["level"] == "warn"',
      'set(log.severity_number, SEVERITY_NUMBER_ERROR) where log.cache["level"] == "error"',
      'set(log.trace_id.string, log.cache["trace_id"]) where IsString(log.cache["trace_id"]) and IsMatch(log.cache["trace_id"], "^[0-9a-f]{32}$")',
      'set(log.span_id.string, log.cache["span_id"]) where IsString(log.cache["span_id"]) and IsMatch(log.cache["span_id"], "^[0-9a-f]{16}$")',
    ]);
    assert.deepEqual(config.exporters["otlp_http/loki"], {
      endpoint: "http://loki.monitoring.svc.cluster.local:3100/otlp",
      sending_queue: { enabled: true, storage: "file_storage", num_consumers: 4, queue_size: 1000 },
      retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "0s" },
    });
    assert.deepEqual(config.extensions, {
      health_check: { endpoint: `\${env:MY_POD_IP}:13133` },
      file_storage: { directory: "/var/lib/otelcol" },
    });
  });

  it("agent: hostPath only in the monitoring namespace (Pod Security privileged), read-only, no capabilities", async () => {
    const run = await build("prod", ON);
    assert.deepEqual(
      withHostPath(run).map((r) => [r.name, r.inputs.namespace]),
      [["loom-log-agent", "monitoring"]],
      "the agent chart is the only one, and never in the stack's namespace",
    );
    assert.equal(OPERATOR_POD_SECURITY.monitoring, "privileged");
    const v = values(chart(run, "loom-log-agent"));
    assert.equal(v.mode, "daemonset");
    assert.deepEqual(v.image, { repository: "docker.io/otel/opentelemetry-collector-k8s", tag: "0.158.0" });
    assert.deepEqual(v.extraVolumes, [
      { name: "varlogpods", hostPath: { path: "/var/log/pods", type: "Directory" } },
      { name: "checkpoints", hostPath: { path: "/var/lib/otelcol/loom-logs", type: "DirectoryOrCreate" } },
    ]);
    assert.deepEqual(v.extraVolumeMounts, [
      { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
      { name: "checkpoints", mountPath: "/var/lib/otelcol" },
    ]);
    assert.deepEqual(v.securityContext, {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(v.resources, {
      requests: { cpu: "200m", memory: "256Mi" },
      limits: { cpu: "200m", memory: "256Mi" },
    });
    assert.deepEqual(v.serviceAccount, { create: true, automountServiceAccountToken: false });
    assert.deepEqual(
      Object.entries(v.ports as Record<string, { enabled: boolean }>)
        .filter(([, p]) => p.enabled)
        .map(([k]) => k),
      ["metrics"],
      "no receiver ports, no hostPorts",
    );
    assert.deepEqual(v.podMonitor, { enabled: true, extraLabels: { release: "kube-prometheus-stack" } });
    assert.deepEqual(v.networkPolicy.egressRules[0], {
      to: [
        { podSelector: { matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki" } } },
      ],
      ports: [{ port: 3100, protocol: "TCP" }],
    });
  });

  it("provisions Loki as a Grafana data source for kube-prometheus-stack's sidecar", async () => {
    const maps = ofType(await build("staging", ON), CONFIG);
    assert.equal(maps.length, 1);
    const map = maps[0] as PlannedResource;
    assert.equal(at(map.inputs, "metadata", "name"), "loom-loki-datasource");
    assert.equal(at(map.inputs, "metadata", "namespace"), "monitoring");
    assert.equal(at(map.inputs, "metadata", "labels", "grafana_datasource"), "1");
    assert.deepEqual(parse(at(map.inputs, "data", "loki-datasource.yaml")), {
      apiVersion: 1,
      datasources: [
        {
          name: "Loki",
          uid: "loki",
          type: "loki",
          access: "proxy",
          url: "http://loki.monitoring.svc.cluster.local:3100",
          editable: false,
          jsonData: { maxLines: 1000, timeout: 60 },
        },
      ],
    });
  });

  it("redaction keeps a contract line valid JSON with its correlation and trace ids", () => {
    const line = JSON.stringify({
      time: "2026-12-01T10:00:00.123Z",
      level: "warn",
      msg: "login failed for ada@example.com from 203.0.113.7 with Bearer abcdefgh12345678",
      logger: "loom.auth",
      request_id: "01JD8Q6N4X5S9V2K7M3P0R1T6Y",
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      span_id: "00f067aa0ba902b7",
      service: "loom-web",
      environment: "prod",
      kind: "security",
      event: "auth_failure",
    });
    const redacted = JSON.parse(redactLine(line, DEFAULT_REDACTION));
    assert.equal(redacted.msg, "login failed for [REDACTED_EMAIL] from [REDACTED_IP] with Bearer [REDACTED]");
    assert.deepEqual(
      [redacted.request_id, redacted.trace_id, redacted.span_id, redacted.time],
      [
        "01JD8Q6N4X5S9V2K7M3P0R1T6Y",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
        "2026-12-01T10:00:00.123Z",
      ],
    );
  });
});
