/**
 * The audit-log reader of the secrets drill (scripts/secrets/audit.ts) on hand-made lines: it must notice a missing
 * call, a secret logged in plaintext and a response whose credential is not HMAC'd (values obviously fake).
 */
import * as assert from "node:assert/strict";
import { AUDITED_PATHS, summariseAudit } from "../../scripts/secrets/audit";

const HMAC = `hmac-sha256:${"ab".repeat(32)}`;
const line = (type: string, path: string, data?: Record<string, unknown>, response?: Record<string, unknown>) =>
  JSON.stringify({
    type,
    request: { path, ...(data ? { data } : {}) },
    ...(response ? { response: { data: response } } : {}),
  });

function goodLog(creds: Record<string, unknown> = { username: HMAC, password: HMAC }): string[] {
  return AUDITED_PATHS.flatMap((p) => [
    line("request", p, p === "database/config/loom-pg" ? { password: HMAC } : undefined),
    line("response", p, undefined, p === "database/creds/app" ? creds : undefined),
  ]);
}

describe("secrets drill: audit log reader", () => {
  it("accepts a log with every call and HMAC'd secrets", () => {
    const s = summariseAudit(goodLog().join("\n"), ["not-a-real-secret"]);
    assert.deepEqual(s, {
      entries: AUDITED_PATHS.length * 2,
      paths: [...AUDITED_PATHS],
      missingPaths: [],
      credsResponseHmac: true,
      configPasswordHmac: true,
      plaintextHits: 0,
    });
  });

  it("names the calls that are missing", () => {
    const log = goodLog().filter((l) => !l.includes('"sys/leases/revoke"'));
    assert.deepEqual(summariseAudit(log.join("\n"), []).missingPaths, ["sys/leases/revoke"]);
  });

  it("counts a plaintext secret anywhere in the log, and a credential response that is not HMAC'd", () => {
    const s = summariseAudit(goodLog({ username: HMAC, password: "not-a-real-secret" }).join("\n"), [
      "not-a-real-secret",
      "also-not-real",
    ]);
    assert.equal(s.plaintextHits, 1);
    assert.equal(s.credsResponseHmac, false);
  });

  it("rejects a line that is not JSON, naming its number", () => {
    assert.throws(() => summariseAudit(`${goodLog()[0]}\nnot json`, []), /audit log line 2 is not JSON: not json/);
  });
});
