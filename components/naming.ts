/**
 * Physical-name helpers. Logical (Pulumi) names are identity: a rename replaces the resource, so renames of
 * stateful resources need `aliases`. Physical names are derived here so they respect each service's limits.
 *
 * Physical names derive from the STACK, not the environment: two stacks with the same environment in one account
 * or cluster (prod and a prod-profile `local` stack, say) must not collide. For the dev, staging and prod stacks
 * the stack name is the environment name, so their names are unchanged.
 */

/** `loom-prod` style prefix of every physical name of a stack, lower-case and dash-separated. */
export function prefix(project: string, stack: string): string {
  return `${project}-${stack}`;
}

/**
 * Shorten `name` to `max` characters, keeping it unique by replacing the tail with a stable hash of the whole
 * name (AWS target groups: 32, ALBs: 32, ElastiCache ids: 40).
 */
export function fit(name: string, max: number): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (clean.length <= max) return clean;
  const hash = stableHash(clean).slice(0, 6);
  return `${clean.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

/**
 * The program's one short hash: FNV-1a (32-bit) of `text` in base 36 (1 to 7 characters of 0-9 a-z). Stable across
 * runs, platforms and Node versions, so names and suffixes derived from it never change between deployments.
 * Not cryptographic: use it to keep names unique, never to protect anything.
 */
export function stableHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}
