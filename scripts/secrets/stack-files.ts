/**
 * Stack secrets at rest (issue 16 item 4, docs/security/secrets.md#stack-secrets): no Pulumi stack file holds a
 * plaintext value for a key that looks sensitive, and no string in one has the shape of a credential. "Looks
 * sensitive" is the loom-guard pack's ONE rule (policy/lib/sensitive.ts, through components/lib/sensitive.ts): a key
 * is sensitive when its own name or any enclosing key's name is (so every entry of `loom:alertSecrets` counts).
 * A sensitive value passes only as `secure: v1:…` (encrypted by the stack's secrets provider), an empty value, or a
 * reference/placeholder the pack already accepts. Project files (Pulumi.yaml) must not give a sensitive key a
 * literal `default`. A list of environment-variable names under a sensitive key (`loom:appSecrets: [LLM_API_KEY]`)
 * names secrets kept elsewhere and passes. Findings name the file, the key path and the rule, never the value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { sensitiveEnvPattern } from "../../components/lib/sensitive";
import { credentialLiterals, isReferenceOrPlaceholder } from "../../policy/lib/sensitive";

export interface StackFinding {
  file: string;
  /** e.g. `loom:alertSecrets.slack` or `loom:database[0].password` */
  key: string;
  why: string;
}

const isSecure = (v: unknown): boolean =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).length === 1 &&
  typeof (v as { secure?: unknown }).secure === "string" &&
  /^v1:/.test((v as { secure: string }).secure);

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Walks one config value; `sensitive` is the pattern of the nearest sensitive key on the path, if any. */
function walk(file: string, key: string, value: unknown, sensitive: string | undefined, out: StackFinding[]): void {
  if (isSecure(value)) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      // A list of variable NAMES under a sensitive key (loom:appSecrets: [LLM_API_KEY]) names secrets, holds none.
      if (typeof v === "string" && ENV_NAME.test(v)) return;
      walk(file, `${key}[${i}]`, v, sensitive, out);
    });
    return;
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      walk(file, `${key}.${k}`, v, sensitive ?? sensitiveEnvPattern(k), out);
    }
    return;
  }
  if (typeof value !== "string") return; // numbers and booleans are never credentials
  for (const c of credentialLiterals(value)) {
    out.push({ file, key, why: `holds ${c.what} in plaintext (${c.hint}); set it with pulumi config set --secret` });
  }
  if (sensitive && !isReferenceOrPlaceholder(value)) {
    out.push({
      file,
      key,
      why: `key looks sensitive (pattern ${sensitive}) but its value is plaintext; set it with pulumi config set --secret`,
    });
  }
}

/** Findings in one stack file's text (Pulumi.<stack>.yaml). */
export function stackFileFindings(file: string, text: string): StackFinding[] {
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const out: StackFinding[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    walk(file, key, value, sensitiveEnvPattern(key.split(":").pop() ?? key), out);
  }
  return out;
}

/** Findings in a project file (Pulumi.yaml): a sensitive key must not carry a literal default. */
export function projectFileFindings(file: string, text: string): StackFinding[] {
  const doc = (parse(text) ?? {}) as { name?: string; config?: Record<string, { default?: unknown; value?: unknown }> };
  const out: StackFinding[] = [];
  for (const [key, decl] of Object.entries(doc.config ?? {})) {
    if (typeof decl !== "object" || decl === null) continue;
    const pattern = sensitiveEnvPattern(key.split(":").pop() ?? key);
    for (const field of ["default", "value"] as const) {
      if (decl[field] === undefined) continue;
      walk(file, `${doc.name ?? "project"}:${key} (${field})`, decl[field], pattern, out);
    }
  }
  return out;
}

/** The Pulumi files under `root`: the project's and, if present, deployments/ (project files and stack files). */
export function pulumiFiles(root: string): { project: string[]; stacks: string[] } {
  const project: string[] = [];
  const stacks: string[] = [];
  for (const dir of [root, path.join(root, "deployments")]) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const rel = path.relative(root, path.join(dir, name));
      if (name === "Pulumi.yaml" || name === "Pulumi.yml") project.push(rel);
      else if (/^Pulumi\.[^.]+\.ya?ml$/.test(name)) stacks.push(rel);
    }
  }
  return { project, stacks };
}

/** Every finding in every Pulumi file under `root`. */
export function scanPulumiFiles(root: string): StackFinding[] {
  const { project, stacks } = pulumiFiles(root);
  const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");
  return [
    ...project.flatMap((f) => projectFileFindings(f, read(f))),
    ...stacks.flatMap((f) => stackFileFindings(f, read(f))),
  ];
}
