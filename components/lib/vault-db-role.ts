/**
 * The Vault (or OpenBao) database secrets engine role that gives web and worker their login with
 * `loom:secrets.backend: vault` (docs/secrets-backends.md), and the one PostgreSQL login the engine uses. One home:
 * the docs show these statements and scripts/secrets/openbao-drill.ts runs the same builder against a real PostgreSQL
 * (with its own group, `app_rw`), so what is documented is what was proven. Pure.
 *
 * - Each dynamic user: LOGIN, a password that expires with the lease, a member of the app group and nothing else
 *   (the roles SQL's grants on the group are all it gets: data, no DDL).
 * - On revocation (lease expiry, or an explicit revoke): its live sessions are ended, then the role is dropped (it
 *   owns nothing: the app group cannot create objects).
 * - The engine's own login: CREATEROLE (not SUPERUSER), ADMIN OPTION on the app group only (to create members of it),
 *   pg_signal_backend (to end a revoked user's sessions), CONNECT on the database.
 */
import { DB_GROUPS } from "./db-roles";

/** The Vault role's lease: 1 hour, renewable up to 24 hours; then a new login (the pods roll onto it). */
export const VAULT_DB_ROLE_TTL = { defaultTtl: "1h", maxTtl: "24h" } as const;
/** The PostgreSQL login the engine connects as (created once by hand: `vaultEngineLoginSql`). */
export const VAULT_ENGINE_LOGIN = "loom_vault";

/**
 * The engine connection's `username_template`: every dynamic user is `loom_vault_<random>_<time>`, so the roles step
 * (which revokes the groups of members it does not know) recognises Vault's users by their prefix and leaves them.
 */
export const VAULT_USERNAME_TEMPLATE = `${VAULT_ENGINE_LOGIN}_{{random 20}}_{{unix_time}}`;

/** `creation_statements`: a login IN `group`, valid until the lease ends; `connectionLimit` when given. */
export function vaultCreationStatements(group: string, connectionLimit?: number): string[] {
  const limit = connectionLimit !== undefined ? ` CONNECTION LIMIT ${connectionLimit}` : "";
  return [
    `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'${limit} IN ROLE ${group};`,
  ];
}

/** `revocation_statements`: end the user's sessions, then drop it. */
export const VAULT_REVOCATION_STATEMENTS: readonly string[] = [
  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';`,
  `DROP ROLE IF EXISTS "{{name}}";`,
];

/** The Vault role loom documents (`vault write <databaseMount>/roles/<databaseRole> …`), as its JSON body. */
export function loomVaultDbRole(connection: string): Record<string, unknown> {
  return {
    db_name: connection,
    creation_statements: vaultCreationStatements(DB_GROUPS.app),
    revocation_statements: [...VAULT_REVOCATION_STATEMENTS],
    default_ttl: VAULT_DB_ROLE_TTL.defaultTtl,
    max_ttl: VAULT_DB_ROLE_TTL.maxTtl,
  };
}

/** The engine's login, run once as a superuser (`kubectl cnpg psql`); psql variable `:'password'` holds its password. */
export function vaultEngineLoginSql(database: string, group: string = DB_GROUPS.app): string {
  return [
    `CREATE ROLE ${VAULT_ENGINE_LOGIN} LOGIN CREATEROLE PASSWORD :'password';`,
    `GRANT ${group} TO ${VAULT_ENGINE_LOGIN} WITH ADMIN OPTION;`,
    `GRANT pg_signal_backend TO ${VAULT_ENGINE_LOGIN};`,
    `GRANT CONNECT ON DATABASE ${database} TO ${VAULT_ENGINE_LOGIN};`,
  ].join("\n");
}
