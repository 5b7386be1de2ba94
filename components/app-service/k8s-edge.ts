/**
 * The HTTPS edge of AppService on Kubernetes: the web Service, the Let's Encrypt ClusterIssuer (unless the target
 * names one), the certificate, and the Ingresses (ingress-nginx): TLS, HSTS, the client allow-list, the per-IP rate
 * limit and, with `waf`, ModSecurity with the OWASP Core Rule Set. The metrics path is not served through it.
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { Ingress } from "@pulumi/kubernetes/networking/v1/ingress";
import type { AppScope } from "./k8s-scope";
import { ingressAnnotations, LETS_ENCRYPT } from "./pod-spec";

/** Only the app's own scrape path is kept off the public Ingress (answered 403 by ingress-nginx). */
export const METRICS_DENY_ANNOTATION = { "nginx.ingress.kubernetes.io/whitelist-source-range": "127.0.0.1/32" };

export function webService(s: AppScope): Service {
  return new Service(
    `${s.name}-web`,
    {
      metadata: { name: s.tierName("web"), namespace: s.ns, labels: { ...s.labels, ...s.selector("web") } },
      spec: {
        type: "ClusterIP",
        selector: s.selector("web"),
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    },
    s.opts(),
  );
}

/** The ClusterIssuer's name: the target's, or one per stack (cluster-scoped, so named after the namespace). */
function clusterIssuer(s: AppScope): string {
  const { target } = s;
  if (target.clusterIssuer !== undefined) return target.clusterIssuer;
  const issuer = `${s.nsName}-letsencrypt-${target.acmeServer}`;
  const solver =
    target.acmeSolver === "dns01-cloudflare"
      ? { dns01: { cloudflare: { apiTokenSecretRef: { name: target.acmeDnsSecret, key: "api-token" } } } }
      : { http01: { ingress: { ingressClassName: target.ingressClass } } };
  new CustomResource(
    `${s.name}-cluster-issuer`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: { name: issuer, labels: s.labels },
      spec: {
        acme: {
          server: LETS_ENCRYPT[target.acmeServer],
          ...(target.acmeEmail ? { email: target.acmeEmail } : {}),
          privateKeySecretRef: { name: `${issuer}-account` },
          solvers: [solver],
        },
      },
    },
    s.opts(),
  );
  return issuer;
}

/** Certificate and Ingresses in front of `service`; returns the public Ingress (its status has the address). */
export function ingresses(s: AppScope, service: Service): Ingress {
  const { args, target } = s;
  const tlsSecret = `${s.tierName("web")}-tls`;
  const certificate = new CustomResource(
    `${s.name}-web-tls`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: tlsSecret, namespace: s.ns, labels: s.labels },
      spec: {
        secretName: tlsSecret,
        dnsNames: [args.domain],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: clusterIssuer(s) },
      },
    },
    s.opts(),
  );
  const spec = (path: string, pathType: "Prefix" | "Exact") => ({
    ingressClassName: target.ingressClass,
    tls: [{ hosts: [args.domain], secretName: tlsSecret }],
    rules: [
      {
        host: args.domain,
        http: {
          paths: [{ path, pathType, backend: { service: { name: service.metadata.name, port: { name: "http" } } } }],
        },
      },
    ],
  });
  const annotations = ingressAnnotations(args.ingressCidrs, { waf: args.waf, rateLimitPer5Min: args.rateLimitPer5Min });
  const web = new Ingress(
    `${s.name}-web`,
    {
      metadata: { name: s.tierName("web"), namespace: s.ns, labels: s.labels, annotations },
      spec: spec("/", "Prefix"),
    },
    s.opts(false, { dependsOn: [certificate] }),
  );
  new Ingress(
    `${s.name}-web-metrics-deny`,
    {
      metadata: {
        name: `${s.tierName("web")}-metrics-deny`,
        namespace: s.ns,
        labels: s.labels,
        annotations: { ...annotations, ...METRICS_DENY_ANNOTATION },
      },
      spec: spec(args.app.metricsPath, "Exact"),
    },
    s.opts(false, { dependsOn: [certificate] }),
  );
  return web;
}
