/**
 * TLS in transit: https-only-endpoints, min-tls-version, datastore-tls-required, cloud-run-ingress-via-lb.
 * Each rule: every covered resource type's happy-path fixture passes; one mutation per failing case, exact message.
 */
import assert from "node:assert/strict";
import { cloudRunIngressViaLb } from "../../policy/rules/tls/cloud-run-ingress-via-lb";
import { datastoreTlsRequired } from "../../policy/rules/tls/datastore-tls-required";
import { httpsOnlyEndpoints } from "../../policy/rules/tls/https-only-endpoints";
import { minTlsVersion } from "../../policy/rules/tls/min-tls-version";
import {
  aws,
  azure,
  check,
  digitalocean,
  gcp,
  itFails,
  itPasses,
  k8s,
  messages,
  mutate,
  retype,
} from "../harness/fixtures";

describe("https-only-endpoints", () => {
  itPasses(httpsOnlyEndpoints, [
    aws.httpsListener(),
    aws.httpRedirectListener(),
    retype(aws.httpRedirectListener(), "aws:alb/listener:Listener"),
    aws.classicElb(),
    azure.applicationGateway(),
    azure.containerApp(),
    azure.webApp(),
    digitalocean.loadBalancer(),
    k8s.ingress(),
  ]);

  const plaintext = (action: string) =>
    `HTTP listener on port 80 serves plaintext: default action ${action} is not a redirect to HTTPS; use a single "redirect" action with redirect.protocol "HTTPS" and statusCode "HTTP_301"`;
  const agwMessage =
    'HTTP listener "http" is routed by rule "http-to-https" to a backend instead of a redirect to the HTTPS listener; give the rule a redirectConfiguration whose targetListener is an Https listener';

  itFails(httpsOnlyEndpoints, [
    {
      title: "AWS HTTP listener forwards to the target group",
      resource: mutate(aws.httpRedirectListener(), (l) => {
        l.defaultActions = [
          { type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/1" },
        ];
      }),
      messages: [plaintext('"forward"')],
    },
    {
      title: "AWS HTTP listener redirects to HTTP (protocol left at #{protocol})",
      resource: mutate(aws.httpRedirectListener(), (l) => {
        l.defaultActions = [{ type: "redirect", redirect: { protocol: "#{protocol}", statusCode: "HTTP_301" } }];
      }),
      messages: [plaintext('"redirect"')],
    },
    {
      title: "ALB (aws:alb alias) listener without protocol (defaults to HTTP) forwards",
      resource: retype(
        mutate(aws.httpRedirectListener(), (l) => {
          l.protocol = undefined;
          l.defaultActions = [
            { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } },
          ];
        }),
        "aws:alb/listener:Listener",
      ),
      messages: [plaintext('"fixed-response"')],
    },
    {
      title: "AWS HTTP listener without default actions",
      resource: mutate(aws.httpRedirectListener(), (l) => {
        l.defaultActions = [];
      }),
      messages: [plaintext("none")],
    },
    {
      title: "classic ELB listener serves http",
      resource: mutate(aws.classicElb(), (e) => {
        e.listeners = [{ lbPort: 80, lbProtocol: "http", instancePort: 8080, instanceProtocol: "http" }];
      }),
      messages: [
        'classic load balancer listener on port 80 uses lbProtocol "http" and cannot redirect; serve "https" with an ACM certificate or use an ALB with an HTTP→HTTPS redirect',
      ],
    },
    {
      title: "App Gateway HTTP listener routed to a backend pool",
      resource: mutate(azure.applicationGateway(), (g) => {
        const rule = g.requestRoutingRules?.[1];
        if (rule) {
          rule.redirectConfiguration = undefined;
          rule.backendAddressPool = { id: "/x/backendAddressPools/web" };
        }
      }),
      messages: [agwMessage],
    },
    {
      title: "App Gateway redirect configuration targets the HTTP listener itself",
      resource: mutate(azure.applicationGateway(), (g) => {
        const rc = g.redirectConfigurations?.[0];
        if (rc) rc.targetListener = { id: "/x/applicationGateways/loom-agw/httpListeners/http" };
      }),
      messages: [agwMessage],
    },
    {
      title: "App Gateway redirect configuration to an http:// URL",
      resource: mutate(azure.applicationGateway(), (g) => {
        const rc = g.redirectConfigurations?.[0];
        if (rc) {
          rc.targetListener = undefined;
          rc.targetUrl = "http://loom.example.com";
        }
      }),
      messages: [agwMessage],
    },
    {
      title: "Container App ingress allowInsecure",
      resource: mutate(azure.containerApp(), (a) => {
        if (a.configuration?.ingress) a.configuration.ingress.allowInsecure = true;
      }),
      messages: [
        "Container App ingress has allowInsecure: true, so plain HTTP is served; set configuration.ingress.allowInsecure to false (HTTP is then redirected to HTTPS)",
      ],
    },
    {
      title: "App Service without httpsOnly",
      resource: mutate(azure.webApp(), (a) => {
        a.httpsOnly = undefined;
      }),
      messages: ["App Service httpsOnly is null, so plain HTTP is served; set httpsOnly: true"],
    },
    {
      title: "DigitalOcean load balancer without redirectHttpToHttps",
      resource: mutate(digitalocean.loadBalancer(), (lb) => {
        lb.redirectHttpToHttps = false;
      }),
      messages: [
        "forwarding rule http:80 → http:8080 serves plaintext while redirectHttpToHttps is not true; set redirectHttpToHttps: true (and keep an https forwarding rule with a certificate)",
      ],
    },
    {
      title: "Ingress without spec.tls",
      resource: mutate(k8s.ingress(), (i) => {
        if (i.spec) i.spec.tls = undefined;
      }),
      messages: [
        "Ingress has no spec.tls, so every host is served over plain HTTP; add a spec.tls entry (cert-manager Certificate secret) for every host",
      ],
    },
    {
      title: "Ingress host missing from spec.tls hosts (wildcards cover one label only)",
      resource: mutate(k8s.ingress(), (i) => {
        i.spec?.rules?.push({ host: "a.b.api.example.com" });
      }),
      messages: [
        'Ingress host "a.b.api.example.com" is not listed in any spec.tls[].hosts entry, so it is served over plain HTTP',
      ],
    },
    {
      title: "Ingress annotation disables the nginx SSL redirect",
      resource: mutate(k8s.ingress(), (i) => {
        const a = i.metadata?.annotations;
        if (a) a["nginx.ingress.kubernetes.io/ssl-redirect"] = "false";
      }),
      messages: [
        'Ingress annotation nginx.ingress.kubernetes.io/ssl-redirect is "false", so plain HTTP is served instead of redirected',
      ],
    },
  ]);

  describe("GCP target HTTP proxies (stack check: proxy → URL map)", () => {
    it("passes a proxy serving the HTTPS-redirect URL map (matched by name, by selfLink)", async () => {
      assert.deepEqual(
        await messages(httpsOnlyEndpoints, [gcp.redirectUrlMap(), gcp.appUrlMap(), gcp.httpProxy()]),
        [],
      );
      const selfLink = "https://www.googleapis.com/compute/v1/projects/loom-prod/global/urlMaps/loom-http-redirect";
      const map = mutate(gcp.redirectUrlMap(), (m) => Object.assign(m, { selfLink }));
      assert.deepEqual(await messages(httpsOnlyEndpoints, [map, gcp.httpProxy(selfLink)]), []);
    });

    it("passes when the URL map is not in this stack (nothing to prove)", async () => {
      assert.deepEqual(
        await messages(httpsOnlyEndpoints, [gcp.httpProxy("projects/other/global/urlMaps/elsewhere")]),
        [],
      );
    });

    it("fails a proxy serving the application URL map, at the proxy's URN", async () => {
      const proxy = gcp.httpProxy("projects/loom-prod/global/urlMaps/loom-web");
      const v = await check(httpsOnlyEndpoints, [gcp.redirectUrlMap(), gcp.appUrlMap(), proxy]);
      assert.deepEqual(
        v.map((x) => [x.urn, x.message]),
        [
          [
            proxy.urn,
            'target HTTP proxy serves URL map "web", which does not redirect to HTTPS: set defaultUrlRedirect.httpsRedirect to true on the URL map used by the HTTP proxy (and serve the site from a target HTTPS proxy)',
          ],
        ],
      );
    });

    it("fails a regional proxy whose URL map redirect is not an HTTPS redirect", async () => {
      const map = retype(
        mutate(gcp.redirectUrlMap(), (m) => {
          if (m.defaultUrlRedirect) m.defaultUrlRedirect.httpsRedirect = false;
        }),
        "gcp:compute/regionUrlMap:RegionUrlMap",
      );
      const proxy = retype(gcp.httpProxy(), "gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy");
      assert.equal((await messages(httpsOnlyEndpoints, [map, proxy])).length, 1);
    });
  });
});

describe("min-tls-version", () => {
  itPasses(minTlsVersion, [
    aws.httpsListener(),
    retype(aws.httpsListener(), "aws:alb/listener:Listener"),
    aws.httpRedirectListener(),
    aws.cloudFront(),
    aws.apiGatewayDomain(),
    aws.apiGatewayV2Domain(),
    aws.openSearch(),
    gcp.sslPolicy(),
    retype(gcp.sslPolicy(), "gcp:compute/regionSslPolicy:RegionSslPolicy"),
    gcp.httpsProxy(),
    retype(gcp.httpsProxy(), "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy"),
    retype(gcp.httpsProxy(), "gcp:compute/targetSSLProxy:TargetSSLProxy"),
    azure.applicationGateway(),
    azure.storageAccount(),
    azure.redis(),
    retype(azure.redis(), "azure-native:cache:Redis"),
    azure.pgMinTls(),
    azure.pgRequireTls(),
    azure.webApp(),
    digitalocean.loadBalancer(),
    k8s.ingress(),
    k8s.cnpgCluster(),
  ]);
  itPasses(
    minTlsVersion,
    [
      mutate(aws.httpsListener(), (l) => {
        l.sslPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06";
      }),
      mutate(gcp.sslPolicy(), (p) => {
        p.minTlsVersion = "TLS_1_3";
      }),
    ],
    { "min-tls-version": { minTlsVersion: "1.3" } },
    "with minTlsVersion 1.3",
  );

  const listener = (policy: string | undefined) =>
    mutate(aws.httpsListener(), (l) => {
      l.sslPolicy = policy;
    });
  itFails(minTlsVersion, [
    {
      title: "HTTPS listener without sslPolicy (AWS default is TLS 1.0)",
      resource: listener(undefined),
      messages: [
        "HTTPS listener on port 443 has no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08 (TLS 1.0); set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06",
      ],
    },
    {
      title: "HTTPS listener with the legacy ELBSecurityPolicy-2016-08",
      resource: listener("ELBSecurityPolicy-2016-08"),
      messages: [
        'HTTPS listener on port 443 uses sslPolicy "ELBSecurityPolicy-2016-08", which is not in the allow-list for TLS 1.2+; use ELBSecurityPolicy-TLS13-1-2-2021-06',
      ],
    },
    {
      title: "NLB TLS listener with a policy that still allows TLS 1.1",
      resource: mutate(aws.httpsListener(), (l) => {
        l.protocol = "TLS";
        l.sslPolicy = "ELBSecurityPolicy-TLS13-1-1-2021-06";
      }),
      messages: [
        'TLS listener on port 443 uses sslPolicy "ELBSecurityPolicy-TLS13-1-1-2021-06", which is not in the allow-list for TLS 1.2+; use ELBSecurityPolicy-TLS13-1-2-2021-06',
      ],
    },
    {
      title: "TLS 1.2 policy when the pack requires TLS 1.3",
      resource: aws.httpsListener(),
      config: { "min-tls-version": { minTlsVersion: "1.3" } },
      messages: [
        'HTTPS listener on port 443 uses sslPolicy "ELBSecurityPolicy-TLS13-1-2-2021-06", which is not in the allow-list for TLS 1.3+; use ELBSecurityPolicy-TLS13-1-2-2021-06 → ELBSecurityPolicy-TLS13-1-3-2021-06',
      ],
    },
    {
      title: "CloudFront with the default certificate",
      resource: mutate(aws.cloudFront(), (d) => {
        d.viewerCertificate = { cloudfrontDefaultCertificate: true };
      }),
      messages: [
        "CloudFront distribution uses the default *.cloudfront.net certificate, which accepts TLS 1.0; use an ACM certificate with minimumProtocolVersion TLSv1.2_2021",
      ],
    },
    {
      title: "CloudFront minimumProtocolVersion TLSv1_2016",
      resource: mutate(aws.cloudFront(), (d) => {
        d.viewerCertificate.minimumProtocolVersion = "TLSv1_2016";
      }),
      messages: ['CloudFront viewerCertificate.minimumProtocolVersion is "TLSv1_2016"; set TLSv1.2_2021 or newer'],
    },
    {
      title: "API Gateway domain TLS_1_0",
      resource: mutate(aws.apiGatewayDomain(), (d) => {
        d.securityPolicy = "TLS_1_0";
      }),
      messages: ['API Gateway domain securityPolicy is "TLS_1_0"; set securityPolicy to "TLS_1_2"'],
    },
    {
      title: "API Gateway v2 domain TLS_1_0",
      resource: mutate(aws.apiGatewayV2Domain(), (d) => {
        d.domainNameConfiguration.securityPolicy = "TLS_1_0";
      }),
      messages: ['API Gateway domainNameConfiguration.securityPolicy is "TLS_1_0"; set securityPolicy to "TLS_1_2"'],
    },
    {
      title: "OpenSearch TLS 1.0 policy",
      resource: mutate(aws.openSearch(), (d) => {
        if (d.domainEndpointOptions) d.domainEndpointOptions.tlsSecurityPolicy = "Policy-Min-TLS-1-0-2019-07";
      }),
      messages: [
        'OpenSearch domainEndpointOptions.tlsSecurityPolicy is "Policy-Min-TLS-1-0-2019-07"; set "Policy-Min-TLS-1-2-PFS-2023-10"',
      ],
    },
    {
      title: "GCP SSL policy with TLS 1.1",
      resource: mutate(gcp.sslPolicy(), (p) => {
        p.minTlsVersion = "TLS_1_1";
      }),
      messages: ['SSL policy minTlsVersion is "TLS_1_1"; set "TLS_1_2"'],
    },
    {
      title: "GCP SSL policy with the COMPATIBLE profile",
      resource: mutate(gcp.sslPolicy(), (p) => {
        p.profile = "COMPATIBLE";
      }),
      messages: [
        'SSL policy profile is "COMPATIBLE", which allows legacy ciphers; set profile "MODERN" or "RESTRICTED"',
      ],
    },
    {
      title: "GCP regional SSL policy left at its defaults",
      resource: retype(
        mutate(gcp.sslPolicy(), (p) => {
          p.minTlsVersion = undefined;
          p.profile = undefined;
        }),
        "gcp:compute/regionSslPolicy:RegionSslPolicy",
      ),
      messages: [
        'SSL policy minTlsVersion is "TLS_1_0 (default)"; set "TLS_1_2"',
        'SSL policy profile is "COMPATIBLE (default)", which allows legacy ciphers; set profile "MODERN" or "RESTRICTED"',
      ],
    },
    {
      title: "GCP HTTPS proxy without an SSL policy",
      resource: mutate(gcp.httpsProxy(), (p) => {
        p.sslPolicy = undefined;
      }),
      messages: [
        "HTTPS/SSL proxy has no sslPolicy, so GCP's default policy applies (TLS 1.0, COMPATIBLE profile); attach an SSLPolicy with minTlsVersion TLS_1_2 and profile MODERN or RESTRICTED",
      ],
    },
    {
      title: "App Gateway without sslPolicy",
      resource: mutate(azure.applicationGateway(), (g) => {
        g.sslPolicy = undefined;
      }),
      messages: [
        'Application Gateway has no sslPolicy, so its TLS floor depends on the API version default; set sslPolicy { policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" }',
      ],
    },
    {
      title: "App Gateway predefined legacy policy",
      resource: mutate(azure.applicationGateway(), (g) => {
        g.sslPolicy = { policyType: "Predefined", policyName: "AppGwSslPolicy20150501" };
      }),
      messages: [
        'Application Gateway sslPolicy allows TLS 1.0 (policyType "Predefined", policyName "AppGwSslPolicy20150501", minProtocolVersion null); use Predefined AppGwSslPolicy20220101S or CustomV2 with minProtocolVersion TLSv1_2',
      ],
    },
    {
      title: "App Gateway CustomV2 with TLSv1_1",
      resource: mutate(azure.applicationGateway(), (g) => {
        g.sslPolicy = { policyType: "CustomV2", minProtocolVersion: "TLSv1_1" };
      }),
      messages: [
        'Application Gateway sslPolicy allows TLS 1.1 (policyType "CustomV2", policyName null, minProtocolVersion "TLSv1_1"); use Predefined AppGwSslPolicy20220101S or CustomV2 with minProtocolVersion TLSv1_2',
      ],
    },
    {
      title: "App Gateway legacy disabledSslProtocols leaves TLS 1.1 on",
      resource: mutate(azure.applicationGateway(), (g) => {
        g.sslPolicy = { disabledSslProtocols: ["TLSv1_0"] };
      }),
      messages: [
        "Application Gateway sslPolicy allows TLS 1.0 (policyType null, policyName null, minProtocolVersion null); use Predefined AppGwSslPolicy20220101S or CustomV2 with minProtocolVersion TLSv1_2",
      ],
    },
    {
      title: "Storage account without minimumTlsVersion",
      resource: mutate(azure.storageAccount(), (s) => {
        s.minimumTlsVersion = undefined;
      }),
      messages: ['Storage account minimumTlsVersion is null; set "TLS1_2"'],
    },
    {
      title: "Storage account TLS1_0",
      resource: mutate(azure.storageAccount(), (s) => {
        s.minimumTlsVersion = "TLS1_0";
      }),
      messages: ['Storage account minimumTlsVersion is "TLS1_0"; set "TLS1_2"'],
    },
    {
      title: "Azure Redis minimumTlsVersion 1.0",
      resource: mutate(azure.redis(), (r) => {
        r.minimumTlsVersion = "1.0";
      }),
      messages: ['Azure Cache for Redis minimumTlsVersion is "1.0"; set "1.2"'],
    },
    {
      title: "Azure Redis (cache:Redis alias) without minimumTlsVersion",
      resource: retype(
        mutate(azure.redis(), (r) => {
          r.minimumTlsVersion = undefined;
        }),
        "azure-native:cache:Redis",
      ),
      messages: ['Azure Cache for Redis minimumTlsVersion is null; set "1.2"'],
    },
    {
      title: "Azure PostgreSQL ssl_min_protocol_version TLSv1.1",
      resource: mutate(azure.pgMinTls(), (c) => {
        c.value = "TLSv1.1";
      }),
      messages: ['PostgreSQL server parameter ssl_min_protocol_version is "TLSv1.1"; set "TLSv1.2"'],
    },
    {
      title: "App Service minTlsVersion 1.0",
      resource: mutate(azure.webApp(), (a) => {
        if (a.siteConfig) a.siteConfig.minTlsVersion = "1.0";
      }),
      messages: ['App Service siteConfig.minTlsVersion is "1.0"; set "1.2"'],
    },
    {
      title: "DigitalOcean load balancer with the DEFAULT cipher policy",
      resource: mutate(digitalocean.loadBalancer(), (lb) => {
        lb.tlsCipherPolicy = undefined;
      }),
      messages: [
        'load balancer terminates TLS with tlsCipherPolicy "DEFAULT (default)", which keeps legacy ciphers; set tlsCipherPolicy: "STRONG"',
      ],
    },
    {
      title: "Ingress enabling TLSv1 through the nginx annotation",
      resource: mutate(k8s.ingress(), (i) => {
        const a = i.metadata?.annotations;
        if (a) a["nginx.ingress.kubernetes.io/ssl-protocols"] = "TLSv1 TLSv1.1 TLSv1.2";
      }),
      messages: [
        'Ingress annotation nginx.ingress.kubernetes.io/ssl-protocols enables TLSv1, TLSv1.1; allow only "TLSv1.2 TLSv1.3"',
      ],
    },
    {
      title: "CloudNativePG ssl_min_protocol_version TLSv1.1",
      resource: mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec?.postgresql?.parameters) c.spec.postgresql.parameters.ssl_min_protocol_version = "TLSv1.1";
      }),
      messages: [
        'CloudNativePG parameter ssl_min_protocol_version is "TLSv1.1"; remove it (default TLSv1.3) or set "TLSv1.2"',
      ],
    },
  ]);

  it("the DigitalOcean cipher check ignores TLS passthrough", async () => {
    const lb = mutate(digitalocean.loadBalancer(), (l) => {
      l.tlsCipherPolicy = undefined;
      l.forwardingRules = [
        { entryPort: 443, entryProtocol: "https", targetPort: 443, targetProtocol: "https", tlsPassthrough: true },
      ];
    });
    assert.deepEqual(await messages(minTlsVersion, lb), []);
  });
});

describe("datastore-tls-required", () => {
  itPasses(datastoreTlsRequired, [
    aws.parameterGroup(),
    aws.clusterParameterGroup(),
    aws.rdsInstance(),
    aws.rdsCluster(),
    aws.rdsProxy(),
    aws.replicationGroup(),
    aws.elastiCacheCluster(),
    aws.memoryDb(),
    aws.dax(),
    gcp.sqlInstance(),
    gcp.redisInstance(),
    gcp.redisCluster(),
    gcp.memorystore(),
    azure.pgRequireTls(),
    azure.pgMinTls(),
    azure.redis(),
    azure.redisEnterpriseDatabase(),
    azure.storageAccount(),
    k8s.cnpgCluster(),
  ]);
  itPasses(
    datastoreTlsRequired,
    [
      mutate(aws.parameterGroup(), (pg) => {
        pg.parameters = [];
      }),
      mutate(aws.parameterGroup(), (pg) => {
        pg.family = "mysql8.4";
        pg.parameters = [];
      }),
      mutate(aws.rdsInstance(), (db) => {
        db.parameterGroupName = undefined;
      }),
      mutate(aws.rdsInstance(), (db) => {
        db.engine = undefined;
        db.replicateSourceDb = "loom-prod-db";
        db.parameterGroupName = undefined;
      }),
      mutate(aws.elastiCacheCluster(), (c) => {
        c.transitEncryptionEnabled = undefined;
        c.replicationGroupId = "loom-cache";
      }),
    ],
    {},
    "(engine defaults that already force TLS: PostgreSQL 15+, MySQL 8.4; replicas and members)",
  );

  const pgMessage = (family: string, what: string, name = "rds.force_ssl") =>
    `parameter group (family ${family}) ${what}; add parameter ${name} = "1"`;
  itFails(datastoreTlsRequired, [
    {
      title: "PostgreSQL parameter group with rds.force_ssl = 0",
      resource: mutate(aws.parameterGroup(), (pg) => {
        pg.parameters = [{ name: "rds.force_ssl", value: "0" }];
      }),
      messages: [pgMessage("postgres16", 'sets rds.force_ssl to "0"')],
    },
    {
      title: "PostgreSQL 14 parameter group without rds.force_ssl (default off before 15)",
      resource: mutate(aws.parameterGroup(), (pg) => {
        pg.family = "postgres14";
        pg.parameters = [];
      }),
      messages: [
        pgMessage(
          "postgres14",
          "does not set rds.force_ssl, whose default for this family accepts unencrypted connections",
        ),
      ],
    },
    {
      title: "MySQL 8.0 parameter group without require_secure_transport",
      resource: mutate(aws.parameterGroup(), (pg) => {
        pg.family = "mysql8.0";
        pg.parameters = [];
      }),
      messages: [
        pgMessage(
          "mysql8.0",
          "does not set require_secure_transport, whose default for this family accepts unencrypted connections",
          "require_secure_transport",
        ),
      ],
    },
    {
      title: "Aurora PostgreSQL cluster parameter group without rds.force_ssl",
      resource: mutate(aws.clusterParameterGroup(), (pg) => {
        pg.parameters = [];
      }),
      messages: [
        pgMessage(
          "aurora-postgresql16",
          "does not set rds.force_ssl, whose default for this family accepts unencrypted connections",
        ),
      ],
    },
    {
      title: "RDS PostgreSQL 14 instance on the default parameter group",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.engineVersion = "14.9";
        db.parameterGroupName = "default.postgres14";
      }),
      messages: [
        'postgres 14.9 instance uses the default parameter group, where rds.force_ssl is off; attach a parameter group with rds.force_ssl = "1"',
      ],
    },
    {
      title: "RDS MySQL 8.0 instance without a parameter group",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.engine = "mysql";
        db.engineVersion = "8.0.35";
        db.parameterGroupName = undefined;
      }),
      messages: [
        'mysql 8.0.35 instance uses the default parameter group, where require_secure_transport is off; attach a parameter group with require_secure_transport = "1"',
      ],
    },
    {
      title: "Aurora cluster on the default cluster parameter group",
      resource: mutate(aws.rdsCluster(), (c) => {
        c.dbClusterParameterGroupName = undefined;
      }),
      messages: [
        'aurora-postgresql cluster uses the default cluster parameter group, where rds.force_ssl is off; attach a cluster parameter group with rds.force_ssl = "1"',
      ],
    },
    {
      title: "RDS Proxy without requireTls",
      resource: mutate(aws.rdsProxy(), (p) => {
        p.requireTls = undefined;
      }),
      messages: ["RDS Proxy requireTls is false; set requireTls: true"],
    },
    {
      title: "ElastiCache replication group without transit encryption",
      resource: mutate(aws.replicationGroup(), (rg) => {
        rg.transitEncryptionEnabled = false;
        rg.transitEncryptionMode = undefined;
      }),
      messages: ["ElastiCache replication group transitEncryptionEnabled is false; set transitEncryptionEnabled: true"],
    },
    {
      title: "ElastiCache transit encryption in preferred mode",
      resource: mutate(aws.replicationGroup(), (rg) => {
        rg.transitEncryptionMode = "preferred";
      }),
      messages: [
        'ElastiCache transitEncryptionMode is "preferred", which still accepts plaintext clients; set "required"',
      ],
    },
    {
      title: "standalone ElastiCache cluster without transit encryption",
      resource: mutate(aws.elastiCacheCluster(), (c) => {
        c.transitEncryptionEnabled = undefined;
      }),
      messages: ["ElastiCache cluster transitEncryptionEnabled is false; set transitEncryptionEnabled: true"],
    },
    {
      title: "MemoryDB with TLS off",
      resource: mutate(aws.memoryDb(), (c) => {
        c.tlsEnabled = false;
      }),
      messages: ["MemoryDB cluster has tlsEnabled: false; remove it (TLS is the default)"],
    },
    {
      title: "DAX endpoint without TLS",
      resource: mutate(aws.dax(), (c) => {
        c.clusterEndpointEncryptionType = undefined;
      }),
      messages: ['DAX clusterEndpointEncryptionType is "NONE"; set "TLS"'],
    },
    {
      title: "Cloud SQL accepting unencrypted connections (default)",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.ipConfiguration) db.settings.ipConfiguration.sslMode = undefined;
      }),
      messages: [
        'Cloud SQL settings.ipConfiguration.sslMode is "ALLOW_UNENCRYPTED_AND_ENCRYPTED (default)"; set "ENCRYPTED_ONLY"',
      ],
    },
    {
      title: "Memorystore for Redis without transit encryption",
      resource: mutate(gcp.redisInstance(), (r) => {
        r.transitEncryptionMode = "DISABLED";
      }),
      messages: ['Memorystore for Redis transitEncryptionMode is "DISABLED"; set "SERVER_AUTHENTICATION"'],
    },
    {
      title: "Memorystore for Redis Cluster without transit encryption",
      resource: mutate(gcp.redisCluster(), (r) => {
        r.transitEncryptionMode = undefined;
      }),
      messages: [
        'Memorystore for Redis Cluster transitEncryptionMode is "TRANSIT_ENCRYPTION_MODE_DISABLED (default)"; set "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION"',
      ],
    },
    {
      title: "Memorystore (Valkey) instance without transit encryption",
      resource: mutate(gcp.memorystore(), (r) => {
        r.transitEncryptionMode = undefined;
      }),
      messages: [
        'Memorystore instance transitEncryptionMode is "TRANSIT_ENCRYPTION_DISABLED (default)"; set "SERVER_AUTHENTICATION"',
      ],
    },
    {
      title: "Azure PostgreSQL require_secure_transport off",
      resource: mutate(azure.pgRequireTls(), (c) => {
        c.value = "off";
      }),
      messages: ['PostgreSQL server parameter require_secure_transport is "off"; set "on"'],
    },
    {
      title: "Azure Redis non-SSL port",
      resource: mutate(azure.redis(), (r) => {
        r.enableNonSslPort = true;
      }),
      messages: ["Azure Cache for Redis has enableNonSslPort: true (plaintext port 6379); set enableNonSslPort: false"],
    },
    {
      title: "Redis Enterprise plaintext client protocol",
      resource: mutate(azure.redisEnterpriseDatabase(), (d) => {
        d.clientProtocol = "Plaintext";
      }),
      messages: ['Redis Enterprise database clientProtocol is "Plaintext"; set "Encrypted"'],
    },
    {
      title: "Storage account allowing HTTP",
      resource: mutate(azure.storageAccount(), (s) => {
        s.enableHttpsTrafficOnly = false;
      }),
      messages: ["Storage account has enableHttpsTrafficOnly: false; set enableHttpsTrafficOnly: true"],
    },
    {
      title: "CloudNativePG on the default pg_hba (accepts non-TLS)",
      resource: mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec?.postgresql) c.spec.postgresql.pg_hba = undefined;
      }),
      messages: [
        'CloudNativePG pg_hba accepts non-TLS connections (first matching rule: "(default) host all all all scram-sha-256"); put "hostnossl all all all reject" first in spec.postgresql.pg_hba',
      ],
    },
    {
      title: "CloudNativePG pg_hba with a plain host rule before the reject",
      resource: mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec?.postgresql)
          c.spec.postgresql.pg_hba = ["host all all 10.0.0.0/8 scram-sha-256", "hostnossl all all all reject"];
      }),
      messages: [
        'CloudNativePG pg_hba accepts non-TLS connections (first matching rule: "host all all 10.0.0.0/8 scram-sha-256"); put "hostnossl all all all reject" first in spec.postgresql.pg_hba',
      ],
    },
  ]);
});

describe("cloud-run-ingress-via-lb", () => {
  const cfg = (environment: string) => ({ "cloud-run-ingress-via-lb": { environment } });
  itPasses(cloudRunIngressViaLb, [gcp.cloudRunService(), gcp.cloudRunV1Service()], cfg("prod"), "in prod");
  const open = mutate(gcp.cloudRunService(), (s) => {
    s.ingress = undefined;
  });
  itPasses(cloudRunIngressViaLb, [open], cfg("dev"), "in dev (the built-in URL is the dev endpoint)");
  itPasses(cloudRunIngressViaLb, [open], {}, "without an environment in the pack config");

  itFails(cloudRunIngressViaLb, [
    {
      title: "Cloud Run v2 service open to all traffic in prod",
      resource: open,
      config: cfg("prod"),
      messages: [
        'Cloud Run service ingress is "INGRESS_TRAFFIC_ALL (default)" in prod: the *.run.app URL bypasses the load balancer; set ingress "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"',
      ],
    },
    {
      title: "Cloud Run v1 service with ingress annotation all in prod",
      resource: mutate(gcp.cloudRunV1Service(), (s) => {
        if (s.metadata?.annotations) s.metadata.annotations["run.googleapis.com/ingress"] = "all";
      }),
      config: cfg("prod"),
      messages: [
        'Cloud Run service annotation run.googleapis.com/ingress is "all" in prod: the *.run.app URL bypasses the load balancer; set "internal-and-cloud-load-balancing"',
      ],
    },
  ]);

  it("is advisory by default, also in prod", async () => {
    const v = await check(cloudRunIngressViaLb, open, cfg("prod"));
    assert.deepEqual(
      v.map((x) => x.enforcementLevel),
      ["advisory"],
    );
  });
});
