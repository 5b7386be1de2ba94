/**
 * AppService: Loom's two long-running tiers from one image, `web` (HTTP behind TLS) and `worker` (review-job
 * queue consumer), plus a one-off `migrate` task the deploy runbook runs before a rollout.
 *
 * | cloud | what it builds |
 * |---|---|
 * | azure | Container Apps web + worker in a VNet-integrated environment (Consumption profile, peer encryption, logs to the workspace; internal behind the gateway, zone-redundant in prod), migrate as a manual Container Apps job or a Container Instances group, a user-assigned identity per workload with Key Vault Secrets User, every secret a Key Vault reference, HTTP + CPU and KEDA redis queue scaling; dev: web serves the domain with a managed certificate; with loadBalancer: Application Gateway WAF_v2 (azure-edge.ts) |
 * | kubernetes | Deployments web + worker and a migrate Job (PSS restricted, own ServiceAccounts, limits, probes, spread), HPA (web) and KEDA ScaledObject on queue depth (worker), PDBs, Service, Ingress with a cert-manager Certificate (Let's Encrypt), ConfigMap + secretKeyRef |
 * | aws | ECS cluster (Container Insights), Fargate services web + worker, migrate task definition, ALB (TLS 1.3 policy, HTTP→HTTPS 301, HSTS), ACM certificate, WAFv2, autoscaling on CPU, requests and queue depth |
 * | gcp | Cloud Run v2 services web + worker (worker always allocated, internal-only) and a migrate job, Direct VPC egress, a service account per workload with per-secret access, bounded scaling, HTTP probes, Prometheus sidecar; dev: the run.app endpoint; with loadBalancer: global external ALB (managed certificate, TLS 1.2+, HSTS, Cloud Armor; gcp-edge.ts) |
 */
import type * as pulumi from "@pulumi/pulumi";
import { APP_DEFAULTS, type AppContract } from "../lib/app-contract";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import { type DatabaseAccess, LOGIN_ENV_NAMES } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";
import { isSensitiveEnvName } from "../lib/sensitive";
import type { NetworkOutputs } from "../network";
import { DEFAULT_REDACTION, type Redaction } from "../observability/redaction";
import type { AwsAppMonitoring } from "./aws";
import type { AzureAppMonitoring, AzureAppRuntime } from "./azure";
import type { DigitalOceanAppMonitoring, DigitalOceanAppRuntime } from "./digitalocean";
import type { GcpAppMonitoring } from "./gcp";
import type { KubernetesAppMonitoring } from "./kubernetes";

export interface WorkloadArgs {
  /** vCPU per replica. */
  cpu: number;
  /** Memory per replica in MiB. */
  memoryMiB: number;
  /** Replicas without autoscaling; the autoscaler's floor with it. */
  minReplicas: number;
  /** The autoscaler's ceiling. */
  maxReplicas: number;
  /** Container command. @default - ["loom", "serve"] for web, ["loom", "worker"] for worker */
  command?: string[];
  /** Ephemeral storage per replica in MiB (Kubernetes requests = limits; /tmp lives in it). @default 1024 */
  ephemeralStorageMiB?: number;
}

export interface WebArgs extends WorkloadArgs {
  /** Target average CPU percent. @default 60 */
  targetCpuPercent?: number;
  /** Target requests per minute per replica. @default 1000 */
  targetRequestsPerTarget?: number;
}

export interface WorkerArgs extends WorkloadArgs {
  /** Queued jobs per running worker the autoscaler aims for. @default 10 */
  jobsPerWorker?: number;
  /** Run on interruptible capacity (Fargate Spot). @default false */
  spot?: boolean;
}

export interface AppServiceArgs extends BaseArgs {
  network: NetworkOutputs;
  /** Image for every tier, pinned by tag or digest. */
  image: string;
  /**
   * Public host name served over HTTPS. Where the certificate comes from is the platform's business (AWS: the
   * target's hostedZoneId or certificateArn; Kubernetes: cert-manager).
   */
  domain: string;
  /**
   * A managed load balancer in front of web. Off = the cloud's built-in HTTPS endpoint where it has one; clouds
   * without one (ECS Fargate, Kubernetes Ingress) always keep their edge (see components/applicability.ts).
   * @default true
   */
  loadBalancer?: boolean;
  web: WebArgs;
  worker: WorkerArgs;
  /** Command of the one-off migration task. @default ["loom", "migrate"] */
  migrateCommand?: string[];
  /** Scale web on CPU and requests, worker on queue depth. @default false */
  autoscaling?: boolean;
  /** Plain (non-secret) environment for every tier. Sensitive-looking names are rejected. @default {} */
  env?: Record<string, pulumi.Input<string>>;
  /** Environment variables resolved from the secret store at container start. @default {} */
  secrets?: Record<string, SecretRef>;
  /**
   * The database's logins and roles SQL (Database.access). With it, each workload gets its own login as DATABASE_*
   * (workload-secrets.ts: web/worker the app login, migrate the migrate login) and the migrate path runs the roles
   * step (`loom db-roles` with the admin login) first; `secrets` must not carry DATABASE_* then.
   * @default - none: no roles step, DATABASE_* only from `secrets`
   */
  database?: DatabaseAccess;
  /**
   * Names of app credentials (LLM API keys…) kept in the cloud's secret store. A secret is created empty per name and
   * exposed to every tier as that environment variable; operators put the value in out of band
   * (docs/runbooks/deploy.md), so secret values never pass through Pulumi state.
   * @default []
   */
  appSecretNames?: string[];
  /** Ports and paths the app serves. @default - APP_DEFAULTS (8080, /healthz, /readyz, /metrics, uid 10001) */
  app?: Partial<AppContract>;
  /** Days to keep container logs. @default 30 */
  logRetentionDays?: number;
  /** Put a web application firewall in front of the edge. @default false */
  waf?: boolean;
  /** Requests per 5 minutes per client IP before the WAF blocks it. @default 2000 */
  rateLimitPer5Min?: number;
  /** Client ranges allowed through the edge; anything narrower than 0.0.0.0/0 is also enforced by the WAF. @default ["0.0.0.0/0"] */
  ingressCidrs?: string[];
  /** Refuse deletion of the load balancer at the cloud API. @default false */
  deletionProtection?: boolean;
  /**
   * Share of traces the app keeps (OTEL_TRACES_SAMPLER_ARG; lib/telemetry.ts sets the OTEL_* contract and each
   * cloud file the collector endpoint). @default 1
   */
  traceSampleRatio?: number;
  /**
   * PII classes the telemetry collector masks in span attributes where the app's collector runs beside it (AWS
   * sidecar; components/observability/redaction.ts). @default - DEFAULT_REDACTION (all on)
   */
  redaction?: Redaction;
  /**
   * PEM bundle of the CAs the database's and cache's server certificates chain to, where no system trust store has
   * them and the platform must hand them to the app (GCP: Cloud SQL's CAS CA and Memorystore's server CA, mounted
   * as the file PGSSLROOTCERT and REDIS_CA_FILE name). Elsewhere undefined: the image's store (AWS RDS/ElastiCache)
   * or the namespace CA (Kubernetes). @default - none
   */
  serverCas?: pulumi.Input<string>;
  /**
   * The logical-backup job's image (`loom:backup.image`), when the stack has one: the Kubernetes target's
   * signed-image policy (`loom:kubernetes.imageVerification`) admits it beside the app's. @default - none
   */
  backupImage?: string;
}

export type ResolvedAppServiceArgs = Required<
  Omit<AppServiceArgs, "app" | "web" | "worker" | "serverCas" | "backupImage" | "database" | keyof BaseArgs>
> &
  ResolvedBase & {
    serverCas?: pulumi.Input<string>;
    database?: DatabaseAccess;
    backupImage?: string;
    app: AppContract;
    web: Required<WebArgs>;
    worker: Required<WorkerArgs>;
  };

export interface AppServiceOutputs {
  /** https://<domain> */
  url: pulumi.Output<string>;
  /** The edge's own host name (point DNS here when the zone is not managed by this stack). */
  edgeHostname: pulumi.Output<string>;
  /** Identifiers the same cloud's Observability uses. */
  monitoring: AppMonitoring;
  /** How to run the migration task (a ready command line for the runbook). */
  migrateCommand: pulumi.Output<string>;
  /** Where other components run containers beside the app; only where they must share it (Azure, DigitalOcean). */
  runtime?: AppRuntime;
  /**
   * DigitalOcean: each droplet group's boot config as it will run, with every credential replaced by "[redacted]"
   * (the real userData of a pool is a Pulumi secret), by group (`web`, `worker`, `jobs`). Undefined elsewhere.
   */
  bootConfig?: pulumi.Output<Record<string, string>>;
  /** DigitalOcean: the droplets Ansible manages, by group (the inventory's source; ansible/README.md). */
  hosts?: pulumi.Output<HostGroups>;
}

/** Droplet groups for the Ansible inventory: fixed droplets by address, autoscale pools by tag. */
export type HostGroups = Record<
  string,
  {
    tag: string;
    hosts: { name: string; privateIp: string }[];
    /** The group's secret files (keys in the secrets bucket) Ansible pushes to /etc/loom/secrets. */
    secretKeys?: string[];
  }
>;

/** Declared beside each cloud file that has one (Azure: the Container Apps environment). */
export type AppRuntime = AzureAppRuntime | DigitalOceanAppRuntime;

/** What the same cloud's Observability reads (declared beside each cloud file). */
export type AppMonitoring =
  | AwsAppMonitoring
  | GcpAppMonitoring
  | AzureAppMonitoring
  | DigitalOceanAppMonitoring
  | KubernetesAppMonitoring;

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedAppServiceArgs, AppServiceOutputs>;

export class AppService extends LoomComponent<ResolvedAppServiceArgs, AppServiceOutputs> implements AppServiceOutputs {
  declare readonly url: pulumi.Output<string>;
  declare readonly edgeHostname: pulumi.Output<string>;
  declare readonly monitoring: AppMonitoring;
  declare readonly migrateCommand: pulumi.Output<string>;
  declare readonly runtime?: AppRuntime;
  declare readonly bootConfig?: pulumi.Output<Record<string, string>>;
  declare readonly hosts?: pulumi.Output<HostGroups>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "AppService", name, AppService.resolve(args), opts);
  }

  static resolve(args: AppServiceArgs): ResolvedAppServiceArgs {
    for (const [tier, w] of [
      ["web", args.web],
      ["worker", args.worker],
    ] as const) {
      if (w.minReplicas > w.maxReplicas) {
        invalid(`${tier}.minReplicas`, `${w.minReplicas} is larger than maxReplicas ${w.maxReplicas}`);
      }
    }
    const env = args.env ?? {};
    for (const name of Object.keys(env)) {
      if (isSensitiveEnvName(name)) invalid(`env.${name}`, "looks like a credential; pass it in `secrets`");
    }
    const secrets = args.secrets ?? {};
    const appSecretNames = args.appSecretNames ?? [];
    for (const name of [...Object.keys(secrets), ...appSecretNames]) {
      if (name in env) invalid(`secrets.${name}`, "is also set in `env`; a variable comes from one place");
    }
    for (const name of appSecretNames) {
      if (name in secrets) invalid(`appSecretNames.${name}`, "is also in `secrets`; a variable comes from one place");
    }
    for (const name of [...Object.keys(env), ...Object.keys(secrets), ...appSecretNames]) {
      if (args.database && LOGIN_ENV_NAMES.includes(name)) {
        invalid(name, "comes from `database` (each workload's own login); do not set it as well");
      }
    }
    return {
      ...resolveBase(args),
      network: args.network,
      image: args.image,
      ...(args.backupImage !== undefined ? { backupImage: args.backupImage } : {}),
      domain: args.domain,
      loadBalancer: args.loadBalancer ?? true,
      web: {
        ...args.web,
        command: args.web.command ?? ["loom", "serve"],
        targetCpuPercent: args.web.targetCpuPercent ?? 60,
        targetRequestsPerTarget: args.web.targetRequestsPerTarget ?? 1000,
        ephemeralStorageMiB: args.web.ephemeralStorageMiB ?? 1024,
      },
      worker: {
        ...args.worker,
        command: args.worker.command ?? ["loom", "worker"],
        jobsPerWorker: args.worker.jobsPerWorker ?? 10,
        spot: args.worker.spot ?? false,
        ephemeralStorageMiB: args.worker.ephemeralStorageMiB ?? 1024,
      },
      migrateCommand: args.migrateCommand ?? ["loom", "migrate"],
      autoscaling: args.autoscaling ?? false,
      env,
      secrets,
      appSecretNames,
      app: { ...APP_DEFAULTS, ...args.app },
      logRetentionDays: args.logRetentionDays ?? 30,
      waf: args.waf ?? false,
      rateLimitPer5Min: args.rateLimitPer5Min ?? 2000,
      ingressCidrs: args.ingressCidrs ?? ["0.0.0.0/0"],
      deletionProtection: args.deletionProtection ?? false,
      traceSampleRatio: args.traceSampleRatio ?? 1,
      redaction: args.redaction ?? { ...DEFAULT_REDACTION },
      ...(args.serverCas !== undefined ? { serverCas: args.serverCas } : {}),
      ...(args.database !== undefined ? { database: args.database } : {}),
    };
  }
}
