/**
 * `loom:kubernetes.imageVerification` (docs/kubernetes.md#requiring-signed-images): admit only images signed with
 * one Sigstore keyless identity (Kyverno `verifyImages`, built by components/app-service/k8s-image-verification.ts).
 * Pure: zod only, no SDK. Off when unset.
 *
 * Rules: `issuer` and exactly one of `subject` / `subjectRegExp` are required; the issuer and the Rekor URL are
 * https:// URLs; `subjectRegExp` is anchored (^…$) so it cannot match a longer identity, and compiles. Defaults:
 * `mode` enforce, `rekorUrl` the public Rekor.
 */
import { z } from "zod";
import { show } from "./values";

/** Sigstore's public transparency log (where image.yml's keyless signatures are recorded). */
export const DEFAULT_REKOR_URL = "https://rekor.sigstore.dev";

/** The identity images must be signed with, every default applied. */
export interface KubernetesImageVerification {
  /** enforce = unsigned images are refused; audit = admitted and reported (Kyverno policy reports). */
  mode: "enforce" | "audit";
  /** The OIDC issuer of the signing certificate, e.g. https://token.actions.githubusercontent.com. */
  issuer: string;
  /** Exactly one of the two: the certificate identity, or an anchored regular expression over it. */
  subject?: string;
  subjectRegExp?: string;
  rekorUrl: string;
}

const HTTPS_URL = /^https:\/\/[^\s/:@]+(:\d{1,5})?(\/[^\s]*)?$/;

function regExpProblem(v: string): string | undefined {
  if (!v.startsWith("^") || !v.endsWith("$")) {
    return "must be anchored (start with ^ and end with $): an unanchored expression also matches longer identities";
  }
  try {
    new RegExp(v);
  } catch (e) {
    return `is not a regular expression (${(e as Error).message})`;
  }
  return undefined;
}

const schema = z
  .object({
    mode: z.enum(["enforce", "audit"]),
    issuer: z
      .string()
      .regex(HTTPS_URL, "must be the OIDC issuer's https:// URL, e.g. https://token.actions.githubusercontent.com"),
    subject: z.string().regex(/^\S{1,1024}$/, "must be the signing identity (1-1024 characters, no spaces)"),
    subjectRegExp: z.string().superRefine((v, ctx) => {
      const problem = regExpProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    rekorUrl: z
      .string()
      .regex(HTTPS_URL, "must be the transparency log's https:// URL, e.g. https://rekor.sigstore.dev"),
  })
  .partial()
  .strict();

const key = (name?: string) => `loom:kubernetes.imageVerification${name ? `.${name}` : ""}`;

/** The resolved setting, or undefined (off) when the stack does not set it. */
function resolve(
  given: z.output<typeof schema> | undefined,
  problems: string[],
): KubernetesImageVerification | undefined {
  if (given === undefined) return undefined;
  if (given.issuer === undefined) {
    problems.push(
      `${key("issuer")} is required when ${key()} is set: the OIDC issuer of the signing certificate (image.yml signs with https://token.actions.githubusercontent.com)`,
    );
  }
  if ((given.subject === undefined) === (given.subjectRegExp === undefined)) {
    problems.push(
      `${key()} needs exactly one of subject and subjectRegExp (subject ${show(given.subject)}, subjectRegExp ${show(given.subjectRegExp)}): the identity image.yml signs with, https://github.com/<owner>/loom-infra/.github/workflows/image.yml@<ref>`,
    );
  }
  return {
    mode: given.mode ?? "enforce",
    issuer: given.issuer ?? "",
    ...(given.subject !== undefined ? { subject: given.subject } : {}),
    ...(given.subjectRegExp !== undefined ? { subjectRegExp: given.subjectRegExp } : {}),
    rekorUrl: given.rekorUrl ?? DEFAULT_REKOR_URL,
  };
}

/** The key's schema, and its resolved value as a spread for KubernetesTarget (`{}` when off). */
export const imageVerification = {
  schema,
  entry(given: z.output<typeof schema> | undefined, problems: string[]) {
    const v = resolve(given, problems);
    return v ? { imageVerification: v } : {};
  },
};
