/**
 * The roles SQL as the Kubernetes roles step runs it, on a real PostgreSQL 16 set up the way CloudNativePG sets up
 * a cluster: the bootstrap owner `loom_app` owns the database and what it created, the operator (as `postgres`)
 * creates every managed role of components/database/cnpg-logins.ts `managedRoles` (exactly those attributes and
 * memberships) and, with a Pooler, the SECURITY DEFINER `public.user_search` PgBouncer authenticates through. Then
 * the roles step logs in as loom_admin and runs rolesSql of the Database's own access.
 * Needs `bash scripts/backup/install-pg.sh` (cached; .ci/run runs it); skipped with the reason otherwise.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { kubernetesAccess, managedRoles } from "../../components/database/cnpg-logins";
import { type RoleLogin, rolesSql } from "../../components/lib/db-roles";
import {
  VAULT_ENGINE_LOGIN,
  VAULT_REVOCATION_STATEMENTS,
  vaultCreationStatements,
  vaultEngineLoginSql,
} from "../../components/lib/vault-db-role";
import { databaseLogins } from "../../components/targets/kubernetes-database";
import type { Cluster } from "../../scripts/backup/cluster";
import type { PgTools } from "../../scripts/backup/pg";
import { connInfo, mustPsql, PG_HBA, psqlAs } from "../../scripts/secrets/pg-roles";
import { throwawayPostgres } from "../harness/postgres";

const DB = "loom";
// Obviously fake, this run only.
const PW = { postgres: "fake-super-pw", login: "fake-login-pw" };
const DEFAULTS = databaseLogins.entry(undefined).database;
type ManagedRole = {
  name: string;
  login: boolean;
  superuser?: boolean;
  createrole?: boolean;
  createdb?: boolean;
  inRoles?: string[];
};
const ROLES = managedRoles("loom-db", DEFAULTS) as ManagedRole[];
const ACCESS = kubernetesAccess("loom-db", DB, "loom-db-rw.loom-prod.svc", DEFAULTS);
const SQL = rolesSql({ database: DB, logins: ACCESS.roles.logins as RoleLogin[] });

/** What the operator runs for the managed roles: every CREATE ROLE first, then the memberships (inRoles). */
function operatorSql(roles: ManagedRole[]): string {
  const attrs = (r: ManagedRole) =>
    [
      r.login ? `LOGIN PASSWORD '${PW.login}'` : "NOLOGIN",
      r.superuser ? "SUPERUSER" : "",
      r.createrole ? "CREATEROLE" : "",
      r.createdb ? "CREATEDB" : "",
    ].join(" ");
  return [
    ...roles.map((r) => `CREATE ROLE ${r.name} ${attrs(r)};`),
    ...roles.flatMap((r) => (r.inRoles ?? []).map((g) => `GRANT ${g} TO ${r.name};`)),
  ].join("\n");
}

describe("database roles SQL on a CloudNativePG-shaped PostgreSQL 16 (Kubernetes logins)", function () {
  this.timeout(120_000);
  const pg = throwawayPostgres();
  let t: PgTools;
  let cluster: Cluster;
  const as = (user: string, sql: string) => psqlAs(t, connInfo(cluster, user, DB), PW.login, sql);
  const superuser = (sql: string) => mustPsql(t, connInfo(cluster, "postgres", DB), PW.postgres, sql);
  const runRoles = (admin = "loom_admin") => as(admin, SQL);

  before(() => {
    ({ t, cluster } = pg);
    const trust = pg.trust;
    // initdb bootstrap: the owner and its database.
    trust(`ALTER ROLE postgres PASSWORD '${PW.postgres}';\nCREATE ROLE loom_app LOGIN PASSWORD '${PW.login}';`);
    trust(`CREATE DATABASE ${DB} OWNER loom_app;`);
    mustPsql(t, connInfo(cluster, "loom_app", DB), "", "CREATE TABLE reviews (id serial PRIMARY KEY, body text);");
    // The managed roles, as the operator creates them; the pooler's auth function, as the operator creates it.
    trust(operatorSql(ROLES), DB);
    trust(
      `CREATE ROLE cnpg_pooler_pgbouncer LOGIN PASSWORD '${PW.login}';
GRANT CONNECT ON DATABASE ${DB} TO cnpg_pooler_pgbouncer;
CREATE FUNCTION public.user_search(uname text) RETURNS TABLE (usename name, passwd text) LANGUAGE sql SECURITY DEFINER
  AS 'SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename=$1;';
REVOKE ALL ON FUNCTION public.user_search(text) FROM public;
GRANT EXECUTE ON FUNCTION public.user_search(text) TO cnpg_pooler_pgbouncer;
-- A CREATEROLE admin that is not superuser, to show why loom_admin is one.
CREATE ROLE weak_admin LOGIN CREATEROLE CREATEDB PASSWORD '${PW.login}';`,
      DB,
    );
    fs.writeFileSync(path.join(cluster.dataDir, "pg_hba.conf"), PG_HBA);
    trust("SELECT pg_reload_conf();");
  });

  it("fails with a CREATEROLE admin: it holds ADMIN OPTION on none of the roles the operator created", () => {
    const r = runRoles("weak_admin");
    assert.equal(r.ok, false);
    assert.equal(r.stderr.split("\n")[0], 'ERROR:  permission denied to grant role "loom_owner"');
  });

  it("runs as loom_admin (superuser), twice, and hands the database and loom_app's objects to loom_owner", () => {
    for (const run of [runRoles(), runRoles()]) {
      assert.equal(run.ok, true, run.stderr);
      // The operator granted the memberships first (inRoles); the SQL's grants only repeat them.
      assert.deepEqual(
        run.stderr.split("\n"),
        [
          ["loom_migrate", "loom_owner"],
          ["loom_app_a", "loom_app_rw"],
          ["loom_app_b", "loom_app_rw"],
          ["loom_backup", "loom_readonly"],
        ].map(([m, g]) => `NOTICE:  role "${m}" has already been granted membership in role "${g}" by role "postgres"`),
      );
    }
    assert.equal(superuser(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${DB}';`), "loom_owner");
    assert.equal(superuser("SELECT tableowner FROM pg_tables WHERE tablename = 'reviews';"), "loom_owner");
  });

  it("locks the bootstrap owner out and lets both app logins in, so switching activeAppLogin needs no SQL", () => {
    assert.match(as("loom_app", "SELECT 1;").stderr, /permission denied for database "loom"/);
    for (const login of ["loom_app_a", "loom_app_b"]) {
      const r = as(login, "INSERT INTO reviews (body) VALUES ('x'); SELECT count(*) > 0 FROM reviews;");
      assert.deepEqual([r.stderr, r.stdout], ["", "t"], login);
    }
    assert.equal(as("loom_backup", "SELECT count(*) > 0 FROM reviews;").stdout, "t");
    assert.equal(as("loom_backup", "DELETE FROM reviews;").stderr, "ERROR:  permission denied for table reviews");
  });

  it("leaves the pooler's auth function the superuser's and out of the app's reach", () => {
    assert.equal(superuser("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'user_search';"), "postgres");
    assert.equal(
      psqlAs(
        t,
        connInfo(cluster, "cnpg_pooler_pgbouncer", DB),
        PW.login,
        "SELECT usename FROM user_search('loom_app_a');",
      ).stdout,
      "loom_app_a",
    );
    assert.equal(
      as("loom_app_a", "SELECT * FROM user_search('loom_admin');").stderr,
      "ERROR:  permission denied for function user_search",
    );
  });

  it("ends with exactly the memberships the managed roles declare, so the operator revokes nothing", () => {
    const declared = ROLES.flatMap((r) => (r.inRoles ?? []).map((g) => `${r.name}>${g}`)).sort();
    const names = ROLES.map((r) => `'${r.name}'`).join(", ");
    const actual =
      superuser(`SELECT string_agg(DISTINCT m.rolname || '>' || g.rolname, ',' ORDER BY m.rolname || '>' || g.rolname)
FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname IN (${names});`);
    assert.deepEqual(actual.split(","), declared);
  });
  it("with loom:secrets.backend vault: Vault's users keep loom_app_rw through the roles step (keepPrefix), and revoke drops them", () => {
    superuser(`\\set password '${PW.login}'\n${vaultEngineLoginSql(DB)}`);
    const engine = (sql: string) => as(VAULT_ENGINE_LOGIN, sql);
    // What Vault runs (lib/vault-db-role.ts), with its username template's shape.
    const issue = (user: string) => {
      const [create] = vaultCreationStatements("loom_app_rw");
      const sql = (create as string)
        .replace("{{name}}", user)
        .replace("{{password}}", PW.login)
        .replace("{{expiration}}", "2099-01-01 00:00:00+00");
      const r = engine(sql);
      assert.equal(r.ok, true, r.stderr);
    };
    const dynamic = "loom_vault_Abc123XyZ456qwe789rt_1764700000";
    issue(dynamic);
    const use = (user: string) =>
      as(user, "INSERT INTO reviews (body) VALUES ('v'); SELECT count(*) > 0 FROM reviews;");
    assert.deepEqual([use(dynamic).stderr, use(dynamic).stdout], ["", "t"]);
    assert.match(as(dynamic, "CREATE TABLE nope (x int);").stderr, /permission denied for schema public/);

    const keep = rolesSql({ database: DB, logins: ACCESS.roles.logins as RoleLogin[], keepPrefix: VAULT_ENGINE_LOGIN });
    const kept = as("loom_admin", keep);
    assert.equal(kept.ok, true, kept.stderr);
    assert.deepEqual([use(dynamic).stderr, use(dynamic).stdout], ["", "t"]);
    const adminOption = () =>
      superuser(`SELECT a.admin_option FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid
JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = 'loom_app_rw' AND m.rolname = '${VAULT_ENGINE_LOGIN}';`);
    assert.equal(adminOption(), "t");

    // Revocation, as Vault runs it at the lease's end: the role is gone, a login refused.
    for (const stmt of VAULT_REVOCATION_STATEMENTS) {
      const r = engine(stmt.replaceAll("{{name}}", dynamic));
      assert.equal(r.ok, true, r.stderr);
    }
    assert.equal(superuser(`SELECT count(*) FROM pg_roles WHERE rolname = '${dynamic}';`), "0");
    assert.match(use(dynamic).stderr, /password authentication failed/);

    // Without keepPrefix the prune tries to take the group from the engine login, whose grants to Vault's users
    // depend on it: the roles step, and so the migrate Job and the deploy, fail. Why the Vault access sets it.
    const other = "loom_vault_Def456UvW789abc012de_1764700001";
    issue(other);
    const pruned = runRoles();
    assert.equal(pruned.ok, false);
    assert.match(
      pruned.stderr,
      /ERROR: {2}dependent privileges exist\nHINT: .*\nCONTEXT: {2}SQL statement "REVOKE loom_app_rw FROM loom_vault"/,
    );
    assert.deepEqual([use(other).stderr, use(other).stdout], ["", "t"]);
  });
});
