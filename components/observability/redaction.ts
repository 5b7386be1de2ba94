/**
 * PII and credential redaction in the telemetry collector (the seed: no e-mails, tokens or IP addresses in logs;
 * issue 16: no secrets). Pure: the rules are regular expressions in the subset RE2 (the collector's OTTL
 * `replace_pattern`) and JavaScript agree on, so the unit tests run the very patterns the collector gets on sample
 * log lines (tests/observability/redaction.spec.ts, tests/secrets/log-redaction.spec.ts). One caveat of the oracle:
 * JavaScript's `\s` also matches Unicode spaces, RE2's only ASCII ones (so RE2 masks a little more, never less).
 *
 * The credential shapes are not kept here: they are the loom-guard pack's table (policy/lib/credential-shapes.ts),
 * and the `key=value` rule's key words are the pack's sensitive names (policy/lib/sensitive.ts), so what the pack
 * refuses in a plan is what the collector masks in a log line.
 *
 * Applied to log bodies and to every log and span attribute, after the app's own structured fields are parsed.
 */
import { CREDENTIAL_SHAPES, shapeRegExp } from "../../policy/lib/credential-shapes";
import { sensitiveNameConfig } from "../../policy/lib/sensitive";

/** Which classes of personal data the collector masks (`loom:observability.redact`). */
export interface Redaction {
  emails: boolean;
  tokens: boolean;
  ips: boolean;
}

export const DEFAULT_REDACTION: Readonly<Redaction> = { emails: true, tokens: true, ips: true };

export interface RedactionRule {
  class: keyof Redaction;
  /** RE2- and JavaScript-compatible pattern (no lookaround, no backreferences). */
  pattern: string;
  replacement: string;
}

/**
 * Key words of the `key=value` / `"key": value` rule besides the pack's sensitive names: HTTP's `Authorization`,
 * ODBC's `Pwd=`, and the signature of a signed URL (Azure SAS `sig=`, `X-Amz-Signature=`, `X-Goog-Signature=`).
 */
export const LOG_ONLY_KEYS: readonly string[] = ["authorization", "pwd", "sig", "signature"];

/**
 * A pack name pattern (sensitive.ts `sensitiveNamePatterns`, upper-case, `_`-separated) as a log key word:
 * `API_?KEYS?` → `api[_-]?key`. Singular only: a plural key in a log line is a count or a list (`max_tokens`,
 * `prompt_tokens`, `"secrets": 3`), not a value. Throws on a pattern it cannot translate.
 */
export function logKeyWord(namePattern: string): string {
  const word = namePattern
    .replace(/S\?$/, "")
    .replace(/_\??/g, (sep) => (sep === "_?" ? "[_-]?" : "[_-]"))
    .toLowerCase();
  if (!/^(?:[a-z0-9]|\[_-\]\??)+$/.test(word)) {
    throw new Error(
      `sensitive name pattern "${namePattern}" cannot be a log key word: allowed are upper-case letters, digits, "_", "_?" and a trailing "S?"`,
    );
  }
  return word;
}

/** `password=…`, `"client_secret": "…"`, `X-Vault-Token: …`: a key ending in a sensitive word, and its value. */
export function keyValueRule(namePatterns: readonly string[]): RedactionRule {
  const words = [...new Set([...namePatterns.map(logKeyWord), ...LOG_ONLY_KEYS])];
  return {
    class: "tokens",
    pattern: `(?i)("?(?:${words.join("|")})"?\\s*[:=]\\s*"?)[^\\s",&]+`,
    replacement: "$1[REDACTED]",
  };
}

/**
 * The rules, in order. Credentials first: the pack's shapes (AWS key ids, PEM keys, URL passwords on any host,
 * Slack/GitHub/DigitalOcean/Stripe/Google/LLM keys, `AccountKey=`, `Password=`), then `Authorization: Bearer`
 * values, `key=value` pairs, JWTs and `sk-`/`pk-`/`rk-` keys; so a token that contains an `@` is masked whole and a
 * URL's password is gone before the e-mail rule looks at `password@host`.
 */
export const REDACTION_RULES: readonly RedactionRule[] = [
  ...CREDENTIAL_SHAPES.map(
    (shape): RedactionRule => ({ class: "tokens", pattern: shape.pattern, replacement: shape.mask }),
  ),
  { class: "tokens", pattern: "(?i)(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}", replacement: "$1 [REDACTED]" },
  keyValueRule(sensitiveNameConfig.sensitiveNamePatterns.default),
  {
    class: "tokens",
    pattern: "\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}",
    replacement: "[REDACTED_JWT]",
  },
  // Broader than the pack's llm-api-key (any provider's sk-/pk-/rk- key): too loose for plan values, fine for logs.
  { class: "tokens", pattern: "\\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}", replacement: "[REDACTED_KEY]" },
  { class: "emails", pattern: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,63}", replacement: "[REDACTED_EMAIL]" },
  {
    class: "ips",
    pattern:
      "\\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\b",
    replacement: "[REDACTED_IP]",
  },
  { class: "ips", pattern: "\\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\\b", replacement: "[REDACTED_IP]" },
  // Compressed IPv6 (2001:db8::1, fe80::1ff:fe23:4567:890a): a leading group is required, so Rust/C++ paths
  // (loom::worker) and a bare loopback `::1` stay as they are.
  {
    class: "ips",
    pattern: "\\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?",
    replacement: "[REDACTED_IP]",
  },
];

/** The rules a redaction setting turns on. */
export function rulesFor(r: Redaction): RedactionRule[] {
  return REDACTION_RULES.filter((rule) => r[rule.class]);
}

/** OTTL statements (transform processor) applying the rules to log bodies and attributes. */
export function ottlLogStatements(r: Redaction): string[] {
  return rulesFor(r).flatMap((rule) => [
    `replace_pattern(log.body, ${ottlString(rule.pattern)}, ${ottlString(ottlReplacement(rule.replacement))})`,
    `replace_all_patterns(log.attributes, "value", ${ottlString(rule.pattern)}, ${ottlString(ottlReplacement(rule.replacement))})`,
  ]);
}

/** OTTL statements applying the rules to span attributes (URLs and headers end up there). */
export function ottlSpanStatements(r: Redaction): string[] {
  return rulesFor(r).map(
    (rule) =>
      `replace_all_patterns(span.attributes, "value", ${ottlString(rule.pattern)}, ${ottlString(ottlReplacement(rule.replacement))})`,
  );
}

/** What the collector does to one line: the same patterns, applied in JavaScript (the unit test's oracle). */
export function redactLine(line: string, r: Redaction = DEFAULT_REDACTION): string {
  return rulesFor(r).reduce((text, rule) => text.replace(jsRegExp(rule.pattern), rule.replacement), line);
}

/** `(?i)` prefix → the `i` flag; global. */
export function jsRegExp(pattern: string): RegExp {
  return shapeRegExp(pattern, true);
}

/**
 * A capture reference in the collector's config: `$1` is written `$$1`, because the collector expands `${…}` and
 * `$VAR` in its config file and `$$` is the escape for a literal `$`.
 */
function ottlReplacement(replacement: string): string {
  return replacement.replace(/\$(\d)/g, (_m, d: string) => `$$${d}`);
}

function ottlString(s: string): string {
  return JSON.stringify(s);
}
