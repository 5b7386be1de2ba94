/**
 * Azure building blocks shared by the Azure files of every component: the per-component scope (`azureScope`:
 * prefix, location, resource group, tags, options), the diagnostic setting every stateful or endpoint resource
 * sends to the stack's Log Analytics workspace, and role assignments by built-in role (never Owner, Contributor,
 * User Access Administrator or RBAC Administrator). Loaded only by Azure files, so other stacks never load
 * @pulumi/azure-native.
 */
import { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment";
import { DiagnosticSetting } from "@pulumi/azure-native/monitor/diagnosticSetting";
import * as pulumi from "@pulumi/pulumi";
import { prefix as namePrefix } from "../naming";
import type { AzurePlatform } from "../platform/azure";
import type { Tags } from "../tags";
import { childOptions, handleFor, type ResolvedBase, tagsFor } from "./component";
import type { SecretRef } from "./secrets";

/** Built-in role definition ids (the GUID part of `/providers/Microsoft.Authorization/roleDefinitions/<id>`). */
export const AZURE_ROLES = {
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  keyVaultCertificateUser: "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  postgresFlexibleServerLtrBackup: "c088a766-074b-43ba-90d4-1fb21feae531",
} as const;
export type AzureRole = keyof typeof AZURE_ROLES;

/** Roles no assignment of this program may grant (loom-guard checks the same list). */
export const FORBIDDEN_ROLE_IDS = [
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
  "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168", // Role Based Access Control Administrator
] as const;

export interface AzureScope {
  parent: pulumi.Resource;
  /** The component's logical name (children are `${name}-…`). */
  name: string;
  platform: AzurePlatform;
  /** `<project>-<stack>`: the start of every physical name. */
  prefix: string;
  location: string;
  resourceGroupName: pulumi.Output<string>;
  tags: Tags;
  /** Options for a child; `stateful` children are protected when the component is. */
  opts(stateful?: boolean, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
}

export function azureScope(parent: pulumi.Resource, name: string, args: ResolvedBase, component: string): AzureScope {
  const platform = handleFor("platform", args.platform, "azure");
  return {
    parent,
    name,
    platform,
    prefix: namePrefix(args.context.project, args.context.stack),
    location: platform.location,
    resourceGroupName: platform.resourceGroup.name,
    tags: tagsFor(args, component),
    opts: (stateful = false, extra = {}) => childOptions(parent, args, stateful, extra),
  };
}

/** The full id of a built-in role in the stack's subscription. */
export function roleDefinitionId(scope: AzureScope, role: AzureRole): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${scope.platform.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLES[role]}`;
}

/** `role` for a managed identity (principalType ServicePrincipal, so it works before Entra replication) at `at`. */
export function assignRole(
  scope: AzureScope,
  name: string,
  role: AzureRole,
  principalId: pulumi.Input<string>,
  at: pulumi.Input<string>,
): RoleAssignment {
  return new RoleAssignment(
    name,
    { principalId, principalType: "ServicePrincipal", roleDefinitionId: roleDefinitionId(scope, role), scope: at },
    scope.opts(),
  );
}

/**
 * Every log and metric of `resourceUri` to the stack's workspace (`allLogs` category group and AllMetrics;
 * `logs: false` for resources without log categories).
 */
export function diagnostics(
  scope: AzureScope,
  name: string,
  resourceUri: pulumi.Input<string>,
  opts: { logs?: boolean; metrics?: boolean } = {},
): DiagnosticSetting {
  return new DiagnosticSetting(
    name,
    {
      name: `${scope.prefix}-to-workspace`,
      resourceUri,
      workspaceId: scope.platform.workspace.id,
      ...(opts.logs === false ? {} : { logs: [{ categoryGroup: "allLogs", enabled: true }] }),
      ...(opts.metrics === false ? {} : { metrics: [{ category: "AllMetrics", enabled: true }] }),
    },
    scope.opts(),
  );
}

/**
 * The ARM id of the Key Vault secret a versionless secret URI `https://<vault>.vault.azure.net/secrets/<name>` names,
 * under `vaultId` (a role assignment's scope: one secret, never the vault).
 */
export function keyVaultSecretScope(vaultId: string, uri: string): string {
  const m = /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/([A-Za-z0-9-]{1,127})\/?$/.exec(uri);
  if (!m) throw new Error(`${uri} is not a versionless Key Vault secret URI`);
  return `${vaultId}/secrets/${m[1]}`;
}

/**
 * Key Vault Secrets User for `principalId` on each distinct secret `refs` names (by environment variable, in name
 * order), never on the vault: the role assignments `<prefix>-reads-<nameOf(env)>`. One rule for the app's
 * workloads and the backup job.
 */
export function secretReadGrants(
  scope: AzureScope,
  prefix: string,
  principalId: pulumi.Input<string>,
  refs: Record<string, SecretRef>,
  nameOf: (envName: string) => string,
): RoleAssignment[] {
  const seen = new Set<pulumi.Input<string>>();
  const out: RoleAssignment[] = [];
  for (const [envName, ref] of Object.entries(refs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (seen.has(ref.id)) continue;
    seen.add(ref.id);
    const at = pulumi
      .all([scope.platform.keyVault.id, pulumi.output(ref.id)])
      .apply(([vault, uri]) => keyVaultSecretScope(vault, uri));
    out.push(assignRole(scope, `${prefix}-reads-${nameOf(envName)}`, "keyVaultSecretsUser", principalId, at));
  }
  return out;
}
