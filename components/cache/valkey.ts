/**
 * Valkey on Kubernetes as plain data (pure: tested without mocks).
 *
 * Why a StatefulSet and not an operator: the cache needs one primary with persistence, TLS and a password — a
 * 40-line pod spec — while the Redis operators are either unmaintained (spotahome) or bring their own CRDs, images
 * and cluster-wide RBAC for features Loom does not use. Valkey (BSD-licensed Redis fork) matches the AWS target's
 * ElastiCache engine. Limitation, stated plainly: one primary, no automatic failover (a node loss reschedules the pod
 * and reattaches its volume: minutes of cache/queue unavailability, no data loss beyond the last AOF fsync).
 */
import type { Tier } from "../profiles";

/** Official Valkey image, pinned to a patch release (mirror and pin by digest in air-gapped clusters). */
export const VALKEY_IMAGE = "docker.io/valkey/valkey:8.1.11-alpine";
/** uid/gid of the `valkey` user in the official image. */
export const VALKEY_UID = 999;
export const REDIS_PORT = 6379;

export const CACHE_RESOURCES: Readonly<Record<Tier, { cpu: number; memoryMiB: number; storageGiB: number }>> = {
  small: { cpu: 0.25, memoryMiB: 1024, storageGiB: 2 },
  medium: { cpu: 0.5, memoryMiB: 3072, storageGiB: 6 },
  large: { cpu: 1, memoryMiB: 6144, storageGiB: 12 },
};

/** Share of the container's memory Valkey may fill with data (the rest: AOF rewrite buffers, client buffers, TLS). */
export const MAXMEMORY_SHARE = 0.75;

/** Data Valkey may hold: {@link MAXMEMORY_SHARE} (75 %) of the container's memory. */
export function maxMemoryMb(tier: Tier): number {
  return Math.floor(CACHE_RESOURCES[tier].memoryMiB * MAXMEMORY_SHARE);
}

export const CONFIG_DIR = "/etc/valkey";
export const TLS_DIR = "/tls";
export const AUTH_DIR = "/etc/valkey-auth";
export const DATA_DIR = "/data";

/**
 * valkey.conf: TLS only (the plain port is closed), password from an included file (never on the command line),
 * AOF persistence, and `noeviction`: the review-job queue lives here, so a full cache refuses writes rather than
 * silently dropping jobs (the cache-memory-high alert fires first).
 */
export function valkeyConf(tier: Tier): string {
  return [
    "bind * -::*",
    "port 0",
    `tls-port ${REDIS_PORT}`,
    `tls-cert-file ${TLS_DIR}/tls.crt`,
    `tls-key-file ${TLS_DIR}/tls.key`,
    `tls-ca-cert-file ${TLS_DIR}/ca.crt`,
    "tls-auth-clients no",
    'tls-protocols "TLSv1.2 TLSv1.3"',
    "tls-prefer-server-ciphers yes",
    `dir ${DATA_DIR}`,
    "appendonly yes",
    "appendfsync everysec",
    "save 3600 1 300 100 60 10000",
    `maxmemory ${maxMemoryMb(tier)}mb`,
    "maxmemory-policy noeviction",
    `include ${AUTH_DIR}/auth.conf`,
    "",
  ].join("\n");
}

/**
 * The readiness check: an authenticated PING over TLS. The password is read from the mounted Secret file for this one
 * command (REDISCLI_AUTH), so it is never in the container's environment (checkov CKV_K8S_35).
 */
export const READINESS_COMMAND: readonly string[] = [
  "sh",
  "-c",
  `REDISCLI_AUTH="$(cat ${AUTH_DIR}/password)" valkey-cli --tls --cacert ${TLS_DIR}/ca.crt -h localhost -p ${REDIS_PORT} ping | grep -q PONG`,
];

export const names = (name: string) => {
  const base = `${name}-cache`;
  return { base, headless: `${base}-headless`, auth: `${base}-auth`, tls: `${base}-tls`, config: `${base}-config` };
};
