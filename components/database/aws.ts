/**
 * Database on AWS: RDS for PostgreSQL in the network's data subnets.
 *
 * Guarantees: customer-managed KMS key (rotated) for storage, the master secret, Performance Insights and the
 * exported logs; TLS enforced by the server (`rds.force_ssl=1`) and by the proxy (`requireTls`); the master password
 * generated and rotated by RDS in Secrets Manager (`manageMasterUserPassword`) — no password exists in this
 * program or its state; not publicly accessible; reachable only through the database security group; automated
 * backups with point-in-time recovery and a final snapshot; deletion protection and Pulumi `protect` per profile.
 *
 * Identity: logical names (`${name}-db`, `${name}-db-replica`, …) and physical identifiers (`${prefix}-db`) are
 * identity. Renaming a logical name replaces the database (a new, empty instance) unless the old name is given as
 * an alias; changing the identifier renames the instance in place but changes its endpoint.
 */
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import type { Key } from "@pulumi/aws/kms/key";
import { Instance, type InstanceArgs } from "@pulumi/aws/rds/instance";
import { ParameterGroup } from "@pulumi/aws/rds/parameterGroup";
import { SubnetGroup } from "@pulumi/aws/rds/subnetGroup";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, awsScope, encryptedLogGroup, scopedKey } from "../lib/aws";
import { handleFor, invalid, orInvalid } from "../lib/component";
import { fit as fitName } from "../naming";
import type { AwsNetworkPlacement } from "../network/aws";
import type { DatabaseOutputs, ResolvedDatabaseArgs } from ".";
import { awsAccess, connectArns, proxyResourceId } from "./aws-logins";
import { rdsProxy, rdsServiceTrust } from "./aws-proxy";
import {
  BACKUP_WINDOW,
  CA_CERT_IDENTIFIER,
  databaseNameProblem,
  instanceClassFor,
  instanceMemoryGiB,
  LOG_EXPORTS,
  MAINTENANCE_WINDOW,
  MONITORING_INTERVAL_SECONDS,
  PERFORMANCE_INSIGHTS_RETENTION_DAYS,
  parameterGroupFamily,
  postgresParameters,
} from "./rds";

export const MASTER_USERNAME = "loom_admin";
export const POSTGRES_PORT = 5432;

/** What AWS Observability reads: the instance ids and the allocated storage (the free-storage alarm's base). */
export interface AwsDatabaseMonitoring {
  cloud: "aws";
  instanceId: pulumi.Output<string>;
  allocatedStorageGiB: number;
  /** Memory of the instance class (the base of the database's memory-pressure ratio). */
  memoryGiB: number;
  /** Only with a read replica. */
  replicaInstanceId?: pulumi.Output<string>;
}

/** What AWS Backups protects: the primary instance's ARN. */
export interface AwsDatabaseBackupTargets {
  cloud: "aws";
  resourceArns: pulumi.Output<string[]>;
}

interface DbScope extends AwsScope {
  args: ResolvedDatabaseArgs;
  placement: AwsNetworkPlacement;
  key: Key;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedDatabaseArgs): DatabaseOutputs {
  const nameProblem = databaseNameProblem(args.databaseName);
  if (nameProblem) invalid("databaseName", nameProblem);
  const family = orInvalid("engineVersion", () => parameterGroupFamily(args.engineVersion));
  const placement = handleFor("network.placement", args.network.placement, "aws");
  const scope = awsScope(parent, name, args, "database");
  // One key for everything that holds this database's data: storage, snapshots, the master secret, Performance
  // Insights and the exported logs. RDS and Secrets Manager use it through grants under the account's IAM
  // permissions; CloudWatch Logs needs the key-policy statement.
  const key = scopedKey(scope, `${name}-db-key`, {
    description: `${scope.prefix} PostgreSQL: storage, snapshots, master secret, logs`,
    alias: `${scope.prefix}-db`,
    logs: true,
  });
  const s: DbScope = { ...scope, args, placement, key };
  const { primary, replica, identifier } = instances(s, family);

  const secretArn = primary.masterUserSecrets.apply((secrets) => {
    const arn = secrets[0]?.secretArn;
    if (!arn) throw new Error(`${identifier}: RDS returned no master user secret (manageMasterUserPassword is on)`);
    return arn;
  });
  const proxy = args.connectionPooler ? rdsProxy(s, primary) : undefined;
  // Token logins connect where the endpoint points: their dbuser ARNs are the proxy's, else the instance's.
  const resourceId = proxy ? proxy.arn.apply(proxyResourceId) : primary.resourceId;
  const arnsOn = (id: pulumi.Input<string>) =>
    pulumi
      .all([scope.account.partition, scope.account.accountId, id])
      .apply(([partition, accountId, rid]) =>
        connectArns({ partition, region: scope.region, accountId, resourceId: rid }),
      );
  const master = { username: { id: secretArn, key: "username" }, password: { id: secretArn, key: "password" } };

  return {
    endpoint: proxy ? proxy.endpoint : primary.address,
    readerEndpoint: replica ? replica.address : primary.address,
    port: pulumi.output(POSTGRES_PORT),
    databaseName: pulumi.output(args.databaseName),
    // The master's (break-glass and the roles step); no workload logs in with it (aws-logins.ts).
    credentials: master,
    access: awsAccess({
      database: args.databaseName,
      admin: { ...master, host: primary.address },
      connect: arnsOn(resourceId),
      // The replica is its own instance: reading from it needs its own dbuser ARNs (not through the proxy).
      ...(replica ? { readerConnect: arnsOn(replica.resourceId) } : {}),
      // pg_dump's idle snapshot session must not meet the proxy's idle-client timeout: the backup goes direct.
      ...(proxy
        ? { backupDirect: { host: primary.address, connect: arnsOn(primary.resourceId).apply((c) => c.backup) } }
        : {}),
    }),
    backupTargets: { cloud: "aws", resourceArns: primary.arn.apply((arn) => [arn]) },
    monitoring: {
      cloud: "aws",
      instanceId: primary.identifier,
      allocatedStorageGiB: args.storageGiB,
      memoryGiB: instanceMemoryGiB(args.tier),
      ...(replica ? { replicaInstanceId: replica.identifier } : {}),
    },
  };
}

/** What primary and replica share: placement, encryption, TLS, telemetry, upgrades. */
function commonInstanceArgs(s: DbScope, family: string) {
  const { args, name, prefix, key } = s;
  const subnetGroup = new SubnetGroup(
    `${name}-db`,
    {
      name: `${prefix}-db`,
      description: `${prefix} PostgreSQL: private data subnets (no route out of the VPC)`,
      subnetIds: s.placement.dataSubnetIds,
      tags: s.tags(),
    },
    s.opts(),
  );
  // The family is part of the physical name, so a major upgrade creates the new group before the old one goes.
  const parameterGroup = new ParameterGroup(
    `${name}-db`,
    {
      name: `${prefix}-db-${family}`,
      family,
      description: `${prefix} PostgreSQL: TLS only, slow-query and connection logging`,
      parameters: postgresParameters(args.slowQueryMs),
      tags: s.tags(),
    },
    s.opts(),
  );
  const monitoringRole = args.performanceInsights ? enhancedMonitoringRole(s) : undefined;
  return {
    instanceClass: instanceClassFor(args.tier),
    storageType: "gp3",
    maxAllocatedStorage: args.maxStorageGiB,
    storageEncrypted: true,
    kmsKeyId: key.arn,
    dbSubnetGroupName: subnetGroup.name,
    vpcSecurityGroupIds: [args.network.tiers.database],
    parameterGroupName: parameterGroup.name,
    port: POSTGRES_PORT,
    publiclyAccessible: false,
    iamDatabaseAuthenticationEnabled: true,
    autoMinorVersionUpgrade: true,
    caCertIdentifier: CA_CERT_IDENTIFIER,
    enabledCloudwatchLogsExports: [...LOG_EXPORTS],
    backupRetentionPeriod: args.backupRetentionDays,
    backupWindow: BACKUP_WINDOW,
    maintenanceWindow: MAINTENANCE_WINDOW,
    copyTagsToSnapshot: true,
    deletionProtection: args.deletionProtection,
    // Protected databases change in the maintenance window, never in the middle of the day.
    applyImmediately: !args.protect,
    performanceInsightsEnabled: args.performanceInsights,
    ...(args.performanceInsights
      ? {
          performanceInsightsKmsKeyId: key.arn,
          performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_RETENTION_DAYS,
        }
      : {}),
    monitoringInterval: monitoringRole ? MONITORING_INTERVAL_SECONDS : 0,
    ...(monitoringRole ? { monitoringRoleArn: monitoringRole.arn } : {}),
  } satisfies Partial<InstanceArgs>;
}

/** The primary (and the read replica), each after its encrypted log groups. */
function instances(s: DbScope, family: string): { primary: Instance; replica?: Instance; identifier: string } {
  const { args, name, prefix } = s;
  const common = commonInstanceArgs(s, family);
  // Created before the instance, so RDS finds them and does not create unencrypted ones with infinite retention.
  const logGroups = (identifier: string, logicalName: string) =>
    LOG_EXPORTS.map((log) =>
      encryptedLogGroup(s.parent, `${logicalName}-${log}`, {
        logGroupName: `/aws/rds/instance/${identifier}/${log}`,
        retentionDays: args.logRetentionDays,
        kmsKeyArn: s.key.arn,
        tags: s.tags(),
      }),
    );
  const identifier = `${prefix}-db`;
  const primary = new Instance(
    `${name}-db`,
    {
      ...common,
      identifier,
      engine: "postgres",
      engineVersion: args.engineVersion,
      allocatedStorage: args.storageGiB,
      dbName: args.databaseName,
      username: MASTER_USERNAME,
      // RDS generates the password, keeps it in Secrets Manager encrypted with our key, and rotates it.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: s.key.arn,
      multiAz: args.highAvailability,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${identifier}-final`,
      tags: s.tags({ Name: identifier }),
    },
    s.opts(true, { dependsOn: logGroups(identifier, `${name}-db`) }),
  );
  if (!args.readReplica) return { primary, identifier };
  const replicaId = `${prefix}-db-replica`;
  const replica = new Instance(
    `${name}-db-replica`,
    {
      ...common,
      identifier: replicaId,
      // Engine, version, storage size, database name and credentials come from the source.
      replicateSourceDb: primary.identifier,
      multiAz: false,
      // RDS refuses a final snapshot of a replica; the primary's final snapshot and backups hold the data.
      skipFinalSnapshot: true,
      tags: s.tags({ Name: replicaId }),
    },
    s.opts(true, { dependsOn: logGroups(replicaId, `${name}-db-replica`) }),
  );
  return { primary, replica, identifier };
}

/** The role RDS enhanced monitoring publishes OS metrics with (AWS's managed policy, nothing else). */
function enhancedMonitoringRole(s: AwsScope): Role {
  const { parent, name, prefix, account } = s;
  const tags = s.tags();
  const role = new Role(
    `${name}-db-monitoring`,
    {
      name: fitName(`${prefix}-db-monitoring`, 64),
      description: "RDS enhanced monitoring",
      assumeRolePolicy: rdsServiceTrust(account, "monitoring.rds.amazonaws.com"),
      tags,
    },
    { parent },
  );
  new RolePolicyAttachment(
    `${name}-db-monitoring`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${account.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
    },
    { parent },
  );
  return role;
}
