/**
 * What "looks like a secret": sensitive names (for env vars and config keys) and credential-shaped literals (for any
 * string input). Policies see secret values unwrapped, so these work on structure and shape; every match names the
 * pattern that fired so a reader can judge it, and the false-positive guards are listed here in one place:
 *  - names: a sensitive word (PASSWORD, SECRET, TOKEN, API_KEY, …) counts only as a whole `_`-separated token, and a
 *    name ending in a metadata word (…_FILE, …_ARN, …_NAME, …_URL, …_ENABLED) or containing a quantity word
 *    (MAX_TOKENS, TOKENS_PER_MINUTE, PASSWORD_MIN_LENGTH) is not sensitive;
 *  - values: references to a secret store (ARNs, `projects/…/secrets/…`, Key Vault references), variable
 *    placeholders (`${X}`, `$(X)`, `{{ x }}`), booleans and empty strings are not literals.
 */
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

interface Detector {
  id: string;
  what: string;
  /** Cheap substring test before the regex. */
  quick: (s: string) => boolean;
  re: RegExp;
  hint: (m: RegExpExecArray) => string | undefined;
}

const prefix = (s: string, n: number) => `${s.slice(0, n)}…`;

const DETECTORS: Detector[] = [
  {
    id: "aws-access-key-id",
    what: "an AWS access key id",
    quick: (s) => s.includes("AKIA") || s.includes("ASIA"),
    re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/,
    hint: (m) => prefix(m[0], 4),
  },
  {
    id: "private-key",
    what: "a PEM private key",
    quick: (s) => s.includes("PRIVATE KEY"),
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
    hint: (m) => m[0],
  },
  {
    id: "url-credentials",
    what: "a URL with an embedded password",
    quick: (s) => s.includes("://") && s.includes("@"),
    re: /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#@:'"]*):([^\s/?#@'"]+)@/i,
    hint: (m) => (isReferenceOrPlaceholder(m[3] ?? "") ? undefined : `${m[1]}://${m[2]}:****@`),
  },
  {
    id: "connection-string-password",
    what: "a connection string with a literal Password=",
    quick: (s) => /pass/i.test(s) && s.includes(";"),
    re: /(?:^|;)\s*(?:Password|Pwd)\s*=\s*([^;]*)/i,
    hint: (m) => {
      const v = (m[1] ?? "").trim().replace(/^['"]|['"]$/g, "");
      return v.length < 4 || isReferenceOrPlaceholder(v) || v.startsWith("$") ? undefined : "Password=****";
    },
  },
  {
    id: "azure-storage-key",
    what: "an Azure storage account key",
    quick: (s) => s.includes("AccountKey="),
    re: /AccountKey=[A-Za-z0-9+/]{40,}={0,2}/,
    hint: () => "AccountKey=****",
  },
  {
    id: "github-token",
    what: "a GitHub token",
    quick: (s) => s.includes("gh") || s.includes("github_pat_"),
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/,
    hint: (m) => prefix(m[0], 4),
  },
  {
    id: "slack-token",
    what: "a Slack token or webhook",
    quick: (s) => s.includes("xox") || s.includes("hooks.slack.com"),
    re: /\bxox[abposr]-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/,
    hint: (m) => prefix(m[0], 5),
  },
  {
    id: "digitalocean-token",
    what: "a DigitalOcean API token",
    quick: (s) => s.includes("_v1_"),
    re: /\bdo[por]_v1_[a-f0-9]{64}\b/,
    hint: (m) => prefix(m[0], 7),
  },
  {
    // DO00ABCDEFGHIJK12345: 20 upper-case letters and digits, at least one digit (so no all-caps word matches).
    id: "spaces-access-key",
    what: "a DigitalOcean Spaces access key id",
    quick: (s) => s.includes("DO"),
    re: /\bDO[0-9A-Z]{18}\b/,
    hint: (m) => (/\d/.test(m[0]) ? prefix(m[0], 4) : undefined),
  },
  {
    id: "stripe-key",
    what: "a Stripe live key",
    quick: (s) => s.includes("_live_"),
    re: /\b[rs]k_live_[A-Za-z0-9]{20,}/,
    hint: (m) => prefix(m[0], 8),
  },
  {
    id: "google-api-key",
    what: "a Google API key",
    quick: (s) => s.includes("AIza"),
    re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/,
    hint: (m) => prefix(m[0], 4),
  },
  {
    id: "llm-api-key",
    what: "an LLM provider API key (Anthropic/OpenAI)",
    quick: (s) => s.includes("sk-"),
    re: /\bsk-ant-[a-z]+\d{2}-[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]+/,
    hint: (m) => prefix(m[0], 7),
  },
];

/** Detector ids, for config validation and docs. */
export const CREDENTIAL_DETECTORS: readonly string[] = DETECTORS.map((d) => d.id);

/** Every credential shape found in `s` (at most one per detector). */
export function credentialLiterals(s: string): CredentialMatch[] {
  if (s.length < 16) return [];
  const out: CredentialMatch[] = [];
  for (const d of DETECTORS) {
    if (!d.quick(s)) continue;
    const m = d.re.exec(s);
    if (!m) continue;
    const hint = d.hint(m);
    if (hint !== undefined) out.push({ id: d.id, what: d.what, hint });
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
