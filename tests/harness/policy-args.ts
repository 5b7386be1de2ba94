// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${NAME}" placeholders in plain strings are test data (references, not literals)
/**
 * Policy test harness: a happy-path PlannedResource factory per resource type the loom-guard rules cover (each one
 * production-grade, so it passes the whole pack under every shipped config), `mutate` for one-change-per-test
 * failing cases, and `check` to run one rule (or the pack) through the same runner `npm run plan` uses.
 *
 * Fixtures are typed with the SDKs' own Args types (type-only imports), so a misspelt property fails `tsc`.
 */
import assert from "node:assert/strict";
import type { DomainNameArgs as ApiGatewayDomainNameArgs } from "@pulumi/aws/apigateway/domainName";
import type { DomainNameArgs as ApiGatewayV2DomainNameArgs } from "@pulumi/aws/apigatewayv2/domainName";
import type { TargetArgs } from "@pulumi/aws/appautoscaling/target";
import type { ServiceArgs as AppRunnerServiceArgs } from "@pulumi/aws/apprunner/service";
import type { GroupArgs } from "@pulumi/aws/autoscaling/group";
import type { PlanArgs } from "@pulumi/aws/backup/plan";
import type { VaultArgs } from "@pulumi/aws/backup/vault";
import type { DistributionArgs } from "@pulumi/aws/cloudfront/distribution";
import type { LogGroupArgs } from "@pulumi/aws/cloudwatch/logGroup";
import type { ClusterArgs as DaxClusterArgs } from "@pulumi/aws/dax/cluster";
import type { ClusterArgs as DocDbClusterArgs } from "@pulumi/aws/docdb/cluster";
import type { TableArgs } from "@pulumi/aws/dynamodb/table";
import type { VolumeArgs } from "@pulumi/aws/ebs/volume";
import type { InstanceArgs as Ec2InstanceArgs } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplateArgs } from "@pulumi/aws/ec2/launchTemplate";
import type { SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import type { SecurityGroupRuleArgs } from "@pulumi/aws/ec2/securityGroupRule";
import type { TaskDefinitionArgs } from "@pulumi/aws/ecs/taskDefinition";
import type { FileSystemArgs } from "@pulumi/aws/efs/fileSystem";
import type { ClusterArgs as ElastiCacheClusterArgs } from "@pulumi/aws/elasticache/cluster";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { LoadBalancerArgs as ElbArgs } from "@pulumi/aws/elb/loadBalancer";
import type { KeyArgs as AwsKmsKeyArgs } from "@pulumi/aws/kms/key";
import type { FunctionArgs as LambdaFunctionArgs } from "@pulumi/aws/lambda/function";
import type { ListenerArgs } from "@pulumi/aws/lb/listener";
import type { LoadBalancerArgs as AwsLbArgs } from "@pulumi/aws/lb/loadBalancer";
import type { ClusterArgs as MemoryDbClusterArgs } from "@pulumi/aws/memorydb/cluster";
import type { DomainArgs as OpenSearchDomainArgs } from "@pulumi/aws/opensearch/domain";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { ClusterInstanceArgs } from "@pulumi/aws/rds/clusterInstance";
import type { ClusterParameterGroupArgs } from "@pulumi/aws/rds/clusterParameterGroup";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { ParameterGroupArgs } from "@pulumi/aws/rds/parameterGroup";
import type { ProxyArgs } from "@pulumi/aws/rds/proxy";
import type { ClusterArgs as RedshiftClusterArgs } from "@pulumi/aws/redshift/cluster";
import type { BucketArgs as S3BucketArgs } from "@pulumi/aws/s3/bucket";
import type { BucketServerSideEncryptionConfigurationArgs } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import type { SecretVersionArgs } from "@pulumi/aws/secretsmanager/secretVersion";
import type { TopicArgs as SnsTopicArgs } from "@pulumi/aws/sns/topic";
import type { QueueArgs } from "@pulumi/aws/sqs/queue";
import type { ParameterArgs } from "@pulumi/aws/ssm/parameter";
import type { SecurityGroupIngressRuleArgs } from "@pulumi/aws/vpc/securityGroupIngressRule";
import type { ContainerAppArgs } from "@pulumi/azure-native/app/containerApp";
import type { JobArgs as ContainerAppJobArgs } from "@pulumi/azure-native/app/job";
import type { KeyValueArgs } from "@pulumi/azure-native/appconfiguration/keyValue";
import type { ContainerGroupArgs } from "@pulumi/azure-native/containerinstance/containerGroup";
import type { ConfigurationArgs as PgConfigurationArgs } from "@pulumi/azure-native/dbforpostgresql/configuration";
import type { FirewallRuleArgs as PgFirewallRuleArgs } from "@pulumi/azure-native/dbforpostgresql/firewallRule";
import type { ServerArgs as PgFlexibleServerArgs } from "@pulumi/azure-native/dbforpostgresql/server";
import type { KeyArgs as KeyVaultKeyArgs } from "@pulumi/azure-native/keyvault/key";
import type { AutoscaleSettingArgs } from "@pulumi/azure-native/monitor/autoscaleSetting";
import type { ApplicationGatewayArgs } from "@pulumi/azure-native/network/applicationGateway";
import type { NetworkSecurityGroupArgs } from "@pulumi/azure-native/network/networkSecurityGroup";
import type { SecurityRuleArgs } from "@pulumi/azure-native/network/securityRule";
import type { RedisArgs } from "@pulumi/azure-native/redis/redis";
import type { DatabaseArgs as RedisEnterpriseDatabaseArgs } from "@pulumi/azure-native/redisenterprise/database";
import type { StorageAccountArgs } from "@pulumi/azure-native/storage/storageAccount";
import type { WebAppArgs } from "@pulumi/azure-native/web/webApp";
import type { WebAppApplicationSettingsArgs } from "@pulumi/azure-native/web/webAppApplicationSettings";
import type { AppArgs as DoAppArgs } from "@pulumi/digitalocean/app";
import type { DatabaseFirewallArgs } from "@pulumi/digitalocean/databaseFirewall";
import type { FirewallArgs as DoFirewallArgs } from "@pulumi/digitalocean/firewall";
import type { KubernetesNodePoolArgs } from "@pulumi/digitalocean/kubernetesNodePool";
import type { LoadBalancerArgs as DoLoadBalancerArgs } from "@pulumi/digitalocean/loadBalancer";
import type { FunctionArgs as CloudFunctionV1Args } from "@pulumi/gcp/cloudfunctions/function";
import type { FunctionArgs as CloudFunctionV2Args } from "@pulumi/gcp/cloudfunctionsv2/function";
import type { ServiceArgs as CloudRunV1ServiceArgs } from "@pulumi/gcp/cloudrun/service";
import type { JobArgs as CloudRunV2JobArgs } from "@pulumi/gcp/cloudrunv2/job";
import type { ServiceArgs as CloudRunV2ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import type { AutoscalerArgs } from "@pulumi/gcp/compute/autoscaler";
import type { FirewallArgs as GcpFirewallArgs } from "@pulumi/gcp/compute/firewall";
import type { SSLPolicyArgs } from "@pulumi/gcp/compute/sslpolicy";
import type { TargetHttpProxyArgs } from "@pulumi/gcp/compute/targetHttpProxy";
import type { TargetHttpsProxyArgs } from "@pulumi/gcp/compute/targetHttpsProxy";
import type { URLMapArgs } from "@pulumi/gcp/compute/urlmap";
import type { CryptoKeyArgs } from "@pulumi/gcp/kms/cryptoKey";
import type { ProjectBucketConfigArgs } from "@pulumi/gcp/logging/projectBucketConfig";
import type { InstanceArgs as MemorystoreInstanceArgs } from "@pulumi/gcp/memorystore/instance";
import type { TopicArgs as PubSubTopicArgs } from "@pulumi/gcp/pubsub/topic";
import type { ClusterArgs as GcpRedisClusterArgs } from "@pulumi/gcp/redis/cluster";
import type { InstanceArgs as GcpRedisInstanceArgs } from "@pulumi/gcp/redis/instance";
import type { DatabaseInstanceArgs } from "@pulumi/gcp/sql/databaseInstance";
import type { BucketArgs as GcsBucketArgs } from "@pulumi/gcp/storage/bucket";
import type { DaemonSetArgs } from "@pulumi/kubernetes/apps/v1/daemonSet";
import type { DeploymentArgs } from "@pulumi/kubernetes/apps/v1/deployment";
import type { StatefulSetArgs } from "@pulumi/kubernetes/apps/v1/statefulSet";
import type { HorizontalPodAutoscalerArgs } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import type { CronJobArgs } from "@pulumi/kubernetes/batch/v1/cronJob";
import type { JobArgs as K8sJobArgs } from "@pulumi/kubernetes/batch/v1/job";
import type { ConfigMapArgs } from "@pulumi/kubernetes/core/v1/configMap";
import type { PersistentVolumeClaimArgs } from "@pulumi/kubernetes/core/v1/persistentVolumeClaim";
import type { PodArgs } from "@pulumi/kubernetes/core/v1/pod";
import type { SecretArgs as K8sSecretArgs } from "@pulumi/kubernetes/core/v1/secret";
import type { ServiceArgs as K8sServiceArgs } from "@pulumi/kubernetes/core/v1/service";
import type { IngressArgs } from "@pulumi/kubernetes/networking/v1/ingress";
import type { StorageClassArgs } from "@pulumi/kubernetes/storage/v1/storageClass";
import type { core } from "@pulumi/kubernetes/types/input";
import type { Unwrap } from "@pulumi/pulumi";
import type { BarmanObjectStore, CnpgCluster, KedaScaledObject } from "../../policy/lib/crds";
import type { LoomPolicy } from "../../policy/lib/rule";
import { policies } from "../../policy/policies";
import { STATEFUL_TYPES } from "../../policy/rules/resilience/deletion-protection";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { evaluatePolicies, type PackConfig, type Violation } from "../../scripts/lib/policy-runner";

/** A planned resource whose inputs keep their SDK type for `mutate`. */
export interface Fixture<T> extends PlannedResource {
  inputs: T & Record<string, unknown>;
}

export interface FixtureOptions {
  name?: string;
  /** @default - true for stateful types (production-grade fixtures are protected), false otherwise */
  protect?: boolean;
  parent?: string | null;
}

/** A planned resource as the mock engine records it. */
export function resource<T extends object>(type: string, inputs: T, opts: FixtureOptions = {}): Fixture<T> {
  const name = opts.name ?? (type.split(":").pop() ?? type).toLowerCase();
  return {
    urn: `urn:pulumi:test::loom::${type}::${name}`,
    type,
    name,
    custom: true,
    parent: opts.parent ?? null,
    protect: opts.protect ?? STATEFUL_TYPES.includes(type),
    inputs: inputs as T & Record<string, unknown>,
    secretPaths: [],
  };
}

/** A deep copy of `f` with one change applied to its inputs (and optionally to its options). */
export function mutate<T>(f: Fixture<T>, change: (inputs: T) => void, opts: Partial<FixtureOptions> = {}): Fixture<T> {
  const inputs = structuredClone(f.inputs);
  change(inputs);
  const name = opts.name ?? f.name;
  return {
    ...f,
    name,
    urn: `urn:pulumi:test::loom::${f.type}::${name}`,
    protect: opts.protect ?? f.protect,
    inputs,
  };
}

/** The same inputs under another (alias) type token, e.g. aws:alb/listener:Listener. */
export function retype<T>(f: Fixture<T>, type: string): Fixture<T> {
  return { ...f, type, urn: `urn:pulumi:test::loom::${type}::${f.name}`, inputs: structuredClone(f.inputs) };
}

/** Run one rule (or several) over resources through the plan tool's runner. */
export async function check(
  rule: LoomPolicy | LoomPolicy[],
  resources: PlannedResource | PlannedResource[],
  config: PackConfig = {},
): Promise<Violation[]> {
  const list = Array.isArray(resources) ? resources : [resources];
  const report = await evaluatePolicies(list, Array.isArray(rule) ? rule : [rule], config);
  return report.violations;
}

/** The violation messages one rule reports for `resources`. */
export async function messages(
  rule: LoomPolicy,
  resources: PlannedResource | PlannedResource[],
  config: PackConfig = {},
): Promise<string[]> {
  return (await check(rule, resources, config)).map((v) => v.message);
}

/** Every rule of the pack. */
export { policies };

export interface FailingCase {
  /** What the mutation removes or breaks. */
  title: string;
  resource: PlannedResource | PlannedResource[];
  /** The exact messages the rule reports, in order. */
  messages: string[];
  config?: PackConfig;
}

/** One mocha test per fixture: the rule reports nothing. */
export function itPasses(rule: LoomPolicy, fixtures: PlannedResource[], config: PackConfig = {}, label = ""): void {
  for (const f of fixtures) {
    it(`passes ${f.type} "${f.name}"${label ? ` ${label}` : ""}`, async () => {
      assert.deepEqual(await messages(rule, f, config), []);
    });
  }
}

/** One mocha test per failing case: the rule reports exactly the expected messages. */
export function itFails(rule: LoomPolicy, cases: FailingCase[]): void {
  for (const c of cases) {
    it(`fails: ${c.title}`, async () => {
      assert.deepEqual(await messages(rule, c.resource, c.config ?? {}), c.messages);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures. Values are fake: account 111122223333, example.com, no real credentials.
// ---------------------------------------------------------------------------------------------------------------

const ACCOUNT = "111122223333";
const KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/00000000-1111-2222-3333-444444444444`;
const CERT = `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/00000000-aaaa-bbbb-cccc-dddddddddddd`;
const DB_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:rds!db-loom-AbCdEf`;
const GCP_KEY = "projects/loom-prod/locations/europe-west1/keyRings/loom/cryptoKeys/data";
const AZ_SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-prod";
const AGW = `${AZ_SUB}/providers/Microsoft.Network/applicationGateways/loom-agw`;

// ----- AWS -------------------------------------------------------------------------------------------------------

/** ECS container definitions (the task definition passes them as a JSON string). */
export const ecsContainerDefinitions = () => [
  {
    name: "web",
    image: "ghcr.io/example/loom@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    essential: true,
    user: "10001:10001",
    readonlyRootFilesystem: true,
    privileged: false,
    environment: [
      { name: "DATABASE_HOST", value: "loom.abcdefghijkl.eu-west-1.rds.amazonaws.com" },
      { name: "DATABASE_SSLMODE", value: "verify-full" },
      { name: "LLM_MAX_OUTPUT_TOKENS", value: "4096" },
      { name: "DATABASE_SECRET_ARN", value: DB_SECRET },
    ],
    secrets: [
      { name: "DATABASE_PASSWORD", valueFrom: `${DB_SECRET}:password::` },
      {
        name: "ANTHROPIC_API_KEY",
        valueFrom: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/loom/prod/anthropic-api-key`,
      },
    ],
    mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp" }],
  },
];

export const aws = {
  httpsListener: () =>
    resource<Unwrap<ListenerArgs>>(
      "aws:lb/listener:Listener",
      {
        loadBalancerArn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/loom/50dc6c495c0c9188`,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn: CERT,
        defaultActions: [
          {
            type: "forward",
            targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/73e2d6bc24d8a067",
          },
        ],
      },
      { name: "https" },
    ),
  httpRedirectListener: () =>
    resource<Unwrap<ListenerArgs>>(
      "aws:lb/listener:Listener",
      {
        loadBalancerArn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/loom/50dc6c495c0c9188`,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      },
      { name: "http" },
    ),
  loadBalancer: () =>
    resource<Unwrap<AwsLbArgs>>("aws:lb/loadBalancer:LoadBalancer", {
      loadBalancerType: "application",
      internal: false,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      subnets: ["subnet-public-a", "subnet-public-b"],
      securityGroups: ["sg-edge"],
    }),
  classicElb: () =>
    resource<Unwrap<ElbArgs>>("aws:elb/loadBalancer:LoadBalancer", {
      listeners: [
        { lbPort: 443, lbProtocol: "https", instancePort: 8080, instanceProtocol: "http", sslCertificateId: CERT },
      ],
    }),
  cloudFront: () =>
    resource<Unwrap<DistributionArgs>>("aws:cloudfront/distribution:Distribution", {
      enabled: true,
      origins: [{ domainName: "origin.example.com", originId: "origin" }],
      defaultCacheBehavior: {
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        targetOriginId: "origin",
        viewerProtocolPolicy: "redirect-to-https",
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: {
        acmCertificateArn: CERT,
        minimumProtocolVersion: "TLSv1.2_2021",
        sslSupportMethod: "sni-only",
      },
    }),
  apiGatewayDomain: () =>
    resource<Unwrap<ApiGatewayDomainNameArgs>>("aws:apigateway/domainName:DomainName", {
      domainName: "api.example.com",
      regionalCertificateArn: CERT,
      securityPolicy: "TLS_1_2",
    }),
  apiGatewayV2Domain: () =>
    resource<Unwrap<ApiGatewayV2DomainNameArgs>>("aws:apigatewayv2/domainName:DomainName", {
      domainName: "api.example.com",
      domainNameConfiguration: { certificateArn: CERT, endpointType: "REGIONAL", securityPolicy: "TLS_1_2" },
    }),
  openSearch: () =>
    resource<Unwrap<OpenSearchDomainArgs>>("aws:opensearch/domain:Domain", {
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
      encryptAtRest: { enabled: true, kmsKeyId: KMS_KEY },
    }),
  parameterGroup: () =>
    resource<Unwrap<ParameterGroupArgs>>("aws:rds/parameterGroup:ParameterGroup", {
      family: "postgres16",
      parameters: [
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
        { name: "log_min_duration_statement", value: "250" },
      ],
    }),
  clusterParameterGroup: () =>
    resource<Unwrap<ClusterParameterGroupArgs>>("aws:rds/clusterParameterGroup:ClusterParameterGroup", {
      family: "aurora-postgresql16",
      parameters: [{ name: "rds.force_ssl", value: "1" }],
    }),
  rdsInstance: () =>
    resource<Unwrap<RdsInstanceArgs>>("aws:rds/instance:Instance", {
      engine: "postgres",
      engineVersion: "16.4",
      instanceClass: "db.r6g.large",
      allocatedStorage: 100,
      storageEncrypted: true,
      kmsKeyId: KMS_KEY,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: KMS_KEY,
      username: "loom",
      parameterGroupName: "loom-prod-db-postgres16",
      publiclyAccessible: false,
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
      copyTagsToSnapshot: true,
      iamDatabaseAuthenticationEnabled: true,
    }),
  rdsCluster: () =>
    resource<Unwrap<RdsClusterArgs>>("aws:rds/cluster:Cluster", {
      engine: "aurora-postgresql",
      engineVersion: "16.4",
      storageEncrypted: true,
      kmsKeyId: KMS_KEY,
      manageMasterUserPassword: true,
      masterUsername: "loom",
      dbClusterParameterGroupName: "loom-prod-aurora16",
      deletionProtection: true,
      backupRetentionPeriod: 14,
    }),
  rdsClusterInstance: () =>
    resource<Unwrap<ClusterInstanceArgs>>("aws:rds/clusterInstance:ClusterInstance", {
      clusterIdentifier: "loom-prod",
      instanceClass: "db.r6g.large",
      engine: "aurora-postgresql",
      publiclyAccessible: false,
    }),
  rdsProxy: () =>
    resource<Unwrap<ProxyArgs>>("aws:rds/proxy:Proxy", {
      engineFamily: "POSTGRESQL",
      requireTls: true,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/loom-proxy`,
      vpcSubnetIds: ["subnet-data-a", "subnet-data-b"],
      auths: [{ authScheme: "SECRETS", iamAuth: "REQUIRED", secretArn: DB_SECRET }],
    }),
  replicationGroup: () =>
    resource<Unwrap<ReplicationGroupArgs>>("aws:elasticache/replicationGroup:ReplicationGroup", {
      description: "loom cache",
      engine: "redis",
      nodeType: "cache.r7g.large",
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      kmsKeyId: KMS_KEY,
      snapshotRetentionLimit: 7,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
    }),
  elastiCacheCluster: () =>
    resource<Unwrap<ElastiCacheClusterArgs>>("aws:elasticache/cluster:Cluster", {
      engine: "memcached",
      nodeType: "cache.t4g.small",
      numCacheNodes: 1,
      transitEncryptionEnabled: true,
    }),
  memoryDb: () =>
    resource<Unwrap<MemoryDbClusterArgs>>("aws:memorydb/cluster:Cluster", {
      aclName: "loom",
      nodeType: "db.t4g.small",
      tlsEnabled: true,
    }),
  dax: () =>
    resource<Unwrap<DaxClusterArgs>>("aws:dax/cluster:Cluster", {
      clusterName: "loom",
      iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/dax`,
      nodeType: "dax.t3.small",
      replicationFactor: 1,
      clusterEndpointEncryptionType: "TLS",
      serverSideEncryption: { enabled: true },
    }),
  docDb: () =>
    resource<Unwrap<DocDbClusterArgs>>("aws:docdb/cluster:Cluster", {
      storageEncrypted: true,
      kmsKeyId: KMS_KEY,
      manageMasterUserPassword: true,
      masterUsername: "loom",
      deletionProtection: true,
      backupRetentionPeriod: 14,
    }),
  redshift: () =>
    resource<Unwrap<RedshiftClusterArgs>>("aws:redshift/cluster:Cluster", {
      clusterIdentifier: "loom",
      nodeType: "ra3.xlplus",
      manageMasterPassword: true,
      masterUsername: "loom",
      publiclyAccessible: false,
      encrypted: "true",
    }),
  ebsVolume: () =>
    resource<Unwrap<VolumeArgs>>("aws:ebs/volume:Volume", {
      availabilityZone: "eu-west-1a",
      size: 20,
      encrypted: true,
      kmsKeyId: KMS_KEY,
    }),
  efs: () => resource<Unwrap<FileSystemArgs>>("aws:efs/fileSystem:FileSystem", { encrypted: true, kmsKeyId: KMS_KEY }),
  ec2Instance: () =>
    resource<Unwrap<Ec2InstanceArgs>>("aws:ec2/instance:Instance", {
      ami: "ami-0123456789abcdef0",
      instanceType: "t4g.small",
      rootBlockDevice: { encrypted: true, kmsKeyId: KMS_KEY },
      ebsBlockDevices: [{ deviceName: "/dev/xvdb", encrypted: true, volumeSize: 10 }],
    }),
  launchTemplate: () =>
    resource<Unwrap<LaunchTemplateArgs>>("aws:ec2/launchTemplate:LaunchTemplate", {
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", kmsKeyId: KMS_KEY, volumeSize: 20 } }],
    }),
  bucket: () =>
    resource<Unwrap<S3BucketArgs>>("aws:s3/bucket:Bucket", { bucket: "loom-prod-alb-logs", forceDestroy: false }),
  bucketEncryption: () =>
    resource<Unwrap<BucketServerSideEncryptionConfigurationArgs>>(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      {
        bucket: "loom-prod-data",
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS_KEY },
            bucketKeyEnabled: true,
          },
        ],
      },
    ),
  snsTopic: () => resource<Unwrap<SnsTopicArgs>>("aws:sns/topic:Topic", { kmsMasterKeyId: KMS_KEY }),
  sqsQueue: () => resource<Unwrap<QueueArgs>>("aws:sqs/queue:Queue", { sqsManagedSseEnabled: true }),
  backupVault: () => resource<Unwrap<VaultArgs>>("aws:backup/vault:Vault", { kmsKeyArn: KMS_KEY }),
  backupPlan: () =>
    resource<Unwrap<PlanArgs>>("aws:backup/plan:Plan", {
      rules: [
        {
          ruleName: "daily",
          targetVaultName: "loom-prod",
          schedule: "cron(0 3 * * ? *)",
          lifecycle: { deleteAfter: 35 },
          copyActions: [
            {
              destinationVaultArn: `arn:aws:backup:eu-central-1:${ACCOUNT}:backup-vault:loom-dr`,
              lifecycle: { deleteAfter: 35 },
            },
          ],
        },
      ],
    }),
  logGroup: () =>
    resource<Unwrap<LogGroupArgs>>("aws:cloudwatch/logGroup:LogGroup", {
      name: "/loom/prod/web",
      retentionInDays: 90,
      kmsKeyId: KMS_KEY,
    }),
  kmsKey: () =>
    resource<Unwrap<AwsKmsKeyArgs>>("aws:kms/key:Key", {
      description: "loom data",
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministers",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "ServiceUse0",
            Effect: "Allow",
            Principal: { Service: "logs.eu-west-1.amazonaws.com" },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
          },
        ],
      }),
    }),
  taskDefinition: (containers: unknown[] = ecsContainerDefinitions()) =>
    resource<Unwrap<TaskDefinitionArgs>>("aws:ecs/taskDefinition:TaskDefinition", {
      family: "loom-prod-web",
      cpu: "1024",
      memory: "2048",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      containerDefinitions: JSON.stringify(containers),
      volumes: [{ name: "tmp" }],
    }),
  scalingTarget: () =>
    resource<Unwrap<TargetArgs>>("aws:appautoscaling/target:Target", {
      minCapacity: 3,
      maxCapacity: 12,
      resourceId: "service/loom-prod/web",
      scalableDimension: "ecs:service:DesiredCount",
      serviceNamespace: "ecs",
    }),
  autoScalingGroup: () => resource<Unwrap<GroupArgs>>("aws:autoscaling/group:Group", { minSize: 1, maxSize: 6 }),
  lambda: () =>
    resource<Unwrap<LambdaFunctionArgs>>("aws:lambda/function:Function", {
      role: `arn:aws:iam::${ACCOUNT}:role/fn`,
      environment: { variables: { LOG_LEVEL: "info", DATABASE_SECRET_ARN: DB_SECRET } },
    }),
  appRunner: () =>
    resource<Unwrap<AppRunnerServiceArgs>>("aws:apprunner/service:Service", {
      serviceName: "loom",
      sourceConfiguration: {
        imageRepository: {
          imageIdentifier: "public.ecr.aws/example/loom:1.0.0",
          imageRepositoryType: "ECR_PUBLIC",
          imageConfiguration: {
            runtimeEnvironmentVariables: { LOG_LEVEL: "info" },
            runtimeEnvironmentSecrets: { API_TOKEN: DB_SECRET },
          },
        },
      },
    }),
  ssmParameter: () =>
    resource<Unwrap<ParameterArgs>>("aws:ssm/parameter:Parameter", {
      name: "/loom/prod/log-level",
      type: "String",
      value: "info",
    }),
  ssmSecureParameter: () =>
    resource<Unwrap<ParameterArgs>>("aws:ssm/parameter:Parameter", {
      name: "/loom/prod/redis-url",
      type: "SecureString",
      keyId: KMS_KEY,
      value: "rediss://:generated-auth-token-value@master.loom.abcdef.euw1.cache.amazonaws.com:6379",
    }),
  secretVersion: () =>
    resource<Unwrap<SecretVersionArgs>>("aws:secretsmanager/secretVersion:SecretVersion", {
      secretId: DB_SECRET,
      secretString: JSON.stringify({
        url: "rediss://:generated-auth-token-value@master.loom.cache.amazonaws.com:6379",
      }),
    }),
  edgeSecurityGroup: () =>
    resource<Unwrap<SecurityGroupArgs>>("aws:ec2/securityGroup:SecurityGroup", {
      description: "Load balancer: HTTPS/HTTP from anywhere",
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
      ],
      egress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.40.0.0/16"] }],
    }),
  securityGroupRule: () =>
    resource<Unwrap<SecurityGroupRuleArgs>>("aws:ec2/securityGroupRule:SecurityGroupRule", {
      type: "ingress",
      securityGroupId: "sg-app",
      protocol: "tcp",
      fromPort: 8080,
      toPort: 8080,
      sourceSecurityGroupId: "sg-edge",
    }),
  ingressRule: () =>
    resource<Unwrap<SecurityGroupIngressRuleArgs>>("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
      securityGroupId: "sg-edge",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }),
  dynamoTable: () =>
    resource<Unwrap<TableArgs>>("aws:dynamodb/table:Table", {
      hashKey: "id",
      attributes: [{ name: "id", type: "S" }],
      deletionProtectionEnabled: true,
    }),
};

// ----- GCP -------------------------------------------------------------------------------------------------------

export const gcp = {
  redirectUrlMap: () =>
    resource<Unwrap<URLMapArgs>>(
      "gcp:compute/uRLMap:URLMap",
      {
        name: "loom-http-redirect",
        defaultUrlRedirect: {
          httpsRedirect: true,
          stripQuery: false,
          redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
        },
      },
      { name: "http-redirect" },
    ),
  appUrlMap: () =>
    resource<Unwrap<URLMapArgs>>(
      "gcp:compute/uRLMap:URLMap",
      { name: "loom-web", defaultService: "projects/loom-prod/global/backendServices/loom-web" },
      { name: "web" },
    ),
  httpProxy: (urlMap = "projects/loom-prod/global/urlMaps/loom-http-redirect") =>
    resource<Unwrap<TargetHttpProxyArgs>>("gcp:compute/targetHttpProxy:TargetHttpProxy", { urlMap }, { name: "http" }),
  sslPolicy: () =>
    resource<Unwrap<SSLPolicyArgs>>("gcp:compute/sSLPolicy:SSLPolicy", { minTlsVersion: "TLS_1_2", profile: "MODERN" }),
  httpsProxy: () =>
    resource<Unwrap<TargetHttpsProxyArgs>>("gcp:compute/targetHttpsProxy:TargetHttpsProxy", {
      urlMap: "projects/loom-prod/global/urlMaps/loom-web",
      sslCertificates: ["projects/loom-prod/global/sslCertificates/loom"],
      sslPolicy: "projects/loom-prod/global/sslPolicies/loom-modern",
    }),
  sqlInstance: () =>
    resource<Unwrap<DatabaseInstanceArgs>>("gcp:sql/databaseInstance:DatabaseInstance", {
      databaseVersion: "POSTGRES_16",
      region: "europe-west1",
      encryptionKeyName: GCP_KEY,
      deletionProtection: true,
      settings: {
        tier: "db-custom-2-7680",
        availabilityType: "REGIONAL",
        deletionProtectionEnabled: true,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: "projects/loom-prod/global/networks/loom",
          sslMode: "ENCRYPTED_ONLY",
        },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
          backupRetentionSettings: { retainedBackups: 14, retentionUnit: "COUNT" },
        },
      },
    }),
  redisInstance: () =>
    resource<Unwrap<GcpRedisInstanceArgs>>("gcp:redis/instance:Instance", {
      memorySizeGb: 1,
      tier: "STANDARD_HA",
      authEnabled: true,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      customerManagedKey: GCP_KEY,
    }),
  redisCluster: () =>
    resource<Unwrap<GcpRedisClusterArgs>>("gcp:redis/cluster:Cluster", {
      shardCount: 1,
      transitEncryptionMode: "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION",
      kmsKey: GCP_KEY,
    }),
  memorystore: () =>
    resource<Unwrap<MemorystoreInstanceArgs>>("gcp:memorystore/instance:Instance", {
      instanceId: "loom",
      location: "europe-west1",
      shardCount: 1,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      kmsKey: GCP_KEY,
    }),
  bucket: () =>
    resource<Unwrap<GcsBucketArgs>>("gcp:storage/bucket:Bucket", {
      location: "EU",
      uniformBucketLevelAccess: true,
      encryption: { defaultKmsKeyName: GCP_KEY },
    }),
  pubsubTopic: () => resource<Unwrap<PubSubTopicArgs>>("gcp:pubsub/topic:Topic", { kmsKeyName: GCP_KEY }),
  cryptoKey: () =>
    resource<Unwrap<CryptoKeyArgs>>("gcp:kms/cryptoKey:CryptoKey", {
      keyRing: "projects/loom-prod/locations/europe-west1/keyRings/loom",
      rotationPeriod: "7776000s",
    }),
  logBucket: () =>
    resource<Unwrap<ProjectBucketConfigArgs>>("gcp:logging/projectBucketConfig:ProjectBucketConfig", {
      project: "loom-prod",
      location: "europe-west1",
      bucketId: "loom",
      cmekSettings: { kmsKeyName: GCP_KEY },
    }),
  cloudRunService: () =>
    resource<Unwrap<CloudRunV2ServiceArgs>>("gcp:cloudrunv2/service:Service", {
      location: "europe-west1",
      ingress: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
      template: {
        scaling: { minInstanceCount: 1, maxInstanceCount: 12 },
        containers: [
          {
            name: "web",
            image: "europe-docker.pkg.dev/loom/loom/web@sha256:00",
            resources: { limits: { cpu: "1", memory: "2Gi" } },
            envs: [
              { name: "DATABASE_HOST", value: "10.0.0.5" },
              {
                name: "DATABASE_PASSWORD",
                valueSource: { secretKeyRef: { secret: "loom-db-password", version: "latest" } },
              },
            ],
          },
        ],
      },
    }),
  cloudRunJob: () =>
    resource<Unwrap<CloudRunV2JobArgs>>("gcp:cloudrunv2/job:Job", {
      location: "europe-west1",
      template: {
        template: {
          containers: [
            {
              name: "migrate",
              image: "europe-docker.pkg.dev/loom/loom/web@sha256:00",
              resources: { limits: { cpu: "1", memory: "1Gi" } },
              envs: [
                {
                  name: "DATABASE_PASSWORD",
                  valueSource: { secretKeyRef: { secret: "loom-db-password", version: "latest" } },
                },
              ],
            },
          ],
        },
      },
    }),
  cloudRunV1Service: () =>
    resource<Unwrap<CloudRunV1ServiceArgs>>("gcp:cloudrun/service:Service", {
      location: "europe-west1",
      metadata: { annotations: { "run.googleapis.com/ingress": "internal-and-cloud-load-balancing" } },
      template: {
        metadata: {
          annotations: { "autoscaling.knative.dev/minScale": "1", "autoscaling.knative.dev/maxScale": "10" },
        },
        spec: {
          containers: [
            {
              name: "web",
              image: "gcr.io/loom/web@sha256:00",
              resources: { limits: { cpu: "1000m", memory: "1Gi" } },
              envs: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "loom-api-token", key: "latest" } } }],
            },
          ],
        },
      },
    }),
  cloudFunction: () =>
    resource<Unwrap<CloudFunctionV2Args>>("gcp:cloudfunctionsv2/function:Function", {
      location: "europe-west1",
      serviceConfig: {
        environmentVariables: { LOG_LEVEL: "info" },
        secretEnvironmentVariables: [
          { key: "API_TOKEN", projectId: "loom-prod", secret: "api-token", version: "latest" },
        ],
      },
    }),
  cloudFunctionV1: () =>
    resource<Unwrap<CloudFunctionV1Args>>("gcp:cloudfunctions/function:Function", {
      runtime: "nodejs20",
      environmentVariables: { LOG_LEVEL: "info" },
    }),
  autoscaler: () =>
    resource<Unwrap<AutoscalerArgs>>("gcp:compute/autoscaler:Autoscaler", {
      target: "projects/loom-prod/zones/europe-west1-b/instanceGroupManagers/loom",
      autoscalingPolicy: { minReplicas: 1, maxReplicas: 10, cpuUtilization: { target: 0.6 } },
    }),
  firewall: () =>
    resource<Unwrap<GcpFirewallArgs>>("gcp:compute/firewall:Firewall", {
      network: "projects/loom-prod/global/networks/loom",
      sourceRanges: ["0.0.0.0/0"],
      allows: [{ protocol: "tcp", ports: ["80", "443"] }],
      targetTags: ["lb"],
    }),
};

// ----- Azure ------------------------------------------------------------------------------------------------------

export const azure = {
  applicationGateway: () =>
    resource<Unwrap<ApplicationGatewayArgs>>("azure-native:network:ApplicationGateway", {
      resourceGroupName: "loom-prod",
      sslPolicy: { policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" },
      httpListeners: [
        { name: "https", protocol: "Https", sslCertificate: { id: `${AGW}/sslCertificates/loom` } },
        { name: "http", protocol: "Http" },
      ],
      redirectConfigurations: [
        {
          name: "to-https",
          redirectType: "Permanent",
          targetListener: { id: `${AGW}/httpListeners/https` },
          includePath: true,
        },
      ],
      requestRoutingRules: [
        {
          name: "web",
          ruleType: "Basic",
          priority: 100,
          httpListener: { id: `${AGW}/httpListeners/https` },
          backendAddressPool: { id: `${AGW}/backendAddressPools/web` },
        },
        {
          name: "http-to-https",
          ruleType: "Basic",
          priority: 200,
          httpListener: { id: `${AGW}/httpListeners/http` },
          redirectConfiguration: { id: `${AGW}/redirectConfigurations/to-https` },
        },
      ],
    }),
  containerApp: () =>
    resource<Unwrap<ContainerAppArgs>>("azure-native:app:ContainerApp", {
      resourceGroupName: "loom-prod",
      configuration: {
        ingress: { external: true, targetPort: 8080, allowInsecure: false },
        secrets: [
          {
            name: "db-password",
            keyVaultUrl: "https://loom-kv.vault.azure.net/secrets/db-password",
            identity: "system",
          },
        ],
      },
      template: {
        scale: { minReplicas: 1, maxReplicas: 10 },
        containers: [
          {
            name: "web",
            image: "loom.azurecr.io/web@sha256:00",
            resources: { cpu: 1, memory: "2Gi" },
            env: [
              { name: "DATABASE_HOST", value: "loom.postgres.database.azure.com" },
              { name: "DATABASE_PASSWORD", secretRef: "db-password" },
            ],
          },
        ],
      },
    }),
  containerAppJob: () =>
    resource<Unwrap<ContainerAppJobArgs>>("azure-native:app:Job", {
      resourceGroupName: "loom-prod",
      template: {
        containers: [
          {
            name: "migrate",
            image: "loom.azurecr.io/web@sha256:00",
            resources: { cpu: 0.5, memory: "1Gi" },
            env: [{ name: "DATABASE_PASSWORD", secretRef: "db-password" }],
          },
        ],
      },
    }),
  containerGroup: () =>
    resource<Unwrap<ContainerGroupArgs>>("azure-native:containerinstance:ContainerGroup", {
      resourceGroupName: "loom-prod",
      osType: "Linux",
      containers: [
        {
          name: "worker",
          image: "loom.azurecr.io/web@sha256:00",
          resources: { requests: { cpu: 1, memoryInGB: 2 } },
          environmentVariables: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "DATABASE_PASSWORD", secureValue: "generated-password-value" },
          ],
        },
      ],
    }),
  webApp: () =>
    resource<Unwrap<WebAppArgs>>("azure-native:web:WebApp", {
      resourceGroupName: "loom-prod",
      httpsOnly: true,
      siteConfig: {
        minTlsVersion: "1.2",
        appSettings: [
          { name: "LOG_LEVEL", value: "info" },
          {
            name: "DATABASE_PASSWORD",
            value: "@Microsoft.KeyVault(SecretUri=https://loom-kv.vault.azure.net/secrets/db-password/)",
          },
        ],
      },
    }),
  webAppSettings: () =>
    resource<Unwrap<WebAppApplicationSettingsArgs>>("azure-native:web:WebAppApplicationSettings", {
      name: "loom-web",
      resourceGroupName: "loom-prod",
      properties: { LOG_LEVEL: "info", API_TOKEN: "@Microsoft.KeyVault(VaultName=loom-kv;SecretName=api-token)" },
    }),
  storageAccount: () =>
    resource<Unwrap<StorageAccountArgs>>("azure-native:storage:StorageAccount", {
      resourceGroupName: "loom-prod",
      kind: "StorageV2",
      sku: { name: "Standard_ZRS" },
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      encryption: {
        requireInfrastructureEncryption: true,
        keySource: "Microsoft.Keyvault",
        keyVaultProperties: { keyName: "data", keyVaultUri: "https://loom-kv.vault.azure.net/" },
        services: { blob: { enabled: true, keyType: "Account" } },
      },
    }),
  redis: () =>
    resource<Unwrap<RedisArgs>>("azure-native:redis:Redis", {
      resourceGroupName: "loom-prod",
      sku: { name: "Premium", family: "P", capacity: 1 },
      minimumTlsVersion: "1.2",
      enableNonSslPort: false,
      publicNetworkAccess: "Disabled",
    }),
  redisEnterpriseDatabase: () =>
    resource<Unwrap<RedisEnterpriseDatabaseArgs>>("azure-native:redisenterprise:Database", {
      resourceGroupName: "loom-prod",
      clusterName: "loom",
      clientProtocol: "Encrypted",
    }),
  pgServer: () =>
    resource<Unwrap<PgFlexibleServerArgs>>("azure-native:dbforpostgresql:Server", {
      resourceGroupName: "loom-prod",
      version: "16",
      authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Disabled" },
      network: {
        delegatedSubnetResourceId: `${AZ_SUB}/providers/Microsoft.Network/virtualNetworks/loom/subnets/data`,
        publicNetworkAccess: "Disabled",
      },
      backup: { backupRetentionDays: 14, geoRedundantBackup: "Enabled" },
      dataEncryption: { type: "AzureKeyVault", primaryKeyURI: "https://loom-kv.vault.azure.net/keys/data/1" },
    }),
  pgRequireTls: () =>
    resource<Unwrap<PgConfigurationArgs>>(
      "azure-native:dbforpostgresql:Configuration",
      {
        resourceGroupName: "loom-prod",
        serverName: "loom",
        configurationName: "require_secure_transport",
        value: "on",
        source: "user-override",
      },
      { name: "require-secure-transport" },
    ),
  pgMinTls: () =>
    resource<Unwrap<PgConfigurationArgs>>(
      "azure-native:dbforpostgresql:Configuration",
      {
        resourceGroupName: "loom-prod",
        serverName: "loom",
        configurationName: "ssl_min_protocol_version",
        value: "TLSv1.2",
        source: "user-override",
      },
      { name: "ssl-min-protocol-version" },
    ),
  pgFirewallRule: () =>
    resource<Unwrap<PgFirewallRuleArgs>>("azure-native:dbforpostgresql:FirewallRule", {
      resourceGroupName: "loom-prod",
      serverName: "loom",
      startIpAddress: "10.0.0.0",
      endIpAddress: "10.0.0.255",
    }),
  keyVaultKey: () =>
    resource<Unwrap<KeyVaultKeyArgs>>("azure-native:keyvault:Key", {
      resourceGroupName: "loom-prod",
      vaultName: "loom-kv",
      properties: {
        kty: "RSA",
        keySize: 3072,
        rotationPolicy: {
          attributes: { expiryTime: "P1Y" },
          lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P90D" } }],
        },
      },
    }),
  appConfigValue: () =>
    resource<Unwrap<KeyValueArgs>>("azure-native:appconfiguration:KeyValue", {
      resourceGroupName: "loom-prod",
      configStoreName: "loom",
      keyValueName: "Loom:LogLevel",
      value: "info",
    }),
  nsg: () =>
    resource<Unwrap<NetworkSecurityGroupArgs>>("azure-native:network:NetworkSecurityGroup", {
      resourceGroupName: "loom-prod",
      securityRules: [
        {
          name: "https",
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          priority: 100,
          sourceAddressPrefix: "Internet",
          sourcePortRange: "*",
          destinationAddressPrefix: "*",
          destinationPortRanges: ["80", "443"],
        },
        {
          name: "ssh-from-bastion",
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          priority: 110,
          sourceAddressPrefix: "10.0.1.0/24",
          sourcePortRange: "*",
          destinationAddressPrefix: "*",
          destinationPortRange: "22",
        },
      ],
    }),
  securityRule: () =>
    resource<Unwrap<SecurityRuleArgs>>("azure-native:network:SecurityRule", {
      resourceGroupName: "loom-prod",
      networkSecurityGroupName: "loom",
      name: "https",
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      priority: 100,
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "443",
    }),
  autoscaleSetting: () =>
    resource<Unwrap<AutoscaleSettingArgs>>("azure-native:monitor:AutoscaleSetting", {
      resourceGroupName: "loom-prod",
      profiles: [{ name: "default", capacity: { minimum: "2", maximum: "10", default: "2" }, rules: [] }],
    }),
};

// ----- DigitalOcean -----------------------------------------------------------------------------------------------

export const digitalocean = {
  loadBalancer: () =>
    resource<Unwrap<DoLoadBalancerArgs>>("digitalocean:index/loadBalancer:LoadBalancer", {
      region: "ams3",
      redirectHttpToHttps: true,
      tlsCipherPolicy: "STRONG",
      forwardingRules: [
        { entryPort: 443, entryProtocol: "https", targetPort: 8080, targetProtocol: "http", certificateName: "loom" },
        { entryPort: 80, entryProtocol: "http", targetPort: 8080, targetProtocol: "http" },
      ],
    }),
  firewall: () =>
    resource<Unwrap<DoFirewallArgs>>("digitalocean:index/firewall:Firewall", {
      inboundRules: [
        { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
        { protocol: "tcp", portRange: "8080", sourceLoadBalancerUids: ["lb-uuid"] },
      ],
    }),
  app: () =>
    resource<Unwrap<DoAppArgs>>("digitalocean:index/app:App", {
      spec: {
        name: "loom",
        envs: [{ key: "LOG_LEVEL", value: "info" }],
        services: [
          {
            name: "web",
            autoscaling: { minInstanceCount: 1, maxInstanceCount: 5, metrics: { cpu: { percent: 60 } } },
            envs: [
              { key: "DATABASE_HOST", value: "db.internal" },
              { key: "DATABASE_PASSWORD", value: "generated-password-value", type: "SECRET" },
            ],
          },
        ],
      },
    }),
  databaseFirewall: () =>
    resource<Unwrap<DatabaseFirewallArgs>>("digitalocean:index/databaseFirewall:DatabaseFirewall", {
      clusterId: "db-uuid",
      rules: [{ type: "tag", value: "loom-app" }],
    }),
  nodePool: () =>
    resource<Unwrap<KubernetesNodePoolArgs>>("digitalocean:index/kubernetesNodePool:KubernetesNodePool", {
      clusterId: "k8s-uuid",
      size: "s-2vcpu-4gb",
      autoScale: true,
      minNodes: 1,
      maxNodes: 5,
    }),
};

// ----- Kubernetes -------------------------------------------------------------------------------------------------

type PodSpec = Unwrap<core.v1.PodSpec>;

const hardenedContainer = (name: string) => ({
  name,
  image: "ghcr.io/example/loom@sha256:0000000000000000000000000000000000000000000000000000000000000000",
  securityContext: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
  },
  resources: {
    requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "1Gi" },
    limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "1Gi" },
  },
  env: [
    { name: "DATABASE_HOST", value: "loom-db-rw" },
    { name: "DATABASE_SSLMODE", value: "verify-full" },
    { name: "LOOM_MAX_TOKENS", value: "8192" },
    { name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "loom-db-app", key: "password" } } },
  ],
  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
});

/** A PSS-restricted pod spec with limits and secretKeyRef credentials. */
export const podSpec = (): PodSpec => ({
  automountServiceAccountToken: false,
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    seccompProfile: { type: "RuntimeDefault" },
  },
  initContainers: [hardenedContainer("migrate-check")],
  containers: [hardenedContainer("web")],
  volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
});

const meta = (name: string) => ({ name, namespace: "loom-prod", labels: { app: name } });
const selector = (name: string) => ({ matchLabels: { app: name } });

export const k8s = {
  deployment: () =>
    resource<Unwrap<DeploymentArgs>>("kubernetes:apps/v1:Deployment", {
      metadata: meta("web"),
      spec: { selector: selector("web"), template: { metadata: { labels: { app: "web" } }, spec: podSpec() } },
    }),
  statefulSet: () =>
    resource<Unwrap<StatefulSetArgs>>("kubernetes:apps/v1:StatefulSet", {
      metadata: meta("cache"),
      spec: {
        serviceName: "cache",
        selector: selector("cache"),
        template: { metadata: { labels: { app: "cache" } }, spec: podSpec() },
      },
    }),
  daemonSet: () =>
    resource<Unwrap<DaemonSetArgs>>("kubernetes:apps/v1:DaemonSet", {
      metadata: meta("agent"),
      spec: { selector: selector("agent"), template: { metadata: { labels: { app: "agent" } }, spec: podSpec() } },
    }),
  job: () =>
    resource<Unwrap<K8sJobArgs>>("kubernetes:batch/v1:Job", {
      metadata: meta("migrate"),
      spec: { template: { spec: { ...podSpec(), restartPolicy: "Never" } } },
    }),
  cronJob: () =>
    resource<Unwrap<CronJobArgs>>("kubernetes:batch/v1:CronJob", {
      metadata: meta("dump"),
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: "OnFailure" } } } },
      },
    }),
  pod: () => resource<Unwrap<PodArgs>>("kubernetes:core/v1:Pod", { metadata: meta("debug"), spec: podSpec() }),
  ingress: () =>
    resource<Unwrap<IngressArgs>>("kubernetes:networking.k8s.io/v1:Ingress", {
      metadata: {
        ...meta("web"),
        annotations: {
          "cert-manager.io/cluster-issuer": "letsencrypt",
          "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
          "nginx.ingress.kubernetes.io/ssl-protocols": "TLSv1.2 TLSv1.3",
        },
      },
      spec: {
        ingressClassName: "nginx",
        tls: [{ hosts: ["loom.example.com", "*.api.example.com"], secretName: "loom-tls" }],
        rules: [
          {
            host: "loom.example.com",
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 8080 } } } }],
            },
          },
          {
            host: "v1.api.example.com",
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 8080 } } } }],
            },
          },
        ],
      },
    }),
  hpa: () =>
    resource<Unwrap<HorizontalPodAutoscalerArgs>>("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", {
      metadata: meta("web"),
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 3,
        maxReplicas: 12,
      },
    }),
  scaledObject: () =>
    resource<KedaScaledObject>("kubernetes:keda.sh/v1alpha1:ScaledObject", {
      metadata: meta("worker"),
      spec: { scaleTargetRef: { name: "worker" }, minReplicaCount: 2, maxReplicaCount: 20 },
    }),
  configMap: () =>
    resource<Unwrap<ConfigMapArgs>>("kubernetes:core/v1:ConfigMap", {
      metadata: meta("web-config"),
      data: {
        DATABASE_HOST: "loom-db-rw",
        DATABASE_SSLMODE: "verify-full",
        LLM_TOKEN_BUDGET: "200000",
        SECRET_NAME: "loom-db-app",
        "app.env":
          "LOG_LEVEL=info\nDATABASE_PASSWORD_FILE=/run/secrets/db/password\nREDIS_PASSWORD=${REDIS_PASSWORD}\n",
      },
    }),
  secret: () =>
    resource<Unwrap<K8sSecretArgs>>("kubernetes:core/v1:Secret", {
      metadata: meta("loom-tls"),
      type: "kubernetes.io/tls",
      stringData: {
        "tls.key": "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n",
        "tls.crt": "-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n",
      },
    }),
  clusterIpService: () =>
    resource<Unwrap<K8sServiceArgs>>("kubernetes:core/v1:Service", {
      metadata: meta("web"),
      spec: { type: "ClusterIP", selector: { app: "web" }, ports: [{ name: "http", port: 8080, targetPort: 8080 }] },
    }),
  loadBalancerService: () =>
    resource<Unwrap<K8sServiceArgs>>("kubernetes:core/v1:Service", {
      metadata: meta("ingress-nginx"),
      spec: {
        type: "LoadBalancer",
        selector: { app: "ingress-nginx" },
        ports: [
          { name: "http", port: 80, targetPort: 80 },
          { name: "https", port: 443, targetPort: 443 },
        ],
      },
    }),
  storageClass: () =>
    resource<Unwrap<StorageClassArgs>>("kubernetes:storage.k8s.io/v1:StorageClass", {
      metadata: { name: "gp3-encrypted" },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", kmsKeyId: KMS_KEY },
    }),
  pvc: () =>
    resource<Unwrap<PersistentVolumeClaimArgs>>("kubernetes:core/v1:PersistentVolumeClaim", {
      metadata: meta("data"),
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
    }),
  cnpgCluster: () =>
    resource<CnpgCluster>("kubernetes:postgresql.cnpg.io/v1:Cluster", {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: meta("loom-db"),
      spec: {
        instances: 3,
        enableSuperuserAccess: false,
        resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } },
        postgresql: { parameters: { ssl_min_protocol_version: "TLSv1.3" }, pg_hba: ["hostnossl all all all reject"] },
        backup: { retentionPolicy: "30d", barmanObjectStore: { destinationPath: "s3://loom-backups/db" } },
      },
    }),
  barmanObjectStore: () =>
    resource<BarmanObjectStore>("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", {
      spec: { retentionPolicy: "14d", configuration: { destinationPath: "s3://loom-backups/db" } },
    }),
};

/** Every happy-path fixture, for the "fixtures pass the whole pack" test. */
export function allFixtures(): PlannedResource[] {
  const out: PlannedResource[] = [];
  for (const group of [aws, gcp, azure, digitalocean, k8s]) {
    for (const make of Object.values(group)) {
      out.push((make as () => PlannedResource)());
    }
  }
  return out;
}
