/**
 * The smoke test's HTTPS check: one GET of the readiness path with certificate validation on (chain, hostname),
 * TLS 1.2 or later only, then the certificate's remaining validity, the status and the HSTS header.
 * Every message names what was expected; tests/smoke/https.spec.ts proves each against a local TLS server.
 */
import * as https from "node:https";
import type { TLSSocket } from "node:tls";
import type { CheckResult } from "./smoke-runner";

export const ONE_YEAR_SECONDS = 31_536_000;
const DAY_MS = 86_400_000;
const TLS_OK = new Set(["TLSv1.2", "TLSv1.3"]);

export interface HttpsCheckOptions {
  /** https://host[:port] (a path in it is ignored: `path` is what is fetched). */
  url: string;
  /** The readiness path. @default "/readyz" */
  path?: string;
  /** The certificate must stay valid at least this many days. @default 14 */
  minCertDays?: number;
  /** HSTS max-age at least this many seconds. @default one year */
  minHstsSeconds?: number;
  /** Trusted CAs instead of Node's bundled roots (a private CA; the tests' generated one). */
  ca?: string[];
  /** Connect to this address instead of resolving the host (curl's --resolve): before DNS is switched. */
  connectTo?: string;
  timeoutMs?: number;
  /** The clock the expiry is judged by. @default now */
  now?: Date;
}

interface Reply {
  status: number;
  hsts: string | undefined;
  protocol: string | null;
  validTo: string;
}

function get(o: HttpsCheckOptions, target: URL): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: o.connectTo ?? target.hostname,
        port: target.port || 443,
        servername: target.hostname,
        path: o.path ?? "/readyz",
        method: "GET",
        headers: { host: target.host, "user-agent": "loom-smoke" },
        minVersion: "TLSv1.2",
        rejectUnauthorized: true,
        agent: false,
        timeout: o.timeoutMs ?? 15_000,
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const reply: Reply = {
          status: res.statusCode ?? 0,
          hsts: res.headers["strict-transport-security"] as string | undefined,
          protocol: socket.getProtocol(),
          validTo: socket.getPeerCertificate().valid_to,
        };
        res.resume();
        res.on("end", () => resolve(reply));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 15_000} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** A connection failure as the check's words: which check failed and why. */
export function connectionFailure(err: NodeJS.ErrnoException & { reason?: string }, host: string): CheckResult {
  const code = err.code ?? "";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return { name: "certificate", ok: false, detail: `not valid for ${host}: ${err.reason ?? err.message}` };
  }
  if (code === "CERT_HAS_EXPIRED") return { name: "certificate", ok: false, detail: `expired (${code})` };
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    return { name: "certificate", ok: false, detail: `not trusted: ${err.message} (${code})` };
  }
  // OpenSSL's answer to a TLS 1.0/1.1-only server: an EPROTO "protocol version" alert (or our own refusal).
  const reason = /protocol version|unsupported protocol|wrong version number/i.exec(err.message)?.[0];
  if (/PROTOCOL|VERSION/.test(code) || (code === "EPROTO" && reason)) {
    return { name: "tls", ok: false, detail: `${host} offers no TLS 1.2 or later (${code}: ${reason ?? code})` };
  }
  return { name: "https", ok: false, detail: `GET https://${host} failed: ${err.message}${code ? ` (${code})` : ""}` };
}

/** The HSTS header's verdict: present, with max-age of at least `min` seconds. */
export function hstsCheck(header: string | undefined, min = ONE_YEAR_SECONDS): CheckResult {
  if (header === undefined) return { name: "hsts", ok: false, detail: "no Strict-Transport-Security header" };
  const maxAge = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header)?.[1];
  if (maxAge === undefined) return { name: "hsts", ok: false, detail: `no max-age in "${header}"` };
  if (Number(maxAge) < min) {
    return { name: "hsts", ok: false, detail: `max-age=${maxAge} is shorter than ${min} s (1 year): "${header}"` };
  }
  return { name: "hsts", ok: true, detail: `max-age=${maxAge}` };
}

/** Remaining certificate validity, in whole days, against the minimum. */
export function expiryCheck(validTo: string, now: Date, minDays: number): CheckResult {
  const end = new Date(validTo);
  const days = Math.floor((end.getTime() - now.getTime()) / DAY_MS);
  const when = end.toISOString();
  if (Number.isNaN(days)) return { name: "certificate", ok: false, detail: `unreadable expiry "${validTo}"` };
  if (days < minDays) {
    return { name: "certificate", ok: false, detail: `expires ${when}, in ${days} days; at least ${minDays} required` };
  }
  return { name: "certificate", ok: true, detail: `valid until ${when} (${days} days)` };
}

/** GET <url><path> and judge it; one result per check (or one for the connection when it failed). */
export async function checkHttps(o: HttpsCheckOptions): Promise<CheckResult[]> {
  let target: URL;
  try {
    target = new URL(o.url);
  } catch {
    return [{ name: "url", ok: false, detail: `"${o.url}" is not a URL; allowed: https://<host>[:port]` }];
  }
  if (target.protocol !== "https:") {
    return [{ name: "url", ok: false, detail: `"${o.url}" is not https://; the smoke test checks TLS and HSTS` }];
  }
  const path = o.path ?? "/readyz";
  let reply: Reply;
  try {
    reply = await get(o, target);
  } catch (e) {
    return [connectionFailure(e as NodeJS.ErrnoException, target.hostname)];
  }
  const tls: CheckResult = TLS_OK.has(reply.protocol ?? "")
    ? { name: "tls", ok: true, detail: `${reply.protocol}, certificate valid for ${target.hostname}` }
    : { name: "tls", ok: false, detail: `negotiated ${reply.protocol}; allowed: TLSv1.2, TLSv1.3` };
  const status: CheckResult =
    reply.status === 200
      ? { name: "readiness", ok: true, detail: `GET ${path}: HTTP 200` }
      : { name: "readiness", ok: false, detail: `GET ${path}: HTTP ${reply.status}, expected 200` };
  return [
    tls,
    expiryCheck(reply.validTo, o.now ?? new Date(), o.minCertDays ?? 14),
    status,
    hstsCheck(reply.hsts, o.minHstsSeconds ?? ONE_YEAR_SECONDS),
  ];
}
