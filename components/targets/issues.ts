/**
 * zod issues → the messages settings print: each names the key as the stack wrote it (`loom:profile.web.cpu`),
 * the value, and what is allowed; unknown keys get a did-you-mean hint, moved keys say where they went.
 * Pure: zod only.
 */
import type { z } from "zod";
import { show } from "./values";

/** The full key of a path as the stack writes it: ["profile", "web", "cpu"] → loom:profile.web.cpu. */
export function keyName(project: string, path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  return `${project}:${String(head)}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A value for a message: JSON, shortened when long (a 60-entry tag map is not worth repeating). */
function brief(value: unknown): string {
  const text = show(value);
  if (text.length <= 120) return text;
  if (Array.isArray(value)) return `[… ${value.length} entries]`;
  if (value !== null && typeof value === "object") return `{… ${Object.keys(value).length} keys}`;
  return `${text.slice(0, 117)}…`;
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "object" || expected === "record") return "an object (map)";
  if (expected === "array") return "a list";
  return `a ${expected}`;
}

export interface IssueContext {
  project: string;
  /** The raw config the schema read (for the value at each issue's path). */
  raw: unknown;
  /** The root schema (for the keys allowed at a path). */
  schema: z.ZodType;
  /** Moved keys, dotted paths relative to the project: { "aws.vpcCidr": "network.cidr" }. */
  moved: Readonly<Record<string, string>>;
}

function unknownKey(issue: { path: PropertyKey[] }, k: string, ctx: IssueContext): string {
  const name = (path: readonly PropertyKey[]) => keyName(ctx.project, path);
  const path = [...issue.path, k];
  const movedTo = ctx.moved[path.map(String).join(".")];
  if (movedTo !== undefined) {
    return `${name(path)} has moved to ${ctx.project}:${movedTo}; set ${ctx.project}:${movedTo}: ${show(valueAt(ctx.raw, path))} instead`;
  }
  const hint = suggest(k, knownKeysAt(ctx.schema, issue.path));
  return `${name(path)} is not a known key${hint ? `; did you mean ${name([...issue.path, hint])}?` : ""}`;
}

function sizeLimit(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  if (issue.origin === "array") return `${small ? "needs at least" : "allows at most"} ${bound}`;
  if (issue.origin === "string") return `${small ? "needs at least" : "allows at most"} ${bound} characters`;
  if (issue.inclusive === false) return `must be ${small ? "greater" : "less"} than ${bound}`;
  return `${small ? "minimum" : "maximum"} is ${bound}`;
}

/** Turn one zod issue into "loom:key: <value> <what is allowed>". */
export function describeIssue(issue: z.core.$ZodIssue, ctx: IssueContext): string[] {
  const value = brief(valueAt(ctx.raw, issue.path));
  const key = keyName(ctx.project, issue.path);
  switch (issue.code) {
    case "invalid_value":
      return [`${key}: ${value} is not one of ${issue.values.map(String).join(", ")}`];
    case "invalid_union":
      return [`${key}: ${value} is not allowed; ${issue.message}`];
    case "unrecognized_keys":
      return issue.keys.map((k) => unknownKey(issue, k, ctx));
    case "invalid_key": {
      const parent = keyName(ctx.project, issue.path.slice(0, -1));
      const why = issue.issues.map((i) => i.message).join("; ");
      return [`${parent}: the key ${show(issue.path[issue.path.length - 1])} is not allowed: ${why}`];
    }
    case "invalid_type":
      // A schema's own message (e.g. the allowed versions) says more than the type.
      if (!issue.message.startsWith("Invalid input")) return [`${key}: ${value} ${issue.message}`];
      return [`${key}: ${value} must be ${article(issue.expected)}`];
    case "too_small":
    case "too_big": {
      const custom = issue.message && !/^Too (small|big)/.test(issue.message) ? issue.message : undefined;
      if (custom && issue.origin === "string") return [`${key}: ${value} ${custom}`];
      const extra = custom ? ` (${custom})` : "";
      return [`${key}: ${value} is too ${issue.code === "too_small" ? "small" : "large"}; ${sizeLimit(issue)}${extra}`];
    }
    default:
      return [`${key}: ${value} ${issue.message}`];
  }
}

/** The keys the schema allows at `path` (for "did you mean" hints). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal wrappers generically
  let node: any = schema;
  for (const p of path) {
    node = node?.shape?.[p as string];
    while (node && !node.shape && typeof node.unwrap === "function") node = node.unwrap();
  }
  return Object.keys(node?.shape ?? {});
}

/** The closest known key by edit distance, for typo hints. */
export function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 4)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: edits plus adjacent transpositions ("colud" → "cloud" is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
