/**
 * OpenBao for the secrets drill: where the `bao` binary is (scripts/secrets/install-openbao.sh puts it in
 * ~/.cache/loom-openbao/bin), a dev-mode server on 127.0.0.1 with a declarative file audit device (OpenBao 2.x
 * refuses `sys/audit` creation through the API, so the device is in the server's config file), and a minimal HTTP
 * API client. The dev root token is random per run, passed through the environment (never argv), and dies with
 * the in-memory server.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort, onExit } from "../backup/cluster";

export const OPENBAO_VERSION = "2.7.2";

/** Candidate `bao` binaries, in order: LOOM_OPENBAO_BIN, the install script's cache, then PATH. */
export function baoCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const cache = env.LOOM_OPENBAO_CACHE ?? path.join(os.homedir(), ".cache", "loom-openbao");
  const list = [
    env.LOOM_OPENBAO_BIN,
    path.join(cache, "bin", "bao"),
    ...(env.PATH ?? "").split(path.delimiter).map((d) => d && path.join(d, "bao")),
  ];
  return [...new Set(list.filter((p): p is string => !!p))];
}

/** The first `bao` that runs and reports OpenBao, with its version line, or the reason there is none. */
export function findBao(env: NodeJS.ProcessEnv = process.env): { bin: string; version: string } | { missing: string } {
  for (const bin of baoCandidates(env)) {
    if (!fs.existsSync(bin)) continue;
    const r = spawnSync(bin, ["version"], { encoding: "utf8" });
    const version = /^OpenBao v\S+/.exec(r.stdout ?? "")?.[0];
    if (r.status === 0 && version) return { bin, version };
  }
  return {
    missing:
      "no OpenBao `bao` binary found (LOOM_OPENBAO_BIN, ~/.cache/loom-openbao/bin/bao, PATH). " +
      "Run `bash scripts/secrets/install-openbao.sh`",
  };
}

export class BaoError extends Error {}

/** The dev server's configuration: only the audit device (dev mode supplies listener and in-memory storage). */
export function devConfigHcl(auditLog: string): string {
  return [
    'audit "file" "file" {',
    '  description = "every request and response, secrets HMAC-SHA256ed"',
    "  options {",
    `    file_path = ${JSON.stringify(auditLog)}`,
    '    mode      = "0600"',
    "  }",
    "}",
    "",
  ].join("\n");
}

export interface DevServer {
  addr: string;
  token: string;
  auditLog: string;
  logFile: string;
  client: BaoClient;
  stop(): Promise<void>;
}

/** Starts `bao server -dev` on 127.0.0.1 (a free port) and waits until it answers as unsealed. */
export async function startDevServer(bin: string, dir: string): Promise<DevServer> {
  const port = await freePort();
  const addr = `http://127.0.0.1:${port}`;
  const token = `drill-root-${crypto.randomBytes(18).toString("base64url")}`;
  const auditLog = path.join(dir, "audit.log");
  const config = path.join(dir, "openbao.hcl");
  const logFile = path.join(dir, "openbao.log");
  fs.writeFileSync(config, devConfigHcl(auditLog), { mode: 0o600 });
  const out = fs.openSync(logFile, "w", 0o600);
  const child: ChildProcess = spawn(
    bin,
    ["server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, `-config=${config}`, "-log-level=warn"],
    {
      // The root token goes through the environment: argv is visible to every user in `ps`.
      env: { PATH: process.env.PATH ?? "", HOME: dir, BAO_DEV_ROOT_TOKEN_ID: token },
      stdio: ["ignore", out, out],
    },
  );
  fs.closeSync(out);
  const kill = () => child.exitCode === null && child.kill("SIGKILL");
  const unhook = onExit(kill);
  const client = new BaoClient(addr, token);
  try {
    await client.waitReady(child, logFile);
  } catch (e) {
    kill();
    unhook();
    throw e;
  }
  const stop = async () => {
    unhook();
    if (child.exitCode !== null) return;
    const closed = new Promise((r) => child.once("close", r));
    child.kill("SIGTERM");
    await closed;
  };
  return { addr, token, auditLog, logFile, client, stop };
}

export interface BaoResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field by the drill
  body: any;
}

/** The HTTP API with the token in the X-Vault-Token header; a non-2xx answer is a BaoError naming the path. */
export class BaoClient {
  constructor(
    readonly addr: string,
    private readonly token: string,
  ) {}

  async request(method: string, apiPath: string, body?: unknown): Promise<BaoResponse> {
    const res = await fetch(`${this.addr}/v1/${apiPath}`, {
      method,
      headers: { "X-Vault-Token": this.token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const errors = (parsed?.errors as string[] | undefined)?.join("; ") ?? text;
      throw new BaoError(`${method} ${apiPath}: HTTP ${res.status}: ${errors}`);
    }
    return { status: res.status, body: parsed };
  }

  async waitReady(child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new BaoError(`bao server exited ${child.exitCode}: ${tail(logFile)}`);
      }
      try {
        const res = await fetch(`${this.addr}/v1/sys/health`);
        const health = (await res.json()) as { initialized?: boolean; sealed?: boolean };
        if (res.status === 200 && health.initialized && !health.sealed) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new BaoError(`bao server not ready after ${timeoutMs} ms: ${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function tail(file: string): string {
  if (!fs.existsSync(file)) return "no log";
  // The dev server prints its root token at start: never echo those lines.
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => !/root token|unseal key/i.test(l))
    .slice(-5)
    .join("\n");
}
