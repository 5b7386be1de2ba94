/**
 * The drill's application-data part: a second backup of the same database, taken the way the scheduled job takes
 * it — with the previous manifest (the size ratio), the configured tables (`loom:backup.tables`) and the stack's
 * configuration — then the tables restored ALONE into a fresh database and compared (row counts and content
 * checksums of those tables and their identity sequences), the configuration read back through its checks, and a
 * tampered configuration part refused by verify.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dump, restore, verify } from "./backup";
import type { Cluster } from "./cluster";
import { BackupError, type BackupKey, EXIT } from "./crypto";
import { manifestName } from "./manifest";
import { readConfig } from "./parts";
import { contentChecksums, type PgTools, query } from "./pg";
import { LocalDirStore } from "./store";

/** What a stack passes as `loom:backup.tables` in the drill: the prompt library and the users. */
export const DRILL_TABLES = ["prompt_library", "users"];

/** A configuration part like the program's (settings minus secrets), fixed so the drill can compare it. */
export const DRILL_CONFIG = JSON.stringify({
  project: "loom",
  stack: "drill",
  cloud: "kubernetes",
  environment: "prod",
  domain: "loom.example.com",
  backup: { tables: DRILL_TABLES },
  profile: { backupRetentionDays: 14, disasterRecovery: true },
});

export interface AppDataReport {
  /** Size of the second backup over the first's (the same data: about 1). */
  sizeRatio: number;
  previousId: string;
  tables: { names: string[]; storedBytes: number; restoreSeconds: number; identical: boolean };
  config: { storedBytes: number; identical: boolean; tamperedRefused: boolean };
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

export async function appDataDrill(
  t: PgTools,
  c: Cluster,
  dir: string,
  store: LocalDirStore,
  key: BackupKey,
  previousId: string,
  source: Record<string, string>,
): Promise<AppDataReport> {
  const d = await dump({
    tools: t,
    dbname: c.conn("loom"),
    store,
    key,
    previousManifest: path.join(store.dir, manifestName(previousId)),
    tables: DRILL_TABLES,
    config: DRILL_CONFIG,
    // A later second than the first backup: ids are per second.
    now: () => new Date(Date.now() + 1000),
  });
  const m = d.manifest;
  const tablesPart = m.parts?.find((p) => p.name === "tables");
  const configPart = m.parts?.find((p) => p.name === "config");
  if (!tablesPart || !configPart) throw new BackupError(`${m.id}: the tables or config part is missing`, EXIT.failed);

  await query(t, c.conn(), "CREATE DATABASE loom_tables;");
  const t0 = process.hrtime.bigint();
  await restore({ tools: t, store, backup: m.id, key, dbname: c.conn("loom_tables"), part: "tables" });
  const restoreSeconds = since(t0);
  const restored = await contentChecksums(t, c.conn("loom_tables"));
  await query(t, c.conn(), "DROP DATABASE loom_tables;");
  // Exactly the configured tables and their identity sequences, each identical to the source.
  const mine = (rel: string) => DRILL_TABLES.some((x) => rel === `public.${x}` || rel.startsWith(`public.${x}_`));
  const expected = Object.keys(source).filter(mine).sort();
  const identicalTables =
    expected.length >= DRILL_TABLES.length &&
    JSON.stringify(Object.keys(restored).sort()) === JSON.stringify(expected) &&
    expected.every((k) => restored[k] === source[k]);

  const config = await readConfig(store, key, configPart);
  const tamperedRefused = await tamperedConfigRefused(dir, store, key, m.id, configPart.object);
  return {
    sizeRatio: m.sizeRatio ?? Number.NaN,
    previousId,
    tables: {
      names: tablesPart.tables ?? [],
      storedBytes: tablesPart.sizeBytes,
      restoreSeconds: Math.round(restoreSeconds * 1000) / 1000,
      identical: identicalTables,
    },
    config: { storedBytes: configPart.sizeBytes, identical: config === DRILL_CONFIG, tamperedRefused },
  };
}

/** A copy of the set with one flipped byte in the configuration part: verify must refuse it (exit 3). */
async function tamperedConfigRefused(
  dir: string,
  store: LocalDirStore,
  key: BackupKey,
  id: string,
  configObject: string,
): Promise<boolean> {
  const copy = path.join(dir, "store-config-tampered");
  fs.mkdirSync(copy, { recursive: true });
  for (const name of fs.readdirSync(store.dir).filter((n) => n.startsWith(id))) {
    fs.copyFileSync(path.join(store.dir, name), path.join(copy, name));
  }
  const file = path.join(copy, configObject);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 20] ^= 0x01;
  fs.writeFileSync(file, bytes);
  try {
    await verify(new LocalDirStore(copy), id, key);
    return false;
  } catch (e) {
    return e instanceof BackupError && e.exitCode === EXIT.integrity;
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
