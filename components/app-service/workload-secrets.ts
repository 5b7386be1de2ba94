/**
 * The one rule for which secret each workload receives, on every cloud.
 *
 * - web and worker: every platform credential (database, cache) and every app credential (`loom:appSecrets`,
 *   the LLM API keys…).
 * - migrate: only the database's credentials. Schema migrations never talk to the cache or an LLM, and a one-off
 *   task that anyone with deploy rights can start should not carry keys it does not use.
 */

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
