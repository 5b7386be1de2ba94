/**
 * The ONE table of credential shapes: the loom-guard pack's detectors (sensitive.ts `credentialLiterals`) and the log
 * pipeline's credential rules (components/observability/redaction.ts) are both built from these rows, so a shape
 * added here is refused in a plan and masked in the logs at once.
 *
 * It lives in the pack (policy/ is its own npm workspace and `pulumi policy publish` uploads only policy/), and the
 * program imports it from here, the direction components/lib/sensitive.ts already takes. No imports: pure data.
 *
 * Every pattern is written in the subset Go's RE2 (the OpenTelemetry Collector's OTTL `replace_pattern`) and
 * JavaScript agree on: no lookaround, no backreferences, no possessive or atomic groups, no inline flag other than a
 * leading `(?i)`; a replacement refers to groups as `$1` never followed by a letter, digit or `_` (Go would read
 * `$1_x` as the group named `1_x`). tests/secrets/log-redaction.spec.ts checks all of that on every rendered rule.
 */

export interface CredentialShape {
  /** Detector id (the pack's `disabledDetectors` values), e.g. "aws-access-key-id". */
  id: string;
  /** "an AWS access key id" */
  what: string;
  /** RE2 ∩ JavaScript source; a leading `(?i)` makes it case-insensitive. */
  pattern: string;
  /** What the log pipeline writes instead of a match (`$n` = the pattern's group n). */
  mask: string;
  /**
   * The same shape as a CloudWatch Logs custom data identifier regex (the AWS app logs' data protection policy,
   * components/app-service/policies.ts). CloudWatch accepts only letters, digits, `_ # = @ / ; , -`, space and
   * `^ $ ? [ ] { } | \ * + .` — no parentheses, colon or quotes — 200 characters at most, 10 identifiers a policy.
   * Absent: CloudWatch's managed identifiers cover the shape (private keys), or it cannot be written in that set
   * (a URL's `user:password@` needs a colon); docs/security/secrets.md says so.
   */
  cloudwatch?: string;
}

/** A PEM private-key header (RSA, EC, OPENSSH, ENCRYPTED, PGP … BLOCK); certificates and public keys do not match. */
const PEM_LABEL = "(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?";

export const CREDENTIAL_SHAPES: readonly CredentialShape[] = [
  {
    id: "aws-access-key-id",
    what: "an AWS access key id",
    pattern: "\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\bAKIA[A-Z0-9]{16}\\b|\\bASIA[A-Z0-9]{16}\\b",
  },
  {
    // The header is group 1; the body up to the matching END line goes with it, or everything after the header
    // when the END line is not in the same record (a truncated or split line).
    id: "private-key",
    what: "a PEM private key",
    pattern: `(-----BEGIN ${PEM_LABEL}-----)(?:[\\s\\S]*?-----END ${PEM_LABEL}-----|[\\s\\S]*)`,
    mask: "[REDACTED_PRIVATE_KEY]",
  },
  {
    // Groups: scheme, user, password. Any host: a domain, an IP, a bare service name (loom-db-rw).
    id: "url-credentials",
    what: "a URL with an embedded password",
    pattern: "(?i)\\b([a-z][a-z0-9+.-]*)://([^\\s/?#@:'\"]*):([^\\s/?#@'\"]+)@",
    mask: "$1://$2:[REDACTED]@",
  },
  {
    id: "connection-string-password",
    what: "a connection string with a literal Password=",
    pattern: "(?i)((?:^|;)\\s*(?:Password|Pwd)\\s*=\\s*)([^;]*)",
    mask: "$1[REDACTED]",
    cloudwatch: "[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd] *= *[^;]+|[Pp][Ww][Dd] *= *[^;]+",
  },
  {
    id: "azure-storage-key",
    what: "an Azure storage account key",
    pattern: "(AccountKey=)[A-Za-z0-9+/]{40,}={0,2}",
    mask: "$1[REDACTED]",
    cloudwatch: "AccountKey=[A-Za-z0-9+/]{40,}={0,2}",
  },
  {
    id: "github-token",
    what: "a GitHub token",
    pattern: "\\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\\b",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\bgh[pousr]_[A-Za-z0-9]{36,}|\\bgithub_pat_[A-Za-z0-9_]{22,}",
  },
  {
    // Group 1 is the webhook's fixed prefix (kept, so the line still says where it posted); empty for a token.
    id: "slack-token",
    what: "a Slack token or webhook",
    pattern:
      "\\bxox[abposr]-[A-Za-z0-9-]{10,}|(https://hooks\\.slack\\.com/services/)T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
    mask: "$1[REDACTED_KEY]",
    cloudwatch: "\\bxox[abposr]-[A-Za-z0-9-]{10,}|hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
  },
  {
    id: "digitalocean-token",
    what: "a DigitalOcean API token",
    pattern: "\\bdo[por]_v1_[a-f0-9]{64}\\b",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\bdo[por]_v1_[a-f0-9]{64}\\b",
  },
  {
    // DO00ABCDEFGHIJK12345: 20 upper-case letters and digits. The pack also wants a digit (so no all-caps word
    // counts); RE2 cannot say that without lookahead, so the log pipeline also masks a 20-letter all-caps DO… word.
    id: "spaces-access-key",
    what: "a DigitalOcean Spaces access key id",
    pattern: "\\bDO[0-9A-Z]{18}\\b",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\bDO[0-9A-Z]{18}\\b",
  },
  {
    id: "stripe-key",
    what: "a Stripe secret or restricted key",
    pattern: "\\b[rs]k_(?:live|test)_[A-Za-z0-9]{20,}",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\b[rs]k_live_[A-Za-z0-9]{20,}|\\b[rs]k_test_[A-Za-z0-9]{20,}",
  },
  {
    // Exactly 39 characters; the pack rejects a longer run itself (RE2 has no lookahead), the log pipeline masks
    // the first 39 characters of one.
    id: "google-api-key",
    what: "a Google API key",
    pattern: "\\bAIza[0-9A-Za-z_-]{35}",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\bAIza[0-9A-Za-z_-]{35}",
  },
  {
    id: "llm-api-key",
    what: "an LLM provider API key (Anthropic/OpenAI)",
    pattern: "\\bsk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_-]{20,}|\\bsk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]+",
    mask: "[REDACTED_KEY]",
    cloudwatch: "\\bsk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_-]{20,}|\\bsk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]+",
  },
];

/** The JavaScript RegExp of an RE2 ∩ JS pattern: a leading `(?i)` becomes the `i` flag. */
export function shapeRegExp(pattern: string, global: boolean): RegExp {
  const insensitive = pattern.startsWith("(?i)");
  const flags = `${insensitive ? "i" : ""}${global ? "g" : ""}`;
  return new RegExp(insensitive ? pattern.slice(4) : pattern, flags);
}
