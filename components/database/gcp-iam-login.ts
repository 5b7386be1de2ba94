/**
 * One workload's Cloud SQL IAM login, the one home of the rule (AppService's web, worker and migrate accounts, the
 * backup job's account): the `CLOUD_IAM_SERVICE_ACCOUNT` user named as the Database names it (the account's email
 * without `.gserviceaccount.com`, gcp-logins.ts), created after the account (Cloud SQL refuses a user for an account
 * that does not exist yet), and `roles/cloudsql.instanceUser` for that account, conditioned to this one instance.
 */
import { IAMMember } from "@pulumi/gcp/projects/iammember";
import type { Account } from "@pulumi/gcp/serviceaccount/account";
import { User } from "@pulumi/gcp/sql/user";
import * as pulumi from "@pulumi/pulumi";
import type { GcpScope } from "../lib/gcp";
import { type GcpDatabaseAccess, INSTANCE_USER_ROLE, iamUserOfEmail, instanceCondition } from "./gcp-logins";

/** `<name>-db-login` and `<name>-cloudsql-instanceuser`: the user and its permission to log in. */
export function cloudSqlIamLogin(
  s: Pick<GcpScope, "project" | "opts">,
  name: string,
  account: Account,
  sql: GcpDatabaseAccess["cloudSql"],
): [User, IAMMember] {
  const user = new User(
    `${name}-db-login`,
    {
      project: sql.project,
      instance: sql.instance,
      name: account.email.apply(iamUserOfEmail),
      type: "CLOUD_IAM_SERVICE_ACCOUNT",
      // PostgreSQL refuses to drop a role that owns objects or holds grants: a destroy leaves it to the instance.
      deletionPolicy: "ABANDON",
    },
    s.opts(),
  );
  const canLogIn = new IAMMember(
    `${name}-cloudsql-instanceuser`,
    {
      project: s.project,
      role: INSTANCE_USER_ROLE,
      member: account.member,
      condition: pulumi.output(sql.instance).apply((i) => instanceCondition(sql.project, i)),
    },
    s.opts(),
  );
  return [user, canLogIn];
}
