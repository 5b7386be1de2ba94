import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import { GMP_SIDECAR_IMAGE } from "../../components/app-service/gcp-run";
import { cloudRunScaling, cloudRunSize, serviceAccountId } from "../../components/app-service/gcp-sizing";
import { isSensitiveEnvName } from "../../components/lib/sensitive";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { fakeGcpNetwork, GCP_PROJECT, GCP_REGION, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

const T = {
  service: "gcp:cloudrunv2/service:Service",
  job: "gcp:cloudrunv2/job:Job",
  account: "gcp:serviceaccount/account:Account",
  secret: "gcp:secretmanager/secret:Secret",
  secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
  secretIam: "gcp:secretmanager/secretIamMember:SecretIamMember",
  projectIam: "gcp:projects/iAMMember:IAMMember",
  runIam: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  neg: "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  urlMap: "gcp:compute/uRLMap:URLMap",
  address: "gcp:compute/globalAddress:GlobalAddress",
};
const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };

const DB_USER = `projects/${GCP_PROJECT}/secrets/loom-db-user`;
const DB_PASSWORD = `projects/${GCP_PROJECT}/secrets/loom-db-password`;
const CACHE_AUTH = `projects/${GCP_PROJECT}/secrets/loom-cache-auth`;
const IMAGE = "europe-west1-docker.pkg.dev/loom-example-prod/loom/loom:1.4.2";

type Env = "dev" | "staging" | "prod";

/** Args as index.ts builds them from the profile; call inside the program. */
function argsFor(env: Env, over: Partial<AppServiceArgs> = {}): AppServiceArgs {
  const p = PROFILES[env];
  return {
    platform: staticGcpPlatform(),
    context: context(env),
    protect: env === "prod",
    network: fakeGcpNetwork(),
    image: IMAGE,
    domain: "loom.example.com",
    loadBalancer: p.loadBalancer,
    web: p.web,
    worker: p.worker,
    autoscaling: p.autoscaling,
    env: {
      LOOM_ENVIRONMENT: env,
      PORT: "8080",
      DATABASE_HOST: pulumi.output("abc.def.europe-west1.sql.goog."),
      REDIS_TLS: "true",
    },
    secrets: {
      DATABASE_USER: { id: DB_USER },
      DATABASE_PASSWORD: { id: pulumi.output(DB_PASSWORD) },
      REDIS_PASSWORD: { id: pulumi.output(CACHE_AUTH) },
    },
    appSecretNames: ["LLM_API_KEY"],
    logRetentionDays: p.logRetentionDays,
    waf: p.waf,
    rateLimitPer5Min: p.rateLimitPer5Min,
    deletionProtection: p.deletionProtection,
    traceSampleRatio: p.traceSampleRatio,
    ...over,
  };
}

interface Built {
  run: ProgramRun;
  /** `type::name` of what each resource depends on explicitly, by its own `type::name`. */
  deps: Map<string, string[]>;
}

async function build(env: Env, over: Partial<AppServiceArgs> = {}): Promise<Built> {
  const deps = new Map<string, string[]>();
  const run = await runComponents(() => {
    pulumi.runtime.registerStackTransformation((a) => {
      const list: string[] = [];
      deps.set(`${a.type}::${a.name}`, list);
      const on = a.opts.dependsOn;
      for (const d of Array.isArray(on) ? on : on ? [on] : []) {
        const r = d as unknown as { __pulumiType: string; __name: string };
        list.push(`${r.__pulumiType}::${r.__name}`);
      }
      return undefined;
    });
    const app = new AppService("loom", withGcpPlatform(argsFor(env, over)));
    return { url: app.url, edgeHostname: app.edgeHostname, monitoring: app.monitoring, migrate: app.migrateCommand };
  }, CONFIG);
  return { run, deps };
}

interface Container {
  name: string;
  image: string;
  commands?: string[];
  envs: { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } }[];
  resources: { limits: Record<string, string>; cpuIdle?: boolean; startupCpuBoost?: boolean };
  [key: string]: unknown;
}
type Template = Record<string, unknown> & { containers: Container[] };
const templateOf = (r: PlannedResource) => r.inputs.template as Template;
const service = (run: ProgramRun, tier: string) => one(run, T.service, `loom-${tier}`);
const appContainer = (run: ProgramRun, tier: string) => {
  const r = tier === "migrate" ? one(run, T.job, "loom-migrate") : service(run, tier);
  const t = tier === "migrate" ? (templateOf(r).template as Template) : templateOf(r);
  return t.containers[0] as Container;
};

describe("AppService on gcp", () => {
  const runs = {} as Record<Env, Built>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(env);
  });
  const run = (env: Env) => runs[env].run;

  describe("sizes Cloud Run accepts (gcp-sizing.ts)", () => {
    it("keeps a fraction of a vCPU with concurrency 1 and request-based billing", () => {
      assert.deepEqual(cloudRunSize("web", 0.25, 512, { alwaysAllocated: false }), {
        cpu: "250m",
        memory: "512Mi",
        vcpu: 0.25,
        memoryMiB: 512,
        cpuIdle: true,
        concurrency: 1,
        executionEnvironment: "EXECUTION_ENVIRONMENT_GEN1",
      });
    });

    it("raises the CPU to what the memory needs: > 512 MiB ⇒ 0.5, > 1 GiB ⇒ 1", () => {
      assert.equal(cloudRunSize("web", 0.25, 768, { alwaysAllocated: false }).cpu, "500m");
      assert.equal(cloudRunSize("web", 0.5, 1024, { alwaysAllocated: false }).cpu, "500m");
      const big = cloudRunSize("web", 0.5, 1536, { alwaysAllocated: false });
      assert.deepEqual([big.cpu, big.cpuIdle, big.concurrency], ["1", false, 80]);
    });

    it("rounds whole vCPU up to 1, 2, 4, 6 or 8 and memory up to that size's floor", () => {
      assert.deepEqual(cloudRunSize("web", 3, 1024, { alwaysAllocated: false }), {
        cpu: "4",
        memory: "2048Mi",
        vcpu: 4,
        memoryMiB: 2048,
        cpuIdle: false,
        concurrency: 80,
        executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
      });
      assert.equal(cloudRunSize("web", 1, 6144, { alwaysAllocated: false }).cpu, "2", "> 4 GiB needs 2 vCPU");
      assert.equal(cloudRunSize("web", 1, 128, { alwaysAllocated: false }).memory, "512Mi", "gen2 floor");
      assert.equal(cloudRunSize("web", 0.1, 64, { alwaysAllocated: false }).memory, "128Mi", "gen1 floor");
      assert.equal(cloudRunSize("web", 0.01, 512, { alwaysAllocated: false }).cpu, "80m", "0.08 vCPU floor");
    });

    it("gives always-allocated workloads (worker, jobs) at least 1 vCPU", () => {
      const worker = cloudRunSize("worker", 0.25, 512, { alwaysAllocated: true });
      assert.deepEqual([worker.cpu, worker.memory, worker.cpuIdle], ["1", "512Mi", false]);
    });

    it("refuses what no Cloud Run size holds", () => {
      assert.throws(() => cloudRunSize("web", 9, 4096, { alwaysAllocated: false }), { propertyPath: "web.cpu" });
      assert.throws(() => cloudRunSize("worker", 8, 40000, { alwaysAllocated: true }), {
        propertyPath: "worker.memoryMiB",
      });
      assert.throws(() => cloudRunSize("web", 1, 1.5, { alwaysAllocated: false }), { propertyPath: "web.memoryMiB" });
    });

    it("bounds scaling: fixed at the floor without autoscaling, a worker never at zero", () => {
      assert.deepEqual(cloudRunScaling("web", { minReplicas: 2, maxReplicas: 4 }, true), {
        minInstanceCount: 2,
        maxInstanceCount: 4,
      });
      assert.deepEqual(cloudRunScaling("web", { minReplicas: 2, maxReplicas: 4 }, false), {
        minInstanceCount: 2,
        maxInstanceCount: 2,
      });
      assert.throws(() => cloudRunScaling("worker", { minReplicas: 0, maxReplicas: 4 }, true), {
        propertyPath: "worker.minReplicas",
      });
      assert.throws(() => cloudRunScaling("web", { minReplicas: 0, maxReplicas: 0 }, true), {
        propertyPath: "web.maxReplicas",
      });
    });

    it("derives service-account ids GCP accepts (6–30 characters)", () => {
      assert.equal(serviceAccountId("loom-prod", "migrate"), "loom-prod-migrate");
      const long = serviceAccountId("loom-a-very-long-stack-name-for-tests", "worker");
      assert.ok(long.length <= 30 && /^[a-z][-a-z0-9]+[a-z0-9]$/.test(long), long);
    });
  });

  describe("services and job", () => {
    it("runs web and worker as Cloud Run v2 services and migrate as a job, from the pinned image", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        assert.deepEqual(
          ofType(run(env), T.service).map((r) => r.inputs.name),
          [`loom-${env}-web`, `loom-${env}-worker`],
        );
        assert.equal(one(run(env), T.job).inputs.name, `loom-${env}-migrate`);
        for (const tier of ["web", "worker", "migrate"]) {
          assert.equal(appContainer(run(env), tier).image, IMAGE);
        }
        assert.equal(ofType(run(env), "gcp:cloudrun/service:Service").length, 0, "no v1 services");
      }
      assert.deepEqual(appContainer(run("dev"), "web").commands, ["loom", "serve"]);
      assert.deepEqual(appContainer(run("dev"), "worker").commands, ["loom", "worker"]);
      assert.deepEqual(appContainer(run("dev"), "migrate").commands, ["loom", "migrate"]);
    });

    it("sizes every container at least as the profile asks, rounded to Cloud Run's rules", () => {
      const limits = (env: Env, tier: string) => appContainer(run(env), tier).resources;
      assert.deepEqual(limits("dev", "web"), {
        limits: { cpu: "250m", memory: "512Mi" },
        cpuIdle: true,
        startupCpuBoost: true,
      });
      assert.equal(templateOf(service(run("dev"), "web")).maxInstanceRequestConcurrency, 1);
      assert.deepEqual(limits("staging", "web").limits, { cpu: "500m", memory: "1024Mi" });
      assert.equal(limits("staging", "web").cpuIdle, true);
      assert.equal(templateOf(service(run("staging"), "web")).maxInstanceRequestConcurrency, 1);
      assert.deepEqual(limits("prod", "web").limits, { cpu: "1", memory: "2048Mi" });
      assert.equal(limits("prod", "web").cpuIdle, false);
      assert.equal(templateOf(service(run("prod"), "web")).maxInstanceRequestConcurrency, 80);
      // The worker consumes a queue between requests: always-allocated CPU, so at least 1 vCPU.
      for (const env of ["dev", "staging", "prod"] as const) {
        assert.equal(limits(env, "worker").cpuIdle, false, env);
        assert.equal(limits(env, "worker").limits.cpu, "1", env);
        assert.deepEqual(limits(env, "migrate"), {
          limits: { cpu: "1", memory: `${Math.max(PROFILES[env].web.memoryMiB, 512)}Mi` },
        });
      }
      assert.equal(limits("dev", "worker").limits.memory, "512Mi");
      assert.equal(limits("prod", "worker").limits.memory, "2048Mi");
    });

    it("bounds scaling by the profile at service level", () => {
      const scaling = (env: Env, tier: string) => service(run(env), tier).inputs.scaling;
      assert.deepEqual(scaling("dev", "web"), { minInstanceCount: 1, maxInstanceCount: 1 });
      assert.deepEqual(scaling("dev", "worker"), { minInstanceCount: 1, maxInstanceCount: 1 });
      assert.deepEqual(scaling("staging", "web"), { minInstanceCount: 2, maxInstanceCount: 4 });
      assert.deepEqual(scaling("staging", "worker"), { minInstanceCount: 1, maxInstanceCount: 4 });
      assert.deepEqual(scaling("prod", "web"), { minInstanceCount: 3, maxInstanceCount: 12 });
      assert.deepEqual(scaling("prod", "worker"), { minInstanceCount: 2, maxInstanceCount: 20 });
    });

    it("probes web and worker over HTTP on the app port: startup and liveness on the health path", () => {
      for (const tier of ["web", "worker"]) {
        const c = appContainer(run("staging"), tier);
        assert.deepEqual(c.ports, { containerPort: 8080, name: "http1" });
        assert.deepEqual(c.startupProbe, {
          httpGet: { path: "/healthz", port: 8080 },
          periodSeconds: 5,
          timeoutSeconds: 4,
          failureThreshold: 24,
        });
        assert.deepEqual(c.livenessProbe, {
          httpGet: { path: "/healthz", port: 8080 },
          periodSeconds: 15,
          timeoutSeconds: 5,
          failureThreshold: 3,
        });
      }
      assert.equal(appContainer(run("staging"), "migrate").livenessProbe, undefined);
    });

    it("runs gen2 revisions with the Prometheus sidecar after the app from 1 vCPU", () => {
      const sidecar = (tier: string) => ({
        name: "collector",
        image: GMP_SIDECAR_IMAGE,
        dependsOns: [tier],
        resources: { limits: { cpu: "500m", memory: "256Mi" }, cpuIdle: false },
      });
      for (const tier of ["web", "worker"]) {
        const t = templateOf(service(run("prod"), tier));
        assert.equal(t.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN2");
        assert.equal(t.timeout, "60s");
        assert.deepEqual(t.containers.slice(1), [sidecar(tier)]);
      }
      const worker = templateOf(service(run("dev"), "worker"));
      assert.deepEqual(worker.containers.slice(1), [sidecar("worker")]);
      assert.equal(worker.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN2");
    });

    it("runs a web below 1 vCPU first-generation (the only one Cloud Run allows there) without the sidecar", () => {
      for (const env of ["dev", "staging"] as const) {
        const t = templateOf(service(run(env), "web"));
        assert.equal(t.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN1", env);
        assert.deepEqual(
          t.containers.map((c) => c.name),
          ["web"],
          env,
        );
      }
    });

    it("runs migrate as one task, never in parallel, bounded, retried like the Kubernetes Job", () => {
      const job = one(run("prod"), T.job);
      const t = job.inputs.template as Record<string, unknown> & { template: Record<string, unknown> };
      assert.equal(t.taskCount, 1);
      assert.equal(t.parallelism, 1);
      assert.equal(t.template.timeout, "1800s");
      assert.equal(t.template.maxRetries, 3);
      assert.equal(t.template.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN2");
      const dev = one(run("dev"), T.job).inputs.template as { template: Template };
      assert.equal(dev.template.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN2", "a job has ≥ 1 vCPU");
    });

    it("egresses through the app subnet with the app tier's tag, all traffic via the VPC", () => {
      const expected = {
        networkInterfaces: [
          {
            network: "loom-prod",
            subnetwork: `projects/${GCP_PROJECT}/regions/${GCP_REGION}/subnetworks/loom-prod-app`,
            tags: ["loom-prod-app"],
          },
        ],
        egress: "ALL_TRAFFIC",
      };
      const job = one(run("staging"), T.job).inputs.template as { template: Template };
      assert.deepEqual(job.template.vpcAccess, expected);
      for (const tier of ["web", "worker"])
        assert.deepEqual(templateOf(service(run("staging"), tier)).vpcAccess, expected);
    });

    it("turns on the provider's deletion protection only when the profile asks", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const want = env === "prod";
        for (const r of [...ofType(run(env), T.service), one(run(env), T.job)]) {
          assert.equal(r.inputs.deletionProtection, want, `${env} ${r.name}`);
        }
      }
    });
  });

  describe("identity and secrets", () => {
    it("gives each workload its own service account, never the Compute default", () => {
      const accounts = ofType(run("prod"), T.account);
      assert.deepEqual(accounts.map((a) => a.inputs.accountId).sort(), [
        "loom-prod-migrate",
        "loom-prod-web",
        "loom-prod-worker",
      ]);
      const email = (tier: string) => `loom-prod-${tier}@${GCP_PROJECT}.iam.gserviceaccount.com`;
      assert.equal(templateOf(service(run("prod"), "web")).serviceAccount, email("web"));
      assert.equal(templateOf(service(run("prod"), "worker")).serviceAccount, email("worker"));
      const job = one(run("prod"), T.job).inputs.template as { template: Template };
      assert.equal(job.template.serviceAccount, email("migrate"));
      assert.equal(ofType(run("prod"), "gcp:serviceaccount/key:Key").length, 0);
    });

    it("grants only write-only project roles: traces for all, metrics for the sidecar's workloads", () => {
      const grants = ofType(run("prod"), T.projectIam).map((g) => `${g.inputs.member} ${g.inputs.role}`);
      const sa = (tier: string) => `serviceAccount:loom-prod-${tier}@${GCP_PROJECT}.iam.gserviceaccount.com`;
      assert.deepEqual(grants.sort(), [
        `${sa("migrate")} roles/cloudtrace.agent`,
        `${sa("web")} roles/cloudtrace.agent`,
        `${sa("web")} roles/monitoring.metricWriter`,
        `${sa("worker")} roles/cloudtrace.agent`,
        `${sa("worker")} roles/monitoring.metricWriter`,
      ]);
      assert.equal(ofType(run("prod"), "gcp:projects/iAMPolicy:IAMPolicy").length, 0);
    });

    it("creates each app secret empty, auto-replicated, protected in prod", () => {
      for (const env of ["dev", "prod"] as const) {
        const secret = one(run(env), T.secret);
        assert.equal(secret.name, "loom-app-secret-llm-api-key");
        assert.equal(secret.inputs.secretId, `loom-${env}-app-llm-api-key`);
        assert.deepEqual(secret.inputs.replication, { auto: {} });
        assert.equal(secret.inputs.deletionProtection, env === "prod");
        assert.equal(secret.protect, env === "prod");
      }
      assert.equal(ofType(run("prod"), T.secretVersion).length, 0, "values are put out of band, never by Pulumi");
    });

    it("grants secretAccessor per secret to exactly the workloads that read it (migrate: the database's)", () => {
      const llm = `projects/${GCP_PROJECT}/secrets/loom-staging-app-llm-api-key`;
      const readers = new Map<string, string[]>();
      for (const g of ofType(run("staging"), T.secretIam)) {
        assert.equal(g.inputs.role, "roles/secretmanager.secretAccessor");
        const who = String(g.inputs.member).replace(/^serviceAccount:loom-staging-(\w+)@.*$/, "$1");
        readers.set(String(g.inputs.secretId), [...(readers.get(String(g.inputs.secretId)) ?? []), who].sort());
      }
      assert.deepEqual(Object.fromEntries(readers), {
        [DB_USER]: ["migrate", "web", "worker"],
        [DB_PASSWORD]: ["migrate", "web", "worker"],
        [CACHE_AUTH]: ["web", "worker"],
        [llm]: ["web", "worker"],
      });
    });

    it("starts a revision only after its secret grants exist", () => {
      const { deps } = runs.staging;
      const grantUrns = (tier: string) =>
        (deps.get(`${tier === "migrate" ? T.job : T.service}::loom-${tier}`) ?? []).filter((u) =>
          u.startsWith(`${T.secretIam}::`),
        ).length;
      assert.equal(grantUrns("web"), 4);
      assert.equal(grantUrns("worker"), 4);
      assert.equal(grantUrns("migrate"), 2);
    });

    it("passes plain settings as values and every credential as a secretKeyRef; migrate only the database's", () => {
      for (const tier of ["web", "worker", "migrate"]) {
        const envs = appContainer(run("staging"), tier).envs;
        const plain = envs.filter((e) => e.valueSource === undefined && !e.name.startsWith("OTEL_"));
        assert.deepEqual(plain, [
          { name: "DATABASE_HOST", value: "abc.def.europe-west1.sql.goog." },
          { name: "LOOM_ENVIRONMENT", value: "staging" },
          ...(tier === "migrate" ? [{ name: "PORT", value: "8080" }] : []),
          { name: "REDIS_TLS", value: "true" },
        ]);
        const refs = envs.filter((e) => e.valueSource !== undefined);
        const ref = (name: string, secret: string) => ({
          name,
          valueSource: { secretKeyRef: { secret, version: "latest" } },
        });
        const database = [ref("DATABASE_PASSWORD", DB_PASSWORD), ref("DATABASE_USER", DB_USER)];
        assert.deepEqual(
          refs,
          tier === "migrate"
            ? database
            : [
                ...database,
                ref("LLM_API_KEY", `projects/${GCP_PROJECT}/secrets/loom-staging-app-llm-api-key`),
                ref("REDIS_PASSWORD", CACHE_AUTH),
              ],
        );
        for (const e of envs) {
          if (e.value !== undefined) assert.ok(!isSensitiveEnvName(e.name), `${tier}: ${e.name} is a literal`);
        }
      }
    });

    it("exports traces over OTLP to Google's Telemetry API at the profile's sample ratio", () => {
      const otel = Object.fromEntries(
        appContainer(run("prod"), "worker")
          .envs.filter((e) => e.name.startsWith("OTEL_"))
          .map((e) => [e.name, e.value]),
      );
      assert.deepEqual(otel, {
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://telemetry.googleapis.com",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_LOGS_EXPORTER: "none",
        OTEL_METRICS_EXPORTER: "none",
        OTEL_PROPAGATORS: "tracecontext,baggage",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod,service.namespace=loom",
        OTEL_SERVICE_NAME: "loom-worker",
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.05",
      });
    });
  });

  it("mounts the stack's server CAs in every workload and points PGSSLROOTCERT and REDIS_CA_FILE at them", async () => {
    const PEM = "-----BEGIN CERTIFICATE-----\nMIIFAKECA\n-----END CERTIFICATE-----\n";
    const { run: trusted, deps } = await build("prod", { serverCas: PEM });
    const secret = one(trusted, T.secret, "loom-server-cas");
    assert.equal(secret.protect, true);
    assert.equal(secret.inputs.secretId, "loom-prod-server-cas");
    const version = one(trusted, T.secretVersion, "loom-server-cas");
    assert.deepEqual(version.secretPaths, ["secretData"]);
    assert.equal(version.inputs.secretData, PEM);
    const file = "/etc/loom/ca/server-cas.pem";
    for (const tier of ["web", "worker", "migrate"]) {
      const grant = one(trusted, T.secretIam, `loom-${tier}-reads-server-cas`).inputs;
      assert.equal(grant.role, "roles/secretmanager.secretAccessor");
      assert.equal(grant.member, `serviceAccount:loom-prod-${tier}@${GCP_PROJECT}.iam.gserviceaccount.com`);
      const c = appContainer(trusted, tier);
      assert.deepEqual(c.volumeMounts, [{ name: "server-cas", mountPath: "/etc/loom/ca" }]);
      const env = Object.fromEntries(c.envs.map((e) => [e.name, e.value]));
      assert.equal(env.PGSSLROOTCERT, file);
      assert.equal(env.REDIS_CA_FILE, file);
    }
    assert.deepEqual(templateOf(service(trusted, "web")).volumes, [
      {
        name: "server-cas",
        secret: { secret: "loom-prod-server-cas", items: [{ version: "latest", path: "server-cas.pem" }] },
      },
    ]);
    assert.ok(deps.get(`${T.service}::loom-web`)?.includes(`${T.secretIam}::loom-web-reads-server-cas`));
    // Without a bundle (the other clouds' case), nothing of it.
    const plain = runs.prod.run;
    assert.equal(ofType(plain, T.secret).filter((r) => r.name === "loom-server-cas").length, 0);
    assert.equal(appContainer(plain, "web").volumeMounts, undefined);
  });

  it("points migrate at the instance's direct port and web/worker at the pooler (migrations need a session)", async () => {
    const { run: pooled } = await build("prod", {
      env: { LOOM_ENVIRONMENT: "prod", PORT: "8080", DATABASE_PORT: "6432" },
    });
    const portOf = (tier: string) => appContainer(pooled, tier).envs.find((e) => e.name === "DATABASE_PORT")?.value;
    assert.deepEqual(["web", "worker", "migrate"].map(portOf), ["6432", "6432", "5432"]);
  });

  describe("ingress and edge", () => {
    const members = (r: ProgramRun) =>
      ofType(r, T.runIam).map((m) => [m.inputs.name, m.inputs.role, m.inputs.member].join(" "));

    it("dev: web on its built-in run.app endpoint, publicly invokable, no load balancer", async () => {
      assert.equal(service(run("dev"), "web").inputs.ingress, "INGRESS_TRAFFIC_ALL");
      assert.deepEqual(members(run("dev")), ["loom-dev-web roles/run.invoker allUsers"]);
      assert.equal(ofType(run("dev"), T.neg).length, 0);
      assert.equal(ofType(run("dev"), T.address).length, 0);
      const out = run("dev").outputs;
      assert.equal(out.url, "https://loom-dev-web-000000000000.europe-west1.run.app");
      assert.equal(out.edgeHostname, "loom-dev-web-000000000000.europe-west1.run.app");
      const monitoring = out.monitoring as Record<string, unknown>;
      assert.equal(monitoring.publicHost, "loom-dev-web-000000000000.europe-west1.run.app");
      assert.equal(monitoring.urlMap, undefined);
    });

    it("staging and prod: web only behind the load balancer, still publicly invokable", () => {
      for (const env of ["staging", "prod"] as const) {
        assert.equal(service(run(env), "web").inputs.ingress, "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
        assert.deepEqual(members(run(env)), [`loom-${env}-web roles/run.invoker allUsers`]);
        const neg = one(run(env), T.neg);
        assert.equal((neg.inputs.cloudRun as { service: string }).service, `loom-${env}-web`);
        const out = run(env).outputs;
        assert.equal(out.url, "https://loom.example.com");
        const address = one(run(env), T.address);
        assert.match(String(out.edgeHostname), /^203\.0\.113\.\d+$/);
        assert.equal(address.inputs.addressType, "EXTERNAL");
        const monitoring = out.monitoring as Record<string, unknown>;
        assert.equal(monitoring.publicHost, "loom.example.com");
        assert.equal(monitoring.urlMap, one(run(env), T.urlMap, "loom-web").inputs.name);
        assert.equal(monitoring.urlMap, `loom-${env}-web`);
      }
    });

    it("never makes the worker or migrate public: worker internal-only with IAM checks on", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const worker = service(run(env), "worker");
        assert.equal(worker.inputs.ingress, "INGRESS_TRAFFIC_INTERNAL_ONLY");
        assert.equal(worker.inputs.invokerIamDisabled, false);
        assert.equal(service(run(env), "web").inputs.invokerIamDisabled, false);
        assert.equal(ofType(run(env), "gcp:cloudrunv2/jobIamMember:JobIamMember").length, 0);
        for (const m of ofType(run(env), T.runIam)) assert.equal(m.inputs.name, `loom-${env}-web`);
      }
    });

    it("hands Observability the names it queries and the runbook its migrate command", () => {
      const out = run("prod").outputs;
      assert.deepEqual(
        { ...(out.monitoring as Record<string, unknown>), urlMap: undefined },
        {
          cloud: "gcp",
          region: GCP_REGION,
          webService: "loom-prod-web",
          workerService: "loom-prod-worker",
          migrateJob: "loom-prod-migrate",
          urlMap: undefined,
          publicHost: "loom.example.com",
          healthPath: "/healthz",
        },
      );
      assert.equal(
        out.migrate,
        `gcloud run jobs execute loom-prod-migrate --region ${GCP_REGION} --project ${GCP_PROJECT} --wait`,
      );
    });
  });

  describe("bad input fails early", () => {
    it("refuses a secret value in plain env", async () => {
      await assert.rejects(
        build("dev", { env: { LOOM_ENVIRONMENT: "dev", DATABASE_HOST: pulumi.secret("leaked.example") } }),
        /AppService env DATABASE_HOST: secret values would be stored in plain text/,
      );
    });

    it("refuses a keyed secret ref (a Secret Manager secret holds one value)", async () => {
      await assert.rejects(build("dev", { secrets: { DATABASE_USER: { id: DB_USER, key: "username" } } }), {
        propertyPath: "secrets.DATABASE_USER",
      });
    });

    it("refuses an unpinned image, a PORT Cloud Run would override, and an allow-list or WAF without the LB", async () => {
      await assert.rejects(build("dev", { image: "ghcr.io/example/loom:latest" }), {
        propertyPath: "image",
        message: /must be pinned/,
      });
      await assert.rejects(build("dev", { env: { PORT: "9090" } }), { propertyPath: "env.PORT" });
      await assert.rejects(build("dev", { ingressCidrs: ["203.0.113.0/24"] }), { propertyPath: "ingressCidrs" });
      await assert.rejects(build("dev", { waf: true }), { propertyPath: "waf" });
    });

    it("refuses an app port or metrics path the metrics sidecar would not scrape", async () => {
      await assert.rejects(build("dev", { app: { port: 9000 }, env: { LOOM_ENVIRONMENT: "dev" } }), {
        propertyPath: "app",
        message: /Prometheus sidecar/,
      });
    });
  });
});
