/**
 * IAM and bucket policy documents for the AWS AppService, as pure functions of plain strings (aws.ts calls them
 * inside `apply`), so the least-privilege shape is tested without mocks.
 */
import { CREDENTIAL_SHAPES } from "../../policy/lib/credential-shapes";
import type { PolicyContext, PolicyDocument } from "../lib/iam";
import type { Redaction } from "../observability/redaction";

export type { PolicyContext, PolicyDocument } from "../lib/iam";
export { ecsTasksTrustPolicy } from "../lib/iam";

/**
 * The execution role's inline policy: read exactly the referenced secrets (ARNs without the `:key::` suffix,
 * de-duplicated and sorted), and decrypt with this account's keys only when Secrets Manager asks.
 */
export function executionSecretsPolicy(ctx: PolicyContext, secretArns: string[]): PolicyDocument {
  const resources = [...new Set(secretArns)].sort();
  if (resources.length === 0) throw new Error("executionSecretsPolicy needs at least one secret ARN");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadReferencedSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: resources,
      },
      {
        Sid: "DecryptSecretsViaSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: `arn:${ctx.partition}:kms:${ctx.region}:${ctx.accountId}:key/*`,
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${ctx.region}.amazonaws.com` } },
      },
    ],
  };
}

/**
 * The task role — the identity of the app and of its telemetry sidecar: send trace segments to X-Ray, and write EMF
 * log events into the one pre-created metrics log group (CloudWatch extracts the `Loom` metrics from them). Nothing
 * else: no `logs:CreateLogGroup` (the group exists), no X-Ray sampling-rule reads (sampling is the SDK's head ratio
 * from the profile, not X-Ray remote sampling), no `cloudwatch:PutMetricData` (the sidecar is the only publisher of
 * the app's `Loom` metrics, docs/metrics.md §3). X-Ray's write actions take no resource-level scope.
 */
export function taskRolePolicy(ctx: PolicyContext, emfLogGroup: string): PolicyDocument {
  const group = `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${emfLogGroup}`;
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "SendTraceSegments", Effect: "Allow", Action: "xray:PutTraceSegments", Resource: "*" },
      {
        Sid: "WriteEmfMetricLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: [group, `${group}:log-stream:*`],
      },
    ],
  };
}

/**
 * A task role's database login (components/database/aws-logins.ts): `rds-db:connect` on exactly the dbuser ARNs of
 * the workload's own token login (the proxy's or the instance's), so web can sign a token for loom_app but never for
 * loom_migrate. Signing the token itself needs no permission; RDS checks this one at login.
 */
export function databaseConnectPolicy(dbUserArns: string[]): PolicyDocument {
  const resources = [...new Set(dbUserArns)].sort();
  if (resources.length === 0) throw new Error("databaseConnectPolicy needs at least one dbuser ARN");
  for (const arn of resources) {
    if (!/^arn:[a-z-]+:rds-db:[a-z0-9-]+:\d{12}:dbuser:(db|prx)-[0-9A-Za-z]+\/[A-Za-z0-9_.@-]+$/.test(arn)) {
      throw new Error(`databaseConnectPolicy: "${arn}" is not one login's dbuser ARN`);
    }
  }
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "ConnectAsOwnDatabaseLogin", Effect: "Allow", Action: "rds-db:connect", Resource: resources }],
  };
}

/** CloudWatch Logs managed data identifiers per redaction class (the credential shapes come on top: below). */
const DATA_IDENTIFIERS: Readonly<Record<keyof Redaction, readonly string[]>> = {
  emails: ["EmailAddress"],
  tokens: ["AwsSecretKey", "OpenSshPrivateKey", "PgpPrivateKey", "PkcsPrivateKey", "PuttyPrivateKey"],
  ips: ["IpAddress"],
};

/**
 * The credential shapes (the pack's one table) CloudWatch can match, as custom data identifiers named
 * `loom-<shape id>`: the shapes its managed identifiers do not already cover, written in the characters it accepts.
 */
export function customDataIdentifiers(): { Name: string; Regex: string }[] {
  return CREDENTIAL_SHAPES.flatMap((s) => (s.cloudwatch ? [{ Name: `loom-${s.id}`, Regex: s.cloudwatch }] : []));
}

/**
 * The data protection policy of an app log group: CloudWatch Logs finds the redaction classes that are on in every
 * event as it is ingested and masks them for anyone without `logs:Unmask` (the container's stdout does not pass
 * through the collector on AWS, so this is where logs are redacted). `tokens` adds the credential shapes as custom
 * data identifiers (LLM, GitHub, Stripe, Slack… keys; CloudWatch's managed ones know only AWS secret keys and
 * private keys). Audit findings go nowhere (the findings metrics only). Undefined when every class is off.
 */
export function logDataProtectionPolicy(partition: string, name: string, r: Redaction): object | undefined {
  const managed = (Object.keys(DATA_IDENTIFIERS) as (keyof Redaction)[])
    .filter((c) => r[c])
    .flatMap((c) => DATA_IDENTIFIERS[c].map((id) => `arn:${partition}:dataprotection::aws:data-identifier/${id}`));
  const custom = r.tokens ? customDataIdentifiers() : [];
  const ids = [...managed, ...custom.map((c) => c.Name)];
  if (ids.length === 0) return undefined;
  return {
    Name: name,
    Description: "Mask personal data and credentials in Loom's logs (loom:observability.redaction)",
    Version: "2021-06-01",
    ...(custom.length > 0 ? { Configuration: { CustomDataIdentifier: custom } } : {}),
    Statement: [
      { Sid: "Audit", DataIdentifier: ids, Operation: { Audit: { FindingsDestination: {} } } },
      { Sid: "Redact", DataIdentifier: ids, Operation: { Deidentify: { MaskConfig: {} } } },
    ],
  };
}

/** Key prefix ALB access logs are written under. */
export const ACCESS_LOG_PREFIX = "alb";

/**
 * The access-log bucket's policy: the region's ELB log-delivery account (older regions) and the log-delivery service
 * principal (regions since 2022) may write under `alb/AWSLogs/<account>/`; any request without TLS is denied.
 */
export function accessLogBucketPolicy(ctx: PolicyContext, bucket: string, elbAccountArn: string): PolicyDocument {
  const bucketArn = `arn:${ctx.partition}:s3:::${bucket}`;
  const logs = `${bucketArn}/${ACCESS_LOG_PREFIX}/AWSLogs/${ctx.accountId}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ElbAccountWritesLogs",
        Effect: "Allow",
        Principal: { AWS: elbAccountArn },
        Action: "s3:PutObject",
        Resource: logs,
      },
      {
        Sid: "ElbServiceWritesLogs",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: logs,
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
