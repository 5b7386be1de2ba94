/**
 * The Kyverno ClusterPolicy (kyverno.io/v1) of `loom:kubernetes.imageVerification` (docs/kubernetes.md#requiring-
 * signed-images): in the stack's namespace, Pods (and, by Kyverno's autogen, their Deployments, Jobs and CronJobs)
 * whose image is in the app's or the backup job's repository must carry a cosign keyless signature of the given
 * identity, logged in Rekor, with the certificate's SCT checked. Pure: no Pulumi.
 *
 * - enforce: `validationFailureAction: Enforce`, `failurePolicy: Fail` (no admission while Kyverno is down), tags
 *   replaced by the verified digest (`mutateDigest`). audit: admitted and reported (PolicyReports); `mutateDigest`
 *   false, because Kyverno refuses a policy with mutateDigest under Audit (ImageVerification.Validate).
 * - `verifyDigest` and `required` always: a workload must run by digest, and a matched image must be verified.
 * - Only the signature is checked. image.yml's SLSA provenance (actions/attest-build-provenance) is a GitHub
 *   attestation pushed as a Sigstore bundle through the OCI referrers API, not a cosign `.att` attestation; no
 *   `attestations` check is generated (docs/kubernetes.md says why).
 */
import type { KubernetesImageVerification } from "../targets/kubernetes-image-verification";

/** The Kyverno release whose ClusterPolicy fields this policy uses; `subjectRegExp` is only honoured from 1.14.0. */
export const KYVERNO_MIN_VERSION = "1.12";
export const KYVERNO_MIN_VERSION_REGEXP = "1.14";

/** An image the policy covers: the stack config key it comes from, and its reference. */
export interface VerifiedImage {
  key: string;
  ref: string;
}

/**
 * The repository of a pinned reference as Kyverno matches it (Docker Hub names normalised to docker.io[/library]),
 * e.g. ghcr.io/acme/loom:1.4.2@sha256:… → ghcr.io/acme/loom. A bare digest has no repository: that is an error.
 */
export function repositoryOf(image: VerifiedImage): string {
  const named = image.ref.split("@")[0] ?? "";
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const name = colon > slash ? named.slice(0, colon) : named;
  if (name === "" || name === "sha256") {
    throw new Error(
      `${image.key}: ${JSON.stringify(image.ref)} is a digest without a repository; loom:kubernetes.imageVerification needs the repository to match, e.g. ghcr.io/acme/loom@sha256:…`,
    );
  }
  const first = name.split("/")[0] ?? "";
  if (name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return name;
  return name.includes("/") ? `docker.io/${name}` : `docker.io/library/${name}`;
}

/** The keyless attestor: the identity, Rekor, and the certificate's SCT (Fulcio embeds one; it is not ignored). */
function keyless(v: KubernetesImageVerification) {
  return {
    issuer: v.issuer,
    ...(v.subject !== undefined ? { subject: v.subject } : {}),
    ...(v.subjectRegExp !== undefined ? { subjectRegExp: v.subjectRegExp } : {}),
    rekor: { url: v.rekorUrl },
    ctlog: { ignoreSCT: false },
  };
}

/** The ClusterPolicy's name and spec for the stack's namespace; each repository matched by tag and by digest. */
export function imageVerificationPolicy(
  namespace: string,
  images: readonly VerifiedImage[],
  v: KubernetesImageVerification,
) {
  const repositories = [...new Set(images.map(repositoryOf))];
  const enforce = v.mode === "enforce";
  return {
    name: `${namespace}-signed-images`,
    spec: {
      validationFailureAction: enforce ? "Enforce" : "Audit",
      background: false,
      failurePolicy: enforce ? "Fail" : "Ignore",
      webhookTimeoutSeconds: 30,
      rules: [
        {
          name: "signed-images",
          match: { any: [{ resources: { kinds: ["Pod"], namespaces: [namespace] } }] },
          verifyImages: [
            {
              imageReferences: repositories.flatMap((r) => [`${r}:*`, `${r}@*`]),
              mutateDigest: enforce,
              verifyDigest: true,
              required: true,
              attestors: [{ count: 1, entries: [{ keyless: keyless(v) }] }],
            },
          ],
        },
      ],
    },
  };
}

/** The plan-time warning: Kyverno is a prerequisite the program does not install. */
export function imageVerificationWarning(v: KubernetesImageVerification): string {
  const version = v.subjectRegExp !== undefined ? KYVERNO_MIN_VERSION_REGEXP : KYVERNO_MIN_VERSION;
  const why =
    v.subjectRegExp !== undefined
      ? " (subjectRegExp: earlier releases ignore it and accept any subject, GO-2025-3562)"
      : "";
  return (
    `loom:kubernetes.imageVerification creates a Kyverno ClusterPolicy: the cluster must run Kyverno >= ${version}${why}; ` +
    `loom:kubernetes.installOperators does not install Kyverno (docs/kubernetes.md#requiring-signed-images)`
  );
}
