// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${NAME}" placeholders in plain strings are test data (references, not literals)
/**
 * policy/lib/sensitive.ts without the engine: which names look sensitive, which strings look like credentials, and
 * the false positives that must not fire (the list grows with every one found).
 */
import assert from "node:assert/strict";
import { defaultsOf } from "../../policy/lib/rule";
import {
  credentialLiterals,
  isReferenceOrPlaceholder,
  nameTokens,
  sensitiveAssignments,
  sensitiveName,
  sensitiveNameConfig,
} from "../../policy/lib/sensitive";

const cfg = defaultsOf(sensitiveNameConfig);

describe("sensitive names", () => {
  it("tokenizes snake, kebab, dotted and camel case", () => {
    assert.deepEqual(nameTokens("databasePassword"), ["DATABASE", "PASSWORD"]);
    assert.deepEqual(nameTokens("OpenAIAPIKey"), ["OPEN", "AIAPI", "KEY"]);
    assert.deepEqual(nameTokens("anthropic-api.key"), ["ANTHROPIC", "API", "KEY"]);
    assert.deepEqual(nameTokens("SECRET_KEY_BASE"), ["SECRET", "KEY", "BASE"]);
  });

  const sensitive: [string, string][] = [
    ["DATABASE_PASSWORD", "PASSWORDS?"],
    ["PGPASSWORD", "PGPASSWORD"],
    ["MYSQL_PWD", "MYSQL_PWD"],
    ["db_passwd", "PASSWD"],
    ["SECRET_KEY_BASE", "SECRETS?"],
    ["JWT_SECRET", "SECRETS?"],
    ["GITHUB_TOKEN", "TOKENS?"],
    ["ID_TOKEN", "TOKENS?"],
    ["ANTHROPIC_API_KEY", "API_?KEYS?"],
    ["openaiApiKey", "API_?KEYS?"],
    ["APIKEY", "API_?KEYS?"],
    ["GITHUB_APP_PRIVATE_KEY", "PRIVATE_?KEYS?"],
    ["AWS_SECRET_ACCESS_KEY", "SECRETS?"],
    ["SENTRY_DSN", "DSN"],
    ["AZURE_STORAGE_CONNECTION_STRING", "CONNECTION_?STRINGS?"],
    ["GOOGLE_APPLICATION_CREDENTIALS", "CREDENTIALS?"],
    ["AUTH_SALT", "SALT"],
  ];
  for (const [name, pattern] of sensitive) {
    it(`${name} is sensitive (${pattern})`, () => assert.equal(sensitiveName(name, cfg), pattern));
  }

  it("needs whole tokens: PASSWORDLESS is not PASSWORD", () => {
    assert.equal(sensitiveName("PASSWORDLESS_LOGIN", cfg), undefined);
  });

  const notSensitive = [
    "DATABASE_HOST",
    "DATABASE_SSLMODE",
    "DATABASE_PASSWORD_FILE",
    "DATABASE_SECRET_ARN",
    "SECRET_NAME",
    "API_KEY_ID",
    "OAUTH_TOKEN_URL",
    "TOKEN_ENDPOINT",
    "AUTH_TOKEN_HEADER",
    "LLM_MAX_OUTPUT_TOKENS",
    "MAX_TOKENS",
    "TOKENS_PER_MINUTE",
    "REVIEW_TOKEN_BUDGET",
    "PROMPT_TOKEN_COUNT",
    "PASSWORD_MIN_LENGTH",
    "SESSION_TTL",
    "SECRETS_PROVIDER",
    "CACHE_KEY_PREFIX",
    "KEY",
    "PWD",
    "TLS_KEY_FILE",
    "tls-key-file",
  ];
  for (const name of notSensitive) {
    it(`${name} is not sensitive`, () => assert.equal(sensitiveName(name, cfg), undefined));
  }
});

describe("references and placeholders are not literals", () => {
  for (const v of [
    "",
    "true",
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
    "arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/x",
    "projects/p/secrets/s/versions/latest",
    "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s/)",
    "https://kv.vault.azure.net/secrets/db-password",
    "secretref:db-password",
    "${DB_PASSWORD}",
    "$(DB_PASSWORD)",
    "{{ .Values.password }}",
    "$DB_PASSWORD",
    "<your-password>",
    "********",
    "/run/secrets/db/password",
  ]) {
    it(JSON.stringify(v), () => assert.equal(isReferenceOrPlaceholder(v), true));
  }
  for (const v of ["hunter22", "correct-horse-battery", "s3cr3t"]) {
    it(`${v} is a literal`, () => assert.equal(isReferenceOrPlaceholder(v), false));
  }
});

describe("credential literals", () => {
  const key = ["AK", "IA", "IOSFODNN7EXAMPLE"].join("");
  const found = (s: string) => credentialLiterals(s).map((m) => `${m.id}:${m.hint}`);

  it("finds shapes and masks them", () => {
    assert.deepEqual(found(`aws_access_key_id = ${key}`), ["aws-access-key-id:AKIA…"]);
    assert.deepEqual(found(["-----BEGIN OPENSSH", " PRIVATE KEY-----\nabc"].join("")), [
      "private-key:-----BEGIN OPENSSH PRIVATE KEY-----",
    ]);
    assert.deepEqual(found("amqp://guest:guest@rabbit:5672/"), ["url-credentials:amqp://guest:****@"]);
    assert.deepEqual(found("Host=db;Username=loom;Password=hunter22"), ["connection-string-password:Password=****"]);
  });

  it("reads its shapes from the shared table: Pwd=, Stripe test keys, an exact-length Google key, a real match after a look-alike", () => {
    assert.deepEqual(found("Driver={PostgreSQL};Server=db;Pwd=not-a-real-password"), [
      "connection-string-password:Password=****",
    ]);
    assert.deepEqual(found(`stripe ${["sk", "test", "notarealkeynotarealkey00"].join("_")}`), ["stripe-key:sk_test_…"]);
    const google = ["AI", "za", "SyA-notarealkeynotarealkeynotreal00"].join("");
    assert.deepEqual(found(`maps ${google}`), ["google-api-key:AIza…"]);
    assert.deepEqual(found(`maps ${google}0`), [], "a 40-character run is not a Google key");
    // The first URL's password is a placeholder; the detector goes on to the literal one.
    assert.deepEqual(found("postgres://loom:${DB_PASSWORD}@db/loom postgres://loom:hunter22@db/loom"), [
      "url-credentials:postgres://loom:****@",
    ]);
    assert.deepEqual(found(["-----BEGIN RSA", " PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"].join("")), [
      "private-key:-----BEGIN RSA PRIVATE KEY-----",
    ]);
  });

  it("ignores look-alikes: certificates, public keys, key policies, ARNs, URLs without passwords, placeholders", () => {
    for (const s of [
      "-----BEGIN CERTIFICATE-----\nMIIB",
      "-----BEGIN PUBLIC KEY-----\nMIIB",
      JSON.stringify({ Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }),
      "arn:aws:iam::111122223333:role/AKIA-not-a-key",
      "https://user@example.com/path",
      "https://example.com:443/a?b=c@d",
      "http://[::1]:8080/health",
      "postgres://loom:${DB_PASSWORD}@db/loom",
      "rediss://:%s@host:6379",
      "Password=;Host=db",
      "Password=$(DB_PASSWORD);Host=db",
      "ghcr.io/example/loom@sha256:0000000000000000000000000000000000000000000000000000000000000000",
      "git@github.com:example/loom.git",
    ]) {
      assert.deepEqual(found(s), [], s);
    }
  });

  it("finds sensitive NAME=value lines in multi-line text only, never for references or quantities", () => {
    const text = [
      "LOG_LEVEL=info",
      "export DB_PASSWORD=hunter22",
      "API_TOKEN: abcd1234",
      'SESSION_SECRET="$(cat /run/secrets/session)"',
      "JWT_SECRET=${JWT_SECRET}",
      "MAX_TOKENS=4096",
      "secretName: tls-cert",
      "password: |",
    ].join("\n");
    assert.deepEqual(sensitiveAssignments(text, cfg), [
      { name: "DB_PASSWORD", pattern: "PASSWORDS?" },
      { name: "API_TOKEN", pattern: "TOKENS?" },
    ]);
    assert.deepEqual(sensitiveAssignments("DB_PASSWORD=hunter22", cfg), []);
  });
});
