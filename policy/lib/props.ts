/**
 * Small, allocation-free readers over resource inputs as the engine hands them to policies (plain JSON: secrets
 * already unwrapped, unknowns only during a real preview). Rules read through these so a missing or oddly typed
 * value never throws.
 */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `v` when it is an array, else an empty array (absent lists are empty lists). */
export function list<T = unknown>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/** `v` when it is an object, else an empty object. */
export function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A number, also from a numeric string ("3", "0.5"); undefined otherwise. */
export function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** true/false, also from the strings "true"/"false" (Terraform-bridged schemas sometimes use strings). */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** JSON-quote a value for a message. */
export function q(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** The last segment of a resource path or URL (`projects/p/global/urlMaps/web` → `web`). */
export function lastSegment(ref: string): string {
  const parts = ref.split("/").filter((p) => p !== "");
  return parts[parts.length - 1] ?? ref;
}

/** Parse a JSON string input (ECS containerDefinitions, IAM policies); undefined when it is not JSON. */
export function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Days in an ISO-8601 duration like P90D, P1Y, P3M, P2W (months as 30 days, years as 365); undefined if not one. */
export function isoDurationDays(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/i.exec(v.trim());
  if (!m || v.trim().toUpperCase() === "P") return undefined;
  const [y, mo, w, d] = m.slice(1).map((x) => Number(x ?? 0));
  return (y ?? 0) * 365 + (mo ?? 0) * 30 + (w ?? 0) * 7 + (d ?? 0);
}

/** Seconds in a protobuf duration string like "7776000s"; undefined if not one. */
export function protoDurationSeconds(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}
