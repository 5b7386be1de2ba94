/**
 * The compose projects of the DigitalOcean droplet groups (pure: plain values in, specs for lib/do-compose.ts and
 * lib/do-cloud-init.ts out):
 * - web: `web` (`loom serve`) behind the `edge` proxy (do-edge-proxy.ts), the only publisher of ports;
 * - worker: `worker` (`loom worker`), no ports;
 * - jobs: the OpenTelemetry collector (OTLP in from every app container, their metrics out on DO_PORTS.metrics for
 *   the monitor droplet's Prometheus) and `migrate` (`profiles: [migrate]`: never started by `up`, run by the
 *   migrateCommand), which connects to PostgreSQL directly on DO_PORTS.postgres — migrations take advisory locks and
 *   set session state, which the transaction-mode pool (DO_PORTS.pool) would break; and `db-roles` (the same profile,
 *   run by ansible/playbooks/migrate.yml right before migrate): the roles step (`loom db-roles`, lib/db-roles.ts)
 *   with the admin login, the only service that ever gets it.
 * Credentials never appear here: each service reads an env file (0400) the boot config assembles from the secret
 * files under /etc/loom/secrets; which service gets which follows workload-secrets.ts. The app's metrics and traces
 * reach the collector over OTLP (pool members have no fixed address to scrape). Metrics leave it on
 * DO_PORTS.metrics for the monitor droplet's Prometheus; traces (sampled by the profile, PII masked by
 * redaction.ts) are written as OTLP JSON under `traces/` in the logs bucket, so they expire with the logs
 * (DigitalOcean has no trace service). Logs are not exported over OTLP: journald → Vector → the logs bucket.
 */
import { stringify } from "yaml";
import type { AppContract } from "../lib/app-contract";
import { ROLES_COMMAND } from "../lib/db-roles";
import { DO_PORTS } from "../lib/digitalocean";
import type { ComposeProjectSpec, ComposeServiceSpec } from "../lib/do-compose";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, otelEnv } from "../lib/telemetry";
import { COLLECTOR_IMAGE, HEALTH_PORT, TELEMETRY_UID } from "../observability/otel-collector-config";
import { ottlSpanStatements, type Redaction } from "../observability/redaction";
import type { Workload } from "./workload-secrets";

export const COMPOSE_PROJECT = "loom";
/** docs/metrics.md: the app drains within 120 s of SIGTERM. */
export const APP_STOP_GRACE_S = 120;
/** Where the boot config writes each service's env file (assembled from the secret files). */
export const envFilePath = (service: string) => `/etc/loom/env/${service}.env`;
/** The server CA bundle (public), written by the boot config and mounted read-only (PGSSLROOTCERT, REDIS_CA_FILE). */
export const CA_FILE = { host: "/etc/loom/ca/server-cas.pem", container: "/etc/loom/ca/server-cas.pem" } as const;
export const COLLECTOR_FILE = { host: "/etc/loom/otelcol/config.yaml", container: "/etc/otelcol-contrib/config.yaml" };
export const COLLECTOR_SIZE = { cpus: 0.25, memoryMiB: 256 } as const;

export interface Tier {
  cpu: number;
  memoryMiB: number;
  command: string[];
}

export interface WorkloadInputs {
  image: string;
  app: AppContract;
  web: Tier;
  worker: Tier;
  migrateCommand: string[];
  environment: string;
  traceSampleRatio: number;
  /** The plain environment (args.env, resolved). */
  env: Record<string, string>;
  /** Secret key (file name under /etc/loom/secrets) by environment variable, per workload. */
  secrets: Record<Workload, Record<string, string>>;
  /** The OTLP/HTTP endpoint web and worker export to (`http://<jobs private ip>:4318`). */
  collectorEndpoint: string;
  /** A CA bundle is written beside the app (args.serverCas). */
  serverCas: boolean;
  /** Where the collector writes traces (the logs bucket) and which PII it masks in span attributes. */
  traces: TraceStore;
  /** Each workload's plain login env (DATABASE_AUTH; workload-secrets.ts databaseEnvFor). */
  loginEnv?: Partial<Record<Workload, Record<string, string>>>;
  /** The roles step (workload-secrets.ts rolesStepEnv, resolved): plain env and secret key by env var. */
  roles?: RolesInputs;
}

export interface RolesInputs {
  env: Record<string, string>;
  secrets: Record<string, string>;
}

/** The roles step's service (jobs droplet, profile migrate); small, and never running beside migrate. */
export const ROLES_SERVICE = "db-roles";
export const ROLES_SIZE = { cpus: 0.25, memoryMiB: 256 } as const;

export interface TraceStore {
  bucket: string;
  region: string;
  redaction: Redaction;
}

/** The collector's Spaces credentials (the logs bucket's key), as the AWS SDK reads them from its env file. */
export const COLLECTOR_SECRETS = {
  AWS_ACCESS_KEY_ID: "logs-access-key",
  AWS_SECRET_ACCESS_KEY: "logs-secret-key",
} as const;

/** What one service needs from the boot config besides its compose entry. */
export interface ServicePart {
  service: ComposeServiceSpec;
  /** env file path → { ENV_NAME: secret key } (BootSpec.envFiles). */
  envFiles: Record<string, Record<string, string>>;
}

const appUser = (app: AppContract) => `${app.runAsUser}:${app.runAsUser}`;

function appEnvironment(w: WorkloadInputs, workload: Workload, endpoint: string): Record<string, string> {
  const env = { ...w.env, ...(w.loginEnv?.[workload] ?? {}) };
  // Migrations bypass the pool: same host, PostgreSQL's own port.
  if (workload === "migrate" && "DATABASE_PORT" in env) env.DATABASE_PORT = String(DO_PORTS.postgres);
  const otel = otelEnv({
    endpoint,
    service: `loom-${workload}`,
    environment: w.environment,
    sampleRatio: w.traceSampleRatio,
    exporter: "otlp",
    metricsExporter: "otlp",
    logsExporter: "none",
  });
  const trust = w.serverCas ? { PGSSLROOTCERT: CA_FILE.container, REDIS_CA_FILE: CA_FILE.container } : {};
  return Object.fromEntries(Object.entries({ ...env, ...otel, ...trust }).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** One app service (web, worker or migrate) with its env file. */
export function appService(w: WorkloadInputs, workload: Workload, endpoint = w.collectorEndpoint): ServicePart {
  const tier = workload === "worker" ? w.worker : w.web;
  const secrets = w.secrets[workload];
  const hasSecrets = Object.keys(secrets).length > 0;
  const healthcheck =
    workload === "migrate"
      ? undefined
      : {
          test:
            workload === "web"
              ? ["CMD", "loom", "healthcheck", "--url", `http://127.0.0.1:${w.app.port}${w.app.healthPath}`]
              : ["CMD", "loom", "healthcheck", "--worker"],
          intervalS: 15,
          timeoutS: 5,
          retries: 3,
          startPeriodS: 30,
        };
  const service: ComposeServiceSpec = {
    name: workload,
    image: w.image,
    command: workload === "migrate" ? w.migrateCommand : tier.command,
    user: appUser(w.app),
    cpus: tier.cpu,
    memoryMiB: tier.memoryMiB,
    replicas: 1,
    environment: appEnvironment(w, workload, endpoint),
    ...(hasSecrets ? { envFiles: [envFilePath(workload)] } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    ...(w.serverCas ? { configs: [{ source: CA_FILE.host, target: CA_FILE.container }] } : {}),
    stopGraceS: workload === "migrate" ? 30 : APP_STOP_GRACE_S,
    ...(workload === "migrate" ? { profiles: ["migrate"], dependsOn: ["collector"] } : {}),
  };
  return { service, envFiles: hasSecrets ? { [envFilePath(workload)]: { ...secrets } } : {} };
}

/**
 * The roles step: the app image running ROLES_COMMAND with the admin login (its env file) and the roles SQL, on the
 * database's direct port (one transaction under an advisory lock: no pool). Only the DATABASE_* part of the app's
 * env and the CA bundle: it talks to nothing else. Sized to fit inside migrate's share (it runs first, alone).
 */
export function rolesService(w: WorkloadInputs, roles: RolesInputs): ServicePart {
  const db = Object.entries(w.env).filter(([k]) => k.startsWith("DATABASE_"));
  const env: Record<string, string> = Object.fromEntries(db);
  if ("DATABASE_PORT" in env) env.DATABASE_PORT = String(DO_PORTS.postgres);
  const trust = w.serverCas ? { PGSSLROOTCERT: CA_FILE.container } : {};
  const environment = { ...env, ...roles.env, ...trust };
  const service: ComposeServiceSpec = {
    name: ROLES_SERVICE,
    image: w.image,
    command: [...ROLES_COMMAND],
    user: appUser(w.app),
    cpus: Math.min(ROLES_SIZE.cpus, w.web.cpu),
    memoryMiB: Math.min(ROLES_SIZE.memoryMiB, w.web.memoryMiB),
    replicas: 1,
    environment: Object.fromEntries(Object.entries(environment).sort(([a], [b]) => (a < b ? -1 : 1))),
    envFiles: [envFilePath(ROLES_SERVICE)],
    ...(w.serverCas ? { configs: [{ source: CA_FILE.host, target: CA_FILE.container }] } : {}),
    stopGraceS: 30,
    profiles: ["migrate"],
  };
  return { service, envFiles: { [envFilePath(ROLES_SERVICE)]: { ...roles.secrets } } };
}

/**
 * The jobs droplet's collector: OTLP (gRPC, HTTP) in; metrics out as a Prometheus endpoint, traces into the logs
 * bucket. Plain text inside the VPC: only the app tag reaches the OTLP ports and only the monitor tag the metrics
 * port (the cloud firewall, network/).
 */
export function collectorConfig(t: TraceStore): Record<string, unknown> {
  const statements = ottlSpanStatements(t.redaction);
  const base = ["memory_limiter", "batch"];
  const traceProcessors = statements.length > 0 ? ["memory_limiter", "transform/redact", "batch"] : base;
  return {
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` },
          http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` },
        },
      },
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
      ...(statements.length > 0 ? { "transform/redact": { error_mode: "ignore", trace_statements: statements } } : {}),
      batch: { send_batch_size: 1024, timeout: "5s" },
    },
    exporters: {
      prometheus: { endpoint: `0.0.0.0:${DO_PORTS.metrics}`, resource_to_telemetry_conversion: { enabled: true } },
      awss3: {
        s3uploader: {
          region: t.region,
          s3_bucket: t.bucket,
          s3_prefix: "traces",
          s3_partition_format: "%Y/%m/%d/%H",
          endpoint: `https://${t.region}.digitaloceanspaces.com`,
          compression: "gzip",
        },
        marshaler: "otlp_json",
        sending_queue: { enabled: true, num_consumers: 2, queue_size: 1024 },
      },
    },
    service: {
      extensions: ["health_check"],
      telemetry: { logs: { encoding: "json" } },
      pipelines: {
        metrics: { receivers: ["otlp"], processors: base, exporters: ["prometheus"] },
        traces: { receivers: ["otlp"], processors: traceProcessors, exporters: ["awss3"] },
      },
    },
  };
}

export function collectorService(): ServicePart {
  const service: ComposeServiceSpec = {
    name: "collector",
    image: COLLECTOR_IMAGE,
    command: [`--config=${COLLECTOR_FILE.container}`],
    user: `${TELEMETRY_UID}:${TELEMETRY_UID}`,
    cpus: COLLECTOR_SIZE.cpus,
    memoryMiB: COLLECTOR_SIZE.memoryMiB,
    ports: [
      { published: DO_PORTS.otlpGrpc, target: OTLP_GRPC_PORT },
      { published: DO_PORTS.otlpHttp, target: OTLP_HTTP_PORT },
      { published: DO_PORTS.metrics, target: DO_PORTS.metrics },
    ],
    configs: [{ source: COLLECTOR_FILE.host, target: COLLECTOR_FILE.container }],
    envFiles: [envFilePath("collector")],
    stopGraceS: 30,
  };
  return { service, envFiles: { [envFilePath("collector")]: { ...COLLECTOR_SECRETS } } };
}

export const collectorFile = (t: TraceStore) => ({ path: COLLECTOR_FILE.host, content: stringify(collectorConfig(t)) });

/** A group's compose project and env files from its parts. */
export function project(parts: (ServicePart | ComposeServiceSpec)[]): {
  compose: ComposeProjectSpec;
  envFiles: Record<string, Record<string, string>>;
} {
  const list = parts.map((p) => ("service" in p ? p : { service: p, envFiles: {} }));
  return {
    compose: { name: COMPOSE_PROJECT, services: list.map((p) => p.service) },
    envFiles: Object.assign({}, ...list.map((p) => p.envFiles)),
  };
}
