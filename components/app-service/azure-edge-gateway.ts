/**
 * The Application Gateway's own configuration, as data (pure: SDK input types and pulumi.interpolate only).
 *
 * A gateway's parts reference each other by id inside the gateway (`<gateway id>/<collection>/<name>`), so the
 * gateway's name is fixed up front and the ids are built from it.
 *
 * - WAF_v2 with autoscaling: min 2 instances when zone-redundant (one per zone survives a zone loss), else 1; max 10.
 * - TLS: the predefined AppGwSslPolicy20220101S (TLS 1.2 minimum, 1.3 on, strong ECDHE/GCM ciphers only).
 * - 443: an HTTPS listener for the domain only (SNI required), the Key Vault certificate (versionless secret id, so a
 *   renewed certificate is picked up without a deploy), the HSTS rewrite set, and end-to-end TLS to the web
 *   Container App: Https 443 with the host name taken from the backend FQDN (the Container Apps ingress routes by
 *   Host and serves a certificate from a public CA, so no trusted root certificate is uploaded), probed over Https
 *   on the health path.
 * - 80: a listener whose only rule is a permanent redirect to the HTTPS listener, path and query string kept.
 */
import type { ApplicationGatewayArgs } from "@pulumi/azure-native/network/applicationGateway";
import type { network } from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";

export const AZURE_HSTS = {
  headerName: "Strict-Transport-Security",
  headerValue: "max-age=31536000; includeSubDomains",
};
export const AZURE_SSL_POLICY = { policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" } as const;
/** Names of the gateway's parts (referenced by id in the gateway). */
export const PART = {
  gatewayIp: "gateway-ip",
  frontend: "public",
  https: "https",
  http: "http",
  pool: "web",
  settings: "web-https",
  probe: "web-health",
  certificate: "domain",
  redirect: "http-to-https",
  hsts: "hsts",
} as const;

export interface GatewayConfigArgs {
  /** The gateway's id as ARM will give it (`…/providers/Microsoft.Network/applicationGateways/<name>`). */
  gatewayId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  publicIpId: pulumi.Input<string>;
  firewallPolicyId: pulumi.Input<string>;
  identityId: pulumi.Input<string>;
  certificateSecretId: pulumi.Input<string>;
  backendFqdn: pulumi.Input<string>;
  domain: string;
  healthPath: string;
  zoneRedundant: boolean;
}

/** Instance bounds: at least one per zone pair when zone-redundant. */
export function gatewayCapacity(zoneRedundant: boolean): { minCapacity: number; maxCapacity: number } {
  return { minCapacity: zoneRedundant ? 2 : 1, maxCapacity: 10 };
}

export const ZONES = ["1", "2", "3"];

type GatewayConfig = Pick<
  ApplicationGatewayArgs,
  | "sku"
  | "autoscaleConfiguration"
  | "zones"
  | "identity"
  | "sslPolicy"
  | "enableHttp2"
  | "firewallPolicy"
  | "gatewayIPConfigurations"
  | "frontendIPConfigurations"
  | "frontendPorts"
  | "sslCertificates"
  | "httpListeners"
  | "backendAddressPools"
  | "backendHttpSettingsCollection"
  | "probes"
  | "redirectConfigurations"
  | "rewriteRuleSets"
  | "requestRoutingRules"
>;

function listeners(a: GatewayConfigArgs, ref: (collection: string, name: string) => network.SubResourceArgs) {
  const frontend = ref("frontendIPConfigurations", PART.frontend);
  return [
    {
      name: PART.https,
      protocol: "Https",
      frontendIPConfiguration: frontend,
      frontendPort: ref("frontendPorts", "port-443"),
      hostName: a.domain,
      requireServerNameIndication: true,
      sslCertificate: ref("sslCertificates", PART.certificate),
    },
    {
      name: PART.http,
      protocol: "Http",
      frontendIPConfiguration: frontend,
      frontendPort: ref("frontendPorts", "port-80"),
    },
  ];
}

function backend(a: GatewayConfigArgs, ref: (collection: string, name: string) => network.SubResourceArgs) {
  return {
    backendAddressPools: [{ name: PART.pool, backendAddresses: [{ fqdn: a.backendFqdn }] }],
    backendHttpSettingsCollection: [
      {
        name: PART.settings,
        protocol: "Https",
        port: 443,
        pickHostNameFromBackendAddress: true,
        cookieBasedAffinity: "Disabled",
        requestTimeout: 60,
        probe: ref("probes", PART.probe),
      },
    ],
    probes: [
      {
        name: PART.probe,
        protocol: "Https",
        path: a.healthPath,
        pickHostNameFromBackendHttpSettings: true,
        interval: 30,
        timeout: 30,
        unhealthyThreshold: 3,
        match: { statusCodes: ["200-399"] },
      },
    ],
  };
}

function routing(ref: (collection: string, name: string) => network.SubResourceArgs) {
  return {
    redirectConfigurations: [
      {
        name: PART.redirect,
        redirectType: "Permanent",
        targetListener: ref("httpListeners", PART.https),
        includePath: true,
        includeQueryString: true,
      },
    ],
    rewriteRuleSets: [
      {
        name: PART.hsts,
        rewriteRules: [
          { name: "add-hsts", ruleSequence: 100, actionSet: { responseHeaderConfigurations: [{ ...AZURE_HSTS }] } },
        ],
      },
    ],
    requestRoutingRules: [
      {
        name: PART.https,
        priority: 100,
        ruleType: "Basic",
        httpListener: ref("httpListeners", PART.https),
        backendAddressPool: ref("backendAddressPools", PART.pool),
        backendHttpSettings: ref("backendHttpSettingsCollection", PART.settings),
        rewriteRuleSet: ref("rewriteRuleSets", PART.hsts),
      },
      {
        name: PART.http,
        priority: 200,
        ruleType: "Basic",
        httpListener: ref("httpListeners", PART.http),
        redirectConfiguration: ref("redirectConfigurations", PART.redirect),
      },
    ],
  };
}

export function gatewayConfig(a: GatewayConfigArgs): GatewayConfig {
  const ref = (collection: string, name: string): network.SubResourceArgs => ({
    id: pulumi.interpolate`${a.gatewayId}/${collection}/${name}`,
  });
  return {
    sku: { name: "WAF_v2", tier: "WAF_v2" },
    autoscaleConfiguration: gatewayCapacity(a.zoneRedundant),
    ...(a.zoneRedundant ? { zones: ZONES } : {}),
    identity: { type: "UserAssigned", userAssignedIdentities: [a.identityId] },
    sslPolicy: { ...AZURE_SSL_POLICY },
    enableHttp2: true,
    firewallPolicy: { id: a.firewallPolicyId },
    gatewayIPConfigurations: [{ name: PART.gatewayIp, subnet: { id: a.subnetId } }],
    frontendIPConfigurations: [{ name: PART.frontend, publicIPAddress: { id: a.publicIpId } }],
    frontendPorts: [
      { name: "port-443", port: 443 },
      { name: "port-80", port: 80 },
    ],
    sslCertificates: [{ name: PART.certificate, keyVaultSecretId: a.certificateSecretId }],
    httpListeners: listeners(a, ref),
    ...backend(a, ref),
    ...routing(ref),
  };
}
