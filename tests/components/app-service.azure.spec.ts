import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import { APP_SECRET_PLACEHOLDER } from "../../components/app-service/azure-identity";
import { keyVaultFetchScript } from "../../components/app-service/azure-migrate";
import {
  containerAppSize,
  REVIEW_QUEUE_LIST,
  replicaBounds,
  secretName,
  webConcurrency,
} from "../../components/app-service/azure-sizing";
import type { AzureNetworkPlacement } from "../../components/network/azure";
import type { AzurePlatform } from "../../components/platform/azure";
import { PROFILES } from "../../components/profiles";
import type { AzureTarget } from "../../components/targets/azure";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { environmentDomain } from "../../scripts/lib/mock-values/azure";
import { uuid } from "../../scripts/lib/mock-values/types";
import { context, ofType, one, runComponents } from "../harness/program";
import { AZURE_CONFIG, azureTarget, fakeAzureNetwork, staticAzurePlatform, withAzurePlatform } from "./azure-fixtures";

const T = {
  env: "azure-native:app:ManagedEnvironment",
  app: "azure-native:app:ContainerApp",
  job: "azure-native:app:Job",
  cert: "azure-native:app:ManagedCertificate",
  group: "azure-native:containerinstance:ContainerGroup",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleAssignment",
  secret: "azure-native:keyvault:Secret",
  diag: "azure-native:monitor:DiagnosticSetting",
  zone: "azure-native:privatedns:PrivateZone",
  link: "azure-native:privatedns:VirtualNetworkLink",
  record: "azure-native:privatedns:PrivateRecordSet",
  dns: "azure-native:dns:RecordSet",
};
const IMAGE = "loomacr.azurecr.io/loom:1.4.2";
const VAULT = "https://kv-loom-prod-abc123.vault.azure.net/secrets";
const SUBNETS =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-prod/providers/Microsoft.Network/virtualNetworks/loom-prod-vnet/subnets";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";

type Env = "dev" | "staging" | "prod";
const rg = (env: Env) => `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-${env}`;

/** Args as index.ts builds them from the profile; call inside the program. */
function argsFor(env: Env, over: Partial<AppServiceArgs> = {}, target?: AzureTarget): AppServiceArgs {
  const p = PROFILES[env];
  return {
    platform: staticAzurePlatform(target),
    context: context(env),
    protect: env === "prod",
    network: fakeAzureNetwork(),
    image: IMAGE,
    domain: "loom.example.com",
    loadBalancer: p.loadBalancer,
    web: p.web,
    worker: p.worker,
    autoscaling: p.autoscaling,
    env: {
      LOOM_ENVIRONMENT: env,
      PORT: "8080",
      DATABASE_HOST: pulumi.output("loom-prod-db.postgres.database.azure.com"),
      DATABASE_PORT: pulumi.output(env === "dev" ? "5432" : "6432"),
      REDIS_HOST: pulumi.output("loom-prod-cache.westeurope.redis.azure.net"),
      REDIS_PORT: pulumi.output("10000"),
      REDIS_TLS: "true",
    },
    secrets: {
      DATABASE_USER: { id: `${VAULT}/database-user` },
      DATABASE_PASSWORD: { id: pulumi.output(`${VAULT}/database-password`) },
      REDIS_PASSWORD: { id: pulumi.output(`${VAULT}/cache-access-key`) },
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
  /** ignoreChanges by `type::name`. */
  ignores: Map<string, string[]>;
}

/** fakeAzureNetwork with the subnet delegated to Container Instances (`migrateRunner: aci`); call in the program. */
function networkWithContainerGroups(): AppServiceArgs["network"] {
  const n = fakeAzureNetwork();
  const placement = n.placement as AzureNetworkPlacement;
  const subnets = { ...placement.subnets, containerGroups: pulumi.output(`${SUBNETS}/container-groups`) };
  return { ...n, placement: { ...placement, subnets } };
}

async function build(
  env: Env,
  over: Partial<AppServiceArgs> = {},
  target?: AzureTarget,
  aciSubnet = false,
): Promise<Built> {
  const ignores = new Map<string, string[]>();
  const run = await runComponents(() => {
    pulumi.runtime.registerStackTransformation((a) => {
      ignores.set(`${a.type}::${a.name}`, a.opts.ignoreChanges ?? []);
      return undefined;
    });
    const args = withAzurePlatform(
      argsFor(env, { ...(aciSubnet ? { network: networkWithContainerGroups() } : {}), ...over }, target),
    );
    const app = new AppService("loom", args);
    return {
      url: app.url,
      edgeHostname: app.edgeHostname,
      migrate: app.migrateCommand,
      monitoring: app.monitoring,
      runtime: app.runtime,
      vaultId: (args.platform as AzurePlatform).keyVault.id,
    };
  }, AZURE_CONFIG);
  return { run, ignores };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  env: { name: string; value?: string; secretRef?: string }[];
  resources: { cpu: number; memory: string };
  probes?: { type: string; httpGet: { path: string; port: number } }[];
}
// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
type Inputs = Record<string, any>;
const app = (run: ProgramRun, tier: string) => one(run, T.app, `loom-${tier}`);
const containerOf = (r: PlannedResource) => (r.inputs as Inputs).template.containers[0] as Container;
const envOf = (c: Container) =>
  Object.fromEntries(c.env.map((e) => [e.name, e.secretRef ? `ref:${e.secretRef}` : e.value]));

describe("AppService on azure", () => {
  const runs = {} as Record<Env, Built>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(env);
  });
  const run = (env: Env) => runs[env].run;

  describe("sizes, names and rules (azure-sizing.ts)", () => {
    it("keeps the profile's exact Consumption pairs (2 GiB per vCPU)", () => {
      assert.deepEqual(containerAppSize("web", 0.25, 512), { cpu: 0.25, memory: "0.5Gi" });
      assert.deepEqual(containerAppSize("web", 0.5, 1024), { cpu: 0.5, memory: "1Gi" });
      assert.deepEqual(containerAppSize("worker", 1, 2048), { cpu: 1, memory: "2Gi" });
    });

    it("rounds up to the smallest pair that holds both CPU and memory", () => {
      assert.deepEqual(containerAppSize("web", 0.25, 1024), { cpu: 0.5, memory: "1Gi" }, "memory drives the CPU");
      assert.deepEqual(containerAppSize("web", 0.6, 512), { cpu: 0.75, memory: "1.5Gi" }, "CPU drives the memory");
      assert.deepEqual(containerAppSize("web", 0.1, 100), { cpu: 0.25, memory: "0.5Gi" }, "the floor");
      assert.deepEqual(containerAppSize("web", 4, 8192), { cpu: 4, memory: "8Gi" }, "the ceiling");
    });

    it("refuses what no Consumption replica holds", () => {
      assert.throws(() => containerAppSize("web", 4.5, 1024), { propertyPath: "web.cpu" });
      assert.throws(() => containerAppSize("worker", 1, 9000), { propertyPath: "worker.memoryMiB" });
      assert.throws(() => containerAppSize("web", 0, 512), { propertyPath: "web.cpu" });
    });

    it("turns requests per minute into concurrent requests (one-second requests) and env names into secret names", () => {
      assert.equal(webConcurrency(1000), 17);
      assert.equal(webConcurrency(60), 1);
      assert.equal(webConcurrency(1), 1);
      assert.equal(secretName("LLM_API_KEY"), "llm-api-key");
      assert.throws(() => secretName("_X"), { propertyPath: "secrets._X" });
    });

    it("pins replicas at the floor without autoscaling and refuses a floor of zero", () => {
      assert.deepEqual(replicaBounds("web", { minReplicas: 2, maxReplicas: 4 }, true), {
        minReplicas: 2,
        maxReplicas: 4,
      });
      assert.deepEqual(replicaBounds("web", { minReplicas: 2, maxReplicas: 4 }, false), {
        minReplicas: 2,
        maxReplicas: 2,
      });
      assert.throws(() => replicaBounds("worker", { minReplicas: 0, maxReplicas: 4 }, true), {
        propertyPath: "worker.minReplicas",
      });
    });
  });

  describe("the Container Apps environment", () => {
    it("joins the apps subnet on the Consumption profile, encrypts peer traffic and logs to Azure Monitor", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const e = one(run(env), T.env).inputs as Inputs;
        assert.equal(e.environmentName, `loom-${env}-apps`);
        assert.equal(e.vnetConfiguration.infrastructureSubnetId, `${SUBNETS}/apps`);
        assert.deepEqual(e.workloadProfiles, [{ name: "Consumption", workloadProfileType: "Consumption" }]);
        assert.deepEqual(e.peerTrafficConfiguration, { encryption: { enabled: true } });
        assert.deepEqual(e.appLogsConfiguration, { destination: "azure-monitor" }, "no shared key anywhere");
        const diag = one(run(env), T.diag, "loom-environment-diagnostics").inputs as Inputs;
        assert.equal(diag.resourceUri, (run(env).outputs.runtime as Inputs).environmentId);
        assert.match(diag.workspaceId, /\/workspaces\/loom-/);
        assert.deepEqual(diag.logs, [{ categoryGroup: "allLogs", enabled: true }]);
      }
    });

    it("is internal behind the gateway, public in dev, zone-redundant in prod only", () => {
      const e = (env: Env) => one(run(env), T.env).inputs as Inputs;
      assert.deepEqual(
        (["dev", "staging", "prod"] as const).map((env) => [e(env).vnetConfiguration.internal, e(env).zoneRedundant]),
        [
          [false, false],
          [true, false],
          [true, true],
        ],
      );
    });

    it("resolves the internal environment's apps inside the VNet: a private zone for its domain, * → its static IP", () => {
      assert.equal(ofType(run("dev"), T.zone).length, 0);
      for (const env of ["staging", "prod"] as const) {
        const domain = environmentDomain(`loom-${env}-apps`, "westeurope");
        assert.deepEqual(one(run(env), T.zone).inputs.privateZoneName, domain);
        assert.equal(one(run(env), T.zone).inputs.location, "global");
        const link = one(run(env), T.link).inputs as Inputs;
        assert.deepEqual([link.privateZoneName, link.registrationEnabled], [domain, false]);
        assert.match(link.virtualNetwork.id, /virtualNetworks\/loom-prod-vnet$/);
        const record = one(run(env), T.record).inputs as Inputs;
        assert.deepEqual(
          [record.relativeRecordSetName, record.recordType, record.aRecords],
          ["*", "A", [{ ipv4Address: "10.0.16.4" }]],
        );
      }
    });
  });

  describe("web and worker", () => {
    it("run from the pinned image with the profile's sizes and commands", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const p = PROFILES[env];
        for (const tier of ["web", "worker"] as const) {
          const c = containerOf(app(run(env), tier));
          assert.equal(c.image, IMAGE);
          assert.deepEqual(c.resources, { cpu: p[tier].cpu, memory: `${p[tier].memoryMiB / 1024}Gi` });
          assert.equal(app(run(env), tier).inputs.workloadProfileName, "Consumption");
        }
      }
      assert.deepEqual(containerOf(app(run("dev"), "web")).command, ["loom", "serve"]);
      assert.deepEqual(containerOf(app(run("dev"), "worker")).command, ["loom", "worker"]);
    });

    it("scales between the profile's bounds, with rules only where autoscaling is on", () => {
      const scale = (env: Env, tier: string) => (app(run(env), tier).inputs as Inputs).template.scale;
      const bounds = (env: Env, tier: string) => [scale(env, tier).minReplicas, scale(env, tier).maxReplicas];
      assert.deepEqual(bounds("dev", "web"), [1, 1]);
      assert.deepEqual(bounds("staging", "web"), [2, 4]);
      assert.deepEqual(bounds("prod", "web"), [3, 12]);
      assert.deepEqual(bounds("dev", "worker"), [1, 1]);
      assert.deepEqual(bounds("staging", "worker"), [1, 4]);
      assert.deepEqual(bounds("prod", "worker"), [2, 20]);
      assert.deepEqual(scale("dev", "web").rules, []);
      assert.deepEqual(scale("dev", "worker").rules, []);
      assert.deepEqual(scale("prod", "web").rules, [
        { name: "http-concurrency", http: { metadata: { concurrentRequests: "17" } } },
        { name: "cpu", custom: { type: "cpu", metadata: { type: "Utilization", value: "60" } } },
      ]);
    });

    it("scales the worker on the review queue with KEDA's redis scaler over TLS, password from Key Vault", () => {
      for (const env of ["staging", "prod"] as const) {
        const a = app(run(env), "worker").inputs as Inputs;
        assert.deepEqual(a.template.scale.rules, [
          {
            name: "review-queue",
            custom: {
              type: "redis",
              metadata: {
                address: "loom-prod-cache.westeurope.redis.azure.net:10000",
                listName: REVIEW_QUEUE_LIST,
                listLength: String(PROFILES[env].worker.jobsPerWorker),
                enableTLS: "true",
              },
              auth: [{ secretRef: "redis-password", triggerParameter: "password" }],
            },
          },
        ]);
        assert.ok(
          a.configuration.secrets.some((x: Inputs) => x.name === "redis-password"),
          "the scaler's secret is one of the worker's",
        );
      }
    });

    it("serves HTTPS only on web (target port = app port), no ingress on the worker", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const ingress = (app(run(env), "web").inputs as Inputs).configuration.ingress;
        assert.deepEqual(
          [ingress.external, ingress.allowInsecure, ingress.targetPort, ingress.transport],
          [true, false, 8080, "http"],
        );
        assert.equal((app(run(env), "worker").inputs as Inputs).configuration.ingress, undefined);
      }
    });

    it("probes over HTTP: web startup, liveness and readiness; worker startup and liveness", () => {
      const types = (env: Env, tier: string) =>
        (containerOf(app(run(env), tier)).probes ?? []).map((p) => [p.type, p.httpGet.path, p.httpGet.port]);
      assert.deepEqual(types("prod", "web"), [
        ["Startup", "/healthz", 8080],
        ["Liveness", "/healthz", 8080],
        ["Readiness", "/readyz", 8080],
      ]);
      assert.deepEqual(types("prod", "worker"), [
        ["Startup", "/healthz", 8080],
        ["Liveness", "/healthz", 8080],
      ]);
    });

    it("gives the worker 120 s to finish a review after SIGTERM, web 60 s", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        assert.equal((app(run(env), "worker").inputs as Inputs).template.terminationGracePeriodSeconds, 120);
        assert.equal((app(run(env), "web").inputs as Inputs).template.terminationGracePeriodSeconds, 60);
      }
    });

    it("binds loom:domain with a managed certificate in dev only", () => {
      assert.deepEqual((app(run("dev"), "web").inputs as Inputs).configuration.ingress.customDomains, [
        { name: "loom.example.com", bindingType: "Auto" },
      ]);
      const cert = one(run("dev"), T.cert).inputs as Inputs;
      assert.deepEqual(cert.properties, { subjectName: "loom.example.com", domainControlValidation: "CNAME" });
      assert.equal(cert.environmentName, "loom-dev-apps");
      for (const env of ["staging", "prod"] as const) {
        assert.equal(ofType(run(env), T.cert).length, 0);
        assert.equal((app(run(env), "web").inputs as Inputs).configuration.ingress.customDomains, undefined);
      }
    });
  });

  describe("secrets and identity", () => {
    it("creates the app's own secrets in Key Vault with a placeholder (ACA refuses empty), never overwritten", () => {
      for (const env of ["dev", "prod"] as const) {
        const s = one(run(env), T.secret, "loom-app-secret-llm-api-key");
        assert.equal(s.inputs.secretName, "llm-api-key");
        assert.deepEqual(s.inputs.properties, { value: APP_SECRET_PLACEHOLDER, contentType: "text/plain" });
        assert.notEqual(APP_SECRET_PLACEHOLDER, "");
        assert.match(s.inputs.vaultName as string, /^kv-loom-/);
        assert.deepEqual(runs[env].ignores.get(`${T.secret}::loom-app-secret-llm-api-key`), ["properties", "tags"]);
        assert.equal(s.protect, env === "prod");
      }
    });

    it("gives each workload a user-assigned identity holding Key Vault Secrets User on each secret it reads", () => {
      for (const env of ["dev", "prod"] as const) {
        assert.deepEqual(
          ofType(run(env), T.identity)
            .filter((r) => /^loom-(web|worker|migrate)-identity$/.test(r.name))
            .map((r) => r.inputs.resourceName),
          [`loom-${env}-web`, `loom-${env}-worker`, `loom-${env}-migrate`],
        );
        const vaultId = run(env).outputs.vaultId as string;
        const insights = `loom-${env}-insights-connection`;
        // Scope: the secret, never the vault (which also holds the database's password administrator).
        const expected: Record<string, [string, string][]> = {
          web: [
            ["applicationinsights-connection-string", insights],
            ["database-password", "database-password"],
            ["database-user", "database-user"],
            ["llm-api-key", "llm-api-key"],
            ["redis-password", "cache-access-key"],
          ],
          migrate: [
            ["applicationinsights-connection-string", insights],
            ["database-password", "database-password"],
            ["database-user", "database-user"],
          ],
        };
        expected.worker = expected.web as [string, string][];
        for (const w of ["web", "worker", "migrate"]) {
          const grants = ofType(run(env), T.role).filter((r) => r.name.startsWith(`loom-${w}-reads-`));
          assert.deepEqual(
            grants.map((r) => [r.name, r.inputs.scope]),
            (expected[w] ?? []).map(([env, secret]) => [`loom-${w}-reads-${env}`, `${vaultId}/secrets/${secret}`]),
          );
          const principal = uuid(
            `principal/${rg(env)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-${env}-${w}`,
          );
          for (const r of grants) {
            assert.equal(r.inputs.principalId, principal);
            assert.equal(r.inputs.principalType, "ServicePrincipal");
            assert.match(r.inputs.roleDefinitionId as string, new RegExp(`/roleDefinitions/${SECRETS_USER}$`));
          }
        }
        assert.equal(
          ofType(run(env), T.role).filter(
            (r) => /^loom-(web|worker|migrate)-/.test(r.name) && r.inputs.scope === vaultId,
          ).length,
          0,
          "no workload holds a grant on the whole vault",
        );
        for (const tier of ["web", "worker"]) {
          const identity = (app(run(env), tier).inputs as Inputs).identity;
          assert.equal(identity.type, "UserAssigned");
          assert.match(identity.userAssignedIdentities[0], new RegExp(`/userAssignedIdentities/loom-${env}-${tier}$`));
        }
      }
    });

    it("references every secret in Key Vault with the workload's identity and reads it with secretRef", () => {
      const a = app(run("prod"), "web").inputs as Inputs;
      const identity = a.identity.userAssignedIdentities[0];
      const vault = one(run("prod"), "azure-native:keyvault:Vault").inputs.vaultName;
      assert.deepEqual(a.configuration.secrets, [
        // The platform's Application Insights connection string (its name reads as a credential; it holds no key).
        {
          name: "applicationinsights-connection-string",
          keyVaultUrl: `https://${vault}.vault.azure.net/secrets/loom-prod-insights-connection`,
          identity,
        },
        { name: "database-password", keyVaultUrl: `${VAULT}/database-password`, identity },
        { name: "database-user", keyVaultUrl: `${VAULT}/database-user`, identity },
        { name: "llm-api-key", keyVaultUrl: `https://${vault}.vault.azure.net/secrets/llm-api-key`, identity },
        { name: "redis-password", keyVaultUrl: `${VAULT}/cache-access-key`, identity },
      ]);
      const env = envOf(containerOf(app(run("prod"), "web")));
      assert.deepEqual(
        [env.DATABASE_USER, env.DATABASE_PASSWORD, env.REDIS_PASSWORD, env.LLM_API_KEY],
        ["ref:database-user", "ref:database-password", "ref:redis-password", "ref:llm-api-key"],
      );
      assert.equal(env.DATABASE_HOST, "loom-prod-db.postgres.database.azure.com");
      assert.equal(env.OTEL_SERVICE_NAME, "loom-web");
      assert.equal(env.OTEL_TRACES_SAMPLER_ARG, "0.05");
      assert.equal(env.APPLICATIONINSIGHTS_CONNECTION_STRING, "ref:applicationinsights-connection-string");
    });

    it("lets every workload write to Application Insights with its identity (local auth is off)", () => {
      const insights = one(run("prod"), "azure-native:applicationinsights:Component").inputs as Inputs;
      assert.equal(insights.disableLocalAuth, true);
      assert.equal(insights.ingestionMode, "LogAnalytics");
      for (const w of ["web", "worker", "migrate"]) {
        const grant = one(run("prod"), "azure-native:authorization:RoleAssignment", `loom-${w}-telemetry-writer`)
          .inputs as Inputs;
        assert.match(String(grant.roleDefinitionId), /\/roleDefinitions\/3913510d-42f4-4e42-8a64-420c390055eb$/);
        assert.match(String(grant.scope), /\/providers\/Microsoft\.Insights\/components\/loom-prod-insights$/);
        assert.equal(grant.principalType, "ServicePrincipal");
      }
    });

    it("refuses a secret Output as a plain env value and a multi-value secret ref", async () => {
      await assert.rejects(
        build("dev", { env: { LOOM_GREETING: pulumi.secret("fake-not-a-secret") } }),
        /LOOM_GREETING: secret values would be stored in plain text/,
      );
      await assert.rejects(
        build("dev", { secrets: { DATABASE_USER: { id: `${VAULT}/x`, key: "user" } } }),
        /holds one value/,
      );
    });
  });

  describe("migrate", () => {
    it("is a manual Container Apps job: one replica, at most one retry, bounded, in the environment", () => {
      for (const env of ["dev", "prod"] as const) {
        const j = one(run(env), T.job, "loom-migrate").inputs as Inputs;
        assert.equal(j.environmentId, (run(env).outputs.runtime as Inputs).environmentId);
        assert.deepEqual(
          [j.configuration.triggerType, j.configuration.replicaRetryLimit, j.configuration.replicaTimeout],
          ["Manual", 1, 1800],
        );
        assert.deepEqual(j.configuration.manualTriggerConfig, { parallelism: 1, replicaCompletionCount: 1 });
        assert.equal(ofType(run(env), T.group).length, 0);
      }
      assert.equal(
        run("prod").outputs.migrate,
        "az containerapp job start --name loom-prod-migrate --resource-group loom-prod",
      );
    });

    it("gets only the database's secrets and connects on 5432 past PgBouncer", () => {
      const j = one(run("prod"), T.job, "loom-migrate").inputs as Inputs;
      assert.deepEqual(
        j.configuration.secrets.map((x: Inputs) => x.name),
        // The database's credentials, and the telemetry connection every workload gets.
        ["applicationinsights-connection-string", "database-password", "database-user"],
      );
      const env = envOf(j.template.containers[0]);
      assert.equal(env.DATABASE_PORT, "5432");
      assert.equal(env.REDIS_PASSWORD, undefined);
      assert.equal(env.LLM_API_KEY, undefined);
      assert.equal(envOf(containerOf(app(run("prod"), "web"))).DATABASE_PORT, "6432");
    });

    it("runs as a Container Instances group with migrateRunner aci: private subnet, Never, no secret value", async () => {
      await assert.rejects(
        build("staging", {}, azureTarget({ migrateRunner: "aci" })),
        /delegated to Microsoft\.ContainerInstance/,
      );
      const aci = await build("staging", {}, azureTarget({ migrateRunner: "aci" }), true);
      const g = one(aci.run, T.group, "loom-migrate").inputs as Inputs;
      assert.deepEqual([g.restartPolicy, g.osType, g.ipAddress], ["Never", "Linux", undefined]);
      assert.deepEqual(g.subnetIds, [{ id: `${SUBNETS}/container-groups` }]);
      assert.equal(g.identity.type, "UserAssigned");
      const c = g.containers[0];
      assert.deepEqual(c.command.slice(0, 2), ["sh", "-c"]);
      assert.deepEqual(c.command.slice(3), ["migrate", "loom", "migrate"]);
      const env = Object.fromEntries(c.environmentVariables.map((e: Inputs) => [e.name, e.value]));
      assert.equal(env.DATABASE_PASSWORD_KEYVAULT_URI, `${VAULT}/database-password`);
      assert.equal(env.DATABASE_PORT, "5432");
      assert.equal(env.DATABASE_PASSWORD, undefined);
      assert.ok(c.environmentVariables.every((e: Inputs) => e.secureValue === undefined));
      assert.deepEqual(c.resources, { requests: { cpu: 0.5, memoryInGB: 1 } });
      assert.equal(ofType(aci.run, T.job).length, 0);
      assert.equal(
        aci.run.outputs.migrate,
        "az container start --name loom-staging-migrate --resource-group loom-staging",
      );
    });

    it("reads each secret with the identity's IMDS token before it execs the migration", () => {
      const script = keyVaultFetchScript(["DATABASE_PASSWORD"]);
      assert.match(script, /resource=https%3A%2F%2Fvault\.azure\.net&client_id=\$AZURE_CLIENT_ID/);
      assert.match(
        script,
        /DATABASE_PASSWORD=\$\(curl -sf -H "Authorization: Bearer \$T" "\$DATABASE_PASSWORD_KEYVAULT_URI\?api-version=7\.4"/,
      );
      assert.match(script, /export DATABASE_PASSWORD\nexec "\$@"$/);
    });
  });

  describe("outputs and checks", () => {
    it("serves https://<domain>, hands Observability the app ids and Backups the environment", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const out = run(env).outputs as Inputs;
        assert.equal(out.url, "https://loom.example.com");
        assert.equal(out.monitoring.cloud, "azure");
        assert.match(out.monitoring.webAppId, new RegExp(`/containerApps/loom-${env}-web$`));
        assert.match(out.monitoring.workerAppId, new RegExp(`/containerApps/loom-${env}-worker$`));
        assert.match(out.monitoring.migrateId, new RegExp(`/jobs/loom-${env}-migrate$`));
        assert.equal(out.monitoring.gatewayId === undefined, env === "dev");
        assert.equal(out.runtime.environmentName, `loom-${env}-apps`);
        assert.match(out.runtime.environmentId, new RegExp(`/managedEnvironments/loom-${env}-apps$`));
      }
      const dev = run("dev").outputs as Inputs;
      assert.equal(dev.edgeHostname, `loom-dev-web.${environmentDomain("loom-dev-apps", "westeurope")}`);
    });

    it("allow-lists narrower ingressCidrs on web's ingress without the gateway", async () => {
      const narrow = await build("dev", { ingressCidrs: ["198.51.100.0/24"] });
      assert.deepEqual((app(narrow.run, "web").inputs as Inputs).configuration.ingress.ipSecurityRestrictions, [
        { name: "allow-1", action: "Allow", ipAddressRange: "198.51.100.0/24" },
      ]);
      assert.equal((app(run("dev"), "web").inputs as Inputs).configuration.ingress.ipSecurityRestrictions, undefined);
    });

    it("writes the domain's verification TXT and CNAME when the target has a DNS zone", async () => {
      const zoned = await build("dev", {}, azureTarget({ dnsZone: { resourceGroup: "dns", name: "example.com" } }));
      const records = ofType(zoned.run, T.dns).map((r) => [r.inputs.relativeRecordSetName, r.inputs.recordType]);
      assert.deepEqual(records, [
        ["asuid.loom", "TXT"],
        ["loom", "CNAME"],
      ]);
      assert.equal(ofType(run("dev"), T.dns).length, 0);
    });

    it("refuses a WAF without the gateway and an unpinned image", async () => {
      await assert.rejects(build("dev", { waf: true }), /needs loadBalancer on Azure/);
      await assert.rejects(build("dev", { image: "loomacr.azurecr.io/loom:latest" }), /must be pinned/);
    });
  });
});
