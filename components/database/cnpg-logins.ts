/**
 * Who logs in to the CloudNativePG cluster, and how (pure: no SDK; kubernetes.ts creates the Secrets). Every login is
 * a CloudNativePG managed role (`.spec.managed.roles`) whose password the operator reads from its own
 * `kubernetes.io/basic-auth` Secret labelled `cnpg.io/reload: "true"` (a change is applied at once):
 *
 * - `loom_app_a`, `loom_app_b`: the two alternating app logins, both always members of loom_app_rw; web and worker use
 *   the one `loom:kubernetes.database.activeAppLogin` names, so a switch is a rolling update, never SQL.
 * - `loom_migrate` (loom_owner) for the migrate Job, `loom_backup` (loom_readonly) for the logical backup.
 * - `loom_admin`: the roles step only (the migrate Job's `db-roles` init container). SUPERUSER, because on
 *   PostgreSQL 16 a CREATEROLE admin may alter only roles it holds ADMIN OPTION on and may hand over only databases
 *   it owns: every role here is created by the operator (as `postgres`) and the database by the bootstrap as
 *   `loom_app`, so a CREATEROLE admin fails the roles SQL at `ALTER DATABASE … OWNER TO loom_owner` (checked on a
 *   real PostgreSQL 16). No workload but that init container gets it (connection limits do not bind superusers).
 *
 * The groups are managed roles too (NOLOGIN, as the roles SQL would create them), and each login lists its group in
 * `inRoles`: the operator revokes any membership a managed role does not list, so the memberships are declared where
 * the operator reconciles them, and the roles SQL's grants only repeat them.
 *
 * Each password Secret is `<cluster>-login-<login>-r<epoch>`: raising a login's epoch in
 * `loom:kubernetes.database.rotation` creates a new Secret with a new password (the operator then alters the role)
 * and deletes the old one.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type DatabaseAccess, type DatabaseLogin, DB_GROUPS, type RoleLoginInput } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";
import type { KubernetesDatabaseLogins, RotatedLogin } from "../targets/kubernetes-database";

/** PostgreSQL role names, by rotation key. */
export const LOGIN_ROLES: Readonly<Record<RotatedLogin, string>> = {
  appA: "loom_app_a",
  appB: "loom_app_b",
  migrate: "loom_migrate",
  backup: "loom_backup",
  admin: "loom_admin",
};
/** The group each login is a member of (the admin: all three, as the roles SQL grants them to it). */
const LOGIN_GROUPS: Readonly<Record<RotatedLogin, readonly string[]>> = {
  appA: [DB_GROUPS.app],
  appB: [DB_GROUPS.app],
  migrate: [DB_GROUPS.owner],
  backup: [DB_GROUPS.readonly],
  admin: [DB_GROUPS.owner, DB_GROUPS.app, DB_GROUPS.readonly],
};
const SLUG: Readonly<Record<RotatedLogin, string>> = {
  appA: "app-a",
  appB: "app-b",
  migrate: "migrate",
  backup: "backup",
  admin: "admin",
};
/** Password length: 48 alphanumerics (~285 bits); nothing to escape in a connection string. */
export const LOGIN_PASSWORD_LENGTH = 48;

/** The login web and worker use. */
export const activeAppLogin = (l: KubernetesDatabaseLogins): RotatedLogin =>
  l.activeAppLogin === "a" ? "appA" : "appB";

/** `<login>-r<epoch>`: what names a login's password Secret (and its Pulumi resource) at its current epoch. */
export const loginSecretSuffix = (login: RotatedLogin, l: KubernetesDatabaseLogins): string =>
  `${SLUG[login]}-r${l.rotation[login]}`;

/** The password Secret of `login` at its current epoch. */
export function loginSecretName(cluster: string, login: RotatedLogin, l: KubernetesDatabaseLogins): string {
  return `${cluster}-login-${loginSecretSuffix(login, l)}`;
}

/** `.spec.managed.roles`: the three groups, then every login with its password Secret and its group. */
export function managedRoles(cluster: string, l: KubernetesDatabaseLogins): Record<string, unknown>[] {
  const groups = Object.values(DB_GROUPS).map((name) => ({
    name,
    ensure: "present",
    comment: "loom group (docs/security/database-roles.md)",
    login: false,
    inherit: true,
  }));
  const logins = (Object.keys(LOGIN_ROLES) as RotatedLogin[]).map((login) => ({
    name: LOGIN_ROLES[login],
    ensure: "present",
    comment: `loom ${login} login`,
    login: true,
    inherit: true,
    ...(login === "admin"
      ? { superuser: true, createrole: true, createdb: true }
      : { superuser: false, createrole: false, createdb: false }),
    inRoles: [...LOGIN_GROUPS[login]],
    passwordSecret: { name: loginSecretName(cluster, login, l) },
  }));
  return [...groups, ...logins];
}

/** Where a login's two halves live: its basic-auth Secret. */
export function loginRefs(
  cluster: string,
  login: RotatedLogin,
  l: KubernetesDatabaseLogins,
): { username: SecretRef; password: SecretRef } {
  const id = loginSecretName(cluster, login, l);
  return { username: { id, key: "username" }, password: { id, key: "password" } };
}

const passwordLogin = (cluster: string, login: RotatedLogin, l: KubernetesDatabaseLogins): DatabaseLogin => ({
  auth: "password",
  ...loginRefs(cluster, login, l),
});

/** What the Database on Kubernetes adds to its access: the primary's own Service, for the roles step. */
export interface KubernetesDatabaseAccess extends DatabaseAccess {
  /** `<cluster>-rw.<namespace>.svc`: the roles step connects here, never through the transaction-mode pooler. */
  primaryHost: pulumi.Input<string>;
}

/** The primary host of a Kubernetes Database's access, or undefined for any other access. */
export function primaryHostOf(access: DatabaseAccess): pulumi.Input<string> | undefined {
  return (access as Partial<KubernetesDatabaseAccess>).primaryHost;
}

/**
 * Every login (web and worker the active app login) and the roles SQL's logins: both app logins (so the idle one
 * keeps loom_app_rw and a switch needs no SQL), migrate, backup; all created by the platform (the operator).
 */
export function kubernetesAccess(
  cluster: string,
  database: string,
  primaryHost: pulumi.Input<string>,
  l: KubernetesDatabaseLogins,
): KubernetesDatabaseAccess {
  const app = passwordLogin(cluster, activeAppLogin(l), l);
  const roleLogins: RoleLoginInput[] = [
    { name: LOGIN_ROLES.migrate, group: "owner", create: "platform" },
    { name: LOGIN_ROLES.appA, group: "app", create: "platform" },
    { name: LOGIN_ROLES.appB, group: "app", create: "platform" },
    { name: LOGIN_ROLES.backup, group: "readonly", create: "platform" },
  ];
  return {
    logins: {
      web: app,
      worker: app,
      migrate: passwordLogin(cluster, "migrate", l),
      backup: passwordLogin(cluster, "backup", l),
      admin: passwordLogin(cluster, "admin", l),
    },
    roles: { database, logins: roleLogins },
    primaryHost,
  };
}
