/**
 * The one IPv4 CIDR parser of the program (pure: no Pulumi, no SDK).
 *
 * settings (loom:network.cidr, loom:ingressCidrs, loom:kubernetes.clusterCidrs) validate with `cidrProblem`;
 * the subnet planner carves with `parseCidr`/`formatCidr`.
 * NOTE for components/network/subnets.ts: it still has its own `parseCidr`; switch it to this module (same
 * semantics: throws with the reason) and import `MIN_NETWORK_PREFIX`/`MAX_NETWORK_PREFIX` from here.
 */

/** The network prefix lengths the address plan supports: /16 (65,536 addresses) to /20 (4,096). */
export const MIN_NETWORK_PREFIX = 16;
export const MAX_NETWORK_PREFIX = 20;

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

const SHAPE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parse `a.b.c.d/p`, or the reason it is not a network address. */
function parse(cidr: string): Ipv4Cidr | string {
  const m = SHAPE.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = Number(m?.[5]);
  if (!m || octets.some((o) => o > 255) || prefix > 32) return "must be an IPv4 CIDR such as 203.0.113.0/24";
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) return "has host bits set; use the network address";
  return { base, prefix };
}

/** Why `cidr` is not an IPv4 network address (e.g. "has host bits set; …"), or undefined when it is one. */
export function cidrProblem(cidr: string): string | undefined {
  const r = parse(cidr);
  return typeof r === "string" ? r : undefined;
}

/** Parse `a.b.c.d/p`; throws `"<cidr>" <reason>` when it is not a network address. */
export function parseCidr(cidr: string): Ipv4Cidr {
  const r = parse(cidr);
  if (typeof r === "string") throw new Error(`"${cidr}" ${r}`);
  return r;
}

export function formatCidr({ base, prefix }: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** Why `cidr` cannot hold the network's address plan (not /16 to /20), or undefined. Assumes a valid CIDR. */
export function networkSizeProblem(cidr: string): string | undefined {
  const prefix = Number(cidr.split("/")[1]);
  return prefix < MIN_NETWORK_PREFIX || prefix > MAX_NETWORK_PREFIX
    ? `must be a /${MIN_NETWORK_PREFIX} to /${MAX_NETWORK_PREFIX} network (the subnet plan needs 4,096 to 65,536 addresses)`
    : undefined;
}
