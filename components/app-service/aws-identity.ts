/**
 * Identity of the AWS AppService: the app's own secrets (created empty, values put out of band —
 * docs/runbooks/deploy.md), the task execution role (pull images, write logs, read exactly these secrets) and the
 * task role (Loom's own identity and its telemetry sidecar's: X-Ray segments, EMF metrics into one log group).
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
import { ecsTasksTrustPolicy, executionSecretsPolicy, taskRolePolicy } from "./policies";

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

/**
 * The execution role reads `secrets` (every secret any task references); the task role only sends telemetry (traces
 * to X-Ray, EMF into `emfLogGroup`).
 */
export function roles(s: AppScope, secrets: SecretRef[], emfLogGroup: string): Roles {
  const { name, prefix, parent } = s;
  const trustPolicy = s.policyContext.apply((ctx) => JSON.stringify(ecsTasksTrustPolicy(ctx)));
  const executionRole = new Role(
    `${name}-app-execution`,
    {
      name: naming.fit(`${prefix}-ecs-execution`, 64),
      description: `ECS pulls images, writes logs and reads the app's secrets for ${prefix}`,
      assumeRolePolicy: trustPolicy,
      tags: s.tags(),
    },
    { parent },
  );
  const grants: pulumi.Resource[] = [
    new RolePolicyAttachment(
      `${name}-app-execution-managed`,
      {
        role: executionRole.name,
        policyArn: pulumi.interpolate`arn:${s.account.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
      },
      { parent },
    ),
  ];
  if (secrets.length > 0) {
    const arns = pulumi.all(secrets.map((ref) => pulumi.output(ref.id)));
    grants.push(
      new RolePolicy(
        `${name}-app-execution-secrets`,
        {
          role: executionRole.name,
          policy: pulumi
            .all([s.policyContext, arns])
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
      description: `Loom's own identity in ${prefix}: X-Ray trace segments and ${METRICS_NAMESPACE} metrics (EMF) only`,
      assumeRolePolicy: trustPolicy,
      tags: s.tags(),
    },
    { parent },
  );
  grants.push(
    new RolePolicy(
      `${name}-app-task-telemetry`,
      {
        role: taskRole.name,
        policy: s.policyContext.apply((ctx) => JSON.stringify(taskRolePolicy(ctx, emfLogGroup))),
      },
      { parent },
    ),
  );
  return { executionRole, taskRole, grants };
}
