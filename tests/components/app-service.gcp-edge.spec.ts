import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ARMOR_PRIORITY, armorRules, metricsExpression, WAF_RULE_SETS } from "../../components/app-service/gcp-armor";
import { type GcpEdgeArgs, gcpEdge } from "../../components/app-service/gcp-edge";
import { APP_DEFAULTS } from "../../components/lib/app-contract";
import { gcpScope } from "../../components/lib/gcp";
import { PROFILES } from "../../components/profiles";
import type { GcpTarget } from "../../components/targets/gcp";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { check, policies } from "../harness/policy-check";
import { context, ofType, one, ROOT, runComponents } from "../harness/program";
import { GCP_PROJECT, GCP_REGION, gcpPlatform, gcpTarget } from "./gcp-fixtures";

const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };
const COMPUTE = `https://www.googleapis.com/compute/v1/projects/${GCP_PROJECT}`;
const DOMAIN = "loom.example.com";

const T = {
  address: "gcp:compute/globalAddress:GlobalAddress",
  rule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
  https: "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
  http: "gcp:compute/targetHttpProxy:TargetHttpProxy",
  urlMap: "gcp:compute/uRLMap:URLMap",
  backend: "gcp:compute/backendService:BackendService",
  neg: "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  cert: "gcp:compute/managedSslCertificate:ManagedSslCertificate",
  tls: "gcp:compute/sSLPolicy:SSLPolicy",
  armor: "gcp:compute/securityPolicy:SecurityPolicy",
  record: "gcp:dns/recordSet:RecordSet",
};

type Env = "staging" | "prod";

/** The edge args as the app-service file passes them, from the profile. */
function edgeArgs(env: Env, over: Partial<GcpEdgeArgs> = {}): Omit<GcpEdgeArgs, "webServiceName"> {
  const p = PROFILES[env];
  return {
    domain: DOMAIN,
    waf: p.waf,
    rateLimitPer5Min: p.rateLimitPer5Min,
    ingressCidrs: ["0.0.0.0/0"],
    metricsPath: APP_DEFAULTS.metricsPath,
    ...over,
  };
}

async function build(env: Env, over: Partial<GcpEdgeArgs> = {}, target: GcpTarget = gcpTarget()): Promise<ProgramRun> {
  return runComponents(() => {
    const protect = PROFILES[env].deletionProtection;
    const platform = gcpPlatform(context(env), { target, protect });
    const parent = new pulumi.ComponentResource("loom:test:AppService", "app");
    const scope = gcpScope(parent, "app", { cloud: "gcp", platform, context: context(env), protect }, "app-service");
    const edge = gcpEdge(scope, { webServiceName: pulumi.output(`loom-${env}-web`), ...edgeArgs(env, over) });
    return { url: edge.url, edgeHostname: edge.edgeHostname, urlMap: edge.urlMap };
  }, CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const byPort = (run: ProgramRun, port: string) => {
  const found = ofType(run, T.rule).filter((r) => inputs(r).portRange === port);
  assert.equal(found.length, 1, `one forwarding rule on ${port}`);
  return inputs(found[0] as PlannedResource);
};
const mapNamed = (run: ProgramRun, name: string) => {
  const found = ofType(run, T.urlMap).filter((r) => inputs(r).name === name);
  assert.equal(found.length, 1, `one URL map ${name}`);
  return inputs(found[0] as PlannedResource);
};

describe("Cloud Armor rules (gcp-armor)", () => {
  const open = { waf: true, rateLimitPer5Min: 2000, ingressCidrs: ["0.0.0.0/0"], metricsPath: "/metrics" };

  it("denies the metrics path first, then the WAF sets, then throttles per IP; the default allows an open edge", () => {
    const rules = armorRules(open);
    assert.deepEqual(
      rules.map((r) => [r.priority, r.action]),
      [
        [1000, "deny(404)"],
        ...WAF_RULE_SETS.map((_, i) => [2000 + i * 10, "deny(403)"]),
        [9000, "throttle"],
        [2147483647, "allow"],
      ],
    );
    assert.deepEqual(rules[0]?.match, {
      expr: { expression: "request.path.urlDecode().lower().matches('^/+metrics')" },
    });
    assert.ok(rules.every((r) => r.preview === false));
    const throttle = rules.find((r) => r.action === "throttle");
    assert.deepEqual(throttle?.match, { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } });
    assert.deepEqual(throttle?.rateLimitOptions, {
      conformAction: "allow",
      exceedAction: "deny(429)",
      enforceOnKey: "IP",
      rateLimitThreshold: { count: 2000, intervalSec: 300 },
    });
  });

  it("enforces sqli and xss as preconfigured WAF rules at sensitivity 1", () => {
    const expressions = armorRules(open).map((r) => (r.match as { expr?: { expression: string } }).expr?.expression);
    assert.ok(expressions.includes("evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})"));
    assert.ok(expressions.includes("evaluatePreconfiguredWaf('xss-v33-stable', {'sensitivity': 1})"));
    assert.ok(expressions.includes("evaluatePreconfiguredWaf('cve-canary', {'sensitivity': 1})"));
  });

  it("has no WAF rule without waf, but keeps the metrics deny and the rate limit", () => {
    const rules = armorRules({ ...open, waf: false });
    assert.deepEqual(
      rules.map((r) => r.priority),
      [ARMOR_PRIORITY.metrics, ARMOR_PRIORITY.allow, ARMOR_PRIORITY.default],
    );
    assert.ok(!JSON.stringify(rules).includes("evaluatePreconfiguredWaf"));
  });

  it("turns narrower ingress into throttled allow rules of at most 10 ranges and a default deny", () => {
    const cidrs = [...Array.from({ length: 11 }, (_, i) => `198.51.100.${i * 16}/28`), "2001:db8::/32"];
    const rules = armorRules({ ...open, ingressCidrs: cidrs });
    const allows = rules.filter((r) => r.action === "throttle");
    assert.deepEqual(
      allows.map((r) => [r.priority, (r.match as { config: { srcIpRanges: string[] } }).config.srcIpRanges]),
      [
        [9000, cidrs.slice(0, 10)],
        [9010, cidrs.slice(10)],
      ],
    );
    assert.deepEqual(rules.at(-1), {
      priority: 2147483647,
      action: "deny(403)",
      match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
      description: "default deny",
      preview: false,
    });
  });

  it("fails early on bad input, naming the argument", () => {
    assert.throws(() => armorRules({ ...open, ingressCidrs: [] }), { propertyPath: "ingressCidrs" });
    assert.throws(() => armorRules({ ...open, ingressCidrs: ["10.0.0.0"] }), { propertyPath: "ingressCidrs" });
    assert.throws(() => armorRules({ ...open, rateLimitPer5Min: 5 }), { propertyPath: "rateLimitPer5Min" });
    assert.throws(() => armorRules({ ...open, rateLimitPer5Min: 2000.5 }), { propertyPath: "rateLimitPer5Min" });
    assert.throws(() => metricsExpression("/metrics')||true||('"), { propertyPath: "metricsPath" });
    assert.throws(() => metricsExpression("metrics"), { propertyPath: "metricsPath" });
    assert.equal(
      metricsExpression("/internal/Metrics"),
      "request.path.urlDecode().lower().matches('^/+internal/metrics')",
    );
  });
});

describe("Edge on GCP (global external Application Load Balancer)", () => {
  for (const env of ["staging", "prod"] as const) {
    describe(env, () => {
      let run: ProgramRun;
      before(async () => {
        run = await build(env);
      });

      it("chains 443 → HTTPS proxy → URL map → backend → serverless NEG of the web service, all EXTERNAL_MANAGED", () => {
        const address = inputs(one(run, T.address));
        assert.deepEqual(
          [address.name, address.addressType, address.ipVersion],
          [`loom-${env}-edge`, "EXTERNAL", "IPV4"],
        );
        const https = byPort(run, "443");
        const ip = run.outputs.edgeHostname;
        assert.match(String(ip), /^203\.0\.113\.\d+$/);
        assert.equal(https.ipAddress, ip);
        assert.equal(https.loadBalancingScheme, "EXTERNAL_MANAGED");
        assert.equal(https.ipProtocol, "TCP");
        assert.equal(https.target, `${COMPUTE}/global/targetHttpsProxies/loom-${env}-web-https`);
        const proxy = inputs(one(run, T.https));
        assert.equal(proxy.urlMap, `${COMPUTE}/global/urlMaps/loom-${env}-web`);
        assert.equal(
          mapNamed(run, `loom-${env}-web`).defaultService,
          `${COMPUTE}/global/backendServices/loom-${env}-web`,
        );
        const backend = inputs(one(run, T.backend));
        assert.equal(backend.loadBalancingScheme, "EXTERNAL_MANAGED");
        assert.deepEqual(backend.backends, [
          { group: `projects/${GCP_PROJECT}/regions/${GCP_REGION}/networkEndpointGroups/loom-${env}-web` },
        ]);
        const neg = inputs(one(run, T.neg));
        assert.deepEqual(
          [neg.networkEndpointType, neg.region, neg.cloudRun],
          ["SERVERLESS", GCP_REGION, { service: `loom-${env}-web` }],
        );
      });

      it("serves a Google-managed certificate for the domain with TLS 1.2+ (RESTRICTED) and no 0-RTT", () => {
        const proxy = inputs(one(run, T.https));
        const cert = inputs(one(run, T.cert));
        assert.deepEqual(cert.managed, { domains: [DOMAIN] });
        assert.equal(cert.type, "MANAGED");
        assert.deepEqual(proxy.sslCertificates, [`${COMPUTE}/global/sslCertificates/${cert.name}`]);
        const tls = inputs(one(run, T.tls));
        assert.deepEqual([tls.minTlsVersion, tls.profile], ["TLS_1_2", "RESTRICTED"]);
        assert.equal(proxy.sslPolicy, `${COMPUTE}/global/sslPolicies/loom-${env}-web-tls`);
        assert.equal(proxy.tlsEarlyData, "DISABLED");
      });

      it("answers port 80 only with a 301 to HTTPS on the same address", () => {
        const http = byPort(run, "80");
        assert.equal(http.ipAddress, run.outputs.edgeHostname);
        assert.equal(http.loadBalancingScheme, "EXTERNAL_MANAGED");
        assert.equal(http.target, `${COMPUTE}/global/targetHttpProxies/loom-${env}-web-http`);
        assert.equal(inputs(one(run, T.http)).urlMap, `${COMPUTE}/global/urlMaps/loom-${env}-web-redirect`);
        const redirect = mapNamed(run, `loom-${env}-web-redirect`);
        assert.deepEqual(redirect.defaultUrlRedirect, {
          httpsRedirect: true,
          redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
          stripQuery: false,
        });
        assert.equal(redirect.defaultService, undefined);
        assert.equal(redirect.pathMatchers, undefined);
      });

      it("sends HSTS, logs every request and attaches the Cloud Armor policy with the profile's rules", () => {
        const backend = inputs(one(run, T.backend));
        assert.deepEqual(backend.customResponseHeaders, [
          "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload",
        ]);
        assert.deepEqual(backend.logConfig, { enable: true, sampleRate: 1 });
        assert.equal(backend.securityPolicy, `${COMPUTE}/global/securityPolicies/loom-${env}-web-armor`);
        const armor = inputs(one(run, T.armor));
        assert.equal(armor.type, "CLOUD_ARMOR");
        assert.deepEqual(armor.rules, JSON.parse(JSON.stringify(armorRules(edgeArgs(env)))));
        assert.ok(PROFILES[env].waf, "the profile turns the WAF on");
        assert.ok(JSON.stringify(armor.rules).includes("sqli-v33-stable"));
        assert.deepEqual(armor.advancedOptionsConfig, { jsonParsing: "STANDARD", logLevel: "NORMAL" });
        assert.deepEqual(armor.adaptiveProtectionConfig, { layer7DdosDefenseConfig: { enable: true } });
      });

      it("writes the domain's A record in the target's zone and returns url, address and URL map", () => {
        const record = inputs(one(run, T.record));
        assert.deepEqual(
          [record.managedZone, record.name, record.type, record.rrdatas],
          ["loom-example-com", `${DOMAIN}.`, "A", [run.outputs.edgeHostname]],
        );
        assert.equal(run.outputs.url, `https://${DOMAIN}`);
        assert.equal(run.outputs.urlMap, `loom-${env}-web`);
      });

      it(`the policy pack (policy/config/${env}.json) reports nothing on the edge`, async () => {
        const config = JSON.parse(readFileSync(join(ROOT, "policy", "config", `${env}.json`), "utf8"));
        assert.deepEqual(await check(policies, run.resources, config), []);
      });

      it(`protects only the reserved address, and only in prod (${env})`, () => {
        const protectedOnes = run.resources.filter((r) => r.protect && r.type.startsWith("gcp:compute/"));
        assert.deepEqual(
          protectedOnes.map((r) => r.type),
          env === "prod" ? [T.address] : [],
        );
      });
    });
  }

  it("writes no DNS record without a Cloud DNS zone", async () => {
    const run = await build("prod", {}, gcpTarget({ dnsZone: undefined }));
    assert.equal(ofType(run, T.record).length, 0);
    assert.equal(ofType(run, T.cert).length, 1);
  });

  it("enforces a narrower ingress with a default deny in the plan", async () => {
    const run = await build("prod", { ingressCidrs: ["203.0.113.0/24", "2001:db8::/32"] });
    const rules = inputs(one(run, T.armor)).rules as { action: string; match: unknown }[];
    assert.deepEqual(rules.find((r) => r.action === "throttle")?.match, {
      versionedExpr: "SRC_IPS_V1",
      config: { srcIpRanges: ["203.0.113.0/24", "2001:db8::/32"] },
    });
    assert.equal(rules.at(-1)?.action, "deny(403)");
  });

  it("refuses a domain a managed certificate cannot cover", async () => {
    await assert.rejects(build("prod", { domain: "*.example.com" }), { propertyPath: "domain" });
    await assert.rejects(build("prod", { domain: "Loom.Example.com" }), { propertyPath: "domain" });
  });
});
