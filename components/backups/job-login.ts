/**
 * The logical-backup job's database login, one rule for every cloud's job (aws-job, gcp-job, azure-job, k8s-job,
 * do-job): the Database's backup login (`job.database.access.logins.backup`, a member of loom_readonly), else its
 * one `credentials` (password), turned into the libpq environment the backup CLI reads (scripts/backup/db-auth.ts):
 *
 * - `DATABASE_AUTH` always (plain);
 * - a password login: `PGUSER` and `PGPASSWORD` as secret references (never values), as before logins existed;
 * - a token login: `PGUSER` plain (an IAM user name is no secret), no `PGPASSWORD` at all, plus what the CLI needs
 *   to fetch the token on that cloud (`tokenEnv`: AWS_REGION on AWS, the user-assigned identity's AZURE_CLIENT_ID
 *   on Azure), and `connect`: the resource the job's identity must be allowed to log in to (AWS: the login's
 *   `rds-db:connect` ARN, `access.connect.backup`).
 *
 * A token login of another cloud, or one the job cannot use, is a configuration error at preview, not a 3 a.m.
 * authentication failure. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { type DatabaseAuth, type DatabaseLogin, loginEnv } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";
import type { BackupJobArgs } from ".";

export type TokenAuth = Exclude<DatabaseAuth, "password">;

/** loginEnv's names → libpq's (the backup CLI runs libpq tools, which read PGUSER/PGPASSWORD). */
const LIBPQ_NAMES: Record<string, string> = {
  DATABASE_USER: "PGUSER",
  DATABASE_PASSWORD: "PGPASSWORD",
  // A login with its own host (AWS: the backup bypasses RDS Proxy) replaces the endpoint the job would use.
  DATABASE_HOST: "PGHOST",
};

export interface BackupJobLogin {
  auth: DatabaseAuth;
  /** Plain variables: DATABASE_AUTH; with a token login also PGUSER and the cloud's `tokenEnv`. */
  env: Record<string, pulumi.Input<string>>;
  /** Secret references: PGUSER and PGPASSWORD of a password login; none for a token login. */
  secrets: Record<string, SecretRef>;
  /** A token login's connect resource (AWS: `access.connect.backup`); undefined for a password login. */
  connect?: pulumi.Input<string>;
}

export interface JobLoginRule {
  /** The cloud whose job this is (for the error message). */
  cloud: string;
  /** The token login this cloud's job can use; undefined = password logins only. */
  token?: TokenAuth;
  /** What the CLI needs beside PGUSER to fetch that token. @default {} */
  tokenEnv?: Record<string, pulumi.Input<string>>;
  /** The token login needs `access.connect.backup` (AWS: without rds-db:connect the login is refused). */
  needsConnect?: boolean;
}

const renamed = <T>(vars: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(vars).map(([name, v]) => [LIBPQ_NAMES[name] ?? name, v]));

/** The job's login: see the file comment. */
export function backupJobLogin(database: BackupJobArgs["database"], rule: JobLoginRule): BackupJobLogin {
  const login: DatabaseLogin = database.access?.logins.backup ?? { auth: "password", ...database.credentials };
  const { env, secrets } = loginEnv(login);
  if (login.auth === "password") return { auth: login.auth, env: renamed(env), secrets: renamed(secrets) };
  if (login.auth !== rule.token) {
    return invalid(
      "job.database.access",
      `the backup login authenticates with ${login.auth}, which the ${rule.cloud} backup job cannot use (it takes password${rule.token ? ` or ${rule.token}` : ""} logins)`,
    );
  }
  const connect = database.access?.connect?.backup;
  if (rule.needsConnect && connect === undefined) {
    return invalid(
      "job.database.access",
      `the backup login authenticates with ${login.auth} but access.connect.backup (the resource it logs in to) is not set: the job's role could not connect`,
    );
  }
  return {
    auth: login.auth,
    env: { ...renamed(env), ...(rule.tokenEnv ?? {}) },
    secrets: {},
    ...(connect !== undefined ? { connect } : {}),
  };
}
