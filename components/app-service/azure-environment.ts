/**
 * The Container Apps environment of the Azure AppService: VNet-integrated in the network's apps subnet (delegated
 * to Microsoft.App/environments, egress through its NAT gateway), the Consumption workload profile (a
 * workload-profiles environment is the kind whose egress a NAT gateway carries), mTLS between replicas (peer traffic
 * encryption), logs to Azure Monitor with a diagnostic setting into the stack's workspace (no workspace shared key
 * in the environment's configuration or in state), zone-redundant when web keeps three replicas (prod).
 *
 * With the gateway (`loadBalancer`, staging and prod) the environment is internal: its ingress listens only on a
 * private IP in the apps subnet, so web is unreachable around the Application Gateway. Apps of an internal
 * environment are named `<app>.<defaultDomain>`, which public DNS does not resolve; a private DNS zone for the
 * default domain, linked to the VNet, with `*` → the environment's static IP lets the gateway resolve web's FQDN.
 */
import { ManagedEnvironment } from "@pulumi/azure-native/app/managedEnvironment";
import { PrivateRecordSet } from "@pulumi/azure-native/privatedns/privateRecordSet";
import { PrivateZone } from "@pulumi/azure-native/privatedns/privateZone";
import { VirtualNetworkLink } from "@pulumi/azure-native/privatedns/virtualNetworkLink";
import { diagnostics } from "../lib/azure";
import type { AppScope } from "./azure-identity";
import { CONSUMPTION, environmentName } from "./azure-sizing";

/** Web's floor from which the environment spreads replicas over three zones. */
export const ZONE_REDUNDANT_FROM_REPLICAS = 3;

/** Zone redundancy pays off only when web keeps a replica in each of three zones (prod). */
export function zoneRedundant(args: { web: { minReplicas: number } }): boolean {
  return args.web.minReplicas >= ZONE_REDUNDANT_FROM_REPLICAS;
}

export function managedEnvironment(s: AppScope): ManagedEnvironment {
  const { args } = s;
  const env = new ManagedEnvironment(
    `${s.name}-environment`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      environmentName: environmentName(s.prefix),
      vnetConfiguration: { infrastructureSubnetId: s.placement.subnets.apps, internal: args.loadBalancer },
      workloadProfiles: [{ name: CONSUMPTION, workloadProfileType: CONSUMPTION }],
      peerTrafficConfiguration: { encryption: { enabled: true } },
      appLogsConfiguration: { destination: "azure-monitor" },
      // Creation-time only: changing it replaces the environment (and every app in it).
      zoneRedundant: zoneRedundant(args),
      tags: s.tags,
    },
    s.opts(),
  );
  // ContainerAppConsoleLogs / ContainerAppSystemLogs and the environment's metrics into the workspace.
  diagnostics(s, `${s.name}-environment-diagnostics`, env.id);
  if (args.loadBalancer) internalDns(s, env);
  return env;
}

/** `*.<defaultDomain>` → the internal environment's static IP, resolvable inside the VNet (the gateway's). */
function internalDns(s: AppScope, env: ManagedEnvironment): void {
  const zone = new PrivateZone(
    `${s.name}-environment-zone`,
    { resourceGroupName: s.resourceGroupName, location: "global", privateZoneName: env.defaultDomain, tags: s.tags },
    s.opts(),
  );
  new VirtualNetworkLink(
    `${s.name}-environment-zone-link`,
    {
      resourceGroupName: s.resourceGroupName,
      location: "global",
      privateZoneName: zone.name,
      virtualNetworkLinkName: `${s.prefix}-vnet`,
      virtualNetwork: { id: s.placement.vnetId },
      registrationEnabled: false,
      tags: s.tags,
    },
    s.opts(),
  );
  new PrivateRecordSet(
    `${s.name}-environment-wildcard`,
    {
      resourceGroupName: s.resourceGroupName,
      privateZoneName: zone.name,
      recordType: "A",
      relativeRecordSetName: "*",
      ttl: 300,
      aRecords: [{ ipv4Address: env.staticIp }],
    },
    s.opts(),
  );
}
