/**
 * The scheduled logical backup on Azure: a Container Apps job (triggerType Schedule, cron at
 * `logicalHourUtc(dailyHourUtc)`, UTC) in the app's Container Apps environment (AppService's `runtime`: the
 * apps subnet, NAT egress and the workspace), that dumps the primary directly (5432, never PgBouncer's 6432:
 * pg_dump holds one snapshot for the whole session), verifies the dump and uploads it to the immutable container
 * (azure-job-script.ts: how the bytes get there, with no key).
 *
 * - Its own user-assigned identity `<prefix>-backup-id`: the Database's (`access.entra.backupIdentity`, which is also
 *   its Entra login in loom_readonly: components/database/azure-logins.ts), else, for a database access without one,
 *   one created here. It exists before the job, so the first execution resolves its Key Vault references, and holds
 *   only: Key Vault Secrets User on each secret it reads (per secret, never vault-wide: the backup key, and only with
 *   a password login the database credentials) and Storage Blob Data Contributor on the backup container only.
 * - Secrets are Key Vault references (`keyVaultUrl` + `identity`, no value) and reach the process as `secretRef`
 *   env vars. The backup key: a Key Vault secret created here with a placeholder that is no key (KEY_PLACEHOLDER:
 *   why not empty); its value from `npm run backup -- keygen` is set out of band (docs/runbooks/backup-restore.md;
 *   `ignoreChanges` keeps Pulumi off it), protected in prod.
 * - verify-full against the system trust store (`PGSSLROOTCERT=system`, libpq ≥ 16): Azure PostgreSQL's
 *   certificates chain to public roots (DigiCert / Microsoft) every system store carries, so no CA bundle is needed.
 * - One replica, parallelism 1, replicaTimeout JOB_TIMEOUT_SECONDS, replicaRetryLimit JOB_RETRY_LIMIT.
 */
import { Job } from "@pulumi/azure-native/app/job";
import { Secret } from "@pulumi/azure-native/keyvault/secret";
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import * as pulumi from "@pulumi/pulumi";
import { CONSUMPTION } from "../app-service/azure-sizing";
import { backupIdentityName, type EntraBackupIdentity, entraOf } from "../database/azure-logins";
import { type AzureScope, assignRole, secretReadGrants } from "../lib/azure";
import { handleFor, invalid, orInvalid } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import type { ResolvedBackupJobArgs, ResolvedBackupsArgs } from ".";
import {
  azureBackupJobName,
  azureDailyCron,
  azureJobScript,
  CLIENT_ID_ENV,
  CONTAINER_URL_ENV,
  jobSize,
  MAX_EPHEMERAL_GIB,
} from "./azure-job-script";
import type { AzureBackupStore } from "./azure-storage";
import { CONFIG_ENV } from "./config-export";
import { backupJobLogin } from "./job-login";
import { logicalHourUtc, tmpGiBFor } from "./job-script";

export const CONTAINER = "logical-backup";
export const JOB_TIMEOUT_SECONDS = 4 * 3600;
export const JOB_RETRY_LIMIT = 1;
export const KEY_ENV = "LOOM_BACKUP_KEY";
export const KEY_SECRET_NAME = "backup-encryption-key";
/**
 * The key secret's value until the operator sets the real key. Not empty: Container Apps refuses to create a job
 * or app whose Key Vault reference resolves to an empty value (microsoft/azure-container-apps#1291, "Unable to get
 * value"), so an empty secret would fail the first `up`. Not a key either: the CLI accepts only 32 raw bytes, 64 hex
 * characters or base64 of 32 bytes, so a run before the key is set exits with a usage error (backup-missing fires).
 */
export const KEY_PLACEHOLDER = "unset: run npm run backup -- keygen and set this secret";
/** The direct PostgreSQL port (the pooler's 6432 is the app's). */
export const POSTGRES_DIRECT_PORT = 5432;

/** What the job needs of its identity: the ARM id, the client id the CLI asks a token for, the principal id. */
type JobIdentity = Pick<EntraBackupIdentity, "id" | "clientId" | "principalId">;

export interface AzureBackupJob {
  job: Job;
  identity: JobIdentity;
  keySecret: Secret;
}

/** The ACA secret name of an env var (lower case, dashes: `_` is illegal there). */
export function acaSecretName(env: string): string {
  return env.toLowerCase().replace(/_/g, "-");
}

export function backupJob(
  s: AzureScope,
  args: ResolvedBackupsArgs,
  job: ResolvedBackupJobArgs,
  store: AzureBackupStore,
  host: pulumi.Input<string>,
): AzureBackupJob {
  if (!job.runtime) return invalid("job.runtime", "is required on Azure (AppService's runtime: the environment)");
  const { environmentId } = handleFor("job.runtime", job.runtime, "azure");
  const tmp = tmpGiBFor(args.databaseSizeGiB);
  const size = orInvalid("job.cpu", () => jobSize(job.cpu, job.memoryMiB, tmp));
  if (!size.fitsTmp) {
    pulumi.log.warn(
      `the backup job stages the dump in ephemeral storage, ${MAX_EPHEMERAL_GIB} GiB at most on Consumption, while ` +
        `the database may hold ${args.databaseSizeGiB} GiB: a dump over ~${MAX_EPHEMERAL_GIB - 1} GiB fails the job ` +
        "(the backup-missing alert fires); Azure Backup's vault copies are unaffected",
      s.parent,
    );
  }
  const identity = jobIdentity(s, job);
  const keySecret = new Secret(
    `${s.name}-logical-backup-key`,
    {
      resourceGroupName: s.resourceGroupName,
      vaultName: s.platform.keyVault.name,
      secretName: KEY_SECRET_NAME,
      // The 32-byte key (npm run backup -- keygen) is set out of band, never in program or state; until then
      // the placeholder (see KEY_PLACEHOLDER) makes the job fail at its first step, loudly.
      properties: {
        value: KEY_PLACEHOLDER,
        contentType: "loom-backup-key (npm run backup -- keygen), set out of band",
      },
      tags: s.tags,
    },
    s.opts(true, { ignoreChanges: ["properties.value"] }),
  );
  // An Entra login: the CLI asks the Container Apps identity endpoint for this user-assigned identity's token.
  const login = backupJobLogin(job.database, {
    cloud: "Azure",
    token: "azure-entra",
    tokenEnv: { [CLIENT_ID_ENV]: identity.clientId },
  });
  const secrets: Record<string, SecretRef> = {
    ...login.secrets,
    [KEY_ENV]: { id: keySecret.properties.apply((p) => p.secretUri) },
  };
  const grants = [
    ...secretReadGrants(s, `${s.name}-logical-backup`, identity.principalId, secrets, acaSecretName),
    assignRole(
      s,
      `${s.name}-logical-backup-container-writer`,
      "storageBlobDataContributor",
      identity.principalId,
      store.container.id,
    ),
  ];
  const parts = { environmentId, identity, store, host, secrets, login: login.env, grants, size };
  const containerApp = scheduledJob(s, args, job, parts);
  return { job: containerApp, identity, keySecret };
}

/**
 * The Database's backup identity (its Entra login), else one of the same name created here (a caller's database
 * whose access names none: then the job logs in with `credentials`).
 */
function jobIdentity(s: AzureScope, job: ResolvedBackupJobArgs): JobIdentity {
  const own = job.database.access ? entraOf(job.database.access)?.backupIdentity : undefined;
  if (own) return own;
  return new UserAssignedIdentity(
    `${s.name}-logical-backup`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      resourceName: backupIdentityName(s.prefix),
      tags: s.tags,
    },
    s.opts(),
  );
}

interface JobParts {
  environmentId: pulumi.Input<string>;
  identity: JobIdentity;
  store: AzureBackupStore;
  host: pulumi.Input<string>;
  secrets: Record<string, SecretRef>;
  /** The login's plain variables (backupJobLogin: DATABASE_AUTH; a token login's PGUSER and AZURE_CLIENT_ID). */
  login: Record<string, pulumi.Input<string>>;
  grants: pulumi.Resource[];
  size: { cpu: number; memory: string };
}

function scheduledJob(s: AzureScope, args: ResolvedBackupsArgs, job: ResolvedBackupJobArgs, p: JobParts): Job {
  const plain: Record<string, pulumi.Input<string>> = {
    HOME: "/tmp",
    PGHOST: p.host,
    PGPORT: String(POSTGRES_DIRECT_PORT),
    PGDATABASE: job.database.databaseName,
    PGSSLMODE: "verify-full",
    PGSSLROOTCERT: "system",
    ...p.login,
    [CLIENT_ID_ENV]: p.identity.clientId,
    [CONTAINER_URL_ENV]: p.store.containerUrl,
    ...(job.config !== undefined ? { [CONFIG_ENV]: job.config } : {}),
  };
  const script = pulumi.output(job.database.databaseName).apply((name) =>
    azureJobScript({
      prefix: `loom-${name}`,
      tables: job.tables,
      ...(job.config !== undefined ? { configEnv: CONFIG_ENV } : {}),
    }),
  );
  return new Job(
    `${s.name}-logical-backup`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      jobName: azureBackupJobName(s.prefix),
      environmentId: p.environmentId,
      // The environment's Consumption profile, as AppService pins its apps and migrate job.
      workloadProfileName: CONSUMPTION,
      identity: { type: "UserAssigned", userAssignedIdentities: [p.identity.id] },
      configuration: {
        triggerType: "Schedule",
        scheduleTriggerConfig: {
          cronExpression: azureDailyCron(logicalHourUtc(args.dailyHourUtc)),
          parallelism: 1,
          replicaCompletionCount: 1,
        },
        replicaTimeout: JOB_TIMEOUT_SECONDS,
        replicaRetryLimit: JOB_RETRY_LIMIT,
        secrets: Object.entries(p.secrets).map(([env, ref]) => ({
          name: acaSecretName(env),
          keyVaultUrl: ref.id,
          identity: p.identity.id,
        })),
      },
      template: {
        containers: [
          {
            name: CONTAINER,
            image: job.image,
            command: ["/bin/sh", "-ec"],
            args: [script],
            env: [
              ...Object.entries(plain).map(([name, value]) => ({ name, value })),
              ...Object.keys(p.secrets).map((name) => ({ name, secretRef: acaSecretName(name) })),
            ],
            resources: { cpu: p.size.cpu, memory: p.size.memory },
          },
        ],
      },
      tags: s.tags,
    },
    s.opts(false, { dependsOn: p.grants }),
  );
}
