/**
 * Physical-name helpers. Logical (Pulumi) names are identity: a rename replaces the resource, so renames of
 * stateful resources need `aliases`. Physical names are derived here so they respect each service's limits.
 */

/** `loom-prod-web` style prefix, lower-case and dash-separated. */
export function prefix(project: string, environment: string): string {
  return `${project}-${environment}`;
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
  const hash = fnv1a(clean).toString(36).slice(0, 6);
  return `${clean.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
