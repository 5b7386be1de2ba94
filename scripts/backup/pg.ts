/**
 * PostgreSQL client tools: where they are, and the few queries the backup code needs, all through `psql` (the job
 * image needs the PostgreSQL client for pg_dump anyway, so no Node driver is added).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { BackupError, EXIT } from "./crypto";
import { libpqEnv } from "./db-auth";
import type { TableCount } from "./manifest";

export const PG_VERSION = "16.15.0";
export const MIN_MAJOR = 16;

export interface PgTools {
  bin: string;
  /** e.g. "16.15" */
  version: string;
  major: number;
}

export const tool = (t: PgTools, name: string) => path.join(t.bin, name);

function versionOf(bin: string): string | undefined {
  const r = spawnSync(path.join(bin, "pg_dump"), ["--version"], { encoding: "utf8" });
  return r.status === 0 ? /(\d+(?:\.\d+)+)/.exec(r.stdout)?.[1] : undefined;
}

/** Candidate bin directories, in order: LOOM_PG_BIN, scripts/backup/install-pg.sh's locations, then PATH. */
export function candidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = [
    env.LOOM_PG_BIN,
    env.LOOM_PG_HOME && path.join(env.LOOM_PG_HOME, "bin"),
    `/var/cache/loom/postgresql-${PG_VERSION}/bin`,
    path.join(os.homedir(), ".cache", "loom", `postgresql-${PG_VERSION}`, "bin"),
    ...(env.PATH ?? "").split(path.delimiter),
  ];
  return [...new Set(list.filter((d): d is string => !!d))];
}

/** The first directory with pg_dump ≥ 16 (and the other tools beside it), or the reason there is none. */
export function findPgTools(
  needs: string[] = ["pg_dump", "pg_restore", "psql"],
  env: NodeJS.ProcessEnv = process.env,
): PgTools | { missing: string } {
  const seen: string[] = [];
  for (const bin of candidates(env)) {
    if (!needs.every((n) => fs.existsSync(path.join(bin, n)))) continue;
    const version = versionOf(bin);
    const major = Number(version?.split(".")[0]);
    if (version && major >= MIN_MAJOR) return { bin, version, major };
    seen.push(`${bin} (${version ?? "unknown version"})`);
  }
  return {
    missing:
      `no PostgreSQL ≥ ${MIN_MAJOR} client tools (${needs.join(", ")}) found${seen.length ? `; too old: ${seen.join(", ")}` : ""}. ` +
      "Run `bash scripts/backup/install-pg.sh` or point LOOM_PG_BIN at a PostgreSQL 16+ bin directory",
  };
}

export function requirePgTools(needs?: string[]): PgTools {
  const t = findPgTools(needs);
  if ("missing" in t) throw new BackupError(t.missing, EXIT.failed);
  return t;
}

/** A password in argv would show in `ps` and shell history: libpq reads PGPASSWORD / PGPASSFILE instead. */
export function checkConnString(flag: string, value: string): void {
  if (!value) throw new BackupError(`${flag}: empty`, EXIT.usage);
  const url = /^postgres(?:ql)?:\/\/([^@/]*)@/.exec(value);
  if (url?.[1]?.includes(":") || /(^|\s)password\s*=/.test(value)) {
    throw new BackupError(
      `${flag}: contains a password; put it in PGPASSWORD or a PGPASSFILE (from the secret store), never in argv`,
      EXIT.usage,
    );
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Tool processes still running: killed when the process exits early (scripts/backup/cluster.ts). */
export const liveChildren = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  child.once("close", () => liveChildren.delete(child));
  return child;
}

/** Runs a tool to completion; a non-zero exit is a BackupError with the tail of its stderr. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], uid: opts.uid, gid: opts.gid, env: opts.env });
    track(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", (e) => reject(new BackupError(`${path.basename(cmd)}: ${e.message}`, EXIT.failed)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr });
      const tail = stderr.trim().split("\n").slice(-5).join("\n");
      reject(new BackupError(`${path.basename(cmd)} exited ${code ?? signal}: ${tail}`, EXIT.failed));
    });
    child.stdin.end(opts.input ?? "");
  });
}

/**
 * -w: never prompt for a password. Without a terminal psql would read the "password" from stdin, i.e. the SQL it was
 * given; a connection without its credential must fail at once with libpq's reason.
 */
export const PSQL_FLAGS = ["-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", "\t"];

/**
 * Runs SQL (one or more statements) and returns the tuples-only, tab-separated output lines. psql authenticates as
 * DATABASE_AUTH says (scripts/backup/db-auth.ts: a token mode fetches a fresh token for this psql alone).
 */
export async function query(t: PgTools, dbname: string, sql: string): Promise<string[]> {
  const r = await run(tool(t, "psql"), [...PSQL_FLAGS, "-d", dbname], { input: sql, env: await libpqEnv() });
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

const USER_RELATIONS = `c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** One statement that counts every user table (query_to_xml runs a dynamic count per row of pg_class). */
export const COUNT_SQL = `SELECT n.nspname, c.relname,
  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_RELATIONS} ORDER BY 1, 2;`;

export function parseCounts(lines: string[]): TableCount[] {
  return lines.map((l) => {
    const [schema, table, rows] = l.split("\t");
    return { schema: schema as string, table: table as string, rows: Number(rows) };
  });
}

/** How many user relations (tables, views, sequences, …) the database holds: 0 means safe to restore into. */
export async function userRelations(t: PgTools, dbname: string): Promise<{ count: number; schemas: string[] }> {
  const lines = await query(
    t,
    dbname,
    `SELECT n.nspname, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' GROUP BY 1 ORDER BY 1;`,
  );
  const rows = lines.map((l) => l.split("\t"));
  return { count: rows.reduce((s, r) => s + Number(r[1]), 0), schemas: rows.map((r) => r[0] as string) };
}

/**
 * A psql session that holds a REPEATABLE READ transaction open and exports its snapshot, so pg_dump (--snapshot)
 * and the manifest's row counts see exactly the same data.
 */
export class SnapshotSession {
  private readonly lines: AsyncIterator<string>;
  private stderr = "";
  private seq = 0;

  /** Starts the session's psql (authenticated as DATABASE_AUTH says: a token is fetched for it first). */
  static async open(t: PgTools, dbname: string): Promise<SnapshotSession> {
    const env = await libpqEnv();
    return new SnapshotSession(spawn(tool(t, "psql"), [...PSQL_FLAGS, "-d", dbname], { stdio: "pipe", env }));
  }

  private readonly closed: Promise<unknown>;

  private constructor(private readonly child: ChildProcess) {
    this.closed = new Promise((r) => this.child.once("close", r));
    // psql refused (a bad password or token) exits at once: the write that follows is EPIPE, which would be thrown
    // over the real reason; ask() reports the session's end with psql's stderr instead.
    this.child.stdin?.on("error", () => undefined);
    this.child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      this.stderr += d;
    });
    this.lines = readline
      .createInterface({ input: this.child.stdout as NodeJS.ReadableStream })
      [Symbol.asyncIterator]();
  }

  /** Sends SQL and collects output lines up to a marker echoed after it. */
  async ask(sql: string): Promise<string[]> {
    const marker = `__loom_backup_done_${++this.seq}__`;
    this.child.stdin?.write(`${sql}\n\\echo ${marker}\n`);
    const out: string[] = [];
    for (;;) {
      const next = await this.lines.next();
      if (next.done) {
        const tail = this.stderr.trim().split("\n").slice(-3).join("\n");
        throw new BackupError(`psql session ended: ${tail || "no output"}`, EXIT.failed);
      }
      if (next.value === marker) return out;
      if (next.value) out.push(next.value);
    }
  }

  async begin(): Promise<{ snapshot: string; server: string }> {
    const [server] = await this.ask("SHOW server_version;");
    const [snapshot] = await this.ask(
      "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\nSELECT pg_export_snapshot();",
    );
    if (!snapshot || !server) throw new BackupError("psql: could not export a snapshot", EXIT.failed);
    return { snapshot, server };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.stdin?.writable) this.child.stdin.end("COMMIT;\n\\q\n");
    await this.closed;
  }
}

/**
 * Per-table content checksum independent of row order: count and the sum of a 60-bit slice of md5(row text), and
 * each sequence's state. Used by the drill (and `restore --check`) to prove source and restore are identical.
 */
export async function contentChecksums(t: PgTools, dbname: string): Promise<Record<string, string>> {
  const rels = await query(
    t,
    dbname,
    `SELECT format('%I.%I', n.nspname, c.relname), c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r','S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1;`,
  );
  if (rels.length === 0) return {};
  const parts = rels.map((l) => {
    const [rel, kind] = l.split("\t") as [string, string];
    const lit = `'${rel.replace(/'/g, "''")}'`;
    return kind === "S"
      ? `SELECT ${lit}, 'sequence ' || last_value || ' ' || is_called FROM ${rel}`
      : `SELECT ${lit}, count(*) || ' rows, sum ' || coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0) FROM ${rel} t`;
  });
  const lines = await query(t, dbname, `${parts.join("\nUNION ALL\n")};`);
  return Object.fromEntries(lines.map((l) => l.split("\t") as [string, string]));
}
