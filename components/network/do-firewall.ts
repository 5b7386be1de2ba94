/**
 * DigitalOcean Cloud Firewall rules per droplet group, as plain data (pure: tested without mocks). One firewall per
 * group, selected by the group's tag, so autoscale pool members are covered the moment they boot.
 *
 * - DigitalOcean drops everything a firewall does not allow, outbound included (no outbound rule means no egress at
 *   all), and one droplet's firewalls add up. So every group gets the same outbound set: HTTPS and HTTP anywhere
 *   (registries, LLM APIs, Spaces, apt mirrors), DNS (udp and tcp 53), NTP, the managed PostgreSQL/pool/Valkey
 *   ports and the jobs droplet's telemetry ports inside the VPC only.
 * - Inbound: SSH from the VPC range and the target's admin CIDRs, never the internet. The web group admits the edge
 *   port from the VPC range (the load balancer reaches its droplets over the VPC); where the web droplet terminates
 *   TLS itself (no load balancer: dev), 80 and 443 come from the ingress CIDRs instead. The jobs group receives OTLP
 *   from the app droplets, logs from every droplet, and the scrape of the app's metrics from the monitor droplet.
 *   worker, backup and monitor accept SSH only.
 * - A firewall holds at most 50 rules and 5 tags (checked here, not left to the API).
 */
import { DO_PORTS } from "../lib/digitalocean";

/** The droplet groups that get a firewall (each selected by its tag). */
export const DO_FIREWALL_GROUPS = ["web", "worker", "jobs", "backup", "monitor"] as const;
export type DoFirewallGroup = (typeof DO_FIREWALL_GROUPS)[number];

/** DigitalOcean's limits per firewall. */
export const MAX_FIREWALL_RULES = 50;
export const MAX_FIREWALL_TAGS = 5;

export const ANYWHERE = ["0.0.0.0/0", "::/0"];

export interface InboundRule {
  protocol: "tcp" | "udp";
  portRange: string;
  sourceAddresses?: string[];
  sourceTags?: string[];
}

export interface OutboundRule {
  protocol: "tcp" | "udp";
  portRange: string;
  destinationAddresses: string[];
}

export interface FirewallPlan {
  group: DoFirewallGroup;
  inboundRules: InboundRule[];
  outboundRules: OutboundRule[];
}

export interface FirewallInputs {
  vpcCidr: string;
  adminCidrs: string[];
  ingressCidrs: string[];
  /** The web droplet terminates TLS itself (no load balancer): 80/443 from ingressCidrs instead of the VPC. */
  edgeOnDroplets: boolean;
  /** Group tags (network/digitalocean.ts DigitalOceanGroupTags). */
  tags: { app: string; backup: string; monitor: string };
}

const tcp = (port: number | string, from: Omit<InboundRule, "protocol" | "portRange">): InboundRule => ({
  protocol: "tcp",
  portRange: String(port),
  ...from,
});

/** The outbound rules every group shares; the monitor droplet also submits mail (Alertmanager → the SMTP relay). */
export function outboundRules(vpcCidr: string, group?: DoFirewallGroup): OutboundRule[] {
  const out = (protocol: "tcp" | "udp", portRange: string, to: string[]): OutboundRule => ({
    protocol,
    portRange,
    destinationAddresses: to,
  });
  const vpc = [vpcCidr];
  return [
    out("tcp", "443", ANYWHERE),
    out("tcp", "80", ANYWHERE),
    out("udp", "53", ANYWHERE),
    out("tcp", "53", ANYWHERE),
    out("udp", "123", ANYWHERE),
    out("tcp", `${DO_PORTS.postgres}-${DO_PORTS.pool}`, vpc),
    out("tcp", `${DO_PORTS.otlpGrpc}-${DO_PORTS.otlpHttp}`, vpc),
    out("tcp", String(DO_PORTS.logs), vpc),
    out("tcp", String(DO_PORTS.metrics), vpc),
    ...(group === "monitor" ? [out("tcp", String(DO_PORTS.smtp), ANYWHERE)] : []),
  ];
}

/** The inbound rules of one group, SSH first. */
export function inboundRules(group: DoFirewallGroup, i: FirewallInputs): InboundRule[] {
  const vpc = [i.vpcCidr];
  const ssh = tcp(DO_PORTS.ssh, { sourceAddresses: [...vpc, ...i.adminCidrs.filter((c) => c !== i.vpcCidr)] });
  switch (group) {
    case "web":
      return i.edgeOnDroplets
        ? [
            ssh,
            tcp(DO_PORTS.edge, { sourceAddresses: [...i.ingressCidrs] }),
            tcp(DO_PORTS.edgeTls, { sourceAddresses: [...i.ingressCidrs] }),
          ]
        : [ssh, tcp(DO_PORTS.edge, { sourceAddresses: vpc })];
    case "jobs":
      return [
        ssh,
        tcp(`${DO_PORTS.otlpGrpc}-${DO_PORTS.otlpHttp}`, { sourceTags: [i.tags.app] }),
        tcp(DO_PORTS.logs, { sourceTags: [i.tags.app, i.tags.backup, i.tags.monitor] }),
        tcp(DO_PORTS.metrics, { sourceTags: [i.tags.monitor] }),
      ];
    default:
      return [ssh];
  }
}

/** Every group's firewall; refuses what DigitalOcean would (more than 50 rules) and an SSH rule open to the internet. */
export function firewallPlans(i: FirewallInputs): FirewallPlan[] {
  const open = i.adminCidrs.filter((c) => ANYWHERE.includes(c));
  if (open.length > 0) throw new Error(`adminCidrs must not open SSH to the internet (${open.join(", ")})`);
  return DO_FIREWALL_GROUPS.map((group) => {
    const plan = { group, inboundRules: inboundRules(group, i), outboundRules: outboundRules(i.vpcCidr, group) };
    const count = plan.inboundRules.length + plan.outboundRules.length;
    if (count > MAX_FIREWALL_RULES) {
      throw new Error(`the ${group} firewall would hold ${count} rules; DigitalOcean allows ${MAX_FIREWALL_RULES}`);
    }
    return plan;
  });
}
