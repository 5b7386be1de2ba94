/**
 * AppService on Azure — STUB written with the contract; the app-service helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";

/** What Observability on Azure builds Container Apps / Application Gateway alerts and dashboards from. */
export interface AzureAppMonitoring {
  cloud: "azure";
  /** ARM ids of the web and worker container apps (metric alert scopes). */
  webAppId: pulumi.Output<string>;
  workerAppId: pulumi.Output<string>;
  /** The migrate runner's ARM id (Container Apps job or container group). */
  migrateId: pulumi.Output<string>;
  /** The Application Gateway's ARM id; none without the load balancer (dev). */
  gatewayId?: pulumi.Output<string>;
  /** Host an availability test calls (the domain). */
  publicHost: pulumi.Output<string>;
  healthPath: string;
}

/**
 * Where other components run their own containers beside the app (Azure: the Container Apps environment, which
 * the logical-backup job joins — one environment per subnet, and it has the VNet, NAT and the workspace already).
 */
export interface AzureAppRuntime {
  cloud: "azure";
  environmentId: pulumi.Output<string>;
  environmentName: pulumi.Output<string>;
}

export function create(
  _parent: pulumi.ComponentResource,
  _name: string,
  _args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  throw new Error("AppService on azure: not built yet");
}
