/**
 * Private DNS for the stack's private endpoints and PostgreSQL's VNet integration, and the Key Vault's private
 * endpoint. Each zone is global and linked to the VNet with auto-registration off (only the services' own records
 * live in it). Database and Cache register their records: PostgreSQL through `privateDnsZoneArmResourceId`, Redis
 * through its private endpoint's DNS zone group; the vault's zone group is here.
 */
import { PrivateDnsZoneGroup } from "@pulumi/azure-native/network/privateDnsZoneGroup";
import { PrivateEndpoint } from "@pulumi/azure-native/network/privateEndpoint";
import { PrivateZone } from "@pulumi/azure-native/privatedns/privateZone";
import { VirtualNetworkLink } from "@pulumi/azure-native/privatedns/virtualNetworkLink";
import type * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "../lib/azure";
import type { AzurePrivateZones } from "./azure";

/** The zone names: PostgreSQL's must end in `.private.postgres.database.azure.com` (a per-stack name). */
export function privateZoneNames(prefix: string): Record<keyof AzurePrivateZones, string> {
  return {
    postgres: `${prefix}.private.postgres.database.azure.com`,
    redis: "privatelink.redis.azure.net",
    vault: "privatelink.vaultcore.azure.net",
  };
}

function zone(
  s: AzureScope,
  key: keyof AzurePrivateZones,
  zoneName: string,
  vnetId: pulumi.Input<string>,
): PrivateZone {
  const z = new PrivateZone(
    `${s.name}-dns-${key}`,
    { resourceGroupName: s.resourceGroupName, privateZoneName: zoneName, location: "global", tags: s.tags },
    s.opts(),
  );
  new VirtualNetworkLink(
    `${s.name}-dns-${key}`,
    {
      resourceGroupName: s.resourceGroupName,
      privateZoneName: z.name,
      virtualNetworkLinkName: `${s.prefix}-vnet`,
      location: "global",
      virtualNetwork: { id: vnetId },
      registrationEnabled: false,
      tags: s.tags,
    },
    s.opts(),
  );
  return z;
}

export function privateZones(s: AzureScope, vnetId: pulumi.Input<string>): AzurePrivateZones {
  const names = privateZoneNames(s.prefix);
  return {
    postgres: zone(s, "postgres", names.postgres, vnetId).id,
    redis: zone(s, "redis", names.redis, vnetId).id,
    vault: zone(s, "vault", names.vault, vnetId).id,
  };
}

/** The stack vault's private endpoint in the endpoints subnet, its A record in the vault zone. */
export function vaultEndpoint(
  s: AzureScope,
  subnetId: pulumi.Input<string>,
  vaultZoneId: pulumi.Input<string>,
): PrivateEndpoint {
  const endpoint = new PrivateEndpoint(
    `${s.name}-vault-endpoint`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      privateEndpointName: `${s.prefix}-vault`,
      subnet: { id: subnetId },
      privateLinkServiceConnections: [
        { name: `${s.prefix}-vault`, privateLinkServiceId: s.platform.keyVault.id, groupIds: ["vault"] },
      ],
      tags: s.tags,
    },
    s.opts(),
  );
  new PrivateDnsZoneGroup(
    `${s.name}-vault-endpoint`,
    {
      resourceGroupName: s.resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: vaultZoneId }],
    },
    s.opts(),
  );
  return endpoint;
}
