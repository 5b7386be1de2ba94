/**
 * What "looks like a secret": sensitive names (for env vars and config keys) and credential-shaped literals (for any
 * string input). Policies see secret values unwrapped, so these work on structure and shape; every match names the
 * pattern that fired so a reader can judge it, and the false-positive guards are listed here in one place:
 *  - names: a sensitive word (PASSWORD, SECRET, TOKEN, API_KEY, …) counts only as a whole `_`-separated token, and a
 *    name ending in a metadata word (…_FILE, …_ARN, …_NAME, …_URL, …_ENABLED) or containing a quantity word
 *    (MAX_TOKENS, TOKENS_PER_MINUTE, PASSWORD_MIN_LENGTH) is not sensitive;
 *  - values: references to a secret store (ARNs, `projects/…/secrets/…`, Key Vault references), variable
 *    placeholders (`${X}`, `$(X)`, `{{ x }}`), booleans and empty strings are not literals.
 * The shapes themselves (their regular expressions) are credential-shapes.ts, shared with the log pipeline's
 * redaction (components/observability/redaction.ts); this file adds the pack's look-alike guards to them.
 */
import { CREDENTIAL_SHAPES, shapeRegExp } from "./credential-shapes";
import type { ConfigSchema } from "./rule";

export interface SensitiveNameConfig {
  sensitiveNamePatterns: string[];
  exemptNameSuffixes: string[];
  exemptNameQualifiers: string[];
}

export const sensitiveNameConfig: ConfigSchema<SensitiveNameConfig> = {
  sensitiveNamePatterns: {
    type: "array",
    items: { type: "string" },
    default: [
      "PASSWORDS?",
      "PASSWD",
      "PGPASSWORD",
      "MYSQL_PWD",
      "REDISCLI_AUTH",
      "PASSPHRASE",
      "SECRETS?",
      "TOKENS?",
      "API_?KEYS?",
      "PRIVATE_?KEYS?",
      "ACCESS_?KEYS?",
      "SIGNING_?KEYS?",
      "ENCRYPTION_?KEYS?",
      "MASTER_?KEYS?",
      "SESSION_?KEYS?",
      "AUTH_?KEYS?",
      "CLIENT_?KEYS?",
      "CREDENTIALS?",
      "CREDS",
      "DSN",
      "CONNECTION_?STRINGS?",
      "CONN_?STR",
      "SALT",
    ],
    description:
      "Regular expressions matched against whole tokens of an upper-cased, `_`-separated name (databasePassword → DATABASE_PASSWORD).",
  },
  exemptNameSuffixes: {
    type: "array",
    items: { type: "string" },
    default: [
      "FILE",
      "FILES",
      "PATH",
      "DIR",
      "ARN",
      "NAME",
      "ID",
      "IDS",
      "REF",
      "URL",
      "URI",
      "ENDPOINT",
      "HOST",
      "HOSTNAME",
      "PORT",
      "HEADER",
      "ALGORITHM",
      "ISSUER",
      "AUDIENCE",
      "VERSION",
      "FORMAT",
      "PROVIDER",
      "BACKEND",
      "STORE",
      "SOURCE",
      "LOCATION",
      "REGION",
      "ENABLED",
      "DISABLED",
      "REQUIRED",
      "MODE",
      "TYPE",
      "KIND",
      "POLICY",
      "ROTATION",
      "EXPIRY",
      "EXPIRATION",
      "LIFETIME",
    ],
    description:
      "A name whose last token is one of these describes a secret (where it is, what it is) rather than holding it: DATABASE_PASSWORD_FILE, SECRET_ARN, TOKEN_URL.",
  },
  exemptNameQualifiers: {
    type: "array",
    items: { type: "string" },
    default: [
      "MAX",
      "MIN",
      "LIMIT",
      "LIMITS",
      "BUDGET",
      "COUNT",
      "PER",
      "RATE",
      "QUOTA",
      "WINDOW",
      "USAGE",
      "PRICE",
      "COST",
      "TTL",
      "TIMEOUT",
      "LENGTH",
      "SIZE",
    ],
    description:
      "A name containing one of these tokens anywhere is a quantity, not a secret: MAX_TOKENS, TOKENS_PER_MINUTE, PASSWORD_MIN_LENGTH (LLM token budgets are common here).",
  },
};

/** `databasePassword`, `database-password`, `DATABASE_PASSWORD` → ["DATABASE", "PASSWORD"]. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((t) => t !== "");
}

const compiled = new Map<string, RegExp[]>();
function patternsOf(patterns: string[]): RegExp[] {
  const key = patterns.join("\u0000");
  let res = compiled.get(key);
  if (!res) {
    res = patterns.map((p) => new RegExp(`(?:^|_)(?:${p})(?:_|$)`));
    compiled.set(key, res);
  }
  return res;
}

/**
 * The sensitive pattern `name` matches, or undefined when it is not sensitive (no pattern, or exempted by a metadata
 * suffix / quantity qualifier).
 */
export function sensitiveName(name: string, cfg: SensitiveNameConfig): string | undefined {
  const tokens = nameTokens(name);
  if (tokens.length === 0) return undefined;
  const last = tokens[tokens.length - 1] as string;
  if (cfg.exemptNameSuffixes.includes(last)) return undefined;
  if (tokens.some((t) => cfg.exemptNameQualifiers.includes(t))) return undefined;
  const joined = tokens.join("_");
  const regexes = patternsOf(cfg.sensitiveNamePatterns);
  for (let i = 0; i < regexes.length; i++) {
    if ((regexes[i] as RegExp).test(joined)) return cfg.sensitiveNamePatterns[i];
  }
  return undefined;
}

const REFERENCE_PATTERNS: RegExp[] = [
  /^arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):/,
  /^projects\/[^/]+\/secrets\/[^/]+/,
  /^@Microsoft\.KeyVault\(/i,
  /^https:\/\/[a-z0-9-]+\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net)\/(?:secrets|keys)\//i,
  /^secretref:/i,
  /^(?:\/var)?\/run\/secrets\//,
  /^\/(?:mnt|etc|vault)\/secrets\//,
  // A file in a secrets/credentials directory, also as systemd's LoadCredential=ID:PATH (/etc/loom/secrets/<key>).
  /^(?:[A-Za-z0-9_.-]+:)?\/(?:[\w.-]+\/)*(?:secrets|credentials)\/[\w.@-]+$/,
  // Vector's secret reference (SECRET[backend.key]), resolved by the shipper at runtime.
  /^SECRET\[[A-Za-z0-9_.-]+\]$/,
];
const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|\$[A-Za-z_][A-Za-z0-9_]*|%\(?[a-z_]*\)?[sd]|<[^<>]+>|\*+|x{3,}|\[secret\])$/i;
const NON_SECRET_WORDS = /^(?:true|false|yes|no|on|off|enabled|disabled|none|null|required|optional)$/i;

/** A value that references a secret or is a template placeholder, not a secret itself. */
export function isReferenceOrPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  if (PLACEHOLDER.test(v) || NON_SECRET_WORDS.test(v)) return true;
  return REFERENCE_PATTERNS.some((r) => r.test(v));
}

export interface CredentialMatch {
  /** Detector id, e.g. "aws-access-key-id". */
  id: string;
  /** "an AWS access key id" */
  what: string;
  /** A masked excerpt that never reveals the secret (first characters only). */
  hint: string;
}

/**
 * The pack's side of each shape in credential-shapes.ts (the one table): a cheap substring test before the regex,
 * and the masked hint, or undefined when the match is a look-alike (a placeholder password, an all-letter DO… word).
 */
interface DetectorGuard {
  quick: (s: string) => boolean;
  hint: (m: RegExpMatchArray) => string | undefined;
}

const prefix = (s: string, n: number) => `${s.slice(0, n)}…`;

const GUARDS: Readonly<Record<string, DetectorGuard>> = {
  "aws-access-key-id": { quick: (s) => s.includes("AKIA") || s.includes("ASIA"), hint: (m) => prefix(m[0], 4) },
  "private-key": { quick: (s) => s.includes("PRIVATE KEY"), hint: (m) => m[1] },
  "url-credentials": {
    quick: (s) => s.includes("://") && s.includes("@"),
    hint: (m) => (isReferenceOrPlaceholder(m[3] ?? "") ? undefined : `${m[1]}://${m[2]}:****@`),
  },
  "connection-string-password": {
    quick: (s) => /pass|pwd/i.test(s) && s.includes(";"),
    hint: (m) => {
      const v = (m[2] ?? "").trim().replace(/^['"]|['"]$/g, "");
      return v.length < 4 || isReferenceOrPlaceholder(v) || v.startsWith("$") ? undefined : "Password=****";
    },
  },
  "azure-storage-key": { quick: (s) => s.includes("AccountKey="), hint: () => "AccountKey=****" },
  "github-token": { quick: (s) => s.includes("gh") || s.includes("github_pat_"), hint: (m) => prefix(m[0], 4) },
  "slack-token": {
    quick: (s) => s.includes("xox") || s.includes("hooks.slack.com"),
    hint: (m) => prefix(m[0], 5),
  },
  "digitalocean-token": { quick: (s) => s.includes("_v1_"), hint: (m) => prefix(m[0], 7) },
  // At least one digit, so no all-caps word counts.
  "spaces-access-key": { quick: (s) => s.includes("DO"), hint: (m) => (/\d/.test(m[0]) ? prefix(m[0], 4) : undefined) },
  "stripe-key": { quick: (s) => s.includes("_live_") || s.includes("_test_"), hint: (m) => prefix(m[0], 8) },
  // Exactly 39 characters: a longer run of key characters is something else.
  "google-api-key": {
    quick: (s) => s.includes("AIza"),
    hint: (m) =>
      /[0-9A-Za-z_-]/.test((m.input ?? "").charAt((m.index ?? 0) + m[0].length)) ? undefined : prefix(m[0], 4),
  },
  "llm-api-key": { quick: (s) => s.includes("sk-"), hint: (m) => prefix(m[0], 7) },
};

interface Detector extends DetectorGuard {
  id: string;
  what: string;
  re: RegExp;
}

const DETECTORS: readonly Detector[] = CREDENTIAL_SHAPES.map((shape) => {
  const guard = GUARDS[shape.id];
  if (!guard) throw new Error(`credential shape "${shape.id}" has no detector guard in policy/lib/sensitive.ts`);
  return { id: shape.id, what: shape.what, re: shapeRegExp(shape.pattern, true), ...guard };
});

/** Detector ids, for config validation and docs. */
export const CREDENTIAL_DETECTORS: readonly string[] = DETECTORS.map((d) => d.id);

/** Every credential shape found in `s` (at most one per detector: its first match that is not a look-alike). */
export function credentialLiterals(s: string): CredentialMatch[] {
  if (s.length < 16) return [];
  const out: CredentialMatch[] = [];
  for (const d of DETECTORS) {
    if (!d.quick(s)) continue;
    for (const m of s.matchAll(d.re)) {
      const hint = d.hint(m);
      if (hint === undefined) continue;
      out.push({ id: d.id, what: d.what, hint });
      break;
    }
  }
  return out;
}

const ASSIGNMENT = /^\s*(?:export\s+|-\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[=:]\s*(.*?)\s*$/;

/**
 * Sensitive `NAME=value` / `name: value` lines in multi-line text (env files, cloud-init, compose files) whose value
 * is a literal. Returns the offending names (never the values).
 */
export function sensitiveAssignments(text: string, cfg: SensitiveNameConfig): { name: string; pattern: string }[] {
  if (!text.includes("\n")) return [];
  const out: { name: string; pattern: string }[] = [];
  for (const line of text.split("\n")) {
    const m = ASSIGNMENT.exec(line);
    if (!m) continue;
    const name = m[1] as string;
    const value = (m[2] ?? "").replace(/^['"]|['"]$/g, "");
    if (value.length < 4 || value.startsWith("$") || value.startsWith("|") || value.startsWith(">")) continue;
    if (isReferenceOrPlaceholder(value)) continue;
    const pattern = sensitiveName(name, cfg);
    if (pattern) out.push({ name, pattern });
  }
  return out;
}
