/**
 * PII redaction in the telemetry collector (the seed: no e-mails, tokens or IP addresses in logs). Pure: the rules
 * are regular expressions in the subset RE2 (the collector's OTTL `replace_pattern`) and JavaScript agree on, so the
 * unit test runs the very patterns the collector gets on sample log lines (tests/observability/redaction.spec.ts).
 *
 * Applied to log bodies and to every log and span attribute, after the app's own structured fields are parsed.
 */

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
 * The rules, in order. Tokens first so a bearer token that contains an `@` is masked whole: `Authorization: Bearer`
 * values, `token=`/`api_key=`/`password=` pairs, provider API keys (sk-…), JWTs and GitHub tokens.
 */
export const REDACTION_RULES: readonly RedactionRule[] = [
  { class: "tokens", pattern: "(?i)(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}", replacement: "$1 [REDACTED]" },
  {
    class: "tokens",
    pattern: '(?i)("?(?:api[_-]?key|token|secret|password|passwd|authorization)"?\\s*[:=]\\s*"?)[^\\s",&]+',
    replacement: "$1[REDACTED]",
  },
  {
    class: "tokens",
    pattern: "\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}",
    replacement: "[REDACTED_JWT]",
  },
  { class: "tokens", pattern: "\\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}", replacement: "[REDACTED_KEY]" },
  { class: "tokens", pattern: "\\bgh[pousr]_[A-Za-z0-9]{20,}", replacement: "[REDACTED_KEY]" },
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
  const insensitive = pattern.startsWith("(?i)");
  return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? "gi" : "g");
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
