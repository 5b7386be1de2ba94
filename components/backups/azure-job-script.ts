/**
 * What the logical-backup Container Apps job runs on Azure, and the plain data around it (schedule, size, names).
 * Pure: no SDK import, tested without mocks. The same image and CLI as the other clouds (job-script.ts):
 * `loom-backup dump` → `loom-backup verify` → upload, objects first, manifests last → metrics on stdout.
 *
 * How the bytes reach Blob storage, with no key, SAS or connection string anywhere:
 *
 *   1. A token for `https://storage.azure.com/` from the Container Apps identity endpoint (`$IDENTITY_ENDPOINT` with
 *      the `X-IDENTITY-HEADER: $IDENTITY_HEADER` the platform injects), for the job's user-assigned identity
 *      (`client_id=$AZURE_CLIENT_ID`). It is written to a 0600 header file and given to curl as `-H @file`, so it is
 *      never on a command line or in the log. Fetched again before every file (tokens outlive a job; cheap anyway).
 *   2. Blob REST with `Authorization: Bearer` (x-ms-version BLOB_API_VERSION): List Blobs for the latest manifest (the
 *      size ratio's previous backup), Get Blob for it, then per file Put Block in BLOCK_MIB chunks (`split`, streamed
 *      by `curl -T`, never whole in memory) and Put Block List. A block blob of one Put Blob tops out at 5000 MiB;
 *      blocks reach 50 000 × BLOCK_MIB. The identity holds Storage Blob Data Contributor on this container only.
 *   3. The container has a time-based retention policy (azure-storage.ts): blobs can be created, never overwritten
 *      or deleted before `retentionDays`; every run's files have new names (the CLI's ids are timestamps).
 *
 * With disaster recovery the account is RA-GZRS: Azure replicates every committed blob to the paired region, so
 * the job uploads once (no second destination to fail separately).
 *
 * Metrics: after a successful run the job prints its Prometheus metrics file to stdout; the environment ships
 * stdout to the workspace (ContainerAppConsoleLogs), where Observability reads the `loom_backup_size_bytes` and
 * `loom_backup_size_ratio` lines; success and failure are the job's executions (ContainerAppSystemLogs).
 */
import { CLI, LOGICAL_PREFIX, PREVIOUS_MANIFEST, shQuote, WORK_DIR } from "./job-script";

/** Blob service REST version (bearer tokens need ≥ 2017-11-09). */
export const BLOB_API_VERSION = "2021-08-06";
/** Chunk of one Put Block (MiB). */
export const BLOCK_MIB = 100;
/** The identity endpoint's API version on Container Apps. */
export const IDENTITY_API_VERSION = "2019-08-01";
/** The env var holding the job identity's client id. */
export const CLIENT_ID_ENV = "AZURE_CLIENT_ID";
/** The env var holding the container URL `https://<account>.blob.core.windows.net/<container>`. */
export const CONTAINER_URL_ENV = "LOOM_BACKUP_CONTAINER_URL";

/** The job's name (≤ 32 characters, Container Apps' limit), which Observability's backup signals filter on. */
export function azureBackupJobName(prefix: string): string {
  const name = `${prefix}-logical-backup`;
  if (name.length <= 32) return name;
  return `${prefix.slice(0, 32 - "-backup".length).replace(/-+$/, "")}-backup`;
}

export interface AzureJobScriptInputs {
  /** Backup id prefix (`loom-<database>`). */
  prefix: string;
  /** `loom:backup.tables`: exported on their own as the `tables` part. */
  tables?: string[];
  /** The env var holding the configuration part (config-export.ts), when there is one. */
  configEnv?: string;
}

const AUTH = `${WORK_DIR}/auth.header`;

/** Shell functions: `auth` (a fresh token into the header file), `blob` (curl with it), `put` (one file). */
export function functionLines(): string[] {
  const resource = "https%3A%2F%2Fstorage.azure.com%2F";
  return [
    "auth() {",
    `  t=$(curl -fsS -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" "$IDENTITY_ENDPOINT?api-version=${IDENTITY_API_VERSION}&resource=${resource}&client_id=$${CLIENT_ID_ENV}" | sed -n 's/.*"access_token" *: *"\\([^"]*\\)".*/\\1/p')`,
    `  [ -n "$t" ] || { echo "no storage token from the identity endpoint" >&2; exit 1; }`,
    `  printf 'Authorization: Bearer %s\\n' "$t" > ${AUTH}`,
    "  t=",
    "}",
    `blob() { curl -fsS --retry 3 -H @${AUTH} -H 'x-ms-version: ${BLOB_API_VERSION}' "$@"; }`,
    "put() {",
    "  auth",
    `  dest="$${CONTAINER_URL_ENV}/${LOGICAL_PREFIX}/$(basename "$1")"`,
    `  parts=${WORK_DIR}/parts`,
    '  rm -rf "$parts"',
    '  mkdir -p "$parts"',
    `  split -b ${BLOCK_MIB}M -a 5 -d "$1" "$parts/b"`,
    '  list=\'<?xml version="1.0" encoding="utf-8"?><BlockList>\'',
    '  for p in "$parts"/b*; do',
    '    [ -e "$p" ] || continue',
    // Equal-length ids (b00000…) whose base64 has no character a URL needs escaped.
    '    id=$(basename "$p" | tr -d "\\n" | base64)',
    '    blob -o /dev/null -T "$p" -H \'Content-Type: application/octet-stream\' "$dest?comp=block&blockid=$id"',
    '    list="$list<Latest>$id</Latest>"',
    '    rm -f "$p"',
    "  done",
    '  blob -o /dev/null -X PUT -H \'Content-Type: application/xml\' --data-binary "$list</BlockList>" "$dest?comp=blocklist"',
    '  rm -rf "$parts"',
    "}",
  ];
}

/** The container's latest manifest (ids sort by time) → PREVIOUS_MANIFEST; none on the first run. */
export function previousManifestLines(): string[] {
  return [
    "auth",
    `latest=$(blob "$${CONTAINER_URL_ENV}?restype=container&comp=list&prefix=${LOGICAL_PREFIX}/" | tr '<' '\\n' | sed -n 's/^Name>\\(.*[.]manifest[.]json\\)$/\\1/p' | sort | tail -n 1 || true)`,
    `if [ -n "$latest" ]; then blob -o ${PREVIOUS_MANIFEST} "$${CONTAINER_URL_ENV}/$latest"; fi`,
  ];
}

/** The upload of one run: every object first, the manifests last (a manifest marks a complete backup). */
export function uploadLines(): string[] {
  return [
    'for f in "$store"/*; do case "$f" in *.manifest.json) ;; *) put "$f" ;; esac; done',
    'for f in "$store"/*.manifest.json; do put "$f"; done',
  ];
}

/** The whole script (run as `sh -ec <script>`). */
export function azureJobScript(i: AzureJobScriptInputs): string {
  const metrics = `${WORK_DIR}/metrics.prom`;
  const lines = [
    "set -eu",
    "umask 077",
    `rm -rf ${WORK_DIR}`,
    `store=${WORK_DIR}/store`,
    'mkdir -p "$store"',
    ...functionLines(),
    ...previousManifestLines(),
    [
      `${CLI} dump --dbname "$PGDATABASE" --store "$store" --prefix ${shQuote(i.prefix)} --metrics-file ${metrics} --previous-manifest ${PREVIOUS_MANIFEST}`,
      ...(i.tables ?? []).map((t) => `--table ${shQuote(t)}`),
      ...(i.configEnv ? [`--config-env ${shQuote(i.configEnv)}`] : []),
    ].join(" "),
    `${CLI} verify --store "$store"`,
    ...uploadLines(),
    // Observability reads the size lines from the console log (see the header).
    `cat ${metrics}`,
    `rm -rf ${WORK_DIR}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Container Apps' cron (UTC) for a daily run at `hourUtc`. */
export function azureDailyCron(hourUtc: number): string {
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) throw new Error(`hour must be 0–23, got ${hourUtc}`);
  return `0 ${hourUtc} * * *`;
}

/** The Backup vault policy's repeating interval: daily at `hourUtc` (ISO 8601, UTC), from a fixed start. */
export function vaultSchedule(hourUtc: number): string {
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) throw new Error(`hour must be 0–23, got ${hourUtc}`);
  return `R/2026-01-05T${String(hourUtc).padStart(2, "0")}:00:00+00:00/P1D`;
}

/** Ephemeral storage (GiB) a Consumption replica gets for its vCPUs (Container Apps storage docs). */
export function ephemeralGiB(cpu: number): number {
  return cpu <= 0.25 ? 1 : cpu <= 0.5 ? 2 : cpu <= 1 ? 4 : 8;
}

/** The most ephemeral storage a Consumption replica has (GiB). */
export const MAX_EPHEMERAL_GIB = 8;

/**
 * The smallest Consumption size (vCPU in 0.25 steps up to 4, memory = 2 GiB per vCPU, the only pairs it accepts)
 * holding `cpu`, `memoryMiB` and, as far as Consumption goes, `tmpGiB` of ephemeral storage for the staged dump.
 * `fitsTmp` false: even 8 GiB is less than `tmpGiB` (the caller warns).
 */
export function jobSize(
  cpu: number,
  memoryMiB: number,
  tmpGiB: number,
): { cpu: number; memory: string; ephemeralGiB: number; fitsTmp: boolean } {
  if (!(cpu > 0)) throw new Error(`cpu must be more than 0, got ${cpu}`);
  if (!(memoryMiB > 0)) throw new Error(`memoryMiB must be more than 0, got ${memoryMiB}`);
  const needTmp = Math.min(tmpGiB, MAX_EPHEMERAL_GIB);
  for (let quarters = 1; quarters <= 16; quarters++) {
    const c = quarters / 4;
    if (c >= cpu && c * 2048 >= memoryMiB && ephemeralGiB(c) >= needTmp) {
      return { cpu: c, memory: `${c * 2}Gi`, ephemeralGiB: ephemeralGiB(c), fitsTmp: ephemeralGiB(c) >= tmpGiB };
    }
  }
  throw new Error(`${cpu} vCPU and ${memoryMiB} MiB exceed a Consumption replica (4 vCPU, 8 GiB)`);
}
