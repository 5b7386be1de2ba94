/**
 * The VNet flow log (`flowLogRetentionDays`), its storage account and traffic analytics.
 *
 * NSG flow logs cannot be created since 2025-06-30 (retired 2027-09-30), so the flow log targets the VNet: every
 * subnet's flows, allowed and denied, in version-2 JSON. A flow log is a child of the region's Network Watcher,
 * which Azure creates itself, one per region and subscription, as `NetworkWatcher_<location>` in `NetworkWatcherRG`
 * (when the subscription has it enabled, the default): the flow log references it by name and does not create one,
 * so it is the one resource of the stack outside the stack's resource group. A subscription whose watcher was
 * deleted needs `az network watcher configure -l <location> -g NetworkWatcherRG --enabled` once.
 *
 * The storage account takes the flow log's blobs (retention `days`, deleted by Network Watcher): TLS 1.2, HTTPS
 * only, no public blob access, infrastructure (double) encryption, shared keys off, the firewall closed except to
 * trusted Azure services (Network Watcher is one). With shared keys off, Network Watcher writes with the flow log's
 * user-assigned identity, granted Storage Blob Data Contributor on this account only. Traffic analytics processes
 * the flows into the stack's Log Analytics workspace every 10 minutes.
 */
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import { FlowLog } from "@pulumi/azure-native/network/flowLog";
import { StorageAccount } from "@pulumi/azure-native/storage/storageAccount";
import type * as pulumi from "@pulumi/pulumi";
import { type AzureScope, assignRole } from "../lib/azure";
import { stableHash } from "../naming";

/** Network Watcher keeps flow-log blobs 1 to 365 days (0 would mean forever, which the profile never asks). */
export const MIN_FLOW_LOG_DAYS = 1;
export const MAX_FLOW_LOG_DAYS = 365;

/** The resource group and name of the Network Watcher Azure creates per region. */
export const NETWORK_WATCHER_GROUP = "NetworkWatcherRG";
export const networkWatcherName = (location: string) => `NetworkWatcher_${location}`;

/** Globally unique, 3–24 lower-case letters and digits: the stack's letters, `fl`, a stable hash of the prefix. */
export function flowLogAccountName(prefix: string): string {
  const letters = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 16);
  const hash = stableHash(`${prefix}/flow-logs`).padStart(6, "0").slice(0, 6);
  return `${letters}fl${hash}`;
}

export function flowLog(s: AzureScope, vnetId: pulumi.Input<string>, days: number): FlowLog {
  const account = new StorageAccount(
    `${s.name}-flow-logs`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      accountName: flowLogAccountName(s.prefix),
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
      encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: true },
      networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
      tags: s.tags,
    },
    s.opts(true),
  );
  const identity = new UserAssignedIdentity(
    `${s.name}-flow-logs`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      resourceName: `${s.prefix}-flow-logs`,
      tags: s.tags,
    },
    s.opts(),
  );
  const writer = assignRole(
    s,
    `${s.name}-flow-logs-writer`,
    "storageBlobDataContributor",
    identity.principalId,
    account.id,
  );
  const workspace = s.platform.workspace;
  return new FlowLog(
    `${s.name}-flow-log`,
    {
      resourceGroupName: NETWORK_WATCHER_GROUP,
      networkWatcherName: networkWatcherName(s.location),
      flowLogName: `${s.prefix}-vnet`,
      location: s.location,
      targetResourceId: vnetId,
      storageId: account.id,
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      enabled: true,
      format: { type: "JSON", version: 2 },
      retentionPolicy: { enabled: true, days },
      flowAnalyticsConfiguration: {
        networkWatcherFlowAnalyticsConfiguration: {
          enabled: true,
          workspaceId: workspace.customerId,
          workspaceRegion: s.location,
          workspaceResourceId: workspace.id,
          trafficAnalyticsInterval: 10,
        },
      },
      tags: s.tags,
    },
    s.opts(false, { dependsOn: [writer] }),
  );
}
