/**
 * Nothing accepts traffic from the whole internet (0.0.0.0/0, ::/0) except the public web ports (80/443 by default)
 * a load balancer listens on. A security group or firewall resource does not show what it is attached to, so the
 * rule allows the web ports on any of them and flags everything else; keep those rules on the load balancer's group.
 */
import type { SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import type { SecurityGroupRuleArgs } from "@pulumi/aws/ec2/securityGroupRule";
import type { SecurityGroupIngressRuleArgs } from "@pulumi/aws/vpc/securityGroupIngressRule";
import type { ContainerGroupArgs } from "@pulumi/azure-native/containerinstance/containerGroup";
import type { NetworkSecurityGroupArgs } from "@pulumi/azure-native/network/networkSecurityGroup";
import type { SecurityRuleArgs } from "@pulumi/azure-native/network/securityRule";
import type { FirewallArgs as DoFirewallArgs } from "@pulumi/digitalocean/firewall";
import type { FirewallArgs as GcpFirewallArgs } from "@pulumi/gcp/compute/firewall";
import type { ServiceArgs as K8sServiceArgs } from "@pulumi/kubernetes/core/v1/service";
import { checks, rule } from "../../lib/rule";

interface Config {
  allowedPublicPorts: number[];
}
const on = checks<Config>();

const OPEN = new Set(["0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"]);
const isOpen = (cidr: string | undefined) => cidr !== undefined && OPEN.has(cidr.toLowerCase());

/** "80", "8000-9000", "*", "all", "" → [from, to]; undefined when unparsable. */
function portRange(spec: string | undefined): [number, number] | undefined {
  const s = (spec ?? "").trim().toLowerCase();
  if (s === "" || s === "*" || s === "all") return [0, 65535];
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(s);
  return m ? [Number(m[1]), Number(m[2] ?? m[1])] : undefined;
}

/** The ports of [from, to] that are not allowed to be public, as text; undefined when all are allowed. */
function forbidden(range: [number, number] | undefined, allowed: number[]): string | undefined {
  if (!range) return "unknown ports";
  const [from, to] = range;
  if (from === to && allowed.includes(from)) return undefined;
  if (from === 0 && to >= 65535) return "all ports";
  return from === to ? `port ${from}` : `ports ${from}-${to}`;
}

/** AWS: protocol -1/all means every port; ICMP has no ports (type/code) and is reported as such. */
function awsRange(protocol: string | undefined, from: number | undefined, to: number | undefined): [number, number] {
  const p = (protocol ?? "").toLowerCase();
  if (p === "-1" || p === "all") return [0, 65535];
  if (p === "icmp" || p === "icmpv6" || p === "1" || p === "58") return [-1, -1];
  return [from ?? 0, to ?? 65535];
}
const describe = (r: [number, number], allowed: number[]) => (r[0] === -1 ? "ICMP" : forbidden(r, allowed));

/** The three AWS ways to write an ingress rule share one check: open sources on a port outside the allowed ones. */
function checkAwsIngress(
  what: string,
  sources: (string | undefined)[],
  r: { protocol?: string; fromPort?: number; toPort?: number },
  ctx: { config: Config; report: (message: string) => void },
): void {
  const open = sources.filter(isOpen) as string[];
  if (open.length === 0) return;
  const bad = describe(awsRange(r.protocol, r.fromPort, r.toPort), ctx.config.allowedPublicPorts);
  if (bad) ctx.report(`${what} allows ${open.join(", ")} on ${bad} (protocol ${r.protocol}); restrict the source`);
}

export const noOpenIngress = rule<Config>({
  name: "no-open-ingress",
  concern: "network",
  description:
    "No inbound rule is open to the whole internet (0.0.0.0/0, ::/0, Internet, *) except on the public web ports (80/443) a load balancer serves.",
  severity: "high",
  enforcementLevel: "advisory",
  remediationSteps:
    "Open 80/443 only on the load balancer's security group/firewall; let everything behind it (tasks, droplets, nodes, databases) accept traffic only from the load balancer's group, tag or range. Use SSM Session Manager / IAP / Bastion instead of public SSH or RDP.",
  config: {
    allowedPublicPorts: {
      type: "array",
      items: { type: "integer", minimum: 1, maximum: 65535 },
      default: [80, 443],
      description: "Ports that may be open to the whole internet (a load balancer's listeners).",
    },
  },
  checks: [
    on<SecurityGroupArgs>("aws:ec2/securityGroup:SecurityGroup", (sg, ctx) => {
      for (const r of sg.ingress ?? []) {
        checkAwsIngress("security group ingress", [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])], r, ctx);
      }
    }),
    on<SecurityGroupRuleArgs>("aws:ec2/securityGroupRule:SecurityGroupRule", (r, ctx) => {
      if (r.type !== "ingress") return;
      checkAwsIngress("security group rule", [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])], r, ctx);
    }),
    on<SecurityGroupIngressRuleArgs>("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (r, ctx) => {
      checkAwsIngress("security group ingress rule", [r.cidrIpv4, r.cidrIpv6], { ...r, protocol: r.ipProtocol }, ctx);
    }),
    on<GcpFirewallArgs>("gcp:compute/firewall:Firewall", (fw, ctx) => {
      if ((fw.direction ?? "INGRESS") !== "INGRESS" || fw.disabled === true) return;
      const open = (fw.sourceRanges ?? []).filter(isOpen);
      if (open.length === 0) return;
      for (const a of fw.allows ?? []) {
        const ranges = (a.ports ?? []).length > 0 ? (a.ports ?? []).map(portRange) : [[0, 65535] as [number, number]];
        const p = a.protocol.toLowerCase();
        const bad =
          p === "icmp" ? ["ICMP"] : ranges.map((r) => forbidden(r, ctx.config.allowedPublicPorts)).filter(Boolean);
        const what = p === "icmp" ? "ICMP" : `${a.protocol} ${bad.join(", ")}`;
        if (bad.length > 0) ctx.report(`firewall allows ${open.join(", ")} on ${what}; restrict sourceRanges`);
      }
    }),
    on<NetworkSecurityGroupArgs>("azure-native:network:NetworkSecurityGroup", (nsg, ctx) => {
      for (const r of nsg.securityRules ?? []) checkAzureRule(r, `security rule "${r.name}"`, ctx.config, ctx.report);
    }),
    on<SecurityRuleArgs>("azure-native:network:SecurityRule", (r, ctx) =>
      checkAzureRule(r, `security rule "${r.name ?? r.securityRuleName ?? ctx.name}"`, ctx.config, ctx.report),
    ),
    // An ACI container group with a public IP is reachable from the whole internet on its ports (no NSG applies).
    on<ContainerGroupArgs>("azure-native:containerinstance:ContainerGroup", (g, ctx) => {
      if (String(g.ipAddress?.type ?? "").toLowerCase() !== "public") return;
      const bad = (g.ipAddress?.ports ?? [])
        .map((p) => forbidden([p.port, p.port], ctx.config.allowedPublicPorts))
        .filter(Boolean);
      if (bad.length > 0) {
        ctx.report(
          `container group has a public IP address open to the internet on ${bad.join(", ")}; use ipAddress type "Private" with subnetIds (or no ipAddress)`,
        );
      }
    }),
    on<DoFirewallArgs>("digitalocean:index/firewall:Firewall", (fw, ctx) => {
      for (const r of fw.inboundRules ?? []) {
        const open = (r.sourceAddresses ?? []).filter(isOpen);
        if (open.length === 0) continue;
        const bad = r.protocol === "icmp" ? "ICMP" : forbidden(portRange(r.portRange), ctx.config.allowedPublicPorts);
        const what = r.protocol === "icmp" ? "ICMP" : `${r.protocol} ${bad}`;
        if (bad) ctx.report(`firewall inbound rule allows ${open.join(", ")} on ${what}; restrict sourceAddresses`);
      }
      if ((fw.outboundRules ?? []).length === 0) {
        ctx.report(
          "firewall has no outboundRules, so DigitalOcean drops all egress of its droplets (apt, DNS, the database); allow at least tcp 443 and udp 53",
        );
      }
    }),
    on<K8sServiceArgs>("kubernetes:core/v1:Service", (svc, ctx) => {
      if (svc.spec?.type !== "LoadBalancer") return;
      const ranges = svc.spec.loadBalancerSourceRanges ?? [];
      if (ranges.length > 0 && !ranges.some(isOpen)) return;
      for (const p of svc.spec.ports ?? []) {
        if (!ctx.config.allowedPublicPorts.includes(p.port)) {
          ctx.report(
            `LoadBalancer Service exposes port ${p.port}${p.name ? ` ("${p.name}")` : ""} to the whole internet; set spec.loadBalancerSourceRanges or use a ClusterIP Service behind the Ingress`,
          );
        }
      }
    }),
  ],
});

type AzureRule = {
  direction: string;
  access: string;
  protocol: string;
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
};
function checkAzureRule(r: AzureRule, label: string, config: Config, report: (m: string) => void): void {
  if (r.direction.toLowerCase() !== "inbound" || r.access.toLowerCase() !== "allow") return;
  const open = [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].filter((s): s is string => isOpen(s));
  if (open.length === 0) return;
  const specs = [r.destinationPortRange, ...(r.destinationPortRanges ?? [])].filter(
    (s): s is string => s !== undefined,
  );
  const bad = (specs.length > 0 ? specs : ["*"])
    .map((s) => forbidden(portRange(s), config.allowedPublicPorts))
    .filter(Boolean);
  if (bad.length > 0)
    report(`${label} allows inbound from ${open.join(", ")} on ${bad.join(", ")}; restrict the source`);
}
