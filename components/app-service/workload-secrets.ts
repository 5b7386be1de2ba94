/**
 * The one rule for which secret each workload receives, on every cloud.
 *
 * - web and worker: every platform credential (cache…), every app credential (`loom:appSecrets`, the LLM API
 *   keys…) and the database's **web** / **worker** login (members of loom_app_rw: data, no DDL).
 * - migrate: only the database's **migrate** login (a member of loom_owner). Schema migrations never talk to the
 *   cache or an LLM, and a one-off task that anyone with deploy rights can start should not carry keys it does not
 *   use.
 * - the roles step (`loom db-roles`, right before migrate): only the database's **admin** login and the roles SQL.
 *   No long-running workload ever holds the admin login.
 *
 * With `database` (DatabaseAccess, components/lib/db-roles.ts) the DATABASE_* variables come from the workload's
 * login; `secrets` must not carry them then (AppService.resolve refuses it).
 */

import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import {
  type DatabaseAccess,
  type DatabaseLogins,
  type LoginUse,
  loginEnv,
  ROLES_SQL_ENV,
  type RoleLogin,
  type RoleLoginInput,
  rolesSql,
} from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";

export const WORKLOADS = ["web", "worker", "migrate"] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Environment variables holding the database's credentials (see index.ts at the repository root). */
export const DATABASE_CREDENTIAL = /^DATABASE_/;

/** The database login each step uses. */
export const LOGIN_OF: Readonly<Record<Workload | "roles", LoginUse>> = {
  web: "web",
  worker: "worker",
  migrate: "migrate",
  roles: "admin",
};

export interface WorkloadSecrets<Ref extends SecretRef = SecretRef> {
  /** Platform credentials by environment variable name (AppServiceArgs.secrets). */
  platform: Record<string, Ref>;
  /** Names of app credentials kept empty in the secret store (AppServiceArgs.appSecretNames). */
  app: string[];
  /** The database's logins (AppServiceArgs.database): each workload gets its own as DATABASE_* references. */
  database?: DatabaseLogins;
}

/** The subset of `all` that `workload` gets. Pure; the same answer on every cloud. */
export function secretsFor(workload: Workload, all: WorkloadSecrets): Omit<WorkloadSecrets, "database"> {
  const platform = all.database
    ? {
        ...Object.fromEntries(Object.entries(all.platform).filter(([name]) => !DATABASE_CREDENTIAL.test(name))),
        ...loginEnv(all.database[LOGIN_OF[workload]]).secrets,
      }
    : { ...all.platform };
  if (workload !== "migrate") return { platform, app: [...all.app] };
  return {
    platform: Object.fromEntries(Object.entries(platform).filter(([n]) => DATABASE_CREDENTIAL.test(n))),
    app: [],
  };
}

/** The plain DATABASE_* environment of `step`'s login (DATABASE_AUTH; DATABASE_USER of a token login). */
export function databaseEnvFor(
  step: Workload | "roles",
  database?: DatabaseAccess,
): Record<string, pulumi.Input<string>> {
  return database ? loginEnv(database.logins[LOGIN_OF[step]]).env : {};
}

/**
 * The roles step's whole environment: the admin login (plain env and secret references) and the SQL (rolesSql of
 * the Database's roles plus `extra`, the logins only the app's cloud file knows). Only the roles step calls this;
 * nothing else ever gets the admin login.
 */
export function rolesStepEnv(
  database: DatabaseAccess,
  extra: readonly RoleLoginInput[] = [],
): { env: Record<string, pulumi.Input<string>>; secrets: Record<string, SecretRef> } {
  const admin = loginEnv(database.logins.admin);
  const sql = pulumi
    .all([pulumi.output(database.roles.database), pulumi.output([...database.roles.logins, ...extra])])
    .apply(([name, logins]) => {
      const keepPrefix = database.roles.keepPrefix;
      return rolesSql({ database: name, logins: logins as RoleLogin[], ...(keepPrefix ? { keepPrefix } : {}) });
    });
  return { env: { ...admin.env, [ROLES_SQL_ENV]: sql }, secrets: admin.secrets };
}

/**
 * The refs `workload` gets, by environment variable, on a cloud whose secret store holds one value per secret (GCP
 * Secret Manager, Azure Key Vault): a keyed platform ref is refused naming it; app secrets come from `app`, the
 * refs of the secrets the cloud file created. `store` names the store in the message.
 */
export function singleValueRefs(
  workload: Workload,
  all: WorkloadSecrets,
  app: Record<string, SecretRef>,
  store: string,
): Record<string, SecretRef> {
  const allowed = secretsFor(workload, all);
  for (const [envName, ref] of Object.entries(allowed.platform)) {
    if (ref.key !== undefined)
      invalid(`secrets.${envName}`, `a ${store} secret holds one value; pass a ref without \`key\``);
  }
  const appRefs = Object.fromEntries(allowed.app.flatMap((n) => (app[n] ? [[n, app[n]] as const] : [])));
  return { ...allowed.platform, ...appRefs };
}
