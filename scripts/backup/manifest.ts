/**
 * The manifest written beside every backup object, last (its presence marks a complete backup). It is MAC'd with a
 * key derived from the backup key, so an edited manifest is detected too, and it carries what a restore is checked
 * against: size and sha256 of the stored object, the encryption parameters, and the per-table row counts taken in the
 * same snapshot as the dump.
 */
import { ALGORITHM, BackupError, type BackupKey, CONSTRUCTION, EXIT, macOf } from "./crypto";
import { PART_NAMES, type Part } from "./parts";

export const MANIFEST_FORMAT = "loom-backup-manifest/1";
export const MANIFEST_SUFFIX = ".manifest.json";
export const OBJECT_SUFFIX = ".dump.enc";

export interface TableCount {
  schema: string;
  table: string;
  rows: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  object: string;
  database: string;
  startedAt: string;
  finishedAt: string;
  sizeBytes: number;
  sha256: string;
  plaintextBytes: number;
  encryption: { algorithm: typeof ALGORITHM; construction: typeof CONSTRUCTION; chunkBytes: number; keyId: string };
  postgres: { server: string; pgDump: string; format: "custom"; compression: string; snapshot: string };
  tables: TableCount[];
  totalRows: number;
  /** The previous backup this one is compared with (the latest manifest in the bucket before the run). */
  previous?: { id: string; sizeBytes: number };
  /** sizeBytes / previous.sizeBytes; 1 without a previous backup. Absent in manifests from before it existed. */
  sizeRatio?: number;
  /** The application data beside the whole-database dump (parts.ts): the configured tables, the configuration. */
  parts?: Part[];
  mac: string;
}

export type UnsignedManifest = Omit<Manifest, "mac">;

export const manifestName = (id: string) => `${id}${MANIFEST_SUFFIX}`;
export const objectName = (id: string) => `${id}${OBJECT_SUFFIX}`;

/** `loom-<database>-20261201T203000Z`; the timestamp sorts, so "latest" is the last name. */
export function backupId(prefix: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${prefix}-${stamp}`;
}

export function sign(key: BackupKey, body: UnsignedManifest): Manifest {
  return { ...body, mac: macOf(key, body) };
}

function need(cond: unknown, label: string, what: string): asserts cond {
  if (!cond) throw new BackupError(`${label}: ${what}`, EXIT.integrity);
}

/** Parses and shape-checks a manifest; does not need the key (list uses it). */
export function parseManifest(text: string, label: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new BackupError(`${label}: not valid JSON`, EXIT.integrity);
  }
  need(m && typeof m === "object", label, "not a JSON object");
  need(m.format === MANIFEST_FORMAT, label, `format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  for (const k of ["id", "object", "database", "startedAt", "finishedAt", "sha256", "mac"] as const) {
    need(typeof m[k] === "string" && m[k].length > 0, label, `"${k}" missing or not a string`);
  }
  need(/^[0-9a-f]{64}$/.test(m.sha256), label, `"sha256" is not 64 hex characters`);
  need(Number.isSafeInteger(m.sizeBytes) && m.sizeBytes >= 0, label, `"sizeBytes" is not a byte count`);
  need(m.encryption?.algorithm === ALGORITHM, label, `encryption.algorithm is not ${ALGORITHM}`);
  need(m.encryption.construction === CONSTRUCTION, label, `encryption.construction is not ${CONSTRUCTION}`);
  need(/^[0-9a-f]{16}$/.test(m.encryption.keyId ?? ""), label, `encryption.keyId is not 16 hex characters`);
  need(Array.isArray(m.tables), label, `"tables" is not a list`);
  if (m.parts !== undefined) {
    need(Array.isArray(m.parts), label, `"parts" is not a list`);
    for (const [i, p] of m.parts.entries()) {
      need(PART_NAMES.includes(p?.name), label, `parts[${i}].name is not one of ${PART_NAMES.join(", ")}`);
      need(typeof p.object === "string" && p.object.length > 0, label, `parts[${i}].object missing`);
      need(Number.isSafeInteger(p.sizeBytes) && p.sizeBytes >= 0, label, `parts[${i}].sizeBytes is not a byte count`);
      need(/^[0-9a-f]{64}$/.test(p.sha256 ?? ""), label, `parts[${i}].sha256 is not 64 hex characters`);
    }
  }
  return m;
}

/**
 * The size ratio against a previous manifest's file (the job downloads the bucket's latest manifest first; a missing
 * file = no previous backup). Only shape-checked: a manifest of an older key still gives its size.
 */
export function sizeRatioAgainst(sizeBytes: number, previous: Manifest | undefined): number {
  if (!previous || previous.sizeBytes <= 0) return 1;
  return Math.round((sizeBytes / previous.sizeBytes) * 1e6) / 1e6;
}

/** Key id first (a wrong key is its own failure), then the MAC over everything else. */
export function authenticate(m: Manifest, key: BackupKey, label: string): void {
  if (m.encryption.keyId !== key.id) {
    throw new BackupError(
      `wrong key: ${m.id} was encrypted with key id ${m.encryption.keyId}, the key from ${key.source} has id ${key.id}`,
      EXIT.wrongKey,
    );
  }
  const { mac, ...body } = m;
  if (macOf(key, body) !== mac) {
    throw new BackupError(`${label}: the manifest was modified (MAC mismatch)`, EXIT.integrity);
  }
}
