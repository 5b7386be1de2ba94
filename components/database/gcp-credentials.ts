/**
 * The app's database, its login and where the credentials live on GCP: the `gcp:sql/database` and a BUILT_IN
 * `gcp:sql/user` whose password `@pulumi/random` generates (a secret in state and plan, never a literal), copied
 * into Secret Manager with the user name beside it. Cloud Run reads both through `secretKeyRef` (on GCP a SecretRef
 * is a whole secret, so the user name gets its own). Managed Connection Pooling refuses IAM database users, hence a
 * password user.
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

/** The app's login (not `postgres`: the instance's built-in superuser keeps no password). */
export const APP_USERNAME = "loom_app";
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

export interface AppCredentials {
  username: SecretRef;
  password: SecretRef;
  /** The database's name as the API reports it. */
  databaseName: pulumi.Output<string>;
}

export function appCredentials(s: GcpScope, primary: DatabaseInstance, c: CredentialArgs): AppCredentials {
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
      name: APP_USERNAME,
      type: "BUILT_IN",
      password: password.result,
      deletionPolicy: "ABANDON",
    },
    s.opts(false, { dependsOn: [database] }),
  );
  const stored = (what: string, value: pulumi.Input<string>): SecretRef => {
    const secret = new Secret(
      `${name}-db-${what}`,
      {
        project,
        secretId: `${prefix}-db-${what}`,
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
    username: stored("username", pulumi.secret(APP_USERNAME)),
    password: stored("password", password.result),
    databaseName: database.name,
  };
}
