/**
 * What the scheduled logical backup job runs (ECS task on AWS, CronJob on Kubernetes), as one POSIX shell script
 * built from plain data. Pure: tested without mocks, no SDK import.
 *
 *   aws s3 ls/cp       → the first destination's latest manifest, if any (the size ratio's previous backup)
 *   loom-backup dump   → /tmp (the CLI: pg_dump -Fc → AES-256-GCM → sha256 manifest, scripts/backup/backup.ts)
 *   loom-backup verify → the object and its manifest, before anything leaves the task
 *   aws s3 cp          → each destination: the objects first, the manifests last (a manifest marks a complete backup)
 *   metrics            → CloudWatch (AWS) and the Prometheus textfile printed to the log
 *   size drop          → Kubernetes: exit SIZE_DROP_EXIT_CODE after everything is uploaded when the size ratio is
 *                        under BACKUP_SIZE_DROP_RATIO (the CronJob's pod failure policy fails the Job, no retry)
 *
 * The CLI stores to local directories only (scripts/backup/store.ts), so the dump is staged in /tmp — the task's
 * /tmp volume is sized for it — and the upload is the AWS CLI's, which speaks to S3 and S3-compatible stores.
 * Every value in the script is configuration (bucket, prefix, region, key id); credentials reach the process only
 * as environment variables injected from the secret store, and the script never echoes them.
 */

import { BACKUP_SIZE_DROP_RATIO } from "../observability/catalog/alerts";

/** The image's CLI wrapper (scripts/backup/Dockerfile installs it on PATH). */
export const CLI = "loom-backup";
/** Where the dump is staged: the job's writable /tmp volume. */
export const WORK_DIR = "/tmp/loom-backup";
/** The key prefix logical backups use inside a bucket or an object store path. */
export const LOGICAL_PREFIX = "logical";
/** Environment variable prefix of the second store's credentials (Kubernetes disaster recovery). */
export const DR_CREDENTIALS_PREFIX = "DR_";

export interface Destination {
  /** `s3://bucket/path/logical/` (trailing slash). */
  url: string;
  /** S3-compatible endpoint; undefined = AWS S3. */
  endpoint?: string;
  region?: string;
  /** Server-side encryption to request on upload; undefined = the bucket default. */
  sse?: "AES256" | "aws:kms";
  /** With aws:kms: the key, as a literal ARN or `$VAR` read from the environment. */
  kmsKeyId?: string;
  /** Read the credentials from `${prefix}AWS_ACCESS_KEY_ID`/`…SECRET_ACCESS_KEY`; undefined = the ambient ones. */
  credentialsPrefix?: string;
}

export interface JobScriptInputs {
  /** Backup id prefix (`loom-<database>`). */
  prefix: string;
  destinations: Destination[];
  /** AWS: publish the success, size and size-ratio metrics to CloudWatch. */
  cloudwatch?: { namespace: string; environment: string };
  /** Kubernetes: exit SIZE_DROP_EXIT_CODE after the upload when the size ratio is under the alert's threshold. */
  sizeDropExit?: boolean;
  /** `loom:backup.tables`: also exported on their own (the CLI's tables part). */
  tables?: string[];
  /** Read the configuration part from this environment variable (the task or pod sets it). */
  configEnv?: string;
}

/** The job's exit code for "uploaded, but under half the previous backup's size" (the CLI's codes end at 5). */
export const SIZE_DROP_EXIT_CODE = 6;
/** Where the previous backup's manifest is put before the dump (absent: no previous backup). */
export const PREVIOUS_MANIFEST = `${WORK_DIR}/previous.manifest.json`;

const SAFE = /^[A-Za-z0-9._:/=@+-]*$/;

/** Single-quote `value` for sh; refuses characters no configuration value here needs. */
export function shQuote(value: string): string {
  if (!SAFE.test(value)) throw new Error(`job script value ${JSON.stringify(value)} has characters outside ${SAFE}`);
  return `'${value}'`;
}

/** `$VAR` stays an expansion (double-quoted), anything else is a quoted literal. */
function word(value: string): string {
  return /^\$[A-Z_][A-Z0-9_]*$/.test(value) ? `"${value}"` : shQuote(value);
}

function checkDestination(d: Destination): void {
  if (!d.url.startsWith("s3://") || !d.url.endsWith("/")) {
    throw new Error(`destination ${d.url} must be an s3:// URL ending in /`);
  }
}

/** `[env …] aws s3` with the destination's credentials, and its endpoint/region flags. */
function s3Command(d: Destination): { s3: string; where: string[] } {
  const env = d.credentialsPrefix
    ? `env AWS_ACCESS_KEY_ID="$${d.credentialsPrefix}AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$${d.credentialsPrefix}AWS_SECRET_ACCESS_KEY" `
    : "";
  const where = [
    ...(d.endpoint ? ["--endpoint-url", shQuote(d.endpoint)] : []),
    ...(d.region ? ["--region", shQuote(d.region)] : []),
  ];
  return { s3: `${env}aws s3`, where };
}

/** The `aws s3 cp` lines of one destination: objects first, manifests last. */
export function uploadLines(d: Destination): string[] {
  checkDestination(d);
  const { s3, where } = s3Command(d);
  const flags = [
    "--recursive",
    "--only-show-errors",
    ...where,
    ...(d.sse ? ["--sse", shQuote(d.sse)] : []),
    ...(d.sse === "aws:kms" && d.kmsKeyId ? ["--sse-kms-key-id", word(d.kmsKeyId)] : []),
  ].join(" ");
  const cp = `${s3} cp "$store/" ${shQuote(d.url)} ${flags}`;
  return [`${cp} --exclude '*.manifest.json'`, `${cp} --exclude '*' --include '*.manifest.json'`];
}

/**
 * The destination's latest manifest → PREVIOUS_MANIFEST (ids sort by time, so the last name is the latest). An
 * empty prefix (first run) lists nothing and `aws s3 ls` fails: no previous backup, ratio 1. A failure to reach the
 * bucket shows up again, as a failed upload, after the dump.
 */
export function previousManifestLines(d: Destination): string[] {
  checkDestination(d);
  const { s3, where } = s3Command(d);
  const flags = where.length ? ` ${where.join(" ")}` : "";
  return [
    `latest=$(${s3} ls ${shQuote(d.url)}${flags} 2>/dev/null | awk '$4 ~ /[.]manifest[.]json$/ {print $4}' | sort | tail -n 1)`,
    `if [ -n "$latest" ]; then ${s3} cp ${shQuote(d.url)}"$latest" ${PREVIOUS_MANIFEST} --only-show-errors${flags}; fi`,
  ];
}

/** The whole script (run as `sh -ec <script>`). */
export function jobScript(i: JobScriptInputs): string {
  if (i.destinations.length === 0) throw new Error("the backup job needs at least one destination");
  const metrics = `${WORK_DIR}/metrics.prom`;
  const lines = [
    "set -eu",
    "umask 077",
    `rm -rf ${WORK_DIR}`,
    `store=${WORK_DIR}/store`,
    'mkdir -p "$store"',
    ...previousManifestLines(i.destinations[0] as Destination),
    [
      `${CLI} dump --dbname "$PGDATABASE" --store "$store" --prefix ${shQuote(i.prefix)} --metrics-file ${metrics} --previous-manifest ${PREVIOUS_MANIFEST}`,
      ...(i.tables ?? []).map((t) => `--table ${shQuote(t)}`),
      ...(i.configEnv ? [`--config-env ${shQuote(i.configEnv)}`] : []),
    ].join(" "),
    `${CLI} verify --store "$store"`,
    ...i.destinations.flatMap(uploadLines),
  ];
  lines.push(`ratio=$(awk '/^loom_backup_size_ratio/ {print $2}' ${metrics})`);
  const cw = i.cloudwatch;
  if (cw) {
    const dims = `Environment=${cw.environment}`;
    const put = (metric: string, value: string, unit: string) =>
      `aws cloudwatch put-metric-data --namespace ${shQuote(cw.namespace)} --metric-name ${metric} --dimensions ${shQuote(dims)} --unit ${unit} --value ${value}`;
    lines.push(
      `size=$(awk '/^loom_backup_size_bytes/ {print $2}' ${metrics})`,
      put(LOGICAL_BACKUP_METRICS.sizeBytes, '"$size"', "Bytes"),
      put(LOGICAL_BACKUP_METRICS.sizeRatio, '"$ratio"', "None"),
      put(LOGICAL_BACKUP_METRICS.success, "1", "Count"),
    );
  }
  lines.push(`cat ${metrics}`, `rm -rf ${WORK_DIR}`);
  if (i.sizeDropExit) {
    lines.push(
      `if awk -v r="$ratio" 'BEGIN { exit !(r < ${BACKUP_SIZE_DROP_RATIO}) }'; then echo "backup uploaded, but its size is $ratio of the previous one's (under ${BACKUP_SIZE_DROP_RATIO}): exit ${SIZE_DROP_EXIT_CODE}" >&2; exit ${SIZE_DROP_EXIT_CODE}; fi`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * CloudWatch metrics the AWS job publishes after every successful run (namespace `Loom`, dimension `Environment`):
 * observability alarms on "no success for 26 h" (Sum of LogicalBackupSuccess < 1 over the period, missing data
 * breaching) and on a size drop > 50 % (LogicalBackupSizeRatio: size over the previous backup's, from its manifest).
 */
export const LOGICAL_BACKUP_METRICS = {
  success: "LogicalBackupSuccess",
  sizeBytes: "LogicalBackupSizeBytes",
  sizeRatio: "LogicalBackupSizeRatio",
} as const;

/** The job's daily hour: two hours after the base backup (`dailyHourUtc`), after the DR base backup at +1. */
export function logicalHourUtc(dailyHourUtc: number): number {
  return (dailyHourUtc + 2) % 24;
}

/**
 * GiB of /tmp the job needs: the dump can be as large as the database (incompressible data, pg_dump -Fc never
 * expands it by more than its framing), plus 1 GiB for the CLI, the AWS CLI and the metrics file.
 */
export function tmpGiBFor(storageGiB: number): number {
  if (!Number.isFinite(storageGiB) || storageGiB <= 0) {
    throw new Error(`storageGiB must be a positive number, got ${storageGiB}`);
  }
  return Math.ceil(storageGiB) + 1;
}
