/**
 * PII redaction (components/observability/redaction.ts): the patterns the collector runs (OTTL `replace_pattern`,
 * RE2) applied by their JavaScript oracle `redactLine` to sample log lines, and the collector configuration
 * carrying exactly the statements of the configured redaction.
 */
import * as assert from "node:assert/strict";
import { collectorConfig } from "../../components/observability/otel-collector-config";
import {
  DEFAULT_REDACTION,
  jsRegExp,
  keyValueRule,
  LOG_ONLY_KEYS,
  logKeyWord,
  ottlLogStatements,
  ottlSpanStatements,
  REDACTION_RULES,
  type Redaction,
  redactLine,
  rulesFor,
} from "../../components/observability/redaction";
import { sensitiveNameConfig } from "../../policy/lib/sensitive";

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

/** Sample lines of the seed's request/error/audit logs and what the collector makes of them (every class on). */
const MASKED: readonly [string, string][] = [
  ['{"msg":"login","user":"alice.smith+loom@example.co.uk"}', '{"msg":"login","user":"[REDACTED_EMAIL]"}'],
  ["invite sent to Bob.Jones@mail.example.org by admin", "invite sent to [REDACTED_EMAIL] by admin"],
  ["upstream call with bearer abcdefghijklmnop0123", "upstream call with bearer [REDACTED]"],
  ["GET /api/reviews?api_key=abc123def456&page=2 200", "GET /api/reviews?api_key=[REDACTED]&page=2 200"],
  ['{"password": "hunter2hunter2", "user": "bob"}', '{"password": "[REDACTED]", "user": "bob"}'],
  ["webhook secret=s3cr3t-value retried", "webhook secret=[REDACTED] retried"],
  [`session ${JWT} expired`, "session [REDACTED_JWT] expired"],
  ["LLM call with sk-proj-AbCdEfGhIjKlMnOpQrStUv failed: 429", "LLM call with [REDACTED_KEY] failed: 429"],
  // A classic GitHub token is ghp_ and 36 characters (the pack's github-token shape, policy/lib/credential-shapes.ts).
  ["clone with ghp_0123456789abcdefghijABCDEFGHIJKLMNOP ok", "clone with [REDACTED_KEY] ok"],
  ["request from 203.0.113.42 took 120ms", "request from [REDACTED_IP] took 120ms"],
  ["peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334 reset", "peer [REDACTED_IP] reset"],
  ["peer 2001:db8::1 reset", "peer [REDACTED_IP] reset"],
  ["peer fe80::1ff:fe23:4567:890a reset", "peer [REDACTED_IP] reset"],
];

/** Lines without personal data: unchanged. */
const INNOCUOUS: readonly string[] = [
  '{"time":"2026-12-01T23:13:10Z","level":"info","msg":"review finished","review_id":4211,"duration_ms":1520}',
  "worker heartbeat ok, queue depth 12, 3 jobs in flight",
  "migrated schema to version 42 in 1.5s",
  "panic in loom::worker::review at src/review.rs:118",
  "GET /healthz 200 0.4ms",
  "retrying after 30s (attempt 2/5), status=503",
];

describe("PII redaction", () => {
  for (const [line, masked] of MASKED) {
    it(`masks ${JSON.stringify(line)}`, () => {
      assert.equal(redactLine(line), masked);
    });
  }

  it("leaves innocuous lines unchanged", () => {
    for (const line of INNOCUOUS) assert.equal(redactLine(line), line);
  });

  it("masks every occurrence on a line, in any case", () => {
    assert.equal(
      redactLine("from 10.0.0.1 to 10.0.0.2 as ADMIN@EXAMPLE.COM, Authorization=Basic dXNlcjpwYXNzd29yZA=="),
      // The Basic credential first, then the header's value: nothing of either is left.
      "from [REDACTED_IP] to [REDACTED_IP] as [REDACTED_EMAIL], Authorization=[REDACTED] [REDACTED]",
    );
  });

  const line = "user alice@example.com from 203.0.113.42 with bearer abcdefghijklmnop0123";
  const only = (off: keyof Redaction): Redaction => ({ ...DEFAULT_REDACTION, [off]: false });
  it("each class switched off leaves its data (and still masks the others)", () => {
    assert.equal(redactLine(line, only("emails")), "user alice@example.com from [REDACTED_IP] with bearer [REDACTED]");
    assert.equal(
      redactLine(line, only("tokens")),
      "user [REDACTED_EMAIL] from [REDACTED_IP] with bearer abcdefghijklmnop0123",
    );
    assert.equal(redactLine(line, only("ips")), "user [REDACTED_EMAIL] from 203.0.113.42 with bearer [REDACTED]");
    assert.equal(redactLine(line, { emails: false, tokens: false, ips: false }), line);
  });

  it("masks the value of every sensitive name the loom-guard pack knows, as `NAME=` and as a JSON key", () => {
    // PASSWORDS? → PASSWORD, API_?KEYS? → API_KEY: one concrete name per pattern of the pack.
    const names = sensitiveNameConfig.sensitiveNamePatterns.default.map((p) =>
      p.replace(/S\?$/, "").replace(/\?/g, ""),
    );
    for (const name of [...names, ...LOG_ONLY_KEYS]) {
      assert.equal(redactLine(`LOOM_${name}=not-a-real-value x`), `LOOM_${name}=[REDACTED] x`, name);
      assert.equal(
        redactLine(`{"${name.toLowerCase()}": "not-a-real-value"}`),
        `{"${name.toLowerCase()}": "[REDACTED]"}`,
      );
    }
  });

  it("turns a pack name pattern into a log key word, singular, and refuses one it cannot translate", () => {
    assert.equal(logKeyWord("API_?KEYS?"), "api[_-]?key");
    assert.equal(logKeyWord("MYSQL_PWD"), "mysql[_-]pwd");
    assert.equal(logKeyWord("TOKENS?"), "token");
    assert.throws(
      () => keyValueRule(["PASS.*"]),
      /sensitive name pattern "PASS\.\*" cannot be a log key word: allowed are upper-case letters, digits, "_", "_\?" and a trailing "S\?"/,
    );
  });

  it("uses only RE2-compatible syntax (no lookaround, no backreferences) that JavaScript also compiles", () => {
    for (const rule of REDACTION_RULES) {
      assert.doesNotMatch(rule.pattern, /\(\?[=!<]|\\[1-9]/, rule.pattern);
      assert.ok(jsRegExp(rule.pattern) instanceof RegExp);
    }
  });

  it("OTTL statements: one per rule for spans, two per rule (body, attributes) for logs, `$` escaped as `$$`", () => {
    const tokensOnly = { emails: false, tokens: true, ips: false };
    const tokenRules = REDACTION_RULES.filter((r) => r.class === "tokens");
    assert.equal(ottlSpanStatements(tokensOnly).length, tokenRules.length);
    assert.equal(ottlLogStatements(tokensOnly).length, tokenRules.length * 2);
    const bearer = tokenRules.findIndex((r) => r.pattern.startsWith("(?i)(bearer|basic)"));
    assert.equal(
      ottlSpanStatements(tokensOnly)[bearer],
      `replace_all_patterns(span.attributes, "value", ${JSON.stringify(tokenRules[bearer]?.pattern)}, "$$1 [REDACTED]")`,
    );
    assert.deepEqual(ottlSpanStatements({ emails: false, tokens: false, ips: false }), []);
  });
});

describe("PII redaction in the collector's configuration", () => {
  const configFor = (redaction: Redaction) =>
    collectorConfig({ namespace: "loom-prod", tracing: { backend: "jaeger", maxTraces: 10_000 }, redaction });
  const processors = (c: Record<string, unknown>) =>
    (c.processors ?? {}) as Record<string, { trace_statements?: string[] }>;
  const pipeline = (c: Record<string, unknown>) =>
    (c.service as { pipelines: { traces: { processors: string[] } } }).pipelines.traces.processors;

  for (const redaction of [
    DEFAULT_REDACTION,
    { emails: true, tokens: false, ips: false },
    { emails: false, tokens: true, ips: true },
  ]) {
    it(`carries exactly the span statements of ${JSON.stringify(redaction)}, after memory_limiter, before batch`, () => {
      const c = configFor(redaction);
      assert.deepEqual(processors(c)["transform/redact"]?.trace_statements, ottlSpanStatements(redaction));
      assert.equal(processors(c)["transform/redact"]?.trace_statements?.length, rulesFor(redaction).length);
      assert.deepEqual(pipeline(c), ["memory_limiter", "resource/loom", "transform/redact", "batch"]);
    });
  }

  it("has no transform processor when every class is off", () => {
    const c = configFor({ emails: false, tokens: false, ips: false });
    assert.equal(processors(c)["transform/redact"], undefined);
    assert.deepEqual(pipeline(c), ["memory_limiter", "resource/loom", "batch"]);
  });
});
