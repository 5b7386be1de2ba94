/**
 * Azure Backup for the PostgreSQL flexible server: a Backup vault (Microsoft.DataProtection) holding daily
 * long-term-retention backups of the primary, outside the server's own 7–35-day PITR window and storage.
 *
 * - Vault: VaultStore GeoRedundant with cross-region restore when disaster recovery is on (prod), else
 *   LocallyRedundant (staging); soft delete On (AlwaysOn, irreversible, when protected) for SOFT_DELETE_DAYS;
 *   immutability Unlocked, Locked when protected (then no recovery point can be removed before it expires, by
 *   anyone — the analogue of AWS vault lock in compliance mode); a system-assigned identity.
 * - Policy: daily at `dailyHourUtc` into the VaultStore, kept `retentionDays` (the Default retention rule).
 * - The vault identity holds what Azure Backup documents for this datasource (its Az.DataProtection manifest):
 *   "PostgreSQL Flexible Server Long Term Retention Backup Role" on the server and Reader on its resource group,
 *   granted before the backup instance is created (the instance's validation checks them).
 * - Backup vault job and protected-instance logs (AddonAzureBackupJobs, …) go to the workspace in resource-specific
 *   tables: Observability's DR-copy and backup failure signals read them.
 * - Protected: the vault (Pulumi protect) and, in prod, a CanNotDelete management lock on the stack's resource
 *   group — Azure's own deletion protection for every resource in it, held against any principal until removed.
 */
import { ManagementLockAtResourceGroupLevel } from "@pulumi/azure-native/authorization/managementLockAtResourceGroupLevel";
import { BackupInstance } from "@pulumi/azure-native/dataprotection/backupInstance";
import { BackupPolicy } from "@pulumi/azure-native/dataprotection/backupPolicy";
import { BackupVault } from "@pulumi/azure-native/dataprotection/backupVault";
import { DiagnosticSetting } from "@pulumi/azure-native/monitor/diagnosticSetting";
import * as pulumi from "@pulumi/pulumi";
import type { AzureDatabaseBackupTargets } from "../database/azure";
import { type AzureScope, assignRole } from "../lib/azure";
import { fit as fitName } from "../naming";
import { vaultSchedule } from "./azure-job-script";

export const PG_FLEXIBLE_DATASOURCE = "Microsoft.DBforPostgreSQL/flexibleServers";
export const SOFT_DELETE_DAYS = 14;
const VAULT_STORE = { dataStoreType: "VaultStore", objectType: "DataStoreInfoBase" } as const;

export interface AzureVaultSettings {
  retentionDays: number;
  dailyHourUtc: number;
  disasterRecovery: boolean;
  protect: boolean;
}

export interface AzureBackupVault {
  vault: BackupVault;
  policy: BackupPolicy;
  instance: BackupInstance;
  lock?: ManagementLockAtResourceGroupLevel;
}

/** The vault's storage, security and feature settings (pure, tested). */
export function vaultProperties(v: Pick<AzureVaultSettings, "disasterRecovery" | "protect">) {
  return {
    storageSettings: [{ datastoreType: "VaultStore", type: v.disasterRecovery ? "GeoRedundant" : "LocallyRedundant" }],
    securitySettings: {
      softDeleteSettings: { state: v.protect ? "AlwaysOn" : "On", retentionDurationInDays: SOFT_DELETE_DAYS },
      immutabilitySettings: { state: v.protect ? "Locked" : "Unlocked" },
    },
    ...(v.disasterRecovery ? { featureSettings: { crossRegionRestoreSettings: { state: "Enabled" } } } : {}),
  };
}

/** The daily policy for flexible servers, each backup kept `retentionDays` (pure, tested). */
export function policyProperties(retentionDays: number, dailyHourUtc: number) {
  return {
    objectType: "BackupPolicy" as const,
    datasourceTypes: [PG_FLEXIBLE_DATASOURCE],
    policyRules: [
      {
        name: "BackupDaily",
        objectType: "AzureBackupRule" as const,
        backupParameters: { objectType: "AzureBackupParams" as const, backupType: "Full" },
        dataStore: VAULT_STORE,
        trigger: {
          objectType: "ScheduleBasedTriggerContext" as const,
          schedule: { repeatingTimeIntervals: [vaultSchedule(dailyHourUtc)], timeZone: "UTC" },
          taggingCriteria: [{ isDefault: true, tagInfo: { tagName: "Default" }, taggingPriority: 99 }],
        },
      },
      {
        name: "Default",
        objectType: "AzureRetentionRule" as const,
        isDefault: true,
        lifecycles: [
          {
            deleteAfter: { objectType: "AbsoluteDeleteOption" as const, duration: `P${retentionDays}D` },
            sourceDataStore: VAULT_STORE,
          },
        ],
      },
    ],
  };
}

export function backupVault(
  s: AzureScope,
  targets: AzureDatabaseBackupTargets,
  v: AzureVaultSettings,
): AzureBackupVault {
  const vault = new BackupVault(
    `${s.name}-vault`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      vaultName: fitName(`${s.prefix}-backup-vault`, 50),
      identity: { type: "SystemAssigned" },
      properties: vaultProperties(v),
      tags: s.tags,
    },
    s.opts(true),
  );
  new DiagnosticSetting(
    `${s.name}-vault-diagnostics`,
    {
      name: `${s.prefix}-to-workspace`,
      resourceUri: vault.id,
      workspaceId: s.platform.workspace.id,
      logAnalyticsDestinationType: "Dedicated",
      logs: [{ categoryGroup: "allLogs", enabled: true }],
    },
    s.opts(),
  );
  const policy = new BackupPolicy(
    `${s.name}-policy`,
    {
      resourceGroupName: s.resourceGroupName,
      vaultName: vault.name,
      backupPolicyName: "postgres-daily",
      properties: policyProperties(v.retentionDays, v.dailyHourUtc),
    },
    s.opts(true),
  );
  const principal = vault.identity.apply((i) => i?.principalId ?? "");
  const grants = [
    assignRole(s, `${s.name}-vault-postgres-ltr`, "postgresFlexibleServerLtrBackup", principal, targets.serverId),
    assignRole(s, `${s.name}-vault-group-reader`, "reader", principal, s.platform.resourceGroup.id),
  ];
  const datasource = {
    datasourceType: PG_FLEXIBLE_DATASOURCE,
    resourceType: PG_FLEXIBLE_DATASOURCE,
    resourceID: targets.serverId,
    resourceUri: targets.serverId,
    resourceName: targets.serverName,
    resourceLocation: s.location,
  };
  const instance = new BackupInstance(
    `${s.name}-postgres`,
    {
      resourceGroupName: s.resourceGroupName,
      vaultName: vault.name,
      backupInstanceName: pulumi.interpolate`${targets.serverName}-ltr`,
      properties: {
        objectType: "BackupInstance",
        friendlyName: targets.serverName,
        dataSourceInfo: { ...datasource, objectType: "Datasource" },
        dataSourceSetInfo: { ...datasource, objectType: "DatasourceSet" },
        policyInfo: { policyId: policy.id },
      },
      tags: s.tags,
    },
    s.opts(true, { dependsOn: grants }),
  );
  const lock = v.protect ? resourceGroupLock(s) : undefined;
  return { vault, policy, instance, ...(lock ? { lock } : {}) };
}

function resourceGroupLock(s: AzureScope): ManagementLockAtResourceGroupLevel {
  return new ManagementLockAtResourceGroupLevel(
    `${s.name}-group-lock`,
    {
      resourceGroupName: s.resourceGroupName,
      lockName: `${s.prefix}-cannot-delete`,
      level: "CanNotDelete",
      notes:
        "Loom prod: no resource of this stack can be deleted while this lock exists (database, cache, vaults, " +
        "backups). Remove it deliberately before a planned replacement or teardown (docs/dr-plan.md).",
    },
    s.opts(true),
  );
}
