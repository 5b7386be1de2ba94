/**
 * Pure address-plan helpers for the AWS network: availability-zone names and the subnet CIDRs carved from the VPC
 * range. No Pulumi, no SDK: tested directly (tests/components/network.subnets.spec.ts).
 *
 * The layout, for a VPC range of prefix length P (settings allows /16 to /20):
 *
 * | eighth of the range | holds | subnet size | /16 example (10.40.0.0/16) | /20 example |
 * |---|---|---|---|---|
 * | 0–5 | app subnets, one per zone (Fargate tasks take one address each) | P+3 | 10.40.0.0/19, 10.40.32.0/19, … | /23 (512) |
 * | 6   | public subnets, one per zone (load balancer only) | P+6 | 10.40.192.0/22, 10.40.196.0/22, … | /26 (64) |
 * | 7   | data subnets, one per zone (database, cache) | P+6 | 10.40.224.0/22, 10.40.228.0/22, … | /26 (64) |
 *
 * Subnets of the same tier sit at the same index in every environment, so adding a zone never moves an existing
 * subnet (a moved CIDR would replace the subnet and everything in it). P+6 ≤ /26 keeps the load balancer's subnets
 * above the /27 an ALB requires.
 */

/** The VPC prefix lengths the layout supports (settings' `aws.vpcCidr` rule reads these). */
export const MIN_VPC_PREFIX = 16;
export const MAX_VPC_PREFIX = 20;
/** Six zones fill the six app eighths; no AWS region offers more to one account. */
export const MAX_ZONES = 6;

export interface SubnetPlan {
  /** Public subnets (load balancer), one per zone, in zone order. */
  public: string[];
  /** Private app subnets (tasks; egress through NAT), one per zone. */
  app: string[];
  /** Private data subnets (database, cache; no route out of the VPC), one per zone. */
  data: string[];
}

interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** Parse `a.b.c.d/p`; throws with the reason when it is not a network address. */
export function parseCidr(cidr: string): Ipv4Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`"${cidr}" is not an IPv4 CIDR such as 10.40.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${cidr}" is not an IPv4 CIDR such as 10.40.0.0/16`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) throw new Error(`"${cidr}" has host bits set; use the network address`);
  return { base, prefix };
}

function format({ base, prefix }: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** The `index`-th subnet of `newBits` more prefix bits inside `parent` (Terraform's `cidrsubnet`). */
export function cidrSubnet(parent: string, newBits: number, index: number): string {
  const p = parseCidr(parent);
  const prefix = p.prefix + newBits;
  if (prefix > 32) throw new Error(`cannot split ${parent} by ${newBits} more bits`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
    throw new Error(`${parent} has ${2 ** newBits} subnets of /${prefix}; index ${index} is out of range`);
  }
  return format({ base: p.base + index * 2 ** (32 - prefix), prefix });
}

/** Carve the public, app and data subnets for `zones` zones out of `vpcCidr` (layout in the file comment). */
export function planSubnets(vpcCidr: string, zones: number): SubnetPlan {
  const { prefix } = parseCidr(vpcCidr);
  if (prefix < MIN_VPC_PREFIX || prefix > MAX_VPC_PREFIX) {
    throw new Error(`"${vpcCidr}" must be a /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX} network, got /${prefix}`);
  }
  if (!Number.isInteger(zones) || zones < 1 || zones > MAX_ZONES) {
    throw new Error(`zones must be 1 to ${MAX_ZONES}, got ${zones}`);
  }
  const indexes = Array.from({ length: zones }, (_, i) => i);
  return {
    app: indexes.map((i) => cidrSubnet(vpcCidr, 3, i)),
    public: indexes.map((i) => cidrSubnet(vpcCidr, 6, 6 * 8 + i)),
    data: indexes.map((i) => cidrSubnet(vpcCidr, 6, 7 * 8 + i)),
  };
}

/**
 * Zone suffixes where a region's zones are not simply a, b, c… for every account. ap-northeast-1 has no `b` zone
 * for accounts created since 2012. (Where the letters differ per account, as in us-west-1, set the zone count so
 * only existing letters are used; the real zone list needs an API call this pure helper deliberately avoids.)
 */
const ZONE_LETTERS: Readonly<Record<string, string>> = {
  "ap-northeast-1": "acd",
};

/** The first `count` availability-zone names of `region`, e.g. eu-west-1 → eu-west-1a, eu-west-1b. */
export function zoneNames(region: string, count: number): string[] {
  const letters = ZONE_LETTERS[region] ?? "abcdef";
  if (!Number.isInteger(count) || count < 1 || count > letters.length) {
    throw new Error(`${region} offers at most ${letters.length} zones to this layout, asked for ${count}`);
  }
  return Array.from(letters.slice(0, count), (letter) => `${region}${letter}`);
}

/** The region of an availability-zone name (eu-west-1a → eu-west-1). */
export function regionOfZone(zone: string): string {
  const m = /^([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]$/.exec(zone);
  if (!m?.[1]) throw new Error(`"${zone}" is not an availability-zone name such as eu-west-1a`);
  return m[1];
}
