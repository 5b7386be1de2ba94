/**
 * The AWS AppService edge: the access-log bucket, an internet-facing ALB (TLS 1.3 policy, HTTP→HTTPS 301, HSTS,
 * invalid headers dropped, access logs), the web target group, the ACM certificate (DNS-validated when the target
 * has a hosted zone, else the target's existing certificate), the listeners, and the optional WAFv2 web ACL.
 *
 * `loadBalancer` has no effect on AWS: ECS Fargate has no built-in HTTPS endpoint, so the ALB always stays
 * (components/applicability.ts says so and settings warns).
 */
import { Certificate } from "@pulumi/aws/acm/certificate";
import { CertificateValidation } from "@pulumi/aws/acm/certificateValidation";
import { getServiceAccountOutput } from "@pulumi/aws/elb/getServiceAccount";
import { Listener } from "@pulumi/aws/lb/listener";
import { ListenerRule } from "@pulumi/aws/lb/listenerRule";
import { LoadBalancer } from "@pulumi/aws/lb/loadBalancer";
import { TargetGroup } from "@pulumi/aws/lb/targetGroup";
import { Record as DnsRecord } from "@pulumi/aws/route53/record";
import { Bucket } from "@pulumi/aws/s3/bucket";
import { BucketLifecycleConfiguration } from "@pulumi/aws/s3/bucketLifecycleConfiguration";
import { BucketOwnershipControls } from "@pulumi/aws/s3/bucketOwnershipControls";
import { BucketPolicy } from "@pulumi/aws/s3/bucketPolicy";
import { BucketPublicAccessBlock } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import { BucketServerSideEncryptionConfiguration } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import { IpSet } from "@pulumi/aws/wafv2/ipSet";
import { WebAcl } from "@pulumi/aws/wafv2/webAcl";
import { WebAclAssociation } from "@pulumi/aws/wafv2/webAclAssociation";
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../naming";
import type { AppScope, CertificateSource } from "./aws-scope";
import { ACCESS_LOG_PREFIX, accessLogBucketPolicy } from "./policies";
import { type AllowList, aclVisibility, wafRules } from "./waf";

/** TLS 1.3 with TLS 1.2 fallback (forward-secret ciphers only). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const HSTS_HEADER = "max-age=31536000; includeSubDomains; preload";

export interface Edge {
  alb: LoadBalancer;
  targetGroup: TargetGroup;
  https: Listener;
}

export function edge(s: AppScope, cert: CertificateSource, allowed: AllowList | undefined): Edge {
  const alb = loadBalancer(s, accessLogBucket(s));
  const targetGroup = webTargetGroup(s);
  const https = listeners(s, alb, targetGroup, certificate(s, cert, alb));
  if (s.args.waf) webAcl(s, alb, allowed);
  return { alb, targetGroup, https };
}

/** The access-log bucket: private, owner-enforced, SSE-S3, expiring with the log retention. Returns what the ALB waits for. */
function accessLogBucket(s: AppScope): { bucket: Bucket; ready: pulumi.Resource[] } {
  const { name, prefix, region, parent } = s;
  const elbAccount = getServiceAccountOutput({}, { parent });
  const logBucket = new Bucket(
    `${name}-alb-logs`,
    {
      bucket: pulumi.interpolate`${naming.fit(`${prefix}-alb-logs-${region}`, 50)}-${s.account.accountId}`,
      forceDestroy: false,
      tags: s.tags(),
    },
    s.opts(true),
  );
  const bucket = logBucket.bucket;
  const publicAccess = new BucketPublicAccessBlock(
    `${name}-alb-logs`,
    { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    { parent },
  );
  const ownership = new BucketOwnershipControls(
    `${name}-alb-logs`,
    { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  // ALB access logs support only SSE-S3 (AES256) on the target bucket, not SSE-KMS.
  const encryption = new BucketServerSideEncryptionConfiguration(
    `${name}-alb-logs`,
    { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  new BucketLifecycleConfiguration(
    `${name}-alb-logs`,
    {
      bucket,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: {},
          expiration: { days: s.args.logRetentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    { parent },
  );
  const bucketPolicy = new BucketPolicy(
    `${name}-alb-logs`,
    {
      bucket,
      policy: pulumi
        .all([s.policyContext, bucket, elbAccount.arn])
        .apply(([ctx, b, elbArn]) => JSON.stringify(accessLogBucketPolicy(ctx, b, elbArn))),
    },
    { parent, dependsOn: [publicAccess] },
  );
  return { bucket: logBucket, ready: [bucketPolicy, encryption, ownership] };
}

function loadBalancer(s: AppScope, logs: { bucket: Bucket; ready: pulumi.Resource[] }): LoadBalancer {
  return new LoadBalancer(
    `${s.name}-alb`,
    {
      name: naming.fit(`${s.prefix}-web`, 32),
      internal: false,
      loadBalancerType: "application",
      ipAddressType: "ipv4",
      subnets: s.placement.publicSubnetIds,
      securityGroups: [s.args.network.tiers.edge],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      idleTimeout: 60,
      enableDeletionProtection: s.args.deletionProtection,
      accessLogs: { bucket: logs.bucket.bucket, prefix: ACCESS_LOG_PREFIX, enabled: true },
      tags: s.tags(),
    },
    // The ALB checks it can write to the bucket when access logs are turned on.
    { parent: s.parent, dependsOn: logs.ready },
  );
}

function webTargetGroup(s: AppScope): TargetGroup {
  const { app } = s.args;
  return new TargetGroup(
    `${s.name}-web`,
    {
      name: naming.fit(`${s.prefix}-web`, 32),
      targetType: "ip",
      protocol: "HTTP",
      port: app.port,
      vpcId: s.placement.vpcId,
      // Short drain: the ALB stops routing first, then ECS stops the task with stopTimeout to finish in-flight work.
      deregistrationDelay: 30,
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        port: "traffic-port",
        path: app.healthPath,
        matcher: "200-399",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      tags: s.tags(),
    },
    { parent: s.parent },
  );
}

/** The certificate the HTTPS listener serves: DNS-validated in the target's zone (plus the alias record), else the target's. */
function certificate(s: AppScope, source: CertificateSource, alb: LoadBalancer): pulumi.Input<string> {
  if ("certificateArn" in source) return source.certificateArn;
  const { name, parent } = s;
  const { domain } = s.args;
  const zoneId = source.hostedZoneId;
  const cert = new Certificate(
    `${name}-web`,
    { domainName: domain, validationMethod: "DNS", keyAlgorithm: "RSA_2048", tags: s.tags() },
    { parent },
  );
  const option = cert.domainValidationOptions.apply((options) => {
    const first = options[0];
    if (!first) throw new Error(`ACM returned no DNS validation option for ${domain}`);
    return first;
  });
  const validationRecord = new DnsRecord(
    `${name}-web-cert-validation`,
    {
      zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      allowOverwrite: true,
    },
    { parent },
  );
  const validation = new CertificateValidation(
    `${name}-web`,
    { certificateArn: cert.arn, validationRecordFqdns: [validationRecord.fqdn] },
    { parent },
  );
  new DnsRecord(
    `${name}-web-alias`,
    {
      zoneId,
      name: domain,
      type: "A",
      aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
    },
    { parent },
  );
  return validation.certificateArn;
}

/** HTTPS (forward, HSTS, nosniff, metrics hidden) and HTTP (301 to HTTPS). Returns the HTTPS listener. */
function listeners(
  s: AppScope,
  alb: LoadBalancer,
  targetGroup: TargetGroup,
  certificateArn: pulumi.Input<string>,
): Listener {
  const { name, parent } = s;
  const tags = s.tags();
  const https = new Listener(
    `${name}-https`,
    {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn,
      defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      routingHttpResponseStrictTransportSecurityHeaderValue: HSTS_HEADER,
      routingHttpResponseXContentTypeOptionsHeaderValue: "nosniff",
      tags,
    },
    { parent },
  );
  // The app serves Prometheus metrics on the same port as the API (docs/metrics.md); the edge must not publish them.
  // Scrapers reach tasks inside the VPC; from the internet the path answers 404 before reaching a task.
  const metricsPath = s.args.app.metricsPath;
  new ListenerRule(
    `${name}-hide-metrics`,
    {
      listenerArn: https.arn,
      priority: 10,
      conditions: [{ pathPattern: { values: [metricsPath, `${metricsPath}/*`] } }],
      actions: [
        {
          type: "fixed-response",
          fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "not found" },
        },
      ],
      tags,
    },
    { parent },
  );
  new Listener(
    `${name}-http`,
    {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      tags,
    },
    { parent },
  );
  return https;
}

/** The WAFv2 web ACL on the ALB: managed rules, the per-IP rate limit and the client allow-list IP sets. */
function webAcl(s: AppScope, alb: LoadBalancer, allowed: AllowList | undefined): void {
  const { name, prefix, parent } = s;
  const tags = s.tags();
  const ipSetArns: pulumi.Output<string>[] = [];
  for (const [version, addresses] of [
    ["IPV4", allowed?.ipv4 ?? []],
    ["IPV6", allowed?.ipv6 ?? []],
  ] as const) {
    if (addresses.length === 0) continue;
    const family = version.toLowerCase();
    const ipSet = new IpSet(
      `${name}-waf-allow-${family}`,
      {
        name: `${prefix}-allow-${family}`,
        description: `Clients allowed to reach ${prefix} (loom:ingressCidrs)`,
        scope: "REGIONAL",
        ipAddressVersion: version,
        addresses,
        tags,
      },
      { parent },
    );
    ipSetArns.push(ipSet.arn);
  }
  const acl = new WebAcl(
    `${name}-waf`,
    {
      name: `${prefix}-web`,
      description: `Edge protection for ${prefix}`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: wafRules({ metricPrefix: prefix, rateLimitPer5Min: s.args.rateLimitPer5Min, allowedIpSetArns: ipSetArns }),
      visibilityConfig: aclVisibility(prefix),
      tags,
    },
    { parent },
  );
  new WebAclAssociation(`${name}-waf`, { resourceArn: alb.arn, webAclArn: acl.arn }, { parent });
}
