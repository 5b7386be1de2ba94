/**
 * The one rule for which secret each workload receives, on every cloud.
 *
 * - web and worker: every platform credential (database, cache) and every app credential (`loom:appSecrets`,
 *   the LLM API keys…).
 * - migrate: only the database's credentials. Schema migrations never talk to the cache or an LLM, and a one-off
 *   task that anyone with deploy rights can start should not carry keys it does not use.
 */

import { invalid } from "../lib/component";

export const WORKLOADS = ["web", "worker", "migrate"] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Environment variables holding the database's credentials (see index.ts at the repository root). */
const DATABASE_CREDENTIAL = /^DATABASE_/;

export interface WorkloadSecrets<Ref> {
  /** Platform credentials by environment variable name (AppServiceArgs.secrets). */
  platform: Record<string, Ref>;
  /** Names of app credentials kept empty in the secret store (AppServiceArgs.appSecretNames). */
  app: string[];
}

/** The subset of `all` that `workload` gets. Pure; the same answer on every cloud. */
export function secretsFor<Ref>(workload: Workload, all: WorkloadSecrets<Ref>): WorkloadSecrets<Ref> {
  if (workload !== "migrate") return { platform: { ...all.platform }, app: [...all.app] };
  const platform = Object.fromEntries(Object.entries(all.platform).filter(([name]) => DATABASE_CREDENTIAL.test(name)));
  return { platform, app: [] };
}

/**
 * The refs `workload` gets, by environment variable, on a cloud whose secret store holds one value per secret (GCP
 * Secret Manager, Azure Key Vault): a keyed platform ref is refused naming it; app secrets come from `app`, the
 * refs of the secrets the cloud file created. `store` names the store in the message.
 */
export function singleValueRefs<Ref extends { key?: string }>(
  workload: Workload,
  all: WorkloadSecrets<Ref>,
  app: Record<string, Ref>,
  store: string,
): Record<string, Ref> {
  const allowed = secretsFor(workload, all);
  for (const [envName, ref] of Object.entries(allowed.platform)) {
    if (ref.key !== undefined)
      invalid(`secrets.${envName}`, `a ${store} secret holds one value; pass a ref without \`key\``);
  }
  const appRefs = Object.fromEntries(allowed.app.flatMap((n) => (app[n] ? [[n, app[n]] as const] : [])));
  return { ...allowed.platform, ...appRefs };
}
