/**
 * `loom:secrets` (docs/secrets-backends.md): where the Kubernetes pods' secrets come from. Pure: zod only, no SDK.
 *
 * - `native` (the default): Kubernetes Secrets the program creates (the cache password, the CloudNativePG login
 *   passwords) or creates empty for the operator to fill (`loom:appSecrets`). Nothing in the plan changes.
 * - `external-secrets`: External Secrets Operator `ExternalSecret`s materialise the app secrets and the cache password
 *   under the same Secret names and keys, from `store` ({kind: ClusterSecretStore | SecretStore, name}) at the remote
 *   keys `<remoteKeyPrefix>app` and `<remoteKeyPrefix>cache`, re-read every `refreshInterval`.
 * - `vault`: the Vault Secrets Operator: a VaultConnection to `vault.address`, a VaultAuth (kubernetes method, `role`),
 *   VaultStaticSecrets (kv-v2 at `vault.kvMount`, the same remote keys) for the app secrets and the cache password,
 *   and a VaultDynamicSecret for web's and worker's database login from `vault.databaseMount`/creds/`databaseRole`.
 *
 * Only the Kubernetes target reads it (the operators run in the cluster); on another cloud a stack that sets it is
 * warned by name and nothing is read.
 */
import { z } from "zod";
import { dnsSubdomain, show } from "./targets/values";

export const SECRETS_BACKENDS = ["native", "external-secrets", "vault"] as const;
export type SecretsBackendName = (typeof SECRETS_BACKENDS)[number];
export const SECRET_STORE_KINDS = ["ClusterSecretStore", "SecretStore"] as const;

/** How often the operators re-read a static secret when the stack does not say. */
export const DEFAULT_REFRESH_INTERVAL = "1h";

export interface VaultSettings {
  /** https:// address of Vault (or OpenBao) as the operator reaches it. */
  address: string;
  /** The Vault role of the kubernetes auth method, bound to the stack's `<name>-vault-auth` ServiceAccount. */
  role: string;
  /** Mount of the kubernetes auth method (default `kubernetes`). */
  authMount: string;
  /** Mount of the kv-v2 engine holding the static secrets (default `secret`). */
  kvMount: string;
  /** Mount of the database secrets engine (default `database`). */
  databaseMount: string;
  /** The database engine's role web and worker draw their login from (default `loom-<stack>-app`). */
  databaseRole: string;
  /** A Secret in the stack's namespace with Vault's CA as `ca.crt`; undefined = the system trust store. */
  caCertSecret?: string;
}

/** The setting, every default applied. */
export type SecretsBackend =
  | { backend: "native" }
  | {
      backend: "external-secrets";
      store: { kind: (typeof SECRET_STORE_KINDS)[number]; name: string };
      remoteKeyPrefix: string;
      refreshInterval: string;
    }
  | { backend: "vault"; remoteKeyPrefix: string; refreshInterval: string; vault: VaultSettings };

const PATH_PREFIX = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}\/$/;
const DURATION = /^[1-9][0-9]{0,4}(s|m|h)$/;
const MOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,63})*$/;
const mount = () => z.string().regex(MOUNT, "must be a Vault mount path such as kubernetes or team/database");
const vaultName = () => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "must be a Vault role name");

export const SECRETS_SCHEMA = z
  .object({
    backend: z.enum(SECRETS_BACKENDS),
    store: z
      .object({ kind: z.enum(SECRET_STORE_KINDS), name: dnsSubdomain() })
      .partial()
      .strict(),
    remoteKeyPrefix: z.string().regex(PATH_PREFIX, "must be a relative key prefix ending in /, such as loom/prod/"),
    refreshInterval: z.string().regex(DURATION, "must be a duration in s, m or h, such as 15m or 1h"),
    vault: z
      .object({
        address: z.string().regex(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an https:// URL"),
        role: vaultName(),
        authMount: mount(),
        kvMount: mount(),
        databaseMount: mount(),
        databaseRole: vaultName(),
        caCertSecret: dnsSubdomain(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

type Config = z.output<typeof SECRETS_SCHEMA>;
const key = (name: string) => `loom:secrets.${name}`;

/** Keys set for a backend other than the one they configure. */
function strayKeys(c: Config, backend: SecretsBackendName, problems: string[]): void {
  const only = (name: keyof Config, wanted: SecretsBackendName[]) => {
    if (c[name] === undefined || wanted.includes(backend)) return;
    problems.push(
      `${key(name)} only applies to ${key("backend")} ${wanted.map((w) => `"${w}"`).join(" or ")} (it is "${backend}"); remove it`,
    );
  };
  only("store", ["external-secrets"]);
  only("vault", ["vault"]);
  only("remoteKeyPrefix", ["external-secrets", "vault"]);
  only("refreshInterval", ["external-secrets", "vault"]);
}

function vaultOf(v: Config["vault"], stack: string, problems: string[]): VaultSettings {
  for (const name of ["address", "role"] as const) {
    if (v?.[name] === undefined) problems.push(`${key(`vault.${name}`)} is required when ${key("backend")} is "vault"`);
  }
  return {
    address: v?.address ?? "",
    role: v?.role ?? "",
    authMount: v?.authMount ?? "kubernetes",
    kvMount: v?.kvMount ?? "secret",
    databaseMount: v?.databaseMount ?? "database",
    databaseRole: v?.databaseRole ?? `loom-${stack}-app`,
    ...(v?.caCertSecret !== undefined ? { caCertSecret: v.caCertSecret } : {}),
  };
}

/** The resolved setting; every rule's problem is pushed to `problems`. */
export function resolveSecretsBackend(c: Config | undefined, stack: string, problems: string[]): SecretsBackend {
  const given = c ?? {};
  const backend = given.backend ?? "native";
  strayKeys(given, backend, problems);
  if (backend === "native") return { backend };
  const common = {
    remoteKeyPrefix: given.remoteKeyPrefix ?? `loom/${stack}/`,
    refreshInterval: given.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
  };
  if (backend === "vault") return { backend, ...common, vault: vaultOf(given.vault, stack, problems) };
  const { kind, name } = given.store ?? {};
  if (kind === undefined || name === undefined) {
    problems.push(
      `${key("store")} is required when ${key("backend")} is "external-secrets": {"kind": "ClusterSecretStore" or "SecretStore", "name": <the store the operator reads>}${given.store ? `, got ${show(given.store)}` : ""}`,
    );
  }
  return { backend, ...common, store: { kind: kind ?? "ClusterSecretStore", name: name ?? "" } };
}

/** A backend other than native: what the Kubernetes target carries as `secrets`. */
export type ActiveSecretsBackend = Exclude<SecretsBackend, { backend: "native" }>;

/** The Kubernetes target's secrets backend, undefined = native (every Secret made by the program, as before). */
export function secretsBackendOf(target: object): ActiveSecretsBackend | undefined {
  return (target as { secrets?: ActiveSecretsBackend }).secrets;
}

/**
 * The Kubernetes target with the stack's secrets backend (`secrets`, absent when native, so a native plan is
 * unchanged), or on any other cloud the target as it is and a warning when the stack set `loom:secrets`.
 */
export function withSecretsBackend<T extends { cloud: string }>(
  target: T,
  c: Config | undefined,
  ctx: { stack: string; problems: string[]; warnings: string[] },
): T {
  if (target.cloud !== "kubernetes") {
    if (Object.keys(c ?? {}).length > 0) {
      ctx.warnings.push(
        `loom:secrets is set but loom:cloud is "${target.cloud}": it is not read on this stack (it applies only with loom:cloud: kubernetes, where the secrets operators run)`,
      );
    }
    return target;
  }
  const secrets = resolveSecretsBackend(c, ctx.stack, ctx.problems);
  return secrets.backend === "native" ? target : { ...target, secrets };
}
