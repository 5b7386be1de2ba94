/**
 * Network on DigitalOcean: one VPC per stack, the droplet-group tags, and one Cloud Firewall per droplet group.
 *
 * - VPC: `ipRange` is the stack's explicit RFC 1918 range (`loom:network.cidr`, per-environment defaults because
 *   DigitalOcean refuses overlapping VPCs in one account), checked again here; the name uses `[A-Za-z0-9.-]` only.
 *   Every droplet, pool template, database cluster and load balancer joins it (placement.vpcId).
 * - Tags: each droplet group's tag is a `Tag` resource made before the VPC, so anything placed in the VPC (droplets,
 *   pools, the load balancer's `dropletTag`, database trusted sources, the firewalls) finds the tag existing: a
 *   firewall or trusted source naming a tag that does not exist yet fails to apply (poseidon/typhoon#709).
 * - Firewalls: do-firewall.ts (one per group by tag; SSH only from the VPC and admin CIDRs; egress allow-listed).
 * - Tiers: edge = the web tag (the load balancer's targets), app = the app tag (every droplet that talks to the
 *   database and cache), database / cache = the clusters' own tags, backup = the backup droplet's tag.
 * - Not here: VPC flow logs (DigitalOcean has none), NAT (droplets egress through their own interface under the
 *   outbound rules; the VPC NAT gateway is a preview), zones (DigitalOcean regions have none). VPCs cannot join a
 *   project (projects hold droplets, databases, load balancers, Spaces, domains, volumes, apps, clusters only).
 */
import { Firewall } from "@pulumi/digitalocean/firewall";
import { Tag } from "@pulumi/digitalocean/tag";
import { Vpc } from "@pulumi/digitalocean/vpc";
import type * as pulumi from "@pulumi/pulumi";
import { invalid, orInvalid } from "../lib/component";
import { type DoScope, doScope, groupTag } from "../lib/digitalocean";
import { vpcRangeProblem } from "../targets/digitalocean";
import type { NetworkOutputs, ResolvedNetworkArgs } from ".";
import { type FirewallPlan, firewallPlans } from "./do-firewall";

/** Droplet-group tags (lib/digitalocean.ts `groupTag`): firewalls, the load balancer and database rules select by them. */
export interface DigitalOceanGroupTags {
  /** Web droplets (the edge proxy runs there); the load balancer's `dropletTag`. */
  web: string;
  worker: string;
  /** The jobs droplet: migrations, the telemetry collector and the log aggregator. */
  jobs: string;
  /** The logical-backup droplet. */
  backup: string;
  /** The monitor droplet: Prometheus and Alertmanager for the signals DigitalOcean Monitoring cannot measure. */
  monitor: string;
  /** Carried by every droplet that talks to the database and cache (web, worker, jobs, backup). */
  app: string;
}

/** Where DigitalOcean components put their resources. */
export interface DigitalOceanNetworkPlacement {
  cloud: "digitalocean";
  region: string;
  /** The stack's VPC (uuid): every droplet, pool template, database cluster and load balancer joins it. */
  vpcId: pulumi.Output<string>;
  /** The VPC's range (the load balancer reaches the droplets from it). */
  vpcCidr: string;
  tags: DigitalOceanGroupTags;
}

/** The groups with a tag of their own, and the managed clusters' tier tags. */
const GROUPS = ["web", "worker", "jobs", "backup", "monitor", "app"] as const;
const CLUSTER_TIERS = ["database", "cache"] as const;

/** A VPC name: DigitalOcean accepts letters, digits, '.' and '-' only. */
export const vpcName = (prefix: string) => `${prefix.replace(/[^A-Za-z0-9.-]/g, "-")}-vpc`;

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedNetworkArgs): NetworkOutputs {
  const rangeProblem = vpcRangeProblem(args.cidr);
  if (rangeProblem) invalid("cidr", rangeProblem);
  const scope = doScope(parent, name, args, "network");
  const tags = Object.fromEntries(GROUPS.map((g) => [g, groupTag(scope, g)])) as unknown as DigitalOceanGroupTags;
  const tierTags = Object.fromEntries(CLUSTER_TIERS.map((t) => [t, groupTag(scope, t)]));
  const tagResources = new Map<string, Tag>();
  for (const [key, tagName] of [...Object.entries(tags), ...Object.entries(tierTags)]) {
    tagResources.set(key, new Tag(`${name}-tag-${key}`, { name: tagName }, scope.opts()));
  }
  const vpc = new Vpc(
    `${name}-vpc`,
    {
      name: vpcName(scope.prefix),
      region: scope.region,
      ipRange: args.cidr,
      description: `Loom ${args.context.environment} (stack ${args.context.stack}), managed by Pulumi`,
    },
    scope.opts(false, { dependsOn: [...tagResources.values()] }),
  );
  const plans = orInvalid("platform.adminCidrs", () =>
    firewallPlans({
      vpcCidr: args.cidr,
      adminCidrs: scope.platform.adminCidrs,
      ingressCidrs: args.ingressCidrs,
      edgeOnDroplets: args.edgeOnDroplets,
      tags,
    }),
  );
  for (const plan of plans) groupFirewall(scope, plan, tagResources);

  const tagOf = (key: string) => (tagResources.get(key) as Tag).name;
  return {
    networkId: vpc.id,
    cidr: vpc.ipRange,
    zones: [],
    placement: { cloud: "digitalocean", region: scope.region, vpcId: vpc.id, vpcCidr: args.cidr, tags },
    tiers: {
      edge: tagOf("web"),
      app: tagOf("app"),
      database: tagOf("database"),
      cache: tagOf("cache"),
      backup: tagOf("backup"),
    },
  };
}

/** One group's firewall, applied by its tag (a `Tag` resource, so the firewall waits for it). */
function groupFirewall(scope: DoScope, plan: FirewallPlan, tagResources: Map<string, Tag>): Firewall {
  const tag = tagResources.get(plan.group) as Tag;
  return new Firewall(
    `${scope.name}-fw-${plan.group}`,
    {
      name: `${scope.prefix}-${plan.group}`,
      tags: [tag.name],
      inboundRules: plan.inboundRules,
      outboundRules: plan.outboundRules,
    },
    // After every tag: the rules' sourceTags name the other groups' tags.
    scope.opts(false, { dependsOn: [...tagResources.values()] }),
  );
}
