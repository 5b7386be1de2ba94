/**
 * AppService on Kubernetes, by `loom:secrets.backend` (components/secrets-backend.ts, docs/secrets-backends.md):
 * where the app secrets' Secret `<name>-app-secrets` comes from, and with Vault the stack's VaultConnection, VaultAuth
 * and its ServiceAccount, and web's and worker's database login. The pods read the same Secret names and keys in
 * every mode; only with Vault do web and worker read their DATABASE_USER/PASSWORD from `<name>-db-app-vault` (a
 * dynamic login Vault creates) instead of the active CloudNativePG app login's Secret.
 *
 * - native: the Secret created empty, filled out of band (Pulumi never writes or reads its values).
 * - external-secrets: an ExternalSecret of that name, each `loom:appSecrets` name a property of `<prefix>app`.
 * - vault: a VaultStaticSecret of the kv-v2 entry `<prefix>app` (a change rollout-restarts web and worker).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import type { DatabaseAccess, DatabaseLogin } from "../lib/db-roles";
import { ESO_API, externalSecretSpec } from "../lib/k8s-secrets-eso";
import {
  VSO_API,
  vaultAuthSpec,
  vaultConnectionSpec,
  vaultDynamicSecretSpec,
  vaultNames,
  vaultStaticSecretSpec,
} from "../lib/k8s-secrets-vault";
import { VAULT_ENGINE_LOGIN } from "../lib/vault-db-role";
import { secretsBackendOf } from "../secrets-backend";
import type { AppScope } from "./k8s-scope";

/** The kv entry / remote key (under `remoteKeyPrefix`) holding the app secrets, one property per name. */
export const APP_REMOTE_KEY = "app";

/** The Secret `name` holding every `loom:appSecrets` name, from the stack's backend (none when there are none). */
export function appSecretsSecret(s: AppScope, name: string): void {
  const keys = s.args.appSecretNames;
  if (keys.length === 0) return;
  const b = secretsBackendOf(s.target);
  const stored = { name, remoteKey: APP_REMOTE_KEY, properties: keys, labels: s.labels };
  const cr = (kind: string, apiVersion: string, spec: Record<string, unknown>) =>
    new CustomResource(
      `${s.name}-app-secrets`,
      { apiVersion, kind, metadata: { name, namespace: s.ns, labels: s.labels }, spec },
      s.opts(true),
    );
  if (b?.backend === "external-secrets") cr("ExternalSecret", ESO_API, externalSecretSpec(b, stored));
  else if (b?.backend === "vault") {
    const restart = [s.tierName("web"), s.tierName("worker")];
    cr("VaultStaticSecret", VSO_API, vaultStaticSecretSpec(b, s.name, { ...stored, restart }));
  } else {
    new Secret(
      `${s.name}-app-secrets`,
      {
        metadata: {
          name,
          namespace: s.ns,
          labels: s.labels,
          annotations: { "loom/expected-keys": keys.join(",") },
        },
        type: "Opaque",
      },
      // Values are put here out of band; Pulumi must never overwrite (or learn) them.
      s.opts(true, { ignoreChanges: ["data", "stringData"] }),
    );
  }
}

/**
 * With Vault: the VaultConnection, the VaultAuth (and the ServiceAccount it logs in as) every Vault resource of the
 * stack uses (the cache's too), and the dynamic app login; returns the Database's access with web and worker on it.
 * Without Vault: the access unchanged, nothing created.
 */
export function vaultResources(s: AppScope, access: DatabaseAccess | undefined): DatabaseAccess | undefined {
  const b = secretsBackendOf(s.target);
  if (b?.backend !== "vault") return access;
  const n = vaultNames(s.name);
  new ServiceAccount(
    `${s.name}-vault-auth`,
    { metadata: { name: n.serviceAccount, namespace: s.ns, labels: s.labels }, automountServiceAccountToken: false },
    s.opts(),
  );
  const cr = (logical: string, kind: string, objectName: string, spec: Record<string, unknown>) =>
    new CustomResource(
      logical,
      { apiVersion: VSO_API, kind, metadata: { name: objectName, namespace: s.ns, labels: s.labels }, spec },
      s.opts(),
    );
  cr(`${s.name}-vault-connection`, "VaultConnection", n.connection, vaultConnectionSpec(b));
  cr(`${s.name}-vault-auth`, "VaultAuth", n.auth, vaultAuthSpec(b, s.name));
  if (access === undefined) return access;
  const restart = [s.tierName("web"), s.tierName("worker")];
  cr(`${s.name}-db-app-vault`, "VaultDynamicSecret", n.appLogin, vaultDynamicSecretSpec(b, s.name, s.labels, restart));
  return withVaultAppLogin(access, s.name);
}

/**
 * `access` with web and worker on the VaultDynamicSecret's Secret (`username`, `password`), and the roles step told
 * to keep the members Vault manages (`loom_vault…`: lib/vault-db-role.ts); migrate, backup and admin unchanged.
 */
export function withVaultAppLogin(access: DatabaseAccess, name: string): DatabaseAccess {
  const id = vaultNames(name).appLogin;
  const app: DatabaseLogin = { auth: "password", username: { id, key: "username" }, password: { id, key: "password" } };
  // The roles step's prune must leave Vault's users (and its engine login) in loom_app_rw.
  return {
    ...access,
    logins: { ...access.logins, web: app, worker: app },
    roles: { ...access.roles, keepPrefix: VAULT_ENGINE_LOGIN },
  };
}
