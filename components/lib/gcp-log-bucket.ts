/**
 * A log bucket of the stack's own, with the logs that match a filter routed into it and kept out of `_Default`
 * (stored and billed once): a customer-managed key (Logging's CMEK service account granted before the bucket is
 * created), `retentionDays`, a sink with its own writer identity and the `_Default` exclusion. The network's flow
 * logs and the stack's service logs both live in one of these, so stacks sharing a project keep their own retention.
 */
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms/cryptoKeyIAMMember";
import { getProjectCmekSettingsOutput } from "@pulumi/gcp/logging/getProjectCmekSettings";
import { ProjectBucketConfig } from "@pulumi/gcp/logging/projectBucketConfig";
import { ProjectExclusion } from "@pulumi/gcp/logging/projectExclusion";
import { ProjectSink } from "@pulumi/gcp/logging/projectSink";
import * as pulumi from "@pulumi/pulumi";
import { fit as fitName } from "../naming";
import { cmekKey, type GcpScope } from "./gcp";

export interface RoutedLogBucket {
  /** Logical and physical name part: `<name>-<id>` resources, bucket `<prefix>-<bucketSuffix>`. */
  id: string;
  bucketSuffix: string;
  /** What the bucket holds (its description). */
  holds: string;
  /** The sink's description: which retention applies. */
  retention: string;
  filter: pulumi.Input<string>;
  retentionDays: number;
  /** Entries the sink drops although the filter matches them (stored nowhere: `_Default` excludes the filter too). */
  exclusions?: { name: string; description: string; filter: string }[];
}

export function routedLogBucket(s: GcpScope, b: RoutedLogBucket): ProjectBucketConfig {
  const key = cmekKey(s, `${s.name}-${b.id}-key`, []);
  const agent = getProjectCmekSettingsOutput(
    { project: s.project },
    { parent: s.parent, dependsOn: s.platform.apis },
  ).serviceAccountId;
  const grant = new CryptoKeyIAMMember(
    `${s.name}-${b.id}-key-agent`,
    {
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: pulumi.interpolate`serviceAccount:${agent}`,
    },
    s.opts(),
  );
  const bucket = new ProjectBucketConfig(
    `${s.name}-${b.id}`,
    {
      project: s.project,
      location: s.region,
      bucketId: fitName(`${s.prefix}-${b.bucketSuffix}`, 100),
      retentionDays: b.retentionDays,
      description: b.holds,
      cmekSettings: { kmsKeyName: key.id },
    },
    s.opts(true, { dependsOn: [grant] }),
  );
  new ProjectSink(
    `${s.name}-${b.id}`,
    {
      project: s.project,
      name: fitName(`${s.prefix}-${b.id}`, 100),
      description: b.retention,
      destination: bucket.id.apply((id) => `logging.googleapis.com/${id}`),
      filter: b.filter,
      ...(b.exclusions?.length ? { exclusions: b.exclusions } : {}),
      uniqueWriterIdentity: true,
    },
    s.opts(),
  );
  new ProjectExclusion(
    `${s.name}-${b.id}`,
    {
      project: s.project,
      name: fitName(`${s.prefix}-${b.id}`, 100),
      description: `Kept in their own bucket ${s.prefix}-${b.bucketSuffix}, not in _Default`,
      filter: b.filter,
    },
    s.opts(),
  );
  return bucket;
}
