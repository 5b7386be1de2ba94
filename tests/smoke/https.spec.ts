/**
 * The smoke test's HTTPS check (scripts/lib/smoke-https.ts) against a local TLS server with a generated CA:
 * the pass, and each failure with its exact message.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { checkHttps, expiryCheck, hstsCheck } from "../../scripts/lib/smoke-https";
import { type Leaf, serve, TestCa } from "./tls-fixture";

const HOST = "loom.smoke.test";
const HSTS = "max-age=63072000; includeSubDomains; preload";

describe("smoke: HTTPS, certificate and HSTS", function () {
  this.timeout(60_000);
  let ca: TestCa;
  let good: Leaf;
  before(() => {
    ca = new TestCa();
    good = ca.leaf(HOST, 90);
  });
  after(() => ca.cleanup());

  /** Serve with `server`, then check it as the smoke test would (the CA trusted, DNS bypassed). */
  async function check(server: Parameters<typeof serve>[0], extra: { ca?: string[]; now?: Date } = {}) {
    const s = await serve(server);
    try {
      const results = await checkHttps({
        url: `https://${HOST}:${s.port}`,
        connectTo: "127.0.0.1",
        ca: extra.ca ?? [ca.cert],
        ...(extra.now ? { now: extra.now } : {}),
      });
      return { results, paths: s.paths };
    } finally {
      await s.close();
    }
  }

  it("passes a valid certificate, TLS ≥ 1.2, HTTP 200 on /readyz and a two-year HSTS", async () => {
    const validTo = new Date(new X509Certificate(good.cert).validTo);
    const now = new Date(validTo.getTime() - 90 * 86_400_000 + 3_600_000); // one hour after issue
    const { results, paths } = await check({ leaf: good, headers: { "strict-transport-security": HSTS } }, { now });
    assert.deepEqual(paths, ["/readyz"]);
    assert.deepEqual(results, [
      { name: "tls", ok: true, detail: `TLSv1.3, certificate valid for ${HOST}` },
      { name: "certificate", ok: true, detail: `valid until ${validTo.toISOString()} (89 days)` },
      { name: "readiness", ok: true, detail: "GET /readyz: HTTP 200" },
      { name: "hsts", ok: true, detail: "max-age=63072000" },
    ]);
  });

  it("accepts TLS 1.2 exactly", async () => {
    const { results } = await check({
      leaf: good,
      maxVersion: "TLSv1.2",
      headers: { "strict-transport-security": HSTS },
    });
    assert.deepEqual(results[0], { name: "tls", ok: true, detail: `TLSv1.2, certificate valid for ${HOST}` });
  });

  it("fails a server that offers only TLS 1.1", async () => {
    const { results } = await check({ leaf: good, minVersion: "TLSv1.1", maxVersion: "TLSv1.1" });
    assert.equal(results.length, 1);
    assert.deepEqual(results[0], {
      name: "tls",
      ok: false,
      detail: `${HOST} offers no TLS 1.2 or later (EPROTO: protocol version)`,
    });
  });

  it("fails a certificate issued for another host name", async () => {
    const { results } = await check({ leaf: ca.leaf("other.smoke.test", 90) });
    assert.deepEqual(results, [
      {
        name: "certificate",
        ok: false,
        detail: `not valid for ${HOST}: Host: ${HOST}. is not in the cert's altnames: DNS:other.smoke.test`,
      },
    ]);
  });

  it("fails a certificate from an untrusted CA", async () => {
    const other = new TestCa();
    try {
      const { results } = await check({ leaf: good }, { ca: [other.cert] });
      assert.deepEqual(results, [
        {
          name: "certificate",
          ok: false,
          detail: "not trusted: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
        },
      ]);
    } finally {
      other.cleanup();
    }
  });

  it("fails a certificate that expires within 14 days", async () => {
    const soon = ca.leaf(HOST, 10);
    const validTo = new Date(new X509Certificate(soon.cert).validTo);
    const now = new Date(validTo.getTime() - 10 * 86_400_000 + 3_600_000);
    const { results } = await check({ leaf: soon, headers: { "strict-transport-security": HSTS } }, { now });
    assert.deepEqual(results[1], {
      name: "certificate",
      ok: false,
      detail: `expires ${validTo.toISOString()}, in 9 days; at least 14 required`,
    });
    assert.equal(results[0]?.ok, true);
  });

  it("fails without an HSTS header", async () => {
    const { results } = await check({ leaf: good });
    assert.deepEqual(results[3], { name: "hsts", ok: false, detail: "no Strict-Transport-Security header" });
  });

  it("fails an HSTS max-age shorter than a year", async () => {
    const { results } = await check({ leaf: good, headers: { "strict-transport-security": "max-age=86400" } });
    assert.deepEqual(results[3], {
      name: "hsts",
      ok: false,
      detail: 'max-age=86400 is shorter than 31536000 s (1 year): "max-age=86400"',
    });
  });

  it("fails a non-200 readiness answer", async () => {
    const { results } = await check({ leaf: good, status: 503, headers: { "strict-transport-security": HSTS } });
    assert.deepEqual(results[2], { name: "readiness", ok: false, detail: "GET /readyz: HTTP 503, expected 200" });
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, false, true],
    );
  });

  it("refuses a plain-http or malformed URL before connecting", async () => {
    assert.deepEqual(await checkHttps({ url: "http://loom.example.com" }), [
      {
        name: "url",
        ok: false,
        detail: '"http://loom.example.com" is not https://; the smoke test checks TLS and HSTS',
      },
    ]);
    assert.deepEqual(await checkHttps({ url: "loom.example.com" }), [
      { name: "url", ok: false, detail: '"loom.example.com" is not a URL; allowed: https://<host>[:port]' },
    ]);
  });

  it("reads HSTS and expiry exactly at their bounds", () => {
    assert.equal(hstsCheck("max-age=31536000").ok, true);
    assert.equal(hstsCheck("max-age=31535999").ok, false);
    assert.deepEqual(hstsCheck("includeSubDomains"), {
      name: "hsts",
      ok: false,
      detail: 'no max-age in "includeSubDomains"',
    });
    const now = new Date("2026-12-01T00:00:00Z");
    assert.equal(expiryCheck("Dec 15 00:00:00 2026 GMT", now, 14).ok, true);
    assert.deepEqual(expiryCheck("Dec 14 23:59:59 2026 GMT", now, 14), {
      name: "certificate",
      ok: false,
      detail: "expires 2026-12-14T23:59:59.000Z, in 13 days; at least 14 required",
    });
  });
});
