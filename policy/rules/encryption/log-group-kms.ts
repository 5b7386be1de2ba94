/**
 * In production, log groups (which carry request data and stack traces) are encrypted with a customer-managed key.
 */
import type { LogGroupArgs } from "@pulumi/aws/cloudwatch/logGroup";
import type { ProjectBucketConfigArgs } from "@pulumi/gcp/logging/projectBucketConfig";
import { type EnvironmentConfig, environmentConfig, isProduction } from "../../lib/environment";
import { checks, rule } from "../../lib/rule";

const on = checks<EnvironmentConfig>();

export const logGroupKms = rule<EnvironmentConfig>({
  name: "log-group-kms",
  concern: "encryption",
  description:
    "In production, log storage is encrypted with a customer-managed key (CloudWatch log groups with kmsKeyId; Cloud Logging buckets with CMEK).",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps:
    "Set `kmsKeyId` on CloudWatch log groups to a customer-managed key whose policy allows the `logs.<region>.amazonaws.com` principal (components/lib/aws.ts `encryptedLogGroup` does this); set `cmekSettings.kmsKeyName` on Cloud Logging buckets.",
  config: environmentConfig,
  checks: [
    on<LogGroupArgs>("aws:cloudwatch/logGroup:LogGroup", (lg, ctx) => {
      if (isProduction(ctx.config) && !lg.kmsKeyId) {
        ctx.report(
          `CloudWatch log group has no kmsKeyId in ${ctx.config.environment}; set kmsKeyId to a customer-managed key`,
        );
      }
    }),
    on<ProjectBucketConfigArgs>("gcp:logging/projectBucketConfig:ProjectBucketConfig", (b, ctx) => {
      if (isProduction(ctx.config) && !b.cmekSettings?.kmsKeyName) {
        ctx.report(
          `Cloud Logging bucket has no cmekSettings.kmsKeyName in ${ctx.config.environment}; set a Cloud KMS key`,
        );
      }
    }),
  ],
});
