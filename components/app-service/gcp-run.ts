/**
 * Cloud Run (Admin API v2) resources of the GCP AppService: the `web` and `worker` services and the `migrate` job,
 * from one pinned image, each with its own service account (gcp-identity.ts), Direct VPC egress through the app
 * subnet with the app tier's network tag, and configuration as plain `env` values plus Secret Manager references
 * (`valueSource.secretKeyRef`, version `latest`), never a secret literal.
 *
 * Web and worker at 1 vCPU or more carry Google's Managed Service for Prometheus sidecar (run-gmp-sidecar): its
 * built-in configuration scrapes the app's /metrics on port 8080 every 30 s and writes `prometheus.googleapis.com`
 * series labelled `namespace=<service name>`, which Observability's Cloud Monitoring queries read
 * (observability/catalog/cloud-monitoring.ts). Below 1 vCPU (web in dev and staging) there is none: such a revision
 * is first-generation and request-billed, where the sidecar's scrapes between requests would be throttled (Google
 * recommends instance-based billing for it); web's HTTP signals come from Cloud Run's own request metrics. Traces go over OTLP/HTTP straight to Google's Telemetry API
 * (Cloud Trace); logs are stdout, which Cloud Run writes to Cloud Logging.
 */
import { Job } from "@pulumi/gcp/cloudrunv2/job";
import { Service } from "@pulumi/gcp/cloudrunv2/service";
import type { cloudrunv2 } from "@pulumi/gcp/types/input";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { CLOUD_SQL_DIRECT_PORT } from "../lib/gcp";
import type { SecretRef } from "../lib/secrets";
import { otelEnv } from "../lib/telemetry";
import type { Identity } from "./gcp-identity";
import type { AppScope } from "./gcp-scope";
import { CLOUD_RUN_RESERVED_ENV, type CloudRunSize, cloudRunName, cloudRunScaling } from "./gcp-sizing";
import type { Trust } from "./gcp-trust";
import { databaseEnvFor, type Workload } from "./workload-secrets";

/** Google's OTLP endpoint (Telemetry API); the SDK appends /v1/traces and authenticates with the instance's identity. */
export const GCP_OTLP_ENDPOINT = "https://telemetry.googleapis.com";
/** Managed Service for Prometheus sidecar for Cloud Run, pinned. */
export const GMP_SIDECAR_IMAGE =
  "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0";
export const GMP_SIDECAR_NAME = "collector";
/** What the sidecar's built-in configuration scrapes (a different port or path would need a custom RunMonitoring). */
export const GMP_BUILTIN_SCRAPE = { port: 8080, path: "/metrics" } as const;
/** Requests longer than this are cut (the AWS ALB's idle timeout is the same 60 s). */
export const WEB_REQUEST_TIMEOUT = "60s";
/** A migration attempt that runs longer than this is stopped (the Kubernetes Job's deadline is the same). */
export const MIGRATE_TIMEOUT = "1800s";

type EnvVar = { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } };

/**
 * The environment of `workload`: `args.env` as plain values (minus the variables Cloud Run sets itself on a
 * service), the OTEL_* contract, then each secret as a `secretKeyRef` to its latest version; sorted by name.
 * Fails when a plain value is a secret Output: it would be stored in plain text in the revision.
 */
export function containerEnv(
  s: AppScope,
  workload: Workload,
  secrets: Record<string, SecretRef>,
  extra: Record<string, pulumi.Input<string>> = {},
): pulumi.Output<EnvVar[]> {
  const { args } = s;
  const port = args.env.PORT;
  if (typeof port === "string" && port !== String(args.app.port)) {
    invalid("env.PORT", `is ${port}, but Cloud Run sets PORT to the container port app.port (${args.app.port})`);
  }
  const reserved: readonly string[] = workload === "migrate" ? [] : CLOUD_RUN_RESERVED_ENV;
  // The workload's own database login: DATABASE_AUTH, and DATABASE_USER (its IAM user) for a token login.
  const login = databaseEnvFor(workload, args.database);
  const plain = Object.entries({ ...args.env, ...login, ...extra }).filter(([k]) => !reserved.includes(k));
  const otel = otelEnv({
    endpoint: GCP_OTLP_ENDPOINT,
    service: `loom-${workload}`,
    environment: args.context.environment,
    sampleRatio: args.traceSampleRatio,
    exporter: "otlp",
    metricsExporter: "none",
    logsExporter: "none",
  });
  const leaked = Promise.all(
    plain.map(async ([k, v]) =>
      pulumi.Output.isInstance(v) && (await pulumi.isSecret(v as pulumi.Output<string>)) ? k : undefined,
    ),
  );
  const values = pulumi.all(plain.map(([name, value]) => pulumi.all([name, value])));
  const refs = pulumi.all(Object.entries(secrets).map(([name, ref]) => pulumi.all([name, ref.id])));
  return pulumi.all([pulumi.output(leaked), values, refs]).apply(([bad, kv, secretKv]) => {
    const names = bad.filter((k): k is string => k !== undefined).sort();
    if (names.length > 0) {
      throw new Error(
        `AppService env ${names.join(", ")}: secret values would be stored in plain text in the Cloud Run revision; pass them in \`secrets\``,
      );
    }
    // Migrations take an advisory lock and set session state: a transaction pooler would break both, so migrate
    // connects to the instance directly on 5432 (today every workload does: the Database builds no pooler, gcp.ts).
    const direct =
      workload === "migrate" ? kv.map(([k, v]) => [k, k === "DATABASE_PORT" ? String(CLOUD_SQL_DIRECT_PORT) : v]) : kv;
    const list: EnvVar[] = [
      ...direct.map(([name, value]) => ({ name: name as string, value: value as string })),
      ...Object.entries(otel).map(([name, value]) => ({ name, value: value as string })),
      ...secretKv.map(([name, secret]) => ({ name, valueSource: { secretKeyRef: { secret, version: "latest" } } })),
    ];
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}

/** Direct VPC egress (no connector VMs): every packet through the app subnet, tagged with the app tier. */
export function vpcAccess(s: AppScope): cloudrunv2.ServiceTemplateVpcAccess {
  return {
    networkInterfaces: [
      { network: s.placement.networkName, subnetwork: s.placement.appSubnetwork, tags: [s.args.network.tiers.app] },
    ],
    // All egress through the VPC, so Cloud NAT (network component) and the tier firewall rules apply to it.
    egress: "ALL_TRAFFIC",
  };
}

/**
 * Startup and liveness over HTTP on the app port: Cloud Run has no exec probes, so the worker serves its
 * heartbeat on the same health path (`loom worker` listens on PORT).
 */
export function probes(s: AppScope): Pick<cloudrunv2.ServiceTemplateContainer, "startupProbe" | "livenessProbe"> {
  const httpGet = { path: s.args.app.healthPath, port: s.args.app.port };
  return {
    startupProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 24 },
    livenessProbe: { httpGet, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/** The Prometheus sidecar (from 1 vCPU, always allocated like its app container); it starts after the app. */
function metricsSidecar(workload: Workload, size: CloudRunSize): cloudrunv2.ServiceTemplateContainer[] {
  if (size.vcpu < 1) return [];
  return [
    {
      name: GMP_SIDECAR_NAME,
      image: GMP_SIDECAR_IMAGE,
      dependsOns: [workload],
      resources: { limits: { cpu: "500m", memory: "256Mi" }, cpuIdle: size.cpuIdle },
    },
  ];
}

export interface ServiceSpec {
  workload: "web" | "worker";
  size: CloudRunSize;
  identity: Identity;
  secrets: Record<string, SecretRef>;
  /** INGRESS_TRAFFIC_ALL (dev, built-in URL), …_INTERNAL_LOAD_BALANCER (behind the LB), …_INTERNAL_ONLY (worker). */
  ingress: string;
  /** The stack's server CAs as a mounted file (gcp-trust.ts), when the platform must provide them. */
  trust?: Trust;
}

/** A Cloud Run service: instance bounds, size, probes, the metrics sidecar, own identity, VPC egress. */
export function cloudRunService(s: AppScope, spec: ServiceSpec): Service {
  const { args } = s;
  const { workload, size } = spec;
  if (args.app.port !== GMP_BUILTIN_SCRAPE.port || args.app.metricsPath !== GMP_BUILTIN_SCRAPE.path) {
    invalid(
      "app",
      `port ${args.app.port} and metricsPath ${args.app.metricsPath}: on GCP the Prometheus sidecar's built-in configuration scrapes port ${GMP_BUILTIN_SCRAPE.port} at ${GMP_BUILTIN_SCRAPE.path}`,
    );
  }
  const tier = args[workload];
  return new Service(
    `${s.name}-${workload}`,
    {
      project: s.project,
      location: s.region,
      name: cloudRunName(s.prefix, workload),
      ingress: spec.ingress,
      // Every caller passes an IAM check (web's public invoker is an explicit allUsers grant).
      invokerIamDisabled: false,
      deletionProtection: args.deletionProtection,
      scaling: cloudRunScaling(workload, tier, args.autoscaling),
      labels: s.labels,
      template: {
        serviceAccount: spec.identity.account.email,
        executionEnvironment: size.executionEnvironment,
        maxInstanceRequestConcurrency: size.concurrency,
        timeout: WEB_REQUEST_TIMEOUT,
        vpcAccess: vpcAccess(s),
        labels: s.labels,
        ...(spec.trust ? { volumes: [spec.trust.volume] } : {}),
        containers: [
          {
            name: workload,
            image: args.image,
            commands: tier.command,
            ports: { containerPort: args.app.port, name: "http1" },
            envs: containerEnv(s, workload, spec.secrets, spec.trust?.env),
            ...(spec.trust ? { volumeMounts: [spec.trust.mount] } : {}),
            resources: {
              limits: { cpu: size.cpu, memory: size.memory },
              cpuIdle: size.cpuIdle,
              startupCpuBoost: true,
            },
            ...probes(s),
          },
          ...metricsSidecar(workload, size),
        ],
      },
    },
    s.opts(false, { dependsOn: spec.identity.grants }),
  );
}

/** The one-off migration job: one task, never in parallel, bounded per attempt, same egress as web. */
export function migrateJob(
  s: AppScope,
  size: CloudRunSize,
  identity: Identity,
  secrets: Record<string, SecretRef>,
  trust?: Trust,
): Job {
  const { args } = s;
  return new Job(
    `${s.name}-migrate`,
    {
      project: s.project,
      location: s.region,
      name: cloudRunName(s.prefix, "migrate"),
      deletionProtection: args.deletionProtection,
      labels: s.labels,
      template: {
        taskCount: 1,
        parallelism: 1,
        labels: s.labels,
        template: {
          serviceAccount: identity.account.email,
          executionEnvironment: size.executionEnvironment,
          timeout: MIGRATE_TIMEOUT,
          // As the Kubernetes Job (backoffLimit 3): migrations are idempotent (applied ones are skipped under the
          // migration lock), and Google advises ≥ 3 because a task can be marked retried after a success.
          maxRetries: 3,
          vpcAccess: vpcAccess(s),
          ...(trust ? { volumes: [trust.volume] } : {}),
          containers: [
            {
              name: "migrate",
              image: args.image,
              commands: args.migrateCommand,
              envs: containerEnv(s, "migrate", secrets, trust?.env),
              ...(trust ? { volumeMounts: [trust.mount] } : {}),
              resources: { limits: { cpu: size.cpu, memory: size.memory } },
            },
          ],
        },
      },
    },
    s.opts(false, { dependsOn: identity.grants }),
  );
}
