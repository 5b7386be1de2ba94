/**
 * AppService on GCP: Cloud Run (Admin API v2) `web` and `worker` services and a `migrate` job from one pinned image
 * (gcp-run.ts), an identity per workload with per-secret access (gcp-identity.ts), sizes Cloud Run accepts
 * (gcp-sizing.ts), and the edge:
 * - without `loadBalancer` (dev): web's built-in `*.run.app` HTTPS endpoint (`INGRESS_TRAFFIC_ALL`, HSTS-preloaded
 *   like the whole .app TLD), public invoker on web only;
 * - with it (staging, prod): web accepts only the global external Application Load Balancer
 *   (`INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`, gcp-edge.ts: certificate, TLS policy, Cloud Armor), still publicly
 *   invokable so the load balancer's requests are not refused.
 * The worker is `INGRESS_TRAFFIC_INTERNAL_ONLY` with no invoker; the job has no ingress. Neither is ever public.
 *
 * Secrets per workload follow workload-secrets.ts: web and worker get every credential, migrate only the database's.
 * With a database (`args.database`): each workload logs in as its service account (Cloud SQL IAM user,
 * gcp-identity.ts; DATABASE_AUTH gcp-cloudsql-iam and DATABASE_USER in its env, no password), and the roles step
 * `<prefix>-db-roles` (gcp-roles.ts), the only holder of the admin login, runs before migrate (`migrateCommand`).
 * Cloud Run stops an instance 10 s after SIGTERM (Fargate: 120 s): the worker must hand its job back in that time.
 */
import { ServiceIamMember } from "@pulumi/gcp/cloudrunv2/serviceIamMember";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { imageRefProblem } from "../lib/image-ref";
import type { SecretRef } from "../lib/secrets";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";
import { type GcpEdge, gcpEdge } from "./gcp-edge";
import { appSecrets, identities, workloadSecrets } from "./gcp-identity";
import { type RolesStep, rolesIdentity, rolesJob } from "./gcp-roles";
import { cloudRunService, migrateJob } from "./gcp-run";
import { type AppScope, appScope } from "./gcp-scope";
import { type CloudRunSize, cloudRunSize } from "./gcp-sizing";
import { serverTrust } from "./gcp-trust";
import { WORKLOADS, type Workload } from "./workload-secrets";

/** What Observability on GCP builds Cloud Run / load balancer alerts, dashboards and uptime checks from. */
export interface GcpAppMonitoring {
  cloud: "gcp";
  region: string;
  /** Cloud Run service names (the `service_name` label of run.googleapis.com metrics). */
  webService: pulumi.Output<string>;
  workerService: pulumi.Output<string>;
  /** The migrate job's name (`job_name` label). */
  migrateJob: pulumi.Output<string>;
  /** The load balancer's URL map name (`url_map_name` label of loadbalancing.googleapis.com metrics); none in dev. */
  urlMap?: pulumi.Output<string>;
  /** Host name an uptime check on the health path calls (the domain behind the LB, or the run.app host in dev). */
  publicHost: pulumi.Output<string>;
  /** The app's liveness path (`/healthz`). */
  healthPath: string;
}

export const INGRESS = {
  builtIn: "INGRESS_TRAFFIC_ALL",
  loadBalancer: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
  internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
} as const;

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  // Everything that can be wrong with the args fails here, before the first resource.
  const sizes = workloadSizes(args);
  const s = appScope(parent, name, args);

  const app = appSecrets(s);
  const secrets = Object.fromEntries(WORKLOADS.map((w) => [w, workloadSecrets(s, w, app)])) as Record<
    Workload,
    Record<string, SecretRef>
  >;
  const ids = identities(s, secrets);
  const roles: RolesStep | undefined = args.database ? rolesIdentity(s, args.database) : undefined;
  const trust = serverTrust(s, args.serverCas, { ...ids, ...(roles ? { "db-roles": roles.identity } : {}) });
  const web = cloudRunService(s, {
    workload: "web",
    size: sizes.web,
    identity: ids.web,
    secrets: secrets.web,
    ingress: args.loadBalancer ? INGRESS.loadBalancer : INGRESS.builtIn,
    ...(trust ? { trust } : {}),
  });
  const worker = cloudRunService(s, {
    workload: "worker",
    size: sizes.worker,
    identity: ids.worker,
    secrets: secrets.worker,
    ingress: INGRESS.internal,
    ...(trust ? { trust } : {}),
  });
  const migrate = migrateJob(s, sizes.migrate, ids.migrate, secrets.migrate, trust);
  const rolesStep = roles ? rolesJob(s, roles, trust) : undefined;
  // Web answers anyone (the app authenticates its users); with the LB, ingress still admits only the LB's traffic.
  new ServiceIamMember(
    `${name}-web-public`,
    { project: s.project, location: s.region, name: web.name, role: "roles/run.invoker", member: "allUsers" },
    s.opts(),
  );
  const front = edgeOf(s, web);
  const builtInHost = web.uri.apply((uri) => new URL(uri).host);
  return {
    url: front ? front.url : web.uri,
    edgeHostname: front ? front.edgeHostname : builtInHost,
    monitoring: {
      cloud: "gcp",
      region: s.region,
      webService: web.name,
      workerService: worker.name,
      migrateJob: migrate.name,
      ...(front ? { urlMap: front.urlMap } : {}),
      publicHost: front ? pulumi.output(args.domain) : builtInHost,
      healthPath: args.app.healthPath,
    },
    // The roles step first (its own job, the admin login), then migrate; `&&`: no migration on a failed roles step.
    migrateCommand: rolesStep
      ? pulumi.interpolate`${execute(s, rolesStep)} && ${execute(s, migrate)}`
      : execute(s, migrate),
  };
}

/** The deployer's command that runs a Cloud Run job to its end (non-zero when it fails). */
function execute(s: AppScope, job: { name: pulumi.Output<string> }): pulumi.Output<string> {
  return pulumi.interpolate`gcloud run jobs execute ${job.name} --region ${s.region} --project ${s.project} --wait`;
}

/** The load balancer in front of web, when the profile has one (gcp-edge.ts). */
function edgeOf(s: AppScope, web: { name: pulumi.Output<string> }): GcpEdge | undefined {
  const { args } = s;
  if (!args.loadBalancer) return undefined;
  return gcpEdge(s, {
    webServiceName: web.name,
    domain: args.domain,
    waf: args.waf,
    rateLimitPer5Min: args.rateLimitPer5Min,
    ingressCidrs: args.ingressCidrs,
    metricsPath: args.app.metricsPath,
  });
}

/**
 * The args checks that need no resource, then Cloud Run sizes per workload; migrations run with the web tier's size
 * (same code, same memory profile).
 */
function workloadSizes(args: ResolvedAppServiceArgs): Record<Workload, CloudRunSize> {
  const problem = imageRefProblem(args.image);
  if (problem) invalid("image", problem);
  if (!args.loadBalancer && args.waf) {
    invalid("waf", "needs loadBalancer on GCP: Cloud Armor attaches to the load balancer's backend, not to Cloud Run");
  }
  if (!args.loadBalancer && args.ingressCidrs.some((c) => c !== "0.0.0.0/0" && c !== "::/0")) {
    invalid(
      "ingressCidrs",
      "narrower than 0.0.0.0/0 needs loadBalancer: Cloud Run's built-in endpoint cannot filter clients (Cloud Armor on the load balancer does)",
    );
  }
  return {
    web: cloudRunSize("web", args.web.cpu, args.web.memoryMiB, { alwaysAllocated: false }),
    worker: cloudRunSize("worker", args.worker.cpu, args.worker.memoryMiB, { alwaysAllocated: true }),
    migrate: cloudRunSize("web", args.web.cpu, args.web.memoryMiB, { alwaysAllocated: true }),
  };
}
