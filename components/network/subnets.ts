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
import { formatCidr, MAX_NETWORK_PREFIX, MIN_NETWORK_PREFIX, parseCidr } from "../lib/cidr";

/** The VPC prefix lengths the layout supports (the one definition is lib/cidr.ts, which settings reads too). */
export const MIN_VPC_PREFIX = MIN_NETWORK_PREFIX;
export const MAX_VPC_PREFIX = MAX_NETWORK_PREFIX;
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

export { parseCidr };

/** The `index`-th subnet of `newBits` more prefix bits inside `parent` (Terraform's `cidrsubnet`). */
export function cidrSubnet(parent: string, newBits: number, index: number): string {
  const p = parseCidr(parent);
  const prefix = p.prefix + newBits;
  if (prefix > 32) throw new Error(`cannot split ${parent} by ${newBits} more bits`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
    throw new Error(`${parent} has ${2 ** newBits} subnets of /${prefix}; index ${index} is out of range`);
  }
  return formatCidr({ base: p.base + index * 2 ** (32 - prefix), prefix });
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
 * The first `count` of the region's zone names (the Platform's list, from the target's per-region table), or an
 * error naming how many the region offers.
 */
export function pickZones(region: string, zones: readonly string[], count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > zones.length) {
    throw new Error(`${region} offers ${zones.length} zones (${zones.join(", ")}), asked for ${count}`);
  }
  return zones.slice(0, count);
}

/** A zone's letter as used in logical names: eu-west-1a → "a" (the part after the region). */
export function zoneSuffix(region: string, zone: string): string {
  return zone.startsWith(region) ? zone.slice(region.length) : zone;
}
