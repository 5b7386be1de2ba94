/**
 * Identity of the AWS AppService: the app's own secrets (created empty, values put out of band —
 * docs/runbooks/deploy.md), and two pairs of roles: the app's (web and worker) and the migrate task's. Each pair is
 * an execution role (pull images, write logs, read exactly its containers' secrets: only migrate's reads the
 * database admin login, for its db-roles container) and a task role (the identity of the app and of its telemetry
 * sidecar: X-Ray segments, EMF metrics into one log group, and `rds-db:connect` for its own database login only).
 */
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import { Secret } from "@pulumi/aws/secretsmanager/secret";
import * as pulumi from "@pulumi/pulumi";
import { kmsKey, secretRecoveryDays } from "../lib/aws";
import { METRICS_NAMESPACE } from "../lib/metrics";
import type { SecretRef } from "../lib/secrets";
import * as naming from "../naming";
import type { AppScope } from "./aws-scope";
import { databaseConnectPolicy, ecsTasksTrustPolicy, executionSecretsPolicy, taskRolePolicy } from "./policies";

/** One empty Secrets Manager secret per `appSecretNames` entry, under one key; refs by variable name. */
export function appSecrets(s: AppScope): Record<string, SecretRef> {
  const { name, prefix, args } = s;
  const refs: Record<string, SecretRef> = {};
  if (args.appSecretNames.length === 0) return refs;
  const key = kmsKey(s.parent, `${name}-app-secrets`, {
    description: `Loom app secrets ${prefix}`,
    alias: `${prefix}-app-secrets`,
    region: s.region,
    account: s.account,
    tags: s.tags(),
    protect: s.protect,
  });
  for (const secretName of args.appSecretNames) {
    const secret = new Secret(
      `${name}-app-secret-${secretName.toLowerCase().replace(/_/g, "-")}`,
      {
        name: `${prefix}/app/${secretName}`,
        description: `${secretName} for Loom ${prefix}; the value is put out of band (docs/runbooks/deploy.md)`,
        kmsKeyId: key.arn,
        recoveryWindowInDays: secretRecoveryDays(s.protect),
        tags: s.tags(),
      },
      s.opts(true),
    );
    refs[secretName] = { id: secret.arn };
  }
  return refs;
}

export interface Roles {
  executionRole: Role;
  taskRole: Role;
  /** What a service must wait for: the roles hold their policies. */
  grants: pulumi.Resource[];
}

/** Whose roles: web and worker share the app's; the migrate task (and its db-roles container) has its own. */
export type RolesOwner = "app" | "migrate";

export interface RolesArgs {
  /** Every secret the owner's containers reference (the execution role reads exactly these). */
  secrets: SecretRef[];
  /** The EMF log group the telemetry sidecar writes. */
  emfLogGroup: string;
  /** `rds-db:connect` ARNs of the owner's database login (none: no database, or a password login). */
  connect: pulumi.Input<string>[];
}

/** Physical names: the app's are `<prefix>-ecs-execution` / `<prefix>-ecs-task`, migrate's `<prefix>-ecs-migrate-…`. */
function roleName(prefix: string, owner: RolesOwner, kind: "execution" | "task"): string {
  return naming.fit(owner === "app" ? `${prefix}-ecs-${kind}` : `${prefix}-ecs-${owner}-${kind}`, 64);
}

/**
 * The owner's execution role (pull images, write logs, read `secrets`) and task role (telemetry: X-Ray segments,
 * EMF into `emfLogGroup`; with a token login, `rds-db:connect` on exactly its ARNs).
 */
export function roles(s: AppScope, owner: RolesOwner, a: RolesArgs): Roles {
  const trustPolicy = s.policyContext.apply((ctx) => JSON.stringify(ecsTasksTrustPolicy(ctx)));
  const execution = executionRole(s, owner, trustPolicy, a.secrets);
  const task = taskRole(s, owner, trustPolicy, a);
  return { executionRole: execution.role, taskRole: task.role, grants: [...execution.grants, ...task.grants] };
}

function executionRole(
  s: AppScope,
  owner: RolesOwner,
  trustPolicy: pulumi.Output<string>,
  secrets: SecretRef[],
): { role: Role; grants: pulumi.Resource[] } {
  const { name, prefix, parent } = s;
  const role = new Role(
    `${name}-${owner}-execution`,
    {
      name: roleName(prefix, owner, "execution"),
      description:
        owner === "app"
          ? `ECS pulls images, writes logs and reads the app's secrets for ${prefix}`
          : `ECS pulls images, writes logs and reads the migrate task's secrets (the db-roles step's admin login) for ${prefix}`,
      assumeRolePolicy: trustPolicy,
      tags: s.tags(),
    },
    { parent },
  );
  const grants: pulumi.Resource[] = [
    new RolePolicyAttachment(
      `${name}-${owner}-execution-managed`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${s.account.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
      },
      { parent },
    ),
  ];
  if (secrets.length > 0) {
    const arns = pulumi.all(secrets.map((ref) => pulumi.output(ref.id)));
    grants.push(
      new RolePolicy(
        `${name}-${owner}-execution-secrets`,
        {
          role: role.name,
          policy: pulumi
            .all([s.policyContext, arns])
            .apply(([ctx, ids]) => JSON.stringify(executionSecretsPolicy(ctx, ids))),
        },
        { parent },
      ),
    );
  }
  return { role, grants };
}

function taskRole(
  s: AppScope,
  owner: RolesOwner,
  trustPolicy: pulumi.Output<string>,
  a: RolesArgs,
): { role: Role; grants: pulumi.Resource[] } {
  const { name, prefix, parent } = s;
  const login = a.connect.length > 0 ? " and its own database login" : "";
  const role = new Role(
    `${name}-${owner}-task`,
    {
      name: roleName(prefix, owner, "task"),
      description: `Loom's ${owner === "app" ? "own" : "migrate task's"} identity in ${prefix}: X-Ray trace segments, ${METRICS_NAMESPACE} metrics (EMF)${login} only`,
      assumeRolePolicy: trustPolicy,
      tags: s.tags(),
    },
    { parent },
  );
  const grants: pulumi.Resource[] = [
    new RolePolicy(
      `${name}-${owner}-task-telemetry`,
      {
        role: role.name,
        policy: s.policyContext.apply((ctx) => JSON.stringify(taskRolePolicy(ctx, a.emfLogGroup))),
      },
      { parent },
    ),
  ];
  if (a.connect.length > 0) {
    grants.push(
      new RolePolicy(
        `${name}-${owner}-task-db-connect`,
        {
          role: role.name,
          policy: pulumi.all(a.connect).apply((arns) => JSON.stringify(databaseConnectPolicy(arns))),
        },
        { parent },
      ),
    );
  }
  return { role, grants };
}
