import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type AzureEdgeArgs, azureEdge, relativeRecordName } from "../../components/app-service/azure-edge";
import { gatewayCapacity } from "../../components/app-service/azure-edge-gateway";
import { metricsPattern, WAF_PRIORITY, wafCustomRules, wafManagedRules } from "../../components/app-service/azure-waf";
import { APP_DEFAULTS } from "../../components/lib/app-contract";
import { AZURE_ROLES, azureScope } from "../../components/lib/azure";
import type { AzureNetworkPlacement } from "../../components/network/azure";
import { PROFILES } from "../../components/profiles";
import type { AzureTarget } from "../../components/targets/azure";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { check, policies } from "../harness/policy-check";
import { context, ofType, one, ROOT, runComponents } from "../harness/program";
import { AZURE_CONFIG, AZURE_SUBSCRIPTION, azurePlatform, azureTarget, fakeAzureNetwork } from "./azure-fixtures";

const DOMAIN = "loom.example.com";
const BACKEND = "loom-web.internal.mockhill-0123abcd.westeurope.azurecontainerapps.io";
const T = {
  gateway: "azure-native:network:ApplicationGateway",
  policy: "azure-native:network:WebApplicationFirewallPolicy",
  ip: "azure-native:network:PublicIPAddress",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleAssignment",
  diag: "azure-native:monitor:DiagnosticSetting",
  record: "azure-native:dns:RecordSet",
};
type Env = "staging" | "prod";
const rg = (env: string) => `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-${env}`;

function edgeArgs(env: Env, over: Partial<AzureEdgeArgs> = {}): Omit<AzureEdgeArgs, "backendFqdn"> {
  const p = PROFILES[env];
  return {
    domain: DOMAIN,
    waf: p.waf,
    rateLimitPer5Min: p.rateLimitPer5Min,
    ingressCidrs: ["0.0.0.0/0"],
    healthPath: APP_DEFAULTS.healthPath,
    metricsPath: APP_DEFAULTS.metricsPath,
    zoneRedundant: env === "prod",
    ...over,
  };
}

async function build(env: Env, over: Partial<AzureEdgeArgs> = {}, target: AzureTarget = azureTarget()) {
  return runComponents(() => {
    const protect = PROFILES[env].deletionProtection;
    const platform = azurePlatform(context(env), { target, protect });
    const parent = new pulumi.ComponentResource("loom:test:AppService", "app");
    const scope = azureScope(
      parent,
      "app",
      { cloud: "azure", platform, context: context(env), protect },
      "app-service",
    );
    const placement = fakeAzureNetwork().placement as AzureNetworkPlacement;
    const edge = azureEdge(scope, placement, { backendFqdn: pulumi.output(BACKEND), ...edgeArgs(env, over) });
    return { url: edge.url, edgeHostname: edge.edgeHostname, gatewayId: edge.gatewayId };
  }, AZURE_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;

describe("Azure WAF rules (azure-waf)", () => {
  const open = { waf: true, rateLimitPer5Min: 2000, ingressCidrs: ["0.0.0.0/0"], metricsPath: "/metrics" };

  it("blocks the metrics path, then rate-limits every client IP over five minutes; no allow-list when open", () => {
    const rules = wafCustomRules(open);
    assert.deepEqual(
      rules.map((r) => [r.name, r.priority, r.ruleType, r.action, r.state]),
      [
        ["MetricsNotPublished", 20, "MatchRule", "Block", "Enabled"],
        ["PerClientRateLimit", 100, "RateLimitRule", "Block", "Enabled"],
      ],
    );
    assert.deepEqual(rules[0]?.matchConditions, [
      {
        matchVariables: [{ variableName: "RequestUri" }],
        operator: "Regex",
        transforms: ["UrlDecode", "Lowercase"],
        matchValues: ["^/+metrics"],
      },
    ]);
    const limit = rules[1];
    assert.deepEqual(
      [limit?.rateLimitDuration, limit?.rateLimitThreshold, limit?.groupByUserSession],
      ["FiveMins", 2000, [{ groupByVariables: [{ variableName: "ClientAddr" }] }]],
    );
    assert.deepEqual(limit?.matchConditions, [
      {
        matchVariables: [{ variableName: "RemoteAddr" }],
        operator: "IPMatch",
        negationConditon: true,
        matchValues: ["255.255.255.255/32"],
      },
    ]);
  });

  it("puts a narrower ingress first as a block of every address outside it", () => {
    const rules = wafCustomRules({ ...open, ingressCidrs: ["203.0.113.0/24", "2001:db8::/32"] });
    assert.deepEqual(rules[0], {
      name: "IngressAllowList",
      priority: WAF_PRIORITY.allowList,
      ruleType: "MatchRule",
      action: "Block",
      state: "Enabled",
      matchConditions: [
        {
          matchVariables: [{ variableName: "RemoteAddr" }],
          operator: "IPMatch",
          negationConditon: true,
          matchValues: ["203.0.113.0/24", "2001:db8::/32"],
        },
      ],
    });
    assert.deepEqual(
      rules.map((r) => r.priority),
      [10, 20, 100],
    );
  });

  it("enforces DRS 2.1 and Bot Manager with waf, Bot Manager only without", () => {
    assert.deepEqual(wafManagedRules(true), {
      managedRuleSets: [
        { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1" },
        { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" },
      ],
    });
    assert.deepEqual(wafManagedRules(false), {
      managedRuleSets: [{ ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" }],
    });
  });

  it("fails early on bad input, naming the argument", () => {
    assert.throws(() => wafCustomRules({ ...open, ingressCidrs: [] }), { propertyPath: "ingressCidrs" });
    assert.throws(() => wafCustomRules({ ...open, ingressCidrs: ["10.0.0.0"] }), { propertyPath: "ingressCidrs" });
    assert.throws(() => wafCustomRules({ ...open, rateLimitPer5Min: 5 }), { propertyPath: "rateLimitPer5Min" });
    assert.throws(() => metricsPattern("/metrics|.*"), { propertyPath: "metricsPath" });
    assert.throws(() => metricsPattern("metrics"), { propertyPath: "metricsPath" });
    assert.equal(metricsPattern("/internal/Metrics"), "^/+internal/metrics");
  });

  it("sizes the gateway 2..10 when zone-redundant, 1..10 otherwise; names DNS records inside the zone", () => {
    assert.deepEqual(gatewayCapacity(true), { minCapacity: 2, maxCapacity: 10 });
    assert.deepEqual(gatewayCapacity(false), { minCapacity: 1, maxCapacity: 10 });
    assert.equal(relativeRecordName("loom.example.com", "example.com"), "loom");
    assert.equal(relativeRecordName("example.com", "example.com"), "@");
    assert.throws(() => relativeRecordName("loom.example.org", "example.com"), { propertyPath: "domain" });
    assert.throws(() => relativeRecordName("notexample.com", "example.com"), { propertyPath: "domain" });
  });
});

describe("Edge on Azure (Application Gateway WAF_v2)", () => {
  for (const env of ["staging", "prod"] as const) {
    describe(env, () => {
      let run: ProgramRun;
      let gw: Record<string, unknown> & ReturnType<typeof inputs>;
      const ref = (collection: string, name: string) => ({ id: `${run.outputs.gatewayId}/${collection}/${name}` });
      before(async () => {
        run = await build(env);
        gw = inputs(one(run, T.gateway));
      });

      it("is a WAF_v2 gateway in the gateway subnet, autoscaled, zone-redundant in prod only", () => {
        assert.equal(
          run.outputs.gatewayId,
          `${rg(env)}/providers/Microsoft.Network/applicationGateways/loom-${env}-agw`,
        );
        assert.deepEqual(gw.sku, { name: "WAF_v2", tier: "WAF_v2" });
        assert.deepEqual(
          gw.autoscaleConfiguration,
          env === "prod" ? { minCapacity: 2, maxCapacity: 10 } : { minCapacity: 1, maxCapacity: 10 },
        );
        assert.deepEqual(gw.zones, env === "prod" ? ["1", "2", "3"] : undefined);
        assert.deepEqual(gw.gatewayIPConfigurations, [
          {
            name: "gateway-ip",
            subnet: { id: `${rg("prod")}/providers/Microsoft.Network/virtualNetworks/loom-prod-vnet/subnets/gateway` },
          },
        ]);
        assert.equal(gw.location, "westeurope");
      });

      it("serves the domain over TLS 1.2+ (AppGwSslPolicy20220101S) with SNI and the Key Vault certificate", () => {
        assert.deepEqual(gw.sslPolicy, { policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" });
        const vault = `kv-loom-${env}-`;
        assert.equal(gw.sslCertificates.length, 1);
        const cert = gw.sslCertificates[0];
        assert.deepEqual(Object.keys(cert).sort(), ["keyVaultSecretId", "name"]);
        assert.match(
          cert.keyVaultSecretId,
          new RegExp(`^https://${vault}[0-9a-z]{6}\\.vault\\.azure\\.net/secrets/loom-example-com$`),
        );
        const https = gw.httpListeners.find((l: { name: string }) => l.name === "https");
        assert.deepEqual(https, {
          name: "https",
          protocol: "Https",
          frontendIPConfiguration: ref("frontendIPConfigurations", "public"),
          frontendPort: ref("frontendPorts", "port-443"),
          hostName: DOMAIN,
          requireServerNameIndication: true,
          sslCertificate: ref("sslCertificates", "domain"),
        });
        assert.deepEqual(gw.frontendPorts, [
          { name: "port-443", port: 443 },
          { name: "port-80", port: 80 },
        ]);
      });

      it("reads the certificate with its own user-assigned identity, granted Key Vault Secrets User on the vault first", () => {
        const identity = one(run, T.identity);
        assert.equal(inputs(identity).resourceName, `loom-${env}-edge`);
        assert.equal(gw.identity.type, "UserAssigned");
        assert.deepEqual(gw.identity.userAssignedIdentities, [
          `${rg(env)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-${env}-edge`,
        ]);
        const grants = ofType(run, T.role).filter((r) => r.name === "app-edge-kv");
        assert.equal(grants.length, 1);
        const grant = inputs(grants[0] as PlannedResource);
        assert.equal(
          grant.roleDefinitionId,
          `/subscriptions/${AZURE_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLES.keyVaultSecretsUser}`,
        );
        assert.equal(grant.principalType, "ServicePrincipal");
        assert.match(grant.scope, new RegExp(`^${rg(env)}/providers/Microsoft.KeyVault/vaults/kv-loom-${env}-`));
        assert.match(String(grant.principalId), /^[0-9a-f-]{36}$/);
      });

      it("answers :80 only with a permanent redirect to the HTTPS listener, path and query kept", () => {
        const http = gw.httpListeners.find((l: { name: string }) => l.name === "http");
        assert.equal(http.protocol, "Http");
        assert.deepEqual(http.frontendPort, ref("frontendPorts", "port-80"));
        assert.deepEqual(gw.redirectConfigurations, [
          {
            name: "http-to-https",
            redirectType: "Permanent",
            targetListener: ref("httpListeners", "https"),
            includePath: true,
            includeQueryString: true,
          },
        ]);
        const rule = gw.requestRoutingRules.find((r: { name: string }) => r.name === "http");
        assert.deepEqual(rule, {
          name: "http",
          priority: 200,
          ruleType: "Basic",
          httpListener: ref("httpListeners", "http"),
          redirectConfiguration: ref("redirectConfigurations", "http-to-https"),
        });
      });

      it("routes HTTPS to the web app over end-to-end TLS with HSTS and an Https health probe", () => {
        assert.deepEqual(
          gw.requestRoutingRules.find((r: { name: string }) => r.name === "https"),
          {
            name: "https",
            priority: 100,
            ruleType: "Basic",
            httpListener: ref("httpListeners", "https"),
            backendAddressPool: ref("backendAddressPools", "web"),
            backendHttpSettings: ref("backendHttpSettingsCollection", "web-https"),
            rewriteRuleSet: ref("rewriteRuleSets", "hsts"),
          },
        );
        assert.deepEqual(gw.rewriteRuleSets, [
          {
            name: "hsts",
            rewriteRules: [
              {
                name: "add-hsts",
                ruleSequence: 100,
                actionSet: {
                  responseHeaderConfigurations: [
                    { headerName: "Strict-Transport-Security", headerValue: "max-age=31536000; includeSubDomains" },
                  ],
                },
              },
            ],
          },
        ]);
        assert.deepEqual(gw.backendAddressPools, [{ name: "web", backendAddresses: [{ fqdn: BACKEND }] }]);
        assert.equal(gw.backendHttpSettingsCollection.length, 1);
        const settings = gw.backendHttpSettingsCollection[0];
        assert.deepEqual(
          [settings.protocol, settings.port, settings.pickHostNameFromBackendAddress, settings.probe],
          ["Https", 443, true, ref("probes", "web-health")],
        );
        assert.deepEqual(gw.probes, [
          {
            name: "web-health",
            protocol: "Https",
            path: APP_DEFAULTS.healthPath,
            pickHostNameFromBackendHttpSettings: true,
            interval: 30,
            timeout: 30,
            unhealthyThreshold: 3,
            match: { statusCodes: ["200-399"] },
          },
        ]);
      });

      it("attaches the WAF policy: Prevention, body checked, DRS 2.1 + Bot Manager, the profile's rate limit", () => {
        const policy = inputs(one(run, T.policy));
        assert.deepEqual(gw.firewallPolicy, {
          id: `${rg(env)}/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/loom-${env}-waf`,
        });
        assert.equal(gw.webApplicationFirewallConfiguration, undefined);
        assert.equal(policy.policyName, `loom-${env}-waf`);
        assert.deepEqual(
          [policy.policySettings.state, policy.policySettings.mode, policy.policySettings.requestBodyCheck],
          ["Enabled", "Prevention", true],
        );
        assert.ok(PROFILES[env].waf, "the profile turns the WAF on");
        assert.deepEqual(policy.managedRules, JSON.parse(JSON.stringify(wafManagedRules(true))));
        assert.deepEqual(policy.customRules, JSON.parse(JSON.stringify(wafCustomRules(edgeArgs(env)))));
        const limit = policy.customRules.find((r: { ruleType: string }) => r.ruleType === "RateLimitRule");
        assert.equal(limit.rateLimitThreshold, PROFILES[env].rateLimitPer5Min);
      });

      it("fronts a Standard static IPv4 (zones in prod, protected in prod) and sends every log to the workspace", () => {
        const ip = one(run, T.ip);
        const i = inputs(ip);
        assert.deepEqual(
          [i.publicIpAddressName, i.sku, i.publicIPAllocationMethod, i.publicIPAddressVersion, i.zones],
          [
            `loom-${env}-edge`,
            { name: "Standard", tier: "Regional" },
            "Static",
            "IPv4",
            env === "prod" ? ["1", "2", "3"] : undefined,
          ],
        );
        assert.equal(ip.protect, env === "prod");
        assert.equal(one(run, T.gateway).protect, false);
        const ipId = `${rg(env)}/providers/Microsoft.Network/publicIPAddresses/loom-${env}-edge`;
        assert.deepEqual(gw.frontendIPConfigurations, [{ name: "public", publicIPAddress: { id: ipId } }]);
        assert.match(String(run.outputs.edgeHostname), /^203\.0\.113\.\d+$/);
        const diag = ofType(run, T.diag).filter((d) => inputs(d).resourceUri === run.outputs.gatewayId);
        assert.equal(diag.length, 1);
        const d = inputs(diag[0] as PlannedResource);
        assert.deepEqual(d.logs, [{ categoryGroup: "allLogs", enabled: true }]);
        assert.deepEqual(d.metrics, [{ category: "AllMetrics", enabled: true }]);
        assert.match(d.workspaceId, /\/workspaces\/loom-/);
        assert.equal(run.outputs.url, `https://${DOMAIN}`);
        assert.equal(ofType(run, T.record).length, 0, "no DNS zone in the target: no record");
      });

      it(`the policy pack (policy/config/${env}.json) reports nothing on the edge`, async () => {
        const config = JSON.parse(readFileSync(join(ROOT, "policy", "config", `${env}.json`), "utf8"));
        const edge = run.resources.filter((r) => r.name.startsWith("app-edge") || r.name === "app-waf");
        assert.deepEqual(
          edge.map((r) => r.type).sort(),
          [T.diag, T.gateway, T.identity, T.ip, T.policy, T.role].sort(),
        );
        assert.deepEqual(await check(policies, edge, config), []);
      });
    });
  }

  it("writes an alias A record to the public IP in the target's DNS zone and uses an explicit certificate", async () => {
    const certificateSecretId = "https://kv-certs.vault.azure.net/secrets/loom-tls";
    const run = await build(
      "prod",
      {},
      azureTarget({ dnsZone: { resourceGroup: "dns", name: "example.com" }, certificateSecretId }),
    );
    const record = inputs(one(run, T.record));
    assert.deepEqual(
      [record.resourceGroupName, record.zoneName, record.relativeRecordSetName, record.recordType, record.ttl],
      ["dns", "example.com", "loom", "A", 300],
    );
    assert.deepEqual(record.targetResource, {
      id: `${rg("prod")}/providers/Microsoft.Network/publicIPAddresses/loom-prod-edge`,
    });
    assert.equal(record.aRecords, undefined);
    assert.deepEqual(inputs(one(run, T.gateway)).sslCertificates, [
      { name: "domain", keyVaultSecretId: certificateSecretId },
    ]);
  });

  it("keeps the custom rules and Bot Manager without waf, and enforces a narrower ingress", async () => {
    const run = await build("staging", { waf: false, ingressCidrs: ["198.51.100.0/24"] });
    const policy = inputs(one(run, T.policy));
    assert.deepEqual(policy.managedRules, {
      managedRuleSets: [{ ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" }],
    });
    assert.equal(policy.policySettings.mode, "Prevention");
    assert.deepEqual(
      policy.customRules.map((r: { name: string }) => r.name),
      ["IngressAllowList", "MetricsNotPublished", "PerClientRateLimit"],
    );
    assert.deepEqual(policy.customRules[0].matchConditions[0].matchValues, ["198.51.100.0/24"]);
  });

  it("refuses a bad domain, a domain outside the DNS zone and a bad health path", async () => {
    await assert.rejects(build("prod", { domain: "*.example.com" }), { propertyPath: "domain" });
    await assert.rejects(build("prod", { domain: "Loom.Example.com" }), { propertyPath: "domain" });
    await assert.rejects(build("prod", { healthPath: "healthz" }), { propertyPath: "healthPath" });
    await assert.rejects(build("prod", {}, azureTarget({ dnsZone: { resourceGroup: "dns", name: "example.org" } })), {
      propertyPath: "domain",
    });
  });
});
