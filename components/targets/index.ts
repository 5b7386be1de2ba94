/**
 * The registry of cloud targets: one entry per implemented cloud, each from its own file (targets/<cloud>.ts).
 * Adding a cloud = one target file + one line here; settings.ts, cloud.ts and the types follow from this table.
 * Pure: zod only, no @pulumi SDK (an AWS stack must not load another cloud's SDK, and tests run without Pulumi).
 */
import type { Cloud } from "../cloud";
import { type AwsTarget, awsTarget } from "./aws";
import { type AzureTarget, azureTarget } from "./azure";
import { type DigitalOceanTarget, digitaloceanTarget } from "./digitalocean";
import { type GcpTarget, gcpTarget } from "./gcp";
import { type KubernetesTarget, kubernetesTarget } from "./kubernetes";
import type { AnyTargetSpec } from "./spec";

export const TARGETS = {
  aws: awsTarget,
  azure: azureTarget,
  digitalocean: digitaloceanTarget,
  gcp: gcpTarget,
  kubernetes: kubernetesTarget,
} satisfies { [C in Cloud]?: AnyTargetSpec<C> };

/** The clouds with a target (and component files). */
export type ImplementedCloud = keyof typeof TARGETS;

/** The resolved target of a stack, discriminated by `cloud`. */
export type Target = AwsTarget | GcpTarget | AzureTarget | DigitalOceanTarget | KubernetesTarget;

/** The target type of one cloud: `TargetOf<"aws">` = AwsTarget. */
export type TargetOf<C extends ImplementedCloud> = Extract<Target, { cloud: C }>;

export type { AwsTarget } from "./aws";
export { AWS_DR_REGIONS, AWS_ZONES } from "./aws-regions";
export type { AzureTarget, MigrateRunner } from "./azure";
export { AZURE_PAIRS } from "./azure-regions";
export type { DigitalOceanTarget } from "./digitalocean";
export { DO_DR_REGIONS, DO_VPC_CIDRS } from "./digitalocean-regions";
export type { CloudSqlEdition, GcpTarget } from "./gcp";
export { GCP_DR_REGIONS } from "./gcp-regions";
export { K8S_CLUSTER_CIDRS_DEFAULT, type KubernetesBackupSettings, type KubernetesTarget } from "./kubernetes";
export type { TargetContext, TargetSpec } from "./spec";
