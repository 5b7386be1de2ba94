/**
 * What the logical backup Cloud Run job runs, and the plain data around it (schedule, size, job name). Pure: no
 * SDK import, tested without mocks. The same image and CLI as the AWS task and the Kubernetes CronJob
 * (job-script.ts): `loom-backup dump` → `loom-backup verify` → copy, objects first, manifests last → metrics.
 *
 * How the bytes reach Cloud Storage: Cloud Run mounts the buckets as volumes (Cloud Storage FUSE, run by the
 * platform, authenticated as the job's service account — no key, no HMAC secret, nothing in the image):
 *
 *   /mnt/staging   the staging bucket: the CLI's `--store` (it writes `<name>.partial` and renames, which a bucket
 *                  under a retention policy refuses: a rename deletes the source). Lifecycle-deleted after a day.
 *   /mnt/backup    the logical-backup bucket (retention policy): `cp` into `logical/`, manifests last, so a manifest
 *                  marks a complete backup as on S3.
 *   /mnt/backup-dr the DR bucket in `drRegion` (disaster recovery only): the same copy.
 *
 * Cloud Storage FUSE streams writes (no whole-file staging in memory), so the job's memory does not grow with the
 * database; the in-memory /tmp only holds the metrics file and the server CA.
 *
 * Metrics: after a successful run the job prints its Prometheus metrics file (scripts/backup/metrics.ts) to stdout,
 * one Cloud Logging entry per line; Observability on GCP builds the size signal from the `loom_backup_size_bytes`
 * line (a log-based metric, components/observability/catalog/cloud-monitoring.ts) and success/failure from Cloud
 * Run's own `run.googleapis.com/job/completed_execution_count` of the job `<prefix>-logical-backup`, so the job
 * needs no Monitoring API access. Any failed step (dump, verify, either copy) fails the execution.
 */
import { CLI, LOGICAL_PREFIX, shQuote } from "./job-script";

export const STAGING_MOUNT = "/mnt/staging";
export const BACKUP_MOUNT = "/mnt/backup";
export const DR_BACKUP_MOUNT = "/mnt/backup-dr";
/** The in-memory working directory (metrics file, server CA). */
export const GCP_WORK_DIR = "/tmp/loom-backup";
/** Environment variable holding the Cloud SQL server CA (PEM, public): written to a file for verify-full. */
export const SERVER_CA_ENV = "LOOM_PG_SERVER_CA";

/** The job's name, which Observability's backup signals filter on (`job_name`). */
export function backupJobName(prefix: string): string {
  return `${prefix}-logical-backup`;
}

export interface GcpJobScriptInputs {
  /** Backup id prefix (`loom-<database>`). */
  prefix: string;
  /** Copy to the DR bucket's mount too. */
  dr: boolean;
  /** `loom:backup.tables`: exported on their own as the `tables` part. */
  tables?: string[];
  /** The env var holding the configuration part (config-export.ts), when there is one. */
  configEnv?: string;
}

/** The bucket's latest manifest (ids sort by time) → the previous manifest the size ratio compares against. */
export function previousManifestLines(previous: string): string[] {
  const dir = `${BACKUP_MOUNT}/${LOGICAL_PREFIX}`;
  return [
    `latest=$(ls ${shQuote(dir)} 2>/dev/null | grep '[.]manifest[.]json$' | sort | tail -n 1 || true)`,
    `if [ -n "$latest" ]; then cp ${shQuote(`${dir}/`)}"$latest" ${previous}; fi`,
  ];
}

/** The copy of one run's staged backup into a mounted bucket: objects first, manifests last. */
export function copyLines(mount: string): string[] {
  const dest = `${mount}/${LOGICAL_PREFIX}`;
  return [
    `mkdir -p ${shQuote(dest)}`,
    `for f in "$store"/*; do case "$f" in *.manifest.json) ;; *) cp "$f" ${shQuote(`${dest}/`)} ;; esac; done`,
    `for f in "$store"/*.manifest.json; do cp "$f" ${shQuote(`${dest}/`)}; done`,
  ];
}

/** The whole script (run as `sh -ec <script>`). */
export function gcpJobScript(i: GcpJobScriptInputs): string {
  const metrics = `${GCP_WORK_DIR}/metrics.prom`;
  const ca = `${GCP_WORK_DIR}/server-ca.pem`;
  const previous = `${GCP_WORK_DIR}/previous.manifest.json`;
  const lines = [
    "set -eu",
    "umask 077",
    `rm -rf ${GCP_WORK_DIR}`,
    `mkdir -p ${GCP_WORK_DIR}`,
    `printf '%s\\n' "$${SERVER_CA_ENV}" > ${ca}`,
    `export PGSSLROOTCERT=${ca}`,
    // One staging directory per execution: a retried task starts it afresh.
    `store=${STAGING_MOUNT}/"$CLOUD_RUN_EXECUTION"`,
    'rm -rf "$store"',
    'mkdir -p "$store"',
    ...previousManifestLines(previous),
    [
      `${CLI} dump --dbname "$PGDATABASE" --store "$store" --prefix ${shQuote(i.prefix)} --metrics-file ${metrics} --previous-manifest ${previous}`,
      ...(i.tables ?? []).map((t) => `--table ${shQuote(t)}`),
      ...(i.configEnv ? [`--config-env ${shQuote(i.configEnv)}`] : []),
    ].join(" "),
    `${CLI} verify --store "$store"`,
    ...copyLines(BACKUP_MOUNT),
    ...(i.dr ? copyLines(DR_BACKUP_MOUNT) : []),
    // Observability reads the size from this line of the log (see the header).
    `cat ${metrics}`,
    'rm -rf "$store"',
    `rm -rf ${GCP_WORK_DIR}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Cloud Scheduler's unix-cron for a daily run at `hourUtc` (with timeZone Etc/UTC). */
export function dailyCron(hourUtc: number): string {
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) throw new Error(`hour must be 0–23, got ${hourUtc}`);
  return `0 ${hourUtc} * * *`;
}

/** Whole vCPU counts a Cloud Run job accepts, with the most memory each holds (MiB). */
const JOB_CPUS = [
  { cpu: 1, maxMiB: 4096 },
  { cpu: 2, maxMiB: 8192 },
  { cpu: 4, maxMiB: 16384 },
  { cpu: 6, maxMiB: 24576 },
  { cpu: 8, maxMiB: 32768 },
] as const;
/** The second-generation execution environment (needed for Cloud Storage volumes) needs at least 512 MiB. */
export const JOB_MIN_MEMORY_MIB = 512;

/**
 * The smallest job size Cloud Run accepts holding `cpu` and `memoryMiB`, rounded up: whole vCPUs (below 1 vCPU
 * Cloud Run requires request-based billing, which a job does not have) and the gen2 minimum memory.
 */
export function jobSize(cpu: number, memoryMiB: number): { cpu: string; memory: string } {
  if (!(cpu > 0)) throw new Error(`cpu must be more than 0, got ${cpu}`);
  const mem = Math.max(Math.ceil(memoryMiB), JOB_MIN_MEMORY_MIB);
  const size = JOB_CPUS.find((c) => c.cpu >= cpu && c.maxMiB >= mem);
  if (!size) throw new Error(`${cpu} vCPU and ${memoryMiB} MiB exceed a Cloud Run job (8 vCPU, 32 GiB)`);
  return { cpu: String(size.cpu), memory: `${mem}Mi` };
}
