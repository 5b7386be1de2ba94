/**
 * VPC firewall rules on GCP, written between tiers: each tier's identity is a network tag (`<prefix>-<tier>`), and
 * Cloud Run Direct VPC egress puts the workload's tag on its traffic, so a rule names the tier it applies to.
 *
 * - Egress is deny-by-default: one `deny all` rule at the lowest priority a rule can have above the implied
 *   allow-all (65535), for every instance of the VPC (tagged or not); its denials are logged (firewall rules
 *   logging), the allowed connections are in the subnet's flow logs already.
 * - The app tier may reach the private services access range on PostgreSQL, the Cloud SQL managed pooler and
 *   Memorystore's TLS port, and HTTPS anywhere (LLM APIs; Google APIs through Private Google Access or Cloud NAT).
 * - The backup tier may reach PostgreSQL in that range and HTTPS (Cloud Storage, Secret Manager): nothing else.
 * - No INGRESS rule at all: the load balancer reaches Cloud Run through a serverless NEG, which is not VPC traffic
 *   and needs no health-check range, and Cloud SQL and Memorystore live in Google's peered producer network, whose
 *   ingress these rules do not govern. The implied deny-all ingress (priority 65535) stays the only ingress rule.
 *   The edge, database and cache tags therefore carry no rule; they are the tiers' names for other components.
 */
import { Firewall, type FirewallArgs } from "@pulumi/gcp/compute/firewall";
import type { Network } from "@pulumi/gcp/compute/network";
import type { GcpScope } from "../lib/gcp";
import { fit as fitName } from "../naming";

export const HTTPS = 443;
export const POSTGRES = 5432;
/** Memorystore for Redis with transitEncryptionMode SERVER_AUTHENTICATION serves TLS on 6378 only. */
export const REDIS_TLS = 6378;
export const ANYWHERE = "0.0.0.0/0";
/** Allow rules win over the deny-all, which sits just above the implied allow-all egress (65535). */
export const ALLOW_PRIORITY = 1000;
export const DENY_PRIORITY = 65534;

export type GcpTier = "edge" | "app" | "database" | "cache" | "backup";

/** The network tag of a tier: `loom-prod-app`. */
export const tierTag = (prefix: string, tier: GcpTier) => fitName(`${prefix}-${tier}`, 63);

/** One egress allow rule, as the Firewall takes it (without network and name). */
export interface EgressRule {
  /** Logical and physical name suffix. */
  id: string;
  description: string;
  tier: GcpTier;
  ports: number[];
  destinations: string[];
}

/** The allow rules between tiers (pure; the plan the Firewall resources are made from). */
export function egressRules(privateServicesRange: string): EgressRule[] {
  const psa = [privateServicesRange];
  return [
    {
      id: "app-to-data",
      description:
        "App tier to Cloud SQL (5432; no pooler, the logins are IAM) and Memorystore TLS (6378) in the private services range",
      tier: "app",
      ports: [POSTGRES, REDIS_TLS],
      destinations: psa,
    },
    {
      id: "app-to-https",
      description: "App tier to HTTPS: LLM APIs and Google APIs",
      tier: "app",
      ports: [HTTPS],
      destinations: [ANYWHERE],
    },
    {
      id: "backup-to-database",
      description: "Backup job to Cloud SQL (5432) in the private services range",
      tier: "backup",
      ports: [POSTGRES],
      destinations: psa,
    },
    {
      id: "backup-to-https",
      description: "Backup job to HTTPS: Cloud Storage and Secret Manager",
      tier: "backup",
      ports: [HTTPS],
      destinations: [ANYWHERE],
    },
  ];
}

export function firewallRules(s: GcpScope, network: Network, privateServicesRange: string): Firewall[] {
  const rule = (id: string, args: Omit<FirewallArgs, "network" | "name" | "project" | "direction">) =>
    new Firewall(
      `${s.name}-${id}`,
      {
        project: s.project,
        network: network.id,
        name: fitName(`${s.prefix}-${id}`, 63),
        direction: "EGRESS",
        ...args,
      },
      s.opts(),
    );
  const allows = egressRules(privateServicesRange).map((r) =>
    rule(r.id, {
      description: r.description,
      priority: ALLOW_PRIORITY,
      targetTags: [tierTag(s.prefix, r.tier)],
      allows: [{ protocol: "tcp", ports: r.ports.map(String) }],
      destinationRanges: r.destinations,
    }),
  );
  const denyAll = rule("egress-deny-all", {
    description: "Default deny: no egress except the tier rules above",
    priority: DENY_PRIORITY,
    denies: [{ protocol: "all" }],
    destinationRanges: [ANYWHERE],
    // Only the denials are logged: allowed connections are already in the subnet's flow logs.
    logConfig: { metadata: "INCLUDE_ALL_METADATA" },
  });
  return [...allows, denyAll];
}
