/**
 * No secrets in logs (issue 16 item 5): the log pipeline's redaction (components/observability/redaction.ts, the
 * very patterns the collector's OTTL `transform/redact` runs, through their JavaScript oracle `redactLine`) fed one
 * sample line per secret shape, every value obviously fake. COVERED lines must come out exactly as written here with
 * the secret gone; KNOWN_GAPS are shapes the pipeline passes through unmasked today (reported in
 * docs/security/secrets.md#no-secrets-in-logs): each asserts the gap is still there, so closing one fails this spec
 * until the line moves to COVERED. Every shape the loom-guard pack recognises as a credential (policy/lib/sensitive.ts,
 * the one home for credential shapes) must have a sample here.
 */
import * as assert from "node:assert/strict";
import { DEFAULT_REDACTION, redactLine } from "../../components/observability/redaction";
import { CREDENTIAL_DETECTORS, credentialLiterals } from "../../policy/lib/sensitive";

interface Sample {
  shape: string;
  line: string;
  /** The part that must not survive redaction. */
  secret: string;
}

const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJub3QtYS1yZWFsLXVzZXIifQ.bm90LWEtcmVhbC1zaWduYXR1cmU";

const COVERED: readonly (Sample & { masked: string })[] = [
  {
    shape: "Authorization: Bearer token",
    line: "upstream Authorization: Bearer not-a-real-bearer-token-0123",
    secret: "not-a-real-bearer-token-0123",
    masked: "upstream Authorization: [REDACTED] [REDACTED]",
  },
  { shape: "JWT", line: `session ${JWT} expired`, secret: JWT, masked: "session [REDACTED_JWT] expired" },
  {
    shape: "password= pair",
    line: "login failed password=not-a-real-password user=bob",
    secret: "not-a-real-password",
    masked: "login failed password=[REDACTED] user=bob",
  },
  {
    shape: "PGPASSWORD= in a logged command",
    line: "exec PGPASSWORD=not-a-real-password psql -h db",
    secret: "not-a-real-password",
    masked: "exec PGPASSWORD=[REDACTED] psql -h db",
  },
  {
    shape: "client_secret= pair",
    line: "oauth client_secret=not-a-real-client-secret",
    secret: "not-a-real-client-secret",
    masked: "oauth client_secret=[REDACTED]",
  },
  {
    shape: "ADO.NET connection string Password=",
    line: "Server=tcp:loom.database.windows.net;User ID=loom;Password=not-a-real-password;Encrypt=true",
    secret: "not-a-real-password",
    // The value pattern stops at whitespace, quotes, commas and &, not at `;`: the rest of the string goes too.
    masked: "Server=tcp:loom.database.windows.net;User ID=loom;Password=[REDACTED]",
  },
  {
    shape: "postgres URL with password, host with a domain",
    line: "connecting to postgres://loom_app:not-a-real-password@db.example.com:5432/loom",
    secret: "not-a-real-password",
    // Masked by the e-mail rule (password@host.tld looks like an address), not by a credential rule.
    masked: "connecting to postgres://loom_app:[REDACTED_EMAIL]:5432/loom",
  },
  {
    shape: "X-Vault-Token header",
    line: "proxy X-Vault-Token: not-a-real-vault-token",
    secret: "not-a-real-vault-token",
    masked: "proxy X-Vault-Token: [REDACTED]",
  },
  {
    shape: "GitHub classic token",
    line: "clone with ghp_000000000000000000000000000000000000 ok",
    secret: "ghp_000000000000000000000000000000000000",
    masked: "clone with [REDACTED_KEY] ok",
  },
  {
    shape: "Anthropic API key",
    line: "llm call with sk-ant-api03-notarealkeynotarealkeynotreal failed",
    secret: "sk-ant-api03-notarealkeynotarealkeynotreal",
    masked: "llm call with [REDACTED_KEY] failed",
  },
];

const KNOWN_GAPS: readonly (Sample & { fix: string })[] = [
  {
    shape: "AWS access key id (AKIA…)",
    line: "boto3 credentials AKIAIOSFODNN7EXAMPLE loaded",
    secret: "AKIAIOSFODNN7EXAMPLE",
    fix: "a tokens rule \\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b",
  },
  {
    shape: "aws_secret_access_key= pair",
    line: "aws_secret_access_key=not/a/real/secret/access/key/0000000",
    secret: "not/a/real/secret/access/key/0000000",
    fix: "access_key and secret_access_key in the key= keyword list",
  },
  {
    shape: "postgres URL with password, IP host",
    line: "connecting to postgres://loom_app:not-a-real-password@10.0.3.7:5432/loom",
    secret: "not-a-real-password",
    fix: "a tokens rule for URL userinfo: ([a-z][a-z0-9+.-]*://[^\\s/:@]*:)[^\\s/@]+@ → $1[REDACTED]@",
  },
  {
    shape: "postgres URL with password, bare service host",
    line: "DATABASE_URL=postgresql://loom_app:not-a-real-password@loom-db-rw:5432/loom",
    secret: "not-a-real-password",
    fix: "the same URL-userinfo rule",
  },
  {
    shape: "PEM private key header and body",
    line: "-----BEGIN RSA PRIVATE KEY-----\\nMIIEnotarealkeynotarealkeynotrealkey\\n-----END RSA PRIVATE KEY-----",
    secret: "MIIEnotarealkeynotarealkeynotrealkey",
    fix: "a tokens rule -----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY----- (RE2 has no lookaround; non-greedy is fine)",
  },
  {
    shape: "Slack webhook URL",
    line: "posting to https://hooks.slack.com/services/T00000000/B00000000/notarealsecretnotreal",
    secret: "notarealsecretnotreal",
    fix: "a tokens rule https://hooks\\.slack\\.com/services/[A-Za-z0-9/]+",
  },
  {
    shape: "Slack bot token (xoxb-)",
    line: "slack client xoxb-000000000000-000000000000-notarealtokenvalue",
    secret: "xoxb-000000000000-000000000000-notarealtokenvalue",
    fix: "a tokens rule \\bxox[abposr]-[A-Za-z0-9-]{10,}",
  },
  {
    shape: "Azure storage AccountKey=",
    line: "DefaultEndpointsProtocol=https;AccountName=loomexample;AccountKey=bm90LWEtcmVhbC1rZXktbm90LWEtcmVhbC1rZXktbm90LWEtcmVhbA==",
    secret: "bm90LWEtcmVhbC1rZXktbm90LWEtcmVhbC1rZXktbm90LWEtcmVhbA==",
    fix: "accountkey and sharedaccesssignature/sig in the key= keyword list",
  },
  {
    shape: "DigitalOcean API token (dop_v1_)",
    line: "doctl auth dop_v1_0000000000000000000000000000000000000000000000000000000000000000",
    secret: "dop_v1_0000000000000000000000000000000000000000000000000000000000000000",
    fix: "a tokens rule \\bdo[por]_v1_[a-f0-9]{64}\\b",
  },
  {
    shape: "DigitalOcean Spaces access key id",
    line: "spaces key DO00NOTAREALKEY00000 used",
    secret: "DO00NOTAREALKEY00000",
    fix: "a tokens rule \\bDO[0-9A-Z]{18}\\b",
  },
  {
    shape: "GitHub fine-grained token (github_pat_)",
    line: "push with github_pat_11AAAAAAA0000000000000_notarealtokennotreal",
    secret: "github_pat_11AAAAAAA0000000000000_notarealtokennotreal",
    fix: "github_pat_[A-Za-z0-9_]{22,} beside the gh[pousr]_ rule",
  },
  {
    shape: "Google API key (AIza…)",
    line: "maps key AIzaSyA-notarealkeynotarealkeynotreal00 rejected",
    secret: "AIzaSyA-notarealkeynotarealkeynotreal00",
    fix: "a tokens rule \\bAIza[0-9A-Za-z_-]{35}",
  },
  {
    shape: "Stripe live key (sk_live_)",
    line: "billing with sk_live_notarealkeynotarealkey0000",
    secret: "sk_live_notarealkeynotarealkey0000",
    fix: "the (sk|pk|rk)- rule also with _live_/_test_: \\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}",
  },
  {
    shape: "passphrase= pair",
    line: "PULUMI_CONFIG_PASSPHRASE=not-a-real-passphrase pulumi up",
    secret: "not-a-real-passphrase",
    fix: "passphrase in the key= keyword list",
  },
];

describe("no secrets in logs: the collector's redaction on each secret shape", () => {
  for (const s of COVERED) {
    it(`masks ${s.shape}`, () => {
      const out = redactLine(s.line, DEFAULT_REDACTION);
      assert.equal(out, s.masked);
      assert.ok(!out.includes(s.secret), `${s.shape}: the secret survived`);
    });
  }

  it("masks a postgres URL password only through the e-mail rule: with redact.emails off it is logged", () => {
    const line = COVERED.find((s) => s.shape.startsWith("postgres URL"))?.line as string;
    assert.ok(redactLine(line, { ...DEFAULT_REDACTION, emails: false }).includes("not-a-real-password"));
  });

  for (const g of KNOWN_GAPS) {
    it(`known gap: ${g.shape} passes unmasked (fix: ${g.fix})`, () => {
      const out = redactLine(g.line, DEFAULT_REDACTION);
      assert.ok(out.includes(g.secret), `${g.shape} is masked now: move it to COVERED with its exact output`);
    });
  }

  it("has a sample for every credential shape the loom-guard pack knows", () => {
    const seen = new Set([...COVERED, ...KNOWN_GAPS].flatMap((s) => credentialLiterals(s.line).map((c) => c.id)));
    assert.deepEqual(
      CREDENTIAL_DETECTORS.filter((id) => !seen.has(id)),
      [],
    );
  });
});
