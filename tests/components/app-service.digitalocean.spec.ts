import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import { lbAllows, recordName } from "../../components/app-service/do-edge";
import {
  EDGE_IMAGE,
  type EdgeProxyInputs,
  edgeDynamicConfig,
  edgeStaticConfig,
} from "../../components/app-service/do-edge-proxy";
import { dropletSize } from "../../components/app-service/do-sizing";
import { collectorConfig } from "../../components/app-service/do-workloads";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import {
  DO_CONFIG,
  DO_REGION,
  DO_SSH_KEY,
  DO_VPC_ID,
  fakeDoNetwork,
  staticDoPlatform,
  withDoPlatform,
} from "./do-fixtures";

const T = {
  droplet: "digitalocean:index/droplet:Droplet",
  pool: "digitalocean:index/dropletAutoscale:DropletAutoscale",
  lb: "digitalocean:index/loadBalancer:LoadBalancer",
  cert: "digitalocean:index/certificate:Certificate",
  dns: "digitalocean:index/dnsRecord:DnsRecord",
  key: "digitalocean:index/spacesKey:SpacesKey",
  bucket: "digitalocean:index/spacesBucket:SpacesBucket",
  object: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
  project: "digitalocean:index/projectResources:ProjectResources",
};
const IMAGE = "registry.digitalocean.com/loom/loom:1.4.2";
const CA = "-----BEGIN CERTIFICATE-----\nMOCKCA\n-----END CERTIFICATE-----\n";
/** The account suffix of every bucket name: the mock account's uuid through the platform's hash. */
let SUFFIX = "";
const DB_HOST = "private-loom-db-do-user-0000000-0.m.db.ondigitalocean.com";

type Env = "dev" | "staging" | "prod";
/** ignoreChanges by `type::name`, as the program asked (the mock engine does not record options). */
const IGNORED = new Map<string, string[]>();

function argsFor(env: Env, over: Partial<AppServiceArgs> = {}): AppServiceArgs {
  const p = PROFILES[env];
  return {
    platform: staticDoPlatform(),
    context: context(env),
    protect: env === "prod",
    network: fakeDoNetwork(env),
    image: IMAGE,
    domain: "loom.example.com",
    loadBalancer: p.loadBalancer,
    web: p.web,
    worker: p.worker,
    autoscaling: p.autoscaling,
    env: {
      LOOM_ENVIRONMENT: env,
      PORT: "8080",
      DATABASE_HOST: pulumi.output(DB_HOST),
      DATABASE_PORT: pulumi.output("25061"),
      DATABASE_SSLMODE: "verify-full",
      REDIS_TLS: "true",
    },
    secrets: {
      DATABASE_USER: { id: "database-user" },
      DATABASE_PASSWORD: { id: pulumi.output("database-password") },
      REDIS_PASSWORD: { id: "redis-password" },
    },
    appSecretNames: ["LLM_API_KEY"],
    logRetentionDays: p.logRetentionDays,
    waf: p.waf,
    rateLimitPer5Min: p.rateLimitPer5Min,
    deletionProtection: p.deletionProtection,
    traceSampleRatio: p.traceSampleRatio,
    serverCas: CA,
    ...over,
  };
}

async function build(env: Env, over: Partial<AppServiceArgs> = {}): Promise<ProgramRun> {
  return runComponents(
    () => {
      pulumi.runtime.registerStackTransformation((a) => {
        if (a.opts.ignoreChanges) IGNORED.set(`${a.type}::${a.name}`, a.opts.ignoreChanges);
        return undefined;
      });
      const app = new AppService("loom", withDoPlatform(argsFor(env, over)));
      const boot = app.bootConfig as pulumi.Output<Record<string, string>>;
      return {
        url: app.url,
        edgeHostname: app.edgeHostname,
        migrateCommand: app.migrateCommand,
        bootConfig: boot,
        bootConfigSecret: pulumi.output(pulumi.isSecret(boot)),
        hosts: app.hosts,
        collectorHost: app.monitoring.cloud === "digitalocean" ? app.monitoring.collectorHost : undefined,
        monitoring: app.monitoring,
      };
    },
    DO_CONFIG,
    env,
  );
}

type Doc = Record<string, unknown>;
/** A boot config's write_files entry by path, decoded. */
function written(userData: string, path: string): string {
  assert.ok(userData.startsWith("#cloud-config\n"), "a #cloud-config document");
  const files = (parse(userData) as { write_files: { path: string; content: string; encoding?: string }[] })
    .write_files;
  const f = files.find((x) => x.path === path);
  assert.ok(f, `${path} is written`);
  return f.encoding === "b64" || f.encoding === "base64" ? Buffer.from(f.content, "base64").toString() : f.content;
}
const composeOf = (userData: string) =>
  parse(written(userData, "/opt/loom/compose.yaml")) as { services: Record<string, Doc & { environment?: Doc }> };
const droplet = (run: ProgramRun, name: string) =>
  ofType(run, T.droplet).find((d) => d.name === name) as PlannedResource;
const envOf = (svc: Doc) => svc.environment as Record<string, string>;

describe("AppService on digitalocean", () => {
  const runs = {} as Record<Env, ProgramRun>;
  before(async function () {
    this.timeout(60_000);
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(env);
    SUFFIX = String(one(runs.prod, T.bucket, "loom-secrets").inputs.name).replace("loom-prod-secrets-", "");
  });

  it("ships every droplet's logs through the redaction loom:observability.redact asks for (Vector remap)", async () => {
    const vectorOf = (run: ProgramRun, name: string) =>
      parse(written(String(droplet(run, name).inputs.userData), "/etc/vector/vector.yaml")) as {
        transforms: Record<string, { source?: string } | undefined>;
        sinks: Record<string, { inputs: string[] }>;
      };
    const on = vectorOf(runs.dev, "loom-web-1");
    assert.deepEqual(
      Object.values(on.sinks).map((x) => x.inputs),
      [["redact"]],
    );
    assert.match(String(on.transforms.redact?.source), /AKIA/);
    const off = vectorOf(await build("dev", { redaction: { emails: false, tokens: false, ips: false } }), "loom-web-1");
    assert.equal(off.transforms.redact, undefined, "every class off: no redact step");
    assert.deepEqual(
      Object.values(off.sinks).map((x) => x.inputs),
      [["tagged"]],
    );
  });

  describe("droplet sizes (do-sizing.ts)", () => {
    it("takes the smallest slug whose RAM less 256 MiB holds the limits and whose vCPUs hold the CPUs", () => {
      assert.equal(dropletSize("web.memoryMiB", 0.35, 640).slug, "s-1vcpu-1gb");
      assert.equal(dropletSize("web.memoryMiB", 0.35, 769).slug, "s-1vcpu-2gb");
      assert.equal(dropletSize("web.memoryMiB", 1, 1792).slug, "s-1vcpu-2gb");
      assert.equal(dropletSize("web.memoryMiB", 1.25, 1000).slug, "s-2vcpu-2gb");
      assert.equal(dropletSize("worker.memoryMiB", 1, 2048).slug, "s-2vcpu-4gb");
    });
    it("refuses what no slug holds, naming the key", () => {
      assert.throws(() => dropletSize("worker.memoryMiB", 1, 16_200), { propertyPath: "worker.memoryMiB" });
    });
    it("sizes each group from its compose limits (edge and collector included)", () => {
      const sizes = (env: Env) =>
        ["web-1", "worker-1", "jobs-1"].map((n) => droplet(runs[env], `loom-${n}`)?.inputs.size);
      assert.deepEqual(sizes("dev"), ["s-1vcpu-1gb", "s-1vcpu-1gb", "s-1vcpu-1gb"]);
      const pools = (env: Env) => ofType(runs[env], T.pool).map((p) => (p.inputs.dropletTemplate as Doc).size);
      assert.deepEqual(pools("staging"), ["s-1vcpu-2gb", "s-1vcpu-2gb"]);
      assert.deepEqual(pools("prod"), ["s-2vcpu-4gb", "s-2vcpu-4gb"]);
      assert.equal(one(runs.prod, T.droplet).inputs.size, "s-2vcpu-4gb", "jobs: collector 256 + migrate 2048");
    });
  });

  describe("dev: fixed droplets, TLS on the web droplet", () => {
    it("creates web, worker and jobs droplets in the VPC with keys, tags, the agent and no IPv6", () => {
      const run = runs.dev;
      assert.deepEqual(
        ofType(run, T.droplet).map((d) => d.inputs.name),
        ["loom-dev-jobs-1", "loom-dev-web-1", "loom-dev-worker-1"],
      );
      for (const group of ["web", "worker", "jobs"]) {
        const d = droplet(run, `loom-${group}-1`).inputs;
        assert.deepEqual(
          [d.region, d.image, d.vpcUuid, d.sshKeys, d.monitoring, d.ipv6],
          [DO_REGION, "ubuntu-24-04-x64", DO_VPC_ID, [DO_SSH_KEY], true, false],
        );
        assert.deepEqual((d.tags as string[]).slice(0, 2), [`loom-dev-${group}`, "loom-dev-app"]);
        assert.ok((d.tags as string[]).includes("team:platform"), "stack tags as k:v");
      }
      for (const group of ["web", "worker", "jobs"]) {
        assert.deepEqual(IGNORED.get(`${T.droplet}::loom-${group}-1`), ["userData"], "Ansible rolls out changes");
      }
      assert.equal(ofType(run, T.pool).length, 0);
      assert.equal(ofType(run, T.lb).length, 0);
      assert.equal(ofType(run, T.cert).length, 0);
    });

    it("points the domain's A record at the web droplet", async () => {
      const dns = one(runs.dev, T.dns).inputs;
      assert.deepEqual([dns.domain, dns.type, dns.name, dns.ttl], ["loom.example.com", "A", "@", 300]);
      assert.equal(dns.value, runs.dev.outputs.edgeHostname);
      assert.match(String(dns.value), /^203\.0\.113\.\d+$/);
    });

    it("web compose: the edge publishes 80 and 443, web publishes nothing; fixed droplets carry no secret", () => {
      const userData = String(droplet(runs.dev, "loom-web-1").inputs.userData);
      const svc = composeOf(userData).services;
      assert.deepEqual(Object.keys(svc).sort(), ["edge", "web"]);
      assert.equal(svc.web?.ports, undefined);
      assert.equal(svc.edge?.image, EDGE_IMAGE);
      assert.deepEqual(
        ((svc.edge as Doc).ports as Doc[]).map((p) => [String(p.published), p.target]),
        [
          ["80", 8000],
          ["443", 8443],
        ],
      );
      assert.match(
        written(userData, "/etc/systemd/system/loom-edge-acme.service"),
        /docker volume create --label com\.docker\.compose\.project=loom --label com\.docker\.compose\.volume=acme loom_acme/,
      );
      assert.deepEqual(droplet(runs.dev, "loom-web-1").secretPaths, []);
      const stat = parse(written(userData, "/etc/loom/edge/traefik.yml")) as Doc;
      assert.deepEqual(Object.keys(stat.entryPoints as Doc), ["web", "websecure", "ping"]);
    });
  });

  describe("compose per group", () => {
    it("web: the image, loom serve, uid 10001, profile limits, loom healthcheck, 120 s grace, env files", () => {
      for (const env of ["dev", "prod"] as const) {
        const userData =
          env === "dev"
            ? String(droplet(runs.dev, "loom-web-1").inputs.userData)
            : String(((ofType(runs.prod, T.pool)[0] as PlannedResource).inputs.dropletTemplate as Doc).userData);
        const web = composeOf(userData).services.web as Doc;
        assert.equal(web.image, IMAGE);
        assert.deepEqual(web.command, ["loom", "serve"]);
        assert.equal(web.user, "10001:10001");
        assert.equal(web.stop_grace_period, "120s");
        assert.deepEqual((web.healthcheck as Doc).test, [
          "CMD",
          "loom",
          "healthcheck",
          "--url",
          "http://127.0.0.1:8080/healthz",
        ]);
        assert.deepEqual(web.env_file, ["/etc/loom/env/web.env"]);
        const limits = ((web.deploy as Doc).resources as Doc).limits;
        assert.deepEqual(limits, { cpus: PROFILES[env].web.cpu, memory: `${PROFILES[env].web.memoryMiB}m` });
        assert.deepEqual([web.read_only, web.cap_drop], [true, ["ALL"]]);
      }
    });

    it("sends OTLP metrics and traces to the jobs droplet's private address, logs through journald", () => {
      const host = runs.dev.outputs.collectorHost as string;
      assert.match(host, /^10\.110\.0\.\d+$/);
      for (const name of ["loom-web-1", "loom-worker-1"]) {
        const svc = composeOf(String(droplet(runs.dev, name).inputs.userData)).services;
        const env = envOf((svc.web ?? svc.worker) as Doc);
        assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, `http://${host}:4318`);
        assert.deepEqual(
          [env.OTEL_METRICS_EXPORTER, env.OTEL_TRACES_EXPORTER, env.OTEL_LOGS_EXPORTER],
          ["otlp", "otlp", "none"],
        );
        assert.equal(env.PGSSLROOTCERT, "/etc/loom/ca/server-cas.pem");
        assert.equal(env.DATABASE_HOST, DB_HOST);
      }
    });

    it("samples traces by the profile and masks PII in spans only when redaction is on", () => {
      const prodWeb = composeOf(
        String(((ofType(runs.prod, T.pool)[0] as PlannedResource).inputs.dropletTemplate as Doc).userData),
      ).services;
      assert.equal(envOf(prodWeb.web as Doc).OTEL_TRACES_SAMPLER_ARG, String(PROFILES.prod.traceSampleRatio));
      const off = collectorConfig({
        bucket: "b",
        region: DO_REGION,
        redaction: { emails: false, tokens: false, ips: false },
      });
      const pipelines = (off.service as Doc).pipelines as Record<string, Doc>;
      assert.deepEqual(pipelines.traces?.processors, ["memory_limiter", "batch"]);
      assert.equal((off.processors as Doc)["transform/redact"], undefined);
    });

    it("worker: loom worker, no ports, loom healthcheck --worker", () => {
      const worker = composeOf(String(droplet(runs.dev, "loom-worker-1").inputs.userData)).services;
      assert.deepEqual(Object.keys(worker), ["worker"]);
      assert.deepEqual(worker.worker?.command, ["loom", "worker"]);
      assert.equal(worker.worker?.ports, undefined);
      assert.deepEqual(((worker.worker as Doc).healthcheck as Doc).test, ["CMD", "loom", "healthcheck", "--worker"]);
    });

    it("jobs: the collector and migrate (profile, direct port 25060, the database's secrets only)", () => {
      const userData = String(one(runs.prod, T.droplet).inputs.userData);
      const svc = composeOf(userData).services;
      assert.deepEqual(Object.keys(svc).sort(), ["collector", "migrate"]);
      assert.deepEqual(svc.migrate?.profiles, ["migrate"]);
      assert.deepEqual(svc.migrate?.command, ["loom", "migrate"]);
      assert.equal(envOf(svc.migrate as Doc).DATABASE_PORT, "25060");
      assert.equal(envOf(svc.migrate as Doc).OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318");
      const collector = parse(written(userData, "/etc/loom/otelcol/config.yaml")) as Doc;
      const exporters = collector.exporters as Doc;
      assert.deepEqual(exporters.prometheus, {
        endpoint: "0.0.0.0:8889",
        resource_to_telemetry_conversion: { enabled: true },
      });
      assert.deepEqual((exporters.awss3 as Doc).s3uploader, {
        region: DO_REGION,
        s3_bucket: `loom-prod-logs-${SUFFIX}`,
        s3_prefix: "traces",
        s3_partition_format: "%Y/%m/%d/%H",
        endpoint: "https://ams3.digitaloceanspaces.com",
        compression: "gzip",
      });
      const pipelines = (collector.service as Doc).pipelines as Record<string, Doc>;
      assert.deepEqual(pipelines.traces, {
        receivers: ["otlp"],
        processors: ["memory_limiter", "transform/redact", "batch"],
        exporters: ["awss3"],
      });
      assert.deepEqual(pipelines.metrics?.exporters, ["prometheus"]);
      assert.deepEqual(svc.collector?.env_file, ["/etc/loom/env/collector.env"]);
      assert.equal(svc.collector?.environment, undefined, "the Spaces key only through the env file");
      const hosts = runs.prod.outputs.hosts as Record<string, { secretKeys: string[] }>;
      assert.deepEqual(hosts.jobs?.secretKeys, [
        "database-password",
        "database-user",
        "logs-access-key",
        "logs-secret-key",
      ]);
      assert.deepEqual(hosts.web?.secretKeys, ["database-password", "database-user", "llm-api-key", "redis-password"]);
    });
  });

  describe("staging and prod: pools behind a load balancer", () => {
    it("runs web and worker in DropletAutoscale pools bounded by the profile", () => {
      for (const env of ["staging", "prod"] as const) {
        const p = PROFILES[env];
        const pools = ofType(runs[env], T.pool);
        assert.deepEqual(
          pools.map((r) => [r.inputs.name, r.inputs.config]),
          [
            [
              `loom-${env}-web`,
              {
                minInstances: p.web.minReplicas,
                maxInstances: p.web.maxReplicas,
                targetCpuUtilization: 0.6,
                cooldownMinutes: 5,
              },
            ],
            [
              `loom-${env}-worker`,
              {
                minInstances: p.worker.minReplicas,
                maxInstances: p.worker.maxReplicas,
                targetCpuUtilization: 0.6,
                targetMemoryUtilization: 0.8,
                cooldownMinutes: 5,
              },
            ],
          ],
        );
        for (const pool of pools) {
          const t = pool.inputs.dropletTemplate as Doc;
          assert.deepEqual(
            [t.region, t.vpcUuid, t.sshKeys, t.withDropletAgent, t.ipv6, t.image],
            [DO_REGION, DO_VPC_ID, [DO_SSH_KEY], true, false, "ubuntu-24-04-x64"],
          );
          // The runtime marks the whole template secret when one field (userData, with the fetch key) is.
          assert.deepEqual(pool.secretPaths, ["dropletTemplate.userData"]);
        }
      }
    });

    it("gives each pool a read-only key on the secrets bucket, the aggregator readwrite on the logs bucket", () => {
      const keys = ofType(runs.prod, T.key).map((k) => [k.inputs.name, k.inputs.grants]);
      assert.deepEqual(keys, [
        ["loom-prod-logs-writer", [{ bucket: `loom-prod-logs-${SUFFIX}`, permission: "readwrite" }]],
        ["loom-prod-web-secrets-read", [{ bucket: `loom-prod-secrets-${SUFFIX}`, permission: "read" }]],
        ["loom-prod-worker-secrets-read", [{ bucket: `loom-prod-secrets-${SUFFIX}`, permission: "read" }]],
      ]);
    });

    it("fronts web with an HTTPS load balancer: STRONG, redirect, PROXY protocol, health on the edge", () => {
      const lb = one(runs.prod, T.lb).inputs;
      assert.deepEqual(lb.forwardingRules, [
        {
          entryProtocol: "https",
          entryPort: 443,
          targetProtocol: "http",
          targetPort: 80,
          certificateName: "loom-prod-web",
        },
        { entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: 80 },
      ]);
      assert.deepEqual(
        [lb.region, lb.vpcUuid, lb.dropletTag, lb.redirectHttpToHttps, lb.tlsCipherPolicy, lb.enableProxyProtocol],
        [DO_REGION, DO_VPC_ID, "loom-prod-web", true, "STRONG", true],
      );
      assert.deepEqual(lb.healthcheck, {
        protocol: "http",
        port: 80,
        path: "/healthz",
        checkIntervalSeconds: 10,
        responseTimeoutSeconds: 5,
        healthyThreshold: 3,
        unhealthyThreshold: 3,
      });
      assert.equal(lb.firewall, undefined, "ingressCidrs 0.0.0.0/0: no allow list");
      assert.deepEqual([lb.sizeUnit, lb.size, one(runs.staging, T.lb).inputs.sizeUnit], [2, undefined, 1]);
      assert.equal(lb.disableLetsEncryptDnsRecords, true, "the stack's own A record, not a second one");
      const web = String(((ofType(runs.prod, T.pool)[0] as PlannedResource).inputs.dropletTemplate as Doc).userData);
      const dynamic = parse(written(web, "/etc/loom/edge/dynamic.yml")) as { http: Record<string, Doc> };
      assert.deepEqual(dynamic.http.middlewares?.ratelimit, {
        rateLimit: { average: 2000, period: "5m", burst: 2000 },
      });
      const stat = parse(written(web, "/etc/loom/edge/traefik.yml")) as { entryPoints: Record<string, Doc> };
      assert.deepEqual(stat.entryPoints.web?.proxyProtocol, { trustedIPs: ["10.40.32.0/20"] });
      const cert = one(runs.prod, T.cert).inputs;
      assert.deepEqual([cert.type, cert.domains, cert.name], ["lets_encrypt", ["loom.example.com"], "loom-prod-web"]);
      assert.equal(one(runs.prod, T.dns).inputs.value, runs.prod.outputs.edgeHostname);
    });

    it("restricts the load balancer to narrower ingressCidrs", async () => {
      const run = await build("staging", { ingressCidrs: ["198.51.100.0/24"] });
      assert.deepEqual(one(run, T.lb).inputs.firewall, { allows: ["cidr:198.51.100.0/24"] });
    });
  });

  describe("stores and outputs", () => {
    it("keeps logs in a private bucket expiring after logRetentionDays, protected in prod", () => {
      for (const [env, days] of [
        ["dev", 7],
        ["prod", 90],
      ] as const) {
        const b = one(runs[env], T.bucket, "loom-logs");
        assert.equal(b.inputs.name, `loom-${env}-logs-${SUFFIX}`);
        assert.equal(b.inputs.acl, "private");
        assert.equal(b.inputs.forceDestroy, false);
        assert.deepEqual((b.inputs.lifecycleRules as Doc[])[0]?.expiration, { days });
        assert.equal(b.protect, env === "prod");
      }
    });

    it("creates the app secret as an empty placeholder and stores the logs key halves", () => {
      const objects = ofType(runs.prod, T.object).map((o) => [o.inputs.key, o.secretPaths.includes("content")]);
      assert.deepEqual(objects.sort(), [
        ["llm-api-key", false],
        ["logs-access-key", true],
        ["logs-secret-key", true],
      ]);
      const llm = ofType(runs.prod, T.object).find((o) => o.inputs.key === "llm-api-key");
      assert.equal(llm?.inputs.content, "");
    });

    it("publishes a redacted, non-secret boot config per group", () => {
      const boot = runs.prod.outputs.bootConfig as Record<string, string>;
      assert.deepEqual(Object.keys(boot).sort(), ["jobs", "web", "worker"]);
      assert.equal(runs.prod.outputs.bootConfigSecret, false);
      assert.ok(boot.web?.includes("[redacted]"));
      const real = String(((ofType(runs.prod, T.pool)[0] as PlannedResource).inputs.dropletTemplate as Doc).userData);
      assert.ok(real.includes("mock-generated-password-loom-prod-web-secrets-read"), "the pool fetches with its key");
      for (const text of Object.values(boot)) assert.doesNotMatch(text, /mock-generated-password/);
      for (const d of ofType(runs.dev, T.droplet)) {
        assert.doesNotMatch(String(d.inputs.userData), /mock-generated-password|BEGIN [A-Z ]*PRIVATE KEY/);
      }
    });

    it("lists fixed droplets by private address and pools by tag for Ansible", () => {
      const dev = runs.dev.outputs.hosts as Record<string, { tag: string; hosts: { name: string }[] }>;
      assert.deepEqual(
        Object.entries(dev).map(([g, v]) => [g, v.tag, v.hosts.map((h) => h.name)]),
        [
          ["web", "loom-dev-web", ["loom-dev-web-1"]],
          ["worker", "loom-dev-worker", ["loom-dev-worker-1"]],
          ["jobs", "loom-dev-jobs", ["loom-dev-jobs-1"]],
        ],
      );
      const prod = runs.prod.outputs.hosts as Record<string, { hosts: unknown[] }>;
      assert.deepEqual([prod.web?.hosts, prod.worker?.hosts], [[], []]);
      assert.equal(
        runs.prod.outputs.migrateCommand,
        "ansible-playbook -i ansible/inventory/prod.yml ansible/playbooks/migrate.yml",
      );
    });

    it("attaches droplets, the load balancer and the logs bucket to the project", () => {
      const resources = one(runs.prod, T.project, "loom-project").inputs.resources as string[];
      assert.equal(resources.length, 3);
      assert.ok(resources[0]?.startsWith("do:droplet:"));
      assert.ok(resources[1]?.startsWith("do:loadbalancer:"));
      assert.equal(resources[2], `do:space:loom-prod-logs-${SUFFIX}`);
    });
  });

  describe("edge proxy (do-edge-proxy.ts)", () => {
    const base: EdgeProxyInputs = {
      domain: "loom.example.com",
      behindLoadBalancer: true,
      vpcCidr: "10.40.32.0/20",
      upstream: "web",
      metricsPath: "/metrics",
    };
    it("behind the LB: PROXY protocol from the VPC only, no TLS, no ACME", () => {
      const s = edgeStaticConfig(base);
      assert.deepEqual((s.entryPoints as Doc).web, {
        address: ":8000",
        transport: { lifeCycle: { graceTimeOut: "25s" } },
        proxyProtocol: { trustedIPs: ["10.40.32.0/20"] },
      });
      assert.equal(s.certificatesResolvers, undefined);
    });
    it("dev: ACME HTTP-01 and a redirect to 443", () => {
      const s = edgeStaticConfig({ ...base, behindLoadBalancer: false });
      assert.deepEqual(((s.entryPoints as Doc).web as Doc).http, {
        redirections: { entryPoint: { to: ":443", scheme: "https", permanent: true } },
      });
      assert.deepEqual(s.certificatesResolvers, {
        letsencrypt: { acme: { storage: "/acme/acme.json", httpChallenge: { entryPoint: "web" } } },
      });
    });
    it("HSTS one year with subdomains, the metrics path unrouted (404), the rate limit only with waf", () => {
      const d = edgeDynamicConfig({ ...base, rateLimitPer5Min: 2000 }, 8080) as { http: Doc };
      const routers = d.http.routers as Record<string, Doc>;
      assert.equal(routers.app?.rule, "PathPrefix(`/`) && !PathPrefix(`/metrics`)");
      assert.deepEqual(routers.app?.middlewares, ["hsts", "ratelimit"]);
      const mw = d.http.middlewares as Record<string, Doc>;
      assert.deepEqual(mw.hsts, {
        headers: { stsSeconds: 31536000, stsIncludeSubdomains: true, forceSTSHeader: true, contentTypeNosniff: true },
      });
      assert.deepEqual(mw.ratelimit, { rateLimit: { average: 2000, period: "5m", burst: 2000 } });
      const noWaf = edgeDynamicConfig(base, 8080) as { http: Doc };
      assert.deepEqual(((noWaf.http.routers as Record<string, Doc>).app as Doc).middlewares, ["hsts"]);
      assert.deepEqual(noWaf.http.services, { web: { loadBalancer: { servers: [{ url: "http://web:8080" }] } } });
    });
    it("record names and LB allow lists", () => {
      assert.equal(recordName("loom.example.com", "loom.example.com"), "@");
      assert.equal(recordName("app.loom.example.com", "loom.example.com"), "app");
      assert.throws(() => recordName("loom.other.com", "loom.example.com"), { propertyPath: "domain" });
      assert.deepEqual(lbAllows(["0.0.0.0/0"]), []);
      assert.deepEqual(lbAllows(["198.51.100.0/24", "203.0.113.7/32"]), [
        "cidr:198.51.100.0/24",
        "cidr:203.0.113.7/32",
      ]);
    });
  });

  describe("refusals", () => {
    const refuses = (env: Env, over: Partial<AppServiceArgs>, propertyPath: string) =>
      assert.rejects(build(env, over), { propertyPath });
    it("autoscaling without a load balancer", () => refuses("dev", { autoscaling: true }, "autoscaling"));
    it("several web droplets without a load balancer", () =>
      refuses("dev", { web: { ...PROFILES.dev.web, minReplicas: 2, maxReplicas: 2 } }, "web.minReplicas"));
    it("an unpinned image", () => refuses("dev", { image: "registry.digitalocean.com/loom/loom:latest" }, "image"));
    it("a keyed secret ref", () =>
      refuses(
        "dev",
        { secrets: { DATABASE_PASSWORD: { id: "database-password", key: "password" } } },
        "secrets.DATABASE_PASSWORD",
      ));
  });
});
