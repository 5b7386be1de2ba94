/**
 * Platform on Azure: what every Azure component shares, resolved or built once, before any of them.
 *
 * - `location` (`azure-native:location`) and the caller's subscription, tenant and object id (one lookup).
 * - `resourceGroup`: the stack's one resource group (`<project>-<stack>`), protected in prod — every resource lives
 *   in it, so a `CanNotDelete` lock on it (Backups, prod) guards them all.
 * - `workspace`: the Log Analytics workspace every diagnostic setting writes to (PerGB2018, retention
 *   max(30, logRetentionDays): 30 days is the workspace floor; shorter per-table retention is Observability's).
 * - `keyVault`: the stack's Key Vault (RBAC authorization, no access policies, 90-day soft delete; in prod purge
 *   protection, `protect` and a deny-by-default firewall). Every secret of the stack lives in it: generated
 *   credentials (database, cache), the app's own secrets (created empty), the gateway's certificate.
 * - `telemetry`: a workspace-based Application Insights component with local (key) auth disabled, where the app's
 *   Azure Monitor OpenTelemetry exporter sends requests, traces and metrics (Entra auth with the workload's
 *   identity, Monitoring Metrics Publisher on the component); its connection string is kept in the vault because
 *   its name is a credential name to every reader (loom-guard's sensitive-name rule) — it holds no key.
 */
import { Component } from "@pulumi/azure-native/applicationinsights/component";
import { getClientConfigOutput } from "@pulumi/azure-native/authorization/getClientConfig";
import { Secret } from "@pulumi/azure-native/keyvault/secret";
import { Vault } from "@pulumi/azure-native/keyvault/vault";
import { Workspace } from "@pulumi/azure-native/operationalinsights/workspace";
import { ResourceGroup } from "@pulumi/azure-native/resources/resourceGroup";
import * as pulumi from "@pulumi/pulumi";
import type { SecretRef } from "../lib/secrets";
import { fit as fitName, prefix as namePrefix, stableHash } from "../naming";
import { baseTags, mergeTags } from "../tags";
import type { AzureTarget } from "../targets/azure";
import type { ResolvedPlatformArgs } from ".";

export interface AzurePlatform {
  cloud: "azure";
  target: AzureTarget;
  location: string;
  /** Disaster recovery on (prod): geo-redundant database backups and backup vault, cross-region restore. */
  disasterRecovery: boolean;
  subscriptionId: pulumi.Output<string>;
  tenantId: pulumi.Output<string>;
  /** The deploying principal's object id (the default PostgreSQL Entra administrator). */
  deployerObjectId: pulumi.Output<string>;
  resourceGroup: { name: pulumi.Output<string>; id: pulumi.Output<string> };
  /** Log Analytics: `id` for diagnostic settings, `customerId` for the Container Apps environment. */
  workspace: { id: pulumi.Output<string>; customerId: pulumi.Output<string>; name: pulumi.Output<string> };
  keyVault: { id: pulumi.Output<string>; name: pulumi.Output<string>; uri: pulumi.Output<string> };
  /** Application Insights: its id (role scope for the workloads) and the connection string's Key Vault secret. */
  telemetry: { componentId: pulumi.Output<string>; connectionString: SecretRef };
}

/** Log Analytics keeps at least 30 days (the workspace floor) and at most 730 interactively. */
export function workspaceRetentionDays(logRetentionDays: number): number {
  return Math.min(730, Math.max(30, logRetentionDays));
}

/** Globally unique and 3–24 long: the stack prefix, shortened, and a stable hash of project/stack. */
export function keyVaultName(project: string, stack: string): string {
  const hash = stableHash(`${project}/${stack}`).padStart(6, "0").slice(0, 6);
  return `${fitName(`kv-${project}-${stack}`, 17)}-${hash}`;
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedPlatformArgs<"azure">,
): AzurePlatform {
  const { target, context } = args;
  const prefix = namePrefix(context.project, context.stack);
  const tags = mergeTags(baseTags(context, "platform"), context.tags);
  const stateful = (): pulumi.CustomResourceOptions => ({ parent, ...(args.protect ? { protect: true } : {}) });
  const client = getClientConfigOutput({ parent });
  const group = new ResourceGroup(
    `${name}-rg`,
    { resourceGroupName: prefix, location: target.location, tags },
    stateful(),
  );
  const workspace = new Workspace(
    `${name}-logs`,
    {
      resourceGroupName: group.name,
      location: target.location,
      workspaceName: `${prefix}-logs`,
      sku: { name: "PerGB2018" },
      retentionInDays: workspaceRetentionDays(args.logRetentionDays),
      tags,
    },
    stateful(),
  );
  const vault = new Vault(
    `${name}-vault`,
    {
      resourceGroupName: group.name,
      location: target.location,
      vaultName: target.keyVaultName ?? keyVaultName(context.project, context.stack),
      properties: {
        tenantId: client.tenantId,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        ...(args.protect
          ? { enablePurgeProtection: true, networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } }
          : {}),
      },
      tags,
    },
    stateful(),
  );
  const telemetry = appInsights(parent, name, {
    prefix,
    location: target.location,
    tags,
    group,
    workspace,
    vault,
    stateful,
  });
  return {
    cloud: "azure",
    target,
    location: target.location,
    disasterRecovery: args.disasterRecovery,
    subscriptionId: client.subscriptionId,
    tenantId: client.tenantId,
    deployerObjectId: client.objectId,
    resourceGroup: { name: group.name, id: group.id },
    workspace: { id: workspace.id, customerId: workspace.customerId, name: workspace.name },
    keyVault: { id: vault.id, name: vault.name, uri: vault.properties.apply((p) => p.vaultUri ?? "") },
    telemetry,
  };
}

interface InsightsPlace {
  prefix: string;
  location: string;
  tags: Record<string, string>;
  group: ResourceGroup;
  workspace: Workspace;
  vault: Vault;
  stateful: () => pulumi.CustomResourceOptions;
}

/** Workspace-based Application Insights, local auth off, and its connection string in the stack's vault. */
function appInsights(parent: pulumi.Resource, name: string, p: InsightsPlace): AzurePlatform["telemetry"] {
  const insights = new Component(
    `${name}-insights`,
    {
      resourceGroupName: p.group.name,
      location: p.location,
      resourceName: `${p.prefix}-insights`,
      kind: "web",
      applicationType: "web",
      workspaceResourceId: p.workspace.id,
      ingestionMode: "LogAnalytics",
      disableLocalAuth: true,
      tags: p.tags,
    },
    { parent },
  );
  const connection = new Secret(
    `${name}-insights-connection`,
    {
      resourceGroupName: p.group.name,
      vaultName: p.vault.name,
      secretName: `${p.prefix}-insights-connection`,
      properties: { value: pulumi.secret(insights.connectionString), contentType: "text/plain" },
      tags: p.tags,
    },
    p.stateful(),
  );
  return { componentId: insights.id, connectionString: { id: connection.properties.apply((c) => c.secretUri) } };
}
