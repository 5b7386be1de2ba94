/**
 * What every builder of AppService on Kubernetes shares (k8s-workloads.ts, k8s-edge.ts): the names, namespace,
 * labels, selectors and child options of one AppService. Built once by kubernetes.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { labelsFor, selectorFor, TIER_LABEL } from "../lib/k8s";
import { k8sOptions, k8sPlatform } from "../lib/k8s-provider";
import type { KubernetesTarget } from "../targets";
import type { ResolvedAppServiceArgs } from ".";
import type { Tier } from "./pod-spec";

export type Opts = (stateful?: boolean, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;

export interface AppScope {
  name: string;
  args: ResolvedAppServiceArgs;
  target: KubernetesTarget;
  /** The Namespace's name as an output (children are created after it). */
  ns: pulumi.Output<string>;
  nsName: string;
  labels: Record<string, string>;
  opts: Opts;
  /** `<name>-<tier>`: the Deployment, ServiceAccount, PDB, autoscaler and Service names. */
  tierName(tier: Tier): string;
  selector(tier: Tier): Record<string, string>;
  podLabels(tier: Tier): Record<string, string>;
}

export function appScope(parent: pulumi.Resource, name: string, args: ResolvedAppServiceArgs): AppScope {
  const target = k8sPlatform(args).target;
  const nsName = target.namespace;
  const labels = labelsFor(args, "app-service");
  const selector = (tier: Tier) => selectorFor(nsName, tier);
  return {
    name,
    args,
    target,
    ns: args.network.networkId,
    nsName,
    labels,
    opts: (stateful = false, extra = {}) => k8sOptions(parent, args, stateful, extra),
    tierName: (tier) => `${name}-${tier}`,
    selector,
    podLabels: (tier) => ({ ...labels, ...selector(tier), [TIER_LABEL]: "app" }),
  };
}
