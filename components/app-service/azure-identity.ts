/**
 * Identity and secrets of the Azure AppService.
 *
 * - The scope every Azure AppService file shares (lib/azure.ts scope + resolved args + network placement).
 * - The app's own secrets (`appSecretNames`) as Key Vault secrets named with dashes (`llm-api-key`), created with
 *   {@link APP_SECRET_PLACEHOLDER}, not "": Container Apps refuses to provision an app whose Key Vault reference
 *   resolves to an empty value (microsoft/azure-container-apps#1291, "Unable to get value"), so an empty secret
 *   would fail the first `up`. The placeholder is no credential: the app's call to its provider fails loudly until
 *   the operator sets the real value out of band (docs/runbooks/deploy.md). ARM's `vaults/secrets` PUT writes a new
 *   version with the value it is given, so after creation the resource ignores changes to `properties` and `tags`
 *   — any later PUT (a tag change) would otherwise overwrite the operator's value. No credential passes through
 *   Pulumi state.
 * - A user-assigned identity per workload (web, worker, migrate) holding Key Vault Secrets User on each secret it
 *   reads (scope: the secret, never the vault, which also holds the database's password administrator), assigned
 *   before the app exists: a system-assigned identity cannot be granted before its app, so the first revision could
 *   not resolve its Key Vault references. With an Azure Database's access the identity is also the workload's
 *   database login (Entra, components/database/azure-logins.ts), named as the Database names it.
 * - Which workload gets which secret: workload-secrets.ts (migrate: the database's only).
 */

import { Secret } from "@pulumi/azure-native/keyvault/secret";
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import type * as pulumi from "@pulumi/pulumi";
import { workloadIdentityName } from "../database/azure-logins";
import { type AzureScope, assignRole, azureScope, secretReadGrants } from "../lib/azure";
import { handleFor } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import type { AzureNetworkPlacement } from "../network/azure";
import type { ResolvedAppServiceArgs } from ".";
import { secretName } from "./azure-sizing";
import { singleValueRefs, WORKLOADS, type Workload } from "./workload-secrets";

/** An app secret's value until the operator sets it (not empty: see the header). */
export const APP_SECRET_PLACEHOLDER = "unset: put the real value in this Key Vault secret (docs/runbooks/deploy.md)";

export interface AppScope extends AzureScope {
  args: ResolvedAppServiceArgs;
  placement: AzureNetworkPlacement;
}

export function appScope(parent: pulumi.Resource, name: string, args: ResolvedAppServiceArgs): AppScope {
  const placement = handleFor("network.placement", args.network.placement, "azure");
  return { ...azureScope(parent, name, args, "app-service"), args, placement };
}

/** One placeholder Key Vault secret per `appSecretNames` entry; the ref is its versionless URI. */
export function appSecrets(s: AppScope): Record<string, SecretRef> {
  const refs: Record<string, SecretRef> = {};
  for (const envName of s.args.appSecretNames) {
    const name = secretName(envName);
    const secret = new Secret(
      `${s.name}-app-secret-${name}`,
      {
        resourceGroupName: s.resourceGroupName,
        vaultName: s.platform.keyVault.name,
        secretName: name,
        properties: { value: APP_SECRET_PLACEHOLDER, contentType: "text/plain" },
        tags: s.tags,
      },
      s.opts(true, { ignoreChanges: ["properties", "tags"] }),
    );
    refs[envName] = { id: secret.properties.apply((p) => p.secretUri) };
  }
  return refs;
}

/** The refs `workload` gets (workload-secrets.ts), by environment variable; a Key Vault secret holds one value. */
export function workloadSecrets(
  s: AppScope,
  workload: Workload,
  app: Record<string, SecretRef>,
): Record<string, SecretRef> {
  return singleValueRefs(
    workload,
    { platform: s.args.secrets, app: s.args.appSecretNames, database: s.args.database?.logins },
    app,
    "Key Vault",
  );
}

export interface Identity {
  identity: UserAssignedIdentity;
  /** What an app must wait for: it resolves its Key Vault references when its first revision starts. */
  grants: pulumi.Resource[];
}

/** A user-assigned identity per workload with Key Vault Secrets User on each secret of `secrets[workload]`. */
export function identities(
  s: AppScope,
  secrets: Record<Workload, Record<string, SecretRef>>,
): Record<Workload, Identity> {
  const out = {} as Record<Workload, Identity>;
  for (const workload of WORKLOADS) {
    const identity = new UserAssignedIdentity(
      `${s.name}-${workload}-identity`,
      {
        resourceGroupName: s.resourceGroupName,
        location: s.location,
        resourceName: workloadIdentityName(s.prefix, workload),
        tags: s.tags,
      },
      s.opts(),
    );
    out[workload] = {
      identity,
      grants: secretReadGrants(s, `${s.name}-${workload}`, identity.principalId, secrets[workload], secretName),
    };
  }
  return out;
}

export interface ContainerSecrets {
  /** `configuration.secrets[]`: Key Vault references only (no value). */
  secrets: { name: string; keyVaultUrl: pulumi.Input<string>; identity: pulumi.Input<string> }[];
  /** `env[]` entries reading them (`secretRef`). */
  env: { name: string; secretRef: string }[];
  /** Secret name by environment variable (the worker's scaler reads REDIS_PASSWORD's). */
  names: Record<string, string>;
}

/** Key Vault references for `refs`, resolved with `identityId`, and the env entries that read them. */
export function containerSecrets(refs: Record<string, SecretRef>, identityId: pulumi.Input<string>): ContainerSecrets {
  const entries = Object.entries(refs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const names = Object.fromEntries(entries.map(([envName]) => [envName, secretName(envName)]));
  return {
    secrets: entries.map(([envName, ref]) => ({
      name: names[envName] as string,
      keyVaultUrl: ref.id,
      identity: identityId,
    })),
    env: entries.map(([envName]) => ({ name: envName, secretRef: names[envName] as string })),
    names,
  };
}

/**
 * Monitoring Metrics Publisher on the stack's Application Insights for each workload: the component takes Entra
 * auth only (local auth off), so the exporter authenticates with the workload's identity.
 */
export function telemetryWriters(s: AppScope, ids: Record<Workload, Identity>): void {
  for (const workload of WORKLOADS) {
    const id = ids[workload];
    id.grants.push(
      assignRole(
        s,
        `${s.name}-${workload}-telemetry-writer`,
        "monitoringMetricsPublisher",
        id.identity.principalId,
        s.platform.telemetry.componentId,
      ),
    );
  }
}
