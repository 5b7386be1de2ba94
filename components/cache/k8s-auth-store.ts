/**
 * The cache password's Secret with `loom:secrets.backend` external-secrets or vault (components/secrets-backend.ts):
 * made by the operator from the store's `<remoteKeyPrefix>cache` entry (one property, `password`) under the name
 * and keys the native Secret has, `password` (the app's REDIS_PASSWORD, Valkey's readiness probe) and `auth.conf`
 * (`requirepass …`, included by valkey.conf). The program then generates no password. Valkey reads `auth.conf` at
 * start: a new password in the store needs the rotation in docs/secrets-backends.md (restart Valkey, then the app).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import type * as pulumi from "@pulumi/pulumi";
import { ESO_API, externalSecretSpec, type StoredSecret } from "../lib/k8s-secrets-eso";
import { VSO_API, vaultStaticSecretSpec } from "../lib/k8s-secrets-vault";
import type { ActiveSecretsBackend } from "../secrets-backend";

/** The store entry (under `remoteKeyPrefix`) holding the cache password. */
export const CACHE_REMOTE_KEY = "cache";

/** The CR's kind, apiVersion and spec for the cache's password Secret `secretName`. Pure. */
export function cacheAuthSource(
  b: ActiveSecretsBackend,
  name: string,
  secretName: string,
  labels: Record<string, string>,
): { kind: string; apiVersion: string; spec: Record<string, unknown> } {
  const stored: StoredSecret = { name: secretName, remoteKey: CACHE_REMOTE_KEY, properties: ["password"], labels };
  if (b.backend === "external-secrets") {
    const template = { password: "{{ .password }}", "auth.conf": "requirepass {{ .password }}\n" };
    return { kind: "ExternalSecret", apiVersion: ESO_API, spec: externalSecretSpec(b, { ...stored, template }) };
  }
  const templates = { "auth.conf": 'requirepass {{ get .Secrets "password" }}\n' };
  return {
    kind: "VaultStaticSecret",
    apiVersion: VSO_API,
    spec: vaultStaticSecretSpec(b, name, { ...stored, templates }),
  };
}

export function storedCacheAuth(
  b: ActiveSecretsBackend,
  name: string,
  secretName: string,
  ns: pulumi.Input<string>,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): CustomResource {
  const { kind, apiVersion, spec } = cacheAuthSource(b, name, secretName, labels);
  return new CustomResource(
    `${name}-cache-auth`,
    { apiVersion, kind, metadata: { name: secretName, namespace: ns, labels }, spec },
    opts,
  );
}
