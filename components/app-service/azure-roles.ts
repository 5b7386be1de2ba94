/**
 * The roles step on Azure (components/lib/db-roles.ts): a Container Apps job `<prefix>-db-roles` of the app image in
 * the app's environment that runs `loom db-roles` (ROLES_COMMAND) as the Database's roles identity — the server's
 * second Entra administrator (components/database/azure-logins.ts) — with the roles SQL ($LOOM_DB_ROLES_SQL), and
 * nothing else: the database's DATABASE_* connection settings (the port forced to 5432, a session), DATABASE_AUTH
 * azure-entra, DATABASE_USER the identity's name, AZURE_CLIENT_ID its client id. No Key Vault reference, no
 * telemetry, no app or cache secret.
 *
 * The SQL creates each workload's Entra role (`pgaadauth_create_principal_with_oid`, the principal id of its
 * identity: only this file knows them, so they are rolesStepEnv's `extra`) and grants its group: web and worker
 * loom_app_rw, migrate loom_owner.
 *
 * A separate job, not an init container of the migrate job: a Container Apps job's identities are the replica's,
 * so every container in it could ask the identity endpoint for the roles identity's token; the migration (and
 * whatever it runs) must never be an Entra administrator. `migrateCommand` starts this job, waits for its execution
 * to succeed (`az containerapp job start` returns at once), and only then starts the migration.
 */
import { Job } from "@pulumi/azure-native/app/job";
import type { ManagedEnvironment } from "@pulumi/azure-native/app/managedEnvironment";
import * as pulumi from "@pulumi/pulumi";
import { type EntraRolesIdentity, entraOf } from "../database/azure-logins";
import { invalid } from "../lib/component";
import { type DatabaseAccess, ROLES_COMMAND, type RoleLoginInput } from "../lib/db-roles";
import { POSTGRES_DIRECT_PORT } from "./azure-apps";
import type { AppScope, Identity } from "./azure-identity";
import { CONSUMPTION, containerAppName } from "./azure-sizing";
import { DATABASE_CREDENTIAL, rolesStepEnv, type Workload } from "./workload-secrets";

export const ROLES_STEP = "db-roles";
/** One transaction under an advisory lock: seconds; an attempt longer than this is stuck on a lock. */
export const ROLES_TIMEOUT_SECONDS = 600;
/** The SQL is idempotent: a retried attempt repeats it harmlessly. */
export const ROLES_RETRY_LIMIT = 1;
/** Seconds between two looks at the roles execution in `migrateCommand`. */
export const ROLES_POLL_SECONDS = 10;
/** Consumption's smallest-but-one size: the step only sends one transaction. */
export const ROLES_SIZE = { cpu: 0.5, memory: "1Gi" } as const;

/** The group each workload's Entra login joins. */
const GROUP_OF: Record<Workload, RoleLoginInput["group"]> = { web: "app", worker: "app", migrate: "owner" };

/** The workloads' Entra logins for the roles SQL: each identity's name and principal (object) id. */
export function entraLogins(ids: Record<Workload, Identity>): RoleLoginInput[] {
  return (Object.keys(GROUP_OF) as Workload[]).map((w) => ({
    name: ids[w].identity.name,
    group: GROUP_OF[w],
    create: "azure-entra",
    objectId: ids[w].identity.principalId,
  }));
}

type EnvVar = { name: string; value: string };

/** The step's env: the DATABASE_* settings of `args.env` (5432), the admin login, the SQL, AZURE_CLIENT_ID. */
export function rolesEnv(
  s: AppScope,
  database: DatabaseAccess,
  identity: EntraRolesIdentity,
  ids: Record<Workload, Identity>,
): pulumi.Output<EnvVar[]> {
  const step = rolesStepEnv(database, entraLogins(ids));
  if (Object.keys(step.secrets).length > 0) invalid("database.logins.admin", "must be an Entra login on Azure");
  const settings = Object.entries(s.args.env).filter(([k]) => DATABASE_CREDENTIAL.test(k));
  const plain: [string, pulumi.Input<string>][] = [
    ...settings.map(([k, v]) => [k, k === "DATABASE_PORT" ? String(POSTGRES_DIRECT_PORT) : v] as [string, typeof v]),
    ...Object.entries(step.env),
    ["AZURE_CLIENT_ID", identity.clientId],
  ];
  return pulumi
    .all(plain.map(([name, value]) => pulumi.all([name, value])))
    .apply((kv) =>
      kv.map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
}

export interface RolesStep {
  job: Job;
  /** Shell that starts the job and returns 0 only once that execution has succeeded. */
  command: pulumi.Output<string>;
}

/** The roles job (with an Azure Database's access), or undefined without a database. */
export function rolesStep(
  s: AppScope,
  environment: ManagedEnvironment,
  ids: Record<Workload, Identity>,
): RolesStep | undefined {
  const database = s.args.database;
  if (!database) return undefined;
  const entra = entraOf(database);
  if (!entra) return invalid("database", "is not an Azure Database's access (it names no roles identity)");
  const identity = entra.rolesIdentity;
  const job = new Job(
    `${s.name}-${ROLES_STEP}`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      jobName: containerAppName(s.prefix, ROLES_STEP),
      environmentId: environment.id,
      workloadProfileName: CONSUMPTION,
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      configuration: {
        triggerType: "Manual",
        manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
        replicaTimeout: ROLES_TIMEOUT_SECONDS,
        replicaRetryLimit: ROLES_RETRY_LIMIT,
      },
      template: {
        containers: [
          {
            name: ROLES_STEP,
            image: s.args.image,
            command: [...ROLES_COMMAND],
            env: rolesEnv(s, database, identity, ids),
            resources: { ...ROLES_SIZE },
          },
        ],
      },
      tags: s.tags,
    },
    s.opts(),
  );
  return { job, command: pulumi.all([job.name, s.resourceGroupName]).apply(([n, g]) => startAndWait(n, g)) };
}

/**
 * `sh` that starts `job`'s execution, polls it every ROLES_POLL_SECONDS while it is pending or running, and is true
 * only when it Succeeded (Failed, Stopped, Degraded or an unreadable status end it false). For `&&` before the next
 * step; no `exit`, so `eval "$(pulumi stack output migrateCommand)"` in an interactive shell keeps that shell.
 */
export function startAndWait(job: string, group: string): string {
  const scope = `--name ${job} --resource-group ${group}`;
  return [
    `s=Unknown; e=$(az containerapp job start ${scope} --query name --output tsv) && s=Pending;`,
    `while [ "$s" = Pending ] || [ "$s" = Running ] || [ "$s" = Processing ]; do sleep ${ROLES_POLL_SECONDS};`,
    `s=$(az containerapp job execution show ${scope} --job-execution-name "$e" --query properties.status --output tsv) || s=Unknown; done;`,
    `echo "${job} execution $e: $s" >&2; [ "$s" = Succeeded ]`,
  ].join(" ");
}
