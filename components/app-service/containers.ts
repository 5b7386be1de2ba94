/**
 * ECS container definitions for Loom's tiers, as plain data (serialised with `pulumi.jsonStringify` by aws.ts).
 * Every definition carries the same hardening: non-root user, read-only root filesystem, not privileged, all Linux
 * capabilities dropped, an init process to reap children, a writable /tmp volume, awslogs, a bounded stop timeout;
 * and the same rule for configuration: plain values in `environment`, every credential in `secrets`.
 */
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import { isSensitiveEnvName } from "../lib/sensitive";
import { COLLECTOR_CONTAINER } from "./aws-telemetry-config";

/** Seconds ECS waits after SIGTERM before SIGKILL; 120 is the Fargate maximum, room to finish a review job. */
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * The task volume mounted at /tmp. Fargate does not support `linuxParameters.tmpfs`, so /tmp is a bind mount on the
 * task's ephemeral storage: writable, private to the task, gone when the task stops.
 */
export const TMP_VOLUME = "tmp";

/** Web: the image's CLI probes the health path on localhost (the image ships no curl/wget). */
export function webHealthCheck(port: number, healthPath: string): string[] {
  return ["CMD", "loom", "healthcheck", "--url", `http://127.0.0.1:${port}${healthPath}`];
}

/** Worker: the CLI checks the worker's own liveness (heartbeat to the queue). */
export const WORKER_HEALTH_CHECK: readonly string[] = ["CMD", "loom", "healthcheck", "--worker"];

export interface ContainerSpec {
  /** Container name; also the awslogs stream prefix. */
  name: string;
  image: string;
  command: string[];
  /** Numeric uid (and gid) the process runs as; never 0. */
  runAsUser: number;
  /** The port the container serves (web only). */
  port?: number;
  /** Docker `CMD` health check; omitted for one-off tasks. */
  healthCheck?: readonly string[];
  /** Plain, non-secret configuration. */
  environment: Record<string, pulumi.Input<string>>;
  /** Variables resolved from Secrets Manager at container start. */
  secrets: Record<string, SecretRef>;
  logGroupName: pulumi.Input<string>;
  region: string;
  /** The app's share of the task (CPU units, hard memory limit in MiB) when a sidecar takes the rest. */
  limits?: { cpu: number; memory: number; memoryReservation?: number };
  /** Containers that must have started first (the telemetry sidecar). */
  startAfter?: string[];
  /** Containers that must have run to a zero exit first (migrate: the db-roles step). */
  succeededFirst?: string[];
  /** Whether the task stops when this container stops. @default true */
  essential?: boolean;
}

/**
 * ECS `valueFrom` for a secret reference: the secret ARN, or `<arn>:<json-key>::` for one key of a JSON secret
 * (version stage and id left empty = AWSCURRENT).
 */
export function secretValueFrom(ref: SecretRef): pulumi.Input<string> {
  if (ref.key === undefined) return ref.id;
  if (typeof ref.id === "string") return `${ref.id}:${ref.key}::`;
  return pulumi.interpolate`${ref.id}:${ref.key}::`;
}

/** One container definition (an element of the task definition's `containerDefinitions` array). */
export function containerDefinition(spec: ContainerSpec): Record<string, unknown> {
  if (!Number.isInteger(spec.runAsUser) || spec.runAsUser <= 0) {
    invalid("app.runAsUser", `must be a non-root numeric uid (> 0), got ${spec.runAsUser}`);
  }
  for (const name of Object.keys(spec.environment)) {
    if (isSensitiveEnvName(name)) invalid(`env.${name}`, "looks like a credential; pass it in `secrets`");
    if (name in spec.secrets) invalid(`env.${name}`, "is also a secret; a variable comes from one place");
  }
  const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
  const dependsOn = [
    ...(spec.succeededFirst ?? []).map((containerName) => ({ containerName, condition: "SUCCESS" })),
    ...(spec.startAfter ?? []).map((containerName) => ({ containerName, condition: "START" })),
  ];
  return {
    name: spec.name,
    image: spec.image,
    essential: spec.essential ?? true,
    command: spec.command,
    ...(spec.limits ? { cpu: spec.limits.cpu, memory: spec.limits.memory } : {}),
    ...(spec.limits?.memoryReservation !== undefined ? { memoryReservation: spec.limits.memoryReservation } : {}),
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    user: `${spec.runAsUser}:${spec.runAsUser}`,
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
    mountPoints: [{ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false }],
    portMappings: spec.port === undefined ? [] : [{ containerPort: spec.port, protocol: "tcp" }],
    ...(spec.healthCheck
      ? { healthCheck: { command: [...spec.healthCheck], interval: 30, timeout: 5, retries: 3, startPeriod: 60 } }
      : {}),
    stopTimeout: STOP_TIMEOUT_SECONDS,
    environment: Object.entries(spec.environment)
      .sort(byName)
      .map(([name, value]) => ({ name, value })),
    secrets: Object.entries(spec.secrets)
      .sort(byName)
      .map(([name, ref]) => ({ name, valueFrom: secretValueFrom(ref) })),
    logConfiguration: awslogs(spec.logGroupName, spec.region, spec.name),
  };
}

function awslogs(group: pulumi.Input<string>, region: string, streamPrefix: string): Record<string, unknown> {
  return {
    logDriver: "awslogs",
    options: {
      "awslogs-group": group,
      "awslogs-region": region,
      "awslogs-stream-prefix": streamPrefix,
      // A slow log backend must not block the container's stdout; the buffer absorbs bursts.
      mode: "non-blocking",
      "max-buffer-size": "25m",
    },
  };
}

/** Seconds the collector gets after SIGTERM to flush its batches (it stops after the app, dependsOn order). */
export const COLLECTOR_STOP_TIMEOUT_SECONDS = 30;

export interface CollectorSpec {
  /** The workload it serves: its log streams are `<workload>/otel-collector/<task id>`. */
  workload: string;
  image: string;
  uid: number;
  /** `--config=env:<configEnv>`; the YAML is the variable's value. */
  configEnv: string;
  config: string;
  cpu: number;
  memoryMiB: number;
  logGroupName: pulumi.Input<string>;
  region: string;
}

/**
 * The telemetry sidecar: the app containers' hardening (non-root, read-only root, unprivileged, no capabilities,
 * init, /tmp), a hard share of the task, and `essential: false` — a collector that dies must not take the web or
 * worker down with it (ECS stops the whole task when an essential container exits); the restart policy brings it
 * back in place instead, and telemetry is lost only while it is down. No health check: the image is built FROM
 * scratch (no shell, no probe binary), and ECS acts on a non-essential container's health only by reporting it.
 */
export function collectorContainerDefinition(spec: CollectorSpec): Record<string, unknown> {
  return {
    name: COLLECTOR_CONTAINER,
    image: spec.image,
    essential: false,
    command: [`--config=env:${spec.configEnv}`],
    user: `${spec.uid}:${spec.uid}`,
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
    mountPoints: [{ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false }],
    portMappings: [],
    cpu: spec.cpu,
    memory: spec.memoryMiB,
    restartPolicy: { enabled: true, restartAttemptPeriod: 60 },
    stopTimeout: COLLECTOR_STOP_TIMEOUT_SECONDS,
    environment: [
      // The Go runtime collects before the container limit; memory_limiter (80 %) refuses data before that.
      { name: "GOMEMLIMIT", value: `${Math.floor(spec.memoryMiB * 0.9)}MiB` },
      { name: spec.configEnv, value: spec.config },
    ],
    secrets: [],
    logConfiguration: awslogs(spec.logGroupName, spec.region, spec.workload),
  };
}
