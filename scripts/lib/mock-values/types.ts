/**
 * The shape of one cloud's table of mock values (scripts/lib/mock-values/<cloud>.ts). The mock engine picks the
 * table by the type token's provider prefix; a new cloud adds one file and one line in index.ts.
 */
import { createHash } from "node:crypto";

export interface MockResource {
  type: string;
  /** The logical (Pulumi) name. */
  name: string;
  /** The inputs with secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** The stack's full config map ("gcp:project" → value), for the provider keys a real provider would read. */
  config: Record<string, string>;
}

export interface CloudMocks {
  /**
   * Fill in the computed attributes of one resource. `state` starts as a copy of the inputs; change it in place.
   * Return the provider id, or undefined for the engine's default (`<name>-id`).
   */
  computed(r: MockResource, state: Record<string, unknown>): string | undefined;
  /** Data-source (invoke) results by token. */
  invokes?: Record<
    string,
    (inputs: Record<string, unknown>, config: Record<string, string>) => Record<string, unknown>
  >;
}

/** `n` hex characters derived from `seed`: stable from run to run, so plans compare byte for byte. */
export function hex(seed: string, n: number): string {
  let out = "";
  for (let i = 0; out.length < n; i++) out += createHash("sha256").update(`${i}:${seed}`).digest("hex");
  return out.slice(0, n);
}

/** A stable, RFC 4122-shaped (version 4 layout) UUID derived from `seed`. */
export function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A stable decimal number of `digits` digits (no leading zero) derived from `seed`. */
export function digits(seed: string, n: number): string {
  const d = BigInt(`0x${hex(seed, 24)}`)
    .toString()
    .padStart(n, "0");
  return `${(Number(d[0]) % 9) + 1}${d.slice(1, n)}`;
}

/** The last segment of a type token: `aws:rds/instance:Instance` → `Instance`. */
export const short = (type: string) => type.split(":").pop() ?? type;

export const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
