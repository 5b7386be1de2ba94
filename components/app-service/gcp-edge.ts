/**
 * The GCP AppService edge [s+p]: a global external Application Load Balancer (EXTERNAL_MANAGED, the current
 * generation; never classic EXTERNAL) in front of the web Cloud Run service only.
 *
 * - A reserved global IPv4 address (protected in prod: DNS points at it, and a released address is gone for good).
 * - 443: forwarding rule → HTTPS proxy (Google-managed certificate for the domain, SSL policy TLS 1.2+ RESTRICTED,
 *   no 0-RTT) → URL map → backend service (access logs, HSTS, Cloud Armor) → serverless NEG → the web service.
 * - 80: its own URL map that only redirects to HTTPS (301), so plain HTTP never reaches the app.
 * - Cloud Armor (gcp-armor.ts): metrics path denied, preconfigured WAF rules enforced when `waf`, per-IP throttle
 *   that is also the ingress allow-list, default deny when the allow-list is narrower than 0.0.0.0/0.
 * - The domain's A record in the target's Cloud DNS zone when it has one; the managed certificate only becomes
 *   ACTIVE once the domain resolves to the address (else the operator points DNS at `edgeHostname`, docs/gcp.md).
 *
 * No health check: serverless NEGs take none (Cloud Run's own probes decide readiness), and no backend `timeoutSec`
 * (serverless backends refuse it; Cloud Run's request timeout applies).
 */

import { BackendService } from "@pulumi/gcp/compute/backendService";
import { GlobalAddress } from "@pulumi/gcp/compute/globalAddress";
import { GlobalForwardingRule } from "@pulumi/gcp/compute/globalForwardingRule";
import { ManagedSslCertificate } from "@pulumi/gcp/compute/managedSslCertificate";
import { RegionNetworkEndpointGroup } from "@pulumi/gcp/compute/regionNetworkEndpointGroup";
import { SecurityPolicy } from "@pulumi/gcp/compute/securityPolicy";
import { SSLPolicy } from "@pulumi/gcp/compute/sslpolicy";
import { TargetHttpProxy } from "@pulumi/gcp/compute/targetHttpProxy";
import { TargetHttpsProxy } from "@pulumi/gcp/compute/targetHttpsProxy";
import { URLMap } from "@pulumi/gcp/compute/urlmap";
import { RecordSet } from "@pulumi/gcp/dns/recordSet";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import type { GcpScope } from "../lib/gcp";
import * as naming from "../naming";
import { armorRules } from "./gcp-armor";

export interface GcpEdgeArgs {
  /** The web Cloud Run service's name (the serverless NEG's `cloudRun.service`). */
  webServiceName: pulumi.Output<string>;
  /** loom:domain: the managed certificate's domain and the DNS record's name. */
  domain: string;
  /** Enforce Cloud Armor's preconfigured WAF rules (sqli, xss, …). */
  waf: boolean;
  /** Requests per 5 minutes per client IP before Cloud Armor throttles. */
  rateLimitPer5Min: number;
  /** Client ranges allowed; narrower than 0.0.0.0/0 = allow rules plus a default deny. */
  ingressCidrs: string[];
  /** The app's metrics path, never published at the edge. */
  metricsPath: string;
}

export interface GcpEdge {
  /** https://<domain> */
  url: pulumi.Output<string>;
  /** The load balancer's reserved IPv4 address (point the domain's A record here). */
  edgeHostname: pulumi.Output<string>;
  /** The HTTPS URL map's name (`url_map_name` label of loadbalancing.googleapis.com metrics). */
  urlMap: pulumi.Output<string>;
}

/** One scheme for every rule and backend: the global external Application Load Balancer. */
export const LB_SCHEME = "EXTERNAL_MANAGED";
export const GCP_HSTS_HEADER = "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload";
export const GCP_TLS = { minTlsVersion: "TLS_1_2", profile: "RESTRICTED" } as const;

/** A host name a Google-managed certificate can cover: lower-case labels, at least one dot, no wildcard. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function gcpEdge(scope: GcpScope, args: GcpEdgeArgs): GcpEdge {
  if (!DOMAIN.test(args.domain)) {
    invalid(
      "domain",
      `must be a lower-case host name without wildcard (a Google-managed certificate's domain), got ${args.domain}`,
    );
  }
  const rules = armorRules(args);
  const address = new GlobalAddress(
    `${scope.name}-edge`,
    {
      name: naming.fit(`${scope.prefix}-edge`, 63),
      project: scope.project,
      addressType: "EXTERNAL",
      ipVersion: "IPV4",
      labels: scope.labels,
    },
    scope.opts(true),
  );
  const backend = webBackend(scope, args, securityPolicy(scope, rules));
  const urlMap = httpsChain(scope, args, address, backend);
  redirectChain(scope, address);
  if (scope.platform.target.dnsZone) {
    new RecordSet(
      `${scope.name}-edge`,
      {
        managedZone: scope.platform.target.dnsZone,
        project: scope.project,
        name: `${args.domain}.`,
        type: "A",
        ttl: 300,
        rrdatas: [address.address],
      },
      scope.opts(),
    );
  }
  return { url: pulumi.output(`https://${args.domain}`), edgeHostname: address.address, urlMap: urlMap.name };
}

function securityPolicy(scope: GcpScope, rules: ReturnType<typeof armorRules>): SecurityPolicy {
  return new SecurityPolicy(
    `${scope.name}-armor`,
    {
      name: naming.fit(`${scope.prefix}-web-armor`, 63),
      project: scope.project,
      description: "loom web edge: metrics denied, WAF, per-IP rate limit, ingress allow-list",
      type: "CLOUD_ARMOR",
      rules,
      // JSON bodies are parsed so the WAF rules inspect API payloads, not only query strings and headers.
      advancedOptionsConfig: { jsonParsing: "STANDARD", logLevel: "NORMAL" },
      adaptiveProtectionConfig: { layer7DdosDefenseConfig: { enable: true } },
      labels: scope.labels,
    },
    scope.opts(),
  );
}

function webBackend(scope: GcpScope, args: GcpEdgeArgs, policy: SecurityPolicy): BackendService {
  const neg = new RegionNetworkEndpointGroup(
    `${scope.name}-web-neg`,
    {
      name: naming.fit(`${scope.prefix}-web`, 63),
      project: scope.project,
      region: scope.region,
      networkEndpointType: "SERVERLESS",
      cloudRun: { service: args.webServiceName },
    },
    scope.opts(),
  );
  return new BackendService(
    `${scope.name}-web`,
    {
      name: naming.fit(`${scope.prefix}-web`, 63),
      project: scope.project,
      loadBalancingScheme: LB_SCHEME,
      protocol: "HTTPS",
      backends: [{ group: neg.id }],
      securityPolicy: policy.selfLink,
      customResponseHeaders: [GCP_HSTS_HEADER],
      logConfig: { enable: true, sampleRate: 1 },
    },
    scope.opts(),
  );
}

/** 443: address → forwarding rule → HTTPS proxy (managed certificate, SSL policy) → URL map → web backend. */
function httpsChain(scope: GcpScope, args: GcpEdgeArgs, address: GlobalAddress, backend: BackendService): URLMap {
  const { name, prefix, project } = scope;
  const urlMap = new URLMap(
    `${name}-web`,
    { name: naming.fit(`${prefix}-web`, 63), project, defaultService: backend.selfLink },
    scope.opts(),
  );
  // The domain is in the name: a new domain creates the new certificate before the proxy lets go of the old one.
  const certificate = new ManagedSslCertificate(
    `${name}-web`,
    {
      name: naming.fit(`${prefix}-web-${naming.stableHash(args.domain)}`, 63),
      project,
      type: "MANAGED",
      managed: { domains: [args.domain] },
    },
    scope.opts(),
  );
  const sslPolicy = new SSLPolicy(
    `${name}-web-tls`,
    { name: naming.fit(`${prefix}-web-tls`, 63), project, ...GCP_TLS },
    scope.opts(),
  );
  const proxy = new TargetHttpsProxy(
    `${name}-web-https`,
    {
      name: naming.fit(`${prefix}-web-https`, 63),
      project,
      urlMap: urlMap.selfLink,
      sslCertificates: [certificate.selfLink],
      sslPolicy: sslPolicy.selfLink,
      tlsEarlyData: "DISABLED",
    },
    scope.opts(),
  );
  forwardingRule(scope, "https", address, proxy.selfLink, "443");
  return urlMap;
}

/** 80: its own URL map that only answers 301 to the same URL over HTTPS. */
function redirectChain(scope: GcpScope, address: GlobalAddress): void {
  const { name, prefix, project } = scope;
  const redirect = new URLMap(
    `${name}-web-redirect`,
    {
      name: naming.fit(`${prefix}-web-redirect`, 63),
      project,
      defaultUrlRedirect: { httpsRedirect: true, redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT", stripQuery: false },
    },
    scope.opts(),
  );
  const proxy = new TargetHttpProxy(
    `${name}-web-http`,
    { name: naming.fit(`${prefix}-web-http`, 63), project, urlMap: redirect.selfLink },
    scope.opts(),
  );
  forwardingRule(scope, "http", address, proxy.selfLink, "80");
}

function forwardingRule(
  scope: GcpScope,
  kind: "https" | "http",
  address: GlobalAddress,
  target: pulumi.Output<string>,
  port: string,
): GlobalForwardingRule {
  return new GlobalForwardingRule(
    `${scope.name}-web-${kind}`,
    {
      name: naming.fit(`${scope.prefix}-web-${kind}`, 63),
      project: scope.project,
      loadBalancingScheme: LB_SCHEME,
      ipProtocol: "TCP",
      ipAddress: address.address,
      portRange: port,
      target,
      labels: scope.labels,
    },
    scope.opts(),
  );
}
