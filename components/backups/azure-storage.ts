/**
 * The logical-backup store on Azure: a storage account with the same rules as the network's flow-log account
 * (TLS 1.2, HTTPS only, no public blob access, shared keys off — Entra tokens only, so no key or SAS exists to
 * leak —, infrastructure encryption, OAuth by default) and one container under a time-based retention policy of
 * `retentionDays`: blobs can be created, never overwritten or deleted before they are that old, by anyone.
 *
 * - Redundancy: ZRS without disaster recovery; RA-GZRS with it — Azure copies every blob asynchronously to the
 *   paired region (the DR copy, readable there through the `-secondary` endpoint), so the job writes once.
 * - The retention policy stays unlocked: Azure locks a container policy only through its lock action, which has
 *   no declarative form; with `protect` the account, container and policy are Pulumi-protected and the resource
 *   group carries a CanNotDelete lock (azure-vault.ts), and docs/runbooks say how to lock it by hand.
 * - A lifecycle rule deletes each backup blob the day after its retention ends (the policy forbids it earlier, and
 *   without the rule the container would grow forever).
 * - Blob service diagnostics (StorageRead/Write/Delete) go to the stack's workspace: who read or wrote a backup.
 */
import { BlobContainer } from "@pulumi/azure-native/storage/blobContainer";
import { BlobContainerImmutabilityPolicy } from "@pulumi/azure-native/storage/blobContainerImmutabilityPolicy";
import { ManagementPolicy } from "@pulumi/azure-native/storage/managementPolicy";
import { StorageAccount } from "@pulumi/azure-native/storage/storageAccount";
import type * as pulumi from "@pulumi/pulumi";
import { type AzureScope, diagnostics } from "../lib/azure";
import { stableHash } from "../naming";

export const BACKUP_CONTAINER = "logical-backups";

export interface AzureBackupStore {
  account: StorageAccount;
  container: BlobContainer;
  policy: BlobContainerImmutabilityPolicy;
  /** `https://<account>.blob.core.windows.net/<container>` */
  containerUrl: pulumi.Output<string>;
  /** The paired region's read endpoint of the same container ("" without disaster recovery). */
  drUrl: pulumi.Output<string>;
}

/** 3–24 lower-case letters and digits, globally unique: `bk` + the prefix's letters and digits + a stable hash. */
export function backupAccountName(prefix: string): string {
  const hash = stableHash(`backups/${prefix}`).padStart(6, "0").slice(0, 6);
  return `bk${prefix.replace(/[^a-z0-9]/g, "").slice(0, 16)}${hash}`;
}

/** ZRS in the region, or RA-GZRS (zone-redundant here, read access in the pair) with disaster recovery. */
export function backupAccountSku(disasterRecovery: boolean): "Standard_ZRS" | "Standard_RAGZRS" {
  return disasterRecovery ? "Standard_RAGZRS" : "Standard_ZRS";
}

/** Delete backup blobs one day after `retentionDays` (pure, tested). */
export function expiryRule(retentionDays: number) {
  return {
    name: "expire-logical-backups",
    enabled: true,
    type: "Lifecycle",
    definition: {
      filters: { blobTypes: ["blockBlob"], prefixMatch: [`${BACKUP_CONTAINER}/logical/`] },
      actions: { baseBlob: { delete: { daysAfterCreationGreaterThan: retentionDays + 1 } } },
    },
  };
}

export function backupStore(s: AzureScope, retentionDays: number, disasterRecovery: boolean): AzureBackupStore {
  const account = new StorageAccount(
    `${s.name}-logical-backup`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      accountName: backupAccountName(s.prefix),
      kind: "StorageV2",
      sku: { name: backupAccountSku(disasterRecovery) },
      accessTier: "Hot",
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
      encryption: {
        keySource: "Microsoft.Storage",
        requireInfrastructureEncryption: true,
        services: { blob: { enabled: true, keyType: "Account" } },
      },
      tags: s.tags,
    },
    s.opts(true),
  );
  const container = new BlobContainer(
    `${s.name}-logical-backup`,
    {
      resourceGroupName: s.resourceGroupName,
      accountName: account.name,
      containerName: BACKUP_CONTAINER,
      publicAccess: "None",
    },
    s.opts(true),
  );
  const policy = new BlobContainerImmutabilityPolicy(
    `${s.name}-logical-backup-retention`,
    {
      resourceGroupName: s.resourceGroupName,
      accountName: account.name,
      containerName: container.name,
      immutabilityPolicyName: "default",
      immutabilityPeriodSinceCreationInDays: retentionDays,
      allowProtectedAppendWrites: false,
    },
    s.opts(true),
  );
  new ManagementPolicy(
    `${s.name}-logical-backup-expiry`,
    {
      resourceGroupName: s.resourceGroupName,
      accountName: account.name,
      managementPolicyName: "default",
      policy: { rules: [expiryRule(retentionDays)] },
    },
    s.opts(false, { dependsOn: [container] }),
  );
  diagnostics(
    s,
    `${s.name}-logical-backup-blob-diagnostics`,
    account.id.apply((id) => `${id}/blobServices/default`),
  );
  const containerUrl = account.primaryEndpoints.apply((e) => `${e.blob.replace(/\/$/, "")}/${BACKUP_CONTAINER}`);
  const drUrl = account.name.apply((n) =>
    disasterRecovery ? `https://${n}-secondary.blob.core.windows.net/${BACKUP_CONTAINER}` : "",
  );
  return { account, container, policy, containerUrl, drUrl };
}
