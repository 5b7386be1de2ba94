/**
 * No secrets in logs (issue 16 item 5): the log pipeline's redaction (components/observability/redaction.ts, the
 * very patterns the collector's OTTL `transform/redact` runs) fed one sample line per secret shape, every value
 * obviously fake. Each line must come out exactly as written here with the secret gone, through the JavaScript
 * oracle `redactLine` AND through Go's regexp (RE2, the collector's engine: tests/secrets/re2-oracle) running the
 * rendered OTTL statements; normal log lines must come out unchanged. Every shape the loom-guard pack recognises as a
 * credential (policy/lib/credential-shapes.ts, the one table both build from) must have a sample here.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { homedir } from "node:os";
import * as path from "node:path";
import {
  ottlLogStatements,
  ottlSpanStatements,
  type Redaction,
  redactLine,
} from "../../components/observability/redaction";
import { CREDENTIAL_SHAPES } from "../../policy/lib/credential-shapes";
import { CREDENTIAL_DETECTORS, credentialLiterals } from "../../policy/lib/sensitive";
import { COVERED, NEGATIVE } from "./log-samples";

const ALL_ON: Redaction = { emails: true, tokens: true, ips: true };

/** What the collector's config carries: the pattern and replacement of each `replace_pattern(log.body, …)`. */
function renderedBodyRules(r: Redaction): { pattern: string; replacement: string }[] {
  return ottlLogStatements(r)
    .filter((st) => st.startsWith("replace_pattern(log.body, "))
    .map((st) => {
      const m = /^replace_pattern\(log\.body, ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\)$/.exec(st);
      assert.ok(m, `unexpected statement ${st}`);
      // The collector's config resolution turns `$$` back into `$` before OTTL sees the replacement.
      return {
        pattern: JSON.parse(m[1] as string),
        replacement: (JSON.parse(m[2] as string) as string).replaceAll("$$", "$"),
      };
    });
}

/** Why an RE2 ∩ JavaScript pattern is not one, or undefined (the syntax both engines read alike). */
function dialectProblem(pattern: string): string | undefined {
  const body = pattern.startsWith("(?i)") ? pattern.slice(4) : pattern;
  if (/\(\?[=!]|\(\?<[=!]/.test(body)) return "lookaround (RE2 has none)";
  if (/\\[1-9]|\\k</.test(body)) return "a backreference (RE2 has none)";
  if (/\(\?>|[*+?}][+]/.test(body)) return "an atomic group or possessive quantifier";
  if (/\(\?[a-zA-Z]/.test(body)) return "an inline flag other than a leading (?i) (JavaScript has none)";
  if (/\\[AzZQEpPCx]/.test(body)) return "an escape the two engines read differently (\\A \\z \\Q \\p \\x …)";
  if (body.includes("$")) return "a `$` (the collector's config would expand it as a variable)";
  return undefined;
}

describe("no secrets in logs: the collector's redaction on each secret shape", () => {
  for (const s of COVERED) {
    it(`masks ${s.shape}`, () => {
      const out = redactLine(s.line, ALL_ON);
      assert.equal(out, s.masked);
      assert.ok(!out.includes(s.secret), `${s.shape}: the secret survived`);
    });
  }

  it("masks every credential with the e-mail and IP classes off (credentials are the tokens class alone)", () => {
    const tokensOnly = { emails: false, tokens: true, ips: false };
    for (const s of COVERED) {
      assert.ok(!redactLine(s.line, tokensOnly).includes(s.secret), `${s.shape}: the secret survived`);
    }
    assert.equal(
      redactLine(COVERED.find((s) => s.shape.endsWith("IP host"))?.line as string, tokensOnly),
      "connecting to postgres://loom_app:[REDACTED]@10.0.3.7:5432/loom",
    );
  });

  it("leaves normal log lines unchanged", () => {
    for (const line of NEGATIVE) assert.equal(redactLine(line, ALL_ON), line);
  });

  it("has a sample for every credential shape the loom-guard pack knows, and masks each of them", () => {
    const seen = new Set(COVERED.flatMap((s) => credentialLiterals(s.line).map((c) => c.id)));
    assert.deepEqual(
      CREDENTIAL_DETECTORS.filter((id) => !seen.has(id)),
      [],
    );
    const rendered = renderedBodyRules({ emails: false, tokens: true, ips: false }).map((r) => r.pattern);
    assert.deepEqual(
      CREDENTIAL_SHAPES.filter((shape) => !rendered.includes(shape.pattern)).map((shape) => shape.id),
      [],
    );
  });

  it("renders only patterns RE2 and JavaScript read alike, and replacements Go expands as written", () => {
    const statements = [...ottlLogStatements(ALL_ON), ...ottlSpanStatements(ALL_ON)];
    assert.ok(statements.length > CREDENTIAL_SHAPES.length);
    for (const { pattern, replacement } of renderedBodyRules(ALL_ON)) {
      assert.equal(dialectProblem(pattern), undefined, pattern);
      assert.doesNotThrow(() => new RegExp(pattern.replace(/^\(\?i\)/, ""), "g"), pattern);
      // Go reads `$1x` as the group named `1x`: a group reference is never followed by a name character.
      assert.doesNotMatch(replacement, /\$\d[A-Za-z0-9_]/, replacement);
    }
    assert.equal(dialectProblem("(?<!x)a"), "lookaround (RE2 has none)");
    assert.equal(dialectProblem("(a)\\1"), "a backreference (RE2 has none)");
    assert.equal(dialectProblem("a(?s).b"), "an inline flag other than a leading (?i) (JavaScript has none)");
  });

  it("Go's RE2 (the collector's engine) running the rendered statements writes exactly what the oracle writes", function () {
    const go = spawnSync("go", ["version"], { encoding: "utf8" });
    if (go.error) this.skip(); // No Go toolchain: the syntactic check above still ran.
    const cache = path.join(homedir(), ".cache", "loom-re2");
    const lines = [...COVERED.map((s) => s.line), ...NEGATIVE];
    const res = spawnSync("go", ["run", path.join(__dirname, "re2-oracle", "main.go")], {
      input: JSON.stringify({ rules: renderedBodyRules(ALL_ON), lines }),
      encoding: "utf8",
      env: {
        ...process.env,
        GOCACHE: path.join(cache, "gobuild"),
        GOTOOLCHAIN: "local",
        GOFLAGS: "",
        GOWORK: "off",
        CGO_ENABLED: "0",
      },
    });
    assert.equal(res.status, 0, res.stderr);
    const fromGo = (JSON.parse(res.stdout) as { lines: string[] }).lines;
    assert.deepEqual(fromGo, [...COVERED.map((s) => s.masked), ...NEGATIVE]);
    assert.deepEqual(
      fromGo,
      lines.map((l) => redactLine(l, ALL_ON)),
    );
  });
});
