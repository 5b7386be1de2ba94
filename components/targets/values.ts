/**
 * zod building blocks for stack config values, shared by settings.ts and every target (pure: zod only).
 *
 * Numbers and booleans are coerced from their string form: `pulumi config set --path loom:profile.web.cpu 0.5`
 * stores the string "0.5" inside the object, and the Pulumi CLI does the same for "true"/"false". A string that is
 * not a number (or boolean) passes through unchanged, so the message shows what the stack wrote.
 */
import { z } from "zod";
import { cidrProblem } from "../lib/cidr";

const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** "0.5" → 0.5, "17" → 17; anything else unchanged. */
export function coerceNumber(v: unknown): unknown {
  return typeof v === "string" && NUMBER_TEXT.test(v.trim()) ? Number(v) : v;
}

/** "true"/"false" → boolean; anything else unchanged. */
export function coerceBoolean(v: unknown): unknown {
  return v === "true" ? true : v === "false" ? false : v;
}

/** A whole number in [min, max] (also from its string form). */
export const int = (min: number, max: number) => z.preprocess(coerceNumber, z.number().int().min(min).max(max));

/** A boolean (also "true"/"false"). */
export const bool = () => z.preprocess(coerceBoolean, z.boolean());

/** A number (also from its string form); refine it further with `.min()`, `.max()`. */
export const num = () => z.preprocess(coerceNumber, z.number());

/** A string checked by a function that returns the problem (or undefined). */
export function checked(problemOf: (v: string) => string | undefined) {
  return z.string().superRefine((v, ctx) => {
    const problem = problemOf(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** An IPv4 network address such as 203.0.113.0/24. */
export const cidr = checked(cidrProblem);

/** A list without repeated entries; the message names the repeated value. */
export function uniqueList<T extends z.ZodType<string>>(item: T, minMessage?: string) {
  const list = z.array(item);
  return (minMessage ? list.min(1, minMessage) : list).superRefine((values, ctx) => {
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: "custom", path: [i], message: "is listed twice; remove the duplicate" });
      seen.add(v);
    });
  });
}

export const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,63}$/i;
export const email = () => z.string().regex(EMAIL, "must be an e-mail address");

/** A DNS-1123 label: namespaces, service names (lower-case alphanumerics and '-', 1–63, alphanumeric at both ends). */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: Secret, StorageClass, IngressClass and ClusterIssuer names. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
export const dnsLabel = () =>
  z.string().regex(DNS_LABEL, "must be a DNS-1123 label: 1-63 of a-z 0-9 -, starting and ending alphanumeric");
export const dnsSubdomain = () =>
  z
    .string()
    .regex(DNS_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case a-z 0-9 - and ., starting and ending alphanumeric");

/** `JSON.stringify`, or "(not set)" — how messages show a value. */
export function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  return JSON.stringify(value);
}
