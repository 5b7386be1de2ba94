/**
 * The web and worker Container Apps of the Azure AppService, from one pinned image, each on the Consumption
 * profile with its own user-assigned identity (azure-identity.ts), configuration as plain `env` values plus Key
 * Vault references (`configuration.secrets[{keyVaultUrl, identity}]`, env `secretRef`), never a secret literal.
 *
 * - Ingress: web only, HTTPS (allowInsecure false: HTTP is redirected), target port = app.port. Web's ingress is
 *   `external` in every environment: in the internal environment of staging and prod that means "reachable from
 *   the VNet" (the Application Gateway's subnet) and nothing else; `external: false` would limit it to the
 *   environment itself and cut the gateway off. In dev (no gateway) the environment is public and web serves
 *   `loom:domain` with a managed certificate (azure-domain.ts). The worker has no ingress at all.
 * - Probes: Startup, Liveness (health path) and Readiness (readiness path) over HTTP on the app port — Container
 *   Apps has no exec probes, so the worker serves its heartbeat on the health path (`loom worker` listens on PORT).
 * - Shutdown: web 60 s, worker 120 s between SIGTERM and SIGKILL (finish or re-enqueue a review, as on AWS).
 * - Telemetry: the OTEL_* contract (lib/telemetry.ts) with every exporter `none` — Container Apps has no OTLP
 *   endpoint of its own and the stack deploys no collector or Application Insights resource on Azure yet; trace
 *   context is still propagated so log lines keep their trace ids. Logs are stdout (the environment's
 *   ContainerAppConsoleLogs in the workspace).
 */
import { ContainerApp } from "@pulumi/azure-native/app/containerApp";
import type { ManagedEnvironment } from "@pulumi/azure-native/app/managedEnvironment";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import { otelEnv } from "../lib/telemetry";
import { type AppScope, containerSecrets, type Identity } from "./azure-identity";
import {
  CONSUMPTION,
  type ContainerAppSize,
  containerAppName,
  replicaBounds,
  type ScaleRule,
  webScaleRules,
  workerScaleRule,
} from "./azure-sizing";
import { databaseEnvFor, type Workload } from "./workload-secrets";

/** SIGTERM → SIGKILL per workload (Container Apps' maximum is 600 s). */
export const GRACE_SECONDS = { web: 60, worker: 120 } as const;
/** PostgreSQL's own port: migrate bypasses PgBouncer (6432) for its advisory lock and session state. */
export const POSTGRES_DIRECT_PORT = 5432;

type PlainEnv = { name: string; value: string };
type EnvVar = PlainEnv | { name: string; secretRef: string };

/**
 * The environment of `workload`: `args.env` (+ `extra`) as plain values, the OTEL_* contract, then `secretEnv`;
 * sorted by name. Fails when a plain value is a secret Output: it would be stored in plain text in the revision.
 */
export function containerEnv(
  s: AppScope,
  workload: Workload,
  secretEnv: { name: string; secretRef: string }[],
  extra: Record<string, pulumi.Input<string>> = {},
): pulumi.Output<EnvVar[]> {
  const { args } = s;
  const plain = Object.entries({ ...args.env, ...extra });
  const otel = otelEnv({
    endpoint: "",
    service: `loom-${workload}`,
    environment: args.context.environment,
    sampleRatio: args.traceSampleRatio,
    exporter: "none",
    metricsExporter: "none",
    logsExporter: "none",
  });
  const leaked = Promise.all(
    plain.map(async ([k, v]) =>
      pulumi.Output.isInstance(v) && (await pulumi.isSecret(v as pulumi.Output<string>)) ? k : undefined,
    ),
  );
  const values = pulumi.all(plain.map(([name, value]) => pulumi.all([name, value])));
  return pulumi.all([pulumi.output(leaked), values]).apply(([bad, kv]) => {
    const names = bad.filter((k): k is string => k !== undefined).sort();
    if (names.length > 0) {
      throw new Error(
        `AppService env ${names.join(", ")}: secret values would be stored in plain text in the Container Apps revision; pass them in \`secrets\``,
      );
    }
    // The migration's advisory lock and session state need PostgreSQL itself, not the transaction pooler.
    const direct =
      workload === "migrate" ? kv.map(([k, v]) => [k, k === "DATABASE_PORT" ? String(POSTGRES_DIRECT_PORT) : v]) : kv;
    const list: EnvVar[] = [
      ...direct.map(([name, value]) => ({ name: name as string, value: value as string })),
      ...Object.entries(otel).map(([name, value]) => ({ name, value: value as string })),
      ...secretEnv,
    ];
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}

/**
 * The plain env of `workload`'s database login (DATABASE_AUTH, and DATABASE_USER of a token login) and, with an
 * Entra login, AZURE_CLIENT_ID: the workload's identity, the one the Azure SDK asks a database token for (a replica
 * may see more than one identity). Empty without a database.
 */
export function loginEnv(s: AppScope, workload: Workload, identity: Identity): Record<string, pulumi.Input<string>> {
  const env = databaseEnvFor(workload, s.args.database);
  return env.DATABASE_AUTH === "azure-entra" ? { ...env, AZURE_CLIENT_ID: identity.identity.clientId } : env;
}

/** Startup, liveness and (web) readiness over HTTP on the app port. */
export function probes(s: AppScope, workload: "web" | "worker") {
  const { port, healthPath, readinessPath } = s.args.app;
  const list = [
    { type: "Startup", httpGet: { path: healthPath, port }, periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 24 },
    {
      type: "Liveness",
      httpGet: { path: healthPath, port },
      periodSeconds: 15,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
  ];
  if (workload === "web") {
    list.push({
      type: "Readiness",
      httpGet: { path: readinessPath, port },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
  }
  return list;
}

/** Scale rules with autoscaling: web on HTTP concurrency and CPU, worker on the review queue. */
export function scaleRules(s: AppScope, workload: "web" | "worker", secretNames: Record<string, string>): ScaleRule[] {
  const { args } = s;
  if (!args.autoscaling) return [];
  if (workload === "web") return webScaleRules(args.web.targetRequestsPerTarget, args.web.targetCpuPercent);
  const password = secretNames.REDIS_PASSWORD;
  if (password === undefined || args.env.REDIS_HOST === undefined) {
    invalid("secrets.REDIS_PASSWORD", "the worker's queue scaler needs the cache's REDIS_HOST and REDIS_PASSWORD");
  }
  const address = pulumi.interpolate`${args.env.REDIS_HOST}:${args.env.REDIS_PORT ?? "10000"}`;
  return [workerScaleRule(address as unknown as string, args.worker.jobsPerWorker, password)];
}

export interface AppSpec {
  workload: "web" | "worker";
  environment: ManagedEnvironment;
  size: ContainerAppSize;
  identity: Identity;
  secrets: Record<string, SecretRef>;
  /** Web's ingress extras (dev: the custom domain binding). */
  customDomains?: { name: string; bindingType: string }[];
  /** Web's client allow-list without the gateway (narrower `ingressCidrs`). */
  ipSecurityRestrictions?: { name: string; action: string; ipAddressRange: string }[];
  dependsOn?: pulumi.Resource[];
}

/** A Container App: replica bounds and rules, size, probes, grace period, own identity, Key Vault references. */
export function containerApp(s: AppScope, spec: AppSpec): ContainerApp {
  const { args } = s;
  const { workload } = spec;
  const tier = args[workload];
  const cs = containerSecrets(spec.secrets, spec.identity.identity.id);
  const ingress =
    workload === "web"
      ? {
          external: true,
          allowInsecure: false,
          targetPort: args.app.port,
          transport: "http",
          ...(spec.customDomains ? { customDomains: spec.customDomains } : {}),
          ...(spec.ipSecurityRestrictions ? { ipSecurityRestrictions: spec.ipSecurityRestrictions } : {}),
        }
      : undefined;
  return new ContainerApp(
    `${s.name}-${workload}`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      containerAppName: containerAppName(s.prefix, workload),
      environmentId: spec.environment.id,
      workloadProfileName: CONSUMPTION,
      identity: { type: "UserAssigned", userAssignedIdentities: [spec.identity.identity.id] },
      configuration: {
        activeRevisionsMode: "Single",
        secrets: cs.secrets,
        ...(ingress ? { ingress } : {}),
      },
      template: {
        terminationGracePeriodSeconds: GRACE_SECONDS[workload],
        scale: { ...replicaBounds(workload, tier, args.autoscaling), rules: scaleRules(s, workload, cs.names) },
        containers: [
          {
            name: workload,
            image: args.image,
            command: tier.command,
            env: containerEnv(s, workload, cs.env, loginEnv(s, workload, spec.identity)),
            resources: { cpu: spec.size.cpu, memory: spec.size.memory },
            probes: probes(s, workload),
          },
        ],
      },
      tags: s.tags,
    },
    s.opts(false, { dependsOn: [...spec.identity.grants, ...(spec.dependsOn ?? [])] }),
  );
}
