/**
 * What the DigitalOcean backup droplet runs, as plain data: the job script, its compose service, its systemd units
 * and the droplet size. Pure: no SDK import, tested without mocks. The same image and CLI as every other cloud
 * (scripts/backup): `loom-backup dump` → `loom-backup verify` → upload, objects first, manifests last → metrics.
 *
 * - Schedule: `loom-backup.timer` (`OnCalendar=*-*-* <dailyHourUtc>:00:00 UTC`, Persistent: a run missed while the
 *   droplet was off starts at boot) starts `loom-backup.service`, a oneshot that waits for its secret files
 *   (loom-secrets, lib/do-host.ts: Ansible pushes them to this fixed droplet) and then runs the backup service of
 *   its own compose file once: `docker compose run --rm backup` (compose v2 ignores the restart policy on `run`).
 *   The service carries `profiles: [backup]`, so no `docker compose up` ever starts it.
 * - Encryption: client-side, by the CLI (AES-256-GCM, scripts/backup/crypto.ts) with the 32-byte key of the
 *   `backup-key` secret (hex, as `npm run backup -- keygen` writes it). It reaches the CLI as LOOM_BACKUP_KEY from a
 *   0400 env file — the container runs as uid 10001 and cannot read the root-owned 0400 secret files, which is also
 *   how the AWS and GCP jobs get it (an env var from their secret store). Spaces has no customer-managed keys.
 * - Upload: the image's AWS CLI against the Spaces S3 endpoint of each bucket's region (job-script.ts's lines),
 *   signed with the job's Spaces key (readwrite on the backup buckets only). With disaster recovery the job
 *   uploads the same verified set a second time, to the DR bucket in `drRegion`: Spaces has no bucket replication
 *   (and no cross-region copy), and the SDK has no such resource.
 * - Metrics: after each bucket's set, the run's Prometheus textfile (scripts/backup/metrics.ts) goes to
 *   `metrics/latest.prom` in that bucket (DO_BACKUP_METRICS_KEY); Observability's monitor droplet fetches it with
 *   a read-only key into its Pushgateway (observability/do-monitor.ts): a stale primary file is backup-missing, a DR
 *   file lagging the primary's is backup-dr-copy-failed. A failed run uploads nothing, so staleness shows it.
 * - Scratch space: the dump is staged on the droplet's disk (a named volume over the container's /tmp, which Docker
 *   creates with the image's /tmp mode 1777), so the droplet is sized for it (backupDropletSize).
 */
import type { ComposeServiceSpec } from "../lib/do-compose";
import { containerUnitHead } from "../lib/do-host";
import {
  CLI,
  type Destination,
  LOGICAL_PREFIX,
  previousManifestLines,
  shQuote,
  tmpGiBFor,
  uploadLines,
  WORK_DIR,
} from "./job-script";

/** The backup's compose project, file and service (not the app's /opt/loom/compose.yaml: loom.service never runs it). */
export const BACKUP_PROJECT = "loom-backup";
export const BACKUP_DIR = "/opt/loom/backup";
export const BACKUP_COMPOSE_PATH = `${BACKUP_DIR}/compose.yaml`;
export const BACKUP_SCRIPT_PATH = `${BACKUP_DIR}/job.sh`;
export const BACKUP_SERVICE = "backup";
/** The secret env file loom-secrets assembles (0400) before each run. */
export const BACKUP_ENV_FILE = "/etc/loom/backup.env";
/** The database's CA (public) and the stack's settings (non-secret), host side and inside the container. */
export const DB_CA_HOST_PATH = `${BACKUP_DIR}/db-ca.pem`;
export const CONFIG_HOST_PATH = `${BACKUP_DIR}/config.json`;
const IN_CONTAINER = "/etc/loom-backup";
export const DB_CA_PATH = `${IN_CONTAINER}/db-ca.pem`;
export const CONFIG_PATH = `${IN_CONTAINER}/config.json`;
export const SCRIPT_PATH = `${IN_CONTAINER}/job.sh`;
/** The object each bucket's latest run metrics are written to (observability/do-monitor.ts reads it). */
export const DO_BACKUP_METRICS_KEY = "metrics/latest.prom";

/** Secret-store keys (lib/digitalocean.ts storeSecret) of the backup droplet. */
export const BACKUP_SECRETS = {
  key: "backup-key",
  accessKey: "backup-access-key-id",
  secretKey: "backup-secret-access-key",
} as const;
/** The read-only key pair of Observability's monitor droplet (the names observability/do-monitor.ts reads). */
export const MONITOR_READ_SECRETS = {
  accessKey: "monitor-backup-access-key",
  secretKey: "monitor-backup-secret-key",
} as const;

/** Seconds `docker compose run` gives the container to stop (the unit's stop timeout covers it). */
export const BACKUP_STOP_GRACE_S = 30;
/** The longest a run may take before systemd kills it. */
export const BACKUP_TIMEOUT_H = 6;

export interface DoBucketRef {
  bucket: string;
  region: string;
}

/** A Spaces bucket as a job-script.ts destination: `s3://<bucket>/logical/` on the region's S3 endpoint. */
export function spacesDestination(b: DoBucketRef): Destination {
  return {
    url: `s3://${b.bucket}/${LOGICAL_PREFIX}/`,
    endpoint: `https://${b.region}.digitaloceanspaces.com`,
    region: b.region,
  };
}

/** The run's metrics file into `metrics/latest.prom` of one bucket. */
export function metricsUploadLine(b: DoBucketRef, metrics: string): string {
  const d = spacesDestination(b);
  return `aws s3 cp ${metrics} ${shQuote(`s3://${b.bucket}/${DO_BACKUP_METRICS_KEY}`)} --only-show-errors --endpoint-url ${shQuote(d.endpoint as string)} --region ${shQuote(b.region)}`;
}

export interface DoJobScriptInputs {
  /** Backup id prefix (`loom-<database>`). */
  prefix: string;
  /** The backup bucket, then (disaster recovery) the DR bucket. */
  buckets: DoBucketRef[];
  tables?: string[];
  /** Read the configuration part from CONFIG_PATH. */
  config: boolean;
}

/** The whole script (run as `sh -e <file>` in the container). */
export function doJobScript(i: DoJobScriptInputs): string {
  const [primary] = i.buckets;
  if (!primary) throw new Error("the backup job needs at least one bucket");
  const metrics = `${WORK_DIR}/metrics.prom`;
  const previous = `${WORK_DIR}/previous.manifest.json`;
  const lines = [
    "# Generated by loom-infra (components/backups/do-job-script.ts): pg_dump -Fc, encrypted client-side with",
    "# AES-256-GCM by loom-backup (scripts/backup/crypto.ts), verified, then uploaded to each Spaces bucket.",
    "set -eu",
    "umask 077",
    `rm -rf ${WORK_DIR}`,
    `store=${WORK_DIR}/store`,
    'mkdir -p "$store"',
    ...previousManifestLines(spacesDestination(primary)),
    [
      `${CLI} dump --dbname "$PGDATABASE" --store "$store" --prefix ${shQuote(i.prefix)} --metrics-file ${metrics} --previous-manifest ${previous}`,
      ...(i.tables ?? []).map((t) => `--table ${shQuote(t)}`),
      ...(i.config ? [`--config-file ${CONFIG_PATH}`] : []),
    ].join(" "),
    `${CLI} verify --store "$store"`,
    // Each bucket: the set (objects, then manifests), then its metrics file — a DR upload that fails leaves the DR
    // file stale while the primary's is fresh (backup-dr-copy-failed).
    ...i.buckets.flatMap((b) => [...uploadLines(spacesDestination(b)), metricsUploadLine(b, metrics)]),
    `cat ${metrics}`,
    `rm -rf ${WORK_DIR}`,
  ];
  return `${lines.join("\n")}\n`;
}

export interface DoBackupServiceInputs {
  image: string;
  /** The login's plain variables (backups/job-login.ts: DATABASE_AUTH); its credentials come from the env file. */
  loginEnv: Record<string, string>;
  runAsUser: number;
  cpu: number;
  memoryMiB: number;
  /** The primary's private host (direct port, never a pool: pg_dump holds one snapshot for the session). */
  host: string;
  port: number;
  database: string;
  config: boolean;
}

/** The compose service that runs the script once per timer tick. */
export function backupService(i: DoBackupServiceInputs): ComposeServiceSpec {
  return {
    name: BACKUP_SERVICE,
    image: i.image,
    command: ["/bin/sh", "-e", SCRIPT_PATH],
    user: `${i.runAsUser}:${i.runAsUser}`,
    cpus: i.cpu,
    memoryMiB: i.memoryMiB,
    environment: {
      HOME: "/tmp",
      PGHOST: i.host,
      PGPORT: String(i.port),
      PGDATABASE: i.database,
      PGSSLMODE: "verify-full",
      PGSSLROOTCERT: DB_CA_PATH,
      ...i.loginEnv,
      // Spaces refuses the CRC checksums AWS CLI/SDK releases from 2025-01-15 send by default (DO's Spaces API
      // reference); "when_required" keeps such a CLI working and changes nothing for older ones.
      AWS_REQUEST_CHECKSUM_CALCULATION: "when_required",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "when_required",
    },
    envFiles: [BACKUP_ENV_FILE],
    configs: [
      { source: BACKUP_SCRIPT_PATH, target: SCRIPT_PATH },
      { source: DB_CA_HOST_PATH, target: DB_CA_PATH },
      ...(i.config ? [{ source: CONFIG_HOST_PATH, target: CONFIG_PATH }] : []),
    ],
    // The dump is staged on disk, not in a RAM tmpfs.
    volumes: [{ name: "backup-work", target: "/tmp" }],
    tmpfs: [],
    stopGraceS: BACKUP_STOP_GRACE_S,
    profiles: [BACKUP_SERVICE],
  };
}

/** The env file's variables → secret-store keys (database credentials from the Database's SecretRefs). */
export function backupEnvFile(dbUserKey: string, dbPasswordKey: string): Record<string, string> {
  return {
    PGUSER: dbUserKey,
    PGPASSWORD: dbPasswordKey,
    LOOM_BACKUP_KEY: BACKUP_SECRETS.key,
    AWS_ACCESS_KEY_ID: BACKUP_SECRETS.accessKey,
    AWS_SECRET_ACCESS_KEY: BACKUP_SECRETS.secretKey,
  };
}

/** `OnCalendar=` of the daily run. */
export function onCalendar(hourUtc: number): string {
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) throw new Error(`hour must be 0–23, got ${hourUtc}`);
  return `*-*-* ${String(hourUtc).padStart(2, "0")}:00:00 UTC`;
}

/** loom-backup.service and loom-backup.timer (the timer alone is enabled; lib/do-cloud-init.ts starts it). */
export function backupUnits(secretsScript: string, hourUtc: number): Record<string, string> {
  const compose = `/usr/bin/docker compose -f ${BACKUP_COMPOSE_PATH}`;
  return {
    "loom-backup.service": [
      ...containerUnitHead("Loom logical backup (pg_dump, encrypted client-side, to Spaces)"),
      "",
      "[Service]",
      "Type=oneshot",
      `WorkingDirectory=${BACKUP_DIR}`,
      `ExecStartPre=${secretsScript}`,
      `ExecStart=${compose} run --rm --no-deps ${BACKUP_SERVICE}`,
      `TimeoutStartSec=${BACKUP_TIMEOUT_H}h`,
      `TimeoutStopSec=${BACKUP_STOP_GRACE_S + 30}`,
      "",
    ].join("\n"),
    "loom-backup.timer": [
      "[Unit]",
      "Description=Daily Loom logical backup",
      "",
      "[Timer]",
      `OnCalendar=${onCalendar(hourUtc)}`,
      "Persistent=true",
      "Unit=loom-backup.service",
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** Basic droplet slugs: vCPUs, memory (MiB), disk (GB). */
export const DROPLET_SLUGS = [
  { slug: "s-1vcpu-1gb", vcpus: 1, memoryMiB: 1024, diskGB: 25 },
  { slug: "s-1vcpu-2gb", vcpus: 1, memoryMiB: 2048, diskGB: 50 },
  { slug: "s-2vcpu-2gb", vcpus: 2, memoryMiB: 2048, diskGB: 60 },
  { slug: "s-2vcpu-4gb", vcpus: 2, memoryMiB: 4096, diskGB: 80 },
  { slug: "s-4vcpu-8gb", vcpus: 4, memoryMiB: 8192, diskGB: 160 },
  { slug: "s-8vcpu-16gb", vcpus: 8, memoryMiB: 16384, diskGB: 320 },
] as const;
/** MiB the host (Ubuntu, dockerd, Vector) keeps beside the container. */
export const HOST_MEMORY_MIB = 256;
/** GB of disk the OS, the image and journald use beside the staged dump. */
export const HOST_DISK_GB = 10;
const GIB_IN_GB = 1.073741824;

/**
 * The smallest slug holding the container (cpu, memoryMiB + the host's 256 MiB) and the staged dump (as large as
 * the database, job-script.ts tmpGiBFor) plus the host's disk.
 */
export function backupDropletSize(cpu: number, memoryMiB: number, storageGiB: number): string {
  if (!(cpu > 0)) throw new Error(`cpu must be more than 0, got ${cpu}`);
  const diskGB = tmpGiBFor(storageGiB) * GIB_IN_GB + HOST_DISK_GB;
  const fit = DROPLET_SLUGS.find(
    (s) => s.vcpus >= cpu && s.memoryMiB - HOST_MEMORY_MIB >= memoryMiB && s.diskGB >= diskGB,
  );
  if (!fit) {
    throw new Error(
      `${cpu} vCPU, ${memoryMiB} MiB and a ${storageGiB} GiB database exceed the largest basic droplet (s-8vcpu-16gb)`,
    );
  }
  return fit.slug;
}
