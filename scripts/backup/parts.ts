/**
 * The application data of a backup set beside the whole-database dump, each an encrypted object listed (size,
 * sha256) in the MAC'd manifest:
 *
 *   tables  `<id>.tables.dump.enc`  pg_dump -Fc -t … of just the tables in `loom:backup.tables` (schema and data,
 *                                    identity sequences included), in the SAME exported snapshot as the main dump:
 *                                    the prompt library or the users restore alone (restore --part tables)
 *   config  `<id>.config.json.enc`  the stack's non-secret settings as the program passed them to the job (JSON)
 *
 * Both are written before the manifest, so a manifest still marks a complete set; verify checks every part the way
 * it checks the main object (size, sha256 and every GCM tag in one read, and the plaintext's format).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BackupError, type BackupKey, DecryptStream, EncryptStream, EXIT, Meter } from "./crypto";
import { libpqEnv } from "./db-auth";
import { type PgTools, tool, track } from "./pg";
import type { BackupStore } from "./store";

export type PartName = "tables" | "config";
export const PART_NAMES: readonly PartName[] = ["tables", "config"];

export interface Part {
  name: PartName;
  object: string;
  sizeBytes: number;
  sha256: string;
  plaintextBytes: number;
  /** tables: what it holds, as configured (`prompt_library`, `public.users`). */
  tables?: string[];
}

/** The stored object of a part. */
export function partObject(id: string, name: PartName): string {
  return name === "tables" ? `${id}.tables.dump.enc` : `${id}.config.json.enc`;
}

/** `loom:backup.tables` entries, as settings checks them: pg_dump -t takes them as they are. */
export const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

export function checkTables(tables: readonly string[]): void {
  const bad = tables.find((t) => !TABLE_NAME.test(t));
  if (bad !== undefined) {
    throw new BackupError(`--table "${bad}": a lower-case table name, optionally schema-qualified`, EXIT.usage);
  }
  if (new Set(tables).size !== tables.length) throw new BackupError("--table: a table is listed twice", EXIT.usage);
}

/** The configuration part's plaintext: must be a JSON object (the program's settings minus secrets). */
export function checkConfig(text: string, label: string): void {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BackupError(`${label}: not valid JSON`, EXIT.usage);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new BackupError(`${label}: expected a JSON object`, EXIT.usage);
  }
}

interface Written {
  sizeBytes: number;
  sha256: string;
  plaintextBytes: number;
}

/** Encrypt `source` into the store as `name`, committed only when complete and `beforeCommit` has not thrown. */
async function storeEncrypted(
  store: BackupStore,
  name: string,
  source: Readable,
  key: BackupKey,
  chunkBytes: number,
  beforeCommit: () => Promise<void> = async () => undefined,
): Promise<Written> {
  const encrypt = new EncryptStream(key, chunkBytes);
  const meter = new Meter();
  const writer = store.create(name);
  try {
    await pipeline(source, encrypt, meter, writer.stream);
    await beforeCommit();
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return { sizeBytes: meter.bytes, sha256: meter.sha256(), plaintextBytes: encrypt.plaintextBytes };
}

export interface TablesDump {
  tools: PgTools;
  dbname: string;
  /** The main dump's exported snapshot: both dumps see the same data. */
  snapshot: string;
  compress: string;
  tables: string[];
  store: BackupStore;
  id: string;
  key: BackupKey;
  chunkBytes: number;
}

/** pg_dump -Fc of just `tables` (--strict-names: a table that does not exist fails the backup, by name). */
export async function dumpTables(o: TablesDump): Promise<Part> {
  checkTables(o.tables);
  const args = ["-w", "-Fc", `--snapshot=${o.snapshot}`, `--compress=${o.compress}`, "--strict-names"];
  for (const t of o.tables) args.push("-t", t);
  const env = await libpqEnv();
  const child = spawn(tool(o.tools, "pg_dump"), [...args, "-d", o.dbname], { stdio: ["ignore", "pipe", "pipe"], env });
  track(child);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = once(child, "close") as Promise<[number | null, string | null]>;
  const object = partObject(o.id, "tables");
  const succeeded = async () => {
    const [code, signal] = await exited;
    if (code === 0) return;
    const tail = stderr.trim().split("\n").slice(-3).join("\n");
    throw new BackupError(
      `pg_dump of the tables ${o.tables.join(", ")} exited ${code ?? signal}: ${tail}`,
      EXIT.failed,
    );
  };
  try {
    const written = await storeEncrypted(o.store, object, child.stdout, o.key, o.chunkBytes, succeeded);
    return { name: "tables", object, ...written, tables: [...o.tables] };
  } catch (e) {
    child.kill();
    throw e;
  }
}

/** The configuration JSON as an encrypted part. */
export async function storeConfig(
  store: BackupStore,
  id: string,
  config: string,
  key: BackupKey,
  chunkBytes: number,
): Promise<Part> {
  checkConfig(config, "the configuration");
  const object = partObject(id, "config");
  const written = await storeEncrypted(store, object, Readable.from([Buffer.from(config, "utf8")]), key, chunkBytes);
  return { name: "config", object, ...written };
}

/**
 * One read of a stored object: size first (truncation), then sha256 and every GCM tag, then the plaintext's size
 * and its first bytes (`PGDMP` for a pg_dump archive, `{` for the configuration).
 */
export async function checkObject(
  store: BackupStore,
  key: BackupKey,
  o: { object: string; sizeBytes: number; sha256: string; plaintextBytes: number },
  kind: "dump" | "config",
): Promise<void> {
  const size = await store.size(o.object);
  if (size === undefined) throw new BackupError(`${o.object}: missing from ${store.url}`, EXIT.integrity);
  if (size !== o.sizeBytes) {
    const what = size < o.sizeBytes ? "truncated" : "not this backup";
    throw new BackupError(`${what}: ${o.object} is ${size} bytes, the manifest says ${o.sizeBytes}`, EXIT.integrity);
  }
  const meter = new Meter();
  const decrypt = new DecryptStream(key, o.object);
  let head: Buffer | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _e: BufferEncoding, done: (e?: Error | null) => void) {
      head ??= chunk.subarray(0, 5);
      done();
    },
  });
  try {
    await pipeline(store.read(o.object), meter, decrypt, sink);
  } catch (e) {
    if (!(e instanceof BackupError)) throw e;
    throw new BackupError(`tampered or corrupted: ${e.message}`, EXIT.integrity);
  }
  if (meter.sha256() !== o.sha256) {
    const got = meter.sha256();
    throw new BackupError(
      `sha256 mismatch: ${o.object} hashes to ${got}, the manifest says ${o.sha256}`,
      EXIT.integrity,
    );
  }
  const expected = kind === "dump" ? "PGDMP" : "{";
  if (decrypt.plaintextBytes !== o.plaintextBytes || !head?.toString("latin1").startsWith(expected)) {
    throw new BackupError(`${o.object}: decrypts, but is not the ${kind} the manifest describes`, EXIT.integrity);
  }
}

/** The configuration part, decrypted (after its checks). */
export async function readConfig(store: BackupStore, key: BackupKey, part: Part): Promise<string> {
  await checkObject(store, key, part, "config");
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e: BufferEncoding, done: (e?: Error | null) => void) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(store.read(part.object), new DecryptStream(key, part.object), sink);
  return Buffer.concat(chunks).toString("utf8");
}
