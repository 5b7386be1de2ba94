/**
 * The Azure AppService edge [s+p]: an Application Gateway WAF_v2 in the network's gateway subnet, in front of the
 * web Container App only (the worker has no ingress).
 *
 * - A Standard static public IP (zones 1, 2, 3 when zone-redundant; protected in prod: DNS points at it, and a
 *   released address is gone for good).
 * - The gateway (azure-edge-gateway.ts): TLS policy AppGwSslPolicy20220101S, HTTPS listener with SNI for the domain,
 *   HTTP listener that only redirects permanently to HTTPS, HSTS, end-to-end TLS to the web app's FQDN with an Https
 *   health probe, autoscaling (min 2 when zone-redundant).
 * - The certificate from Key Vault through the gateway's own user-assigned identity, granted Key Vault Secrets User
 *   on the stack's vault before the gateway exists (a system identity could not be granted in time: the gateway
 *   reads the certificate while it is created). The secret is `target.certificateSecretId`, else the stack vault's
 *   secret named after the domain with dots as dashes, imported before the first `up` (docs/azure.md). In prod the
 *   vault denies public access; the gateway reaches it through the vault's private endpoint (the
 *   privatelink.vaultcore.azure.net zone is linked to the VNet the gateway sits in).
 * - The WAF policy (azure-waf.ts), attached by `firewallPolicy.id`.
 * - Diagnostics: every log category (access, performance, firewall) and metric to the stack's workspace.
 * - The domain's alias A record (follows the public IP) in `target.dnsZone` when set; the deployer needs DNS Zone
 *   Contributor on that zone.
 */
import { RecordSet } from "@pulumi/azure-native/dns/recordSet";
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import { ApplicationGateway } from "@pulumi/azure-native/network/applicationGateway";
import { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress";
import { WebApplicationFirewallPolicy } from "@pulumi/azure-native/network/webApplicationFirewallPolicy";
import * as pulumi from "@pulumi/pulumi";
import { type AzureScope, assignRole, diagnostics } from "../lib/azure";
import { invalid } from "../lib/component";
import * as naming from "../naming";
import type { AzureNetworkPlacement } from "../network/azure";
import { gatewayConfig, ZONES } from "./azure-edge-gateway";
import { WAF_POLICY_SETTINGS, wafCustomRules, wafManagedRules } from "./azure-waf";

export interface AzureEdgeArgs {
  /** The web Container App's FQDN (the backend; end-to-end TLS to it). */
  backendFqdn: pulumi.Output<string>;
  /** loom:domain: the HTTPS listener's host name and the certificate's subject. */
  domain: string;
  /** Enforce the WAF's Default Rule Set (the custom rules and Bot Manager apply either way). */
  waf: boolean;
  /** Requests per 5 minutes per client IP before the WAF blocks. */
  rateLimitPer5Min: number;
  /** Client ranges allowed; narrower than 0.0.0.0/0 = an IPMatch allow-list. */
  ingressCidrs: string[];
  /** The app's health path (the backend probe). */
  healthPath: string;
  /** The app's metrics path, never published at the edge. */
  metricsPath: string;
  /** Zones 1, 2, 3 for the gateway and its public IP (prod). */
  zoneRedundant: boolean;
}

export interface AzureEdge {
  /** https://<domain> */
  url: pulumi.Output<string>;
  /** The gateway's static public IP address (point the domain's A record here). */
  edgeHostname: pulumi.Output<string>;
  /** The Application Gateway's resource id (metric alerts' scope). */
  gatewayId: pulumi.Output<string>;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PATH = /^\/[A-Za-z0-9._~/-]*$/;

/** The default certificate: the stack vault's secret named after the domain, dots as dashes (versionless). */
export function defaultCertificateSecretId(vaultUri: pulumi.Input<string>, domain: string): pulumi.Output<string> {
  return pulumi.interpolate`${pulumi.output(vaultUri).apply((u) => u.replace(/\/?$/, "/"))}secrets/${domain.replace(/\./g, "-")}`;
}

/** The record name of `domain` inside `zone` ("@" for the apex); fails when the domain is not in the zone. */
export function relativeRecordName(domain: string, zone: string): string {
  if (domain === zone) return "@";
  if (!domain.endsWith(`.${zone}`)) invalid("domain", `must be inside loom:azure.dnsZone ${zone}, got ${domain}`);
  return domain.slice(0, -(zone.length + 1));
}

function checkArgs(args: AzureEdgeArgs): void {
  if (!DOMAIN.test(args.domain)) {
    invalid("domain", `must be a lower-case host name without wildcard, got ${args.domain}`);
  }
  if (!PATH.test(args.healthPath)) invalid("healthPath", `must be an absolute URL path, got ${args.healthPath}`);
}

function firewallPolicy(scope: AzureScope, args: AzureEdgeArgs): WebApplicationFirewallPolicy {
  return new WebApplicationFirewallPolicy(
    `${scope.name}-waf`,
    {
      policyName: naming.fit(`${scope.prefix}-waf`, 80),
      resourceGroupName: scope.resourceGroupName,
      location: scope.location,
      policySettings: { ...WAF_POLICY_SETTINGS },
      customRules: wafCustomRules(args),
      managedRules: wafManagedRules(args.waf),
      tags: scope.tags,
    },
    scope.opts(),
  );
}

function publicIp(scope: AzureScope, zoneRedundant: boolean): PublicIPAddress {
  return new PublicIPAddress(
    `${scope.name}-edge-ip`,
    {
      publicIpAddressName: naming.fit(`${scope.prefix}-edge`, 80),
      resourceGroupName: scope.resourceGroupName,
      location: scope.location,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      ...(zoneRedundant ? { zones: ZONES } : {}),
      tags: scope.tags,
    },
    scope.opts(true),
  );
}

function dnsRecord(scope: AzureScope, domain: string, ip: PublicIPAddress): void {
  const zone = scope.platform.target.dnsZone;
  if (!zone) return;
  const relativeRecordSetName = relativeRecordName(domain, zone.name);
  new RecordSet(
    `${scope.name}-edge-dns`,
    {
      resourceGroupName: zone.resourceGroup,
      zoneName: zone.name,
      relativeRecordSetName,
      recordType: "A",
      ttl: 300,
      targetResource: { id: ip.id },
    },
    scope.opts(),
  );
}

export function azureEdge(scope: AzureScope, placement: AzureNetworkPlacement, args: AzureEdgeArgs): AzureEdge {
  checkArgs(args);
  const policy = firewallPolicy(scope, args);
  const ip = publicIp(scope, args.zoneRedundant);
  const identity = new UserAssignedIdentity(
    `${scope.name}-edge-id`,
    {
      resourceName: naming.fit(`${scope.prefix}-edge`, 128),
      resourceGroupName: scope.resourceGroupName,
      location: scope.location,
      tags: scope.tags,
    },
    scope.opts(),
  );
  const vault = scope.platform.keyVault;
  const canRead = assignRole(scope, `${scope.name}-edge-kv`, "keyVaultSecretsUser", identity.principalId, vault.id);
  const name = naming.fit(`${scope.prefix}-agw`, 80);
  const target = scope.platform.target;
  const gateway = new ApplicationGateway(
    `${scope.name}-edge`,
    {
      applicationGatewayName: name,
      resourceGroupName: scope.resourceGroupName,
      location: scope.location,
      ...gatewayConfig({
        gatewayId: pulumi.interpolate`${scope.platform.resourceGroup.id}/providers/Microsoft.Network/applicationGateways/${name}`,
        subnetId: placement.subnets.gateway,
        publicIpId: ip.id,
        firewallPolicyId: policy.id,
        identityId: identity.id,
        certificateSecretId: target.certificateSecretId ?? defaultCertificateSecretId(vault.uri, args.domain),
        backendFqdn: args.backendFqdn,
        domain: args.domain,
        healthPath: args.healthPath,
        zoneRedundant: args.zoneRedundant,
      }),
      tags: scope.tags,
    },
    scope.opts(false, { dependsOn: [canRead] }),
  );
  diagnostics(scope, `${scope.name}-edge-diag`, gateway.id);
  dnsRecord(scope, args.domain, ip);
  return {
    url: pulumi.output(`https://${args.domain}`),
    edgeHostname: ip.ipAddress.apply((a) => a ?? ""),
    gatewayId: gateway.id,
  };
}
