/**
 * The sample log lines of the redaction tests (tests/secrets/log-redaction.spec.ts: the collector's OTTL rules through
 * JavaScript and Go's RE2; tests/secrets/do-vector-redaction.spec.ts: the droplets' VRL rules through Rust's regex):
 * one per secret shape, every value obviously fake, with the exact line the pipeline writes (every class on).
 */
export interface Sample {
  shape: string;
  line: string;
  /** The part that must not survive redaction. */
  secret: string;
  /** The exact line the collector writes (every class on). */
  masked: string;
}

export const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJub3QtYS1yZWFsLXVzZXIifQ.bm90LWEtcmVhbC1zaWduYXR1cmU";

export const COVERED: readonly Sample[] = [
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
    // The key=value rule's value stops at whitespace, quotes, commas and &, not at `;`: the rest of the string goes.
    masked: "Server=tcp:loom.database.windows.net;User ID=loom;Password=[REDACTED]",
  },
  {
    shape: "ODBC connection string Pwd=",
    line: "Driver={PostgreSQL};Server=db;Uid=loom;Pwd=not-a-real-password;",
    secret: "not-a-real-password",
    masked: "Driver={PostgreSQL};Server=db;Uid=loom;Pwd=[REDACTED]",
  },
  {
    shape: "postgres URL with password, host with a domain",
    line: "connecting to postgres://loom_app:not-a-real-password@db.example.com:5432/loom",
    secret: "not-a-real-password",
    masked: "connecting to postgres://loom_app:[REDACTED]@db.example.com:5432/loom",
  },
  {
    shape: "postgres URL with password, IP host",
    line: "connecting to postgres://loom_app:not-a-real-password@10.0.3.7:5432/loom",
    secret: "not-a-real-password",
    masked: "connecting to postgres://loom_app:[REDACTED]@[REDACTED_IP]:5432/loom",
  },
  {
    shape: "postgres URL with password, bare service host",
    line: "DATABASE_URL=postgresql://loom_app:not-a-real-password@loom-db-rw:5432/loom",
    secret: "not-a-real-password",
    masked: "DATABASE_URL=postgresql://loom_app:[REDACTED]@loom-db-rw:5432/loom",
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
    shape: "GitHub fine-grained token (github_pat_)",
    line: "push with github_pat_11AAAAAAA0000000000000_notarealtokennotreal",
    secret: "github_pat_11AAAAAAA0000000000000_notarealtokennotreal",
    masked: "push with [REDACTED_KEY]",
  },
  {
    shape: "Anthropic API key",
    line: "llm call with sk-ant-api03-notarealkeynotarealkeynotreal failed",
    secret: "sk-ant-api03-notarealkeynotarealkeynotreal",
    masked: "llm call with [REDACTED_KEY] failed",
  },
  {
    shape: "AWS access key id (AKIA…)",
    line: "boto3 credentials AKIAIOSFODNN7EXAMPLE loaded",
    secret: "AKIAIOSFODNN7EXAMPLE",
    masked: "boto3 credentials [REDACTED_KEY] loaded",
  },
  {
    // RE2's and JavaScript's `\b` are ASCII (é is not a word character); Rust's regex is Unicode unless told.
    shape: "AWS access key id right after a non-ASCII letter",
    line: "clé:éAKIAIOSFODNN7EXAMPLE",
    secret: "AKIAIOSFODNN7EXAMPLE",
    masked: "clé:é[REDACTED_KEY]",
  },
  {
    shape: "aws_secret_access_key= pair",
    line: "aws_secret_access_key=not/a/real/secret/access/key/0000000",
    secret: "not/a/real/secret/access/key/0000000",
    masked: "aws_secret_access_key=[REDACTED]",
  },
  {
    shape: "S3 presigned URL signature",
    line: "GET https://loom-logs.s3.amazonaws.com/a.gz?X-Amz-Date=20261202T000000Z&X-Amz-Signature=0000notarealsignature0000",
    secret: "0000notarealsignature0000",
    masked: "GET https://loom-logs.s3.amazonaws.com/a.gz?X-Amz-Date=20261202T000000Z&X-Amz-Signature=[REDACTED]",
  },
  {
    shape: "PEM private key header and body (one JSON-escaped record)",
    line: "-----BEGIN RSA PRIVATE KEY-----\\nMIIEnotarealkeynotarealkeynotrealkey\\n-----END RSA PRIVATE KEY-----",
    secret: "MIIEnotarealkeynotarealkeynotrealkey",
    masked: "[REDACTED_PRIVATE_KEY]",
  },
  {
    shape: "PEM private key over real newlines, the END line kept out of the next field",
    line: 'key="-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAnotarealkey\n-----END OPENSSH PRIVATE KEY-----" ok',
    secret: "b3BlbnNzaC1rZXktdjEAAAAAnotarealkey",
    masked: 'key="[REDACTED_PRIVATE_KEY]" ok',
  },
  {
    shape: "PEM private key header without its END (a split record)",
    line: "loaded -----BEGIN EC PRIVATE KEY----- MHcCAQEEnotarealkeynotarealkey",
    secret: "MHcCAQEEnotarealkeynotarealkey",
    masked: "loaded [REDACTED_PRIVATE_KEY]",
  },
  {
    shape: "Slack webhook URL",
    line: "posting to https://hooks.slack.com/services/T00000000/B00000000/notarealsecretnotreal",
    secret: "notarealsecretnotreal",
    masked: "posting to https://hooks.slack.com/services/[REDACTED_KEY]",
  },
  {
    shape: "Slack bot token (xoxb-)",
    line: "slack client xoxb-000000000000-000000000000-notarealtokenvalue",
    secret: "xoxb-000000000000-000000000000-notarealtokenvalue",
    masked: "slack client [REDACTED_KEY]",
  },
  {
    shape: "Azure storage AccountKey=",
    line: "DefaultEndpointsProtocol=https;AccountName=loomexample;AccountKey=bm90LWEtcmVhbC1rZXktbm90LWEtcmVhbC1rZXktbm90LWEtcmVhbA==",
    secret: "bm90LWEtcmVhbC1rZXktbm90LWEtcmVhbC1rZXktbm90LWEtcmVhbA==",
    masked: "DefaultEndpointsProtocol=https;AccountName=loomexample;AccountKey=[REDACTED]",
  },
  {
    shape: "Azure SAS signature (sig=)",
    line: "blob https://loomexample.blob.core.windows.net/c/a?sv=2022-11-02&sp=r&sig=notarealsignature%3D",
    secret: "notarealsignature%3D",
    masked: "blob https://loomexample.blob.core.windows.net/c/a?sv=2022-11-02&sp=r&sig=[REDACTED]",
  },
  {
    shape: "DigitalOcean API token (dop_v1_)",
    line: "doctl auth dop_v1_0000000000000000000000000000000000000000000000000000000000000000",
    secret: "dop_v1_0000000000000000000000000000000000000000000000000000000000000000",
    masked: "doctl auth [REDACTED_KEY]",
  },
  {
    shape: "DigitalOcean Spaces access key id",
    line: "spaces key DO00NOTAREALKEY00000 used",
    secret: "DO00NOTAREALKEY00000",
    masked: "spaces key [REDACTED_KEY] used",
  },
  {
    shape: "Google API key (AIza…)",
    line: "maps key AIzaSyA-notarealkeynotarealkeynotreal00 rejected",
    secret: "AIzaSyA-notarealkeynotarealkeynotreal00",
    masked: "maps key [REDACTED_KEY] rejected",
  },
  {
    shape: "Stripe live key (sk_live_)",
    line: "billing with sk_live_notarealkeynotarealkey0000",
    secret: "sk_live_notarealkeynotarealkey0000",
    masked: "billing with [REDACTED_KEY]",
  },
  {
    shape: "Stripe test key (sk_test_)",
    line: "billing with sk_test_notarealkeynotarealkey0000",
    secret: "sk_test_notarealkeynotarealkey0000",
    masked: "billing with [REDACTED_KEY]",
  },
  {
    shape: "passphrase= pair",
    line: "PULUMI_CONFIG_PASSPHRASE=not-a-real-passphrase pulumi up",
    secret: "not-a-real-passphrase",
    masked: "PULUMI_CONFIG_PASSPHRASE=[REDACTED] pulumi up",
  },
];

/** Normal log lines, some close to a credential shape: unchanged. */
export const NEGATIVE: readonly string[] = [
  '{"time":"2026-12-02T10:00:00Z","level":"info","msg":"review finished","review_id":4211,"duration_ms":1520}',
  '{"level":"info","msg":"llm usage","prompt_tokens":812,"completion_tokens":164,"max_tokens":4096}',
  "secrets: 3 loaded from /run/secrets, token_count=12",
  "password_file=/run/secrets/database-password rotated",
  "-----BEGIN CERTIFICATE----- served for loom.example",
  "GET https://example.com:443/a?b=c 200",
  "redis://loom-cache:6379/0 connected",
  "DOWNLOADED 12 packages in 3s",
  "sk-tier cache warmed",
  "migrated schema to version 42 in 1.5s",
  "retrying after 30s (attempt 2/5), status=503",
];
