import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import { type Environment, PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base, IMAGE, k8sNetwork } from "./k8s-fixtures";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG = "kubernetes:core/v1:ConfigMap";
const SA = "kubernetes:core/v1:ServiceAccount";

function args(
  env: Environment,
  kubernetes: Record<string, unknown> = {},
  extra: Partial<AppServiceArgs> = {},
): AppServiceArgs {
  const p = PROFILES[env];
  return {
    ...base(env, kubernetes),
    network: k8sNetwork(`loom-${env}`),
    image: IMAGE,
    domain: `${env}.loom.example.com`,
    web: p.web,
    worker: p.worker,
    autoscaling: p.autoscaling,
    env: { LOOM_ENVIRONMENT: env, DATABASE_HOST: pulumi.output("loom-db-rw.loom-dev.svc") },
    secrets: {
      DATABASE_PASSWORD: { id: "loom-db-app", key: "password" },
      REDIS_PASSWORD: { id: "loom-cache-auth", key: "password" },
    },
    appSecretNames: ["LLM_API_KEY"],
    ...extra,
  };
}

async function build(a: AppServiceArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const app = new AppService("loom", a);
    return {
      url: app.url,
      migrateCommand: app.migrateCommand,
      edgeHostname: app.edgeHostname,
      monitoring: app.monitoring,
    };
  });
}

const deployment = (run: ProgramRun, tier: string) => one(run, DEPLOYMENT, `loom-${tier}`);
/** The container variables read from Secrets (the plain OTEL_* ones have a `value`). */
// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON; tests read them by path
const secretEnv = (env: any[]): any[] => env.filter((e) => e.valueFrom !== undefined);
/** The plain variables of a container, by name. */
const plainEnv = (env: { name: string; value?: string }[]) =>
  Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));

describe("app service on kubernetes", () => {
  it("dev: fixed replicas from the profile, no autoscalers", async () => {
    const run = await build(args("dev"));
    assert.equal(at(deployment(run, "web").inputs, "spec", "replicas"), 1);
    assert.equal(at(deployment(run, "worker").inputs, "spec", "replicas"), 1);
    assert.equal(ofType(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 0);
    assert.equal(ofType(run, "kubernetes:keda.sh/v1alpha1:ScaledObject").length, 0);
  });

  it("prod: the autoscalers own the replica count (no static replicas), KEDA at jobsPerWorker per worker", async () => {
    const run = await build(args("prod"));
    assert.equal(at(deployment(run, "web").inputs, "spec").replicas, undefined);
    assert.equal(at(deployment(run, "worker").inputs, "spec").replicas, undefined);
    const keda = one(run, "kubernetes:keda.sh/v1alpha1:ScaledObject");
    assert.equal(at(keda.inputs, "spec", "triggers", 0, "metadata", "threshold"), "5");
    assert.equal(
      at(keda.inputs, "spec", "triggers", 0, "metadata", "serverAddress"),
      "http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
    );
    const hpa = one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    assert.deepEqual([at(hpa.inputs, "spec").minReplicas, at(hpa.inputs, "spec").maxReplicas], [3, 12]);
  });

  it("gives each tier its own ServiceAccount without a token", async () => {
    const run = await build(args("staging"));
    const accounts = ofType(run, SA);
    assert.deepEqual(accounts.map((a) => at(a.inputs, "metadata", "name")).sort(), [
      "loom-migrate",
      "loom-web",
      "loom-worker",
    ]);
    for (const a of accounts) assert.equal(a.inputs.automountServiceAccountToken, false);
    assert.equal(at(deployment(run, "worker").inputs, "spec", "template", "spec", "serviceAccountName"), "loom-worker");
  });

  it("keeps plain settings in an immutable ConfigMap and app credentials in a Secret filled out of band", async () => {
    const run = await build(args("dev"));
    const cm = one(run, CONFIG);
    assert.equal(cm.inputs.immutable, true);
    assert.deepEqual(Object.keys(at(cm.inputs, "data")).sort(), [
      "DATABASE_HOST",
      "LOOM_ENVIRONMENT",
      "PGSSLROOTCERT",
      "REDIS_CA_FILE",
    ]);
    const appSecrets = one(run, SECRET);
    assert.equal(at(appSecrets.inputs, "metadata", "name"), "loom-app-secrets");
    assert.equal(appSecrets.inputs.stringData, undefined);
    assert.equal(appSecrets.inputs.data, undefined);
    const env = at(deployment(run, "web").inputs, "spec", "template", "spec", "containers", 0, "env");
    assert.deepEqual(
      secretEnv(env).map((e: { name: string; valueFrom: { secretKeyRef: { name: string } } }) => [
        e.name,
        e.valueFrom.secretKeyRef.name,
      ]),
      [
        ["DATABASE_PASSWORD", "loom-db-app"],
        ["REDIS_PASSWORD", "loom-cache-auth"],
        ["LLM_API_KEY", "loom-app-secrets"],
      ],
    );
  });

  it("rejects a credential in the plain environment", () => {
    assert.throws(() => AppService.resolve(args("dev", {}, { env: { DATABASE_PASSWORD: "hunter2" } })), {
      propertyPath: "env.DATABASE_PASSWORD",
    });
  });

  it("runs migrate as a Job named after the image, with the database's credentials only", async () => {
    const a = await build(args("dev"));
    const b = await build(args("dev", {}, { image: `${IMAGE.split("@")[0]}:2.0.0` }));
    const jobA = at(one(a, JOB).inputs, "metadata", "name");
    assert.match(jobA, /^loom-migrate-[0-9a-z]{8}$/);
    assert.notEqual(jobA, at(one(b, JOB).inputs, "metadata", "name"));
    const pod = at(one(a, JOB).inputs, "spec", "template", "spec");
    assert.equal(pod.restartPolicy, "Never");
    assert.deepEqual(
      secretEnv(pod.containers[0].env).map((e: { name: string }) => e.name),
      ["DATABASE_PASSWORD"],
      "no cache password and no app (LLM) keys: workload-secrets.ts",
    );
    assert.equal(
      a.outputs.migrateCommand,
      `kubectl --namespace loom-dev delete job ${jobA} --ignore-not-found && pulumi up --refresh --yes`,
    );
  });

  it("serves HTTPS only: a Let's Encrypt ClusterIssuer per stack, TLS on the Ingress, /metrics kept off it", async () => {
    const run = await build(args("prod"));
    const issuer = one(run, ISSUER);
    assert.equal(at(issuer.inputs, "metadata", "name"), "loom-prod-letsencrypt-production");
    assert.equal(at(issuer.inputs, "spec", "acme", "server"), "https://acme-v02.api.letsencrypt.org/directory");
    assert.equal(at(issuer.inputs, "spec", "acme", "email"), "oncall@example.com");
    assert.deepEqual(at(issuer.inputs, "spec", "acme", "solvers"), [
      { http01: { ingress: { ingressClassName: "nginx" } } },
    ]);
    const [web, metrics] = ofType(run, INGRESS);
    assert.equal(at(web?.inputs, "spec", "ingressClassName"), "nginx");
    assert.deepEqual(at(web?.inputs, "spec", "tls"), [
      { hosts: ["prod.loom.example.com"], secretName: "loom-web-tls" },
    ]);
    assert.equal(at(metrics?.inputs, "spec", "rules", 0, "http", "paths", 0, "path"), "/metrics");
    assert.equal(at(metrics?.inputs, "spec", "rules", 0, "http", "paths", 0, "pathType"), "Exact");
    assert.equal(
      at(metrics?.inputs, "metadata", "annotations", "nginx.ingress.kubernetes.io/whitelist-source-range"),
      "127.0.0.1/32",
    );
    assert.equal(run.outputs.url, "https://prod.loom.example.com");
  });

  it("uses a configured ClusterIssuer and ingress class instead of creating one", async () => {
    const run = await build(args("prod", { clusterIssuer: "corp-acme", ingressClass: "internal-nginx" }));
    assert.equal(ofType(run, ISSUER).length, 0);
    const cert = one(run, "kubernetes:cert-manager.io/v1:Certificate");
    assert.deepEqual(at(cert.inputs, "spec", "issuerRef"), {
      group: "cert-manager.io",
      kind: "ClusterIssuer",
      name: "corp-acme",
    });
    assert.equal(at(ofType(run, INGRESS)[0]?.inputs, "spec", "ingressClassName"), "internal-nginx");
  });

  it("enforces the client allow-list at the Ingress when ingressCidrs is narrower than the internet", async () => {
    const run = await build(args("prod", {}, { ingressCidrs: ["203.0.113.0/24"] }));
    const web = ofType(run, INGRESS)[0];
    assert.equal(
      at(web?.inputs, "metadata", "annotations", "nginx.ingress.kubernetes.io/whitelist-source-range"),
      "203.0.113.0/24",
    );
  });

  it("adds the mesh injection annotation only when a mesh is configured", async () => {
    const plain = await build(args("dev"));
    assert.equal(at(deployment(plain, "web").inputs, "spec", "template", "metadata").annotations, undefined);
    const linkerd = await build(args("dev", { mesh: "linkerd" }));
    assert.deepEqual(at(deployment(linkerd, "web").inputs, "spec", "template", "metadata", "annotations"), {
      "linkerd.io/inject": "enabled",
    });
  });

  const WAF_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/enable-modsecurity": "true",
    "nginx.ingress.kubernetes.io/enable-owasp-core-rules": "true",
  };
  const annotationsOf = (run: ProgramRun) => ofType(run, INGRESS).map((i) => at(i.inputs, "metadata", "annotations"));

  it("waf: ModSecurity with the OWASP Core Rule Set on both Ingresses, and nothing of it when off", async () => {
    for (const a of annotationsOf(await build(args("prod", {}, { waf: true })))) {
      assert.deepEqual(
        Object.fromEntries(Object.entries(a).filter(([k]) => k.includes("modsecurity") || k.includes("owasp"))),
        WAF_ANNOTATIONS,
      );
    }
    for (const a of annotationsOf(await build(args("prod", {}, { waf: false })))) {
      assert.deepEqual(
        Object.keys(a).filter((k) => k.includes("modsecurity") || k.includes("owasp")),
        [],
      );
    }
  });

  it("rateLimitPer5Min: a per-client limit-rpm of ceil(n / 5) on both Ingresses", async () => {
    for (const [per5Min, rpm] of [
      [2000, "400"],
      [1001, "201"],
      [3, "1"],
    ] as const) {
      const all = annotationsOf(await build(args("prod", {}, { rateLimitPer5Min: per5Min })));
      assert.equal(all.length, 2);
      for (const a of all) assert.equal(a["nginx.ingress.kubernetes.io/limit-rpm"], rpm, `${per5Min}/5 min`);
    }
  });

  it("prod: the web Ingress's exact annotations (TLS, HSTS, rate limit, WAF)", async () => {
    const [web] = annotationsOf(await build(args("prod", {}, { waf: true, rateLimitPer5Min: 2000 })));
    assert.deepEqual(web, {
      "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/hsts": "true",
      "nginx.ingress.kubernetes.io/hsts-max-age": "31536000",
      "nginx.ingress.kubernetes.io/hsts-include-subdomains": "true",
      "nginx.ingress.kubernetes.io/limit-rpm": "400",
      ...WAF_ANNOTATIONS,
    });
  });

  it("hands Observability a typed kubernetes monitoring handle with the real resource names", async () => {
    const run = await build(args("staging"));
    assert.deepEqual(run.outputs.monitoring, {
      cloud: "kubernetes",
      namespace: "loom-staging",
      instance: "loom-staging",
      webService: "loom-web",
      webDeployment: "loom-web",
      workerDeployment: "loom-worker",
      metricsPath: "/metrics",
    });
  });

  it("gives every container the OTEL contract: TLS to the stack's collector, its tier's service name, the profile's sampling", async () => {
    const run = await build(args("staging", {}, { traceSampleRatio: 0.25 }));
    const expected = (service: string) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://loom-otel-collector.loom-staging.svc.cluster.local:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_CERTIFICATE: "/etc/loom/ca/ca.crt",
      OTEL_SERVICE_NAME: service,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_PROPAGATORS: "tracecontext,baggage",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,service.namespace=loom",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    });
    const container = (r: { inputs: Record<string, unknown> }) =>
      at(r.inputs, "spec", "template", "spec", "containers", 0);
    assert.deepEqual(plainEnv(container(deployment(run, "web")).env), expected("loom-web"));
    assert.deepEqual(plainEnv(container(deployment(run, "worker")).env), expected("loom-worker"));
    assert.deepEqual(plainEnv(container(one(run, JOB)).env), expected("loom-migrate"));
    // The CA file the SDK verifies the collector with is the one every pod mounts.
    assert.ok(
      container(deployment(run, "web")).volumeMounts.some(
        (m: { name: string; mountPath: string }) => m.name === "internal-ca" && m.mountPath === "/etc/loom/ca",
      ),
    );
  });

  it("tracing backend none: the SDK exports nothing and is given no endpoint", async () => {
    const run = await build(args("dev", { tracing: { backend: "none" } }));
    const env = plainEnv(at(deployment(run, "web").inputs, "spec", "template", "spec", "containers", 0, "env"));
    assert.equal(env.OTEL_TRACES_EXPORTER, "none");
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
    assert.equal(env.OTEL_EXPORTER_OTLP_CERTIFICATE, undefined);
    assert.equal(env.OTEL_TRACES_SAMPLER_ARG, "1");
    assert.equal(env.OTEL_PROPAGATORS, "tracecontext,baggage");
  });

  it("keeps the per-tier OTEL variables out of the ConfigMap every tier shares", async () => {
    const run = await build(args("dev"));
    const data = one(run, CONFIG).inputs.data as Record<string, string>;
    assert.deepEqual(
      Object.keys(data).filter((k) => k.startsWith("OTEL_")),
      [],
    );
  });
});
