/**
 * Reads an OpenBao file audit log (one JSON object a line, a `request` and a `response` entry per call) and says
 * whether the drill's calls are all there and no secret is in plaintext: OpenBao HMAC-SHA256s every string in
 * request and response data (and the client token) with a per-device salt, so a leaked log still gives no secret.
 */

/** The calls the drill makes that must be audited (request paths, without /v1/). */
export const AUDITED_PATHS = [
  "sys/mounts/database",
  "database/config/loom-pg",
  "database/rotate-root/loom-pg",
  "database/roles/app",
  "database/creds/app",
  "sys/leases/renew",
  "sys/leases/revoke",
] as const;

export interface AuditSummary {
  entries: number;
  /** Distinct request paths, in first-seen order. */
  paths: string[];
  missingPaths: string[];
  /** The creds response's username and password are both `hmac-sha256:` values. */
  credsResponseHmac: boolean;
  /** The config request's password is an `hmac-sha256:` value. */
  configPasswordHmac: boolean;
  /** How many of the given plaintext secrets occur anywhere in the log (must be 0). */
  plaintextHits: number;
}

interface Entry {
  type?: string;
  request?: { path?: string; data?: Record<string, unknown> };
  response?: { data?: Record<string, unknown> };
}

const isHmac = (v: unknown) => typeof v === "string" && /^hmac-sha256:[0-9a-f]{64}$/.test(v);

export function summariseAudit(text: string, plaintexts: readonly string[]): AuditSummary {
  const lines = text.split("\n").filter((l) => l.trim());
  const entries = lines.map((l, i) => {
    try {
      return JSON.parse(l) as Entry;
    } catch {
      throw new Error(`audit log line ${i + 1} is not JSON: ${l.slice(0, 80)}`);
    }
  });
  const paths = [...new Set(entries.map((e) => e.request?.path).filter((p): p is string => !!p))];
  const creds = entries.find((e) => e.type === "response" && e.request?.path === "database/creds/app");
  const config = entries.find((e) => e.type === "request" && e.request?.path === "database/config/loom-pg");
  return {
    entries: entries.length,
    paths,
    missingPaths: AUDITED_PATHS.filter((p) => !paths.includes(p)),
    credsResponseHmac: isHmac(creds?.response?.data?.username) && isHmac(creds?.response?.data?.password),
    configPasswordHmac: isHmac(config?.request?.data?.password),
    plaintextHits: plaintexts.filter((s) => s.length > 0 && text.includes(s)).length,
  };
}
