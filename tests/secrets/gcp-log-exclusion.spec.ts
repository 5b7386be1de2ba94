/**
 * GCP: Cloud Logging cannot rewrite an entry at ingestion, so entries that carry a credential are stored nowhere
 * (components/observability/gcp-logs.ts `credentialLogFilter`, the stack sink's exclusion). The filter is read back
 * the way Logging reads it — `field=~"regex"` clauses with JSON-style string escapes — and fed the redaction tests'
 * sample lines (the patterns are the one table's, whose RE2 ≡ JavaScript reading tests/secrets/log-redaction.spec.ts
 * proves through Go's regexp).
 */
import * as assert from "node:assert/strict";
import { credentialLogFilter, LOG_TEXT_FIELDS } from "../../components/observability/gcp-logs";
import { REDACTION_RULES } from "../../components/observability/redaction";
import { CREDENTIAL_SHAPES, shapeRegExp } from "../../policy/lib/credential-shapes";
import { COVERED, NEGATIVE } from "./log-samples";

/** Logging's filter length limit (Cloud Logging quotas: 20,000 characters a filter). */
const FILTER_LIMIT = 20_000;
const TOKEN_RULES = REDACTION_RULES.filter((r) => r.class === "tokens");
const CLAUSE = /([A-Za-z.]+)=~("(?:[^"\\]|\\.)*")/g;

describe("GCP credential exclusion filter (Cloud Logging)", () => {
  const filter = credentialLogFilter();
  const clauses = [...filter.matchAll(CLAUSE)].map((m) => ({
    field: m[1],
    regex: JSON.parse(m[2] as string) as string,
  }));

  it("is one `field=~regex` clause per shape and text field, OR-ed, inside Logging's length limit", () => {
    assert.equal(clauses.length, TOKEN_RULES.length * LOG_TEXT_FIELDS.length);
    assert.equal(filter, clauses.map((c) => `${c.field}=~${JSON.stringify(c.regex)}`).join(" OR "));
    assert.ok(filter.length < FILTER_LIMIT, `${filter.length} characters`);
    assert.deepEqual(
      clauses.filter((c) => c.field === "textPayload").map((c) => c.regex),
      TOKEN_RULES.map((r) => r.pattern),
    );
    // The pack's credential shapes come first, as in the collector's rules.
    assert.deepEqual(
      TOKEN_RULES.slice(0, CREDENTIAL_SHAPES.length).map((r) => r.pattern),
      CREDENTIAL_SHAPES.map((s) => s.pattern),
    );
  });

  it("drops every sample line with a secret in it (bearer, JWT and key=value ones too), and no ordinary line", () => {
    const regexes = clauses.filter((c) => c.field === "textPayload").map((c) => shapeRegExp(c.regex, false));
    assert.equal(COVERED.length, 31);
    for (const s of COVERED)
      assert.ok(
        regexes.some((r) => r.test(s.line)),
        s.shape,
      );
    for (const line of NEGATIVE) assert.ok(!regexes.some((r) => r.test(line)), line);
  });
});
