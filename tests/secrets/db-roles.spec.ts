/**
 * The roles SQL every cloud's roles step runs (components/lib/db-roles.ts), on a real PostgreSQL 16: a throw-away
 * cluster with SCRAM-only pg_hba, an admin that is NOT superuser (CREATEROLE + CREATEDB, the powers of the RDS
 * master, cloudsqlsuperuser and azure_pg_admin), a database whose first objects that admin created (what the stacks
 * had before the roles existed), and platform-created logins (CloudNativePG managed roles, DigitalOcean users).
 * Needs `bash scripts/backup/install-pg.sh` (cached; .ci/run runs it); skipped with the reason otherwise.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DB_GROUPS, type RoleLogin, rolesSql } from "../../components/lib/db-roles";
import type { Cluster } from "../../scripts/backup/cluster";
import type { PgTools } from "../../scripts/backup/pg";
import { connInfo, mustPsql, PG_HBA, psqlAs } from "../../scripts/secrets/pg-roles";
import { throwawayPostgres } from "../harness/postgres";

const DB = "loom";
// Obviously fake, this run only.
const PW = { postgres: "fake-super-pw", admin: "fake-admin-pw", login: "fake-login-pw" };
/** psql's first line for a refused login, without the "connection to server at … failed:" preamble. */
const refusal = (stderr: string) =>
  (stderr.split("\n")[0] ?? "").replace(/^psql: error: connection to server .*? failed: /, "");
const LOGINS: RoleLogin[] = [
  { name: "loom_migrate", group: "owner", create: "platform" },
  { name: "loom_app_a", group: "app", create: "platform" },
  { name: "loom_app_b", group: "app", create: "platform" },
  { name: "loom_backup", group: "readonly", create: "platform" },
  { name: "loom_app_iam", group: "app", create: "aws-rds-iam" },
];

describe("database roles SQL on a real PostgreSQL 16 (components/lib/db-roles.ts)", function () {
  this.timeout(120_000);
  const pg = throwawayPostgres();
  let t: PgTools;
  let cluster: Cluster;
  const as = (user: string, sql: string, password = PW.login) => psqlAs(t, connInfo(cluster, user, DB), password, sql);
  const superuser = (sql: string, db = DB) => mustPsql(t, connInfo(cluster, "postgres", db), PW.postgres, sql);
  const runRoles = (logins: RoleLogin[]) =>
    mustPsql(t, connInfo(cluster, "loom_admin", DB), PW.admin, rolesSql({ database: DB, logins }));

  before(() => {
    ({ t, cluster } = pg);
    const trust = pg.trust;
    trust(`ALTER ROLE postgres PASSWORD '${PW.postgres}';
CREATE ROLE rds_iam NOLOGIN; -- RDS has it; IAM logins are granted it
CREATE ROLE loom_admin LOGIN CREATEROLE CREATEDB PASSWORD '${PW.admin}';
-- The RDS master may grant rds_iam (rds_superuser holds it WITH ADMIN OPTION).
GRANT rds_iam TO loom_admin WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;`);
    mustPsql(t, connInfo(cluster, "loom_admin", "postgres"), "", `CREATE DATABASE ${DB};`);
    // What the admin (or the operator's owner) created before the roles step existed.
    mustPsql(
      t,
      connInfo(cluster, "loom_admin", DB),
      "",
      `CREATE TABLE legacy_reviews (id serial PRIMARY KEY, body text NOT NULL);
CREATE FUNCTION legacy_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM legacy_reviews';
${["loom_migrate", "loom_app_a", "loom_app_b", "loom_backup", "stranger"].map((n) => `CREATE ROLE ${n} LOGIN PASSWORD '${PW.login}';`).join("\n")}`,
    );
    fs.writeFileSync(path.join(cluster.dataDir, "pg_hba.conf"), PG_HBA);
    trust("SELECT pg_reload_conf();");
    runRoles(LOGINS);
    runRoles(LOGINS); // idempotent: the second run changes nothing and fails on nothing
  });

  it("runs as an admin that is not superuser, twice", () => {
    assert.equal(superuser("SELECT rolsuper FROM pg_roles WHERE rolname = 'loom_admin';"), "f");
    assert.equal(
      superuser(
        "SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('loom_owner', 'loom_app_rw', 'loom_readonly');",
      ),
      "loom_app_rw:false,loom_owner:false,loom_readonly:false",
    );
  });

  it("hands the database and the objects created before it to loom_owner", () => {
    assert.equal(superuser(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${DB}';`), "loom_owner");
    assert.equal(
      superuser(`SELECT string_agg(c.relname || ':' || pg_get_userbyid(c.relowner), ',' ORDER BY c.relname)
FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S');`),
      "legacy_reviews:loom_owner,legacy_reviews_id_seq:loom_owner",
    );
    assert.equal(
      superuser("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'legacy_count';"),
      "loom_owner",
    );
  });

  it("runs migrations as loom_owner, so what they create belongs to the group", () => {
    const r = as(
      "loom_migrate",
      `SELECT current_user, session_user;
CREATE TABLE reviews (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
CREATE FUNCTION review_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM reviews';
SELECT tableowner FROM pg_tables WHERE tablename = 'reviews';`,
    );
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "loom_owner\tloom_migrate\nloom_owner");
    assert.equal(
      as("loom_migrate", "CREATE ROLE sneaky;").stderr,
      "ERROR:  permission denied to create role\nDETAIL:  Only roles with the CREATEROLE attribute may create roles.",
    );
  });

  it("lets an app login read and write data, new and old, and nothing else", () => {
    const r = as(
      "loom_app_a",
      `INSERT INTO reviews (body) VALUES ('a'), ('b');
INSERT INTO legacy_reviews (body) VALUES ('c');
UPDATE reviews SET body = 'B' WHERE body = 'b';
DELETE FROM reviews WHERE body = 'a';
SELECT (SELECT string_agg(body, ',') FROM reviews), legacy_count(), review_count();`,
    );
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "B\t1\t1");
    assert.deepEqual(
      {
        create: as("loom_app_a", "CREATE TABLE x (id int);").stderr.split("\n")[0],
        drop: as("loom_app_a", "DROP TABLE reviews;").stderr,
        alter: as("loom_app_a", "ALTER TABLE reviews ADD COLUMN x int;").stderr,
        truncate: as("loom_app_a", "TRUNCATE reviews;").stderr,
      },
      {
        create: "ERROR:  permission denied for schema public",
        drop: "ERROR:  must be owner of table reviews",
        alter: "ERROR:  must be owner of table reviews",
        truncate: "ERROR:  permission denied for table reviews",
      },
    );
  });

  it("lets the backup login read everything and write nothing", () => {
    assert.equal(
      as("loom_backup", "SELECT count(*) FROM reviews; SELECT count(*) FROM legacy_reviews;").stdout,
      "1\n1",
    );
    assert.equal(
      as("loom_backup", "INSERT INTO reviews (body) VALUES ('x');").stderr,
      "ERROR:  permission denied for table reviews",
    );
    assert.equal(
      superuser(
        "SELECT has_function_privilege('loom_readonly', 'review_count()', 'EXECUTE'), has_function_privilege('loom_app_rw', 'review_count()', 'EXECUTE');",
      ),
      "f\tt",
    );
  });

  it("keeps a login outside the groups out of the database", () => {
    assert.equal(refusal(as("stranger", "SELECT 1;").stderr), `FATAL:  permission denied for database "${DB}"`);
  });

  it("creates an AWS IAM login with no password, a member of rds_iam and loom_app_rw only", () => {
    assert.equal(
      superuser("SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid WHERE rolname = 'loom_app_iam';"),
      "t\tt",
    );
    assert.equal(
      superuser(`SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members a
JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = 'loom_app_iam';`),
      "loom_app_rw,rds_iam",
    );
  });

  it("retires a login dropped from the list (the alternating user rotated away), the other keeps working", () => {
    const live = as("loom_app_b", "SELECT count(*) FROM reviews;");
    assert.equal(live.stdout, "1");
    runRoles(LOGINS.filter((l) => l.name !== "loom_app_b"));
    assert.equal(refusal(as("loom_app_b", "SELECT 1;").stderr), `FATAL:  permission denied for database "${DB}"`);
    assert.equal(as("loom_app_a", "SELECT count(*) FROM reviews;").stdout, "1");
    runRoles(LOGINS);
    assert.equal(as("loom_app_b", "SELECT count(*) FROM reviews;").stdout, "1");
  });

  it("grants logins a platform's superuser made (the admin has no ADMIN OPTION on them), and reruns without it", () => {
    // Cloud SQL IAM users, DigitalOcean's users: made by the platform, not by the admin. ALTER ROLE on them would be
    // refused to the admin ("permission denied to alter role"); the step asks for it only where a setting differs.
    superuser(`CREATE ROLE platform_app LOGIN PASSWORD '${PW.login}';
CREATE ROLE platform_migrate LOGIN PASSWORD '${PW.login}';
ALTER ROLE platform_migrate SET role = 'loom_owner';`);
    const withPlatform: RoleLogin[] = [
      ...LOGINS,
      { name: "platform_app", group: "app", create: "platform" },
      { name: "platform_migrate", group: "owner", create: "platform" },
    ];
    runRoles(withPlatform);
    runRoles(withPlatform);
    assert.equal(as("platform_app", "SELECT count(*) FROM reviews;").stdout, "1");
    assert.equal(as("platform_migrate", "SELECT current_user;").stdout, "loom_owner");
    assert.equal(
      superuser(
        "SELECT string_agg(pg_get_userbyid(member) || '>' || pg_get_userbyid(roleid), ',' ORDER BY 1) FROM pg_auth_members WHERE pg_get_userbyid(member) LIKE 'platform_%';",
      ),
      "platform_app>loom_app_rw,platform_migrate>loom_owner",
    );
    // Without the setting already in place the admin must ask for it, and is refused: the one case left to the
    // platform (or a superuser) to set up once.
    superuser("CREATE ROLE platform_new_migrate LOGIN;");
    const refused = psqlAs(
      t,
      connInfo(cluster, "loom_admin", DB),
      PW.admin,
      rolesSql({
        database: DB,
        logins: [...withPlatform, { name: "platform_new_migrate", group: "owner", create: "platform" }],
      }),
    );
    assert.match(refused.stderr, /ERROR: {2}permission denied to alter role/);
    superuser("DROP ROLE platform_new_migrate;");
    runRoles(LOGINS);
  });
});

describe("rolesSql input checks", () => {
  const one = (l: Partial<RoleLogin>) => () =>
    rolesSql({ database: "loom", logins: [{ name: "x", group: "app", create: "platform", ...l } as RoleLogin] });

  it("refuses what it could not quote safely or would not grant", () => {
    assert.throws(() => rolesSql({ database: "loom; DROP", logins: [] }), {
      message: 'rolesSql: database "loom; DROP" is not a plain identifier',
    });
    assert.throws(one({ name: "a'b" }), {
      message: `rolesSql: login "a'b" is not a role name (≤ 63 of [A-Za-z0-9_.@-])`,
    });
    assert.throws(one({ name: DB_GROUPS.owner }), { message: 'rolesSql: login "loom_owner" is one of the groups' });
    assert.throws(one({ create: "azure-entra" }), {
      message: 'rolesSql: login "x" (azure-entra) needs its principal\'s objectId, got ""',
    });
  });

  it("creates an Entra principal with its object id, as a service", () => {
    const sql = rolesSql({
      database: "loom",
      logins: [
        { name: "loom-web", group: "app", create: "azure-entra", objectId: "00000000-0000-0000-0000-00000000000a" },
      ],
    });
    assert.ok(
      sql.includes(
        "PERFORM pgaadauth_create_principal_with_oid('loom-web', '00000000-0000-0000-0000-00000000000a', 'service', false, false);",
      ),
    );
    assert.ok(sql.includes(`GRANT loom_app_rw TO "loom-web";`));
  });
});
