/**
 * Dynamic PostgreSQL credentials from OpenBao, for real (scripts/secrets/openbao-drill.ts): a throw-away PostgreSQL
 * 16 on 127.0.0.1 and OpenBao 2.7.2 in dev mode with a file audit device. Needs `bash scripts/backup/install-pg.sh`
 * and `bash scripts/secrets/install-openbao.sh` (both cached, both run by .ci/run); skipped with the reason otherwise.
 */
import * as assert from "node:assert/strict";
import { findPgTools } from "../../scripts/backup/pg";
import { AUDITED_PATHS } from "../../scripts/secrets/audit";
import { findBao, OPENBAO_VERSION } from "../../scripts/secrets/openbao";
import { checks, type DrillReport, ROLE, runDrill } from "../../scripts/secrets/openbao-drill";

describe("OpenBao dynamic PostgreSQL credentials (real OpenBao, real PostgreSQL)", function () {
  this.timeout(180_000);
  let r: DrillReport;

  before(async function () {
    const pg = findPgTools(["psql", "initdb", "pg_ctl", "postgres", "pg_dump"]);
    const bao = findBao();
    const missing = [pg, bao].flatMap((t) => ("missing" in t ? [t.missing] : []));
    if (missing.length > 0) {
      console.log(`      skipped: ${missing.join("; ")}`);
      this.skip();
    }
    r = await runDrill({ log: () => undefined });
  });

  it("runs the pinned OpenBao against PostgreSQL 16", () => {
    assert.equal(r.openbao, `OpenBao v${OPENBAO_VERSION}`);
    assert.match(r.postgres, /^16\./);
  });

  it("rotates the engine's root credential so the password it was configured with no longer logs in", () => {
    assert.equal(r.rootRotated.initialPasswordLogin, 'FATAL:  password authentication failed for user "bao_admin"');
  });

  it("issues a renewable credential with the role's default TTL", () => {
    assert.match(r.issued.username, /^v-token-app-[A-Za-z0-9]{20}-\d{10}$/);
    assert.equal(r.issued.leaseIdPrefix, "database/creds/app");
    assert.equal(r.issued.leaseDuration, ROLE.defaultTtl);
    assert.equal(r.issued.renewable, true);
  });

  it("connects with it as a member of app_rw only, not superuser, and reads and writes the app's table", () => {
    assert.deepEqual(r.session, {
      currentUser: r.issued.username,
      memberOf: ["app_rw"],
      superuser: false,
      createrole: false,
      rows: 2, // the seeded row and the one the credential wrote
    });
  });

  it("refuses DDL, other schemas and other databases to it (least privilege)", () => {
    assert.deepEqual(r.denied, {
      createInApp: "ERROR:  permission denied for schema app",
      createInPublic: "ERROR:  permission denied for schema public",
      otherDatabase: 'FATAL:  permission denied for database "postgres"',
      dropTable: "ERROR:  must be owner of table items",
    });
  });

  it("renews the lease and moves the role's VALID UNTIL later", () => {
    assert.equal(r.renewed.leaseDuration, ROLE.renewIncrement);
    assert.match(r.renewed.validUntilBefore, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const moved = Date.parse(r.renewed.validUntilAfter) - Date.parse(r.renewed.validUntilBefore);
    // Issued at t0 with 60 s (until t0 + 60), renewed at t1 to 300 s (until t1 + 300): it moves by 240 s plus the
    // seconds between issue and renewal (under 60, or the lease would have expired), less 1 s of rounding.
    assert.ok(moved >= 239_000 && moved < 300_000, `VALID UNTIL moved by ${moved} ms`);
  });

  it("revokes: the live session is ended, a new login is refused and the role is dropped", () => {
    assert.deepEqual(r.revoked, {
      liveSession: "FATAL:  terminating connection due to administrator command",
      newLogin: `FATAL:  password authentication failed for user "${r.issued.username}"`,
      roleLeft: 0,
    });
  });

  it("audits every call with secrets HMAC'd and no plaintext password or token anywhere in the log", () => {
    assert.deepEqual(r.audit.missingPaths, []);
    for (const p of AUDITED_PATHS) assert.ok(r.audit.paths.includes(p), p);
    assert.equal(r.audit.credsResponseHmac, true);
    assert.equal(r.audit.configPasswordHmac, true);
    assert.equal(r.audit.plaintextHits, 0);
  });

  it("every check of the CLI's summary holds", () => {
    assert.deepEqual(
      checks(r).filter(([, held]) => !held),
      [],
    );
  });
});
