/**
 * Where the network's logs are kept on GCP, and for how long (`flowLogRetentionDays`).
 *
 * VPC flow logs (the app subnet's `logConfig`), Cloud NAT logs and the deny rule's firewall logs are written to
 * Cloud Logging, where the `_Default` sink would put them in the `_Default` bucket, whose retention is
 * Observability's (`logRetentionDays`). To keep them exactly `flowLogRetentionDays`, as the AWS flow-log group
 * does, a project sink routes them to a dedicated log bucket in the stack's region with that retention, and a
 * project exclusion (the `projects.exclusions` API applies to the `_Default` sink) keeps them out of `_Default`,
 * so they are stored and billed once. The filters name this stack's subnet and NAT gateway only, so two stacks in
 * one project never take each other's logs. The sink writes to a bucket of its own project, which needs no IAM grant.
 * The bucket is encrypted with a customer-managed key on the platform's key ring (same region as the bucket, as
 * Logging requires; 90-day rotation), like the AWS flow-log group: Logging's CMEK service account, which
 * `getCmekSettings` reports (and provisions on first call), holds encrypterDecrypter before the bucket exists.
 * A custom log bucket, once deleted, keeps its id for 7 days: recreating the stack within a week needs a new id.
 */
import type { ProjectBucketConfig } from "@pulumi/gcp/logging/projectBucketConfig";
import type { GcpScope } from "../lib/gcp";
import { routedLogBucket } from "../lib/gcp-log-bucket";

/** Cloud Logging keeps a custom bucket's logs 1 to 3650 days. */
export const MIN_LOG_RETENTION_DAYS = 1;
export const MAX_LOG_RETENTION_DAYS = 3650;

const logName = (project: string, log: string) => `logName="projects/${project}/logs/compute.googleapis.com%2F${log}"`;

/**
 * The Logging query of the network's logs. Every clause is parenthesised: in the Logging query language OR binds
 * tighter than AND.
 */
export function networkLogFilter(project: string, subnetwork: string, natGateway: string): string {
  const subnetLogs = `(${logName(project, "vpc_flows")} OR ${logName(project, "firewall")})`;
  const ofSubnet = `(${subnetLogs} AND resource.type="gce_subnetwork" AND resource.labels.subnetwork_name="${subnetwork}")`;
  const ofNat = `(${logName(project, "nat_flows")} AND resource.type="nat_gateway" AND resource.labels.gateway_name="${natGateway}")`;
  return `${ofSubnet} OR ${ofNat}`;
}

export interface NetworkLogNames {
  subnetwork: string;
  natGateway: string;
}

export function networkLogs(s: GcpScope, names: NetworkLogNames, retentionDays: number): ProjectBucketConfig {
  return routedLogBucket(s, {
    id: "network-logs",
    bucketSuffix: "network",
    holds: "VPC flow logs, Cloud NAT logs and denied firewall connections of the stack's network",
    retention: "Network logs to their own bucket (flowLogRetentionDays)",
    filter: networkLogFilter(s.project, names.subnetwork, names.natGateway),
    retentionDays,
  });
}
