/**
 * Where backups go. The job and the drill talk to this interface only; a local directory stands in for the bucket
 * today, and S3 / GCS / Azure Blob implementations plug in here when the cloud issues land (the URL schemes are
 * reserved and rejected with a clear message until then).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import { BackupError, EXIT } from "./crypto";

export interface ObjectWriter {
  readonly stream: Writable;
  /** Makes the object visible (atomically); call after `stream` has finished. */
  commit(): Promise<void>;
  /** Drops the partial object. */
  abort(): Promise<void>;
}

export interface BackupStore {
  /** e.g. `file:///var/backups/loom` — printed in messages and manifests. */
  readonly url: string;
  create(name: string): ObjectWriter;
  putBytes(name: string, data: Buffer): Promise<void>;
  read(name: string): Readable;
  getBytes(name: string): Promise<Buffer | undefined>;
  size(name: string): Promise<number | undefined>;
  list(): Promise<string[]>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkName(name: string): void {
  if (!SAFE_NAME.test(name)) throw new BackupError(`object name "${name}": only letters, digits, . _ -`, EXIT.usage);
}

export class LocalDirStore implements BackupStore {
  readonly url: string;

  constructor(readonly dir: string) {
    this.url = `file://${path.resolve(dir)}`;
  }

  private file(name: string): string {
    checkName(name);
    return path.join(this.dir, name);
  }

  create(name: string): ObjectWriter {
    const final = this.file(name);
    const partial = `${final}.partial`;
    fs.mkdirSync(this.dir, { recursive: true });
    const stream = fs.createWriteStream(partial, { mode: 0o600 });
    return {
      stream,
      commit: async () => {
        await fs.promises.rename(partial, final);
      },
      abort: async () => {
        stream.destroy();
        await fs.promises.rm(partial, { force: true });
      },
    };
  }

  async putBytes(name: string, data: Buffer): Promise<void> {
    const final = this.file(name);
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.writeFile(`${final}.partial`, data, { mode: 0o600 });
    await fs.promises.rename(`${final}.partial`, final);
  }

  read(name: string): Readable {
    return fs.createReadStream(this.file(name), { highWaterMark: 1 << 20 });
  }

  async getBytes(name: string): Promise<Buffer | undefined> {
    try {
      return await fs.promises.readFile(this.file(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async size(name: string): Promise<number | undefined> {
    try {
      return (await fs.promises.stat(this.file(name))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async list(): Promise<string[]> {
    try {
      return (await fs.promises.readdir(this.dir)).filter((n) => SAFE_NAME.test(n) && !n.endsWith(".partial")).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }
}

const PLANNED: Record<string, string> = {
  "s3:": "S3 (AWS)",
  "gs:": "Google Cloud Storage",
  "azblob:": "Azure Blob Storage",
  "spaces:": "DigitalOcean Spaces",
};

/** `--store` value: a directory path or `file://` URL; cloud schemes are recognised and reported as not yet built. */
export function openStore(spec: string): BackupStore {
  if (!spec) throw new BackupError("--store: empty; expected a directory or file:// URL", EXIT.usage);
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(spec)?.[1]?.toLowerCase();
  if (scheme && scheme !== "file:") {
    const what = PLANNED[scheme];
    throw new BackupError(
      what
        ? `--store "${spec}": the ${what} store is not implemented yet (local directories only for now)`
        : `--store "${spec}": unknown scheme ${scheme}; expected a directory or file:// URL`,
      EXIT.usage,
    );
  }
  return new LocalDirStore(scheme === "file:" ? new URL(spec).pathname : spec);
}
