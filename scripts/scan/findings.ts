/**
 * The scanners' findings in one shape, the ignore list (scripts/scan/ignores.yaml) and the gate (docs/scanners.md).
 *
 * A finding is (scanner, check id, severity, object). An object is named `Kind/name` (the namespace is left out so
 * one entry covers every profile: dev, staging and prod render the same names into loom-dev, loom-staging, loom-prod).
 * An ignore names a scanner, a check id, the objects it covers (exact `Kind/name`, or `Kind/prefix*`) and a one-line
 * reason. The loader refuses an ignore without a reason; after a scan, an ignore that matched nothing is stale and
 * fails the gate like a finding, so the list cannot outlive what it excuses.
 */
import * as fs from "node:fs";
import { parse } from "yaml";

export type Scanner = "kube-score" | "trivy";
export const SCANNERS: readonly Scanner[] = ["kube-score", "trivy"];

export interface Finding {
  scanner: Scanner;
  check: string;
  severity: string;
  object: string; // Kind/name
  file: string;
  message: string;
}

export interface Ignore {
  scanner: Scanner;
  check: string;
  objects: string[];
  reason: string;
}

/**
 * What fails the gate. kube-score: CRITICAL and WARNING (every warning was reviewed, so a new one must be too).
 * Trivy: CRITICAL, HIGH and MEDIUM; LOW is printed but not gated (KSV-0039 flags every file of a namespace whose
 * LimitRange is in another file, KSV-0020/21 restate the uid checks kube-score gates).
 */
export const GATED: Record<Scanner, readonly string[]> = {
  "kube-score": ["CRITICAL", "WARNING"],
  trivy: ["CRITICAL", "HIGH", "MEDIUM"],
};

const OBJECT = /^[A-Za-z]+\/[a-z0-9][a-z0-9.-]*\*?$/;

/** Validates the parsed ignore list; every error names the entry, the key, the value and what is allowed. */
export function validateIgnores(doc: unknown, source = "ignores.yaml"): Ignore[] {
  const list = (doc as { ignores?: unknown } | null)?.ignores;
  if (!Array.isArray(list)) throw new Error(`${source}: top-level key 'ignores' must be a list of entries`);
  return list.map((raw, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const at = `${source}: ignores[${i}]`;
    const allowed = new Set(["scanner", "check", "objects", "reason"]);
    for (const k of Object.keys(e)) {
      if (!allowed.has(k)) throw new Error(`${at}: unknown key '${k}' (allowed: scanner, check, objects, reason)`);
    }
    if (!SCANNERS.includes(e.scanner as Scanner)) {
      throw new Error(`${at}.scanner: '${String(e.scanner)}' is not a scanner (allowed: ${SCANNERS.join(", ")})`);
    }
    if (typeof e.check !== "string" || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(e.check)) {
      throw new Error(`${at}.check: '${String(e.check)}' must be a check id such as KSV-0125 or pod-probes-identical`);
    }
    if (typeof e.reason !== "string" || e.reason.trim().length < 20 || e.reason.includes("\n")) {
      throw new Error(
        `${at}.reason: an ignore of ${e.scanner} ${e.check} needs a one-line reason of at least 20 characters (got ${JSON.stringify(e.reason ?? null)})`,
      );
    }
    const objects = e.objects;
    if (!Array.isArray(objects) || objects.length === 0) {
      throw new Error(`${at}.objects: must be a non-empty list of Kind/name (a trailing * matches a name prefix)`);
    }
    for (const o of objects) {
      if (typeof o !== "string" || !OBJECT.test(o)) {
        throw new Error(
          `${at}.objects: '${String(o)}' is not Kind/name (e.g. Deployment/loom-web, Job/loom-migrate-*)`,
        );
      }
    }
    return { scanner: e.scanner as Scanner, check: e.check, objects: objects as string[], reason: e.reason.trim() };
  });
}

export function loadIgnores(file: string): Ignore[] {
  return validateIgnores(parse(fs.readFileSync(file, "utf8")), file);
}

function objectMatches(pattern: string, object: string): boolean {
  return pattern.endsWith("*") ? object.startsWith(pattern.slice(0, -1)) : pattern === object;
}

export interface Verdict {
  gated: Finding[]; // un-ignored findings of a gated severity: each fails
  ignored: { finding: Finding; reason: string }[];
  reported: Finding[]; // below the gate, un-ignored: printed only
  stale: { ignore: Ignore; object: string }[]; // an ignore's object that matched no finding: each fails
}

/** Applies the ignore list. Every (ignore, object pattern) pair must match at least one finding, or it is stale. */
export function judge(findings: Finding[], ignores: Ignore[]): Verdict {
  const used = new Set<string>();
  const v: Verdict = { gated: [], ignored: [], reported: [], stale: [] };
  for (const f of findings) {
    let reason: string | undefined;
    for (const [i, ig] of ignores.entries()) {
      if (ig.scanner !== f.scanner || ig.check !== f.check) continue;
      const p = ig.objects.find((o) => objectMatches(o, f.object));
      if (p === undefined) continue;
      used.add(`${i}\0${p}`);
      reason ??= ig.reason;
    }
    if (reason !== undefined) v.ignored.push({ finding: f, reason });
    else if (GATED[f.scanner].includes(f.severity)) v.gated.push(f);
    else v.reported.push(f);
  }
  for (const [i, ig] of ignores.entries()) {
    for (const o of ig.objects) if (!used.has(`${i}\0${o}`)) v.stale.push({ ignore: ig, object: o });
  }
  return v;
}

const KS_GRADE: Record<number, string> = { 1: "CRITICAL", 5: "WARNING", 7: "ALMOST_OK", 10: "OK" };

/** kube-score `--output-format json` (v2): one entry per object, grade < 10 and not skipped = a finding. */
export function fromKubeScore(doc: unknown): Finding[] {
  const out: Finding[] = [];
  for (const o of doc as {
    type_meta: { kind: string };
    object_meta: { name: string };
    file_name: string;
    checks: {
      check: { id: string };
      grade: number;
      skipped: boolean;
      comments: { path: string; summary: string }[] | null;
    }[];
  }[]) {
    for (const c of o.checks) {
      if (c.skipped || c.grade >= 10) continue;
      const message = (c.comments ?? []).map((x) => (x.path ? `(${x.path}) ${x.summary}` : x.summary)).join("; ");
      out.push({
        scanner: "kube-score",
        check: c.check.id,
        severity: KS_GRADE[c.grade] ?? `GRADE-${c.grade}`,
        object: `${o.type_meta.kind}/${o.object_meta.name}`,
        file: o.file_name,
        message,
      });
    }
  }
  return out;
}

/** `trivy config --format json`: one result per file, each failed misconfiguration a finding. */
export function fromTrivy(doc: unknown, objectOf: (file: string) => string): Finding[] {
  const out: Finding[] = [];
  for (const r of (doc as { Results?: { Target: string; Misconfigurations?: unknown[] }[] }).Results ?? []) {
    for (const m of (r.Misconfigurations ?? []) as {
      ID: string;
      Severity: string;
      Message: string;
      Status: string;
    }[]) {
      if (m.Status !== "FAIL") continue;
      out.push({
        scanner: "trivy",
        check: m.ID,
        severity: m.Severity,
        object: objectOf(r.Target),
        file: r.Target,
        message: m.Message,
      });
    }
  }
  return out;
}
