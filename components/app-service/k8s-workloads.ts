/**
 * AppService workloads on Kubernetes: the `migrate` Job, the `web` and `worker` Deployments, their disruption
 * budgets and autoscalers. Pod details: pod-spec.ts; which secret each workload gets: workload-secrets.ts.
 *
 * With the Database's access, the migrate Job first runs the roles step as its init container `db-roles` (the app
 * image, `loom db-roles`, the admin login and the roles SQL, connected to the primary directly), so the groups,
 * grants and memberships are right before every migration; web, worker and migrate each get their own login.
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import { Job } from "@pulumi/kubernetes/batch/v1/job";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";
import type * as pulumi from "@pulumi/pulumi";
import { primaryHostOf } from "../database/cnpg-logins";
import { ROLES_COMMAND } from "../lib/db-roles";
import { CA_FILE, checkovSkips, shortHash } from "../lib/k8s";
import type { SecretRef } from "../lib/secrets";
import { k8sCollectorEndpoint, type OtelEnv, otelEnv } from "../lib/telemetry";
import type { AppScope } from "./k8s-scope";
import { hpaSpec, initContainer, pdbSpec, podTemplate, resourcesFor, scaledObjectSpec, type Tier } from "./pod-spec";
import { databaseEnvFor, rolesStepEnv, secretsFor, type Workload } from "./workload-secrets";

/** The migrate Job's init container that runs the roles step. */
export const ROLES_STEP = "db-roles";

/**
 * On the web and worker Deployments and the migrate Job: checkov's CKV_K8S_35 ("prefer secrets as files over
 * environment variables") is a deliberate exception. Credentials reach the app as environment variables on every
 * cloud (ECS injects them from Secrets Manager the same way); here each is a `secretKeyRef`, so no value is ever in
 * a manifest. Moving to files would change the app contract (docs/kubernetes.md, "Secrets"), not just this file.
 */
export const APP_CHECKOV_SKIPS = checkovSkips({
  CKV_K8S_35:
    "the app contract on every cloud reads its credentials from environment variables; each is a secretKeyRef to a Secret, so no value is in the manifest",
});

/** What the pods of every workload read: the plain-settings ConfigMap and the app-secrets Secret's name. */
export interface PodSources {
  configMapName: pulumi.Input<string>;
  appSecretsName: string;
}

/** The secret references of one workload (workload-secrets.ts decides which). */
export function workloadSecretRefs(s: AppScope, workload: Workload, appSecretsName: string): Record<string, SecretRef> {
  const { platform, app } = secretsFor(workload, {
    platform: s.args.secrets,
    app: s.args.appSecretNames,
    database: s.args.database?.logins,
  });
  const refs: Record<string, SecretRef> = { ...platform };
  for (const key of app) refs[key] = { id: appSecretsName, key };
  return refs;
}

/**
 * The OTEL_* contract of a tier (lib/telemetry.ts): OTLP/HTTP over TLS to the stack's collector, verified with the
 * namespace CA every pod mounts; head sampling at the profile's ratio. Traces only: logs go to stdout (collected
 * from the nodes) and metrics are scraped from /metrics, so the SDK's OTLP logs and metrics exporters are off. With
 * `loom:kubernetes.tracing.backend: none` there is no collector and the SDK exports nothing.
 */
export function tierOtelEnv(s: AppScope, tier: Tier): OtelEnv {
  return otelEnv({
    endpoint: k8sCollectorEndpoint(s.nsName),
    service: s.tierName(tier),
    environment: s.args.context.environment,
    sampleRatio: s.args.traceSampleRatio,
    exporter: s.target.tracing.backend === "none" ? "none" : "otlp",
    metricsExporter: "none",
    logsExporter: "none",
    certificate: CA_FILE,
  });
}

function serviceAccount(s: AppScope, tier: Tier): ServiceAccount {
  return new ServiceAccount(
    `${s.name}-${tier}`,
    { metadata: { name: s.tierName(tier), namespace: s.ns, labels: s.labels }, automountServiceAccountToken: false },
    s.opts(),
  );
}

function template(
  s: AppScope,
  tier: Tier,
  command: string[],
  size: { cpu: number; memoryMiB: number; ephemeralStorageMiB: number },
  sources: PodSources,
) {
  return podTemplate({
    tier,
    image: s.args.image,
    command,
    app: s.args.app,
    cpu: size.cpu,
    memoryMiB: size.memoryMiB,
    ephemeralStorageMiB: size.ephemeralStorageMiB,
    serviceAccountName: serviceAccount(s, tier).metadata.name,
    configMapName: sources.configMapName,
    secrets: workloadSecretRefs(s, tier, sources.appSecretsName),
    env: { ...(tierOtelEnv(s, tier) as Record<string, string>), ...databaseEnvFor(tier, s.args.database) },
    labels: s.podLabels(tier),
    selector: s.selector(tier),
    mesh: s.target.mesh,
    ...(tier === "migrate" && s.args.database ? { initContainers: [rolesStep(s, size, sources)] } : {}),
  });
}

/**
 * The roles step (workload-secrets.ts `rolesStepEnv`): the admin login's secret refs and the SQL, nothing else of the
 * app's (no cache password, no app keys, no telemetry), sized like migrate. It connects to the primary's Service
 * (DATABASE_HOST overrides the ConfigMap's, which is the transaction-mode pooler where there is one).
 */
function rolesStep(
  s: AppScope,
  size: { cpu: number; memoryMiB: number; ephemeralStorageMiB: number },
  sources: PodSources,
) {
  const database = s.args.database;
  if (!database) throw new Error("rolesStep: no database access");
  const step = rolesStepEnv(database);
  const primary = primaryHostOf(database);
  return initContainer({
    name: ROLES_STEP,
    image: s.args.image,
    command: ROLES_COMMAND,
    app: s.args.app,
    resources: resourcesFor(size.cpu, size.memoryMiB, size.ephemeralStorageMiB),
    configMapName: sources.configMapName,
    env: { ...(primary !== undefined ? { DATABASE_HOST: primary } : {}), ...step.env },
    secrets: step.secrets,
  });
}

/** The Job's name: content-addressed on image and command, so a new image runs a new Job. */
export function migrateJobName(name: string, image: string, command: string[]): string {
  return `${name}-migrate-${shortHash(JSON.stringify([image, command]))}`;
}

/** migrate: the database's credentials only (workload-secrets.ts); sized like a web replica. */
export function migrateJob(s: AppScope, sources: PodSources): Job {
  return new Job(
    `${s.name}-migrate`,
    {
      metadata: {
        name: migrateJobName(s.name, s.args.image, s.args.migrateCommand),
        namespace: s.ns,
        labels: s.labels,
        annotations: APP_CHECKOV_SKIPS,
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        template: template(s, "migrate", s.args.migrateCommand, s.args.web, sources),
      },
    },
    s.opts(false, { deleteBeforeReplace: true }),
  );
}

/** web or worker, rolled only after the migration succeeded. */
export function deployment(s: AppScope, tier: "web" | "worker", sources: PodSources, migrate: Job): Deployment {
  const profile = s.args[tier];
  const d = new Deployment(
    `${s.name}-${tier}`,
    {
      metadata: { name: s.tierName(tier), namespace: s.ns, labels: s.labels, annotations: APP_CHECKOV_SKIPS },
      spec: {
        // With autoscaling the HPA/KEDA owns the replica count; a fixed value here would fight it on every update.
        ...(s.args.autoscaling ? {} : { replicas: profile.minReplicas }),
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        minReadySeconds: 5,
        selector: { matchLabels: s.selector(tier) },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        template: template(s, tier, profile.command, profile, sources),
      },
    },
    s.opts(false, { dependsOn: [migrate] }),
  );
  new PodDisruptionBudget(
    `${s.name}-${tier}`,
    { metadata: { name: s.tierName(tier), namespace: s.ns, labels: s.labels }, spec: pdbSpec(s.selector(tier)) },
    s.opts(),
  );
  return d;
}

/** An HPA v2 for web (CPU + memory), a KEDA ScaledObject for the worker on the queue depth from Prometheus. */
export function autoscalers(s: AppScope, web: Deployment, worker: Deployment): void {
  const { args } = s;
  new HorizontalPodAutoscaler(
    `${s.name}-web`,
    {
      metadata: { name: s.tierName("web"), namespace: s.ns, labels: s.labels },
      spec: hpaSpec(s.tierName("web"), args.web.minReplicas, args.web.maxReplicas, args.web.targetCpuPercent),
    },
    s.opts(false, { dependsOn: [web] }),
  );
  new CustomResource(
    `${s.name}-worker-scaler`,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: s.tierName("worker"), namespace: s.ns, labels: s.labels },
      spec: scaledObjectSpec(
        s.tierName("worker"),
        args.worker.minReplicas,
        args.worker.maxReplicas,
        args.worker.jobsPerWorker,
        s.target.prometheusUrl,
        s.nsName,
      ),
    },
    s.opts(false, { dependsOn: [worker] }),
  );
}
