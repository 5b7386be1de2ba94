/**
 * What the GCP AppService files share: the component's scope (lib/gcp.ts), its resolved args and the network
 * placement (VPC, subnet for Direct VPC egress).
 */
import type * as pulumi from "@pulumi/pulumi";
import { handleFor } from "../lib/component";
import { type GcpScope, gcpScope } from "../lib/gcp";
import type { GcpNetworkPlacement } from "../network/gcp";
import type { ResolvedAppServiceArgs } from ".";

export interface AppScope extends GcpScope {
  args: ResolvedAppServiceArgs;
  placement: GcpNetworkPlacement;
}

export function appScope(parent: pulumi.Resource, name: string, args: ResolvedAppServiceArgs): AppScope {
  const placement = handleFor("network.placement", args.network.placement, "gcp");
  return { ...gcpScope(parent, name, args, "app-service"), args, placement };
}
