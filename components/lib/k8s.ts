/**
 * Pure Kubernetes helpers every cloud file and pure helper shares: label rules, the Pod Security "restricted"
 * security contexts, resource quantities and the names that tie components together inside the stack's namespace.
 * No @pulumi/kubernetes import here (that lives in k8s-provider.ts), so pure helpers and their tests stay light.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { stableHash } from "../naming";
import type { Tags } from "../tags";
import { type BaseArgs, invalid, tagsFor } from "./component";

/** Pod label carrying the network tier (`NetworkOutputs.tiers` values); NetworkPolicies select on it. */
export const TIER_LABEL = "loom/tier";
export const NAME_LABEL = "app.kubernetes.io/name";
export const INSTANCE_LABEL = "app.kubernetes.io/instance";

/**
 * The namespace's private CA (cert-manager: self-signed root → CA Issuer), created by Network. It signs the
 * database and cache server certificates, so clients verify them (`sslmode=verify-full`, rediss:// with CA).
 */
export const INTERNAL_CA = {
  /** Namespaced Issuer that signs server certificates. */
  issuer: "loom-internal-ca",
  /** Secret holding the CA certificate (`ca.crt`, `tls.crt`) and key; pods mount only `ca.crt`. */
  secret: "loom-internal-ca",
} as const;

/**
 * The spec of a cert-manager Certificate for an in-cluster server (PostgreSQL, Valkey), signed by the namespace's
 * internal CA: server-auth usages and a P-256 key rotated on every renewal. Callers add names and lifetimes.
 */
export function internalServerCertSpec(spec: {
  secretName: string;
  commonName: pulumi.Input<string>;
  dnsNames: pulumi.Input<string>[];
  duration: string;
  renewBefore: string;
  [extra: string]: unknown;
}): Record<string, unknown> {
  const { secretName, ...rest } = spec;
  return {
    secretName,
    ...rest,
    usages: ["server auth", "digital signature", "key encipherment"],
    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    issuerRef: { group: "cert-manager.io", kind: "Issuer", name: INTERNAL_CA.issuer },
  };
}

/** Where app pods find the internal CA certificate (env PGSSLROOTCERT and REDIS_CA_FILE point here). */
export const CA_MOUNT_PATH = "/etc/loom/ca";
export const CA_FILE = `${CA_MOUNT_PATH}/ca.crt`;

// ---------------------------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------------------------

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A valid label value: at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends ("" stays ""). */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** A valid label key: an optional DNS-subdomain prefix and `/`, then a name like a label value (non-empty). */
export function labelKey(key: string): string {
  const slash = key.lastIndexOf("/");
  if (slash > 0) {
    const prefix = key.slice(0, slash).toLowerCase();
    const name = labelValue(key.slice(slash + 1));
    if (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253 && name) return `${prefix}/${name}`;
  }
  const name = labelValue(key.replace(/\//g, "-"));
  return name || "tag";
}

/** Turn tags into Kubernetes labels, sanitising keys and values that Kubernetes would reject. */
export function k8sLabels(tags: Tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) out[labelKey(k)] = labelValue(v);
  return out;
}

/** Every label check Kubernetes applies, for tests: empty when `labels` would be accepted. */
export function labelProblems(labels: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf("/");
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    if (name.length > 63 || !LABEL_NAME.test(name)) problems.push(`label key ${JSON.stringify(k)}`);
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
      problems.push(`label key prefix ${JSON.stringify(k)}`);
    }
    if (v !== "" && (v.length > 63 || !LABEL_NAME.test(v))) problems.push(`label value ${JSON.stringify(v)} of ${k}`);
  }
  return problems;
}

/** Labels of a Kubernetes child: the tag layers (as labels) plus the recommended `app.kubernetes.io/*` ones. */
export function labelsFor(
  args: Pick<BaseArgs, "context">,
  component: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...k8sLabels(tagsFor(args, component)),
    "app.kubernetes.io/part-of": labelValue(args.context.project),
    "app.kubernetes.io/managed-by": "pulumi",
    ...extra,
  };
}

/**
 * The immutable selector of a workload: name + instance only. Selectors never include tags (a Deployment's
 * selector cannot change, and tags do).
 */
export function selectorFor(instance: string, name: string): Record<string, string> {
  return { [NAME_LABEL]: name, [INSTANCE_LABEL]: labelValue(instance) };
}

// ---------------------------------------------------------------------------------------------------------------
// Pod Security Standards "restricted"
// ---------------------------------------------------------------------------------------------------------------

function checkUid(uid: number): void {
  if (!Number.isInteger(uid) || uid <= 0)
    invalid("runAsUser", `must be a non-root uid (a whole number > 0), got ${uid}`);
}

/** Pod-level security context meeting PSS "restricted"; `fsGroup` makes mounted volumes writable for the uid. */
export function restrictedPodSecurity(uid: number) {
  checkUid(uid);
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level security context meeting PSS "restricted", with a read-only root filesystem. */
export function restrictedContainerSecurity(uid: number) {
  checkUid(uid);
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Quantities and names
// ---------------------------------------------------------------------------------------------------------------

/** vCPU → Kubernetes CPU quantity ("250m", "1", "1500m"). */
export function cpuQuantity(vcpu: number): string {
  if (!Number.isFinite(vcpu) || vcpu <= 0) invalid("cpu", `must be a positive number of vCPU, got ${vcpu}`);
  const milli = Math.round(vcpu * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** MiB → Kubernetes memory quantity ("512Mi", "2Gi"). */
export function memoryQuantity(mib: number): string {
  if (!Number.isInteger(mib) || mib <= 0) invalid("memoryMiB", `must be a whole number of MiB > 0, got ${mib}`);
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** In-cluster DNS name of a Service, as the app and the certificates use it. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc`;
}

/** Every name a Service answers to inside the cluster (certificate SANs). */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/**
 * A short, stable hash (8 base-36 characters) for content-addressed names (the migrate Job). Its head is
 * naming.ts `stableHash` (the program's one FNV-1a); a second 32-bit mix only widens it to 8 characters, as the
 * names existing stacks already carry were written (switching to `stableHash` alone would rename, and so replace,
 * the migrate Job on every stack).
 */
export function shortHash(text: string): string {
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x5bd1e995) >>> 0;
  return `${stableHash(text)}${h2.toString(36)}`.padStart(8, "0").slice(0, 8);
}

/** Metadata for a namespaced child. */
export function meta(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
) {
  return { name, namespace, labels, ...(annotations ? { annotations } : {}) };
}

/**
 * Checkov suppressions as annotations (`checkov.io/skip<N>: <check id>=<reason>`), for findings of
 * `checkov -d rendered --framework kubernetes` (npm run e2e, docs/e2e.md) that are deliberate. Every entry needs a
 * written reason; checkov splits the value at "=", so a reason must not contain one.
 */
export function checkovSkips(skips: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  Object.entries(skips).forEach(([id, reason], i) => {
    if (!/^CKV_K8S_\d+$/.test(id)) invalid(`checkovSkips.${id}`, "must be a checkov Kubernetes check id (CKV_K8S_<n>)");
    if (reason.trim() === "" || reason.includes("=")) {
      invalid(`checkovSkips.${id}`, "needs a written reason without '=' (checkov splits the annotation at '=')");
    }
    out[`checkov.io/skip${i + 1}`] = `${id}=${reason}`;
  });
  return out;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random alphanumeric password from the OS CSPRNG (rejection sampling: no modulo bias). On Kubernetes the program
 * uses this instead of @pulumi/random, so a Kubernetes stack needs no provider plugin besides `kubernetes` (the real
 * engine in render mode, issue 5). The Secret holding it ignores later changes, so the first value sticks.
 */
export function generatePassword(length: number): string {
  if (!Number.isInteger(length) || length < 16) invalid("length", `must be a whole number ≥ 16, got ${length}`);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}
