/**
 * Who logs in to Cloud SQL, and how (pure: no SDK; tested in tests/components/db-logins.gcp.spec.ts).
 *
 * - web, worker, migrate and the backup job: Cloud SQL IAM database authentication. Each workload's own service
 *   account is a `CLOUD_IAM_SERVICE_ACCOUNT` database user named `<account id>@<project>.iam` (the email without
 *   `.gserviceaccount.com`, as Cloud SQL spells it); it logs in with its OAuth access token (1 h, scope
 *   sqlservice.login) as the password. No secret exists for these logins at all. Cloud SQL creates such a user
 *   with no privilege; the roles step grants its group (loom_app_rw, loom_owner, loom_readonly).
 * - admin: the built-in `loom_admin` (password in Secret Manager, a member of cloudsqlsuperuser, not superuser),
 *   used only by the roles step (and break-glass).
 *
 * The account ids are deterministic (gcp-sizing.ts `serviceAccountId`, `backupAccountId` here), so the Database
 * names every login up front. The database user itself is created by the component that creates the account,
 * after it: Cloud SQL refuses a CLOUD_IAM_SERVICE_ACCOUNT user whose account does not exist yet ("Provided
 * CLOUD_IAM_SERVICE_ACCOUNT: … does not exist").
 *
 * Managed Connection Pooling and IAM: Google's requirements for the pooler say a pooled connection must log in with
 * a username and password ("IAM and IAM group users aren't supported"); the current page only says IAM works
 * "depending on the port", through the Auth Proxy, which this stack does not run (the app connects to the instance's
 * DNS name with verify-full). So IAM logins connect directly, on 5432, and the Database does not turn the pooler on
 * (it would serve no one): see gcp.ts and docs/runbooks/credentials-gcp.md.
 */
import type * as pulumi from "@pulumi/pulumi";
import { serviceAccountId } from "../app-service/gcp-sizing";
import type { DatabaseAccess, DatabaseLogin, RoleLoginInput } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";
import { fit as fitName } from "../naming";

/** The instance flag that turns Cloud SQL IAM database authentication on. */
export const IAM_AUTH_FLAG = { name: "cloudsql.iam_authentication", value: "on" } as const;
/** The admin login's name (a built-in user; the roles step only). */
export const ADMIN_USERNAME = "loom_admin";
/** Lets a service account log in with IAM database authentication (cloudsql.instances.login), nothing else. */
export const INSTANCE_USER_ROLE = "roles/cloudsql.instanceUser";
const SA_DOMAIN = ".gserviceaccount.com";

/**
 * The IAM condition that narrows INSTANCE_USER_ROLE to one instance (a project-level grant would let the account
 * log in to every instance of the project): the expression of Google's own sample (terraform-docs-samples,
 * cloud_sql/instance_iam_condition).
 */
export function instanceCondition(project: string, instance: string) {
  return {
    title: `login-${instance}`.slice(0, 100),
    description: `Cloud SQL IAM login to ${instance} only`,
    expression: `resource.name == 'projects/${project}/instances/${instance}' && resource.type == 'sqladmin.googleapis.com/Instance'`,
  };
}

/** The backup job's service-account id (backups/gcp-job.ts creates it). */
export function backupAccountId(prefix: string): string {
  return fitName(`${prefix}-backup`, 30);
}

/** `<id>@<project>.iam`: a service account's Cloud SQL IAM user name. */
export function iamUserName(accountId: string, project: string): string {
  return `${accountId}@${project}.iam`;
}

/** The same name from the account's email (what the component creating the user has after the account). */
export function iamUserOfEmail(email: string): string {
  if (!email.endsWith(SA_DOMAIN)) throw new Error(`"${email}" is not a service account email (*${SA_DOMAIN})`);
  return email.slice(0, -SA_DOMAIN.length);
}

/** The IAM user name of each login, by use. */
export function iamUserNames(prefix: string, project: string): Record<"web" | "worker" | "migrate" | "backup", string> {
  const of = (w: "web" | "worker" | "migrate") => iamUserName(serviceAccountId(prefix, w), project);
  return {
    web: of("web"),
    worker: of("worker"),
    migrate: of("migrate"),
    backup: iamUserName(backupAccountId(prefix), project),
  };
}

/** What the Database on GCP adds to its access: the instance the components create their IAM users on. */
export interface GcpDatabaseAccess extends DatabaseAccess {
  cloudSql: { project: string; instance: pulumi.Input<string> };
}

/** The Cloud SQL instance of a GCP Database's access, or undefined for any other access. */
export function cloudSqlOf(access: DatabaseAccess): GcpDatabaseAccess["cloudSql"] | undefined {
  return (access as Partial<GcpDatabaseAccess>).cloudSql;
}

export interface GcpAccessArgs {
  prefix: string;
  project: string;
  database: pulumi.Input<string>;
  instance: pulumi.Input<string>;
  admin: { username: SecretRef; password: SecretRef };
}

/**
 * Every login: web and worker (loom_app_rw), migrate (loom_owner), backup (loom_readonly) as IAM users the platform
 * creates (`create: "platform"`: the roles SQL only grants), admin the password login.
 */
export function gcpAccess(a: GcpAccessArgs): GcpDatabaseAccess {
  const names = iamUserNames(a.prefix, a.project);
  const iam = (username: string): DatabaseLogin => ({ auth: "gcp-cloudsql-iam", username });
  const logins: RoleLoginInput[] = [
    { name: names.web, group: "app", create: "platform" },
    { name: names.worker, group: "app", create: "platform" },
    { name: names.migrate, group: "owner", create: "platform" },
    { name: names.backup, group: "readonly", create: "platform" },
  ];
  return {
    logins: {
      web: iam(names.web),
      worker: iam(names.worker),
      migrate: iam(names.migrate),
      backup: iam(names.backup),
      admin: { auth: "password", ...a.admin },
    },
    roles: { database: a.database, logins },
    cloudSql: { project: a.project, instance: a.instance },
  };
}
