/**
 * AppService on AWS: an ECS cluster (Container Insights) running `web` and `worker` as Fargate services from one
 * image, a `migrate` task definition for the deploy runbook, and the edge: an internet-facing ALB (TLS 1.3 policy,
 * HTTP→HTTPS 301, HSTS, invalid headers dropped, access logs), an ACM certificate (DNS-validated when the zone is
 * managed here), an optional WAFv2 web ACL, and target-tracking autoscaling on CPU, requests and queue backlog.
 *
 * Pure pieces live next to this file: fargate.ts (sizes), containers.ts (container definitions), policies.ts
 * (IAM and bucket policies), waf.ts (rules).
 */
import { Certificate } from "@pulumi/aws/acm/certificate";
import { CertificateValidation } from "@pulumi/aws/acm/certificateValidation";
import { Policy as ScalingPolicy } from "@pulumi/aws/appautoscaling/policy";
import { Target as ScalingTarget } from "@pulumi/aws/appautoscaling/target";
import { Cluster } from "@pulumi/aws/ecs/cluster";
import { ClusterCapacityProviders } from "@pulumi/aws/ecs/clusterCapacityProviders";
import { Service } from "@pulumi/aws/ecs/service";
import { TaskDefinition } from "@pulumi/aws/ecs/taskDefinition";
import { getServiceAccountOutput } from "@pulumi/aws/elb/getServiceAccount";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
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
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import type { appautoscaling, ecs } from "@pulumi/aws/types/input";
import { IpSet } from "@pulumi/aws/wafv2/ipSet";
import { WebAcl } from "@pulumi/aws/wafv2/webAcl";
import { WebAclAssociation } from "@pulumi/aws/wafv2/webAclAssociation";
import * as pulumi from "@pulumi/pulumi";
import { awsAccount, encryptedLogGroup, kmsKey, logsPrincipal, secretRecoveryDays } from "../lib/aws";
import { childOptions, invalid, tagsFor } from "../lib/component";
import { METRICS_NAMESPACE, QUEUE_DEPTH_METRIC } from "../lib/metrics";
import type { SecretRef } from "../lib/secrets";
import * as naming from "../naming";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";
import { type ContainerSpec, containerDefinition, TMP_VOLUME, WORKER_HEALTH_CHECK, webHealthCheck } from "./containers";
import { type FargateSize, fargateSize } from "./fargate";
import {
  ACCESS_LOG_PREFIX,
  accessLogBucketPolicy,
  ecsTasksTrustPolicy,
  executionSecretsPolicy,
  type PolicyContext,
  taskRolePolicy,
} from "./policies";
import { aclVisibility, allowList, checkRateLimit, wafRules } from "./waf";

/** TLS 1.3 with TLS 1.2 fallback (forward-secret ciphers only). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const HSTS_HEADER = "max-age=31536000; includeSubDomains; preload";

const TIERS = ["web", "worker", "migrate"] as const;
type Tier = (typeof TIERS)[number];

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  const { project, environment } = args.context;
  const prefix = naming.prefix(project, environment);
  const tags = tagsFor(args, "app-service");
  const { app, region } = args;

  // Everything that can be wrong with the args fails here, before the first resource.
  const sizes: Record<Tier, FargateSize> = {
    web: fargateSize("web", args.web.cpu, args.web.memoryMiB),
    worker: fargateSize("worker", args.worker.cpu, args.worker.memoryMiB),
    // Migrations run with the web tier's size: same code, same memory profile.
    migrate: fargateSize("web", args.web.cpu, args.web.memoryMiB),
  };
  if (args.autoscaling && args.worker.minReplicas < 1) {
    invalid(
      "worker.minReplicas",
      "must be at least 1 with autoscaling: the worker scales on queued jobs per running worker",
    );
  }
  const allowed = args.waf ? allowList(args.ingressCidrs) : undefined;
  if (args.waf) checkRateLimit(args.rateLimitPer5Min);

  const account = awsAccount(parent);
  const policyContext: pulumi.Output<PolicyContext> = pulumi
    .all([account.accountId, account.partition])
    .apply(([accountId, partition]) => ({ accountId, partition, region }));

  // --- Logs -------------------------------------------------------------------------------------------------------
  const logsKey = kmsKey(parent, `${name}-app-logs`, {
    description: `Loom app logs ${prefix}`,
    alias: `${prefix}-app-logs`,
    region,
    account,
    servicePrincipals: [logsPrincipal(region)],
    tags,
    protect: args.protect,
  });
  const logGroups = Object.fromEntries(
    TIERS.map((tier) => [
      tier,
      encryptedLogGroup(parent, `${name}-${tier}-logs`, {
        logGroupName: `/${project}/${environment}/${tier}`,
        retentionDays: args.logRetentionDays,
        kmsKeyArn: logsKey.arn,
        tags,
      }),
    ]),
  ) as Record<Tier, ReturnType<typeof encryptedLogGroup>>;

  // --- App secrets: created empty, values put out of band (docs/runbooks/deploy.md) --------------------------------
  const appSecrets: Record<string, SecretRef> = {};
  if (args.appSecretNames.length > 0) {
    const secretsKey = kmsKey(parent, `${name}-app-secrets`, {
      description: `Loom app secrets ${prefix}`,
      alias: `${prefix}-app-secrets`,
      region,
      account,
      tags,
      protect: args.protect,
    });
    for (const secretName of args.appSecretNames) {
      const secret = new Secret(
        `${name}-app-secret-${secretName.toLowerCase().replace(/_/g, "-")}`,
        {
          name: `${prefix}/app/${secretName}`,
          description: `${secretName} for Loom ${prefix}; the value is put out of band (docs/runbooks/deploy.md)`,
          kmsKeyId: secretsKey.arn,
          recoveryWindowInDays: secretRecoveryDays(args.protect),
          tags,
        },
        childOptions(parent, args, true),
      );
      appSecrets[secretName] = { id: secret.arn };
    }
  }
  const secrets: Record<string, SecretRef> = { ...args.secrets, ...appSecrets };

  // --- Roles --------------------------------------------------------------------------------------------------------
  const trustPolicy = policyContext.apply((ctx) => JSON.stringify(ecsTasksTrustPolicy(ctx)));
  const executionRole = new Role(
    `${name}-app-execution`,
    {
      name: naming.fit(`${prefix}-ecs-execution`, 64),
      description: `ECS pulls images, writes logs and reads the app's secrets for ${prefix}`,
      assumeRolePolicy: trustPolicy,
      tags,
    },
    { parent },
  );
  const roleGrants: pulumi.Resource[] = [
    new RolePolicyAttachment(
      `${name}-app-execution-managed`,
      {
        role: executionRole.name,
        policyArn: pulumi.interpolate`arn:${account.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
      },
      { parent },
    ),
  ];
  const secretRefs = Object.values(secrets);
  if (secretRefs.length > 0) {
    const arns = pulumi.all(secretRefs.map((ref) => pulumi.output(ref.id)));
    roleGrants.push(
      new RolePolicy(
        `${name}-app-execution-secrets`,
        {
          role: executionRole.name,
          policy: pulumi
            .all([policyContext, arns])
            .apply(([ctx, ids]) => JSON.stringify(executionSecretsPolicy(ctx, ids))),
        },
        { parent },
      ),
    );
  }
  const taskRole = new Role(
    `${name}-app-task`,
    {
      name: naming.fit(`${prefix}-ecs-task`, 64),
      description: `Loom's own identity in ${prefix}: publishes metrics to the ${METRICS_NAMESPACE} namespace only`,
      assumeRolePolicy: trustPolicy,
      tags,
    },
    { parent },
  );
  roleGrants.push(
    new RolePolicy(
      `${name}-app-task-metrics`,
      { role: taskRole.name, policy: JSON.stringify(taskRolePolicy()) },
      { parent },
    ),
  );

  // --- Cluster and task definitions -------------------------------------------------------------------------------
  const cluster = new Cluster(
    `${name}-app`,
    { name: prefix, settings: [{ name: "containerInsights", value: "enabled" }], tags },
    { parent },
  );
  const capacity = new ClusterCapacityProviders(
    `${name}-app`,
    {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
    },
    { parent },
  );

  const secretEnv = secretEnvironmentNames(args.env);
  const taskDefinition = (
    tier: Tier,
    spec: Omit<ContainerSpec, "name" | "image" | "runAsUser" | "environment" | "secrets" | "logGroupName" | "region">,
  ) => {
    const definition = containerDefinition({
      ...spec,
      name: tier,
      image: args.image,
      runAsUser: app.runAsUser,
      environment: args.env,
      secrets,
      logGroupName: logGroups[tier].name,
      region,
    });
    return new TaskDefinition(
      `${name}-${tier}`,
      {
        family: `${prefix}-${tier}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: sizes[tier].cpu,
        memory: sizes[tier].memory,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        volumes: [{ name: TMP_VOLUME }],
        containerDefinitions: pulumi.all([secretEnv, pulumi.output([definition])]).apply(([leaked, defs]) => {
          if (leaked.length > 0) {
            throw new Error(
              `AppService env ${leaked.join(", ")}: secret values would be stored in plain text in the task definition; pass them in \`secrets\``,
            );
          }
          return JSON.stringify(defs);
        }),
        tags,
      },
      { parent },
    );
  };
  const webTask = taskDefinition("web", {
    command: args.web.command,
    port: app.port,
    healthCheck: webHealthCheck(app.port, app.healthPath),
  });
  const workerTask = taskDefinition("worker", { command: args.worker.command, healthCheck: WORKER_HEALTH_CHECK });
  const migrateTask = taskDefinition("migrate", { command: args.migrateCommand });

  // --- Edge: access-log bucket, ALB, target group, certificate, listeners ---------------------------------------
  const elbAccount = getServiceAccountOutput({}, { parent });
  const logBucket = new Bucket(
    `${name}-alb-logs`,
    {
      bucket: pulumi.interpolate`${naming.fit(`${prefix}-alb-logs-${region}`, 50)}-${account.accountId}`,
      forceDestroy: false,
      tags,
    },
    childOptions(parent, args, true),
  );
  const publicAccess = new BucketPublicAccessBlock(
    `${name}-alb-logs`,
    {
      bucket: logBucket.bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  const ownership = new BucketOwnershipControls(
    `${name}-alb-logs`,
    { bucket: logBucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  // ALB access logs support only SSE-S3 (AES256) on the target bucket, not SSE-KMS.
  const encryption = new BucketServerSideEncryptionConfiguration(
    `${name}-alb-logs`,
    { bucket: logBucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  new BucketLifecycleConfiguration(
    `${name}-alb-logs`,
    {
      bucket: logBucket.bucket,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: {},
          expiration: { days: args.logRetentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    { parent },
  );
  const bucketPolicy = new BucketPolicy(
    `${name}-alb-logs`,
    {
      bucket: logBucket.bucket,
      policy: pulumi
        .all([policyContext, logBucket.bucket, elbAccount.arn])
        .apply(([ctx, bucket, elbArn]) => JSON.stringify(accessLogBucketPolicy(ctx, bucket, elbArn))),
    },
    { parent, dependsOn: [publicAccess] },
  );

  const alb = new LoadBalancer(
    `${name}-alb`,
    {
      name: naming.fit(`${prefix}-web`, 32),
      internal: false,
      loadBalancerType: "application",
      ipAddressType: "ipv4",
      subnets: args.network.publicSubnetIds,
      securityGroups: [args.network.tiers.edge],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      idleTimeout: 60,
      enableDeletionProtection: args.deletionProtection,
      accessLogs: { bucket: logBucket.bucket, prefix: ACCESS_LOG_PREFIX, enabled: true },
      tags,
    },
    // The ALB checks it can write to the bucket when access logs are turned on.
    { parent, dependsOn: [bucketPolicy, encryption, ownership] },
  );

  const targetGroup = new TargetGroup(
    `${name}-web`,
    {
      name: naming.fit(`${prefix}-web`, 32),
      targetType: "ip",
      protocol: "HTTP",
      port: app.port,
      vpcId: args.network.networkId,
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
      tags,
    },
    { parent },
  );

  const certificateArn = certificate(parent, name, args, alb, tags);

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
  new ListenerRule(
    `${name}-hide-metrics`,
    {
      listenerArn: https.arn,
      priority: 10,
      conditions: [{ pathPattern: { values: [args.app.metricsPath, `${args.app.metricsPath}/*`] } }],
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

  if (args.waf) {
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
        rules: wafRules({ metricPrefix: prefix, rateLimitPer5Min: args.rateLimitPer5Min, allowedIpSetArns: ipSetArns }),
        visibilityConfig: aclVisibility(prefix),
        tags,
      },
      { parent },
    );
    new WebAclAssociation(`${name}-waf`, { resourceArn: alb.arn, webAclArn: acl.arn }, { parent });
  }

  // --- Services ---------------------------------------------------------------------------------------------------
  const common = {
    cluster: cluster.arn,
    networkConfiguration: {
      subnets: args.network.privateSubnetIds,
      securityGroups: [args.network.tiers.app],
      assignPublicIp: false,
    },
    // Rolling deploys: new tasks start before old ones stop; a deployment that cannot get healthy rolls back.
    deploymentMinimumHealthyPercent: 100,
    deploymentMaximumPercent: 200,
    deploymentCircuitBreaker: { enable: true, rollback: true },
    propagateTags: "SERVICE",
    enableEcsManagedTags: true,
    enableExecuteCommand: false,
    tags,
  };
  const serviceOptions = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
    parent,
    dependsOn: [capacity, ...roleGrants, ...dependsOn],
    // The autoscaler owns the task count; a deployment must not reset it to the floor.
    ...(args.autoscaling ? { ignoreChanges: ["desiredCount"] } : {}),
  });
  const webService = new Service(
    `${name}-web`,
    {
      ...common,
      name: `${prefix}-web`,
      taskDefinition: webTask.arn,
      desiredCount: args.web.minReplicas,
      capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
      loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "web", containerPort: app.port }],
      healthCheckGracePeriodSeconds: 60,
    },
    serviceOptions([https]),
  );
  const workerService = new Service(
    `${name}-worker`,
    {
      ...common,
      name: `${prefix}-worker`,
      taskDefinition: workerTask.arn,
      desiredCount: args.worker.minReplicas,
      capacityProviderStrategies: workerCapacity(args.worker.spot),
    },
    serviceOptions([]),
  );

  if (args.autoscaling) autoscaling(parent, name, args, { cluster, webService, workerService, alb, targetGroup, tags });

  return {
    url: pulumi.output(`https://${args.domain}`),
    edgeHostname: alb.dnsName,
    monitoring: {
      clusterName: cluster.name,
      webServiceName: webService.name,
      workerServiceName: workerService.name,
      loadBalancerArnSuffix: alb.arnSuffix,
      targetGroupArnSuffix: targetGroup.arnSuffix,
      environment: pulumi.output(environment),
    },
    migrateCommand: pulumi
      .all([cluster.name, migrateTask.family, args.network.privateSubnetIds, args.network.tiers.app])
      .apply(([clusterName, family, subnets, securityGroup]) =>
        [
          "aws ecs run-task",
          `--cluster ${clusterName}`,
          `--task-definition ${family}`,
          "--launch-type FARGATE",
          `--network-configuration "awsvpcConfiguration={subnets=[${subnets.join(",")}],securityGroups=[${securityGroup}],assignPublicIp=DISABLED}"`,
          "--started-by loom-migrate",
          `--region ${region}`,
        ].join(" "),
      ),
  };
}

/**
 * Worker capacity: on Spot, one task always stays on regular Fargate so an interruption wave never stops the queue,
 * and the rest run 4:1 on Spot.
 */
export function workerCapacity(spot: boolean): ecs.ServiceCapacityProviderStrategy[] {
  if (!spot) return [{ capacityProvider: "FARGATE", weight: 1 }];
  return [
    { capacityProvider: "FARGATE", base: 1, weight: 1 },
    { capacityProvider: "FARGATE_SPOT", weight: 4 },
  ];
}

/** The certificate the HTTPS listener serves: DNS-validated in the managed zone, else the configured one. */
function certificate(
  parent: pulumi.Resource,
  name: string,
  args: ResolvedAppServiceArgs,
  alb: LoadBalancer,
  tags: Record<string, string>,
): pulumi.Input<string> {
  const zoneId = args.tls.dnsZoneId;
  if (!zoneId) return args.tls.certificateId as string;
  const cert = new Certificate(
    `${name}-web`,
    { domainName: args.domain, validationMethod: "DNS", keyAlgorithm: "RSA_2048", tags },
    { parent },
  );
  const option = cert.domainValidationOptions.apply((options) => {
    const first = options[0];
    if (!first) throw new Error(`ACM returned no DNS validation option for ${args.domain}`);
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
      name: args.domain,
      type: "A",
      aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
    },
    { parent },
  );
  return validation.certificateArn;
}

interface ScalingTargets {
  cluster: Cluster;
  webService: Service;
  workerService: Service;
  alb: LoadBalancer;
  targetGroup: TargetGroup;
  tags: Record<string, string>;
}

/**
 * Target tracking: web on average CPU and on ALB requests per target (scale-out when either is above target,
 * scale-in only when both are below); worker on queue backlog per running worker.
 */
function autoscaling(parent: pulumi.Resource, name: string, args: ResolvedAppServiceArgs, t: ScalingTargets): void {
  const { project, environment } = args.context;
  const prefix = naming.prefix(project, environment);
  const target = (tier: "web" | "worker", service: Service, min: number, max: number) =>
    new ScalingTarget(
      `${name}-${tier}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${t.cluster.name}/${service.name}`,
        minCapacity: min,
        maxCapacity: max,
        tags: t.tags,
      },
      { parent },
    );
  const policy = (
    logical: string,
    scalingTarget: ScalingTarget,
    configuration: appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
  ) =>
    new ScalingPolicy(
      `${name}-${logical}`,
      {
        name: `${prefix}-${logical}`,
        policyType: "TargetTrackingScaling",
        resourceId: scalingTarget.resourceId,
        scalableDimension: scalingTarget.scalableDimension,
        serviceNamespace: scalingTarget.serviceNamespace,
        targetTrackingScalingPolicyConfiguration: configuration,
      },
      { parent },
    );
  // Scale out fast, scale in slowly.
  const cooldowns = { scaleOutCooldown: 60, scaleInCooldown: 300 };

  const web = target("web", t.webService, args.web.minReplicas, args.web.maxReplicas);
  policy("web-cpu", web, {
    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
    targetValue: args.web.targetCpuPercent,
    ...cooldowns,
  });
  policy("web-requests", web, {
    predefinedMetricSpecification: {
      predefinedMetricType: "ALBRequestCountPerTarget",
      resourceLabel: pulumi.interpolate`${t.alb.arnSuffix}/${t.targetGroup.arnSuffix}`,
    },
    targetValue: args.web.targetRequestsPerTarget,
    ...cooldowns,
  });

  const worker = target("worker", t.workerService, args.worker.minReplicas, args.worker.maxReplicas);
  policy("worker-backlog", worker, {
    customizedMetricSpecification: {
      metrics: [
        {
          id: "depth",
          label: "Review jobs waiting in the queue",
          metricStat: {
            metric: {
              namespace: METRICS_NAMESPACE,
              metricName: QUEUE_DEPTH_METRIC,
              dimensions: [{ name: "Environment", value: environment }],
            },
            stat: "Average",
          },
          returnData: false,
        },
        {
          id: "running",
          label: "Running worker tasks",
          metricStat: {
            metric: {
              namespace: "ECS/ContainerInsights",
              metricName: "RunningTaskCount",
              dimensions: [
                { name: "ClusterName", value: t.cluster.name },
                { name: "ServiceName", value: t.workerService.name },
              ],
            },
            stat: "Average",
          },
          returnData: false,
        },
        { id: "backlog", label: "Queued jobs per running worker", expression: "depth / running", returnData: true },
      ],
    },
    targetValue: args.worker.jobsPerWorker,
    ...cooldowns,
  });
}

/** Names of `env` entries whose value is a secret Output (they would land in plain text in the task definition). */
function secretEnvironmentNames(env: Record<string, pulumi.Input<string>>): pulumi.Output<string[]> {
  const checks = Object.entries(env).map(async ([key, value]) =>
    pulumi.Output.isInstance(value) && (await pulumi.isSecret(value as pulumi.Output<string>)) ? key : undefined,
  );
  return pulumi.output(Promise.all(checks)).apply((keys) => keys.filter((k): k is string => k !== undefined).sort());
}
