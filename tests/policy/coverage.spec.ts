/**
 * Every stateful or endpoint resource type that any stack × implemented-cloud plan creates is covered by the
 * loom-guard rules of its concern: a datastore by datastore-encrypted-at-rest and datastore-tls-required, an endpoint
 * by https-only-endpoints and min-tls-version, and so on (KIND_RULES). Coverage is read from the pack itself (each
 * rule's `covers`, and deletion-protection's STATEFUL_TYPES). A (type, rule) pair may be exempted only with a reason.
 *
 * Every custom resource type in a plan must be classified (KINDS, or PLAIN with a reason), so a new type cannot slip
 * in unexamined: add it to KINDS and the test says which rules must match it.
 */
import assert from "node:assert/strict";
import { IMPLEMENTED_CLOUDS } from "../../components/cloud";
import type { LoomPolicy } from "../../policy/lib/rule";
import { policies } from "../../policy/policies";
import { STATEFUL_TYPES } from "../../policy/rules/resilience/deletion-protection";
import { planStack } from "../../scripts/lib/plan";

const STACKS = ["dev", "staging", "prod"] as const;

type Kind =
  | "datastore"
  | "datastore-endpoint"
  | "object-store"
  | "volume"
  | "key"
  | "secret"
  | "secret-value"
  | "log-store"
  | "messaging"
  | "backup-vault"
  | "backup-policy"
  | "endpoint"
  | "tls-termination"
  | "http-listener"
  | "load-balancer"
  | "network-exposure"
  | "firewall"
  | "workload"
  | "managed-workload"
  | "autoscaler"
  | "config-store"
  | "iam-grant"
  | "notification-endpoint";

/** The rules of the concern each kind must be matched by. */
const KIND_RULES: Record<Kind, readonly string[]> = {
  datastore: ["datastore-encrypted-at-rest", "datastore-tls-required", "deletion-protection"],
  "datastore-endpoint": ["datastore-tls-required"],
  "object-store": ["object-storage-encrypted", "deletion-protection"],
  volume: ["volume-encrypted-at-rest", "deletion-protection"],
  key: ["kms-key-rotation", "deletion-protection"],
  secret: ["no-credential-literals", "deletion-protection"],
  "secret-value": ["no-credential-literals"],
  "log-store": ["log-group-kms"],
  messaging: ["messaging-encrypted-at-rest"],
  "backup-vault": ["backup-vault-encrypted", "deletion-protection"],
  "backup-policy": ["backup-retention"],
  endpoint: ["https-only-endpoints", "min-tls-version"],
  /** Terminates TLS but serves no plain HTTP of its own (a GCP HTTPS proxy). */
  "tls-termination": ["min-tls-version"],
  /** Serves plain HTTP, which must only redirect (a GCP HTTP proxy). */
  "http-listener": ["https-only-endpoints"],
  "load-balancer": ["deletion-protection"],
  "network-exposure": ["no-open-ingress"],
  firewall: ["no-open-ingress"],
  workload: ["container-resource-limits", "no-plaintext-secret-env", "container-hardening"],
  /** Serverless containers (Cloud Run, Container Apps): the platform owns the security context. */
  "managed-workload": ["container-resource-limits", "no-plaintext-secret-env"],
  autoscaler: ["autoscaler-bounded"],
  "config-store": ["no-secrets-in-config-stores"],
  /** A grant whose role or member could make an identity too strong or a workload public. */
  "iam-grant": ["least-privilege-identity"],
  /** Where alert notifications leave the cloud. */
  "notification-endpoint": ["notification-endpoints-tls"],
};

/** Stateful and endpoint types, with every kind they are (a CNPG Cluster is a datastore and a workload). */
const KINDS: Record<string, readonly Kind[]> = {
  // AWS
  "aws:rds/instance:Instance": ["datastore"],
  "aws:rds/cluster:Cluster": ["datastore"],
  "aws:rds/proxy:Proxy": ["datastore-endpoint"],
  "aws:elasticache/replicationGroup:ReplicationGroup": ["datastore"],
  "aws:s3/bucket:Bucket": ["object-store"],
  "aws:s3/bucketV2:BucketV2": ["object-store"],
  "aws:ebs/volume:Volume": ["volume"],
  "aws:efs/fileSystem:FileSystem": ["volume"],
  "aws:kms/key:Key": ["key"],
  "aws:secretsmanager/secret:Secret": ["secret"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secret-value"],
  "aws:cloudwatch/logGroup:LogGroup": ["log-store"],
  "aws:sns/topic:Topic": ["messaging"],
  "aws:sqs/queue:Queue": ["messaging"],
  "aws:backup/vault:Vault": ["backup-vault"],
  "aws:backup/plan:Plan": ["backup-policy"],
  "aws:lb/listener:Listener": ["endpoint"],
  "aws:lb/loadBalancer:LoadBalancer": ["load-balancer"],
  "aws:ec2/securityGroup:SecurityGroup": ["firewall"],
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ["firewall"],
  "aws:ec2/securityGroupRule:SecurityGroupRule": ["firewall"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["firewall"],
  "aws:ecs/taskDefinition:TaskDefinition": ["workload"],
  "aws:appautoscaling/target:Target": ["autoscaler"],
  "aws:ssm/parameter:Parameter": ["config-store"],
  "aws:sns/topicSubscription:TopicSubscription": ["notification-endpoint"],
  // Kubernetes
  "kubernetes:postgresql.cnpg.io/v1:Cluster": ["datastore", "workload"],
  "kubernetes:postgresql.cnpg.io/v1:Pooler": ["datastore-endpoint"],
  "kubernetes:barmancloud.cnpg.io/v1:ObjectStore": ["backup-policy"],
  // The Valkey cache is a StatefulSet: a datastore as well as a workload.
  "kubernetes:apps/v1:StatefulSet": ["workload", "datastore"],
  "kubernetes:apps/v1:Deployment": ["workload"],
  "kubernetes:batch/v1:Job": ["workload"],
  "kubernetes:batch/v1:CronJob": ["workload"],
  "kubernetes:core/v1:PersistentVolumeClaim": ["volume"],
  "kubernetes:storage.k8s.io/v1:StorageClass": ["volume"],
  "kubernetes:core/v1:Secret": ["secret"],
  "kubernetes:core/v1:ConfigMap": ["config-store"],
  "kubernetes:networking.k8s.io/v1:Ingress": ["endpoint"],
  "kubernetes:core/v1:Service": ["network-exposure"],
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": ["autoscaler"],
  "kubernetes:keda.sh/v1alpha1:ScaledObject": ["autoscaler"],
  // GCP (../shared/targets/gcp.md)
  "gcp:sql/databaseInstance:DatabaseInstance": ["datastore"],
  "gcp:redis/instance:Instance": ["datastore"],
  "gcp:memorystore/instance:Instance": ["datastore"],
  "gcp:storage/bucket:Bucket": ["object-store"],
  "gcp:kms/cryptoKey:CryptoKey": ["key"],
  "gcp:secretmanager/secret:Secret": ["secret"],
  "gcp:secretmanager/secretVersion:SecretVersion": ["secret-value"],
  "gcp:logging/projectBucketConfig:ProjectBucketConfig": ["log-store"],
  "gcp:pubsub/topic:Topic": ["messaging"],
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy": ["tls-termination"],
  "gcp:compute/targetHttpProxy:TargetHttpProxy": ["http-listener"],
  "gcp:compute/firewall:Firewall": ["firewall"],
  "gcp:cloudrunv2/service:Service": ["managed-workload", "autoscaler"],
  "gcp:cloudrunv2/job:Job": ["managed-workload"],
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": ["iam-grant"],
  "gcp:cloudrunv2/jobIamMember:JobIamMember": ["iam-grant"],
  "gcp:projects/iAMMember:IAMMember": ["iam-grant"],
  "gcp:monitoring/notificationChannel:NotificationChannel": ["notification-endpoint"],
  // Azure (../shared/targets/azure.md)
  "azure-native:dbforpostgresql:Server": ["datastore"],
  "azure-native:redis:Redis": ["datastore"],
  "azure-native:storage:StorageAccount": ["object-store"],
  "azure-native:keyvault:Key": ["key"],
  "azure-native:keyvault:Secret": ["secret"],
  "azure-native:network:ApplicationGateway": ["endpoint"],
  "azure-native:network:NetworkSecurityGroup": ["firewall"],
  "azure-native:network:SecurityRule": ["firewall"],
  "azure-native:app:ContainerApp": ["managed-workload", "autoscaler"],
  "azure-native:app:Job": ["managed-workload"],
  "azure-native:redisenterprise:RedisEnterprise": ["datastore"],
  "azure-native:redisenterprise:Database": ["datastore-endpoint"],
  "azure-native:dataprotection:BackupVault": ["backup-vault"],
  "azure-native:dataprotection:BackupPolicy": ["backup-policy"],
  "azure-native:keyvault:Vault": ["secret"],
  "azure-native:operationalinsights:Workspace": ["log-store"],
  "azure-native:monitor:ActionGroup": ["notification-endpoint"],
  "azure-native:authorization:RoleAssignment": ["iam-grant"],
  // DigitalOcean (../shared/targets/digitalocean.md)
  "digitalocean:index/databaseCluster:DatabaseCluster": ["datastore"],
  "digitalocean:index/spacesBucket:SpacesBucket": ["object-store"],
  "digitalocean:index/volume:Volume": ["volume"],
  "digitalocean:index/loadBalancer:LoadBalancer": ["endpoint"],
  "digitalocean:index/firewall:Firewall": ["firewall"],
  "digitalocean:index/databaseReplica:DatabaseReplica": ["datastore"],
  "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig": ["datastore-endpoint"],
  "digitalocean:index/droplet:Droplet": ["workload"],
  "digitalocean:index/dropletAutoscale:DropletAutoscale": ["workload", "autoscaler"],
  "digitalocean:index/spacesBucketObject:SpacesBucketObject": ["secret-value"],
  "digitalocean:index/spacesKey:SpacesKey": ["iam-grant"],
  "digitalocean:index/monitorAlert:MonitorAlert": ["notification-endpoint"],
  "digitalocean:index/uptimeAlert:UptimeAlert": ["notification-endpoint"],
};

/** Types that are neither stateful nor an endpoint, grouped by why. */
const PLAIN: Record<string, readonly string[]> = {
  "DigitalOcean plumbing: no data and no listener of its own (the VPC's range is checked by settings, the trusted sources by database-not-public, the certificate's private key by no-credential-literals)":
    [
      "digitalocean:index/vpc:Vpc",
      "digitalocean:index/tag:Tag",
      "digitalocean:index/project:Project",
      "digitalocean:index/projectResources:ProjectResources",
      "digitalocean:index/dnsRecord:DnsRecord",
      "digitalocean:index/certificate:Certificate",
      "digitalocean:index/uptimeCheck:UptimeCheck",
      "digitalocean:index/databaseFirewall:DatabaseFirewall",
    ],
  "parts of a DigitalOcean database cluster (its TLS and encryption are the cluster's): the app's user and database, the server settings, the PgBouncer pool":
    [
      "digitalocean:index/databaseUser:DatabaseUser",
      "digitalocean:index/databaseDb:DatabaseDb",
      "digitalocean:index/databasePostgresqlConfig:DatabasePostgresqlConfig",
      "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
    ],
  "network plumbing: no data, no listener (exposure is checked on security groups, listeners and Services)": [
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/flowLog:FlowLog",
    "aws:route53/record:Record",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/targetGroup:TargetGroup",
    "aws:wafv2/webAcl:WebAcl",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "gcp:compute/network:Network",
    "gcp:compute/subnetwork:Subnetwork",
    "gcp:compute/router:Router",
    "gcp:compute/routerNat:RouterNat",
    "gcp:compute/globalAddress:GlobalAddress",
    "gcp:servicenetworking/connection:Connection",
    "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
    "gcp:compute/securityPolicy:SecurityPolicy",
    "gcp:dns/managedZone:ManagedZone",
    "gcp:dns/recordSet:RecordSet",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:Subnet",
    "azure-native:network:NatGateway",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:network:FlowLog",
    "azure-native:network:WebApplicationFirewallPolicy",
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:PrivateRecordSet",
    "azure-native:privatedns:VirtualNetworkLink",
  ],
  "egress only: no-open-ingress is about what the internet can reach; egress is shaped per tier (tests/components)": [
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  ],
  "the GCP load balancer's links: TLS is checked on the HTTPS proxy and its SSL policy (min-tls-version), plain HTTP on the HTTP proxy and its URL map (https-only-endpoints)":
    [
      "gcp:compute/globalForwardingRule:GlobalForwardingRule",
      "gcp:compute/backendService:BackendService",
      "gcp:compute/uRLMap:URLMap",
      "gcp:compute/sSLPolicy:SSLPolicy",
      "gcp:compute/managedSslCertificate:ManagedSslCertificate",
    ],
  "settings or attachments of a checked resource (the rule reads them through it, or they hold no data)": [
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
    "aws:rds/proxyTarget:ProxyTarget",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:kms/alias:Alias",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:scheduler/schedule:Schedule",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:backup/selection:Selection",
    "aws:appautoscaling/policy:Policy",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:core/v1:LimitRange",
  ],
  "runs a checked workload: aws:ecs/service runs the task definition the container rules check": [
    "aws:ecs/service:Service",
  ],
  "identity and access: no data, no listener": [
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "kubernetes:core/v1:ServiceAccount",
    "gcp:serviceaccount/account:Account",
    "gcp:projects/serviceIdentity:ServiceIdentity",
    "gcp:projects/service:Service",
    "azure-native:managedidentity:UserAssignedIdentity",
  ],
  "grants on one resource (a secret, a key, a bucket) to one named service account: least privilege by construction (tests/components assert each member and role)":
    [
      "gcp:secretmanager/secretIamMember:SecretIamMember",
      "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
      "gcp:storage/bucketIAMMember:BucketIAMMember",
    ],
  "certificates: issue the TLS the checked listeners and Ingresses serve (keys land in checked Secrets)": [
    "aws:acm/certificate:Certificate",
    "aws:acm/certificateValidation:CertificateValidation",
    "kubernetes:cert-manager.io/v1:Certificate",
    "kubernetes:cert-manager.io/v1:Issuer",
    "kubernetes:cert-manager.io/v1:ClusterIssuer",
    "azure-native:app:ManagedCertificate",
  ],
  "monitoring definitions: no data of their own (alert receivers reference Secrets; no-credential-literals scans every input)":
    [
      "aws:cloudwatch/dashboard:Dashboard",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:cloudwatch/compositeAlarm:CompositeAlarm",
      "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
      "kubernetes:monitoring.coreos.com/v1:PodMonitor",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
      "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
      "gcp:monitoring/alertPolicy:AlertPolicy",
      "gcp:monitoring/dashboard:Dashboard",
      "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
      "gcp:logging/metric:Metric",
      "gcp:logging/projectSink:ProjectSink",
      "gcp:logging/projectExclusion:ProjectExclusion",
      "azure-native:monitor:MetricAlert",
      "azure-native:monitor:ScheduledQueryRule",
      "azure-native:applicationinsights:Workbook",
      "azure-native:applicationinsights:Component",
    ],
  "parts of a checked datastore: the database and its user live inside the Cloud SQL instance the rules check (the password is generated, never a literal)":
    ["gcp:sql/database:Database", "gcp:sql/user:User"],
  "settings and attachments of a checked Azure resource (the server's parameters, its database and Entra admin, the backup instance, a container's immutability and lifecycle, per-table retention, diagnostic settings, the prod lock)":
    [
      "azure-native:dbforpostgresql:Configuration",
      "azure-native:dbforpostgresql:Database",
      "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
      "azure-native:dataprotection:BackupInstance",
      "azure-native:storage:BlobContainer",
      "azure-native:storage:BlobContainerImmutabilityPolicy",
      "azure-native:storage:ManagementPolicy",
      "azure-native:operationalinsights:Table",
      "azure-native:monitor:DiagnosticSetting",
      "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    ],
  "runs checked workloads: the Container Apps environment hosts the container apps and jobs the rules check": [
    "azure-native:app:ManagedEnvironment",
  ],
  "a container of checked keys: deletion-protection lists it as stateful; rotation is a property of each key": [
    "gcp:kms/keyRing:KeyRing",
  ],
  "a trigger of a checked workload (the backup Cloud Run job), run as its own service account": [
    "gcp:cloudscheduler/job:Job",
  ],
  "a scope, not a store: the stack protects it in prod (tests/stacks.spec.ts); the pack checks what is inside": [
    "kubernetes:core/v1:Namespace",
    "azure-native:resources:ResourceGroup",
  ],
  "generated in the program, never shown in the plan (tests/stacks.spec.ts asserts it)": [
    "random:index/randomPassword:RandomPassword",
  ],
};

interface Exemption {
  type: string;
  rule: string;
  /** Why the rule does not need to match this type; "GAP:" marks a missing check the pack should grow. */
  reason: string;
}

const EXEMPT: readonly Exemption[] = [
  {
    type: "digitalocean:index/droplet:Droplet",
    rule: "container-resource-limits",
    reason:
      "GAP: the compose file inside the boot config carries the limits, generated and refused when missing by components/lib/do-compose.ts (tests/components/do-compose.spec.ts); the pack has no YAML parser to read them",
  },
  {
    type: "digitalocean:index/droplet:Droplet",
    rule: "no-plaintext-secret-env",
    reason:
      "a droplet has no environment input: its boot config (the only place an env could be written) is scanned by no-credential-literals, and credentials arrive as 0400 files",
  },
  {
    type: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    rule: "container-resource-limits",
    reason:
      "GAP: the compose file inside the boot config carries the limits, generated and refused when missing by components/lib/do-compose.ts (tests/components/do-compose.spec.ts); the pack has no YAML parser to read them",
  },
  {
    type: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    rule: "no-plaintext-secret-env",
    reason:
      "a droplet has no environment input: its boot config (the only place an env could be written) is scanned by no-credential-literals, and credentials arrive as 0400 files",
  },
  {
    type: "digitalocean:index/databaseCluster:DatabaseCluster",
    rule: "datastore-encrypted-at-rest",
    reason:
      "DigitalOcean encrypts every managed database at rest with provider-managed keys; there is no setting to turn it off and no customer-managed key (docs/digitalocean.md)",
  },
  {
    type: "digitalocean:index/databaseCluster:DatabaseCluster",
    rule: "datastore-tls-required",
    reason:
      "DigitalOcean managed PostgreSQL and Valkey listen for TLS connections only (no plaintext listener to turn on); Valkey's ssl flag is checked on databaseValkeyConfig",
  },
  {
    type: "digitalocean:index/databaseReplica:DatabaseReplica",
    rule: "datastore-encrypted-at-rest",
    reason:
      "DigitalOcean encrypts every managed database at rest with provider-managed keys; there is no setting to turn it off and no customer-managed key (docs/digitalocean.md)",
  },
  {
    type: "digitalocean:index/databaseReplica:DatabaseReplica",
    rule: "datastore-tls-required",
    reason:
      "DigitalOcean managed PostgreSQL and Valkey listen for TLS connections only (no plaintext listener to turn on); Valkey's ssl flag is checked on databaseValkeyConfig",
  },
  {
    type: "digitalocean:index/spacesBucket:SpacesBucket",
    rule: "object-storage-encrypted",
    reason:
      "Spaces encrypts every object at rest with DigitalOcean-managed keys; there is no setting and no customer-managed key (the logical backups are also encrypted client-side)",
  },
  {
    type: "azure-native:dbforpostgresql:Server",
    rule: "datastore-tls-required",
    reason:
      "GAP: Azure pins TLS in separate dbforpostgresql:Configuration resources (require_secure_transport, ssl_min_protocol_version; tests/components/database.azure.spec.ts); the rule reads the server alone",
  },
  {
    type: "azure-native:redisenterprise:RedisEnterprise",
    rule: "datastore-tls-required",
    reason: "plaintext or TLS is the Database's clientProtocol (checked); the cluster's TLS floor is min-tls-version's",
  },
  {
    type: "azure-native:dataprotection:BackupVault",
    rule: "backup-vault-encrypted",
    reason: "a Backup vault's data is always encrypted with Microsoft-managed keys; there is nothing to switch off",
  },
  {
    type: "azure-native:operationalinsights:Workspace",
    rule: "log-group-kms",
    reason:
      "a customer key for Log Analytics needs a dedicated cluster (a 100 GB/day commitment); data is encrypted with Microsoft-managed keys",
  },
  {
    type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    rule: "datastore-encrypted-at-rest",
    reason:
      "GAP: CNPG volumes are encrypted by their StorageClass (volume-encrypted-at-rest checks StorageClasses), but the plan uses the cluster's default class, which no rule sees",
  },
  {
    type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    rule: "no-plaintext-secret-env",
    reason:
      "the CloudNativePG operator builds the pods and takes no user env vars; credentials are operator-generated Secrets",
  },
  {
    type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    rule: "container-hardening",
    reason:
      "the CloudNativePG operator builds the pods and gives them a restricted security context (non-root, no privilege escalation, capabilities dropped); the Cluster spec is not a pod template",
  },
  {
    type: "kubernetes:apps/v1:StatefulSet",
    rule: "datastore-encrypted-at-rest",
    reason: "GAP: the Valkey volume's encryption is its StorageClass's, as for the CNPG cluster",
  },
  {
    type: "kubernetes:apps/v1:StatefulSet",
    rule: "datastore-tls-required",
    reason:
      "GAP: Valkey's TLS-only port is set in the StatefulSet's container args (tested in tests/components); no rule reads them",
  },
  {
    type: "kubernetes:apps/v1:StatefulSet",
    rule: "deletion-protection",
    reason:
      "GAP: the program protects the Valkey StatefulSet in prod (tests/stacks.spec.ts); STATEFUL_TYPES does not list it",
  },
  {
    type: "kubernetes:postgresql.cnpg.io/v1:Pooler",
    rule: "datastore-tls-required",
    reason: "GAP: PgBouncer's client TLS follows the Cluster's certificates; no rule checks a Pooler",
  },
  {
    type: "kubernetes:core/v1:Secret",
    rule: "deletion-protection",
    reason: "GAP: the program protects Secrets in prod (tests/stacks.spec.ts); STATEFUL_TYPES does not list them",
  },
  {
    type: "aws:secretsmanager/secret:Secret",
    rule: "deletion-protection",
    reason: "GAP: the program protects secrets in prod (tests/stacks.spec.ts); STATEFUL_TYPES does not list them",
  },
  {
    type: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    rule: "no-open-ingress",
    reason:
      "GAP: the program adopts the VPC's default group only to strip its rules; an open rule added here would pass",
  },
];

const byName = new Map(policies.map((p) => [p.name, p]));

/** Whether `rule` checks resources of `type`: its covers (a `*` check counts), or for deletion-protection the types it protects. */
function covers(rule: LoomPolicy, type: string): boolean {
  if (rule.name === "deletion-protection") return STATEFUL_TYPES.includes(type) || rule.covers.includes(type);
  return rule.covers.includes(type) || rule.covers.includes("*");
}

describe("policy coverage of every stateful and endpoint type in the plans", () => {
  const planned = new Set<string>();

  before(async function () {
    this.timeout(600_000);
    for (const cloud of IMPLEMENTED_CLOUDS) {
      for (const stack of STACKS) {
        const p = await planStack({ stack, cloud, policy: false });
        for (const r of p.resources) if (r.custom && !r.type.startsWith("pulumi:providers:")) planned.add(r.type);
      }
    }
  });

  it("the tables are consistent: rule names exist, no type is both stateful and plain", () => {
    for (const [kind, rules] of Object.entries(KIND_RULES)) {
      for (const r of rules) assert.ok(byName.has(r), `${kind}: no rule named ${r}`);
    }
    for (const e of EXEMPT) {
      assert.ok(byName.has(e.rule), `exemption names no rule: ${e.rule}`);
      assert.ok(e.reason.length > 20, `exemption ${e.type} × ${e.rule} needs a reason`);
    }
    const plain = Object.values(PLAIN).flat();
    assert.deepEqual(
      plain.filter((t) => t in KINDS),
      [],
    );
    assert.deepEqual(
      plain.filter((t, i) => plain.indexOf(t) !== i),
      [],
    );
  });

  it("every custom resource type in a plan is classified (stateful/endpoint kind, or plain with a reason)", () => {
    const plain = new Set(Object.values(PLAIN).flat());
    const unclassified = [...planned].filter((t) => !(t in KINDS) && !plain.has(t)).sort();
    assert.deepEqual(unclassified, [], "add each to KINDS (and the rules must match it) or to PLAIN with a reason");
  });

  it("each stateful or endpoint type is matched by every rule of its concern, or exempted with a reason", () => {
    const missing: string[] = [];
    for (const type of [...planned].sort()) {
      for (const kind of KINDS[type] ?? []) {
        for (const name of KIND_RULES[kind]) {
          const rule = byName.get(name) as LoomPolicy;
          if (covers(rule, type)) continue;
          if (EXEMPT.some((e) => e.type === type && e.rule === name)) continue;
          missing.push(`${type} (${kind}) is not checked by ${name}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it("no exemption is stale: each names a planned type whose rule really does not match it", () => {
    const stale = EXEMPT.filter((e) => !planned.has(e.type) || covers(byName.get(e.rule) as LoomPolicy, e.type)).map(
      (e) => `${e.type} × ${e.rule}`,
    );
    assert.deepEqual(stale, [], "remove these exemptions");
  });
});
