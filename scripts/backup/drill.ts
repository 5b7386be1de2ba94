/**
 * npm run drill [-- --json FILE] [--rows N] [--keep]
 *
 * The restore drill, on a real PostgreSQL 16 and no cloud: a throwaway cluster, a Loom-shaped data set (≥ 200 k
 * rows), then the backup job's own code — dump → encrypt → checksum → store — verify, restore into a fresh database,
 * and identical per-table row counts and content checksums. It proves that a tampered, a truncated and a wrong-key
 * backup are refused by the operator CLI (non-zero exit) before the target is touched; replays WAL to a timestamp
 * between two writes (PITR); and measures raw `pg_dump -Fc | pg_restore` of the same database for the ratio.
 * Exit 0 when every check holds, 1 otherwise. How to read the numbers: docs/runbooks/backup-restore.md.
 */
import { spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import { once } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_COMPRESS, dump, restore } from "./backup";
import { Cluster, serverDir, tempRoot } from "./cluster";
import { BackupError, EXIT, loadKey } from "./crypto";
import { datasetSql, shapeFor, total } from "./dataset";
import { type AppDataReport, appDataDrill } from "./drill-app";
import { manifestName } from "./manifest";
import { contentChecksums, findPgTools, type PgTools, query, run, tool, track, userRelations } from "./pg";
import { LocalDirStore } from "./store";

const ROOT = path.resolve(__dirname, "..", "..");
export const MIN_ROWS = 200_000;

export interface DrillOptions {
  rows: number;
  keep?: boolean;
  log?: (line: string) => void;
  /** Skip the raw pg_dump | pg_restore baseline (the unit test's small drill). */
  skipRaw?: boolean;
  /** Also restore over the non-empty restored database with --force (the unit test's small drill). */
  proveForce?: boolean;
}

export interface FailureProof {
  case: string;
  exitCode: number;
  message: string;
  held: boolean;
}

export interface DrillReport {
  postgres: string;
  rows: { total: number; perTable: Record<string, number>; belowIssueMinimum: boolean };
  bytes: { database: number; dump: number; stored: number };
  seconds: Record<string, number>;
  throughput: { dumpMBps: number; restoreMBps: number; restoreRowsPerSecond: number };
  rto: { seconds: number; note: string; extrapolatedMinutes: Record<string, number> };
  raw?: {
    pipeSeconds: number;
    stagedSeconds: number;
    stagedDumpSeconds: number;
    stagedRestoreSeconds: number;
    ratioVsPipe: number;
    ratioVsStaged: number;
    ratioDump: number;
    ratioVerifyRestore: number;
  };
  identical: boolean;
  failures: FailureProof[];
  pitr: {
    baseBackupSeconds: number;
    recoverySeconds: number;
    beforeTargetPresent: boolean;
    afterTargetAbsent: boolean;
  };
  /** The job's second-backup path: size ratio, the configured tables restored alone, the configuration part. */
  appData: AppDataReport;
  ok: boolean;
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const MB = 1e6;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [v, since(t)];
}

/**
 * The operator CLI in a child process: the exit code and stderr an operator would see. cli.ts is bundled once with
 * esbuild (a devDependency) so three child processes do not each pay ts-node's start-up; ts-node if esbuild is absent.
 */
function cliRunner(dir: string): (args: string[]) => { status: number; stdout: string; stderr: string } {
  let prefix = ["-r", "ts-node/register/transpile-only", path.join(__dirname, "cli.ts")];
  try {
    const esbuild = require("esbuild") as typeof import("esbuild");
    const outfile = path.join(dir, "backup-cli.js");
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, "cli.ts")],
      bundle: true,
      platform: "node",
      outfile,
      logLevel: "error",
    });
    prefix = [outfile];
  } catch {
    /* ts-node it is */
  }
  return (args) => {
    const r = spawnSync(process.execPath, [...prefix, ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.trim() };
  };
}

async function rawPipe(t: PgTools, from: string, to: string): Promise<void> {
  const d = spawn(tool(t, "pg_dump"), ["-Fc", `--compress=${DEFAULT_COMPRESS}`, "-d", from], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const r = spawn(tool(t, "pg_restore"), ["-d", to, "--exit-on-error", "--single-transaction"], {
    stdio: ["pipe", "ignore", "inherit"],
  });
  track(d);
  track(r);
  d.stdout.pipe(r.stdin);
  const [[dc], [rc]] = await Promise.all([once(d, "close"), once(r, "close")]);
  if (dc !== 0 || rc !== 0) throw new BackupError(`raw pg_dump | pg_restore exited ${dc} / ${rc}`, EXIT.failed);
}

async function failurePaths(
  t: PgTools,
  c: Cluster,
  dir: string,
  store: LocalDirStore,
  id: string,
  keyFile: string,
  proveForce = false,
): Promise<FailureProof[]> {
  const m = JSON.parse(fs.readFileSync(path.join(store.dir, manifestName(id)), "utf8")) as {
    object: string;
    sizeBytes: number;
  };
  const copy = (name: string, mutate: (b: Buffer) => Buffer) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    fs.copyFileSync(path.join(store.dir, manifestName(id)), path.join(d, manifestName(id)));
    fs.writeFileSync(path.join(d, m.object), mutate(fs.readFileSync(path.join(store.dir, m.object))));
    return d;
  };
  const tampered = copy("store-tampered", (b) => {
    b[Math.floor(b.length / 2)] ^= 0x01;
    return b;
  });
  const truncated = copy("store-truncated", (b) => b.subarray(0, b.length - 4096));
  const wrongKey = path.join(dir, "wrong.key");
  fs.writeFileSync(wrongKey, `${"ab".repeat(32)}\n`, { mode: 0o600 });
  await query(t, c.conn(), "CREATE DATABASE drill_untouched;");
  const target = c.conn("drill_untouched");
  const cases: [string, string, string, number][] = [
    ["tampered (one flipped byte)", tampered, keyFile, EXIT.integrity],
    ["truncated (last 4 KiB cut)", truncated, keyFile, EXIT.integrity],
    ["wrong key", store.dir, wrongKey, EXIT.wrongKey],
  ];
  const cli = cliRunner(dir);
  const out: FailureProof[] = [];
  // The happy path through the same CLI first: list shows the backup, verify exits 0.
  const listed = cli(["list", "--store", store.dir]);
  const verified = cli(["verify", "--store", store.dir, "--backup", id, "--key-file", keyFile]);
  out.push({
    case: "good backup: list + verify",
    exitCode: verified.status,
    message: verified.stderr,
    held: listed.status === 0 && verified.status === 0 && listed.stdout.includes(id),
  });
  for (const [name, s, k, expected] of cases) {
    const r = cli(["restore", "--store", s, "--backup", id, "--dbname", target, "--key-file", k]);
    const untouched = (await userRelations(t, target)).count === 0;
    out.push({
      case: name,
      exitCode: r.status,
      message: r.stderr,
      held: untouched && r.status === expected,
    });
  }
  // A verified backup, but a target that already holds the data: refused without --force, restored over with it.
  const nonEmpty = c.conn("loom_restored");
  const before = (await userRelations(t, nonEmpty)).count;
  const refused = cli(["restore", "--store", store.dir, "--backup", id, "--dbname", nonEmpty, "--key-file", keyFile]);
  out.push({
    case: "non-empty target without --force",
    exitCode: refused.status,
    message: refused.stderr,
    held: refused.status === EXIT.refused && (await userRelations(t, nonEmpty)).count === before,
  });
  if (proveForce) {
    const forced = cli([
      "restore",
      "--store",
      store.dir,
      "--backup",
      id,
      "--dbname",
      nonEmpty,
      "--key-file",
      keyFile,
      "--force",
    ]);
    out.push({
      case: "good backup: restore --force over it",
      exitCode: forced.status,
      message: forced.stderr,
      held: forced.status === 0,
    });
  }
  return out;
}

async function pitr(t: PgTools, c: Cluster, dir: string): Promise<DrillReport["pitr"]> {
  const archive = serverDir(path.join(dir, "wal-archive"));
  await query(
    t,
    c.conn(),
    `ALTER SYSTEM SET archive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f'; SELECT pg_reload_conf();`,
  );
  await query(
    t,
    c.conn("loom"),
    "CREATE TABLE pitr_marker (id int PRIMARY KEY, note text, at timestamptz DEFAULT clock_timestamp());",
  );
  const base = path.join(serverDir(path.join(dir, "pitr")), "data");
  const [, baseBackupSeconds] = await timed(() => c.baseBackup(base));
  await query(t, c.conn("loom"), "INSERT INTO pitr_marker (id, note) VALUES (1, 'before the target');");
  const [target] = await query(t, c.conn("loom"), "SELECT clock_timestamp()::text;");
  await new Promise((r) => setTimeout(r, 250));
  await query(t, c.conn("loom"), "INSERT INTO pitr_marker (id, note) VALUES (2, 'after the target');");
  const [wal] = await query(t, c.conn(), "SELECT pg_walfile_name(pg_switch_wal());");
  for (let i = 0; ; i++) {
    const [done] = await query(
      t,
      c.conn(),
      `SELECT coalesce(last_archived_wal >= '${wal}', false) FROM pg_stat_archiver;`,
    );
    if (done === "t") break;
    if (i > 300) throw new BackupError(`WAL ${wal} was not archived within 30 s`, EXIT.failed);
    await new Promise((r) => setTimeout(r, 100));
  }
  const rec = new Cluster(t, base);
  const t0 = process.hrtime.bigint();
  fs.writeFileSync(path.join(base, "recovery.signal"), "");
  if (process.getuid?.() === 0) fs.chownSync(path.join(base, "recovery.signal"), 65534, 65534);
  rec.configure({
    restore_command: `cp ${archive}/%f %p`,
    recovery_target_time: target as string,
    recovery_target_action: "promote",
    archive_mode: "off",
  });
  await rec.start();
  for (let i = 0; ; i++) {
    const [inRecovery] = await query(t, rec.conn(), "SELECT pg_is_in_recovery();");
    if (inRecovery === "f") break;
    if (i > 600) throw new BackupError("PITR: the recovered cluster did not promote within 60 s", EXIT.failed);
    await new Promise((r) => setTimeout(r, 100));
  }
  const recoverySeconds = since(t0);
  const notes = await query(t, rec.conn("loom"), "SELECT id FROM pitr_marker ORDER BY id;");
  await rec.stop();
  return {
    baseBackupSeconds: r3(baseBackupSeconds),
    recoverySeconds: r3(recoverySeconds),
    beforeTargetPresent: notes.includes("1"),
    afterTargetAbsent: !notes.includes("2"),
  };
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const found = findPgTools(["pg_dump", "pg_restore", "psql", "initdb", "pg_ctl", "postgres", "pg_basebackup"]);
  if ("missing" in found) throw new BackupError(found.missing, EXIT.failed);
  const t = found;
  const tmp = tempRoot(o.keep ?? false);
  const c = new Cluster(t, path.join(tmp.dir, "main", "data"));
  try {
    log(`PostgreSQL ${t.version} from ${t.bin}; work dir ${tmp.dir}`);
    await c.init({ archive_mode: "on", archive_command: "/bin/true", archive_timeout: 60, max_wal_size: "1GB" });
    await c.start();
    const shape = shapeFor(o.rows);
    await query(t, c.conn(), "CREATE DATABASE loom;");
    const [, loadSeconds] = await timed(() =>
      run(tool(t, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.conn("loom")], { input: datasetSql(shape) }),
    );
    const [dbBytes] = await query(t, c.conn(), "SELECT pg_database_size('loom');");
    log(`loaded ${total(shape)} rows (${(Number(dbBytes) / MB).toFixed(1)} MB) in ${loadSeconds.toFixed(2)} s`);
    const [source, sourceSumSeconds] = await timed(() => contentChecksums(t, c.conn("loom")));

    // Raw baseline, staged like a real backup (file, then restore), timed per phase; the piped variant runs after ours.
    let rawStaged: { dump: number; restore: number } | undefined;
    if (!o.skipRaw) {
      await query(t, c.conn(), "CREATE DATABASE raw_staged; CREATE DATABASE raw_pipe;");
      const file = path.join(tmp.dir, "raw.dump");
      const [, dumpS] = await timed(() =>
        run(tool(t, "pg_dump"), ["-Fc", `--compress=${DEFAULT_COMPRESS}`, "-f", file, "-d", c.conn("loom")]),
      );
      const [, restoreS] = await timed(() =>
        run(tool(t, "pg_restore"), ["-d", c.conn("raw_staged"), "--exit-on-error", "--single-transaction", file]),
      );
      rawStaged = { dump: dumpS, restore: restoreS };
      fs.rmSync(file);
      await query(t, c.conn(), "DROP DATABASE raw_staged;");
    }

    const keyFile = path.join(tmp.dir, "backup.key");
    fs.writeFileSync(keyFile, `${crypto.randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    const key = loadKey({ keyFile });
    const store = new LocalDirStore(path.join(tmp.dir, "bucket"));
    const d = await dump({
      tools: t,
      dbname: c.conn("loom"),
      store,
      key,
      metricsFile: path.join(tmp.dir, "metrics", "backup.prom"),
    });
    const m = d.manifest;
    log(
      `dump    ${d.seconds.toFixed(2)} s  ${(m.plaintextBytes / MB).toFixed(1)} MB pg_dump -Fc (${m.postgres.compression}) → ${(m.sizeBytes / MB).toFixed(1)} MB stored (${m.id})`,
    );
    await query(t, c.conn(), "CREATE DATABASE loom_restored;");
    const r = await restore({ tools: t, store, backup: m.id, key, dbname: c.conn("loom_restored") });
    log(
      `verify  ${r.verifySeconds.toFixed(2)} s  (manifest MAC, key id, size, sha256, ${Math.ceil(m.plaintextBytes / m.encryption.chunkBytes)} GCM tags)`,
    );
    log(`restore ${r.restoreSeconds.toFixed(2)} s  + row counts vs manifest ${r.checkSeconds.toFixed(2)} s`);
    const [restored, restoredSumSeconds] = await timed(() => contentChecksums(t, c.conn("loom_restored")));
    const diffs = Object.keys({ ...source, ...restored }).filter((k) => source[k] !== restored[k]);
    log(
      diffs.length
        ? `DIFFERENT: ${diffs.join(", ")}`
        : `identical: ${Object.keys(source).length} tables and sequences (row counts + content checksums)`,
    );

    const failures = await failurePaths(t, c, tmp.dir, store, m.id, keyFile, o.proveForce);
    if (o.proveForce) {
      const again = await contentChecksums(t, c.conn("loom_restored"));
      const same = Object.keys(source).every((k) => source[k] === again[k]);
      failures.push({ case: "good backup: identical after restore --force", exitCode: 0, message: "", held: same });
    }
    for (const f of failures) {
      const good = f.case.startsWith("good");
      log(
        `${good ? "checked" : "refused"} ${f.case}: exit ${f.exitCode}, ${f.held ? "as expected" : "NOT AS EXPECTED"}${good ? "" : " (target unchanged)"}`,
      );
      if (f.message) log(`        ${f.message}`);
    }

    const app = await appDataDrill(t, c, tmp.dir, store, key, m.id, source);
    log(
      `app     size ratio ${app.sizeRatio} vs ${app.previousId}; tables ${app.tables.names.join(", ")} (${(app.tables.storedBytes / MB).toFixed(1)} MB) restored alone in ${app.tables.restoreSeconds.toFixed(2)} s: ${app.tables.identical ? "identical" : "DIFFERENT"}; ` +
        `config ${app.config.storedBytes} bytes: ${app.config.identical ? "read back identical" : "DIFFERENT"}, tampered copy ${app.config.tamperedRefused ? "refused (exit 3)" : "NOT REFUSED"}`,
    );

    let raw: DrillReport["raw"];
    const ours = d.seconds + r.verifySeconds + r.restoreSeconds;
    if (rawStaged) {
      const [, pipeSeconds] = await timed(() => rawPipe(t, c.conn("loom"), c.conn("raw_pipe")));
      await query(t, c.conn(), "DROP DATABASE raw_pipe;");
      const staged = rawStaged.dump + rawStaged.restore;
      raw = {
        pipeSeconds: r3(pipeSeconds),
        stagedSeconds: r3(staged),
        stagedDumpSeconds: r3(rawStaged.dump),
        stagedRestoreSeconds: r3(rawStaged.restore),
        ratioVsPipe: r3(ours / pipeSeconds),
        ratioVsStaged: r3(ours / staged),
        ratioDump: r3(d.seconds / rawStaged.dump),
        ratioVerifyRestore: r3((r.verifySeconds + r.restoreSeconds) / rawStaged.restore),
      };
      log(
        `raw     pg_dump -Fc -f ${rawStaged.dump.toFixed(2)} s, pg_restore FILE ${rawStaged.restore.toFixed(2)} s; pg_dump -Fc | pg_restore ${pipeSeconds.toFixed(2)} s`,
      );
      log(
        `ratio   ours ${ours.toFixed(2)} s (dump+encrypt+sha256, verify, restore) = ${raw.ratioVsStaged.toFixed(2)}× staged raw ` +
          `(dump ${raw.ratioDump.toFixed(2)}×, verify+restore ${raw.ratioVerifyRestore.toFixed(2)}×), ${raw.ratioVsPipe.toFixed(2)}× piped raw`,
      );
    }
    await query(t, c.conn(), "DROP DATABASE loom_restored; DROP DATABASE drill_untouched;");
    const p = await pitr(t, c, tmp.dir);
    log(
      `PITR    base backup ${p.baseBackupSeconds.toFixed(2)} s, WAL replay to the target + promote ${p.recoverySeconds.toFixed(2)} s: write before the target present ${p.beforeTargetPresent}, write after it absent ${p.afterTargetAbsent}`,
    );

    const db = Number(dbBytes);
    const rtoSeconds = r.verifySeconds + r.restoreSeconds + r.checkSeconds;
    const perGiB = rtoSeconds / (db / 2 ** 30);
    const report: DrillReport = {
      postgres: t.version,
      rows: {
        total: m.totalRows,
        perTable: Object.fromEntries(m.tables.map((x) => [x.table, x.rows])),
        belowIssueMinimum: m.totalRows < MIN_ROWS,
      },
      bytes: { database: db, dump: m.plaintextBytes, stored: m.sizeBytes },
      seconds: {
        load: r3(loadSeconds),
        dump: r3(d.seconds),
        verify: r3(r.verifySeconds),
        restore: r3(r.restoreSeconds),
        rowCheck: r3(r.checkSeconds),
        contentChecksumSource: r3(sourceSumSeconds),
        contentChecksumRestored: r3(restoredSumSeconds),
      },
      throughput: {
        dumpMBps: r3(db / MB / d.seconds),
        restoreMBps: r3(db / MB / r.restoreSeconds),
        restoreRowsPerSecond: Math.round(m.totalRows / r.restoreSeconds),
      },
      rto: {
        seconds: r3(rtoSeconds),
        note: "verify + restore + row check for this database size, excluding the download from the bucket and DNS/app cut-over; linear extrapolation per GiB of database",
        extrapolatedMinutes: Object.fromEntries(
          [20, 50, 100, 1000].map((g) => [`${g}GiB`, Math.round((perGiB * g) / 6) / 10]),
        ),
      },
      raw,
      identical: diffs.length === 0,
      failures,
      pitr: p,
      appData: app,
      ok: false,
    };
    const appOk =
      app.tables.identical && app.config.identical && app.config.tamperedRefused && Math.abs(app.sizeRatio - 1) < 0.05;
    report.ok =
      report.identical && failures.every((f) => f.held) && p.beforeTargetPresent && p.afterTargetAbsent && appOk;
    log(
      `RTO for ${(db / MB).toFixed(0)} MB: ${rtoSeconds.toFixed(1)} s (restore ${report.throughput.restoreMBps.toFixed(1)} MB/s, ${report.throughput.restoreRowsPerSecond} rows/s); ` +
        `extrapolated: ${Object.entries(report.rto.extrapolatedMinutes)
          .map(([k, v]) => `${k} ≈ ${v} min`)
          .join(", ")}`,
    );
    log(report.ok ? "drill: OK" : "drill: FAILED");
    return report;
  } finally {
    c.stopSync();
    tmp.remove();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: "string" },
      rows: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "usage: drill [--json FILE] [--rows N (default 200000)] [--keep (leave the work dir)]\nexit 0: every check held; 1: a check failed or the drill could not run",
    );
    return 0;
  }
  const rows = values.rows === undefined ? MIN_ROWS : Number(values.rows);
  if (!Number.isInteger(rows) || rows < 100)
    throw new BackupError(`--rows "${values.rows}": expected an integer ≥ 100`, EXIT.usage);
  const [report, secs] = await timed(() => runDrill({ rows, keep: values.keep }));
  console.log(`drill wall time ${secs.toFixed(1)} s`);
  if (values.json) fs.writeFileSync(values.json, `${JSON.stringify({ ...report, wallSeconds: r3(secs) }, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`drill: ${e instanceof BackupError ? e.message : (e as Error).stack}`);
      process.exitCode = e instanceof BackupError && e.exitCode === EXIT.usage ? 2 : 1;
    },
  );
}
