/**
 * Network on Kubernetes: the stack's namespace and everything that isolates it.
 *
 * - Namespace labelled for Pod Security Admission `restricted` (enforce, audit and warn): the API server rejects any
 *   pod that is not restricted-compliant, whoever creates it.
 * - NetworkPolicies (network-policies.ts): default deny for ingress and egress, then one allow rule per flow.
 * - LimitRange: default requests/limits for containers that declare none (e.g. cert-manager's HTTP-01 solver pods),
 *   so nothing in the namespace runs unbounded.
 * - The namespace's private CA (cert-manager self-signed root → CA Issuer): signs the database and cache server
 *   certificates so clients verify them.
 *
 * The namespace is protected in prod (deleting it deletes every object in it, persistent volume claims included).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { LimitRange } from "@pulumi/kubernetes/core/v1/limitRange";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/networkPolicy";
import * as pulumi from "@pulumi/pulumi";
import { INTERNAL_CA, labelsFor } from "../lib/k8s";
import { k8sOptions, k8sPlatform } from "../lib/k8s-provider";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";
import { networkPolicies, TIERS } from "./network-policies";

/** Pod Security Admission labels: enforce, audit and warn at `restricted`, tracking the cluster's latest policy. */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "latest",
};

/** Defaults for containers without their own requests/limits (Loom's own pods always declare theirs). */
export const CONTAINER_DEFAULTS = {
  defaultRequest: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "64Mi" },
  default: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "512Mi" },
} as const;

/** CA lifetime: five years, renewed a year ahead with the same key, so certificates it signed keep verifying. */
export const CA_DURATION = "43800h";
export const CA_RENEW_BEFORE = "8760h";

/** Where the other Kubernetes components put their children: the stack's namespace. */
export interface KubernetesNetworkPlacement {
  cloud: "kubernetes";
  /** The Namespace resource's name (an output of it, so children are created after it). */
  namespace: pulumi.Output<string>;
  /** The namespace CA's Issuer, which signs the database and cache server certificates. */
  internalIssuer: pulumi.Output<string>;
}

type Opts = (stateful?: boolean, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedNetworkArgs): NetworkOutputs {
  const target = k8sPlatform(args).target;
  const labels = labelsFor(args, "network");
  const opts: Opts = (stateful = false, extra = {}) => k8sOptions(parent, args, stateful, extra);

  const namespace = new Namespace(
    `${name}-namespace`,
    { metadata: { name: target.namespace, labels: { ...labels, ...POD_SECURITY_LABELS } } },
    opts(true),
  );
  const ns = namespace.metadata.name;
  const inNamespace = opts(false, { dependsOn: [namespace] });

  for (const policy of networkPolicies({
    appPort: args.appPort,
    clusterCidrs: target.clusterCidrs,
    ingressNamespace: target.operatorNamespaces.ingress,
    monitoringNamespace: target.operatorNamespaces.monitoring,
    cnpgNamespace: target.operatorNamespaces.cnpg,
  })) {
    new NetworkPolicy(
      `${name}-netpol-${policy.name}`,
      { metadata: { name: policy.name, namespace: ns, labels }, spec: policy.spec },
      inNamespace,
    );
  }

  new LimitRange(
    `${name}-limits`,
    {
      metadata: { name: "container-defaults", namespace: ns, labels },
      spec: { limits: [{ type: "Container", ...CONTAINER_DEFAULTS }] },
    },
    inNamespace,
  );
  const caIssuer = internalCa(name, namespace, target.namespace, labels, opts);

  const o = pulumi.output;
  return {
    networkId: ns,
    cidr: o(target.clusterCidrs.join(",")),
    // The scheduler spreads pods over the cluster's zones (topologySpreadConstraints); there are no subnets here.
    zones: [],
    placement: {
      cloud: "kubernetes",
      namespace: ns,
      internalIssuer: caIssuer.metadata.apply((m) => m?.name ?? INTERNAL_CA.issuer),
    },
    tiers: {
      // The edge is the ingress controller, selected by its namespace.
      edge: o(target.operatorNamespaces.ingress),
      app: o(TIERS.app),
      database: o(TIERS.database),
      cache: o(TIERS.cache),
      backup: o(TIERS.backup),
    },
  };
}

/** The namespace's private CA: a self-signed root whose key never leaves the namespace, and an Issuer on it. */
function internalCa(
  name: string,
  namespace: Namespace,
  nsName: string,
  labels: Record<string, string>,
  opts: Opts,
): CustomResource {
  const ns = namespace.metadata.name;
  const selfSigned = new CustomResource(
    `${name}-selfsigned-issuer`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Issuer",
      metadata: { name: "loom-selfsigned", namespace: ns, labels },
      spec: { selfSigned: {} },
    },
    opts(false, { dependsOn: [namespace] }),
  );
  const caCertificate = new CustomResource(
    `${name}-internal-ca`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: INTERNAL_CA.secret, namespace: ns, labels },
      spec: {
        isCA: true,
        commonName: `${nsName} internal CA`,
        secretName: INTERNAL_CA.secret,
        duration: CA_DURATION,
        renewBefore: CA_RENEW_BEFORE,
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
        issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "loom-selfsigned" },
      },
    },
    opts(true, { dependsOn: [namespace, selfSigned] }),
  );
  return new CustomResource(
    `${name}-internal-ca-issuer`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Issuer",
      metadata: { name: INTERNAL_CA.issuer, namespace: ns, labels },
      spec: { ca: { secretName: INTERNAL_CA.secret } },
    },
    opts(false, { dependsOn: [namespace, caCertificate] }),
  );
}
