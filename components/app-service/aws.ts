/**
 * AppService on AWS: an ECS cluster (Container Insights) running `web` and `worker` as Fargate services from one
 * image, a `migrate` task definition for the deploy runbook, the edge (aws-edge.ts: ALB, certificate, WAF, access
 * logs), and target-tracking autoscaling (aws-scaling.ts).
 *
 * Secrets per workload follow workload-secrets.ts: web and worker get every credential, migrate only the
 * database's. With a database (`args.database`, aws-database.ts) each workload logs in with its IAM token login
 * (loom_app, loom_migrate: no database secret at all), and the migrate task's first container `db-roles`, the only
 * holder of the RDS master login, runs the roles step; migrate starts once it has succeeded. Web and worker share
 * one pair of roles, migrate has its own (aws-identity.ts). `loadBalancer` has no effect here (Fargate has no
 * built-in HTTPS endpoint; see aws-edge.ts).
 *
 * Every task carries an OpenTelemetry Collector sidecar (aws-telemetry.ts): traces to X-Ray, the app's metrics to
 * CloudWatch namespace `Loom` (EMF).
 *
 * Pure pieces live next to this file: fargate.ts (sizes), containers.ts (container definitions), policies.ts
 * (IAM and bucket policies), waf.ts (rules), aws-telemetry-config.ts (the collector's configuration).
 */
import { LogDataProtectionPolicy } from "@pulumi/aws/cloudwatch/logDataProtectionPolicy";
import { Cluster } from "@pulumi/aws/ecs/cluster";
import { ClusterCapacityProviders } from "@pulumi/aws/ecs/clusterCapacityProviders";
import { Service } from "@pulumi/aws/ecs/service";
import { TaskDefinition } from "@pulumi/aws/ecs/taskDefinition";
import type { Key } from "@pulumi/aws/kms/key";
import type { ecs } from "@pulumi/aws/types/input";
import * as pulumi from "@pulumi/pulumi";
import { encryptedLogGroup, scopedKey } from "../lib/aws";
import { invalid } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";
import {
  type DatabaseWiring,
  databaseWiring,
  migrateSecretRefs,
  ROLES_CONTAINER,
  rolesContainer,
  rolesSplit,
} from "./aws-database";
import { type Edge, edge } from "./aws-edge";
import { appSecrets, type Roles, type RolesOwner, roles } from "./aws-identity";
import { autoscaling } from "./aws-scaling";
import { type AppScope, appScope, certificateSource } from "./aws-scope";
import { emfLogGroupName, type TelemetryFor, telemetry } from "./aws-telemetry";
import { type ContainerSpec, containerDefinition, TMP_VOLUME, WORKER_HEALTH_CHECK, webHealthCheck } from "./containers";
import { type FargateSize, fargateSize } from "./fargate";
import { logDataProtectionPolicy } from "./policies";
import { allowList, checkRateLimit } from "./waf";
import { secretsFor, WORKLOADS, type Workload } from "./workload-secrets";

export { HSTS_HEADER, TLS_POLICY } from "./aws-edge";

/** What AWS Observability reads: the cluster, the services and the ALB/target group metric dimensions. */
export interface AwsAppMonitoring {
  cloud: "aws";
  clusterName: pulumi.Output<string>;
  webServiceName: pulumi.Output<string>;
  workerServiceName: pulumi.Output<string>;
  /** `app/<name>/<id>`: the ALB's `LoadBalancer` dimension. */
  loadBalancerArnSuffix: pulumi.Output<string>;
  /** `targetgroup/<name>/<id>`: the `TargetGroup` dimension. */
  targetGroupArnSuffix: pulumi.Output<string>;
  /** The `Environment` dimension of the app's own metrics. */
  environment: string;
  /** The ACM certificate the HTTPS listener serves: the `CertificateArn` dimension of ACM's DaysToExpiry. */
  certificateArn: pulumi.Output<string>;
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  // Everything that can be wrong with the args fails here, before the first resource.
  const sizes = workloadSizes(args);
  const s = appScope(parent, name, args);
  const cert = certificateSource(s.platform.target);
  const allowed = args.waf ? allowList(args.ingressCidrs) : undefined;
  if (args.waf) checkRateLimit(args.rateLimitPer5Min);

  const app = appSecrets(s);
  const secrets = Object.fromEntries(WORKLOADS.map((w) => [w, workloadSecrets(w, args, app)])) as Record<
    Workload,
    Record<string, SecretRef>
  >;
  const db = databaseWiring(s, args.database);
  // The app's execution role reads every secret web and worker reference (web's set holds them all); migrate's reads
  // its own and the roles step's admin login, which no other role can read.
  const identity: Identities = {
    app: roles(s, "app", {
      secrets: Object.values(secrets.web),
      emfLogGroup: emfLogGroupName(s),
      connect: db.connect.app,
    }),
    migrate: roles(s, "migrate", {
      secrets: migrateSecretRefs(secrets.migrate, db),
      emfLogGroup: emfLogGroupName(s),
      connect: db.connect.migrate,
    }),
  };
  const cluster = new Cluster(
    `${name}-app`,
    { name: s.prefix, settings: [{ name: "containerInsights", value: "enabled" }], tags: s.tags() },
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
  const logsKey = scopedKey(s, `${name}-app-logs`, {
    description: `Loom app logs ${s.prefix}`,
    alias: `${s.prefix}-app-logs`,
    logs: true,
  });
  const tasks = taskDefinitions(s, sizes, { secrets, db }, identity, logsKey, telemetry(s, logsKey));
  const front = edge(s, cert, allowed);
  const services = fargateServices(s, cluster, tasks, front, [capacity, ...identity.app.grants]);
  if (args.autoscaling)
    autoscaling(s, { cluster, ...services, alb: front.alb, targetGroup: front.targetGroup, tags: s.tags() });

  return {
    url: pulumi.output(`https://${args.domain}`),
    edgeHostname: front.alb.dnsName,
    monitoring: {
      cloud: "aws",
      clusterName: cluster.name,
      webServiceName: services.webService.name,
      workerServiceName: services.workerService.name,
      loadBalancerArnSuffix: front.alb.arnSuffix,
      targetGroupArnSuffix: front.targetGroup.arnSuffix,
      environment: args.context.environment,
      // The HTTPS listener always has a certificate (certificateSource requires one).
      certificateArn: front.https.certificateArn as pulumi.Output<string>,
    },
    migrateCommand: migrateCommand(s, cluster, tasks.migrate),
  };
}

/** Fargate units per workload; migrations run with the web tier's size (same code, same memory profile). */
function workloadSizes(args: ResolvedAppServiceArgs): Record<Workload, FargateSize> {
  const sizes = {
    web: fargateSize("web", args.web.cpu, args.web.memoryMiB),
    worker: fargateSize("worker", args.worker.cpu, args.worker.memoryMiB),
    migrate: fargateSize("web", args.web.cpu, args.web.memoryMiB),
  };
  if (args.autoscaling && args.worker.minReplicas < 1) {
    invalid(
      "worker.minReplicas",
      "must be at least 1 with autoscaling: the worker scales on queued jobs per running worker",
    );
  }
  return sizes;
}

/** The secrets `workload` gets (workload-secrets.ts): platform credentials plus the app secrets it is allowed. */
function workloadSecrets(
  workload: Workload,
  args: ResolvedAppServiceArgs,
  app: Record<string, SecretRef>,
): Record<string, SecretRef> {
  const allowed = secretsFor(workload, {
    platform: args.secrets,
    app: args.appSecretNames,
    database: args.database?.logins,
  });
  const appRefs = Object.fromEntries(allowed.app.flatMap((n) => (app[n] ? [[n, app[n]] as const] : [])));
  return { ...allowed.platform, ...appRefs };
}

type TaskSpec = Pick<ContainerSpec, "command" | "port" | "healthCheck">;
type Identities = Record<RolesOwner, Roles>;

/**
 * One encrypted log group and one task definition (the app and its telemetry sidecar) per workload; with a
 * database, the migrate task runs the roles step (aws-database.ts) first.
 */
function taskDefinitions(
  s: AppScope,
  sizes: Record<Workload, FargateSize>,
  config: { secrets: Record<Workload, Record<string, SecretRef>>; db: DatabaseWiring },
  identity: Identities,
  logsKey: Key,
  telemetryFor: TelemetryFor,
): Record<Workload, TaskDefinition> {
  const { secrets, db } = config;
  const { name, prefix, args } = s;
  const specs: Record<Workload, TaskSpec> = {
    web: {
      command: args.web.command,
      port: args.app.port,
      healthCheck: webHealthCheck(args.app.port, args.app.healthPath),
    },
    worker: { command: args.worker.command, healthCheck: WORKER_HEALTH_CHECK },
    migrate: { command: args.migrateCommand },
  };
  const leaked = secretEnvironmentNames(args.env);
  const task = (tier: Workload) => {
    const logGroup = workloadLogGroup(s, tier, logsKey);
    const t = telemetryFor(tier, sizes[tier]);
    const split = tier === "migrate" && args.database ? rolesSplit(t.appLimits) : undefined;
    const rolesStep = split && args.database ? rolesContainer(s, args.database, logGroup.name, split.roles) : undefined;
    const definition = containerDefinition({
      ...specs[tier],
      name: tier,
      image: args.image,
      runAsUser: args.app.runAsUser,
      environment: { ...t.environment, ...db.env[tier] },
      secrets: secrets[tier],
      logGroupName: logGroup.name,
      region: s.region,
      limits: split ? split.migrate : t.appLimits,
      startAfter: t.startAfter,
      ...(rolesStep ? { succeededFirst: [ROLES_CONTAINER] } : {}),
    });
    const owner: RolesOwner = tier === "migrate" ? "migrate" : "app";
    const containers = [...(rolesStep ? [rolesStep] : []), definition, t.sidecar];
    return new TaskDefinition(
      `${name}-${tier}`,
      {
        family: `${prefix}-${tier}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: sizes[tier].cpu,
        memory: sizes[tier].memory,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: identity[owner].executionRole.arn,
        taskRoleArn: identity[owner].taskRole.arn,
        volumes: [{ name: TMP_VOLUME }],
        containerDefinitions: pulumi.all([leaked, pulumi.output(containers)]).apply(([names, defs]) => {
          if (names.length > 0) {
            throw new Error(
              `AppService env ${names.join(", ")}: secret values would be stored in plain text in the task definition; pass them in \`secrets\``,
            );
          }
          return JSON.stringify(defs);
        }),
        tags: s.tags(),
      },
      { parent: s.parent },
    );
  };
  return { web: task("web"), worker: task("worker"), migrate: task("migrate") };
}

/** The workload's KMS-encrypted log group, with its data protection policy when any redaction class is on. */
function workloadLogGroup(s: AppScope, tier: Workload, logsKey: Key) {
  const { name, prefix, args } = s;
  const logGroup = encryptedLogGroup(s.parent, `${name}-${tier}-logs`, {
    logGroupName: s.logPath(tier),
    retentionDays: args.logRetentionDays,
    kmsKeyArn: logsKey.arn,
    tags: s.tags(),
  });
  if (Object.values(args.redaction).some(Boolean)) {
    const policyDocument = s.policyContext.apply((ctx) =>
      JSON.stringify(logDataProtectionPolicy(ctx.partition, `${prefix}-${tier}-logs`, args.redaction)),
    );
    new LogDataProtectionPolicy(
      `${name}-${tier}-logs-protection`,
      { logGroupName: logGroup.name, policyDocument },
      { parent: s.parent },
    );
  }
  return logGroup;
}

/** The web service behind the target group and the worker service (Spot per profile), rolling and self-healing. */
function fargateServices(
  s: AppScope,
  cluster: Cluster,
  tasks: Record<Workload, TaskDefinition>,
  front: Edge,
  ready: pulumi.Resource[],
): { webService: Service; workerService: Service } {
  const { name, prefix, args } = s;
  const common = {
    cluster: cluster.arn,
    networkConfiguration: {
      subnets: s.placement.privateSubnetIds,
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
    tags: s.tags(),
  };
  const serviceOptions = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
    parent: s.parent,
    dependsOn: [...ready, ...dependsOn],
    // The autoscaler owns the task count; a deployment must not reset it to the floor.
    ...(args.autoscaling ? { ignoreChanges: ["desiredCount"] } : {}),
  });
  const webService = new Service(
    `${name}-web`,
    {
      ...common,
      name: `${prefix}-web`,
      taskDefinition: tasks.web.arn,
      desiredCount: args.web.minReplicas,
      capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
      loadBalancers: [{ targetGroupArn: front.targetGroup.arn, containerName: "web", containerPort: args.app.port }],
      healthCheckGracePeriodSeconds: 60,
    },
    serviceOptions([front.https]),
  );
  const workerService = new Service(
    `${name}-worker`,
    {
      ...common,
      name: `${prefix}-worker`,
      taskDefinition: tasks.worker.arn,
      desiredCount: args.worker.minReplicas,
      capacityProviderStrategies: workerCapacity(args.worker.spot),
    },
    serviceOptions([]),
  );
  return { webService, workerService };
}

/** The runbook's one-off migration command line. */
function migrateCommand(s: AppScope, cluster: Cluster, migrate: TaskDefinition): pulumi.Output<string> {
  return pulumi
    .all([cluster.name, migrate.family, s.placement.privateSubnetIds, s.args.network.tiers.app])
    .apply(([clusterName, family, subnets, securityGroup]) =>
      [
        "aws ecs run-task",
        `--cluster ${clusterName}`,
        `--task-definition ${family}`,
        "--launch-type FARGATE",
        `--network-configuration "awsvpcConfiguration={subnets=[${subnets.join(",")}],securityGroups=[${securityGroup}],assignPublicIp=DISABLED}"`,
        "--started-by loom-migrate",
        `--region ${s.region}`,
      ].join(" "),
    );
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

/** Names of `env` entries whose value is a secret Output (they would land in plain text in the task definition). */
function secretEnvironmentNames(env: Record<string, pulumi.Input<string>>): pulumi.Output<string[]> {
  const checks = Object.entries(env).map(async ([key, value]) =>
    pulumi.Output.isInstance(value) && (await pulumi.isSecret(value as pulumi.Output<string>)) ? key : undefined,
  );
  return pulumi.output(Promise.all(checks)).apply((keys) => keys.filter((k): k is string => k !== undefined).sort());
}
