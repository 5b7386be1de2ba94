/**
 * Cache on Kubernetes: Valkey as a single-replica StatefulSet (why, and its limits: valkey.ts).
 *
 * - TLS only, with a server certificate from the namespace CA; clients verify it (REDIS_CA_FILE).
 * - A generated password (OS CSPRNG, lib/k8s.ts `generatePassword`) in a Secret that keeps its first value: the app
 *   reads `password` through `secretKeyRef`, Valkey reads an `auth.conf` key of the same Secret as an included file
 *   and its readiness probe the mounted `password` file (never an environment variable of the Valkey container).
 * - AOF persistence on a PersistentVolumeClaim that outlives the StatefulSet (retention policy Retain).
 * - A Pod Security "restricted" pod with requests = limits, a read-only root filesystem, its own ServiceAccount
 *   without a token; only the app tier reaches it (NetworkPolicy `cache-from-app` in Network).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { StatefulSet } from "@pulumi/kubernetes/apps/v1/statefulSet";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import * as pulumi from "@pulumi/pulumi";
import {
  checkovSkips,
  generatePassword,
  internalServerCertSpec,
  labelsFor,
  selectorFor,
  serviceDnsNames,
  serviceHost,
} from "../lib/k8s";
import { k8sOptions, k8sPlatform } from "../lib/k8s-provider";
import { type ActiveSecretsBackend, secretsBackendOf } from "../secrets-backend";
import type { CacheOutputs, ResolvedCacheArgs } from ".";
import { storedCacheAuth } from "./k8s-auth-store";
import { names, REDIS_PORT, valkeyConf } from "./valkey";
import { statefulSetSpec } from "./valkey-statefulset";

/** The cache's certificate: one year, renewed 30 days ahead (Valkey reads it at start: see docs/kubernetes.md). */
export const CACHE_CERT_DURATION = "8760h";
export const CACHE_CERT_RENEW_BEFORE = "720h";
export { CACHE_EPHEMERAL } from "./valkey-statefulset";

/**
 * checkov findings on the Valkey StatefulSet that are deliberate (npm run e2e runs checkov on the rendered manifests):
 * - CKV_K8S_43 / CKV_K8S_15: the image is pinned to a patch tag, not a digest (valkey.ts); with a digest both pass.
 *   The digest cannot be checked from our machines, and a wrong one would break every deploy.
 * - CKV_K8S_40: uid 999 is the `valkey` user of the official image, which owns its directories.
 */
export const CACHE_CHECKOV_SKIPS = checkovSkips({
  CKV_K8S_43:
    "the official Valkey image is pinned to a patch release tag; clusters that need digests mirror it and pin the digest there",
  CKV_K8S_15:
    "IfNotPresent with a patch-pinned tag (as for the app image); Always would make every pod start depend on the registry",
  CKV_K8S_40:
    "999 is the valkey user of the official image; the pod is non-root with all capabilities dropped and no host namespaces or volumes, so a uid shared with the node grants nothing",
});

/** What Observability needs to watch the Valkey StatefulSet. */
export interface KubernetesCacheMonitoring {
  cloud: "kubernetes";
  namespace: pulumi.Output<string>;
  statefulSet: pulumi.Output<string>;
  container: pulumi.Output<string>;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedCacheArgs): CacheOutputs {
  const target = k8sPlatform(args).target;
  const n = names(name);
  const ns = args.network.networkId;
  const nsName = target.namespace;
  const labels = labelsFor(args, "cache");
  const selector = selectorFor(nsName, "cache");
  const opts: Opts = (stateful = false, extra = {}) => k8sOptions(parent, args, stateful, extra);

  if (args.highAvailability || args.nodes > 1) {
    pulumi.log.warn(
      `cache on kubernetes runs one Valkey primary (nodes=${args.nodes}, highAvailability=${args.highAvailability} are not applied): ` +
        "a node failure reschedules the pod and reattaches its volume; see docs/kubernetes.md#cache",
      parent,
    );
  }

  const cert = authAndTls(name, ns, nsName, labels, opts, secretsBackendOf(target));

  const config = new ConfigMap(
    `${name}-cache-config`,
    {
      metadata: { name: n.config, namespace: ns, labels },
      data: { "valkey.conf": valkeyConf(args.tier) },
    },
    opts(),
  );

  const serviceAccount = new ServiceAccount(
    `${name}-cache`,
    { metadata: { name: n.base, namespace: ns, labels }, automountServiceAccountToken: false },
    opts(),
  );

  const port = { name: "redis", port: REDIS_PORT, targetPort: "redis", protocol: "TCP" };
  new Service(
    `${name}-cache-headless`,
    {
      metadata: { name: n.headless, namespace: ns, labels },
      spec: { clusterIP: "None", selector, ports: [port] },
    },
    opts(),
  );
  const service = new Service(
    `${name}-cache`,
    { metadata: { name: n.base, namespace: ns, labels }, spec: { type: "ClusterIP", selector, ports: [port] } },
    opts(),
  );

  const statefulSet = new StatefulSet(
    `${name}-cache`,
    {
      metadata: { name: n.base, namespace: ns, labels, annotations: CACHE_CHECKOV_SKIPS },
      spec: statefulSetSpec({
        name,
        tier: args.tier,
        labels,
        selector,
        serviceAccountName: serviceAccount.metadata.name,
        configMapName: config.metadata.name,
        storageClass: target.storageClass,
      }),
    },
    opts(true, { dependsOn: [cert] }),
  );

  return {
    endpoint: service.metadata.apply(() => serviceHost(n.base, nsName)),
    port: pulumi.output(REDIS_PORT),
    tls: true,
    authToken: { id: n.auth, key: "password" },
    monitoring: {
      cloud: "kubernetes",
      namespace: ns,
      statefulSet: statefulSet.metadata.apply((m) => m?.name ?? n.base),
      container: pulumi.output("valkey"),
    },
  };
}

type Opts = (stateful?: boolean, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;

/** The generated password's Secret: Valkey's `auth.conf` and the app's `password` (the native secrets backend). */
function generatedAuth(
  name: string,
  secretName: string,
  ns: pulumi.Output<string>,
  labels: Record<string, string>,
  opts: Opts,
): void {
  // 64 alphanumerics (~380 bits), as on AWS: nothing to escape in a rediss:// URL. A fresh value is drawn on every
  // run but only the first is ever applied (ignoreChanges), so the password is stable until the Secret is replaced.
  const secretValue = pulumi.secret(generatePassword(64));
  new Secret(
    `${name}-cache-auth`,
    {
      metadata: { name: secretName, namespace: ns, labels },
      type: "Opaque",
      stringData: { password: secretValue, "auth.conf": pulumi.interpolate`requirepass ${secretValue}\n` },
    },
    opts(true, { ignoreChanges: ["stringData", "data"] }),
  );
}

/** The password Secret (generated, or made from the secrets backend's store) and the server certificate. */
function authAndTls(
  name: string,
  ns: pulumi.Output<string>,
  nsName: string,
  labels: Record<string, string>,
  opts: Opts,
  backend: ActiveSecretsBackend | undefined,
): CustomResource {
  const n = names(name);
  if (backend) storedCacheAuth(backend, name, n.auth, ns, labels, opts(true));
  else generatedAuth(name, n.auth, ns, labels, opts);

  const dnsNames = [
    ...serviceDnsNames(n.base, nsName),
    ...serviceDnsNames(n.headless, nsName),
    `${n.base}-0.${n.headless}.${nsName}.svc`,
    `${n.base}-0.${n.headless}.${nsName}.svc.cluster.local`,
    "localhost",
  ];
  return new CustomResource(
    `${name}-cache-tls`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: n.tls, namespace: ns, labels },
      spec: internalServerCertSpec({
        secretName: n.tls,
        commonName: serviceHost(n.base, nsName),
        dnsNames,
        ipAddresses: ["127.0.0.1"],
        duration: CACHE_CERT_DURATION,
        renewBefore: CACHE_CERT_RENEW_BEFORE,
      }),
    },
    opts(),
  );
}
