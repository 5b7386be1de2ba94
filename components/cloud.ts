/**
 * The `Cloud` union and the lazy loader that keeps every stack to one cloud's code.
 *
 * Each component's `index.ts` asks `implementation(cloud, "<component>")` for its cloud file. The file is
 * `require`d on first use only, so an AWS stack never loads @pulumi/azure-native, @pulumi/gcp or
 * @pulumi/digitalocean (tests/stacks.spec.ts checks `require.cache` after a plan).
 */
import { type ImplementedCloud, TARGETS } from "./targets";

export const CLOUDS = ["aws", "gcp", "azure", "digitalocean", "kubernetes"] as const;
export type Cloud = (typeof CLOUDS)[number];
export type { ImplementedCloud } from "./targets";

/** Clouds with a target in targets/index.ts (and component files). Settings rejects the others as not implemented. */
export const IMPLEMENTED_CLOUDS: readonly ImplementedCloud[] = CLOUDS.filter(
  (c): c is ImplementedCloud => c in TARGETS,
);

export function isImplemented(cloud: string): cloud is ImplementedCloud {
  return (IMPLEMENTED_CLOUDS as readonly string[]).includes(cloud);
}

export const COMPONENT_DIRS = {
  network: "network",
  database: "database",
  cache: "cache",
  appService: "app-service",
  observability: "observability",
  backups: "backups",
} as const;
export type ComponentKind = keyof typeof COMPONENT_DIRS;

/**
 * Load `components/<component>/<cloud>.ts` and return its exports. `T` is the component's implementation
 * contract (declared in its index.ts), which every cloud file satisfies.
 */
export function implementation<T>(cloud: Cloud, component: ComponentKind): T {
  if (!isImplemented(cloud)) {
    throw new Error(`loom:cloud "${cloud}" is not implemented yet; implemented: ${IMPLEMENTED_CLOUDS.join(", ")}`);
  }
  // Computed path on purpose: a static import would load every cloud's SDK.
  return require(`./${COMPONENT_DIRS[component]}/${cloud}`) as T;
}
