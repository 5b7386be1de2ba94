/**
 * The backup's encryption, manifest and verify code on small buffers: round trips, and the exact operator messages
 * for a flipped byte, a truncation (mid-chunk, at a chunk boundary, manifest size), a wrong key and an edited
 * manifest. No PostgreSQL needed: a fake "pg_dump archive" is any buffer that starts with PGDMP.
 */
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { verify } from "../../scripts/backup/backup";
import {
  BackupError,
  canonicalJson,
  DecryptStream,
  deriveKey,
  EncryptStream,
  EXIT,
  HEADER_BYTES,
  loadKey,
  Meter,
  parseKeyMaterial,
  TAG_BYTES,
} from "../../scripts/backup/crypto";
import {
  backupId,
  MANIFEST_FORMAT,
  manifestName,
  objectName,
  parseManifest,
  sign,
  sizeRatioAgainst,
} from "../../scripts/backup/manifest";
import { renderMetrics, writeMetricsFile } from "../../scripts/backup/metrics";
import { LocalDirStore, openStore } from "../../scripts/backup/store";

const KEY = deriveKey(Buffer.alloc(32, 7), "test:key");
const OTHER = deriveKey(Buffer.alloc(32, 9), "test:other");

async function encrypt(plain: Buffer, chunk: number, key = KEY): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e: BufferEncoding, done: () => void) {
      parts.push(c);
      done();
    },
  });
  // Feed in odd-sized pieces so chunking does not depend on how the producer writes.
  const pieces = [];
  for (let i = 0; i < plain.length; i += 777) pieces.push(plain.subarray(i, i + 777));
  await pipeline(Readable.from(pieces), new EncryptStream(key, chunk), sink);
  return Buffer.concat(parts);
}

async function decrypt(enc: Buffer, key = KEY): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e: BufferEncoding, done: () => void) {
      parts.push(c);
      done();
    },
  });
  await pipeline(Readable.from([enc]), new DecryptStream(key, "b.enc"), sink);
  return Buffer.concat(parts);
}

async function rejectsWith(p: Promise<unknown>, code: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BackupError, `not a BackupError: ${e}`);
    assert.equal(e.exitCode, code, e.message);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const archive = (n: number) => Buffer.concat([Buffer.from("PGDMP"), crypto.randomBytes(n - 5)]);

describe("backup: streaming AES-256-GCM", () => {
  for (const [len, chunk] of [
    [0, 64],
    [1, 64],
    [64, 64],
    [128, 64],
    [1000, 64],
    [5000, 4096],
  ] as const) {
    it(`round-trips ${len} bytes in ${chunk}-byte chunks`, async () => {
      const plain = crypto.randomBytes(len);
      const enc = await encrypt(plain, chunk);
      const records = Math.max(1, Math.ceil(len / chunk));
      assert.equal(enc.length, HEADER_BYTES + len + records * TAG_BYTES);
      assert.deepEqual(await decrypt(enc), plain);
    });
  }

  it("encrypts the same input differently every time (random nonce prefix)", async () => {
    const plain = Buffer.alloc(100, 1);
    assert.notDeepEqual(await encrypt(plain, 64), await encrypt(plain, 64));
  });

  it("names the chunk of a flipped byte", async () => {
    const enc = await encrypt(crypto.randomBytes(300), 100);
    enc[HEADER_BYTES + 116 + 5] ^= 1; // inside chunk 1
    await rejectsWith(
      decrypt(enc),
      EXIT.integrity,
      "b.enc: chunk 1 (byte 136) failed AES-256-GCM authentication: the backup was modified or corrupted",
    );
  });

  it("detects a modified header (it is the AAD of every chunk)", async () => {
    const enc = await encrypt(crypto.randomBytes(50), 100);
    enc[15] ^= 1; // nonce prefix byte
    await rejectsWith(decrypt(enc), EXIT.integrity, /chunk 0 \(byte 20\) failed AES-256-GCM authentication/);
  });

  it("tells a cut inside a chunk from a cut at a chunk boundary", async () => {
    const enc = await encrypt(crypto.randomBytes(300), 100);
    await rejectsWith(
      decrypt(enc.subarray(0, HEADER_BYTES + 116 + 50)),
      EXIT.integrity,
      /chunk 1 \(byte 136\) failed AES-256-GCM/,
    );
    await rejectsWith(
      decrypt(enc.subarray(0, HEADER_BYTES + 2 * 116)),
      EXIT.integrity,
      "b.enc: truncated: the stream ends after chunk 1 (byte 252) without its final chunk",
    );
    await rejectsWith(
      decrypt(enc.subarray(0, HEADER_BYTES + 116 + 10)),
      EXIT.integrity,
      "b.enc: truncated: the stream ends inside chunk 1 (byte 146) before its final chunk",
    );
    await rejectsWith(
      decrypt(enc.subarray(0, 10)),
      EXIT.integrity,
      "b.enc: truncated: 10 bytes, shorter than the header",
    );
  });

  it("rejects appended data (the last record is not where the stream ends)", async () => {
    const enc = await encrypt(crypto.randomBytes(300), 100);
    await rejectsWith(decrypt(Buffer.concat([enc, Buffer.alloc(16)])), EXIT.integrity, /failed AES-256-GCM/);
  });

  it("rejects a file that is not a Loom backup", async () => {
    await rejectsWith(decrypt(Buffer.alloc(100)), EXIT.integrity, "b.enc: not a Loom backup (no LOOMBAK1 header)");
  });

  it("fails authentication with another key", async () => {
    const enc = await encrypt(crypto.randomBytes(50), 100);
    await rejectsWith(decrypt(enc, OTHER), EXIT.integrity, /chunk 0 .* failed AES-256-GCM authentication/);
  });

  it("Meter hashes exactly the bytes that pass", async () => {
    const data = crypto.randomBytes(10_000);
    const m = new Meter();
    await pipeline(
      Readable.from([data.subarray(0, 3), data.subarray(3)]),
      m,
      new Writable({ write: (_c, _e, d) => d() }),
    );
    assert.equal(m.bytes, data.length);
    assert.equal(m.sha256(), crypto.createHash("sha256").update(data).digest("hex"));
  });
});

describe("backup: keys", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-key-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("accepts raw, hex and base64 key material and derives the same key id", () => {
    const raw = crypto.randomBytes(32);
    const ids = [raw, Buffer.from(`${raw.toString("hex")}\n`), Buffer.from(raw.toString("base64"))].map(
      (m) => deriveKey(parseKeyMaterial(m, "k"), "k").id,
    );
    assert.equal(new Set(ids).size, 1);
    assert.match(ids[0] as string, /^[0-9a-f]{16}$/);
  });

  it("reads --key-file and --key-env (by name), and says which was used", () => {
    const file = path.join(dir, "k");
    fs.writeFileSync(file, "11".repeat(32));
    assert.equal(loadKey({ keyFile: file }).source, `file:${file}`);
    assert.equal(loadKey({ keyEnv: "MY_KEY" }, { MY_KEY: "11".repeat(32) }).source, "env:MY_KEY");
    assert.equal(loadKey({}, { LOOM_BACKUP_KEY_FILE: file }).id, loadKey({}, { LOOM_BACKUP_KEY: "11".repeat(32) }).id);
  });

  it("names the flag and value when the key is unusable", () => {
    const usage = (fn: () => unknown, message: string) =>
      assert.throws(fn, (e: unknown) => e instanceof BackupError && e.exitCode === EXIT.usage && e.message === message);
    usage(
      () => loadKey({}, {}),
      "no backup key: pass --key-file PATH or --key-env NAME (or set LOOM_BACKUP_KEY_FILE or LOOM_BACKUP_KEY)",
    );
    usage(
      () => loadKey({ keyFile: path.join(dir, "nope") }),
      `--key-file "${path.join(dir, "nope")}": cannot read the key (ENOENT)`,
    );
    usage(() => loadKey({ keyEnv: "UNSET_VAR" }, {}), '--key-env "UNSET_VAR": the environment variable is not set');
    usage(
      () => loadKey({ keyEnv: "s3cr3t+/=" }, {}),
      '--key-env "s3cr3t+/=": expected the NAME of an environment variable',
    );
    usage(
      () => loadKey({ keyEnv: "K" }, { K: "short" }),
      '--key-env "K": expected a 32-byte key (32 raw bytes, 64 hex characters or base64), got 5 bytes that are none of these',
    );
    usage(() => loadKey({ keyFile: "a", keyEnv: "B" }), "--key-file and --key-env: give one, not both");
  });
});

describe("backup: manifest and verify (local store)", () => {
  let dir: string;
  let store: LocalDirStore;
  const id = "loom-test-20260101T000000Z";
  let good: Buffer;
  let manifestText: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-verify-"));
    store = new LocalDirStore(path.join(dir, "store"));
    const plain = archive(3000);
    good = await encrypt(plain, 1024);
    const manifest = sign(KEY, {
      format: MANIFEST_FORMAT,
      id,
      object: objectName(id),
      database: "loom",
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:01.000Z",
      sizeBytes: good.length,
      sha256: crypto.createHash("sha256").update(good).digest("hex"),
      plaintextBytes: plain.length,
      encryption: { algorithm: "AES-256-GCM", construction: "loom-stream-v1", chunkBytes: 1024, keyId: KEY.id },
      postgres: { server: "16.15", pgDump: "16.15", format: "custom", compression: "default", snapshot: "x" },
      tables: [{ schema: "public", table: "reviews", rows: 3 }],
      totalRows: 3,
    });
    manifestText = JSON.stringify(manifest);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function put(object: Buffer, manifest = manifestText): Promise<void> {
    await store.putBytes(objectName(id), object);
    await store.putBytes(manifestName(id), Buffer.from(manifest));
  }

  it("verifies a good backup, by id and as latest", async () => {
    await put(good);
    assert.equal((await verify(store, id, KEY)).manifest.totalRows, 3);
    assert.equal((await verify(store, "latest", KEY)).manifest.id, id);
  });

  it("tampered: one flipped byte → exit 3 with the chunk and both digests", async () => {
    const bad = Buffer.from(good);
    bad[1500] ^= 0x01;
    await put(bad);
    const sha = crypto.createHash("sha256").update(bad).digest("hex");
    const want = JSON.parse(manifestText).sha256;
    await rejectsWith(
      verify(store, id, KEY),
      EXIT.integrity,
      `tampered or corrupted: ${objectName(id)}: chunk 1 (byte 1060) failed AES-256-GCM authentication: the backup was modified or corrupted (sha256 ${sha} ≠ manifest ${want})`,
    );
  });

  it("truncated → exit 3 from the size check, before reading the object", async () => {
    await put(good.subarray(0, good.length - 100));
    await rejectsWith(
      verify(store, id, KEY),
      EXIT.integrity,
      `truncated: ${objectName(id)} is ${good.length - 100} bytes, the manifest says ${good.length}`,
    );
  });

  it("wrong key → exit 4 naming both key ids and where the key came from", async () => {
    await put(good);
    await rejectsWith(
      verify(store, id, OTHER),
      EXIT.wrongKey,
      `wrong key: ${id} was encrypted with key id ${KEY.id}, the key from test:other has id ${OTHER.id}`,
    );
  });

  it("an edited manifest fails its MAC (e.g. sha256 rewritten to match a tampered object)", async () => {
    const bad = Buffer.from(good);
    bad[100] ^= 0x80;
    const m = JSON.parse(manifestText);
    m.sha256 = crypto.createHash("sha256").update(bad).digest("hex");
    await put(bad, JSON.stringify(m));
    await rejectsWith(
      verify(store, id, KEY),
      EXIT.integrity,
      `${manifestName(id)}: the manifest was modified (MAC mismatch)`,
    );
  });

  it("even a re-signed manifest cannot hide a modified chunk: the GCM tag catches it", async () => {
    const bad = Buffer.from(good);
    bad[100] ^= 0x80;
    const { mac: _mac, ...m } = JSON.parse(manifestText);
    m.sha256 = crypto.createHash("sha256").update(bad).digest("hex");
    await put(bad, JSON.stringify(sign(KEY, m)));
    await rejectsWith(
      verify(store, id, KEY),
      EXIT.integrity,
      /chunk 0 \(byte 20\) failed AES-256-GCM authentication.*sha256 matches/,
    );
  });

  it("rejects malformed manifests with the field named", () => {
    assert.throws(() => parseManifest("{", "m.json"), /^BackupError: m.json: not valid JSON$/);
    const m = JSON.parse(manifestText);
    assert.throws(
      () => parseManifest(JSON.stringify({ ...m, sha256: "x" }), "m.json"),
      /"sha256" is not 64 hex characters/,
    );
    assert.throws(() => parseManifest(JSON.stringify({ ...m, format: "v0" }), "m.json"), /format is "v0", expected/);
  });

  it("reports a missing backup and an empty store", async () => {
    await rejectsWith(verify(store, "loom-nope", KEY), EXIT.failed, /no manifest loom-nope.manifest.json in file:\/\//);
    await rejectsWith(
      verify(new LocalDirStore(path.join(dir, "empty")), "latest", KEY),
      EXIT.failed,
      /--backup latest: no backups in/,
    );
  });
});

describe("backup: ids, store URLs, metrics", () => {
  it("ids sort by time", () => {
    assert.equal(backupId("loom-app", new Date("2026-12-01T20:30:05.123Z")), "loom-app-20261201T203005Z");
  });

  it("canonical JSON ignores key order", () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });

  it("accepts a directory or file:// URL and names the cloud stores not built yet", () => {
    assert.equal(openStore("file:///var/backups/loom").url, "file:///var/backups/loom");
    assert.throws(
      () => openStore("s3://bucket/x"),
      /--store "s3:\/\/bucket\/x": the S3 \(AWS\) store is not implemented yet/,
    );
    assert.throws(() => openStore("ftp://x"), /unknown scheme ftp:/);
  });

  it("compares the size with the previous manifest's: 1 without one (or an empty one)", () => {
    const prev = (sizeBytes: number) => ({ sizeBytes }) as Parameters<typeof sizeRatioAgainst>[1];
    assert.equal(sizeRatioAgainst(400, prev(1000)), 0.4);
    assert.equal(sizeRatioAgainst(1000, prev(3000)), 0.333333);
    assert.equal(sizeRatioAgainst(1000, undefined), 1);
    assert.equal(sizeRatioAgainst(1000, prev(0)), 1);
  });

  it("writes the Prometheus textfile the alerts read", () => {
    const text = renderMetrics({
      database: "loom",
      finishedAtSeconds: 1700000000,
      sizeBytes: 1234,
      durationSeconds: 1.5,
      rows: 9,
      sizeRatio: 0.42,
    });
    assert.match(text, /^# TYPE loom_backup_last_success_timestamp_seconds gauge$/m);
    assert.match(text, /^loom_backup_last_success_timestamp_seconds\{database="loom"\} 1700000000$/m);
    assert.match(text, /^loom_backup_size_bytes\{database="loom"\} 1234$/m);
    assert.match(text, /^loom_backup_size_ratio\{database="loom"\} 0.42$/m);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "loom-prom-")), "sub", "backup.prom");
    writeMetricsFile(file, {
      database: "loom",
      finishedAtSeconds: 1,
      sizeBytes: 2,
      durationSeconds: 3,
      rows: 4,
      sizeRatio: 1,
    });
    assert.match(fs.readFileSync(file, "utf8"), /loom_backup_size_bytes\{database="loom"\} 2/);
    fs.rmSync(path.dirname(path.dirname(file)), { recursive: true, force: true });
  });
});
