/**
 * AppService on Kubernetes: Deployments `web` and `worker`, a `migrate` Job, autoscaling, disruption budgets, and the
 * HTTPS edge (Service → Ingress with a cert-manager certificate). Pod details: pod-spec.ts.
 *
 * - migrate: a Job named after the image and command, run before web and worker roll (they depend on it): Pulumi
 *   waits for it to succeed, so a failed migration stops the rollout. A new image runs a new Job.
 * - Autoscaling on (staging, prod): an HPA v2 for web (CPU + memory), a KEDA ScaledObject for the worker on the
 *   queue depth from Prometheus; the Deployments then carry no `replicas` (the autoscaler owns it). Off (dev): fixed
 *   `replicas` = minReplicas.
 * - PodDisruptionBudgets: one eviction at a time, never zero.
 * - Ingress (class from settings) with TLS from a cert-manager Certificate (Let's Encrypt through a ClusterIssuer the
 *   program creates per stack, or `loom:kubernetes.clusterIssuer`), HTTPS redirect and HSTS; the metrics path is
 *   not served through it.
 * - Plain settings in an immutable, content-named ConfigMap (a change rolls the pods); credentials only through
 *   `secretKeyRef`. App credentials (`appSecretNames`) live in one Secret created empty here and filled out of band
 *   (docs/kubernetes.md), so their values never pass through Pulumi.
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import { Job } from "@pulumi/kubernetes/batch/v1/job";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import { Ingress } from "@pulumi/kubernetes/networking/v1/ingress";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";
import * as pulumi from "@pulumi/pulumi";
import { CA_FILE, checkovSkips, labelsFor, selectorFor, shortHash, TIER_LABEL, targetOf } from "../lib/k8s";
import { k8sOptions } from "../lib/k8s-provider";
import type { SecretRef } from "../lib/secrets";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";
import {
  hpaSpec,
  ingressAnnotations,
  LETS_ENCRYPT,
  pdbSpec,
  podTemplate,
  scaledObjectSpec,
  sensitiveNames,
  type Tier,
} from "./pod-spec";

/** Only the app's own scrape path is kept off the public Ingress (answered 403 by ingress-nginx). */
export const METRICS_DENY_ANNOTATION = { "nginx.ingress.kubernetes.io/whitelist-source-range": "127.0.0.1/32" };

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

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  const target = targetOf(args);
  const ns = args.network.networkId;
  const nsName = target.namespace;
  const opts = (stateful = false, extra: pulumi.CustomResourceOptions = {}) =>
    k8sOptions(parent, args, stateful, extra);
  const labels = labelsFor(args, "app-service");
  const tierName = (tier: Tier) => `${name}-${tier}`;
  const selector = (tier: Tier) => selectorFor(nsName, tier);
  const podLabels = (tier: Tier) => ({ ...labels, ...selector(tier), [TIER_LABEL]: "app" });

  const leaked = sensitiveNames(args.env);
  if (leaked.length > 0)
    throw new pulumi.InputPropertyError({ propertyPath: `env.${leaked[0]}`, reason: "looks like a credential" });

  // Plain settings: immutable and auto-named, so a change creates a new ConfigMap and rolls every pod onto it.
  const config = new ConfigMap(
    `${name}-app-config`,
    {
      metadata: { namespace: ns, labels },
      immutable: true,
      data: { ...args.env, PGSSLROOTCERT: CA_FILE, REDIS_CA_FILE: CA_FILE },
    },
    opts(),
  );

  const appSecretsName = `${name}-app-secrets`;
  if (args.appSecretNames.length > 0) {
    new Secret(
      `${name}-app-secrets`,
      {
        metadata: {
          name: appSecretsName,
          namespace: ns,
          labels,
          annotations: { "loom/expected-keys": args.appSecretNames.join(",") },
        },
        type: "Opaque",
      },
      // Values are put here out of band; Pulumi must never overwrite (or learn) them.
      opts(true, { ignoreChanges: ["data", "stringData"] }),
    );
  }
  const secrets: Record<string, SecretRef> = { ...args.secrets };
  for (const key of args.appSecretNames) secrets[key] = { id: appSecretsName, key };

  const serviceAccount = (tier: Tier) =>
    new ServiceAccount(
      `${name}-${tier}`,
      { metadata: { name: tierName(tier), namespace: ns, labels }, automountServiceAccountToken: false },
      opts(),
    );

  const template = (
    tier: Tier,
    command: string[],
    size: { cpu: number; memoryMiB: number; ephemeralStorageMiB: number },
    sa: ServiceAccount,
    tierSecrets: Record<string, SecretRef>,
  ) =>
    podTemplate({
      tier,
      image: args.image,
      command,
      app: args.app,
      cpu: size.cpu,
      memoryMiB: size.memoryMiB,
      ephemeralStorageMiB: size.ephemeralStorageMiB,
      serviceAccountName: sa.metadata.name,
      configMapName: config.metadata.name,
      secrets: tierSecrets,
      labels: podLabels(tier),
      selector: selector(tier),
      mesh: target.mesh,
    });

  // migrate: the platform credentials (database, cache) but not the app's own (LLM keys); sized like a web replica.
  const migrateSecrets = { ...args.secrets };
  const jobName = `${name}-migrate-${shortHash(JSON.stringify([args.image, args.migrateCommand]))}`;
  const migrate = new Job(
    `${name}-migrate`,
    {
      metadata: { name: jobName, namespace: ns, labels, annotations: APP_CHECKOV_SKIPS },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        template: template("migrate", args.migrateCommand, args.web, serviceAccount("migrate"), migrateSecrets),
      },
    },
    opts(false, { deleteBeforeReplace: true }),
  );

  const deployment = (tier: "web" | "worker") => {
    const profile = args[tier];
    return new Deployment(
      `${name}-${tier}`,
      {
        metadata: { name: tierName(tier), namespace: ns, labels, annotations: APP_CHECKOV_SKIPS },
        spec: {
          // With autoscaling the HPA/KEDA owns the replica count; a fixed value here would fight it on every update.
          ...(args.autoscaling ? {} : { replicas: profile.minReplicas }),
          revisionHistoryLimit: 5,
          progressDeadlineSeconds: 600,
          minReadySeconds: 5,
          selector: { matchLabels: selector(tier) },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
          template: template(tier, profile.command, profile, serviceAccount(tier), secrets),
        },
      },
      opts(false, { dependsOn: [migrate] }),
    );
  };
  const web = deployment("web");
  const worker = deployment("worker");

  for (const tier of ["web", "worker"] as const) {
    new PodDisruptionBudget(
      `${name}-${tier}`,
      { metadata: { name: tierName(tier), namespace: ns, labels }, spec: pdbSpec(selector(tier)) },
      opts(),
    );
  }

  if (args.autoscaling) {
    new HorizontalPodAutoscaler(
      `${name}-web`,
      {
        metadata: { name: tierName("web"), namespace: ns, labels },
        spec: hpaSpec(tierName("web"), args.web.minReplicas, args.web.maxReplicas, args.web.targetCpuPercent),
      },
      opts(false, { dependsOn: [web] }),
    );
    new CustomResource(
      `${name}-worker-scaler`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: tierName("worker"), namespace: ns, labels },
        spec: scaledObjectSpec(
          tierName("worker"),
          args.worker.minReplicas,
          args.worker.maxReplicas,
          args.worker.jobsPerWorker,
          target.prometheusUrl,
          nsName,
        ),
      },
      opts(false, { dependsOn: [worker] }),
    );
  }

  const service = new Service(
    `${name}-web`,
    {
      metadata: { name: tierName("web"), namespace: ns, labels: { ...labels, ...selector("web") } },
      spec: {
        type: "ClusterIP",
        selector: selector("web"),
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    },
    opts(),
  );

  // TLS: a ClusterIssuer per stack (cluster-scoped, so named after the namespace) unless one is configured.
  let issuer = target.clusterIssuer;
  if (issuer === undefined) {
    issuer = `${nsName}-letsencrypt-${target.acmeServer}`;
    const solver =
      target.acmeSolver === "dns01-cloudflare"
        ? { dns01: { cloudflare: { apiTokenSecretRef: { name: target.acmeDnsSecret, key: "api-token" } } } }
        : { http01: { ingress: { ingressClassName: target.ingressClass } } };
    new CustomResource(
      `${name}-cluster-issuer`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: issuer, labels },
        spec: {
          acme: {
            server: LETS_ENCRYPT[target.acmeServer],
            ...(target.acmeEmail ? { email: target.acmeEmail } : {}),
            privateKeySecretRef: { name: `${issuer}-account` },
            solvers: [solver],
          },
        },
      },
      opts(),
    );
  }
  const tlsSecret = `${tierName("web")}-tls`;
  const certificate = new CustomResource(
    `${name}-web-tls`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: tlsSecret, namespace: ns, labels },
      spec: {
        secretName: tlsSecret,
        dnsNames: [args.domain],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: issuer },
      },
    },
    opts(),
  );

  const ingressSpec = (path: string, pathType: "Prefix" | "Exact") => ({
    ingressClassName: target.ingressClass,
    tls: [{ hosts: [args.domain], secretName: tlsSecret }],
    rules: [
      {
        host: args.domain,
        http: {
          paths: [{ path, pathType, backend: { service: { name: service.metadata.name, port: { name: "http" } } } }],
        },
      },
    ],
  });
  const annotations = ingressAnnotations(args.ingressCidrs);
  const ingress = new Ingress(
    `${name}-web`,
    {
      metadata: { name: tierName("web"), namespace: ns, labels, annotations },
      spec: ingressSpec("/", "Prefix"),
    },
    opts(false, { dependsOn: [certificate] }),
  );
  new Ingress(
    `${name}-web-metrics-deny`,
    {
      metadata: {
        name: `${tierName("web")}-metrics-deny`,
        namespace: ns,
        labels,
        annotations: { ...annotations, ...METRICS_DENY_ANNOTATION },
      },
      spec: ingressSpec(args.app.metricsPath, "Exact"),
    },
    opts(false, { dependsOn: [certificate] }),
  );

  const o = pulumi.output;
  return {
    url: o(`https://${args.domain}`),
    // Filled once the ingress controller has an address (undefined in render mode, hence the fallback).
    edgeHostname: ingress.status.apply(
      (s) => s?.loadBalancer?.ingress?.[0]?.hostname ?? s?.loadBalancer?.ingress?.[0]?.ip ?? "",
    ),
    monitoring: {
      namespace: ns,
      instance: o(nsName),
      webService: service.metadata.name,
      webDeployment: web.metadata.name,
      workerDeployment: worker.metadata.name,
      metricsPath: o(args.app.metricsPath),
    },
    migrateCommand: pulumi.interpolate`kubectl --namespace ${nsName} delete job ${migrate.metadata.name} --ignore-not-found && pulumi up --refresh --yes`,
  };
}
