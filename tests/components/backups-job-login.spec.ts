/**
 * components/backups/job-login.ts on its own: the one rule every cloud's backup job follows to turn the Database's
 * backup login into the backup CLI's libpq environment (the cloud specs prove each job applies it under the mocks).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { backupJobLogin } from "../../components/backups/job-login";
import { type DatabaseAccess, type DatabaseLogin, singleLoginAccess } from "../../components/lib/db-roles";

const credentials = { username: { id: "db-secret", key: "username" }, password: { id: "db-secret", key: "password" } };
const database = (access?: DatabaseAccess) => ({
  endpoint: pulumi.output("db.internal"),
  port: pulumi.output(5432),
  databaseName: pulumi.output("loom"),
  credentials,
  ...(access ? { access } : {}),
});
function withBackup(backup: DatabaseLogin, connect?: string): DatabaseAccess {
  const single = singleLoginAccess(credentials);
  return { ...single, logins: { ...single.logins, backup }, ...(connect ? { connect: { backup: connect } } : {}) };
}
const AWS = { cloud: "AWS", token: "aws-rds-iam", tokenEnv: { AWS_REGION: "eu-west-1" }, needsConnect: true } as const;
const CONNECT = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKL/loom_backup";

describe("backup job login (components/backups/job-login.ts)", () => {
  it("no access, or today's single login: DATABASE_AUTH=password and the credentials as PGUSER/PGPASSWORD refs", () => {
    const expected = {
      auth: "password",
      env: { DATABASE_AUTH: "password" },
      secrets: { PGUSER: credentials.username, PGPASSWORD: credentials.password },
    };
    assert.deepEqual(backupJobLogin(database(), AWS), expected);
    assert.deepEqual(backupJobLogin(database(singleLoginAccess(credentials)), { cloud: "Kubernetes" }), expected);
  });

  it("prefers access.logins.backup over credentials (its own secret, keys kept)", () => {
    const own = { username: { id: "backup-secret", key: "u" }, password: { id: "backup-secret", key: "p" } };
    const login = backupJobLogin(database(withBackup({ auth: "password", ...own })), { cloud: "DigitalOcean" });
    assert.deepEqual(login.secrets, { PGUSER: own.username, PGPASSWORD: own.password });
    assert.equal(login.connect, undefined);
  });

  it("a token login: PGUSER plain, the cloud's token env, no secret, the connect resource", () => {
    const login = backupJobLogin(database(withBackup({ auth: "aws-rds-iam", username: "loom_backup" }, CONNECT)), AWS);
    assert.deepEqual(login, {
      auth: "aws-rds-iam",
      env: { DATABASE_AUTH: "aws-rds-iam", PGUSER: "loom_backup", AWS_REGION: "eu-west-1" },
      secrets: {},
      connect: CONNECT,
    });
    const gcp = backupJobLogin(database(withBackup({ auth: "gcp-cloudsql-iam", username: "sa@p.iam" })), {
      cloud: "GCP",
      token: "gcp-cloudsql-iam",
    });
    assert.deepEqual(gcp, {
      auth: "gcp-cloudsql-iam",
      env: { DATABASE_AUTH: "gcp-cloudsql-iam", PGUSER: "sa@p.iam" },
      secrets: {},
    });
  });

  it("refuses a token login the cloud's job cannot use, and an RDS IAM login without its connect resource", () => {
    const entra = database(withBackup({ auth: "azure-entra", username: "loom-backup-id" }));
    assert.throws(() => backupJobLogin(entra, { cloud: "Kubernetes" }), {
      propertyPath: "job.database.access",
      reason:
        "the backup login authenticates with azure-entra, which the Kubernetes backup job cannot use (it takes password logins)",
    });
    assert.throws(() => backupJobLogin(database(withBackup({ auth: "aws-rds-iam", username: "loom_backup" })), AWS), {
      propertyPath: "job.database.access",
      reason:
        "the backup login authenticates with aws-rds-iam but access.connect.backup (the resource it logs in to) is not set: the job's role could not connect",
    });
  });
});
