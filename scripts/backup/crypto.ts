/**
 * Client-side encryption of a backup stream: AES-256-GCM in independently authenticated chunks (the STREAM
 * construction, as age and Tink use), so a backup of any size stays within GCM's per-nonce limits, a flipped byte is
 * pinned to its chunk, and a truncation is told apart from a modification.
 *
 *   file   = header (20 bytes) || record_0 || … || record_n
 *   header = "LOOMBAK1" || u32 BE chunk size || 7-byte random nonce prefix || 0x00
 *   record = AES-256-GCM(chunk_i) || 16-byte tag     nonce = prefix || u32 BE i || (1 if last else 0), AAD = header
 *
 * The 32-byte key comes from a file or an environment variable that the cloud's secret store fills (never argv, the
 * image or the plan). Three sub-keys are derived from it with HKDF-SHA256: encryption, the manifest MAC, and a short
 * public key id written to the manifest so that a wrong key is reported as such before anything is decrypted.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { Transform, type TransformCallback } from "node:stream";

/** Exit codes of the backup CLI and the drill (documented in `cli.ts --help` and the runbook). */
export const EXIT = { ok: 0, failed: 1, usage: 2, integrity: 3, wrongKey: 4, refused: 5 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is meant for the operator, with the exit code it maps to. */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "BackupError";
  }
}

export const MAGIC = Buffer.from("LOOMBAK1", "ascii");
export const HEADER_BYTES = 20;
export const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const ALGORITHM = "AES-256-GCM";
export const CONSTRUCTION = "loom-stream-v1";

export interface BackupKey {
  /** Public 16-hex-character id of the key (HKDF output, reveals nothing about the key). */
  readonly id: string;
  /** Where the key came from, e.g. `file:/run/secrets/backup-key` or `env:LOOM_BACKUP_KEY` — never the key. */
  readonly source: string;
  readonly enc: Buffer;
  readonly mac: Buffer;
}

const SALT = Buffer.from("loom-backup/1");
const hkdf = (raw: Buffer, info: string, len: number) => Buffer.from(crypto.hkdfSync("sha256", raw, SALT, info, len));

export function deriveKey(raw: Buffer, source: string): BackupKey {
  if (raw.length !== 32) throw new BackupError(`${source}: a backup key is 32 bytes, got ${raw.length}`, EXIT.usage);
  return {
    id: hkdf(raw, "key-id", 8).toString("hex"),
    source,
    enc: hkdf(raw, "encryption", 32),
    mac: hkdf(raw, "manifest-mac", 32),
  };
}

/** Accepts the key as 32 raw bytes, 64 hex characters or base64 of 32 bytes (surrounding whitespace ignored). */
export function parseKeyMaterial(material: Buffer, label: string): Buffer {
  if (material.length === 32) return material;
  const text = material.toString("utf8").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text)) {
    const b = Buffer.from(text, "base64");
    if (b.length === 32) return b;
  }
  throw new BackupError(
    `${label}: expected a 32-byte key (32 raw bytes, 64 hex characters or base64), got ${material.length} bytes that are none of these`,
    EXIT.usage,
  );
}

export interface KeyOptions {
  keyFile?: string;
  keyEnv?: string;
}

/**
 * The key from `--key-file PATH` or `--key-env NAME` (the name of the variable, not its value); without either, from
 * the file named by LOOM_BACKUP_KEY_FILE, else the variable LOOM_BACKUP_KEY.
 */
export function loadKey(opts: KeyOptions, env: NodeJS.ProcessEnv = process.env): BackupKey {
  if (opts.keyFile && opts.keyEnv) throw new BackupError("--key-file and --key-env: give one, not both", EXIT.usage);
  const file = opts.keyFile ?? (opts.keyEnv ? undefined : env.LOOM_BACKUP_KEY_FILE);
  if (file) {
    const label = `--key-file "${file}"`;
    let material: Buffer;
    try {
      material = fs.readFileSync(file);
    } catch (e) {
      throw new BackupError(`${label}: cannot read the key (${(e as NodeJS.ErrnoException).code})`, EXIT.usage);
    }
    return deriveKey(parseKeyMaterial(material, label), `file:${file}`);
  }
  const name = opts.keyEnv ?? (env.LOOM_BACKUP_KEY !== undefined ? "LOOM_BACKUP_KEY" : undefined);
  if (!name) {
    throw new BackupError(
      "no backup key: pass --key-file PATH or --key-env NAME (or set LOOM_BACKUP_KEY_FILE or LOOM_BACKUP_KEY)",
      EXIT.usage,
    );
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new BackupError(`--key-env "${name}": expected the NAME of an environment variable`, EXIT.usage);
  }
  const value = env[name];
  if (value === undefined || value === "") {
    throw new BackupError(`--key-env "${name}": the environment variable is not set`, EXIT.usage);
  }
  return deriveKey(parseKeyMaterial(Buffer.from(value, "utf8"), `--key-env "${name}"`), `env:${name}`);
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 7);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Byte queue that hands out exact-length slices without re-concatenating everything on every write. */
class Queue {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const head = this.parts[0] as Buffer;
      const k = Math.min(head.length, n - off);
      head.copy(out, off, 0, k);
      off += k;
      if (k === head.length) this.parts.shift();
      else this.parts[0] = head.subarray(k);
    }
    this.length -= n;
    return out;
  }
}

/** Plaintext in, encrypted backup stream out. `plaintextBytes` is final after the stream ends. */
export class EncryptStream extends Transform {
  plaintextBytes = 0;
  private readonly header: Buffer;
  private readonly prefix = crypto.randomBytes(7);
  private readonly queue = new Queue();
  private index = 0;

  constructor(
    private readonly key: BackupKey,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    super();
    this.header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(this.header, 0);
    this.header.writeUInt32BE(chunkBytes, 8);
    this.prefix.copy(this.header, 12);
    this.push(this.header);
  }

  private seal(chunk: Buffer, last: boolean): Buffer {
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key.enc, nonce(this.prefix, this.index++, last));
    cipher.setAAD(this.header);
    const body = cipher.update(chunk);
    cipher.final();
    return Buffer.concat([body, cipher.getAuthTag()]);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.plaintextBytes += data.length;
    this.queue.push(data);
    // Keep at least one full chunk back: only the end of input says which chunk is the last.
    while (this.queue.length > this.chunkBytes) this.push(this.seal(this.queue.take(this.chunkBytes), false));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(this.seal(this.queue.take(this.queue.length), true));
    done();
  }
}

/** Encrypted backup stream in, authenticated plaintext out; any failure is a BackupError naming the chunk. */
export class DecryptStream extends Transform {
  plaintextBytes = 0;
  private header?: Buffer;
  private prefix: Buffer = Buffer.alloc(0);
  private recordBytes = 0;
  private readonly queue = new Queue();
  private index = 0;

  constructor(
    private readonly key: BackupKey,
    private readonly label = "backup",
  ) {
    super();
  }

  private open(record: Buffer, last: boolean): Buffer | undefined {
    const header = this.header as Buffer;
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key.enc, nonce(this.prefix, this.index, last));
    decipher.setAAD(header);
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    const body = decipher.update(record.subarray(0, record.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return body;
  }

  private offset(): number {
    return HEADER_BYTES + this.index * this.recordBytes;
  }

  private authFailure(): BackupError {
    return new BackupError(
      `${this.label}: chunk ${this.index} (byte ${this.offset()}) failed ${ALGORITHM} authentication: the backup was modified or corrupted`,
      EXIT.integrity,
    );
  }

  private readHeader(): void {
    const h = this.queue.take(HEADER_BYTES);
    if (!h.subarray(0, 8).equals(MAGIC)) {
      throw new BackupError(`${this.label}: not a Loom backup (no LOOMBAK1 header)`, EXIT.integrity);
    }
    const chunk = h.readUInt32BE(8);
    if (chunk < 1 || chunk > 64 << 20) {
      throw new BackupError(`${this.label}: header names an impossible chunk size ${chunk}`, EXIT.integrity);
    }
    this.header = h;
    this.prefix = h.subarray(12, 19);
    this.recordBytes = chunk + TAG_BYTES;
  }

  private deliver(body: Buffer): void {
    this.plaintextBytes += body.length;
    this.index++;
    this.push(body);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.queue.push(data);
      if (!this.header && this.queue.length >= HEADER_BYTES) this.readHeader();
      while (this.header && this.queue.length > this.recordBytes) {
        const body = this.open(this.queue.take(this.recordBytes), false);
        if (!body) throw this.authFailure();
        this.deliver(body);
      }
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.header) {
        throw new BackupError(
          `${this.label}: truncated: ${this.queue.length} bytes, shorter than the header`,
          EXIT.integrity,
        );
      }
      if (this.queue.length < TAG_BYTES) {
        throw new BackupError(
          `${this.label}: truncated: the stream ends inside chunk ${this.index} (byte ${this.offset() + this.queue.length}) before its final chunk`,
          EXIT.integrity,
        );
      }
      const record = this.queue.take(this.queue.length);
      const body = this.open(record, true);
      if (body) {
        this.deliver(body);
        done();
        return;
      }
      if (record.length === this.recordBytes && this.open(record, false)) {
        throw new BackupError(
          `${this.label}: truncated: the stream ends after chunk ${this.index} (byte ${this.offset() + record.length}) without its final chunk`,
          EXIT.integrity,
        );
      }
      throw this.authFailure();
    } catch (e) {
      done(e as Error);
    }
  }
}

/** Pass-through that hashes (sha256) and counts what flows through it: the one read that serves both. */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash = crypto.createHash("sha256");
  private hex?: string;

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += data.length;
    this.hash.update(data);
    done(null, data);
  }

  /** The digest; call once the stream has finished. */
  sha256(): string {
    this.hex ??= this.hash.digest("hex");
    return this.hex;
  }
}

/** Canonical JSON (sorted keys) so the manifest MAC does not depend on key order or whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function macOf(key: BackupKey, body: unknown): string {
  return crypto.createHmac("sha256", key.mac).update(canonicalJson(body)).digest("hex");
}
