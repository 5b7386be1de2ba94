/**
 * `loom:secrets.backend: external-secrets` (components/secrets-backend.ts): the External Secrets Operator's
 * `ExternalSecret` that materialises one Secret the pods already read, under the same name and keys, from the store
 * the stack names. Pure: plain objects, no SDK (the cloud files create the CustomResources).
 *
 * - The remote key is `<remoteKeyPrefix><remoteKey>` (`loom/prod/app`, `loom/prod/cache`) and each Secret key one
 *   property of it (a JSON field in AWS Secrets Manager / GCP Secret Manager, a field of a Vault kv entry…).
 * - `creationPolicy: Owner`: the Secret belongs to the ExternalSecret (deleted with it, never edited by hand);
 *   `deletionPolicy: Retain`: a value deleted in the store does not delete the Secret under running pods.
 * - With `template`, the Secret holds exactly the templated keys (ESO template engine v2), e.g. the cache's
 *   `auth.conf` built from its `password`.
 */
import type { ActiveSecretsBackend } from "../secrets-backend";

export const ESO_API = "external-secrets.io/v1";

/** One Secret materialised from the store. */
export interface StoredSecret {
  /** The Secret's name: the one the pods' `secretKeyRef`s (or a volume) already use. */
  name: string;
  /** Appended to `remoteKeyPrefix`: `app`, `cache`. */
  remoteKey: string;
  /** The properties read, each into the Secret key of the same name. */
  properties: readonly string[];
  labels: Record<string, string>;
  /** Secret key → Go template over the properties (`{{ .password }}`); undefined = the properties as they are. */
  template?: Record<string, string>;
}

/** `<remoteKeyPrefix><remoteKey>`. */
export const remoteKeyOf = (b: { remoteKeyPrefix: string }, s: { remoteKey: string }): string =>
  `${b.remoteKeyPrefix}${s.remoteKey}`;

export function externalSecretSpec(
  b: Extract<ActiveSecretsBackend, { backend: "external-secrets" }>,
  s: StoredSecret,
): Record<string, unknown> {
  const key = remoteKeyOf(b, s);
  return {
    refreshInterval: b.refreshInterval,
    secretStoreRef: { kind: b.store.kind, name: b.store.name },
    target: {
      name: s.name,
      creationPolicy: "Owner",
      deletionPolicy: "Retain",
      template: {
        engineVersion: "v2",
        type: "Opaque",
        metadata: { labels: s.labels },
        ...(s.template ? { data: s.template } : {}),
      },
    },
    data: s.properties.map((property) => ({ secretKey: property, remoteRef: { key, property } })),
  };
}
