/**
 * The app's database and the admin login on GCP: the `gcp:sql/database` and the BUILT_IN `gcp:sql/user`
 * `loom_admin` (a member of cloudsqlsuperuser: CREATEROLE and CREATEDB, not superuser) whose password
 * `@pulumi/random` generates (a secret in state and plan, never a literal), copied into Secret Manager with the user
 * name beside it (on GCP a SecretRef is a whole secret, so the name gets its own). Only the roles step (`loom
 * db-roles`) reads them, and an operator in break-glass (docs/runbooks/credentials-gcp.md); every workload logs in
 * as its service account (gcp-logins.ts).
 *
 * The user was `loom_app` before issue 16 (the one login of every workload); the Pulumi name `<name>-db-app` is
 * kept, and a new user name replaces the user.
 */
import type { CryptoKey } from "@pulumi/gcp/kms/cryptoKey";
import { Secret } from "@pulumi/gcp/secretmanager/secret";
import { SecretVersion } from "@pulumi/gcp/secretmanager/secretVersion";
import { Database } from "@pulumi/gcp/sql/database";
import type { DatabaseInstance } from "@pulumi/gcp/sql/databaseInstance";
import { User } from "@pulumi/gcp/sql/user";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import type { GcpScope } from "../lib/gcp";
import type { SecretRef } from "../lib/secrets";
import { ADMIN_USERNAME } from "./gcp-logins";

/** 40 letters and digits: 238 bits, and nothing a connection string or shell would need to escape. */
export const PASSWORD_LENGTH = 40;

export interface CredentialArgs {
  databaseName: string;
  /** The Secret Manager secrets refuse deletion at the provider (prod). */
  deletionProtection: boolean;
  /** Encrypts the secrets' payloads (the Secret Manager agent holds encrypterDecrypter on it). */
  key: CryptoKey;
  /** Created after these (the key's grants: Secret Manager must be able to use the key). */
  dependsOn: pulumi.Resource[];
}

export interface AdminCredentials {
  username: SecretRef;
  password: SecretRef;
  /** The database's name as the API reports it. */
  databaseName: pulumi.Output<string>;
}

export function adminCredentials(s: GcpScope, primary: DatabaseInstance, c: CredentialArgs): AdminCredentials {
  const { name, prefix, project } = s;
  // ABANDON: PostgreSQL refuses to drop a database or role that still owns objects, so a destroy leaves both to
  // the instance (which holds the data and its final backup) instead of failing half-way.
  const database = new Database(
    `${name}-db-app`,
    { project, instance: primary.name, name: c.databaseName, deletionPolicy: "ABANDON" },
    s.opts(),
  );
  const password = new RandomPassword(
    `${name}-db-app`,
    { length: PASSWORD_LENGTH, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
    s.opts(),
  );
  new User(
    `${name}-db-app`,
    {
      project,
      instance: primary.name,
      name: ADMIN_USERNAME,
      type: "BUILT_IN",
      password: password.result,
      deletionPolicy: "ABANDON",
    },
    s.opts(false, { dependsOn: [database] }),
  );
  // Pulumi names as before issue 16 (`<name>-db-username`/`-password`); the secret ids say whose they are now.
  const stored = (what: string, value: pulumi.Input<string>): SecretRef => {
    const secret = new Secret(
      `${name}-db-${what}`,
      {
        project,
        secretId: `${prefix}-db-admin-${what}`,
        // In the instance's region only, encrypted with the database's key: the credentials stay where the data is.
        replication: {
          userManaged: { replicas: [{ location: s.region, customerManagedEncryption: { kmsKeyName: c.key.id } }] },
        },
        deletionProtection: c.deletionProtection,
        labels: s.labels,
      },
      s.opts(true, { dependsOn: c.dependsOn }),
    );
    new SecretVersion(`${name}-db-${what}`, { secret: secret.id, secretData: value }, s.opts());
    return { id: secret.id };
  };
  return {
    // Secret like any version: the plan shows no credential part, not even the name.
    username: stored("username", pulumi.secret(ADMIN_USERNAME)),
    password: stored("password", password.result),
    databaseName: database.name,
  };
}
