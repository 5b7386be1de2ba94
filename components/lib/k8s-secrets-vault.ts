/**
 * `loom:secrets.backend: vault` (components/secrets-backend.ts): the Vault Secrets Operator's resources
 * (secrets.hashicorp.com/v1beta1). Pure: plain objects, no SDK (the cloud files create the CustomResources).
 *
 * - VaultConnection `<name>-vault`: the address, TLS verified (never skipTLSVerify), Vault's CA from `caCertSecret`
 *   when set.
 * - VaultAuth `<name>-vault`: the kubernetes auth method at `authMount`, the stack's role, as the ServiceAccount
 *   `<name>-vault-auth` (a token of audience `vault`, 10 minutes); nothing else in the namespace runs as it.
 * - VaultStaticSecret: a kv-v2 entry (`<kvMount>/<remoteKeyPrefix><remoteKey>`) into the Secret the pods already read,
 *   its keys the entry's fields (no `_raw` key), re-read every `refreshInterval`; optional restart targets.
 * - VaultDynamicSecret: web's and worker's database login from `<databaseMount>/creds/<databaseRole>` into the Secret
 *   `<name>-db-app-vault` (`username`, `password`). The operator renews the lease at 67 % of its TTL; when Vault
 *   refuses (max_ttl reached) it draws a new login and rollout-restarts web and worker onto it. `revoke: false`: the
 *   old lease is not revoked at rotation (its revocation statements end live sessions, and old pods still serve
 *   during the rolling restart); Vault revokes it at its own expiry (≤ the remaining TTL).
 */
import type { ActiveSecretsBackend } from "../secrets-backend";
import { remoteKeyOf, type StoredSecret } from "./k8s-secrets-eso";

export const VSO_API = "secrets.hashicorp.com/v1beta1";
export type VaultBackend = Extract<ActiveSecretsBackend, { backend: "vault" }>;

/** The operator renews a dynamic lease when this share of its TTL has passed. */
export const RENEWAL_PERCENT = 67;
/** Lifetime of the ServiceAccount token the operator logs in with (seconds). */
export const AUTH_TOKEN_SECONDS = 600;

/** Names of the per-stack Vault objects (`name` is the components' name, e.g. loom). */
export function vaultNames(name: string) {
  return {
    connection: `${name}-vault`,
    auth: `${name}-vault`,
    serviceAccount: `${name}-vault-auth`,
    appLogin: `${name}-db-app-vault`,
  };
}

export function vaultConnectionSpec(b: VaultBackend): Record<string, unknown> {
  return {
    address: b.vault.address,
    skipTLSVerify: false,
    ...(b.vault.caCertSecret !== undefined ? { caCertSecretRef: b.vault.caCertSecret } : {}),
  };
}

export function vaultAuthSpec(b: VaultBackend, name: string): Record<string, unknown> {
  const n = vaultNames(name);
  return {
    vaultConnectionRef: n.connection,
    method: "kubernetes",
    mount: b.vault.authMount,
    kubernetes: {
      role: b.vault.role,
      serviceAccount: n.serviceAccount,
      audiences: ["vault"],
      tokenExpirationSeconds: AUTH_TOKEN_SECONDS,
    },
  };
}

/** Templates (Secret key → Go template over `.Secrets`), e.g. the cache's `auth.conf`. */
export type VaultTemplates = Record<string, string>;

export function vaultStaticSecretSpec(
  b: VaultBackend,
  name: string,
  s: Omit<StoredSecret, "template"> & { templates?: VaultTemplates; restart?: readonly string[] },
): Record<string, unknown> {
  const templates = Object.fromEntries(Object.entries(s.templates ?? {}).map(([k, text]) => [k, { text }]));
  return {
    vaultAuthRef: vaultNames(name).auth,
    type: "kv-v2",
    mount: b.vault.kvMount,
    path: remoteKeyOf(b, s),
    refreshAfter: b.refreshInterval,
    hmacSecretData: true,
    destination: {
      name: s.name,
      create: true,
      labels: s.labels,
      type: "Opaque",
      // Exactly the expected fields (and the templated keys): nothing else in the kv entry reaches the pods.
      transformation: {
        excludeRaw: true,
        includes: s.properties.map((p) => `^${p}$`),
        ...(s.templates ? { templates } : {}),
      },
    },
    ...(s.restart?.length ? { rolloutRestartTargets: s.restart.map((d) => ({ kind: "Deployment", name: d })) } : {}),
  };
}

export function vaultDynamicSecretSpec(
  b: VaultBackend,
  name: string,
  labels: Record<string, string>,
  restart: readonly string[],
): Record<string, unknown> {
  return {
    vaultAuthRef: vaultNames(name).auth,
    mount: b.vault.databaseMount,
    path: `creds/${b.vault.databaseRole}`,
    renewalPercent: RENEWAL_PERCENT,
    revoke: false,
    destination: {
      name: vaultNames(name).appLogin,
      create: true,
      labels,
      type: "Opaque",
      transformation: { excludeRaw: true },
    },
    rolloutRestartTargets: restart.map((d) => ({ kind: "Deployment", name: d })),
  };
}
