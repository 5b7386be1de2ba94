/**
 * The roles step on GCP (components/lib/db-roles.ts): a Cloud Run job `<prefix>-db-roles` of the app image that
 * runs `loom db-roles` (ROLES_COMMAND) with the admin login and the roles SQL ($LOOM_DB_ROLES_SQL), and nothing
 * else: the database's DATABASE_* connection settings, the server CAs, no telemetry, no app or cache secret.
 *
 * A separate job, run before migrate by the `migrateCommand` output (`gcloud run jobs execute … --wait && …`):
 * Cloud Run orders a job's containers only by start (`dependsOns` waits for a container to start, not to finish),
 * so a container of the migrate job could not run to completion first.
 *
 * Its own service account holds `secretAccessor` on exactly the admin login's two secrets (and the server CAs'
 * secret, gcp-trust.ts); no project role: it logs in with the password, never as an IAM user. It is the only
 * identity that can read the admin login.
 */
import { Job } from "@pulumi/gcp/cloudrunv2/job";
import { SecretIamMember } from "@pulumi/gcp/secretmanager/secretIamMember";
import { Account } from "@pulumi/gcp/serviceaccount/account";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { type DatabaseAccess, ROLES_COMMAND } from "../lib/db-roles";
import { CLOUD_SQL_DIRECT_PORT } from "../lib/gcp";
import type { SecretRef } from "../lib/secrets";
import type { Identity } from "./gcp-identity";
import { SECRET_ACCESSOR } from "./gcp-identity";
import { vpcAccess } from "./gcp-run";
import type { AppScope } from "./gcp-scope";
import { cloudRunName, serviceAccountId } from "./gcp-sizing";
import type { Trust } from "./gcp-trust";
import { DATABASE_CREDENTIAL, rolesStepEnv } from "./workload-secrets";

export const ROLES_STEP = "db-roles";
/** One transaction under an advisory lock: seconds; a run longer than this is stuck on a lock. */
export const ROLES_TIMEOUT = "600s";

type EnvVar = { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } };

export interface RolesStep {
  identity: Identity;
  /** The admin login's secrets and the SQL, by environment variable. */
  env: Record<string, pulumi.Input<string>>;
  secrets: Record<string, SecretRef>;
}

/** The step's identity with access to the admin login's secrets only (created before the trust grants join it). */
export function rolesIdentity(s: AppScope, database: DatabaseAccess): RolesStep {
  const step = rolesStepEnv(database);
  const account = new Account(
    `${s.name}-${ROLES_STEP}`,
    {
      project: s.project,
      accountId: serviceAccountId(s.prefix, ROLES_STEP),
      displayName: `Loom db-roles (${s.prefix})`,
      description: "Runtime identity of the db-roles Cloud Run job: reads the database admin login, nothing else",
    },
    s.opts(),
  );
  const grants: pulumi.Resource[] = Object.entries(step.secrets).map(([envName, ref]) => {
    if (ref.key !== undefined) invalid(`database.logins.admin`, "a Secret Manager secret holds one value; no `key`");
    return new SecretIamMember(
      `${s.name}-${ROLES_STEP}-reads-${envName.toLowerCase().replace(/_/g, "-")}`,
      { project: s.project, secretId: ref.id, role: SECRET_ACCESSOR, member: account.member },
      s.opts(),
    );
  });
  return { identity: { account, grants }, env: step.env, secrets: step.secrets };
}

/**
 * The step's environment: the DATABASE_* settings of `args.env` (host, name, sslmode; the port forced to 5432, a
 * session), the admin login and the SQL, the trust file's variables, then the admin secrets; sorted by name.
 */
export function rolesEnv(s: AppScope, step: RolesStep, trust?: Trust): pulumi.Output<EnvVar[]> {
  const settings = Object.entries(s.args.env).filter(([k]) => DATABASE_CREDENTIAL.test(k));
  const plain = [
    ...settings.map(([k, v]) => [k, k === "DATABASE_PORT" ? String(CLOUD_SQL_DIRECT_PORT) : v] as const),
    ...Object.entries(step.env),
    ...Object.entries(trust?.env ?? {}),
  ];
  const values = pulumi.all(plain.map(([name, value]) => pulumi.all([name, value])));
  const refs = pulumi.all(Object.entries(step.secrets).map(([name, ref]) => pulumi.all([name, ref.id])));
  return pulumi
    .all([values, refs])
    .apply(([kv, secretKv]) =>
      [
        ...kv.map(([name, value]) => ({ name, value })),
        ...secretKv.map(([name, secret]) => ({ name, valueSource: { secretKeyRef: { secret, version: "latest" } } })),
      ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
}

/** The job: one task, never in parallel, bounded, the app's VPC egress; waits for its secret grants. */
export function rolesJob(s: AppScope, step: RolesStep, trust?: Trust): Job {
  const { args } = s;
  return new Job(
    `${s.name}-${ROLES_STEP}`,
    {
      project: s.project,
      location: s.region,
      name: cloudRunName(s.prefix, ROLES_STEP),
      deletionProtection: args.deletionProtection,
      labels: s.labels,
      template: {
        taskCount: 1,
        parallelism: 1,
        labels: s.labels,
        template: {
          serviceAccount: step.identity.account.email,
          executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
          timeout: ROLES_TIMEOUT,
          // The SQL is one idempotent transaction: a retried task repeats it harmlessly (as migrate's 3).
          maxRetries: 3,
          vpcAccess: vpcAccess(s),
          ...(trust ? { volumes: [trust.volume] } : {}),
          containers: [
            {
              name: ROLES_STEP,
              image: args.image,
              commands: [...ROLES_COMMAND],
              envs: rolesEnv(s, step, trust),
              ...(trust ? { volumeMounts: [trust.mount] } : {}),
              resources: { limits: { cpu: "1", memory: "512Mi" } },
            },
          ],
        },
      },
    },
    s.opts(false, { dependsOn: step.identity.grants }),
  );
}
