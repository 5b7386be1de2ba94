/**
 * Who logs in to RDS for PostgreSQL, and how (pure: no SDK; tested in tests/components/db-logins.aws.spec.ts).
 *
 * - web and worker: `loom_app` (loom_app_rw), migrate: `loom_migrate` (loom_owner), the logical backup job:
 *   `loom_backup` (loom_readonly). All three are IAM database logins (`GRANT rds_iam`, no password at all): the
 *   workload's task role signs a 15-minute token (`rds:GenerateDBAuthToken` is a local SigV4 signature) and may do
 *   so only for its own login (`rds-db:connect` on that login's dbuser ARN). Nothing to rotate, nothing to inject,
 *   nothing that expires under a running task: a new token per connection.
 * - admin: the RDS master `loom_admin`, its password generated and rotated (7 days) by RDS in Secrets Manager. Only
 *   the roles step (the migrate task's `db-roles` container) reads it, and it connects to the instance itself
 *   (`host`): an IAM_AUTH proxy admits IAM logins only.
 *
 * With RDS Proxy (`connectionPooler`) the token logins connect to the proxy, which checks the token against the
 * proxy's dbuser ARN (`dbuser:prx-…/<user>`) and logs in to the instance with IAM itself (end-to-end IAM
 * authentication, `defaultAuthScheme: IAM_AUTH`): the proxy's role holds `rds-db:connect` on the instance's dbuser
 * ARNs (`dbuser:db-…/<user>`) of the same logins. Without a proxy they connect to the instance, with the instance's.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseAccess, DatabaseLogin, RoleLoginInput } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";

/** The token logins' PostgreSQL role names (the roles step creates them: `create: "aws-rds-iam"`). */
export const AWS_LOGIN_NAMES = { app: "loom_app", migrate: "loom_migrate", backup: "loom_backup" } as const;

/** Every token login, with the group the roles step grants it. */
export const AWS_ROLE_LOGINS: readonly RoleLoginInput[] = [
  { name: AWS_LOGIN_NAMES.app, group: "app", create: "aws-rds-iam" },
  { name: AWS_LOGIN_NAMES.migrate, group: "owner", create: "aws-rds-iam" },
  { name: AWS_LOGIN_NAMES.backup, group: "readonly", create: "aws-rds-iam" },
];

/** The token login of each use that has one (web and worker share `loom_app`). */
export const TOKEN_LOGIN_OF = {
  web: AWS_LOGIN_NAMES.app,
  worker: AWS_LOGIN_NAMES.app,
  migrate: AWS_LOGIN_NAMES.migrate,
  backup: AWS_LOGIN_NAMES.backup,
} as const;
export type TokenLoginUse = keyof typeof TOKEN_LOGIN_OF;

/** Where the dbuser ARNs live: the account, and the resource id of what the client connects to. */
export interface DbUserScope {
  partition: string;
  region: string;
  accountId: string;
  /** `db-…` (an instance's `resourceId`) or `prx-…` (an RDS Proxy's, the last segment of its ARN). */
  resourceId: string;
}

const INSTANCE_RESOURCE_ID = /^db-[A-Z0-9]{1,64}$/;
const PROXY_RESOURCE_ID = /^prx-[0-9a-z]{1,64}$/;

/** `arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>`: what `rds-db:connect` is granted on. */
export function dbUserArn(s: DbUserScope, user: string): string {
  if (!INSTANCE_RESOURCE_ID.test(s.resourceId) && !PROXY_RESOURCE_ID.test(s.resourceId)) {
    throw new Error(`"${s.resourceId}" is neither a DB instance resource id (db-…) nor an RDS Proxy's (prx-…)`);
  }
  return `arn:${s.partition}:rds-db:${s.region}:${s.accountId}:dbuser:${s.resourceId}/${user}`;
}

/** The proxy's resource id: the last segment of its ARN (`arn:aws:rds:<region>:<account>:db-proxy:prx-…`). */
export function proxyResourceId(proxyArn: string): string {
  const m = /^arn:[a-z-]+:rds:[a-z0-9-]+:\d{12}:db-proxy:(prx-[0-9a-z]+)$/.exec(proxyArn);
  if (!m?.[1]) throw new Error(`"${proxyArn}" is not an RDS Proxy ARN (…:db-proxy:prx-…)`);
  return m[1];
}

/** The `rds-db:connect` ARN of each token login's use, in `s` (the proxy's or the instance's). */
export function connectArns(s: DbUserScope): Record<TokenLoginUse, string> {
  return {
    web: dbUserArn(s, TOKEN_LOGIN_OF.web),
    worker: dbUserArn(s, TOKEN_LOGIN_OF.worker),
    migrate: dbUserArn(s, TOKEN_LOGIN_OF.migrate),
    backup: dbUserArn(s, TOKEN_LOGIN_OF.backup),
  };
}

/**
 * The proxy role's policy (end-to-end IAM): log in to the instance as each token login, and nothing else — no
 * secret to read any more. The admin is not among them: it never goes through the proxy.
 */
export function proxyConnectPolicy(instance: DbUserScope): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ConnectToTheInstanceAsTheTokenLogins",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: AWS_ROLE_LOGINS.map((l) => dbUserArn(instance, String(l.name))).sort(),
      },
    ],
  };
}

export interface AwsAccessArgs {
  database: pulumi.Input<string>;
  /** The master secret's two keys and the instance's own address (the roles step bypasses the proxy). */
  admin: { username: SecretRef; password: SecretRef; host: pulumi.Input<string> };
  /** Each token login's `rds-db:connect` ARN, on what the workloads connect to (connectArns). */
  connect: pulumi.Output<Record<TokenLoginUse, string>>;
  /** The read replica's connectArns, when there is one (web and worker read from it: DATABASE_READER_HOST). */
  readerConnect?: pulumi.Output<Record<TokenLoginUse, string>>;
  /**
   * The logical backup's own way in when `connect` is the proxy's: the instance's address and its dbuser ARN. pg_dump
   * holds one snapshot for a session that sits idle for the whole dump, which a proxy's idle-client timeout (30 min)
   * would cut; so the backup goes to the instance directly, like migrate's roles step. @default - through `connect`
   */
  backupDirect?: { host: pulumi.Input<string>; connect: pulumi.Input<string> };
}

/** The Database's access on AWS: the three token logins, the master for the roles step only, and their ARNs. */
export function awsAccess(a: AwsAccessArgs): DatabaseAccess {
  const iam = (username: string): DatabaseLogin => ({ auth: "aws-rds-iam", username });
  const arn = (use: TokenLoginUse) => a.connect.apply((c) => c[use]);
  return {
    logins: {
      web: iam(TOKEN_LOGIN_OF.web),
      worker: iam(TOKEN_LOGIN_OF.worker),
      migrate: iam(TOKEN_LOGIN_OF.migrate),
      backup: a.backupDirect
        ? { ...iam(TOKEN_LOGIN_OF.backup), host: a.backupDirect.host }
        : iam(TOKEN_LOGIN_OF.backup),
      admin: { auth: "password", username: a.admin.username, password: a.admin.password, host: a.admin.host },
    },
    roles: { database: a.database, logins: AWS_ROLE_LOGINS },
    connect: {
      web: arn("web"),
      worker: arn("worker"),
      migrate: arn("migrate"),
      backup: a.backupDirect ? a.backupDirect.connect : arn("backup"),
    },
    ...(a.readerConnect ? { readerConnect: readers(a.readerConnect) } : {}),
  };
}

/** The reader's ARNs of the logins that read from the replica: web and worker (migrate and backup use the writer). */
function readers(c: pulumi.Output<Record<TokenLoginUse, string>>): DatabaseAccess["readerConnect"] {
  return { web: c.apply((r) => r.web), worker: c.apply((r) => r.worker) };
}
