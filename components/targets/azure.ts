/**
 * The Azure target: `loom:azure` and `azure-native:location`. Pure: zod only, no SDK.
 *
 * Rules: `azure-native:location` is required (the provider reads it too); `drLocation` defaults to Azure's published
 * pair (azure-regions.ts) and must differ from the location; the migrate runner is a Container Apps job (default) or
 * Container Instances (`aci`, the seed's service, kept for the one-off task); the App Gateway's certificate comes
 * from Key Vault (`certificateSecretId`, or by default the stack vault's certificate named after the domain).
 */
import { z } from "zod";
import { AZURE_LOCATION, AZURE_PAIRS } from "./azure-regions";
import type { TargetContext, TargetSpec } from "./spec";
import { show } from "./values";

export type MigrateRunner = "job" | "aci";

export interface AzureTarget {
  cloud: "azure";
  /** `azure-native:location`: where every resource lives (except geo-redundant copies, which go to the pair). */
  location: string;
  /** The DR location (Azure's pair by default): geo-redundant backups and the backup vault's cross-region restore. */
  drLocation: string;
  /** The one-off migration task: a Container Apps job (default) or a Container Instances group. */
  migrateRunner: MigrateRunner;
  /** An Azure DNS zone holding `loom:domain` (resource group + zone name): the A/CNAME records and domain validation. */
  dnsZone?: { resourceGroup: string; name: string };
  /**
   * The Key Vault secret id (versionless) of the TLS certificate the Application Gateway serves. Default: the
   * certificate named after the domain (dots → dashes) in the stack's own vault, imported before the first `up`.
   */
  certificateSecretId?: string;
  /** Override of the stack's Key Vault name (globally unique, 3–24 of a-z 0-9 -). Default: derived from the stack. */
  keyVaultName?: string;
  /** Entra group (object id) made the PostgreSQL administrator. Default: the deploying principal. */
  databaseAdminGroupId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_ID = /^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/(secrets|certificates)\/[A-Za-z0-9-]{1,127}\/?$/;

const schema = z
  .object({
    drLocation: z.string().regex(AZURE_LOCATION, "must be an Azure location name such as northeurope"),
    migrateRunner: z.enum(["job", "aci"]),
    dnsZone: z
      .object({
        resourceGroup: z.string().regex(/^[-\w.()]{1,90}$/, "must be a resource group name"),
        name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,63}$/, "must be a DNS zone name such as example.com"),
      })
      .strict(),
    certificateSecretId: z
      .string()
      .regex(SECRET_ID, "must be a versionless Key Vault secret id https://<vault>.vault.azure.net/secrets/<name>"),
    keyVaultName: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/, "must be 3-24 of a-z 0-9 -, starting with a letter"),
    databaseAdminGroupId: z.string().regex(GUID, "must be an Entra object id (a GUID)"),
  })
  .partial()
  .strict();

const key = (name: string) => `loom:azure.${name}`;

function locationOf(ctx: TargetContext): string | undefined {
  const location = ctx.providerConfig["azure-native:location"];
  if (!location) ctx.problems.push("azure-native:location is required for loom:cloud azure, e.g. westeurope");
  else if (!AZURE_LOCATION.test(location)) {
    ctx.problems.push(`azure-native:location: ${show(location)} is not an Azure location name such as westeurope`);
  } else return location;
  return undefined;
}

function drLocationOf(config: z.output<typeof schema>, location: string, ctx: TargetContext): string {
  const dr = config.drLocation ?? AZURE_PAIRS[location];
  if (dr === undefined) {
    ctx.problems.push(
      `${key("drLocation")} is required: azure-native:location ${location} has no pair in components/targets/azure-regions.ts`,
    );
    return "";
  }
  if (dr === location) {
    ctx.problems.push(
      `${key("drLocation")}: ${show(dr)} is azure-native:location itself; disaster-recovery copies must go to another region`,
    );
  }
  return dr;
}

export const azureTarget = {
  cloud: "azure",
  schema,
  providerKeys: ["azure-native:location"],
  resolve(config, ctx): AzureTarget {
    const location = locationOf(ctx);
    const migrateRunner = config.migrateRunner ?? "job";
    if (location === undefined) return { cloud: "azure", location: "", drLocation: "", migrateRunner };
    return {
      cloud: "azure",
      location,
      drLocation: drLocationOf(config, location, ctx),
      migrateRunner,
      ...(config.dnsZone ? { dnsZone: config.dnsZone } : {}),
      ...(config.certificateSecretId ? { certificateSecretId: config.certificateSecretId } : {}),
      ...(config.keyVaultName ? { keyVaultName: config.keyVaultName } : {}),
      ...(config.databaseAdminGroupId ? { databaseAdminGroupId: config.databaseAdminGroupId } : {}),
    };
  },
} satisfies TargetSpec<"azure", typeof schema, AzureTarget>;
