/**
 * The database's roles, the same on every cloud (docs/security/database-roles.md), and the SQL that makes them so.
 *
 * Three NOLOGIN groups hold every privilege; logins hold none of their own, only membership:
 * - `loom_owner` owns the app database and every object in its `public` schema. Migration logins are members and
 *   start their sessions as it (`ALTER ROLE … SET role`), so what a migration creates belongs to the group, not to
 *   whichever login ran it, and a rotated or replaced login never strands an object.
 * - `loom_app_rw`: SELECT, INSERT, UPDATE, DELETE on tables, USAGE/SELECT/UPDATE on sequences, EXECUTE on
 *   functions — now and (default privileges) for everything `loom_owner` creates later. No DDL, no TRUNCATE.
 * - `loom_readonly`: SELECT on tables and sequences (the logical backup's login).
 *
 * PUBLIC loses CONNECT and TEMPORARY on the database, so a login outside the groups cannot even connect.
 *
 * `rolesSql` is what the roles step (`loom db-roles`, run with the admin login right before `loom migrate`)
 * executes: one transaction, serialised by an advisory lock, idempotent, and free of secrets — password logins are
 * created by the platform (CloudNativePG managed roles, DigitalOcean database users) and token logins have none.
 * Pure: tested against a real PostgreSQL 16 (tests/secrets/db-roles.spec.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SecretRef } from "./secrets";

export const DB_GROUPS = { owner: "loom_owner", app: "loom_app_rw", readonly: "loom_readonly" } as const;
export type DbGroup = keyof typeof DB_GROUPS;

/**
 * How a workload authenticates (the env `DATABASE_AUTH` the app and the backup job read):
 * - `password`: DATABASE_USER and DATABASE_PASSWORD from the secret store;
 * - `aws-rds-iam`: a 15-minute token per connection from the task role (`rds:GenerateDBAuthToken` signing);
 * - `gcp-cloudsql-iam`: the service account's OAuth access token (scope sqlservice.login) as the password;
 * - `azure-entra`: a Microsoft Entra token for `https://ossrdbms-aad.database.windows.net/.default` from the
 *   workload's managed identity as the password.
 */
export const DATABASE_AUTHS = ["password", "aws-rds-iam", "gcp-cloudsql-iam", "azure-entra"] as const;
export type DatabaseAuth = (typeof DATABASE_AUTHS)[number];

/**
 * One workload's way in: a password login (both halves in the secret store) or a token login (no secret at all).
 * `host`: where this login must connect instead of the Database's endpoint (AWS: the admin goes to the instance
 * itself, since an IAM_AUTH RDS Proxy admits IAM logins only); loginEnv sets DATABASE_HOST to it. @default - the
 * endpoint (the DATABASE_HOST the program sets)
 */
export type DatabaseLogin =
  | { auth: "password"; username: SecretRef; password: SecretRef; host?: pulumi.Input<string> }
  | { auth: Exclude<DatabaseAuth, "password">; username: pulumi.Input<string>; host?: pulumi.Input<string> };

/**
 * The logins a Database hands out, by who uses them. `admin` is the master/administrator identity: only the roles
 * step uses it (and an operator, break-glass); no long-running workload ever does. web and worker may be two logins
 * (GCP and Azure: each workload's own identity) or the same one.
 */
export interface DatabaseLogins {
  /** members of loom_app_rw: data, no DDL. */
  web: DatabaseLogin;
  worker: DatabaseLogin;
  /** the migrate step: a member of loom_owner. */
  migrate: DatabaseLogin;
  /** the logical backup job: a member of loom_readonly. */
  backup: DatabaseLogin;
  /** the roles step only. */
  admin: DatabaseLogin;
}
export type LoginUse = keyof DatabaseLogins;

/** A RoleLogin whose name or principal id may be known only after deploy (an identity's object id). */
export type RoleLoginInput = Omit<RoleLogin, "name" | "objectId"> & {
  name: pulumi.Input<string>;
  objectId?: pulumi.Input<string>;
};

/** What AppService needs to run the roles step and give each workload its login. */
export interface DatabaseAccess {
  logins: DatabaseLogins;
  /**
   * What the roles step grants: the database, and the logins the Database knows. The app's cloud file may add the
   * ones only it knows (rolesStepEnv `extra`: Azure's managed identities).
   */
  roles: { database: pulumi.Input<string>; logins: readonly RoleLoginInput[]; keepPrefix?: string };
  /**
   * Cloud resources each token login's identity must be allowed to connect to (AWS: the `rds-db:connect` ARN of
   * each login: `arn:aws:rds-db:<region>:<account>:dbuser:<proxy or instance resource id>/<user>`). @default - none
   */
  connect?: Partial<Record<LoginUse, pulumi.Input<string>>>;
  /**
   * The same for the reader endpoint where it is another resource than the writer's (AWS: the read replica, whose
   * dbuser ARNs carry its own `db-…` resource id), for the logins that read from it. @default - none (the reader
   * is the writer)
   */
  readerConnect?: Partial<Record<LoginUse, pulumi.Input<string>>>;
}

/** The variables a login sets (loginEnv); nothing else may set them where a workload has a login. */
export const LOGIN_ENV_NAMES: readonly string[] = ["DATABASE_AUTH", "DATABASE_USER", "DATABASE_PASSWORD"];

/** The environment variable the roles step reads its SQL from, and the command that runs it (app contract). */
export const ROLES_SQL_ENV = "LOOM_DB_ROLES_SQL";
export const ROLES_COMMAND: readonly string[] = ["loom", "db-roles"];

/** A login the SQL grants a group to; `create` says whether the SQL creates it (token logins nobody else creates). */
export interface RoleLogin {
  name: string;
  group: DbGroup;
  /**
   * - `platform`: the cloud or operator creates it (Cloud SQL IAM user, CloudNativePG managed role, DigitalOcean
   *   user); the SQL only grants;
   * - `aws-rds-iam`: `CREATE ROLE … LOGIN` with no password, then `GRANT rds_iam` (tokens only);
   * - `azure-entra`: `pgaadauth_create_principal_with_oid(name, objectId, 'service', false, false)`.
   */
  create: "platform" | "aws-rds-iam" | "azure-entra";
  /** The managed identity's principal (object) id, with `azure-entra`. */
  objectId?: string;
}

export interface RolesSqlArgs {
  database: string;
  logins: readonly RoleLogin[];
  /**
   * Members whose name starts with this keep their groups (the prune skips them): logins another system creates and
   * drops itself, e.g. Vault's dynamic users and its engine login (`loom_vault…`, lib/vault-db-role.ts).
   */
  keepPrefix?: string;
}

const ROLE_NAME = /^[A-Za-z0-9_.@-]{1,63}$/;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A double-quoted identifier (names are validated first; quoting keeps `@` and `.` of IAM names literal). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

function checkArgs(a: RolesSqlArgs): void {
  if (!ROLE_NAME.test(a.database)) throw new Error(`rolesSql: database "${a.database}" is not a plain identifier`);
  if (a.keepPrefix !== undefined && !/^[a-z][a-z0-9_]{3,30}$/.test(a.keepPrefix))
    throw new Error(`rolesSql: keepPrefix "${a.keepPrefix}" is not 4-31 of [a-z0-9_]`);
  const seen = new Set<string>();
  const groups = new Set<string>(Object.values(DB_GROUPS));
  for (const l of a.logins) {
    if (!ROLE_NAME.test(l.name))
      throw new Error(`rolesSql: login "${l.name}" is not a role name (≤ 63 of [A-Za-z0-9_.@-])`);
    if (groups.has(l.name)) throw new Error(`rolesSql: login "${l.name}" is one of the groups`);
    if (seen.has(l.name)) throw new Error(`rolesSql: login "${l.name}" is listed twice`);
    seen.add(l.name);
    if (l.create === "azure-entra" && !OBJECT_ID.test(l.objectId ?? "")) {
      throw new Error(
        `rolesSql: login "${l.name}" (azure-entra) needs its principal's objectId, got "${l.objectId ?? ""}"`,
      );
    }
  }
}

/** The groups exist, the admin may act as each, the database belongs to loom_owner, PUBLIC is out. */
function groupsSql(database: string): string[] {
  const { owner, app, readonly } = DB_GROUPS;
  return [
    ...Object.values(DB_GROUPS).map(
      (g) =>
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${lit(g)}) THEN CREATE ROLE ${g} NOLOGIN; END IF; END $$;`,
    ),
    // PostgreSQL 16: a CREATEROLE admin that is not superuser (the RDS master, cloudsqlsuperuser, azure_pg_admin)
    // administers the roles it made but may act as one only once it is a member.
    `DO $$ BEGIN IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN EXECUTE format('GRANT ${owner}, ${app}, ${readonly} TO %I', current_user); END IF; END $$;`,
    `ALTER DATABASE ${ident(database)} OWNER TO ${owner};`,
    `REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC;`,
    `GRANT CONNECT, TEMPORARY ON DATABASE ${ident(database)} TO ${owner}, ${app}, ${readonly};`,
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
    `GRANT USAGE ON SCHEMA public TO ${app}, ${readonly};`,
  ];
}

/**
 * Objects an earlier login created (the master, or the owner the operator bootstrapped) move to loom_owner, so the
 * default privileges and the groups' grants cover them: tables, views, free sequences (a column's sequence moves
 * with its table) and routines — never an extension's, and never a superuser's: those are the platform's own
 * (CloudNativePG's pooler creates `public.user_search`, a SECURITY DEFINER function that must stay the superuser's
 * to read pg_shadow; owned by loom_owner, PgBouncer's auth_query fails and nothing can log in through the pooler).
 */
const ADOPT_SQL = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS obj, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner <> '${DB_GROUPS.owner}'::regrole
      AND NOT (SELECT rolsuper FROM pg_roles WHERE oid = c.relowner)
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
  LOOP EXECUTE format('ALTER %s %s OWNER TO ${DB_GROUPS.owner}', r.kind, r.obj); END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS obj FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proowner <> '${DB_GROUPS.owner}'::regrole
      AND NOT (SELECT rolsuper FROM pg_roles WHERE oid = p.proowner)
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO ${DB_GROUPS.owner}', r.obj); END LOOP;
END $$;`;

/** Grants on what exists now, then the same as default privileges for what loom_owner creates later. */
function grantsSql(): string[] {
  const { owner, app, readonly } = DB_GROUPS;
  const grants = (on: "ALL TABLES IN SCHEMA public" | "TABLES", seqs: string, fns?: string) => [
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${on} TO ${app};`,
    `GRANT USAGE, SELECT, UPDATE ON ${seqs} TO ${app};`,
    ...(fns ? [`GRANT EXECUTE ON ${fns} TO ${app};`] : []),
    `GRANT SELECT ON ${on} TO ${readonly};`,
    `GRANT SELECT ON ${seqs} TO ${readonly};`,
  ];
  const defaults = `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public`;
  // EXECUTE on loom_owner's functions only, not ALL FUNCTIONS: run by a superuser admin (CloudNativePG), that would
  // also grant the platform's SECURITY DEFINER functions (the pooler's `user_search`, which returns password hashes)
  // and an extension's restricted ones (pg_stat_statements_reset) to the app.
  const ownFunctions = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT p.oid::regprocedure AS obj FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.prokind <> 'p' AND p.proowner = '${owner}'::regrole
  LOOP EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ${app}', r.obj); END LOOP;
END $$;`;
  return [
    ...grants("ALL TABLES IN SCHEMA public", "ALL SEQUENCES IN SCHEMA public"),
    ownFunctions,
    ...grants("TABLES", "SEQUENCES", "FUNCTIONS").map((g) => `${defaults} ${g}`),
    // Functions are EXECUTE-able by PUBLIC by default; only the groups keep it.
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;`,
  ];
}

function loginSql(l: RoleLogin): string[] {
  const name = ident(l.name);
  const missing = `NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${lit(l.name)})`;
  const create =
    l.create === "aws-rds-iam"
      ? [`DO $$ BEGIN IF ${missing} THEN CREATE ROLE ${name} LOGIN; END IF; END $$;`, `GRANT rds_iam TO ${name};`]
      : l.create === "azure-entra"
        ? [
            `DO $$ BEGIN IF ${missing} THEN PERFORM pgaadauth_create_principal_with_oid(${lit(l.name)}, ${lit(l.objectId ?? "")}, 'service', false, false); END IF; END $$;`,
          ]
        : [];
  const grant = `EXECUTE ${lit(`GRANT ${DB_GROUPS[l.group]} TO ${name};`)}; ${roleSettingSql(l)}`;
  if (l.create !== "platform") return [...create, `DO $$ BEGIN ${grant} END $$;`];
  // A platform login may not exist yet (GCP: the backup job's IAM user exists only in profiles with backups): the
  // step says so and goes on; the next run grants it.
  return [
    `DO $$ BEGIN IF ${missing} THEN RAISE NOTICE 'login % does not exist yet: not granted', ${lit(l.name)}; ELSE ${grant} END IF; END $$;`,
  ];
}

/**
 * A migration login starts its sessions as loom_owner (`SET role`); any other login has no such setting. Each is
 * changed only when it differs: ALTER ROLE on a role the admin did not create needs ADMIN OPTION on it (PostgreSQL
 * 16), which a platform's admin may lack on the users the platform made (Cloud SQL IAM users, DigitalOcean users),
 * so a rerun, and a login that never had the setting, must not ask for it. PL/pgSQL, for inside a DO block.
 */
function roleSettingSql(l: RoleLogin): string {
  const setting = (cond: string) =>
    `EXISTS (SELECT FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = ${lit(l.name)} AND s.setdatabase = 0 AND ${cond})`;
  if (l.group === "owner") {
    const set = `role=${DB_GROUPS.owner}`;
    return `IF NOT ${setting(`${lit(set)} = ANY (s.setconfig)`)} THEN EXECUTE ${lit(`ALTER ROLE ${ident(l.name)} SET role = ${lit(DB_GROUPS.owner)};`)}; END IF;`;
  }
  return `IF ${setting("EXISTS (SELECT FROM unnest(s.setconfig) c WHERE c LIKE 'role=%')")} THEN EXECUTE ${lit(`ALTER ROLE ${ident(l.name)} RESET role;`)}; END IF;`;
}

/** Members of a group that are no longer listed lose it (a retired login keeps nothing); the admin keeps its own. */
function pruneSql(logins: readonly RoleLogin[], keepPrefix?: string): string {
  const keep = logins.map((l) => lit(l.name)).join(", ") || "''";
  const groups = Object.values(DB_GROUPS)
    .map((g) => lit(g))
    .join(", ");
  return `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT g.rolname AS grp, m.rolname AS member FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
    WHERE g.rolname IN (${groups}) AND m.rolname NOT IN (${keep}) AND m.rolname <> current_user AND NOT m.rolsuper${keepPrefix ? `\n      AND left(m.rolname, ${keepPrefix.length}) <> ${lit(keepPrefix)}` : ""}
  LOOP EXECUTE format('REVOKE %I FROM %I', r.grp, r.member); END LOOP;
END $$;`;
}

/** The roles step's SQL: run by the admin login connected to `database`; safe to run again at every deploy. */
export function rolesSql(a: RolesSqlArgs): string {
  checkArgs(a);
  return [
    "BEGIN;",
    "SELECT pg_advisory_xact_lock(hashtext('loom-db-roles'));",
    ...groupsSql(a.database),
    ADOPT_SQL,
    ...grantsSql(),
    ...a.logins.flatMap(loginSql),
    pruneSql(a.logins, a.keepPrefix),
    "COMMIT;",
    "",
  ].join("\n");
}

/**
 * The environment a workload gets for its login: DATABASE_AUTH always, DATABASE_USER as a plain value for token
 * logins, and for password logins DATABASE_USER and DATABASE_PASSWORD as secret-store references; DATABASE_HOST
 * only for a login with its own `host` (it replaces the endpoint's for that workload).
 */
export function loginEnv(login: DatabaseLogin): {
  env: Record<string, pulumi.Input<string>>;
  secrets: Record<string, SecretRef>;
} {
  const host: Record<string, pulumi.Input<string>> = login.host === undefined ? {} : { DATABASE_HOST: login.host };
  if (login.auth === "password") {
    return {
      env: { DATABASE_AUTH: "password", ...host },
      secrets: { DATABASE_USER: login.username, DATABASE_PASSWORD: login.password },
    };
  }
  return { env: { DATABASE_AUTH: login.auth, DATABASE_USER: login.username, ...host }, secrets: {} };
}

/**
 * Every use given one password credential, and no roles to grant: the access of a database that has a single login
 * (a hand-made Database in tests, or a caller's own database outside the Database component). No cloud's Database
 * returns it: each builds its own logins.
 */
export function singleLoginAccess(credentials: { username: SecretRef; password: SecretRef }): DatabaseAccess {
  const login: DatabaseLogin = { auth: "password", ...credentials };
  return {
    logins: { web: login, worker: login, migrate: login, backup: login, admin: login },
    roles: { database: "", logins: [] },
  };
}
