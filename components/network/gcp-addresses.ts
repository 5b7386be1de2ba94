/**
 * Pure address plan of the GCP network (no Pulumi, no SDK; tested in tests/components/network.gcp.spec.ts).
 *
 * A GCP VPC has no range of its own: `loom:network.cidr` is the plan subnets and reserved ranges are carved from,
 * laid out like the AWS plan (components/network/subnets.ts) so one value means the same on both clouds. For a
 * range of prefix length P (/16 to /20):
 *
 * | part of the range | holds | size | /16 example (10.40.0.0/16) | /20 |
 * |---|---|---|---|---|
 * | eighth 0 | the regional app subnet (Cloud Run Direct VPC egress: web, worker, migrate, backup job) | P+3 | 10.40.0.0/19 | /23 |
 * | quarter 2 (eighths 4–5) | the private services access range (Cloud SQL, Memorystore) | P+2 | 10.40.128.0/18 | /22 |
 *
 * Subnets are regional, so there is one app subnet whatever `zones` says. Direct VPC egress takes addresses per
 * instance (Google asks for at least a /26 and advises more for scaling), so the app subnet gets the same eighth as
 * AWS's first app subnet. Private services access ranges must be /24 or larger; Cloud SQL takes a /24 per region and
 * Memorystore a /29 per instance, so even a /20 plan leaves a /22 with room for replicas. Eighths 1–3 and 6–7 stay
 * free for later subnets; the positions never move, so adding one never replaces these.
 */
import { formatCidr, parseCidr } from "../lib/cidr";
import { cidrSubnet, MAX_VPC_PREFIX, MIN_VPC_PREFIX } from "./subnets";

export interface GcpAddressPlan {
  /** The app subnet's primary range. */
  app: string;
  /** The private services access range as a CIDR (firewall destinations). */
  privateServices: string;
  /** The same range as the `GlobalAddress` takes it: first address and prefix length. */
  privateServicesAddress: string;
  privateServicesPrefixLength: number;
}

export function planGcpAddresses(cidr: string): GcpAddressPlan {
  const { prefix } = parseCidr(cidr);
  if (prefix < MIN_VPC_PREFIX || prefix > MAX_VPC_PREFIX) {
    throw new Error(`"${cidr}" must be a /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX} network, got /${prefix}`);
  }
  const privateServices = cidrSubnet(cidr, 2, 2);
  const psa = parseCidr(privateServices);
  return {
    app: cidrSubnet(cidr, 3, 0),
    privateServices,
    privateServicesAddress: formatCidr(psa).split("/")[0] as string,
    privateServicesPrefixLength: psa.prefix,
  };
}
