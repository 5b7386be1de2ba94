import * as assert from "node:assert/strict";
import {
  backupConfiguration,
  caBundle,
  databaseVersionFor,
  editionProblems,
  hostOf,
  MACHINE_TIERS,
  machineTierFor,
  sqlDatabaseNameProblem,
  tierFitsEdition,
} from "../../components/database/gcp-sql";
import { TIERS, type Tier } from "../../components/profiles";
import type { CloudSqlEdition } from "../../components/targets/gcp";

const EDITIONS: CloudSqlEdition[] = ["ENTERPRISE", "ENTERPRISE_PLUS"];

describe("Cloud SQL settings (pure)", () => {
  it("maps each tier to a machine tier per edition", () => {
    assert.deepEqual(
      TIERS.map((t) => [machineTierFor("ENTERPRISE", t), machineTierFor("ENTERPRISE_PLUS", t)]),
      [
        ["db-custom-1-3840", "db-perf-optimized-N-2"],
        ["db-custom-2-8192", "db-perf-optimized-N-2"],
        ["db-custom-4-16384", "db-perf-optimized-N-4"],
      ],
    );
  });

  it("maps only to tiers the edition accepts, and none is shared-core", () => {
    for (const edition of EDITIONS) {
      for (const tier of TIERS) {
        const machine = machineTierFor(edition, tier);
        assert.equal(tierFitsEdition(edition, machine), true, `${edition} ${tier} → ${machine}`);
        assert.equal(["db-f1-micro", "db-g1-small"].includes(machine), false);
      }
    }
    // The rule itself: custom and shared-core tiers are ENTERPRISE only, perf-optimized ENTERPRISE_PLUS only.
    assert.equal(tierFitsEdition("ENTERPRISE_PLUS", "db-custom-2-8192"), false);
    assert.equal(tierFitsEdition("ENTERPRISE_PLUS", "db-f1-micro"), false);
    assert.equal(tierFitsEdition("ENTERPRISE", "db-perf-optimized-N-2"), false);
    assert.equal(tierFitsEdition("ENTERPRISE", "db-g1-small"), true);
  });

  it("gives ENTERPRISE custom tiers valid custom-machine memory (multiple of 256 MiB, 0.9–6.5 GiB per vCPU)", () => {
    for (const machine of Object.values(MACHINE_TIERS.ENTERPRISE)) {
      const [, cpus, mib] = /^db-custom-(\d+)-(\d+)$/.exec(machine)?.map(Number) ?? [];
      assert.ok(cpus !== undefined && mib !== undefined, machine);
      assert.ok(cpus === 1 || cpus % 2 === 0, `${machine}: vCPUs are 1 or even`);
      assert.equal(mib % 256, 0, machine);
      assert.ok(mib / cpus >= 0.9 * 1024 && mib / cpus <= 6.5 * 1024, machine);
    }
  });

  it("refuses an unknown tier or edition", () => {
    assert.throws(() => machineTierFor("ENTERPRISE", "huge" as Tier), {
      message: 'tier "huge" is not one of small, medium, large',
    });
    assert.throws(() => machineTierFor("STANDARD" as CloudSqlEdition, "small"), {
      message: 'edition "STANDARD" is not one of ENTERPRISE, ENTERPRISE_PLUS',
    });
  });

  it("names the database version by major (a minor cannot be pinned on Cloud SQL)", () => {
    assert.equal(databaseVersionFor("16"), "POSTGRES_16");
    assert.equal(databaseVersionFor("17.2"), "POSTGRES_17");
    assert.equal(databaseVersionFor("18"), "POSTGRES_18");
    assert.throws(() => databaseVersionFor("16.4.1"), {
      message: '"16.4.1" is not a PostgreSQL version such as 16 or 16.4',
    });
  });

  it("says what an edition cannot hold: more days of logs than it keeps", () => {
    assert.deepEqual(editionProblems("ENTERPRISE", { backupRetentionDays: 7 }), []);
    assert.deepEqual(editionProblems("ENTERPRISE_PLUS", { backupRetentionDays: 35 }), []);
    assert.deepEqual(editionProblems("ENTERPRISE", { backupRetentionDays: 8 }), [
      [
        "backupRetentionDays",
        "Cloud SQL ENTERPRISE keeps at most 7 days of transaction logs, got 8; use ENTERPRISE_PLUS (loom:gcp.databaseEdition) for up to 35",
      ],
    ]);
    assert.equal(editionProblems("ENTERPRISE_PLUS", { backupRetentionDays: 36 }).length, 1);
  });

  it("keeps one more backup than log days, and pins the location only when given", () => {
    assert.deepEqual(backupConfiguration(14, "europe-west4"), {
      enabled: true,
      pointInTimeRecoveryEnabled: true,
      startTime: "00:00",
      transactionLogRetentionDays: 14,
      backupRetentionSettings: { retainedBackups: 15, retentionUnit: "COUNT" },
      location: "europe-west4",
    });
    assert.equal("location" in backupConfiguration(1), false);
  });

  it("accepts PostgreSQL identifiers only, and refuses reserved database names", () => {
    assert.equal(sqlDatabaseNameProblem("loom"), undefined);
    assert.equal(sqlDatabaseNameProblem("loom_2"), undefined);
    assert.equal(
      sqlDatabaseNameProblem("2loom"),
      '"2loom" must start with a letter and hold only letters, digits and _ (at most 63 characters)',
    );
    assert.equal(sqlDatabaseNameProblem(`a${"b".repeat(63)}`)?.includes("at most 63"), true);
    for (const name of ["postgres", "Template1", "cloudsqladmin"]) {
      assert.equal(sqlDatabaseNameProblem(name), `"${name}" is reserved by PostgreSQL/Cloud SQL`);
    }
  });

  it("drops the DNS root's trailing dot (libpq's verify-full compares the name as given)", () => {
    assert.equal(hostOf("abc.def.europe-west1.sql.goog."), "abc.def.europe-west1.sql.goog");
    assert.equal(hostOf("abc.def.europe-west1.sql.goog"), "abc.def.europe-west1.sql.goog");
  });

  it("bundles every server CA certificate the instance reports, and refuses none", () => {
    const a = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----";
    const b = "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
    assert.equal(caBundle([a, b]), `${a}\n${b}`);
    assert.equal(caBundle([b]), b);
    assert.throws(() => caBundle(["", " "]), {
      message: "Cloud SQL reported no server CA certificate for the instance",
    });
  });
});
