/**
 * Public HTTP endpoints serve HTTPS only, or answer plain HTTP with nothing but a redirect to HTTPS.
 */

import type { LoadBalancerArgs as ElbArgs } from "@pulumi/aws/elb/loadBalancer";
import type { ListenerArgs } from "@pulumi/aws/lb/listener";
import type { ContainerAppArgs } from "@pulumi/azure-native/app/containerApp";
import type { ApplicationGatewayArgs } from "@pulumi/azure-native/network/applicationGateway";
import type { WebAppArgs } from "@pulumi/azure-native/web/webApp";
import type { LoadBalancerArgs as DoLoadBalancerArgs } from "@pulumi/digitalocean/loadBalancer";
import type { IngressArgs } from "@pulumi/kubernetes/networking/v1/ingress";
import type { PolicyResource } from "@pulumi/policy";
import { isObj, lastSegment, obj, q, str } from "../../lib/props";
import { checks, isUnknownDuringPreview, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

const sameName = (a: unknown, b: unknown) =>
  typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
const refName = (sub: unknown) => (isObj(sub) && typeof sub.id === "string" ? lastSegment(sub.id) : undefined);

/** Does `host` fall under a TLS host entry (exact or `*.` wildcard of one label)? */
function tlsCovers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (tlsHost.startsWith("*.")) {
    const suffix = tlsHost.slice(1);
    return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
  }
  return false;
}

const GCP_HTTP_PROXIES = [
  "gcp:compute/targetHttpProxy:TargetHttpProxy",
  "gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy",
];
const GCP_URL_MAPS = ["gcp:compute/uRLMap:URLMap", "gcp:compute/regionUrlMap:RegionUrlMap"];

/** A GCP target HTTP proxy must serve a URL map whose default action is an HTTPS redirect. */
/** DigitalOcean forwarding-rule entry protocols that terminate (or pass through) TLS. */
const DO_TLS_ENTRY = ["https", "http2", "http3"];

function gcpHttpProxies(resources: PolicyResource[], report: (m: string, urn?: string) => void): void {
  const maps = resources.filter((r) => GCP_URL_MAPS.includes(r.type));
  for (const proxy of resources.filter((r) => GCP_HTTP_PROXIES.includes(r.type))) {
    try {
      // The engine gives property dependencies (real preview/up); otherwise match the reference by name or selfLink.
      const byDependency = (proxy.propertyDependencies?.urlMap ?? []).filter((d) => GCP_URL_MAPS.includes(d.type));
      const ref = str(proxy.props.urlMap);
      const byRef = ref
        ? maps.filter((m) => m.props.selfLink === ref || m.props.id === ref || m.props.name === lastSegment(ref))
        : [];
      const target = byDependency[0] ?? byRef[0];
      if (!target) continue; // the URL map is not in this stack: nothing to prove either way
      const redirect = obj(target.props.defaultUrlRedirect);
      if (redirect.httpsRedirect !== true) {
        report(
          `target HTTP proxy serves URL map "${target.name}", which does not redirect to HTTPS: set defaultUrlRedirect.httpsRedirect to true on the URL map used by the HTTP proxy (and serve the site from a target HTTPS proxy)`,
          proxy.urn,
        );
      }
    } catch (e) {
      if (!isUnknownDuringPreview(e)) throw e;
    }
  }
}

export const httpsOnlyEndpoints = rule({
  name: "https-only-endpoints",
  concern: "tls",
  description:
    "Public HTTP endpoints serve HTTPS only, or answer plain HTTP with nothing but a redirect to HTTPS (load balancer listeners, ingresses, Container Apps, App Service).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Terminate TLS on the endpoint and turn every plain-HTTP listener into a permanent redirect to HTTPS: AWS listener default action `redirect` with protocol HTTPS; GCP URL map `defaultUrlRedirect.httpsRedirect`; App Gateway redirect configuration to the HTTPS listener; DigitalOcean `redirectHttpToHttps`; Kubernetes Ingress `spec.tls` for every host; Container Apps `allowInsecure: false`; App Service `httpsOnly: true`.",
  checks: [
    on<ListenerArgs>(["aws:lb/listener:Listener", "aws:alb/listener:Listener"], (l, ctx) => {
      const protocol = (l.protocol ?? "HTTP").toUpperCase();
      if (protocol !== "HTTP") return;
      const actions = l.defaultActions ?? [];
      const plaintext = actions.filter(
        (a) => !(a.type === "redirect" && (a.redirect?.protocol ?? "").toUpperCase() === "HTTPS"),
      );
      if (actions.length === 0 || plaintext.length > 0) {
        const kinds = plaintext.map((a) => q(a.type)).join(", ") || "none";
        ctx.report(
          `HTTP listener on port ${l.port ?? 80} serves plaintext: default action ${kinds} is not a redirect to HTTPS; use a single "redirect" action with redirect.protocol "HTTPS" and statusCode "HTTP_301"`,
        );
      }
    }),
    on<ElbArgs>("aws:elb/loadBalancer:LoadBalancer", (elb, ctx) => {
      for (const l of elb.listeners ?? []) {
        if ((l.lbProtocol ?? "").toLowerCase() === "http") {
          ctx.report(
            `classic load balancer listener on port ${l.lbPort} uses lbProtocol "http" and cannot redirect; serve "https" with an ACM certificate or use an ALB with an HTTP→HTTPS redirect`,
          );
        }
      }
    }),
    on<ApplicationGatewayArgs>("azure-native:network:ApplicationGateway", (agw, ctx) => {
      const listeners = agw.httpListeners ?? [];
      const redirects = agw.redirectConfigurations ?? [];
      const pathMaps = agw.urlPathMaps ?? [];
      const redirectsToHttps = (sub: unknown): boolean => {
        const rc = redirects.find((r) => sameName(r.name, refName(sub)));
        if (!rc) return false;
        if (rc.targetUrl !== undefined) return rc.targetUrl.toLowerCase().startsWith("https://");
        const target = listeners.find((x) => sameName(x.name, refName(rc.targetListener)));
        return sameName(target?.protocol, "Https");
      };
      for (const listener of listeners) {
        if (!sameName(listener.protocol, "Http")) continue;
        for (const r of (agw.requestRoutingRules ?? []).filter((x) =>
          sameName(refName(x.httpListener), listener.name),
        )) {
          let ok: boolean;
          if (r.redirectConfiguration) ok = redirectsToHttps(r.redirectConfiguration);
          else if (r.urlPathMap) {
            const map = pathMaps.find((m) => sameName(m.name, refName(r.urlPathMap)));
            ok =
              map !== undefined &&
              redirectsToHttps(map.defaultRedirectConfiguration) &&
              (map.pathRules ?? []).every((p) => redirectsToHttps(p.redirectConfiguration));
          } else ok = false;
          if (!ok) {
            ctx.report(
              `HTTP listener "${listener.name}" is routed by rule "${r.name}" to a backend instead of a redirect to the HTTPS listener; give the rule a redirectConfiguration whose targetListener is an Https listener`,
            );
          }
        }
      }
    }),
    on<ContainerAppArgs>("azure-native:app:ContainerApp", (app, ctx) => {
      if (app.configuration?.ingress?.allowInsecure === true) {
        ctx.report(
          "Container App ingress has allowInsecure: true, so plain HTTP is served; set configuration.ingress.allowInsecure to false (HTTP is then redirected to HTTPS)",
        );
      }
    }),
    on<WebAppArgs>("azure-native:web:WebApp", (app, ctx) => {
      if (app.httpsOnly !== true) {
        ctx.report(
          `App Service httpsOnly is ${q(app.httpsOnly ?? null)}, so plain HTTP is served; set httpsOnly: true`,
        );
      }
    }),
    on<DoLoadBalancerArgs>("digitalocean:index/loadBalancer:LoadBalancer", (lb, ctx) => {
      const rules = lb.forwardingRules ?? [];
      for (const r of rules) {
        const protocol = r.entryProtocol.toLowerCase();
        if (protocol === "http" && lb.redirectHttpToHttps !== true) {
          ctx.report(
            `forwarding rule http:${r.entryPort} → ${r.targetProtocol}:${r.targetPort} serves plaintext while redirectHttpToHttps is not true; set redirectHttpToHttps: true (and keep an https forwarding rule with a certificate)`,
          );
        }
        if (DO_TLS_ENTRY.includes(protocol) && !r.certificateName && !r.certificateId && r.tlsPassthrough !== true) {
          ctx.report(
            `forwarding rule ${protocol}:${r.entryPort} has no certificateName and no tlsPassthrough, so it cannot terminate TLS; set certificateName (a lets_encrypt or custom Certificate) or tlsPassthrough: true`,
          );
        }
      }
      if (
        rules.some((r) => r.entryProtocol.toLowerCase() === "http") &&
        !rules.some((r) => DO_TLS_ENTRY.includes(r.entryProtocol.toLowerCase()))
      ) {
        ctx.report(
          "load balancer has http forwarding rules but no https/http2/http3 rule, so the redirect leads nowhere; add an https forwarding rule on 443 with certificateName",
        );
      }
    }),
    on<IngressArgs>(
      [
        "kubernetes:networking.k8s.io/v1:Ingress",
        "kubernetes:networking.k8s.io/v1beta1:Ingress",
        "kubernetes:extensions/v1beta1:Ingress",
      ],
      (ing, ctx) => {
        const tls = ing.spec?.tls ?? [];
        if (tls.length === 0) {
          ctx.report(
            "Ingress has no spec.tls, so every host is served over plain HTTP; add a spec.tls entry (cert-manager Certificate secret) for every host",
          );
        } else {
          const anyDefault = tls.some((t) => (t.hosts ?? []).length === 0);
          for (const r of ing.spec?.rules ?? []) {
            if (!r.host || anyDefault) continue;
            const host = r.host;
            if (!tls.some((t) => (t.hosts ?? []).some((h) => tlsCovers(h, host)))) {
              ctx.report(
                `Ingress host "${host}" is not listed in any spec.tls[].hosts entry, so it is served over plain HTTP`,
              );
            }
          }
        }
        const annotations = obj(ing.metadata?.annotations);
        if (annotations["nginx.ingress.kubernetes.io/ssl-redirect"] === "false") {
          ctx.report(
            'Ingress annotation nginx.ingress.kubernetes.io/ssl-redirect is "false", so plain HTTP is served instead of redirected',
          );
        }
      },
    ),
  ],
  stack: (resources, _config, report) => gcpHttpProxies(resources, report),
  stackTypes: [...GCP_HTTP_PROXIES, ...GCP_URL_MAPS],
});
