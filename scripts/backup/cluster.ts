/**
 * A throwaway PostgreSQL cluster for the drill: temp data dir, 127.0.0.1 on a free port, trust auth, stopped and
 * deleted on every exit path (normal end, error, SIGINT/SIGTERM). PostgreSQL refuses to run as root, so as root the
 * server programs run as `nobody` and the directories they write are handed to it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { BackupError, EXIT } from "./crypto";
import { liveChildren, type PgTools, run, tool } from "./pg";

const NOBODY = 65534;
const asServer = () => (process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A directory the server user can write (chowned to nobody when we are root). */
export function serverDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) fs.chownSync(dir, NOBODY, NOBODY);
  return dir;
}

const cleanups = new Set<() => void>();
let hooked = false;

/** Runs `fn` synchronously at process exit and on SIGINT/SIGTERM, unless removed first. */
export function onExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    const all = () => {
      for (const child of liveChildren) child.kill("SIGKILL");
      for (const f of [...cleanups].reverse()) {
        try {
          f();
        } catch {
          /* best effort while exiting */
        }
      }
      cleanups.clear();
    };
    process.on("exit", all);
    for (const [sig, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      process.once(sig, () => {
        all();
        process.exit(code);
      });
    }
  }
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** A temp directory removed at exit (unless keep). */
export function tempRoot(keep: boolean): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-drill-"));
  fs.chmodSync(dir, 0o755);
  const remove = () => {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  const unhook = onExit(remove);
  return {
    dir,
    remove: () => {
      unhook();
      remove();
    },
  };
}

export class Cluster {
  port = 0;
  private running = false;
  private unhook?: () => void;

  constructor(
    readonly tools: PgTools,
    readonly dataDir: string,
  ) {}

  conn(db = "postgres"): string {
    return `host=127.0.0.1 port=${this.port} user=postgres dbname=${db}`;
  }

  async init(settings: Record<string, string | number>): Promise<void> {
    serverDir(path.dirname(this.dataDir));
    await run(
      tool(this.tools, "initdb"),
      ["-D", this.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      asServer(),
    );
    this.configure(settings);
  }

  /** Appends settings to postgresql.auto.conf (read last, so they win). */
  configure(settings: Record<string, string | number>): void {
    const lines = Object.entries(settings).map(
      ([k, v]) => `${k} = ${typeof v === "number" ? v : `'${v.replace(/'/g, "''")}'`}`,
    );
    fs.appendFileSync(path.join(this.dataDir, "postgresql.auto.conf"), `${lines.join("\n")}\n`);
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.configure({ port: this.port, listen_addresses: "127.0.0.1", unix_socket_directories: "" });
    const log = path.join(path.dirname(this.dataDir), `${path.basename(this.dataDir)}.log`);
    this.unhook = onExit(() => this.stopSync());
    this.running = true;
    try {
      await run(tool(this.tools, "pg_ctl"), ["-D", this.dataDir, "-l", log, "-w", "-t", "120", "start"], asServer());
    } catch (e) {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").slice(-5).join("\n") : "";
      throw new BackupError(`postgres did not start: ${(e as Error).message}\n${tail}`, EXIT.failed);
    }
  }

  stopSync(): void {
    if (!this.running) return;
    this.running = false;
    spawnSync(tool(this.tools, "pg_ctl"), ["-D", this.dataDir, "-m", "immediate", "-w", "stop"], {
      stdio: "ignore",
      ...asServer(),
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unhook?.();
    await run(tool(this.tools, "pg_ctl"), ["-D", this.dataDir, "-m", "fast", "-w", "stop"], asServer());
  }

  /** pg_basebackup as the server user into `dir` (plain format, WAL streamed alongside). */
  async baseBackup(dir: string): Promise<void> {
    await run(
      tool(this.tools, "pg_basebackup"),
      ["-d", this.conn(), "-D", dir, "-Fp", "-X", "stream", "-c", "fast", "--no-sync"],
      asServer(),
    );
  }
}
