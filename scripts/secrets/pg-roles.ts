/**
 * The drill database's roles, shaped like production's (docs/security/secrets.md): an owner that holds the schema
 * (what migrations run as), a NOLOGIN group `app_rw` with only the data grants the app needs, and `bao_admin`, the
 * only login OpenBao uses: it may create roles IN `app_rw` (ADMIN OPTION) and end their sessions (pg_signal_backend),
 * nothing else: not a superuser, it cannot read the data itself. PUBLIC loses CONNECT on both databases, so a
 * dynamic user reaches `app` only through `app_rw`.
 */
import { spawn, spawnSync } from "node:child_process";
import { VAULT_REVOCATION_STATEMENTS, vaultCreationStatements } from "../../components/lib/vault-db-role";
import type { Cluster } from "../backup/cluster";
import { type PgTools, tool } from "../backup/pg";

export const APP_DB = "app";

export interface PsqlResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

const FLAGS = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-w"];

/** libpq connection keywords for `user` on the cluster (the password goes through PGPASSWORD, never argv). */
export function connInfo(cluster: Cluster, user: string, db = APP_DB): string {
  return `host=127.0.0.1 port=${cluster.port} user=${user} dbname=${db} connect_timeout=10`;
}

function psqlEnv(password: string): NodeJS.ProcessEnv {
  const { PATH, HOME, TZ } = process.env;
  return { PATH, HOME, TZ, PGPASSWORD: password, PGSSLMODE: "disable", PGAPPNAME: "loom-secrets-drill" };
}

/** Runs SQL through psql as one login; never throws (a refused login or statement is a result the drill asserts). */
export function psqlAs(t: PgTools, conninfo: string, password: string, sql: string): PsqlResult {
  const r = spawnSync(tool(t, "psql"), [...FLAGS, "-d", conninfo], {
    input: sql,
    encoding: "utf8",
    env: psqlEnv(password),
    timeout: 60_000,
  });
  return { ok: r.status === 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** Like psqlAs, but a failure is an error naming the statement's first line and psql's message. */
export function mustPsql(t: PgTools, conninfo: string, password: string, sql: string): string {
  const r = psqlAs(t, conninfo, password, sql);
  if (!r.ok) throw new Error(`psql (${sql.trim().split("\n")[0]}): ${r.stderr}`);
  return r.stdout;
}

/** A psql session that stays connected (pg_sleep) so the drill can show revocation ends live sessions too. */
export function longSession(t: PgTools, conninfo: string, password: string) {
  const child = spawn(tool(t, "psql"), [...FLAGS, "-d", conninfo, "-c", "SELECT pg_sleep(120)"], {
    env: psqlEnv(password),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const ended = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once("close", (code) => resolve({ code, stderr: stderr.trim() })),
  );
  return { child, ended };
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Superuser-side setup, run on the `postgres` database then inside `app`. */
export function roleSetupSql(baoAdminPassword: string): { cluster: string; app: string } {
  return {
    cluster: `CREATE DATABASE ${APP_DB};
CREATE ROLE app_owner NOLOGIN;
CREATE ROLE app_rw NOLOGIN;
CREATE ROLE bao_admin LOGIN CREATEROLE PASSWORD ${lit(baoAdminPassword)};
GRANT app_rw TO bao_admin WITH ADMIN OPTION;
GRANT pg_signal_backend TO bao_admin;
REVOKE ALL ON DATABASE ${APP_DB} FROM PUBLIC;
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
GRANT CONNECT ON DATABASE ${APP_DB} TO app_rw, bao_admin;`,
    app: `REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA app AUTHORIZATION app_owner;
CREATE TABLE app.items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
ALTER TABLE app.items OWNER TO app_owner;
GRANT USAGE ON SCHEMA app TO app_rw;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app TO app_rw;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA app TO app_rw;
INSERT INTO app.items (note) VALUES ('seeded by the drill');`,
  };
}

/**
 * What OpenBao runs for each dynamic user and on revocation: the builder the docs' Vault role uses
 * (components/lib/vault-db-role.ts), with this drill's group and a connection limit of 10.
 */
export const CREATION_STATEMENTS = vaultCreationStatements("app_rw", 10);
export const REVOCATION_STATEMENTS = [...VAULT_REVOCATION_STATEMENTS];
/** Every login must present a SCRAM password from now on (initdb left trust auth for the setup). */
export const PG_HBA = `# loom secrets drill: loopback only, SCRAM for every role
host all all 127.0.0.1/32 scram-sha-256
`;
