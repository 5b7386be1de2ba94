/**
 * The DigitalOcean edge in front of web: the certificate, the load balancer (staging, prod) and the DNS record.
 * - Certificate: Let's Encrypt (`lets_encrypt`, the API's value) for the domain when the target names a DigitalOcean
 *   DNS domain holding it; else the uploaded certificate the target names (`certificateName`).
 * - LoadBalancer: in the VPC and the region, HTTPS 443 → the edge proxy's plain port (DO_PORTS.edge) with the
 *   certificate, HTTP 80 only to redirect, TLS cipher policy STRONG, PROXY protocol (the proxy's rate limit keys on
 *   the real client), health check on the proxy's port and the health path, targets by the web tag (pool members
 *   carry it), `firewall.allows` from ingressCidrs when narrower than everything.
 * - Without a load balancer (dev) the web droplet terminates TLS itself (do-edge-proxy.ts, ACME HTTP-01): the A
 *   record points at it and no Certificate resource exists.
 */
import { Certificate } from "@pulumi/digitalocean/certificate";
import { DnsRecord } from "@pulumi/digitalocean/dnsRecord";
import { LoadBalancer } from "@pulumi/digitalocean/loadBalancer";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { DO_PORTS, type DoScope } from "../lib/digitalocean";
import type { DigitalOceanNetworkPlacement } from "../network/digitalocean";

/** Seconds an idle client connection stays open at the load balancer (DigitalOcean's default is 60). */
export const LB_IDLE_TIMEOUT_S = 60;
export const DNS_TTL_S = 300;
/** Web droplets per load-balancer node (`sizeUnit`; the deprecated `size` slugs are not used). */
export const WEB_DROPLETS_PER_LB_NODE = 8;

export const lbSizeUnit = (webMaxReplicas: number) => Math.max(1, Math.ceil(webMaxReplicas / WEB_DROPLETS_PER_LB_NODE));
const EVERYWHERE = ["0.0.0.0/0", "::/0"];

/** The record name of `domain` inside the DNS domain (`@` for the apex). */
export function recordName(domain: string, dnsDomain: string): string {
  if (domain === dnsDomain) return "@";
  if (!domain.endsWith(`.${dnsDomain}`))
    invalid("domain", `${domain} is not in the DigitalOcean DNS domain ${dnsDomain}`);
  return domain.slice(0, -(dnsDomain.length + 1));
}

/** LB firewall allows (`cidr:<range>`), none when the ranges include everything. */
export function lbAllows(ingressCidrs: string[]): string[] {
  if (ingressCidrs.some((c) => EVERYWHERE.includes(c))) return [];
  return ingressCidrs.map((c) => `cidr:${c}`);
}

export interface EdgeInputs {
  scope: DoScope;
  placement: DigitalOceanNetworkPlacement;
  domain: string;
  healthPath: string;
  ingressCidrs: string[];
  /** The web tier's ceiling (the load balancer's node count follows it). */
  webMaxReplicas: number;
}

export interface DoEdge {
  loadBalancer: LoadBalancer;
  certificateName: pulumi.Output<string>;
  certificate?: Certificate;
}

/** The certificate's name: a Let's Encrypt one created here, or the target's uploaded one. */
function certificateOf(e: EdgeInputs): { name: pulumi.Output<string>; certificate?: Certificate } {
  const target = e.scope.platform.target;
  if (!target.dnsDomain) {
    if (!target.certificateName) invalid("platform.target", "needs dnsDomain (Let's Encrypt) or certificateName");
    return { name: pulumi.output(target.certificateName) };
  }
  recordName(e.domain, target.dnsDomain);
  const certificate = new Certificate(
    `${e.scope.name}-certificate`,
    { name: `${e.scope.prefix}-web`, type: "lets_encrypt", domains: [e.domain] },
    e.scope.opts(),
  );
  return { name: certificate.name, certificate };
}

export function loadBalancer(e: EdgeInputs): DoEdge {
  const { scope } = e;
  const cert = certificateOf(e);
  const allows = lbAllows(e.ingressCidrs);
  const lb = new LoadBalancer(
    `${scope.name}-lb`,
    {
      name: `${scope.prefix}-web`,
      region: scope.region,
      vpcUuid: e.placement.vpcId,
      sizeUnit: lbSizeUnit(e.webMaxReplicas),
      forwardingRules: [
        {
          entryProtocol: "https",
          entryPort: 443,
          targetProtocol: "http",
          targetPort: DO_PORTS.edge,
          certificateName: cert.name,
        },
        { entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: DO_PORTS.edge },
      ],
      redirectHttpToHttps: true,
      tlsCipherPolicy: "STRONG",
      enableProxyProtocol: true,
      healthcheck: {
        protocol: "http",
        port: DO_PORTS.edge,
        path: e.healthPath,
        checkIntervalSeconds: 10,
        responseTimeoutSeconds: 5,
        healthyThreshold: 3,
        unhealthyThreshold: 3,
      },
      dropletTag: e.placement.tags.web,
      httpIdleTimeoutSeconds: LB_IDLE_TIMEOUT_S,
      // The stack owns the domain's A record (dnsRecord); DigitalOcean's automatic one would duplicate it.
      disableLetsEncryptDnsRecords: true,
      ...(allows.length > 0 ? { firewall: { allows } } : {}),
    },
    scope.opts(),
  );
  return {
    loadBalancer: lb,
    certificateName: cert.name,
    ...(cert.certificate ? { certificate: cert.certificate } : {}),
  };
}

/** The domain's A record at `ip`, when the target's DNS domain is at DigitalOcean. */
export function dnsRecord(scope: DoScope, domain: string, ip: pulumi.Input<string>): DnsRecord | undefined {
  const dnsDomain = scope.platform.target.dnsDomain;
  if (!dnsDomain) return undefined;
  return new DnsRecord(
    `${scope.name}-dns`,
    { domain: dnsDomain, type: "A", name: recordName(domain, dnsDomain), value: ip, ttl: DNS_TTL_S },
    scope.opts(),
  );
}
