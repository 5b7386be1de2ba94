/**
 * The drill end to end on a small data set (5 000 rows, the raw baseline skipped): a real PostgreSQL 16, the same
 * dump/verify/restore code, identical content, the three refused failure paths through the CLI, and PITR. Needs the
 * PostgreSQL 16 tools (`bash scripts/backup/install-pg.sh`, which .ci/run runs); skipped with the reason otherwise.
 * The full-size drill (≥ 200 k rows, with timings) is `npm run drill`; tests never assert on time.
 */
import assert from "node:assert/strict";
import { type DrillReport, runDrill } from "../../scripts/backup/drill";
import { findPgTools } from "../../scripts/backup/pg";

describe("backup drill (small, real PostgreSQL)", function () {
  this.timeout(300_000);
  let report: DrillReport;

  before(async function () {
    const tools = findPgTools(["pg_dump", "pg_restore", "psql", "initdb", "pg_ctl", "postgres", "pg_basebackup"]);
    if ("missing" in tools) {
      console.log(`      skipped: ${tools.missing}`);
      this.skip();
    }
    report = await runDrill({ rows: 5000, skipRaw: true, proveForce: true, log: () => undefined });
  });

  it("restores every table and sequence identically (row counts and content checksums)", () => {
    assert.equal(report.identical, true);
    assert.equal(report.rows.total, 5000);
    assert.deepEqual(Object.keys(report.rows.perTable).sort(), [
      "prompt_library",
      "pull_requests",
      "repositories",
      "review_comments",
      "reviews",
      "users",
    ]);
  });

  it("refuses a tampered, a truncated and a wrong-key backup before touching the target", () => {
    const by = Object.fromEntries(report.failures.map((f) => [f.case, f]));
    assert.equal(by["good backup: list + verify"]?.exitCode, 0);
    assert.equal(by["tampered (one flipped byte)"]?.exitCode, 3);
    assert.match(by["tampered (one flipped byte)"]?.message ?? "", /failed AES-256-GCM authentication/);
    assert.equal(by["truncated (last 4 KiB cut)"]?.exitCode, 3);
    assert.match(by["truncated (last 4 KiB cut)"]?.message ?? "", /^backup: truncated: /);
    assert.equal(by["wrong key"]?.exitCode, 4);
    assert.match(by["wrong key"]?.message ?? "", /^backup: wrong key: /);
    assert.equal(by["non-empty target without --force"]?.exitCode, 5);
    assert.match(
      by["non-empty target without --force"]?.message ?? "",
      /^backup: refusing to restore into a non-empty database: \d+ relations in schema\(s\) public; pass --force/,
    );
    assert.equal(by["good backup: restore --force over it"]?.exitCode, 0);
    for (const f of report.failures) assert.equal(f.held, true, `${f.case}: ${f.message}`);
  });

  it("a second backup as the job takes it: size ratio ~1, the configured tables restored alone, the configuration", () => {
    const a = report.appData;
    assert.ok(Math.abs(a.sizeRatio - 1) < 0.05, `size ratio ${a.sizeRatio}`);
    assert.match(a.previousId, /^loom-loom-\d{8}T\d{6}Z$/);
    assert.deepEqual(a.tables.names, ["prompt_library", "users"]);
    assert.equal(a.tables.identical, true);
    assert.ok(a.tables.storedBytes > 0);
    assert.equal(a.config.identical, true);
    assert.equal(a.config.tamperedRefused, true);
  });

  it("PITR replays to the target time: the write before it is there, the one after it is not", () => {
    assert.equal(report.pitr.beforeTargetPresent, true);
    assert.equal(report.pitr.afterTargetAbsent, true);
  });

  it("reports sizes, throughput and an RTO estimate", () => {
    assert.ok(report.bytes.stored > report.bytes.dump, "encryption adds the header and one tag per chunk");
    assert.ok(report.rto.seconds > 0);
    assert.equal(report.rows.belowIssueMinimum, true);
    assert.equal(report.ok, true);
  });
});
