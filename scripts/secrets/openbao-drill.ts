/**
 * npm run secrets:drill [-- --json FILE] [--keep]
 *
 * Dynamic PostgreSQL credentials from OpenBao, for real and offline: a throw-away PostgreSQL 16 on 127.0.0.1 (the
 * backup drill's cluster code) with SCRAM auth and least-privileged roles (pg-roles.ts), OpenBao in dev mode with a
 * file audit device, the database secrets engine with the postgresql plugin, its root credential rotated so only
 * OpenBao knows it, and a role with a 1-minute TTL. Then: issue a credential, connect and use it, show what it may
 * not do, renew the lease (VALID UNTIL moves), revoke it (a live session is ended, a new login refused, the role
 * gone), and read the audit log (each request there, secrets HMAC'd, no plaintext). Exit 0 when every check holds.
 * Needs `bash scripts/backup/install-pg.sh` and `bash scripts/secrets/install-openbao.sh`.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Cluster, tempRoot } from "../backup/cluster";
import { findPgTools, type PgTools } from "../backup/pg";
import { type AuditSummary, summariseAudit } from "./audit";
import { type BaoClient, findBao, startDevServer } from "./openbao";
import {
  APP_DB,
  CREATION_STATEMENTS,
  connInfo,
  longSession,
  mustPsql,
  PG_HBA,
  psqlAs,
  REVOCATION_STATEMENTS,
  roleSetupSql,
} from "./pg-roles";

export const ROLE = { name: "app", defaultTtl: 60, maxTtl: 600, renewIncrement: 300 } as const;
const CONNECTION = "loom-pg";

export interface DrillReport {
  openbao: string;
  postgres: string;
  rootRotated: { initialPasswordLogin: string };
  issued: { username: string; leaseIdPrefix: string; leaseDuration: number; renewable: boolean };
  session: { currentUser: string; memberOf: string[]; superuser: boolean; createrole: boolean; rows: number };
  denied: { createInApp: string; createInPublic: string; otherDatabase: string; dropTable: string };
  renewed: { leaseDuration: number; validUntilBefore: string; validUntilAfter: string };
  revoked: { liveSession: string; newLogin: string; roleLeft: number };
  audit: AuditSummary;
}

type Log = (line: string) => void;

const secret = () => crypto.randomBytes(24).toString("base64url");

/** initdb → start → roles → SCRAM-only pg_hba → reload. Returns the superuser password (random, this run only). */
async function startDatabase(tools: PgTools, dir: string, baoAdminPassword: string): Promise<[Cluster, string]> {
  const cluster = new Cluster(tools, path.join(dir, "pg", "data"));
  await cluster.init({ password_encryption: "scram-sha-256", log_connections: "on" });
  await cluster.start();
  const superPassword = secret();
  const sql = roleSetupSql(baoAdminPassword);
  // Trust auth still holds here (initdb's default in Cluster.init): the password is unused until pg_hba changes.
  mustPsql(tools, connInfo(cluster, "postgres", "postgres"), "", `ALTER ROLE postgres PASSWORD '${superPassword}';`);
  mustPsql(tools, connInfo(cluster, "postgres", "postgres"), "", sql.cluster);
  mustPsql(tools, connInfo(cluster, "postgres"), "", sql.app);
  fs.writeFileSync(path.join(cluster.dataDir, "pg_hba.conf"), PG_HBA);
  mustPsql(tools, connInfo(cluster, "postgres", "postgres"), superPassword, "SELECT pg_reload_conf();");
  const trustGone = psqlAs(tools, connInfo(cluster, "postgres", "postgres"), "", "SELECT 1;");
  if (trustGone.ok) throw new Error("pg_hba.conf reload did not take: a login without a password still works");
  return [cluster, superPassword];
}

/** Mount the engine, point it at PostgreSQL as bao_admin, rotate that password away, create the role. */
async function configureEngine(bao: BaoClient, cluster: Cluster, baoAdminPassword: string): Promise<void> {
  await bao.request("POST", "sys/mounts/database", { type: "database", description: "loom drill" });
  await bao.request("POST", `database/config/${CONNECTION}`, {
    plugin_name: "postgresql-database-plugin",
    connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${cluster.port}/${APP_DB}?sslmode=disable`,
    username: "bao_admin",
    password: baoAdminPassword,
    password_authentication: "scram-sha-256",
    allowed_roles: [ROLE.name],
    verify_connection: true,
  });
  await bao.request("POST", `database/rotate-root/${CONNECTION}`);
  await bao.request("POST", `database/roles/${ROLE.name}`, {
    db_name: CONNECTION,
    creation_statements: CREATION_STATEMENTS,
    revocation_statements: REVOCATION_STATEMENTS,
    default_ttl: ROLE.defaultTtl,
    max_ttl: ROLE.maxTtl,
  });
}

/** The server's message in psql's stderr ("FATAL:  …" or "ERROR:  …"), without the host and port around it. */
export function pgMessage(stderr: string): string {
  const m = /(?:FATAL|ERROR):\s+[^\n]*/.exec(stderr);
  return m ? m[0] : (stderr.trim().split("\n")[0] ?? "");
}

/** What the dynamic user can and cannot do. */
function useCredential(tools: PgTools, cluster: Cluster, user: string, password: string) {
  const conn = connInfo(cluster, user);
  const [currentUser, superuser, createrole, memberOf] = mustPsql(
    tools,
    conn,
    password,
    `SELECT current_user, r.rolsuper, r.rolcreaterole,
       (SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
        WHERE m.member = r.oid)
     FROM pg_roles r WHERE r.rolname = current_user;`,
  ).split("\t");
  const rows = mustPsql(
    tools,
    conn,
    password,
    "INSERT INTO app.items (note) VALUES ('written with a dynamic credential'); SELECT count(*) FROM app.items;",
  );
  const refused = (sql: string, db = APP_DB) => {
    const r = psqlAs(tools, connInfo(cluster, user, db), password, sql);
    return r.ok ? "ALLOWED" : pgMessage(r.stderr);
  };
  return {
    session: {
      currentUser: currentUser ?? "",
      memberOf: (memberOf ?? "").split(",").filter(Boolean),
      superuser: superuser === "t",
      createrole: createrole === "t",
      rows: Number(rows),
    },
    denied: {
      createInApp: refused("CREATE TABLE app.not_allowed (x int);"),
      createInPublic: refused("CREATE TABLE public.not_allowed (x int);"),
      otherDatabase: refused("SELECT 1;", "postgres"),
      dropTable: refused("DROP TABLE app.items;"),
    },
  };
}

const validUntil = (tools: PgTools, cluster: Cluster, superPassword: string, user: string) =>
  mustPsql(
    tools,
    connInfo(cluster, "postgres", "postgres"),
    superPassword,
    `SELECT coalesce(to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'none') FROM pg_roles WHERE rolname = '${user.replace(/'/g, "''")}';`,
  );

/** Waits until the long session shows in pg_stat_activity (so revocation has something live to end). */
async function waitForSession(tools: PgTools, cluster: Cluster, superPassword: string, user: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const n = mustPsql(
      tools,
      connInfo(cluster, "postgres", "postgres"),
      superPassword,
      `SELECT count(*) FROM pg_stat_activity WHERE usename = '${user.replace(/'/g, "''")}' AND state = 'active';`,
    );
    if (Number(n) > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the long session of ${user} never showed in pg_stat_activity`);
}

interface Ctx {
  tools: PgTools;
  cluster: Cluster;
  superPassword: string;
  bao: BaoClient;
  log: Log;
}

/** Issue → use → renew → revoke, returning what each step showed. */
async function lifecycle(c: Ctx) {
  const { tools, cluster, superPassword, bao, log } = c;
  const creds = (await bao.request("GET", `database/creds/${ROLE.name}`)).body;
  const { username, password } = creds.data as { username: string; password: string };
  log(`issued ${username}, lease ${creds.lease_duration} s`);
  const used = useCredential(tools, cluster, username, password);
  log(
    `connected as ${used.session.currentUser}; ${used.session.rows} rows; CREATE refused: ${used.denied.createInApp}`,
  );

  const before = validUntil(tools, cluster, superPassword, username);
  const renew = await bao.request("PUT", "sys/leases/renew", {
    lease_id: creds.lease_id,
    increment: ROLE.renewIncrement,
  });
  const after = validUntil(tools, cluster, superPassword, username);
  log(`renewed: lease ${renew.body.lease_duration} s, VALID UNTIL ${before} → ${after}`);

  const live = longSession(tools, connInfo(cluster, username), password);
  await waitForSession(tools, cluster, superPassword, username);
  await bao.request("PUT", "sys/leases/revoke", { lease_id: creds.lease_id, sync: true });
  const ended = await live.ended;
  const relogin = psqlAs(tools, connInfo(cluster, username), password, "SELECT 1;");
  const roleLeft = mustPsql(
    tools,
    connInfo(cluster, "postgres", "postgres"),
    superPassword,
    `SELECT count(*) FROM pg_roles WHERE rolname = '${username.replace(/'/g, "''")}';`,
  );
  log(`revoked: live session "${pgMessage(ended.stderr)}", new login "${pgMessage(relogin.stderr)}"`);
  return {
    password,
    issued: {
      username,
      leaseIdPrefix: String(creds.lease_id).split("/").slice(0, 3).join("/"),
      leaseDuration: creds.lease_duration as number,
      renewable: creds.renewable as boolean,
    },
    ...used,
    renewed: { leaseDuration: renew.body.lease_duration as number, validUntilBefore: before, validUntilAfter: after },
    revoked: {
      liveSession: ended.code === 0 ? "still running" : pgMessage(ended.stderr),
      newLogin: relogin.ok ? "ALLOWED" : pgMessage(relogin.stderr),
      roleLeft: Number(roleLeft),
    },
  };
}

export async function runDrill(opts: { keep?: boolean; log?: Log } = {}): Promise<DrillReport> {
  const log = opts.log ?? ((l: string) => console.log(`secrets:drill: ${l}`));
  const tools = findPgTools(["psql", "initdb", "pg_ctl", "postgres", "pg_dump"]);
  if ("missing" in tools) throw new Error(tools.missing);
  const bao = findBao();
  if ("missing" in bao) throw new Error(bao.missing);
  const root = tempRoot(opts.keep ?? false);
  const baoAdminPassword = secret();
  const [cluster, superPassword] = await startDatabase(tools, root.dir, baoAdminPassword);
  const baoDir = path.join(root.dir, "openbao");
  fs.mkdirSync(baoDir, { mode: 0o700 });
  const server = await startDevServer(bao.bin, baoDir);
  try {
    log(`${bao.version} at ${server.addr}, PostgreSQL ${tools.version} on 127.0.0.1:${cluster.port}`);
    await configureEngine(server.client, cluster, baoAdminPassword);
    const initial = psqlAs(tools, connInfo(cluster, "bao_admin"), baoAdminPassword, "SELECT 1;");
    log(`root credential rotated: the initial bao_admin password now gets "${pgMessage(initial.stderr)}"`);
    const { password, ...steps } = await lifecycle({ tools, cluster, superPassword, bao: server.client, log });
    await server.stop();
    const audit = summariseAudit(fs.readFileSync(server.auditLog, "utf8"), [
      password,
      baoAdminPassword,
      superPassword,
      server.token,
    ]);
    log(`audit: ${audit.entries} entries, ${audit.plaintextHits} plaintext secrets found`);
    return {
      openbao: bao.version,
      postgres: tools.version,
      rootRotated: { initialPasswordLogin: initial.ok ? "ALLOWED" : pgMessage(initial.stderr) },
      ...steps,
      audit,
    };
  } finally {
    await server.stop();
    await cluster.stop();
    root.remove();
  }
}

/** Every check the drill makes, as [what, held]. */
export function checks(r: DrillReport): [string, boolean][] {
  return [
    [
      "root credential rotated (initial password refused)",
      /password authentication failed/.test(r.rootRotated.initialPasswordLogin),
    ],
    ["lease TTL is the role's default", r.issued.leaseDuration === ROLE.defaultTtl && r.issued.renewable],
    [
      "connected as the issued user, member of app_rw only",
      r.session.currentUser === r.issued.username && r.session.memberOf.join() === "app_rw",
    ],
    ["not superuser, cannot create roles", !r.session.superuser && !r.session.createrole],
    [
      "DDL and other databases refused",
      Object.values(r.denied).every((d) => /permission denied|must be owner/.test(d)),
    ],
    [
      "renewal moved VALID UNTIL later",
      r.renewed.leaseDuration === ROLE.renewIncrement && r.renewed.validUntilAfter > r.renewed.validUntilBefore,
    ],
    [
      "revocation ended the live session",
      /terminating connection due to administrator command/.test(r.revoked.liveSession),
    ],
    [
      "revocation refused a new login and dropped the role",
      /password authentication failed/.test(r.revoked.newLogin) && r.revoked.roleLeft === 0,
    ],
    [
      "audit log has every request, secrets HMAC'd, no plaintext",
      r.audit.missingPaths.length === 0 &&
        r.audit.plaintextHits === 0 &&
        r.audit.credsResponseHmac &&
        r.audit.configPasswordHmac,
    ],
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "string" }, keep: { type: "boolean" } } });
  const report = await runDrill({ keep: values.keep });
  if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  const results = checks(report);
  for (const [what, held] of results) console.log(`  ${held ? "ok  " : "FAIL"} ${what}`);
  const failed = results.filter(([, held]) => !held).length;
  console.log(`secrets:drill: ${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`secrets:drill: ${e.message}`);
    process.exit(1);
  });
}
