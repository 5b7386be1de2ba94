/**
 * The logical backup itself — the code the scheduled job runs, the operator runs, and the drill runs:
 *
 *   dump:    pg_dump -Fc --snapshot ─▶ encrypt (AES-256-GCM chunks) ─▶ sha256 + size ─▶ store; manifest last; metrics
 *   verify:  manifest (key id, MAC) ─▶ size ─▶ one read: sha256 + every chunk's GCM tag + pg_dump archive header
 *   restore: verify ─▶ refuse a non-empty target (unless force) ─▶ decrypt ─▶ pg_restore ─▶ row counts = manifest
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  ALGORITHM,
  BackupError,
  type BackupKey,
  CONSTRUCTION,
  DEFAULT_CHUNK_BYTES,
  DecryptStream,
  EncryptStream,
  EXIT,
  Meter,
} from "./crypto";
import { libpqEnv } from "./db-auth";
import {
  authenticate,
  backupId,
  MANIFEST_FORMAT,
  MANIFEST_SUFFIX,
  type Manifest,
  manifestName,
  objectName,
  parseManifest,
  sign,
  sizeRatioAgainst,
} from "./manifest";
import { writeMetricsFile } from "./metrics";
import { checkObject, dumpTables, type Part, type PartName, storeConfig } from "./parts";
import {
  COUNT_SQL,
  contentChecksums,
  type PgTools,
  parseCounts,
  query,
  SnapshotSession,
  tool,
  track,
  userRelations,
} from "./pg";
import type { BackupStore } from "./store";

/**
 * zstd (PostgreSQL 16+ pg_dump): about as small as pg_dump's default gzip and several times cheaper in CPU, which is
 * what bounds a dump. `--compress gzip` for client tools built without zstd.
 */
export const DEFAULT_COMPRESS = "zstd";

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;

function stderrTail(s: string): string {
  return s.trim().split("\n").slice(-5).join("\n");
}

export interface DumpOptions {
  tools: PgTools;
  dbname: string;
  store: BackupStore;
  key: BackupKey;
  /** Backup id prefix; default `loom-<database>`. */
  prefix?: string;
  /** pg_dump --compress value; default DEFAULT_COMPRESS. */
  compress?: string;
  metricsFile?: string;
  /** The previous backup's manifest file (the job downloads the bucket's latest); absent file = no previous backup. */
  previousManifest?: string;
  /** Tables also exported on their own (`loom:backup.tables`), in the same snapshot: the `tables` part. */
  tables?: string[];
  /** The stack's non-secret settings (JSON object): the `config` part. */
  config?: string;
  chunkBytes?: number;
  now?: () => Date;
}

export interface DumpResult {
  manifest: Manifest;
  seconds: number;
}

/** The previous manifest, if its file exists (parsed and shape-checked; the MAC is not needed for a size). */
function previousOf(file: string | undefined): Manifest | undefined {
  if (!file || !fs.existsSync(file)) return undefined;
  return parseManifest(fs.readFileSync(file, "utf8"), `previous manifest ${file}`);
}

export async function dump(o: DumpOptions): Promise<DumpResult> {
  const now = o.now ?? (() => new Date());
  const t0 = process.hrtime.bigint();
  const startedAt = now();
  const previous = previousOf(o.previousManifest);
  const session = await SnapshotSession.open(o.tools, o.dbname);
  try {
    const { snapshot, server } = await session.begin();
    const serverMajor = Number(server.split(".")[0]);
    if (serverMajor > o.tools.major) {
      throw new BackupError(
        `pg_dump ${o.tools.version} is older than the server (${server}): use client tools of version ${serverMajor} or later`,
        EXIT.failed,
      );
    }
    const [database] = await session.ask("SELECT current_database();");
    const id = backupId(o.prefix ?? `loom-${database}`, startedAt);
    const compress = o.compress ?? DEFAULT_COMPRESS;
    const args = ["-w", "-Fc", `--snapshot=${snapshot}`, `--compress=${compress}`, "-d", o.dbname];

    const child = spawn(tool(o.tools, "pg_dump"), args, { stdio: ["ignore", "pipe", "pipe"], env: await libpqEnv() });
    track(child);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = once(child, "close") as Promise<[number | null, string | null]>;
    // Counted inside the exported snapshot while pg_dump streams: the counts describe exactly what is dumped.
    const counting = session.ask(COUNT_SQL);
    const encrypt = new EncryptStream(o.key, o.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    const meter = new Meter();
    const writer = o.store.create(objectName(id));
    try {
      await pipeline(child.stdout, encrypt, meter, writer.stream);
      const [code, signal] = await exited;
      if (code !== 0) throw new BackupError(`pg_dump exited ${code ?? signal}: ${stderrTail(stderr)}`, EXIT.failed);
      await writer.commit();
    } catch (e) {
      child.kill();
      await writer.abort();
      throw e;
    }
    const tables = parseCounts(await counting);
    const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const parts: Part[] = [];
    if (o.tables?.length) {
      parts.push(await dumpTables({ ...o, snapshot, compress, tables: o.tables, id, chunkBytes, dbname: o.dbname }));
    }
    if (o.config !== undefined) parts.push(await storeConfig(o.store, id, o.config, o.key, chunkBytes));
    await session.close();
    const manifest = sign(o.key, {
      format: MANIFEST_FORMAT,
      id,
      object: objectName(id),
      database: database as string,
      startedAt: startedAt.toISOString(),
      finishedAt: now().toISOString(),
      sizeBytes: meter.bytes,
      sha256: meter.sha256(),
      plaintextBytes: encrypt.plaintextBytes,
      encryption: {
        algorithm: ALGORITHM,
        construction: CONSTRUCTION,
        chunkBytes: o.chunkBytes ?? DEFAULT_CHUNK_BYTES,
        keyId: o.key.id,
      },
      postgres: {
        server,
        pgDump: o.tools.version,
        format: "custom",
        compression: compress,
        snapshot: "row counts and dump share one exported snapshot",
      },
      tables,
      totalRows: tables.reduce((s, x) => s + x.rows, 0),
      ...(previous ? { previous: { id: previous.id, sizeBytes: previous.sizeBytes } } : {}),
      sizeRatio: sizeRatioAgainst(meter.bytes, previous),
      ...(parts.length ? { parts } : {}),
    });
    await o.store.putBytes(manifestName(id), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    const secs = seconds(t0);
    if (o.metricsFile) {
      writeMetricsFile(o.metricsFile, {
        database: manifest.database,
        finishedAtSeconds: Math.floor(Date.parse(manifest.finishedAt) / 1000),
        sizeBytes: manifest.sizeBytes,
        durationSeconds: Number(secs.toFixed(3)),
        rows: manifest.totalRows,
        sizeRatio: manifest.sizeRatio ?? 1,
      });
    }
    return { manifest, seconds: secs };
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** Manifests in the store, oldest first (ids sort by time). */
export async function list(store: BackupStore): Promise<Manifest[]> {
  const names = (await store.list()).filter((n) => n.endsWith(MANIFEST_SUFFIX));
  const out: Manifest[] = [];
  for (const n of names) {
    const bytes = await store.getBytes(n);
    if (bytes) out.push(parseManifest(bytes.toString("utf8"), `${store.url}/${n}`));
  }
  return out.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
}

/** `latest` or an id (with or without the manifest suffix). */
export async function loadManifest(store: BackupStore, backup: string): Promise<Manifest> {
  let id = backup.endsWith(MANIFEST_SUFFIX) ? backup.slice(0, -MANIFEST_SUFFIX.length) : backup;
  if (id === "latest") {
    const all = await list(store);
    const last = all[all.length - 1];
    if (!last) throw new BackupError(`--backup latest: no backups in ${store.url}`, EXIT.failed);
    id = last.id;
  }
  const bytes = await store.getBytes(manifestName(id));
  if (!bytes)
    throw new BackupError(`--backup "${backup}": no manifest ${manifestName(id)} in ${store.url}`, EXIT.failed);
  return parseManifest(bytes.toString("utf8"), manifestName(id));
}

const discard = () => new Writable({ write: (_c: Buffer, _e: BufferEncoding, d: () => void) => d() });

export interface VerifyResult {
  manifest: Manifest;
  seconds: number;
}

/** Everything that can be checked without a database, in one read of the object. Throws BackupError. */
export async function verify(store: BackupStore, backup: string, key: BackupKey): Promise<VerifyResult> {
  const t0 = process.hrtime.bigint();
  const m = await loadManifest(store, backup);
  authenticate(m, key, manifestName(m.id));
  const size = await store.size(m.object);
  if (size === undefined) throw new BackupError(`${m.object}: missing from ${store.url}`, EXIT.integrity);
  if (size < m.sizeBytes) {
    throw new BackupError(`truncated: ${m.object} is ${size} bytes, the manifest says ${m.sizeBytes}`, EXIT.integrity);
  }
  if (size > m.sizeBytes) {
    throw new BackupError(
      `${m.object} is ${size} bytes, the manifest says ${m.sizeBytes}: not this backup`,
      EXIT.integrity,
    );
  }
  const meter = new Meter();
  const decrypt = new DecryptStream(key, m.object);
  let head: Buffer | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _e: BufferEncoding, done: (e?: Error | null) => void) {
      head ??= chunk.subarray(0, 5);
      done();
    },
  });
  let authError: unknown;
  try {
    await pipeline(store.read(m.object), meter, decrypt, sink);
  } catch (e) {
    if (!(e instanceof BackupError)) throw e;
    authError = e;
  }
  // The digest covers what was read up to a failure; on a failure, read the rest so the sha256 is reported too.
  if (authError) {
    const rest = new Meter();
    await pipeline(store.read(m.object), rest, discard());
    const sha = rest.sha256();
    const shaNote = sha === m.sha256 ? "sha256 matches the manifest" : `sha256 ${sha} ≠ manifest ${m.sha256}`;
    throw new BackupError(`tampered or corrupted: ${(authError as Error).message} (${shaNote})`, EXIT.integrity);
  }
  if (meter.sha256() !== m.sha256) {
    throw new BackupError(
      `sha256 mismatch: ${m.object} hashes to ${meter.sha256()}, the manifest says ${m.sha256}`,
      EXIT.integrity,
    );
  }
  if (decrypt.plaintextBytes !== m.plaintextBytes || head?.toString("latin1") !== "PGDMP") {
    throw new BackupError(
      `${m.object}: decrypts, but is not the pg_dump archive the manifest describes`,
      EXIT.integrity,
    );
  }
  for (const p of m.parts ?? []) await checkObject(store, key, p, p.name === "tables" ? "dump" : "config");
  return { manifest: m, seconds: seconds(t0) };
}

export interface RestoreOptions {
  tools: PgTools;
  store: BackupStore;
  backup: string;
  key: BackupKey;
  /** Target database (name, conninfo or URL without password); it must exist. */
  dbname: string;
  /** Restore into a non-empty database (pg_restore --clean --if-exists). */
  force?: boolean;
  noOwner?: boolean;
  /** Compare per-table row counts with the manifest afterwards (default true). */
  checkRows?: boolean;
  /** Restore this part instead of the whole database (`tables`: the configured tables alone). */
  part?: Extract<PartName, "tables">;
}

export interface RestoreResult {
  manifest: Manifest;
  verifySeconds: number;
  restoreSeconds: number;
  checkSeconds: number;
}

export async function restore(o: RestoreOptions): Promise<RestoreResult> {
  const v = await verify(o.store, o.backup, o.key);
  const m = v.manifest;
  const part = o.part === undefined ? undefined : m.parts?.find((p) => p.name === o.part);
  if (o.part !== undefined && !part) {
    throw new BackupError(
      `--part ${o.part}: backup ${m.id} has no ${o.part} part (loom:backup.tables was empty)`,
      EXIT.failed,
    );
  }
  const object = part?.object ?? m.object;
  const existing = await userRelations(o.tools, o.dbname);
  if (existing.count > 0 && !o.force) {
    throw new BackupError(
      `refusing to restore into a non-empty database: ${existing.count} relations in schema(s) ${existing.schemas.join(", ")}; pass --force to restore over them (pg_restore --clean --if-exists)`,
      EXIT.refused,
    );
  }
  const t0 = process.hrtime.bigint();
  const args = ["-w", "-d", o.dbname, "--exit-on-error", "--single-transaction"];
  if (o.force) args.push("--clean", "--if-exists");
  if (o.noOwner) args.push("--no-owner");
  const child = spawn(tool(o.tools, "pg_restore"), args, { stdio: ["pipe", "ignore", "pipe"], env: await libpqEnv() });
  track(child);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = once(child, "close") as Promise<[number | null, string | null]>;
  try {
    await pipeline(o.store.read(object), new DecryptStream(o.key, object), child.stdin);
  } catch (e) {
    child.kill();
    await exited;
    if (e instanceof BackupError) throw e;
    throw new BackupError(`pg_restore: ${stderrTail(stderr) || (e as Error).message}`, EXIT.failed);
  }
  const [code, signal] = await exited;
  if (code !== 0) throw new BackupError(`pg_restore exited ${code ?? signal}: ${stderrTail(stderr)}`, EXIT.failed);
  const restoreSeconds = seconds(t0);
  const t1 = process.hrtime.bigint();
  if (o.checkRows !== false) await checkRowCounts(o.tools, o.dbname, m, part?.tables);
  return { manifest: m, verifySeconds: v.seconds, restoreSeconds, checkSeconds: seconds(t1) };
}

/** Row counts of the restored database against the manifest's, table by table (`only`: a part's tables). */
export async function checkRowCounts(t: PgTools, dbname: string, m: Manifest, only?: string[]): Promise<void> {
  const got = new Map(parseCounts(await query(t, dbname, COUNT_SQL)).map((c) => [`${c.schema}.${c.table}`, c.rows]));
  const wanted = (c: { schema: string; table: string }) =>
    !only || only.includes(c.table) || only.includes(`${c.schema}.${c.table}`);
  const wrong = m.tables
    .filter(wanted)
    .filter((c) => got.get(`${c.schema}.${c.table}`) !== c.rows)
    .map((c) => `${c.schema}.${c.table}: ${got.get(`${c.schema}.${c.table}`) ?? "missing"} rows, manifest ${c.rows}`);
  if (wrong.length)
    throw new BackupError(`restored row counts differ from the manifest: ${wrong.join("; ")}`, EXIT.failed);
}

export { contentChecksums };
