import * as assert from "node:assert/strict";
import {
  BACKUP_WINDOW,
  databaseNameProblem,
  INSTANCE_CLASSES,
  instanceClassFor,
  MAINTENANCE_WINDOW,
  majorVersion,
  parameterGroupFamily,
  postgresParameters,
} from "../../components/database/rds";
import type { Tier } from "../../components/profiles";

/** Minutes since Sunday 00:00 for "sun:01:30" / daily "01:30" (on Sunday). */
function minutes(t: string): number {
  const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
  const [d, h, m] = t.includes(":") && t.split(":").length === 3 ? t.split(":") : ["sun", ...t.split(":")];
  return days.indexOf(d as string) * 1440 + Number(h) * 60 + Number(m);
}

describe("database/rds (pure RDS settings)", () => {
  it("maps tiers to Graviton classes: burstable for small/medium, sustained for large", () => {
    assert.deepEqual(INSTANCE_CLASSES, { small: "db.t4g.small", medium: "db.t4g.large", large: "db.m7g.large" });
    assert.equal(instanceClassFor("large"), "db.m7g.large");
    assert.throws(() => instanceClassFor("huge" as Tier), /tier "huge" is not one of small, medium, large/);
  });

  it("derives the parameter-group family from the major version", () => {
    assert.equal(parameterGroupFamily("16"), "postgres16");
    assert.equal(parameterGroupFamily("17.2"), "postgres17");
    assert.equal(majorVersion("16.4"), 16);
    assert.throws(() => parameterGroupFamily("sixteen"), /"sixteen" is not a PostgreSQL version such as 16 or 16\.4/);
    assert.throws(() => parameterGroupFamily("16.4.1"), /is not a PostgreSQL version/);
  });

  it("forces TLS, SCRAM, slow-query and connection logging, pg_stat_statements at reboot", () => {
    assert.deepEqual(postgresParameters(250), [
      { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
      { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
      { name: "log_min_duration_statement", value: "250", applyMethod: "immediate" },
      { name: "log_connections", value: "1", applyMethod: "immediate" },
      { name: "log_disconnections", value: "1", applyMethod: "immediate" },
      { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
    ]);
  });

  it("keeps the backup and maintenance windows apart and before AWS Backup's 03:00 job", () => {
    const [bStart, bEnd] = BACKUP_WINDOW.split("-").map(minutes) as [number, number];
    const [mStart, mEnd] = MAINTENANCE_WINDOW.split("-").map(minutes) as [number, number];
    assert.ok(bEnd <= mStart || mEnd <= bStart, `${BACKUP_WINDOW} overlaps ${MAINTENANCE_WINDOW}`);
    assert.ok(bEnd <= 180 && mEnd <= 180, "a window runs into the 03:00 AWS Backup job");
    assert.equal(bEnd - bStart, 60);
    assert.equal(mEnd - mStart, 60);
  });

  it("accepts valid initial database names and explains invalid ones", () => {
    assert.equal(databaseNameProblem("loom"), undefined);
    assert.equal(databaseNameProblem("loom_reviews2"), undefined);
    assert.equal(
      databaseNameProblem("1loom"),
      '"1loom" must start with a letter and hold only letters, digits and _ (at most 63 characters)',
    );
    assert.match(databaseNameProblem("loom-db") ?? "", /must start with a letter/);
    assert.match(databaseNameProblem("a".repeat(64)) ?? "", /at most 63 characters/);
    assert.equal(databaseNameProblem("postgres"), '"postgres" is reserved by PostgreSQL/RDS');
  });
});
