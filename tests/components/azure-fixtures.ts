/**
 * Azure fixtures for component tests: a target as settings resolves it, the Platform handle built inside the mocked
 * program, and a fixed Azure network (placement and tiers) for testing a component without building a VNet.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs } from "../../components/network";
import { Platform } from "../../components/platform";
import type { AzurePlatform } from "../../components/platform/azure";
import type { TagContext } from "../../components/tags";
import type { AzureTarget } from "../../components/targets/azure";

export const AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const AZURE_LOCATION = "westeurope";
export const AZURE_CONFIG = { "azure-native:location": AZURE_LOCATION };
const RG = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-prod`;

/** westeurope as settings resolves it (pair northeurope), migrate as a Container Apps job. */
export function azureTarget(over: Partial<AzureTarget> = {}): AzureTarget {
  return { cloud: "azure", location: AZURE_LOCATION, drLocation: "northeurope", migrateRunner: "job", ...over };
}

/** The Azure Platform handle; call inside the program (resource group, workspace, Key Vault, client lookup). */
export function azurePlatform(
  context: TagContext,
  opts: { target?: AzureTarget; protect?: boolean; disasterRecovery?: boolean; logRetentionDays?: number } = {},
): AzurePlatform {
  const platform = new Platform("loom", {
    target: opts.target ?? azureTarget(),
    context,
    protect: opts.protect ?? false,
    disasterRecovery: opts.disasterRecovery ?? false,
    logRetentionDays: opts.logRetentionDays ?? 30,
  });
  return platform.handle as AzurePlatform;
}

/** `args` with a real Azure Platform built in the program (same target as its static platform, or the default). */
export function withAzurePlatform<A extends { platform: unknown; context: TagContext; protect?: boolean }>(
  args: A,
  opts: { disasterRecovery?: boolean; logRetentionDays?: number } = {},
): A {
  const target = (args.platform as Partial<AzurePlatform>).target ?? azureTarget();
  return { ...args, platform: azurePlatform(args.context, { target, protect: args.protect, ...opts }) };
}

/** A handle made without the runtime, for `resolve()` tests and arg builders (no resources). */
export function staticAzurePlatform(target: AzureTarget = azureTarget()): AzurePlatform {
  const o = pulumi.output;
  return {
    cloud: "azure",
    target,
    location: target.location,
    disasterRecovery: false,
    subscriptionId: o(AZURE_SUBSCRIPTION),
    tenantId: o("00000000-0000-0000-0000-000000000000"),
    deployerObjectId: o("00000000-0000-0000-0000-000000000002"),
    resourceGroup: { name: o("loom-prod"), id: o(RG) },
    workspace: {
      id: o(`${RG}/providers/Microsoft.OperationalInsights/workspaces/loom-prod-logs`),
      customerId: o("11111111-1111-1111-1111-111111111111"),
      name: o("loom-prod-logs"),
    },
    keyVault: {
      id: o(`${RG}/providers/Microsoft.KeyVault/vaults/kv-loom-prod-abc123`),
      name: o("kv-loom-prod-abc123"),
      uri: o("https://kv-loom-prod-abc123.vault.azure.net/"),
    },
    telemetry: {
      componentId: o(`${RG}/providers/Microsoft.Insights/components/loom-prod-insights`),
      connectionString: { id: o("https://kv-loom-prod-abc123.vault.azure.net/secrets/loom-prod-insights-connection") },
    },
  };
}

/** A NetworkOutputs with fixed Azure ids (as the mock engine computes them); call inside the program. */
export function fakeAzureNetwork(): NetworkOutputs {
  const o = pulumi.output;
  const vnet = `${RG}/providers/Microsoft.Network/virtualNetworks/loom-prod-vnet`;
  const subnet = (n: string) => o(`${vnet}/subnets/${n}`);
  const zone = (n: string) => o(`${RG}/providers/Microsoft.Network/privateDnsZones/${n}`);
  return {
    networkId: o(vnet),
    cidr: o("10.40.0.0/16"),
    zones: [],
    placement: {
      cloud: "azure",
      vnetId: o(vnet),
      subnets: {
        gateway: subnet("gateway"),
        apps: subnet("apps"),
        database: subnet("database"),
        endpoints: subnet("endpoints"),
      },
      privateZones: {
        postgres: zone("loom-prod.private.postgres.database.azure.com"),
        redis: zone("privatelink.redis.azure.net"),
        vault: zone("privatelink.vaultcore.azure.net"),
      },
      egressIp: o("203.0.113.10"),
    },
    tiers: {
      edge: subnet("gateway"),
      app: subnet("apps"),
      database: subnet("database"),
      cache: subnet("endpoints"),
      backup: subnet("apps"),
    },
  };
}
