/**
 * The database logins of the AWS AppService (components/lib/db-roles.ts, components/database/aws-logins.ts):
 *
 * - web, worker and migrate log in with IAM tokens: their env carries DATABASE_AUTH=aws-rds-iam, DATABASE_USER
 *   (loom_app, loom_migrate) and AWS_REGION (the token is signed for the region); no database secret at all. Each
 *   task role may connect as its own login only (`rds-db:connect` on its ARN on the writer, and for web and worker
 *   on the read replica where there is one: aws-identity.ts).
 * - the roles step is the migrate task's first container, `db-roles`: the app image running `loom db-roles`
 *   (ROLES_COMMAND) with the admin login (the RDS master's secret, injected by ECS into this container only, read
 *   by the migrate task's execution role only) and the roles SQL. `essential: false`, and the migrate container
 *   starts only once it has exited 0 (`dependsOn … SUCCESS`): no migration on a failed roles step. It connects to
 *   the instance itself (the admin login's `host`), never through the IAM-only proxy.
 */
import type * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { type DatabaseAccess, type LoginUse, ROLES_COMMAND } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";
import type { RolesOwner } from "./aws-identity";
import type { AppScope } from "./aws-scope";
import { containerDefinition } from "./containers";
import { DATABASE_CREDENTIAL, databaseEnvFor, LOGIN_OF, rolesStepEnv, type Workload } from "./workload-secrets";

export const ROLES_CONTAINER = "db-roles";

/**
 * The db-roles container's reservation in the migrate task (CPU units, MiB): one SQL transaction from the app's
 * CLI. Fargate wants the containers' CPU and reserved memory within the task's, so both are carved out of
 * migrate's share; the hard memory limit is migrate's own (the two never run at the same time).
 */
export const ROLES_RESERVATION = { cpu: 64, memory: 64 } as const;

export interface ContainerLimits {
  cpu: number;
  /** Hard limit (MiB). */
  memory: number;
  /** Soft limit (MiB): what counts against the task's memory. */
  memoryReservation: number;
}

/**
 * The migrate container's and the db-roles container's limits out of the app's share of the migrate task: the same
 * hard memory limit, db-roles reserving ROLES_RESERVATION of it and of the CPU, migrate the rest.
 */
export function rolesSplit(app: { cpu: number; memory: number }): { migrate: ContainerLimits; roles: ContainerLimits } {
  return {
    migrate: {
      cpu: app.cpu - ROLES_RESERVATION.cpu,
      memory: app.memory,
      memoryReservation: app.memory - ROLES_RESERVATION.memory,
    },
    roles: { cpu: ROLES_RESERVATION.cpu, memory: app.memory, memoryReservation: ROLES_RESERVATION.memory },
  };
}

/** The logins each owner's task role connects as. */
const USES_OF: Readonly<Record<RolesOwner, readonly LoginUse[]>> = { app: ["web", "worker"], migrate: ["migrate"] };

/** What the AWS AppService takes from the Database's access. */
export interface DatabaseWiring {
  /** Each workload's DATABASE_* (and AWS_REGION) environment. */
  env: Record<Workload, Record<string, pulumi.Input<string>>>;
  /** `rds-db:connect` ARNs per role owner. */
  connect: Record<RolesOwner, pulumi.Input<string>[]>;
  /** The roles step's admin secrets by variable (none without a database). */
  rolesSecrets: Record<string, SecretRef>;
}

/** The wiring of `access` (none when the stack passes no database: then `secrets` carries the credentials). */
export function databaseWiring(s: AppScope, access: DatabaseAccess | undefined): DatabaseWiring {
  const none = { web: {}, worker: {}, migrate: {} };
  if (!access) return { env: none, connect: { app: [], migrate: [] }, rolesSecrets: {} };
  const env = { ...none };
  const connect: DatabaseWiring["connect"] = { app: [], migrate: [] };
  for (const owner of ["app", "migrate"] as const) {
    for (const use of USES_OF[owner]) {
      const login = access.logins[use];
      if (login.auth === "password") continue;
      if (login.auth !== "aws-rds-iam") {
        invalid(`database.logins.${use}`, `"${login.auth}" is not a login ECS tasks can use (aws-rds-iam, password)`);
      }
      const arn = access.connect?.[use];
      if (arn === undefined) invalid(`database.connect.${use}`, "an aws-rds-iam login needs its rds-db:connect ARN");
      const reader = access.readerConnect?.[use];
      connect[owner].push(arn, ...(reader === undefined ? [] : [reader]));
    }
  }
  if ("AWS_REGION" in s.args.env) {
    invalid("env.AWS_REGION", "is set by the program with a database on AWS (the region IAM tokens are signed for)");
  }
  for (const w of ["web", "worker", "migrate"] as const) {
    const token = access.logins[LOGIN_OF[w]].auth === "aws-rds-iam";
    env[w] = { ...databaseEnvFor(w, access), ...(token ? { AWS_REGION: s.region } : {}) };
  }
  return { env, connect, rolesSecrets: rolesStepEnv(access).secrets };
}

/**
 * The db-roles container: migrate's hardening (containers.ts), the DATABASE_* settings of `args.env` with the
 * admin login's own host, the admin login and the SQL; nothing else (no telemetry, no app or cache secret).
 */
export function rolesContainer(
  s: AppScope,
  access: DatabaseAccess,
  logGroupName: pulumi.Input<string>,
  limits: ContainerLimits,
): Record<string, unknown> {
  const step = rolesStepEnv(access);
  const settings = Object.entries(s.args.env).filter(([k]) => DATABASE_CREDENTIAL.test(k));
  return containerDefinition({
    name: ROLES_CONTAINER,
    image: s.args.image,
    command: [...ROLES_COMMAND],
    runAsUser: s.args.app.runAsUser,
    environment: { ...Object.fromEntries(settings), ...step.env },
    secrets: step.secrets,
    logGroupName,
    region: s.region,
    limits,
    essential: false,
  });
}

/** Every secret ARN the migrate task's execution role must read: migrate's own and the roles step's. */
export function migrateSecretRefs(migrate: Record<string, SecretRef>, wiring: DatabaseWiring): SecretRef[] {
  return [...Object.values(migrate), ...Object.values(wiring.rolesSecrets)];
}
