/**
 * The scheduled logical backup on Kubernetes: a CronJob of the backup image (scripts/backup/Dockerfile) in the
 * stack's namespace that dumps the database (the `-rw` service: the primary, never the PgBouncer pooler, whose
 * transaction mode breaks pg_dump's exported snapshot), verifies the dump and uploads it under `logical/` in the
 * backup object store and, with disaster recovery, in the DR store too.
 *
 * - Pod Security "restricted": non-root uid, read-only root filesystem with an emptyDir /tmp bounded by its
 *   sizeLimit (sized for the dump), every capability dropped, seccomp RuntimeDefault, no service account token.
 *   Requests = limits (cpu, memory, ephemeral-storage covering the /tmp volume).
 * - One run at a time (`concurrencyPolicy: Forbid`), a missed start is still taken within an hour, two retries,
 *   a 4 h deadline, three finished Jobs of each outcome kept for their logs.
 * - Secrets, never values: the database credentials from the CloudNativePG `<cluster>-app` Secret, the bucket keys
 *   from the object store's credentials Secret (the one the WAL archiver uses), the backup encryption key from
 *   `<name>-backup-key`, created here EMPTY and never overwritten (filled out of band: docs/runbooks/backup-restore.md).
 * - NetworkPolicies: the job's pods may reach the database on 5432 and HTTPS (the object stores); the database
 *   accepts 5432 from them. DNS is allowed to every pod by the namespace's own policy.
 *
 * "No success for 26 h" on Kubernetes reads kube-state-metrics' `kube_cronjob_status_last_successful_time` of this
 * CronJob; the run's Prometheus textfile (size, size ratio, rows, duration) is printed to the log. A backup under half
 * the previous one's size is uploaded, then the job exits SIZE_DROP_EXIT_CODE and the pod failure policy fails the
 * Job without retries: the one signal of it Prometheus can read (no push path for a CronJob's metrics).
 */
import { CronJob } from "@pulumi/kubernetes/batch/v1/cronJob";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/networkPolicy";
import type { batch, core, networking } from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { names } from "../database/cnpg";
import { CREDENTIALS_FILLED_OUT_OF_BAND, type KubernetesDatabaseBackupTargets } from "../database/kubernetes";
import {
  CA_FILE,
  CA_MOUNT_PATH,
  checkovSkips,
  cpuQuantity,
  INTERNAL_CA,
  memoryQuantity,
  NAME_LABEL,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  serviceHost,
  TIER_LABEL,
} from "../lib/k8s";
import { TIERS } from "../network/network-policies";
import type { KubernetesBackupSettings } from "../targets";
import type { ResolvedBackupJobArgs, ResolvedBackupsArgs } from ".";
import { CONFIG_ENV } from "./config-export";
import { backupJobLogin } from "./job-login";
import {
  type Destination,
  DR_CREDENTIALS_PREFIX,
  jobScript,
  LOGICAL_PREFIX,
  logicalHourUtc,
  SIZE_DROP_EXIT_CODE,
  tmpGiBFor,
} from "./job-script";

/** The tier label value of the job's pods (NetworkPolicies select on it): the network's `tiers.backup`. */
export const BACKUP_TIER = TIERS.backup;
export const CONTAINER = "logical-backup";

/**
 * checkov CKV_K8S_35 ("secrets as files"): a deliberate exception, like the app's. pg_dump reads PGPASSWORD (libpq)
 * and the S3 client its AWS_* variables from the environment; each is a `secretKeyRef`, so no value is in the
 * manifest, and the pod has no shell access or token through which another process could read them.
 */
export const JOB_CHECKOV_SKIPS = checkovSkips({
  CKV_K8S_35:
    "pg_dump (libpq PGPASSWORD) and the S3 client (AWS_*) read their credentials from the environment; each is a secretKeyRef, no value is in the manifest",
});
export const JOB_DEADLINE_SECONDS = 4 * 3600;
export const STARTING_DEADLINE_SECONDS = 3600;
export const BACKOFF_LIMIT = 2;
export const HISTORY_LIMIT = 3;
export const KEY_SECRET_KEY = "LOOM_BACKUP_KEY";

type Opts = (stateful?: boolean, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;

export interface K8sJobInputs {
  name: string;
  args: ResolvedBackupsArgs;
  job: ResolvedBackupJobArgs;
  db: KubernetesDatabaseBackupTargets;
  /** The stack namespace's name (the `-rw` service's DNS name). */
  namespace: string;
  store: KubernetesBackupSettings;
  drStore?: KubernetesBackupSettings;
  labels: Record<string, string>;
  opts: Opts;
}

/** An object store as an upload destination under `logical/`. */
export function destinationFor(store: KubernetesBackupSettings, credentialsPrefix?: string): Destination {
  const endpoint = store.endpoint ?? (store.region ? `https://s3.${store.region}.amazonaws.com` : undefined);
  return {
    url: `s3://${store.bucket}/${store.path}/${LOGICAL_PREFIX}/`,
    ...(endpoint ? { endpoint } : {}),
    ...(store.region ? { region: store.region } : {}),
    ...(store.encryption === "none" ? {} : { sse: store.encryption }),
    ...(credentialsPrefix ? { credentialsPrefix } : {}),
  };
}

const fromSecret = (envName: string, secret: pulumi.Input<string>, key: string) => ({
  name: envName,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/** The pod template's container environment: plain settings, then references to Secrets. */
export function jobEnv(i: K8sJobInputs, keySecret: string): core.v1.EnvVar[] {
  const n = names(i.db.clusterInputs.name);
  // CloudNativePG logins are password logins (a Secret per role): no token login on Kubernetes.
  const login = backupJobLogin(i.job.database, { cloud: "Kubernetes" });
  const storeCreds = (prefix: string, store: KubernetesBackupSettings) => [
    fromSecret(`${prefix}AWS_ACCESS_KEY_ID`, store.credentialsSecret, "ACCESS_KEY_ID"),
    fromSecret(`${prefix}AWS_SECRET_ACCESS_KEY`, store.credentialsSecret, "ACCESS_SECRET_KEY"),
  ];
  return [
    { name: "HOME", value: "/tmp" },
    { name: "PGHOST", value: serviceHost(n.rw, i.namespace) },
    { name: "PGPORT", value: "5432" },
    { name: "PGDATABASE", value: i.db.clusterInputs.databaseName },
    { name: "PGSSLMODE", value: "verify-full" },
    { name: "PGSSLROOTCERT", value: CA_FILE },
    // The stack's settings minus secrets (config-export.ts): the backup set's configuration part.
    ...(i.job.config !== undefined ? [{ name: CONFIG_ENV, value: i.job.config }] : []),
    ...Object.entries(login.env).map(([name, value]) => ({ name, value })),
    ...Object.entries(login.secrets).map(([name, ref]) =>
      fromSecret(name, ref.id, ref.key ?? (name === "PGUSER" ? "username" : "password")),
    ),
    fromSecret(KEY_SECRET_KEY, keySecret, KEY_SECRET_KEY),
    ...storeCreds("", i.store),
    ...(i.drStore ? storeCreds(DR_CREDENTIALS_PREFIX, i.drStore) : []),
  ];
}

/** The CronJob's spec (pure data; the schedule is the job's daily hour in UTC). */
export function cronJobSpec(i: K8sJobInputs, keySecret: string): batch.v1.CronJobSpec {
  const tmp = `${tmpGiBFor(i.args.databaseSizeGiB)}Gi`;
  // The /tmp emptyDir counts against ephemeral storage: the limit covers it plus 1 GiB for logs and layers.
  const ephemeral = `${tmpGiBFor(i.args.databaseSizeGiB) + 1}Gi`;
  const resources = {
    cpu: cpuQuantity(i.job.cpu),
    memory: memoryQuantity(i.job.memoryMiB),
    "ephemeral-storage": ephemeral,
  };
  const destinations = [
    destinationFor(i.store),
    ...(i.drStore ? [destinationFor(i.drStore, DR_CREDENTIALS_PREFIX)] : []),
  ];
  const script = jobScript({
    prefix: `loom-${i.db.clusterInputs.databaseName}`,
    destinations,
    sizeDropExit: true,
    tables: i.job.tables,
    ...(i.job.config !== undefined ? { configEnv: CONFIG_ENV } : {}),
  });
  const podLabels = { ...i.labels, [TIER_LABEL]: BACKUP_TIER, [NAME_LABEL]: CONTAINER };
  return {
    schedule: `0 ${logicalHourUtc(i.args.dailyHourUtc)} * * *`,
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: STARTING_DEADLINE_SECONDS,
    successfulJobsHistoryLimit: HISTORY_LIMIT,
    failedJobsHistoryLimit: HISTORY_LIMIT,
    jobTemplate: {
      metadata: { labels: podLabels },
      spec: {
        backoffLimit: BACKOFF_LIMIT,
        // A size drop is reported after a complete upload: fail the Job at once (no retry uploads it again);
        // kube-state-metrics shows this reason ("PodFailurePolicy") as reason="" (catalog/prometheus.ts).
        podFailurePolicy: {
          rules: [
            {
              action: "FailJob",
              onExitCodes: { containerName: CONTAINER, operator: "In", values: [SIZE_DROP_EXIT_CODE] },
            },
          ],
        },
        activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
        template: {
          metadata: { labels: podLabels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity(i.job.runAsUser),
            containers: [
              {
                name: CONTAINER,
                image: i.job.image,
                command: ["/bin/sh", "-ec", script],
                env: jobEnv(i, keySecret),
                resources: { requests: resources, limits: resources },
                securityContext: restrictedContainerSecurity(i.job.runAsUser),
                volumeMounts: [
                  { name: "tmp", mountPath: "/tmp" },
                  { name: "internal-ca", mountPath: CA_MOUNT_PATH, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "tmp", emptyDir: { sizeLimit: tmp } },
              {
                name: "internal-ca",
                secret: { secretName: INTERNAL_CA.secret, items: [{ key: "ca.crt", path: "ca.crt" }] },
              },
            ],
          },
        },
      },
    },
  };
}

/** The NetworkPolicies: job → database 5432 and HTTPS; database ← job 5432. */
export function jobNetworkPolicies(): { name: string; spec: networking.v1.NetworkPolicySpec }[] {
  const tier = (t: string) => ({ matchLabels: { [TIER_LABEL]: t } });
  const tcp = (port: number) => [{ protocol: "TCP", port }];
  return [
    {
      name: "logical-backup-egress",
      spec: {
        podSelector: tier(BACKUP_TIER),
        policyTypes: ["Egress"],
        egress: [
          { to: [{ podSelector: tier(TIERS.database) }], ports: tcp(5432) },
          // The object stores: AWS S3 or an S3-compatible endpoint, possibly inside the cluster (as the WAL archiver).
          { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(443) },
        ],
      },
    },
    {
      name: "database-from-logical-backup",
      spec: {
        podSelector: tier(TIERS.database),
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: tier(BACKUP_TIER) }], ports: tcp(5432) }],
      },
    },
  ];
}

/** The key Secret (empty), the CronJob and its NetworkPolicies. */
export function logicalBackupJob(i: K8sJobInputs): CronJob {
  const keySecret = `${i.name}-backup-key`;
  new Secret(
    `${i.name}-logical-backup-key`,
    {
      metadata: {
        name: keySecret,
        namespace: i.db.namespace,
        labels: i.labels,
        annotations: {
          "loom/expected-keys": KEY_SECRET_KEY,
          "loom/note":
            "32-byte backup key (npm run backup -- keygen), put out of band; losing it makes the logical backups unreadable",
        },
      },
      type: "Opaque",
    },
    i.opts(true, CREDENTIALS_FILLED_OUT_OF_BAND),
  );
  for (const p of jobNetworkPolicies()) {
    new NetworkPolicy(
      `${i.name}-np-${p.name}`,
      { metadata: { name: p.name, namespace: i.db.namespace, labels: i.labels }, spec: p.spec },
      i.opts(),
    );
  }
  return new CronJob(
    `${i.name}-logical-backup`,
    {
      metadata: {
        name: `${i.name}-logical-backup`,
        namespace: i.db.namespace,
        labels: i.labels,
        annotations: JOB_CHECKOV_SKIPS,
      },
      spec: cronJobSpec(i, keySecret),
    },
    i.opts(),
  );
}
