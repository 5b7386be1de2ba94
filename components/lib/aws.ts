/**
 * AWS building blocks shared by the AWS files of every component: the per-component scope (`awsScope`: prefix,
 * tags, options, account, region), the account/partition lookup the Platform makes once, customer managed KMS keys
 * with rotation and a key policy per consuming service, KMS-encrypted log groups, and the Secrets Manager recovery
 * window. Loaded only by AWS files, so non-AWS stacks never load @pulumi/aws.
 */

import { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { Alias } from "@pulumi/aws/kms/alias";
import { Key } from "@pulumi/aws/kms/key";
import type { Provider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { prefix as namePrefix } from "../naming";
import type { AwsPlatform } from "../platform/aws";
import type { Tags } from "../tags";
import { childOptions, handleFor, type ResolvedBase, tagsFor } from "./component";

export interface AwsAccount {
  accountId: pulumi.Output<string>;
  partition: pulumi.Output<string>;
}

/** The caller's account id and partition (aws, aws-us-gov, aws-cn). The Platform looks them up once per stack. */
export function awsAccount(parent: pulumi.Resource): AwsAccount {
  const identity = getCallerIdentityOutput({}, { parent });
  const partition = getPartitionOutput({}, { parent });
  return { accountId: identity.accountId, partition: partition.partition };
}

/** What every AWS component file starts from: one call instead of a repeated preamble. */
export interface AwsScope {
  parent: pulumi.Resource;
  /** The component's logical name (children are `${name}-…`). */
  name: string;
  platform: AwsPlatform;
  /** `<project>-<stack>`: the start of every physical name. */
  prefix: string;
  region: string;
  account: AwsAccount;
  /** Whether stateful children are protected. */
  protect: boolean;
  /** Tags for a child: component defaults < settings tags < `extra`. */
  tags(extra?: Tags): Tags;
  /** Options for a child; `stateful` children are protected when the component is. */
  opts(stateful?: boolean, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
  /** A CloudWatch log group path under the stack: `/<project>/<stack>/<path>`. */
  logPath(path: string): string;
}

/** The scope of one AWS component (`component` names it in the tags). */
export function awsScope(parent: pulumi.Resource, name: string, args: ResolvedBase, component: string): AwsScope {
  const platform = handleFor("platform", args.platform, "aws");
  const { project, stack } = args.context;
  return {
    parent,
    name,
    platform,
    prefix: namePrefix(project, stack),
    region: platform.region,
    account: platform.account,
    protect: args.protect,
    tags: (extra) => tagsFor(args, component, extra),
    opts: (stateful = false, extra = {}) => childOptions(parent, args, stateful, extra),
    logPath: (path) => `/${project}/${stack}/${path}`,
  };
}

export interface KmsKeyArgs {
  description: string;
  /** `alias/<alias>`; unique per account and region. */
  alias: string;
  /** The key's region; required when a service principal is CloudWatch Logs (its principal and condition are regional). */
  region?: string;
  account: AwsAccount;
  /**
   * Service principals that encrypt with this key on the account's behalf, e.g. `logs.<region>.amazonaws.com`,
   * `cloudwatch.amazonaws.com`. The account root keeps administration (IAM policies then grant use).
   */
  servicePrincipals?: string[];
  tags: Tags;
  protect: boolean;
  /** An explicit provider (the disaster-recovery region's); the key and its alias live where it points. */
  provider?: Provider;
}

/** Pending-deletion window for keys: the longest AWS allows, so a mistaken delete can be cancelled. */
export const KMS_DELETION_WINDOW_DAYS = 30;

/**
 * A customer managed symmetric key with yearly automatic rotation, a 30-day deletion window and a key policy that
 * keeps the account in control and lets only the listed services use it. Protected when `protect` is set: deleting
 * a key makes every backup and snapshot encrypted with it unreadable.
 */
export function kmsKey(parent: pulumi.Resource, name: string, args: KmsKeyArgs): Key {
  const provider = args.provider ? { provider: args.provider } : {};
  const key = new Key(
    name,
    {
      description: args.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      policy: keyPolicy(args),
      tags: args.tags,
    },
    { parent, ...(args.protect ? { protect: true } : {}), ...provider },
  );
  new Alias(name, { name: `alias/${args.alias}`, targetKeyId: key.keyId }, { parent, ...provider });
  return key;
}

/** The key policy: the account root administers, each listed service may use the key (confined to the account). */
function keyPolicy(args: KmsKeyArgs): pulumi.Output<string> {
  return pulumi.all([args.account.accountId, args.account.partition]).apply(([accountId, partition]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministers",
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        ...(args.servicePrincipals ?? []).map((service, i) => {
          const condition = serviceCondition(service, partition, args.region, accountId);
          return {
            Sid: `ServiceUse${i}`,
            Effect: "Allow",
            Principal: { Service: service },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            ...(condition ? { Condition: condition } : {}),
          };
        }),
      ],
    }),
  );
}

/**
 * Confine a service principal to this account. CloudWatch Logs does not send aws:SourceAccount to KMS; AWS documents
 * the encryption-context condition for it instead (the ARN of a log group in this account and region).
 */
function serviceCondition(
  service: string,
  partition: string,
  region: string | undefined,
  accountId: string,
): object | undefined {
  if (/^logs\.[a-z0-9-]+\.amazonaws\.com$/.test(service)) {
    if (!region) throw new Error(`kmsKey: region is required for the CloudWatch Logs principal ${service}`);
    return { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:*` } };
  }
  // CloudWatch alarms publishing to a KMS-encrypted SNS topic: AWS documents an unconditioned grant, and it is not
  // documented that aws:SourceAccount reaches KMS on that path; a wrong condition would silently drop every alert.
  // The topic policy (SourceAccount + SourceArn of our alarms) is what confines who can publish.
  if (service === "cloudwatch.amazonaws.com") return undefined;
  return { StringEquals: { "aws:SourceAccount": accountId } };
}

/**
 * A customer managed key in the scope's region that CloudWatch Logs (and, through grants, the other listed
 * services) may use: the key every component's encrypted log groups share.
 */
export function scopedKey(
  s: AwsScope,
  logical: string,
  k: { description: string; alias: string; logs?: boolean; servicePrincipals?: string[] },
): Key {
  return kmsKey(s.parent, logical, {
    description: k.description,
    alias: k.alias,
    region: s.region,
    account: s.account,
    servicePrincipals: [...(k.logs ? [logsPrincipal(s.region)] : []), ...(k.servicePrincipals ?? [])],
    tags: s.tags(),
    protect: s.protect,
  });
}

/** Secrets Manager recovery window in days: the maximum where data is protected, the minimum elsewhere. */
const SECRET_RECOVERY_DAYS = { protected: 30, unprotected: 7 } as const;

/** The recovery window of a Secrets Manager secret of a component that is (or is not) `protect`ed. */
export function secretRecoveryDays(protect: boolean): number {
  return protect ? SECRET_RECOVERY_DAYS.protected : SECRET_RECOVERY_DAYS.unprotected;
}

export interface LogGroupArgs {
  /** Physical log group name, e.g. /loom/prod/web. */
  logGroupName: string;
  retentionDays: number;
  kmsKeyArn: pulumi.Input<string>;
  tags: Tags;
}

/** A CloudWatch log group encrypted with a customer managed key and an explicit retention. */
export function encryptedLogGroup(parent: pulumi.Resource, name: string, args: LogGroupArgs): LogGroup {
  return new LogGroup(
    name,
    {
      name: args.logGroupName,
      retentionInDays: args.retentionDays,
      kmsKeyId: args.kmsKeyArn,
      tags: args.tags,
    },
    { parent },
  );
}

/** The service principal CloudWatch Logs uses in `region` (needed in key policies). */
export function logsPrincipal(region: string): string {
  return `logs.${region}.amazonaws.com`;
}
