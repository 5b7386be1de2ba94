/**
 * Object storage is encrypted at rest with a supported algorithm (S3 SSE is never disabled or downgraded; Azure
 * Storage adds infrastructure encryption; customer-managed keys optional via config).
 */

import type { BucketArgs as S3BucketArgs } from "@pulumi/aws/s3/bucket";
import type { BucketServerSideEncryptionConfigurationArgs } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import type { StorageAccountArgs } from "@pulumi/azure-native/storage/storageAccount";
import type { BucketArgs as GcsBucketArgs } from "@pulumi/gcp/storage/bucket";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  requireCustomerManagedKeys: boolean;
  requireInfrastructureEncryption: boolean;
}
const on = checks<Config>();
const S3_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];
const S3_KMS = ["aws:kms", "aws:kms:dsse"];

type SseDefault = { sseAlgorithm: string; kmsMasterKeyId?: string } | undefined;
function checkS3Default(d: SseDefault, where: string, config: Config, report: (m: string) => void): void {
  if (!d) {
    report(`${where} has no applyServerSideEncryptionByDefault; set sseAlgorithm "aws:kms" (or "AES256")`);
  } else if (!S3_ALGORITHMS.includes(d.sseAlgorithm)) {
    report(`${where} sseAlgorithm is ${q(d.sseAlgorithm)}; use "aws:kms" (or "AES256")`);
  } else if (config.requireCustomerManagedKeys && (!S3_KMS.includes(d.sseAlgorithm) || !d.kmsMasterKeyId)) {
    report(`${where} does not use a customer-managed KMS key; set sseAlgorithm "aws:kms" with kmsMasterKeyId`);
  }
}

export const objectStorageEncrypted = rule<Config>({
  name: "object-storage-encrypted",
  concern: "encryption",
  description:
    "Object storage is encrypted at rest: S3 default encryption is a supported algorithm, Azure Storage keeps service and infrastructure encryption on; customer-managed keys optional via config.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'S3: a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and a customer-managed key (ALB access-log buckets must use "AES256"). GCS: `encryption.defaultKmsKeyName` when CMEK is required. Azure Storage: `encryption.requireInfrastructureEncryption: true` (creation-time only) and services not disabled.',
  config: {
    requireCustomerManagedKeys: {
      type: "boolean",
      default: false,
      description:
        "Require a customer-managed key (S3 aws:kms + kmsMasterKeyId, GCS defaultKmsKeyName, Azure keySource Microsoft.Keyvault). Off by default: ALB access logs only support SSE-S3.",
    },
    requireInfrastructureEncryption: {
      type: "boolean",
      default: true,
      description: "Require Azure Storage infrastructure (double) encryption.",
    },
  },
  checks: [
    on<BucketServerSideEncryptionConfigurationArgs>(
      [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
      ],
      (c, ctx) => {
        const rules = c.rules ?? [];
        if (rules.length === 0)
          ctx.report('S3 encryption configuration has no rules; add a rule with sseAlgorithm "aws:kms"');
        for (const r of rules)
          checkS3Default(r.applyServerSideEncryptionByDefault, "S3 encryption rule", ctx.config, ctx.report);
      },
    ),
    on<S3BucketArgs>(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"], (b, ctx) => {
      const inline = b.serverSideEncryptionConfiguration;
      if (inline)
        checkS3Default(
          inline.rule?.applyServerSideEncryptionByDefault,
          "S3 bucket serverSideEncryptionConfiguration",
          ctx.config,
          ctx.report,
        );
    }),
    on<GcsBucketArgs>("gcp:storage/bucket:Bucket", (b, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && !b.encryption?.defaultKmsKeyName) {
        ctx.report(
          "Cloud Storage bucket has no encryption.defaultKmsKeyName (Google-managed key); set a Cloud KMS key",
        );
      }
    }),
    on<StorageAccountArgs>("azure-native:storage:StorageAccount", (s, ctx) => {
      const e = s.encryption;
      if (ctx.config.requireInfrastructureEncryption && e?.requireInfrastructureEncryption !== true) {
        ctx.report(
          "Storage account encryption.requireInfrastructureEncryption is not true; set it at creation (a second, infrastructure-level AES-256 layer)",
        );
      }
      for (const [service, v] of Object.entries(e?.services ?? {})) {
        if (v?.enabled === false)
          ctx.report(`Storage account encryption.services.${service}.enabled is false; remove it or set true`);
      }
      if (ctx.config.requireCustomerManagedKeys && (e?.keySource ?? "Microsoft.Storage") !== "Microsoft.Keyvault") {
        ctx.report(
          `Storage account encryption.keySource is ${q(e?.keySource ?? "Microsoft.Storage (default)")}; set "Microsoft.Keyvault" with keyVaultProperties`,
        );
      }
    }),
  ],
});
