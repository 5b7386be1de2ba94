/**
 * Traces on Kubernetes (components/observability/k8s-telemetry.ts): the collector, Jaeger and their policies as the
 * mock engine records them, for the three trace backends of `loom:kubernetes.tracing`.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { imageRefProblem } from "../../components/lib/image-ref";
import { k8sOptions } from "../../components/lib/k8s-provider";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { createTelemetry } from "../../components/observability/k8s-telemetry";
import {
  COLLECTOR_IMAGE,
  endpointTarget,
  JAEGER_IMAGE,
  jaegerMemoryMiB,
} from "../../components/observability/otel-collector-config";
import { ottlSpanStatements } from "../../components/observability/redaction";
import type { Environment } from "../../components/profiles";
import { K8S_CLUSTER_CIDRS_DEFAULT as K8S_CLUSTER_CIDRS } from "../../components/targets";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { check, policies } from "../harness/policy-check";
import { ofType, one, ROOT, runComponents } from "../harness/program";
import { at, base, k8sMonitoringTargets } from "./k8s-fixtures";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const CONFIG = "kubernetes:core/v1:ConfigMap";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const SA = "kubernetes:core/v1:ServiceAccount";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";

const o = pulumi.output;
function args(env: Environment, kubernetes: Record<string, unknown> = {}, extra: Partial<ObservabilityArgs> = {}) {
  return Observability.resolve({
    ...base(env, kubernetes),
    logRetentionDays: 30,
    targets: k8sMonitoringTargets(env),
    ...extra,
  } as ObservabilityArgs);
}

async function build(env: Environment, kubernetes: Record<string, unknown> = {}, extra = {}): Promise<ProgramRun> {
  const a = args(env, kubernetes, extra);
  return runComponents(() => {
    const parent = new pulumi.ComponentResource("loom:test:Parent", "loom");
    const t = createTelemetry(parent, "loom", a, o(`loom-${env}`), () => k8sOptions(parent, a));
    return { collector: t.collector, traces: t.traces };
  });
}

const deployment = (run: ProgramRun, name: string) => one(run, DEPLOYMENT, name);
const pod = (r: PlannedResource) => at(r.inputs, "spec", "template", "spec");
const policy = (run: ProgramRun, name: string) => {
  const found = ofType(run, POLICY).filter((p) => at(p.inputs, "metadata", "name") === name);
  assert.equal(found.length, 1, `one NetworkPolicy ${name}`);
  return at(found[0]?.inputs, "spec");
};
/** The ConfigMap a Deployment mounts (the mock names an unnamed object `<logical name>-0mock0ab`), parsed back. */
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped; tests read it by path
function configOf(run: ProgramRun, d: PlannedResource): Record<string, any> {
  const volume = pod(d).volumes.find((v: { name: string }) => v.name === "config");
  const maps = ofType(run, CONFIG).filter((c) => `${c.name}-0mock0ab` === volume.configMap.name);
  assert.equal(maps.length, 1, "the mounted ConfigMap exists");
  assert.equal(maps[0]?.inputs.immutable, true, "a change makes a new ConfigMap and rolls the pods");
  return parse(at(maps[0]?.inputs, "data", "config.yaml"));
}
const tier = (app: string) => ({ matchLabels: { "loom/tier": "telemetry", "app.kubernetes.io/name": app } });
const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

describe("traces on kubernetes", () => {
  it("jaeger backend: collector and Jaeger, their Services, certificates, accounts and policies", async () => {
    const run = await build("dev");
    assert.deepEqual(run.outputs, {
      collector: "loom-otel-collector",
      traces: "http://loom-jaeger.loom-dev.svc.cluster.local:16686",
    });
    assert.deepEqual(
      ofType(run, DEPLOYMENT).map((d) => at(d.inputs, "metadata", "name")),
      ["loom-otel-collector", "loom-jaeger"],
    );
    assert.deepEqual(
      ofType(run, SERVICE).map((s) => [at(s.inputs, "metadata", "name"), at(s.inputs, "spec", "ports")]),
      [
        [
          "loom-otel-collector",
          [
            { name: "otlp-grpc", port: 4317, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
            { name: "otlp-http", port: 4318, targetPort: "otlp-http", protocol: "TCP" },
          ],
        ],
        [
          "loom-jaeger",
          [
            { name: "otlp-grpc", port: 4317, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
            { name: "ui", port: 16686, targetPort: "ui", protocol: "TCP" },
          ],
        ],
      ],
    );
    assert.deepEqual(
      ofType(run, SERVICE).map((s) => at(s.inputs, "spec", "type")),
      ["ClusterIP", "ClusterIP"],
      "the UI is reachable in the cluster only",
    );
    assert.deepEqual(
      ofType(run, CERT).map((c) => [at(c.inputs, "spec", "secretName"), at(c.inputs, "spec", "dnsNames")]),
      [
        [
          "loom-otel-collector-tls",
          [
            "loom-otel-collector",
            "loom-otel-collector.loom-dev",
            "loom-otel-collector.loom-dev.svc",
            "loom-otel-collector.loom-dev.svc.cluster.local",
          ],
        ],
        [
          "loom-jaeger-tls",
          ["loom-jaeger", "loom-jaeger.loom-dev", "loom-jaeger.loom-dev.svc", "loom-jaeger.loom-dev.svc.cluster.local"],
        ],
      ],
    );
    for (const c of ofType(run, CERT)) assert.equal(at(c.inputs, "spec", "issuerRef", "name"), "loom-internal-ca");
    assert.deepEqual(
      ofType(run, SA).map((s) => [at(s.inputs, "metadata", "name"), s.inputs.automountServiceAccountToken]),
      [
        ["loom-otel-collector", false],
        ["loom-jaeger", false],
      ],
    );
    assert.equal(ofType(run, PDB).length, 0, "one replica: no budget in dev");
    assert.equal(ofType(run, POD_MONITOR).length, 1);
  });

  it("runs both pods Pod Security restricted, without a token, requests = limits, probes on :13133", async () => {
    const run = await build("dev");
    for (const [name, image, path] of [
      ["loom-otel-collector", COLLECTOR_IMAGE, "/"],
      ["loom-jaeger", JAEGER_IMAGE, "/status"],
    ] as const) {
      const spec = pod(deployment(run, name));
      assert.equal(spec.automountServiceAccountToken, false);
      assert.equal(spec.serviceAccountName, name);
      assert.deepEqual(spec.securityContext, {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
      });
      const [c] = spec.containers;
      assert.equal(c.image, image);
      assert.equal(imageRefProblem(image), undefined, "pinned");
      assert.deepEqual(c.securityContext, {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      assert.deepEqual(c.resources.requests, c.resources.limits);
      const probe = { path, port: "health", scheme: "HTTP" };
      assert.deepEqual(c.readinessProbe.httpGet, probe);
      assert.deepEqual(c.livenessProbe.httpGet, probe);
      assert.deepEqual(c.startupProbe, { httpGet: probe, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 12 });
      assert.ok(c.ports.some((p: { name: string; containerPort: number }) => p.containerPort === 13133));
    }
    const collector = pod(deployment(run, "loom-otel-collector")).containers[0];
    assert.deepEqual(collector.resources.limits, { cpu: "200m", memory: "256Mi", "ephemeral-storage": "256Mi" });
    assert.deepEqual(collector.env, [{ name: "GOMEMLIMIT", value: "204MiB" }]);
    assert.deepEqual(collector.args, ["--config=/etc/otelcol-contrib/config.yaml"]);
    const jaeger = pod(deployment(run, "loom-jaeger")).containers[0];
    assert.deepEqual(jaeger.resources.limits, { cpu: "500m", memory: "896Mi", "ephemeral-storage": "256Mi" });
    assert.equal(jaegerMemoryMiB(10_000), 896);
    assert.equal(at(deployment(run, "loom-jaeger").inputs, "spec", "replicas"), 1);
    assert.deepEqual(at(deployment(run, "loom-jaeger").inputs, "spec", "strategy"), { type: "Recreate" });
  });

  it("the collector's configuration, parsed back from its ConfigMap: TLS OTLP in, redaction, Jaeger out over TLS", async () => {
    const run = await build("staging");
    const c = configOf(run, deployment(run, "loom-otel-collector"));
    const tls = {
      cert_file: "/etc/loom/tls/tls.crt",
      key_file: "/etc/loom/tls/tls.key",
      min_version: "1.2",
      reload_interval: "1h",
    };
    assert.deepEqual(c.receivers, {
      otlp: {
        protocols: { grpc: { endpoint: "0.0.0.0:4317", tls }, http: { endpoint: "0.0.0.0:4318", tls } },
      },
    });
    assert.deepEqual(c.extensions, { health_check: { endpoint: "0.0.0.0:13133" } });
    assert.deepEqual(c.processors.memory_limiter, {
      check_interval: "1s",
      limit_percentage: 80,
      spike_limit_percentage: 20,
    });
    assert.deepEqual(c.processors["resource/loom"], {
      attributes: [{ key: "k8s.namespace.name", value: "loom-staging", action: "upsert" }],
    });
    assert.deepEqual(c.processors["transform/redact"], {
      error_mode: "ignore",
      trace_statements: ottlSpanStatements({ emails: true, tokens: true, ips: true }),
    });
    assert.equal(c.processors.k8sattributes, undefined, "no cluster RBAC: the SDK sets the resource");
    assert.equal(c.processors.tail_sampling, undefined, "head sampling in the SDK");
    assert.deepEqual(c.exporters, {
      "otlp_grpc/jaeger": {
        endpoint: "loom-jaeger.loom-staging.svc.cluster.local:4317",
        tls: { ca_file: "/etc/loom/ca/ca.crt", min_version: "1.2" },
        sending_queue: { enabled: true, num_consumers: 4, queue_size: 2048 },
        retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "300s" },
      },
    });
    assert.deepEqual(c.service.pipelines, {
      traces: {
        receivers: ["otlp"],
        processors: ["memory_limiter", "resource/loom", "transform/redact", "batch"],
        exporters: ["otlp_grpc/jaeger"],
      },
    });
    assert.deepEqual(c.service.extensions, ["health_check"]);
    const mounts = pod(deployment(run, "loom-otel-collector")).containers[0].volumeMounts;
    assert.deepEqual(
      mounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]),
      [
        ["config", "/etc/otelcol-contrib/config.yaml"],
        ["tls", "/etc/loom/tls"],
        ["internal-ca", "/etc/loom/ca"],
        ["tmp", "/tmp"],
      ],
    );
  });

  it("redaction follows loom:observability: a class switched off is not in the collector's statements", async () => {
    const redaction = { emails: false, tokens: true, ips: false };
    const run = await build("dev", {}, { redaction });
    const c = configOf(run, deployment(run, "loom-otel-collector"));
    assert.deepEqual(c.processors["transform/redact"].trace_statements, ottlSpanStatements(redaction));
    assert.ok(!JSON.stringify(c).includes("REDACTED_EMAIL"));
  });

  it("Jaeger's configuration: OTLP gRPC over TLS, in-memory store bounded by maxTraces, UI on 16686", async () => {
    const run = await build("dev", { tracing: { maxTraces: 20_000 } });
    const c = configOf(run, deployment(run, "loom-jaeger"));
    assert.deepEqual(c.extensions.jaeger_storage, { backends: { memstore: { memory: { max_traces: 20_000 } } } });
    assert.deepEqual(c.extensions.jaeger_query, {
      storage: { traces: "memstore" },
      http: { endpoint: "0.0.0.0:16686" },
    });
    assert.deepEqual(c.receivers.otlp.protocols.grpc.tls.cert_file, "/etc/loom/tls/tls.crt");
    assert.equal(c.receivers.otlp.protocols.http, undefined, "only the collector sends, over gRPC");
    assert.deepEqual(c.service.pipelines.traces.exporters, ["jaeger_storage_exporter"]);
    const jaeger = pod(deployment(run, "loom-jaeger")).containers[0];
    assert.equal(jaeger.resources.limits.memory, "1536Mi", "memory follows maxTraces");
  });

  it("NetworkPolicies: app → collector on OTLP, collector → Jaeger only, Jaeger from the collector and Grafana", async () => {
    const run = await build("prod");
    assert.deepEqual(policy(run, "app-to-otel-collector"), {
      podSelector: { matchLabels: { "loom/tier": "app" } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ podSelector: tier("otel-collector") }],
          ports: [
            { protocol: "TCP", port: 4317 },
            { protocol: "TCP", port: 4318 },
          ],
        },
      ],
    });
    assert.deepEqual(policy(run, "loom-otel-collector-ingress"), {
      podSelector: tier("otel-collector"),
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { "loom/tier": "app" } } }],
          ports: [
            { protocol: "TCP", port: 4317 },
            { protocol: "TCP", port: 4318 },
          ],
        },
        { from: [ns("monitoring")], ports: [{ protocol: "TCP", port: 8888 }] },
      ],
    });
    assert.deepEqual(policy(run, "loom-otel-collector-egress"), {
      podSelector: tier("otel-collector"),
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: tier("jaeger") }], ports: [{ protocol: "TCP", port: 4317 }] }],
    });
    assert.deepEqual(policy(run, "loom-jaeger-ingress"), {
      podSelector: tier("jaeger"),
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: tier("otel-collector") }], ports: [{ protocol: "TCP", port: 4317 }] },
        { from: [ns("monitoring")], ports: [{ protocol: "TCP", port: 16686 }] },
      ],
    });
    assert.equal(ofType(run, POLICY).length, 4);
    // The selectors match the pods they are meant for.
    const labels = (name: string) => at(deployment(run, name).inputs, "spec", "template", "metadata", "labels");
    for (const [name, app] of [
      ["loom-otel-collector", "otel-collector"],
      ["loom-jaeger", "jaeger"],
    ]) {
      assert.equal(labels(name as string)["loom/tier"], "telemetry");
      assert.equal(labels(name as string)["app.kubernetes.io/name"], app);
    }
  });

  it("prod: two collector replicas spread over zones and nodes, a PDB, larger limits; Jaeger stays at one", async () => {
    const run = await build("prod");
    const d = deployment(run, "loom-otel-collector");
    assert.equal(at(d.inputs, "spec", "replicas"), 2);
    assert.deepEqual(at(d.inputs, "spec", "strategy"), {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const selector = { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "loom-prod" };
    assert.deepEqual(
      pod(d).topologySpreadConstraints.map((t: { topologyKey: string; labelSelector: unknown }) => [
        t.topologyKey,
        t.labelSelector,
      ]),
      [
        ["topology.kubernetes.io/zone", { matchLabels: selector }],
        ["kubernetes.io/hostname", { matchLabels: selector }],
      ],
    );
    assert.deepEqual(pod(d).containers[0].resources.limits, {
      cpu: "500m",
      memory: "512Mi",
      "ephemeral-storage": "256Mi",
    });
    const pdb = one(run, PDB);
    assert.deepEqual(at(pdb.inputs, "spec"), {
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
    assert.equal(at(deployment(run, "loom-jaeger").inputs, "spec", "replicas"), 1);
  });

  it("otlp backend: no Jaeger; OTLP/HTTP to the endpoint with the authorization header from the Secret", async () => {
    const run = await build("prod", {
      tracing: { backend: "otlp", endpoint: "https://otlp.example.com:4318", authSecret: "loom-otlp-auth" },
    });
    assert.deepEqual(run.outputs, { collector: "loom-otel-collector", traces: "https://otlp.example.com:4318" });
    assert.deepEqual(
      ofType(run, DEPLOYMENT).map((d) => at(d.inputs, "metadata", "name")),
      ["loom-otel-collector"],
    );
    const d = deployment(run, "loom-otel-collector");
    const c = configOf(run, d);
    assert.deepEqual(c.exporters["otlp_http/backend"], {
      endpoint: "https://otlp.example.com:4318",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the collector's own ${env:…} reference, not a template
      headers: { authorization: "${env:OTLP_AUTHORIZATION}" },
      compression: "gzip",
      sending_queue: { enabled: true, num_consumers: 4, queue_size: 2048 },
      retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "300s" },
    });
    assert.deepEqual(c.service.pipelines.traces.exporters, ["otlp_http/backend"]);
    assert.deepEqual(pod(d).containers[0].env[1], {
      name: "OTLP_AUTHORIZATION",
      valueFrom: { secretKeyRef: { name: "loom-otlp-auth", key: "authorization", optional: false } },
    });
    assert.deepEqual(policy(run, "loom-otel-collector-egress").egress, [
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...K8S_CLUSTER_CIDRS] } }],
        ports: [{ protocol: "TCP", port: 4318 }],
      },
    ]);
    assert.equal(ofType(run, POLICY).length, 3);
  });

  it("otlp backend on an in-cluster Service: egress to that namespace on its port only", async () => {
    const run = await build("staging", {
      tracing: { backend: "otlp", endpoint: "http://tempo-distributor.tracing.svc:4318" },
    });
    assert.deepEqual(policy(run, "loom-otel-collector-egress").egress, [
      { to: [ns("tracing")], ports: [{ protocol: "TCP", port: 4318 }] },
    ]);
    assert.deepEqual(endpointTarget("https://otlp.example.com"), { host: "otlp.example.com", port: 443 });
    const env = pod(deployment(run, "loom-otel-collector")).containers[0].env;
    assert.deepEqual(env, [{ name: "GOMEMLIMIT", value: "204MiB" }], "no auth Secret configured");
  });

  it("none backend: no collector, no Jaeger, nothing at all", async () => {
    const run = await build("dev", { tracing: { backend: "none" } });
    assert.deepEqual(run.outputs, { collector: "", traces: "none" });
    assert.deepEqual(
      run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes"),
      [],
    );
  });

  for (const env of ["dev", "staging", "prod"] as const) {
    it(`${env}: the policy pack (policy/config/${env}.json) reports nothing on the collector and Jaeger`, async () => {
      const config = JSON.parse(readFileSync(join(ROOT, "policy", "config", `${env}.json`), "utf8"));
      for (const kubernetes of [{}, { tracing: { backend: "otlp", endpoint: "https://otlp.example.com" } }]) {
        const run = await build(env, kubernetes);
        assert.deepEqual(await check(policies, run.resources, config), []);
      }
    });
  }
});
