/**
 * TLS endpoints negotiate TLS 1.2 or newer (configurable to 1.3) with no legacy policy or cipher profile.
 */

import type { DomainNameArgs as ApiGatewayDomainNameArgs } from "@pulumi/aws/apigateway/domainName";
import type { DomainNameArgs as ApiGatewayV2DomainNameArgs } from "@pulumi/aws/apigatewayv2/domainName";
import type { DistributionArgs } from "@pulumi/aws/cloudfront/distribution";
import type { ListenerArgs } from "@pulumi/aws/lb/listener";
import type { DomainArgs as OpenSearchDomainArgs } from "@pulumi/aws/opensearch/domain";
import type { ConfigurationArgs as PgConfigurationArgs } from "@pulumi/azure-native/dbforpostgresql/configuration";
import type { ApplicationGatewayArgs } from "@pulumi/azure-native/network/applicationGateway";
import type { RedisArgs } from "@pulumi/azure-native/redis/redis";
import type { RedisEnterpriseArgs } from "@pulumi/azure-native/redisenterprise/redisEnterprise";
import type { StorageAccountArgs } from "@pulumi/azure-native/storage/storageAccount";
import type { WebAppArgs } from "@pulumi/azure-native/web/webApp";
import type { LoadBalancerArgs as DoLoadBalancerArgs } from "@pulumi/digitalocean/loadBalancer";
import type { SSLPolicyArgs } from "@pulumi/gcp/compute/sslpolicy";
import type { TargetHttpsProxyArgs } from "@pulumi/gcp/compute/targetHttpsProxy";
import type { IngressArgs } from "@pulumi/kubernetes/networking/v1/ingress";
import { CNPG_CLUSTER, type CnpgCluster } from "../../lib/crds";
import { obj, q, str } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  minTlsVersion: string;
  allowedElbSecurityPolicies: string[];
}

const on = checks<Config>();

/** "TLSv1.2", "TLS1_2", "TLS_1_2", "1.2", "tls1.2" → 1.2; "TLSv1" → 1.0; undefined when not a TLS version. */
export function tlsVersion(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(?:tls)?[\s_v]*1(?:[._](\d))?$/i.exec(v.trim());
  return m ? Number(`1.${m[1] ?? 0}`) : undefined;
}
const min = (c: Config) => Number(c.minTlsVersion);

export const minTlsVersion = rule<Config>({
  name: "min-tls-version",
  concern: "tls",
  description:
    "TLS endpoints accept TLS 1.2 or newer only (configurable to 1.3), with no legacy security policy or weak cipher profile.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Pin the endpoint\'s TLS policy: AWS `sslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06` (or another policy of the allow-list); GCP an `SSLPolicy` with minTlsVersion TLS_1_2 and profile MODERN or RESTRICTED attached to every HTTPS/SSL proxy; App Gateway `sslPolicy` AppGwSslPolicy20220101 or CustomV2 with TLSv1_2; Azure Storage `minimumTlsVersion: TLS1_2`, Redis `minimumTlsVersion: "1.2"`, PostgreSQL `ssl_min_protocol_version` TLSv1.2; DigitalOcean `tlsCipherPolicy: STRONG`.',
  config: {
    minTlsVersion: {
      type: "string",
      enum: ["1.2", "1.3"],
      default: "1.2",
      description: "Lowest TLS version an endpoint may accept.",
    },
    allowedElbSecurityPolicies: {
      type: "array",
      items: { type: "string" },
      default: [
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
      ],
      description:
        "AWS load balancer security policies that allow nothing older than TLS 1.2. With minTlsVersion 1.3 only the TLS13-1-3 ones among them pass.",
    },
  },
  checks: [
    on<ListenerArgs>(["aws:lb/listener:Listener", "aws:alb/listener:Listener"], (l, ctx) => {
      const protocol = (l.protocol ?? "").toUpperCase();
      if (protocol !== "HTTPS" && protocol !== "TLS") return;
      const policy = l.sslPolicy;
      if (!policy) {
        ctx.report(
          `${protocol} listener on port ${l.port ?? 443} has no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08 (TLS 1.0); set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06`,
        );
      } else if (
        !ctx.config.allowedElbSecurityPolicies.includes(policy) ||
        (min(ctx.config) >= 1.3 && !policy.includes("TLS13-1-3"))
      ) {
        ctx.report(
          `${protocol} listener on port ${l.port ?? 443} uses sslPolicy ${q(policy)}, which is not in the allow-list for TLS ${ctx.config.minTlsVersion}+; use ELBSecurityPolicy-TLS13-1-2-2021-06${min(ctx.config) >= 1.3 ? " → ELBSecurityPolicy-TLS13-1-3-2021-06" : ""}`,
        );
      }
    }),
    on<DistributionArgs>("aws:cloudfront/distribution:Distribution", (d, ctx) => {
      const cert = d.viewerCertificate;
      const version = cert?.minimumProtocolVersion;
      const m = /^TLSv(1(?:\.\d)?)(?:_\d{4})?$/.exec(version ?? "");
      const v = m ? Number(m[1] === "1" ? "1.0" : m[1]) : undefined;
      if (cert?.cloudfrontDefaultCertificate === true) {
        ctx.report(
          "CloudFront distribution uses the default *.cloudfront.net certificate, which accepts TLS 1.0; use an ACM certificate with minimumProtocolVersion TLSv1.2_2021",
        );
      } else if (v === undefined || v < min(ctx.config)) {
        ctx.report(
          `CloudFront viewerCertificate.minimumProtocolVersion is ${q(version ?? null)}; set TLSv1.2_2021 or newer`,
        );
      }
    }),
    on<ApiGatewayDomainNameArgs>("aws:apigateway/domainName:DomainName", (d, ctx) => {
      if ((d.securityPolicy ?? "").toUpperCase() === "TLS_1_0") {
        ctx.report('API Gateway domain securityPolicy is "TLS_1_0"; set securityPolicy to "TLS_1_2"');
      }
    }),
    on<ApiGatewayV2DomainNameArgs>("aws:apigatewayv2/domainName:DomainName", (d, ctx) => {
      if ((d.domainNameConfiguration?.securityPolicy ?? "").toUpperCase() === "TLS_1_0") {
        ctx.report('API Gateway domainNameConfiguration.securityPolicy is "TLS_1_0"; set securityPolicy to "TLS_1_2"');
      }
    }),
    on<OpenSearchDomainArgs>("aws:opensearch/domain:Domain", (d, ctx) => {
      const policy = d.domainEndpointOptions?.tlsSecurityPolicy;
      if (policy !== undefined && /TLS-1-0/.test(policy)) {
        ctx.report(
          `OpenSearch domainEndpointOptions.tlsSecurityPolicy is ${q(policy)}; set "Policy-Min-TLS-1-2-PFS-2023-10"`,
        );
      }
    }),
    on<SSLPolicyArgs>(["gcp:compute/sSLPolicy:SSLPolicy", "gcp:compute/regionSslPolicy:RegionSslPolicy"], (p, ctx) => {
      const v = tlsVersion(p.minTlsVersion ?? "TLS_1_0") ?? 1.0;
      if (v < min(ctx.config)) {
        ctx.report(
          `SSL policy minTlsVersion is ${q(p.minTlsVersion ?? "TLS_1_0 (default)")}; set "TLS_1_${min(ctx.config) >= 1.3 ? 3 : 2}"`,
        );
      }
      const profile = p.profile ?? "COMPATIBLE";
      if (profile === "COMPATIBLE") {
        ctx.report(
          `SSL policy profile is ${q(p.profile ?? "COMPATIBLE (default)")}, which allows legacy ciphers; set profile "MODERN" or "RESTRICTED"`,
        );
      }
    }),
    on<TargetHttpsProxyArgs>(
      [
        "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
        "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy",
        "gcp:compute/targetSSLProxy:TargetSSLProxy",
      ],
      (p, ctx) => {
        if (!p.sslPolicy) {
          ctx.report(
            "HTTPS/SSL proxy has no sslPolicy, so GCP's default policy applies (TLS 1.0, COMPATIBLE profile); attach an SSLPolicy with minTlsVersion TLS_1_2 and profile MODERN or RESTRICTED",
          );
        }
      },
    ),
    on<ApplicationGatewayArgs>("azure-native:network:ApplicationGateway", (agw, ctx) => {
      const p = agw.sslPolicy;
      const tls12Predefined = ["AppGwSslPolicy20170401S", "AppGwSslPolicy20220101", "AppGwSslPolicy20220101S"];
      if (!p) {
        ctx.report(
          'Application Gateway has no sslPolicy, so its TLS floor depends on the API version default; set sslPolicy { policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" }',
        );
        return;
      }
      let floor: number | undefined;
      if (p.policyType === "Predefined") floor = tls12Predefined.includes(p.policyName ?? "") ? 1.2 : 1.0;
      else if (p.policyType === "Custom" || p.policyType === "CustomV2")
        floor = tlsVersion(p.minProtocolVersion) ?? 1.0;
      else {
        const disabled = (p.disabledSslProtocols ?? []).map((x) => tlsVersion(x));
        floor = disabled.includes(1.0) && disabled.includes(1.1) ? 1.2 : 1.0;
      }
      // The 2017 predefined policies and Custom (v1) stop at TLS 1.2: no TLS 1.3 (the spec's "not Custom v1, not 2017").
      const noTls13 =
        p.policyType === "Custom" || (p.policyType === "Predefined" && p.policyName === "AppGwSslPolicy20170401S");
      if (floor >= min(ctx.config) && noTls13) {
        ctx.report(
          `Application Gateway sslPolicy (policyType ${q(p.policyType)}, policyName ${q(p.policyName ?? null)}) offers no TLS 1.3; use Predefined AppGwSslPolicy20220101S or CustomV2 with minProtocolVersion TLSv1_2`,
        );
      }
      if (floor < min(ctx.config)) {
        ctx.report(
          `Application Gateway sslPolicy allows TLS ${floor.toFixed(1)} (policyType ${q(p.policyType ?? null)}, policyName ${q(p.policyName ?? null)}, minProtocolVersion ${q(p.minProtocolVersion ?? null)}); use Predefined AppGwSslPolicy20220101S or CustomV2 with minProtocolVersion TLSv1_2`,
        );
      }
    }),
    on<StorageAccountArgs>("azure-native:storage:StorageAccount", (s, ctx) => {
      const v = tlsVersion(s.minimumTlsVersion);
      if (v === undefined || v < min(ctx.config)) {
        ctx.report(`Storage account minimumTlsVersion is ${q(s.minimumTlsVersion ?? null)}; set "TLS1_2"`);
      }
    }),
    on<RedisArgs>(["azure-native:redis:Redis", "azure-native:cache:Redis"], (r, ctx) => {
      const v = tlsVersion(r.minimumTlsVersion);
      if (v === undefined || v < min(ctx.config)) {
        ctx.report(`Azure Cache for Redis minimumTlsVersion is ${q(r.minimumTlsVersion ?? null)}; set "1.2"`);
      }
    }),
    // Azure Managed Redis: unset means the service floor, TLS 1.2 (1.0/1.1 are gone); "1.2" is its highest setting.
    on<RedisEnterpriseArgs>("azure-native:redisenterprise:RedisEnterprise", (r, ctx) => {
      const v = r.minimumTlsVersion === undefined ? 1.2 : tlsVersion(r.minimumTlsVersion);
      if (v === undefined || v < min(ctx.config)) {
        ctx.report(`Azure Managed Redis minimumTlsVersion is ${q(r.minimumTlsVersion ?? null)}; set "1.2"`);
      }
    }),
    on<PgConfigurationArgs>("azure-native:dbforpostgresql:Configuration", (c, ctx) => {
      if (c.configurationName !== "ssl_min_protocol_version") return;
      const v = tlsVersion(c.value);
      if (v === undefined || v < min(ctx.config)) {
        ctx.report(`PostgreSQL server parameter ssl_min_protocol_version is ${q(c.value ?? null)}; set "TLSv1.2"`);
      }
    }),
    on<WebAppArgs>("azure-native:web:WebApp", (app, ctx) => {
      const v = tlsVersion(app.siteConfig?.minTlsVersion);
      if (app.siteConfig?.minTlsVersion !== undefined && (v === undefined || v < min(ctx.config))) {
        ctx.report(`App Service siteConfig.minTlsVersion is ${q(app.siteConfig.minTlsVersion)}; set "1.2"`);
      }
    }),
    on<DoLoadBalancerArgs>("digitalocean:index/loadBalancer:LoadBalancer", (lb, ctx) => {
      const terminates = (lb.forwardingRules ?? []).some(
        (r) => ["https", "http2", "http3"].includes(r.entryProtocol.toLowerCase()) && r.tlsPassthrough !== true,
      );
      if (terminates && (lb.tlsCipherPolicy ?? "DEFAULT").toUpperCase() !== "STRONG") {
        ctx.report(
          `load balancer terminates TLS with tlsCipherPolicy ${q(lb.tlsCipherPolicy ?? "DEFAULT (default)")}, which keeps legacy ciphers; set tlsCipherPolicy: "STRONG"`,
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
        const protocols = str(obj(ing.metadata?.annotations)["nginx.ingress.kubernetes.io/ssl-protocols"]);
        if (!protocols) return;
        const old = protocols.split(/\s+/).filter((p) => (tlsVersion(p) ?? 9) < min(ctx.config) || /^SSL/i.test(p));
        if (old.length > 0) {
          ctx.report(
            `Ingress annotation nginx.ingress.kubernetes.io/ssl-protocols enables ${old.join(", ")}; allow only "TLSv1.2 TLSv1.3"`,
          );
        }
      },
    ),
    on<CnpgCluster>(CNPG_CLUSTER, (c, ctx) => {
      const value = c.spec?.postgresql?.parameters?.ssl_min_protocol_version;
      const v = tlsVersion(value);
      if (value !== undefined && (v === undefined || v < min(ctx.config))) {
        ctx.report(
          `CloudNativePG parameter ssl_min_protocol_version is ${q(value)}; remove it (default TLSv1.3) or set "TLSv1.2"`,
        );
      }
    }),
  ],
});
