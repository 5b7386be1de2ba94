/**
 * AppService on Kubernetes: Deployments `web` and `worker`, a `migrate` Job, autoscaling, disruption budgets, and the
 * HTTPS edge (Service → Ingress with a cert-manager certificate). This file orchestrates; the builders are
 * k8s-workloads.ts (Job, Deployments, PDBs, autoscalers) and k8s-edge.ts (Service, issuer, certificate, Ingresses);
 * pod details: pod-spec.ts; which secret each workload gets: workload-secrets.ts.
 *
 * - migrate: a Job named after the image and command, run before web and worker roll (they depend on it): Pulumi
 *   waits for it to succeed, so a failed migration stops the rollout. A new image runs a new Job. It gets its own
 *   database login only (no cache password, no app/LLM keys); with the Database's access its init container
 *   `db-roles` runs the roles step (admin login, roles SQL) first (k8s-workloads.ts).
 * - Autoscaling on (staging, prod): an HPA v2 for web (CPU + memory), a KEDA ScaledObject for the worker on the
 *   queue depth from Prometheus; the Deployments then carry no `replicas` (the autoscaler owns it). Off (dev): fixed
 *   `replicas` = minReplicas.
 * - PodDisruptionBudgets: one eviction at a time, never zero.
 * - Ingress (class from settings) with TLS from a cert-manager Certificate (Let's Encrypt through a ClusterIssuer the
 *   program creates per stack, or `loom:kubernetes.clusterIssuer`), HTTPS redirect and HSTS, the per-IP rate limit
 *   (`rateLimitPer5Min`) and with `waf` ModSecurity + the OWASP Core Rule Set; the metrics path is not served
 *   through it.
 * - Plain settings in an immutable, content-named ConfigMap (a change rolls the pods); credentials only through
 *   `secretKeyRef`. App credentials (`appSecretNames`) live in one Secret: created empty here and filled out of band
 *   (docs/kubernetes.md), or with `loom:secrets.backend` made by External Secrets or Vault (k8s-secrets.ts); their
 *   values never pass through Pulumi.
 * - With `loom:kubernetes.imageVerification`: a Kyverno ClusterPolicy admitting only signed app and backup images
 *   (k8s-image-verification.ts); Kyverno itself is a prerequisite, warned about at plan time.
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { CA_FILE } from "../lib/k8s";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";
import { ingresses, webService } from "./k8s-edge";
import { imageVerificationPolicy, imageVerificationWarning } from "./k8s-image-verification";
import { type AppScope, appScope } from "./k8s-scope";
import { appSecretsSecret, vaultResources } from "./k8s-secrets";
import { autoscalers, deployment, migrateJob, type PodSources } from "./k8s-workloads";
import { sensitiveNames } from "./pod-spec";

export { METRICS_DENY_ANNOTATION } from "./k8s-edge";
export { APP_CHECKOV_SKIPS } from "./k8s-workloads";

/** What Observability needs to scrape and alert on the app (ServiceMonitor, PodMonitor, PrometheusRule). */
export interface KubernetesAppMonitoring {
  cloud: "kubernetes";
  namespace: pulumi.Output<string>;
  /** The `app.kubernetes.io/instance` label value of the app's pods and Services. */
  instance: pulumi.Output<string>;
  webService: pulumi.Output<string>;
  webDeployment: pulumi.Output<string>;
  workerDeployment: pulumi.Output<string>;
  metricsPath: pulumi.Output<string>;
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  const scope = appScope(parent, name, args);
  // With `loom:secrets.backend: vault`, web and worker log in with Vault's dynamic login (k8s-secrets.ts).
  const s: AppScope = { ...scope, args: { ...args, database: vaultResources(scope, args.database) } };
  const [leaked] = sensitiveNames(args.env);
  if (leaked !== undefined) invalid(`env.${leaked}`, "looks like a credential");

  const sources = podSources(s);
  const migrate = migrateJob(s, sources);
  const web = deployment(s, "web", sources, migrate);
  const worker = deployment(s, "worker", sources, migrate);
  if (args.autoscaling) autoscalers(s, web, worker);
  const service = webService(s);
  const ingress = ingresses(s, service);
  signedImagesPolicy(s);

  const o = pulumi.output;
  return {
    url: o(`https://${args.domain}`),
    // Filled once the ingress controller has an address (undefined in render mode, hence the fallback).
    edgeHostname: ingress.status.apply(
      (st) => st?.loadBalancer?.ingress?.[0]?.hostname ?? st?.loadBalancer?.ingress?.[0]?.ip ?? "",
    ),
    monitoring: {
      cloud: "kubernetes",
      namespace: s.ns,
      instance: o(s.nsName),
      webService: service.metadata.name,
      webDeployment: web.metadata.name,
      workerDeployment: worker.metadata.name,
      metricsPath: o(args.app.metricsPath),
    },
    migrateCommand: pulumi.interpolate`kubectl --namespace ${s.nsName} delete job ${migrate.metadata.name} --ignore-not-found && pulumi up --refresh --yes`,
  };
}

/**
 * Plain settings in an immutable, auto-named ConfigMap (a change creates a new one and rolls every pod onto it),
 * and the app's own credentials in one Secret (k8s-secrets.ts: empty and filled out of band, or from the store).
 */
function podSources(s: AppScope): PodSources {
  const { args } = s;
  const config = new ConfigMap(
    `${s.name}-app-config`,
    {
      metadata: { namespace: s.ns, labels: s.labels },
      immutable: true,
      data: { ...args.env, PGSSLROOTCERT: CA_FILE, REDIS_CA_FILE: CA_FILE },
    },
    s.opts(),
  );
  const appSecretsName = `${s.name}-app-secrets`;
  appSecretsSecret(s, appSecretsName);
  return { configMapName: config.metadata.name, appSecretsName };
}

/**
 * The ClusterPolicy of `loom:kubernetes.imageVerification` (none when unset), over the app image and the backup
 * image (`loom:backup.image`, passed as `backupImage` when the stack has one).
 */
function signedImagesPolicy(s: AppScope): void {
  const v = s.target.imageVerification;
  if (v === undefined) return;
  pulumi.log.warn(imageVerificationWarning(v));
  const backup = s.args.backupImage;
  const images = [{ key: "loom:image", ref: s.args.image }];
  if (backup !== undefined) images.push({ key: "loom:backup.image", ref: backup });
  const policy = imageVerificationPolicy(s.nsName, images, v);
  new CustomResource(
    `${s.name}-signed-images`,
    {
      apiVersion: "kyverno.io/v1",
      kind: "ClusterPolicy",
      metadata: { name: policy.name, labels: s.labels },
      spec: policy.spec,
    },
    s.opts(),
  );
}
