/**
 * Cloud Run sizes and names, as pure functions (no SDK): what the GCP AppService files (gcp.ts, gcp-run.ts) put in
 * `resources.limits`, `cpuIdle`, `maxInstanceRequestConcurrency` and `scaling`, and the physical names Cloud Run
 * and IAM accept.
 *
 * Cloud Run's rules (docs: "Configure CPU limits", services and jobs, checked 2026-12-01):
 * - vCPU is 0.08–1 in steps of 0.001, or a whole 1, 2, 4, 6 or 8.
 * - Below 1 vCPU (services only; a job needs at least 1): concurrency must be 1, billing request-based
 *   (`cpuIdle: true`) and the execution environment first-generation; a memory limit above 512 MiB needs ≥ 0.5 vCPU
 *   and above 1 GiB needs ≥ 1 vCPU.
 * - Memory per vCPU: 1 → ≤ 4 GiB, 2 → ≤ 8 GiB, 4 → 2–16 GiB, 6 → 4–24 GiB, 8 → 4–32 GiB.
 * - From 1 vCPU every revision runs second-generation (full Linux compatibility, faster network), which needs at
 *   least 512 MiB; first-generation needs 128 MiB.
 * Sizes are only ever rounded UP, so a workload never gets less than its profile asks for.
 */
import { invalid } from "../lib/component";
import * as naming from "../naming";
import type { Workload } from "./workload-secrets";

/** Cloud Run's default concurrency at ≥ 1 vCPU, written explicitly so the plan shows it. */
export const CONCURRENCY_AT_ONE_VCPU = 80;
/** The smallest memory of a second- and a first-generation instance. */
export const GEN2_MIN_MEMORY_MIB = 512;
export const GEN1_MIN_MEMORY_MIB = 128;

/** Whole vCPU counts Cloud Run accepts, with each one's memory range in MiB. */
const WHOLE_CPUS: readonly { cpu: number; minMiB: number; maxMiB: number }[] = [
  { cpu: 1, minMiB: 0, maxMiB: 4096 },
  { cpu: 2, minMiB: 0, maxMiB: 8192 },
  { cpu: 4, minMiB: 2048, maxMiB: 16384 },
  { cpu: 6, minMiB: 4096, maxMiB: 24576 },
  { cpu: 8, minMiB: 4096, maxMiB: 32768 },
];

export interface CloudRunSize {
  /** vCPU as Cloud Run gets it (`resources.limits.cpu`): millicores below 1 ("250m"), else a whole number ("2"). */
  cpu: string;
  /** `resources.limits.memory`, e.g. "1024Mi". */
  memory: string;
  /** The rounded amounts, for checks and tests. */
  vcpu: number;
  memoryMiB: number;
  /** Request-based billing: CPU only while a request is served (required below 1 vCPU). */
  cpuIdle: boolean;
  /** `maxInstanceRequestConcurrency`: 1 below 1 vCPU. */
  concurrency: number;
  /** First generation below 1 vCPU (the only one Cloud Run allows there), second from 1 vCPU. */
  executionEnvironment: "EXECUTION_ENVIRONMENT_GEN1" | "EXECUTION_ENVIRONMENT_GEN2";
}

/**
 * The smallest size Cloud Run accepts that holds `cpu` vCPU and `memoryMiB`. `alwaysAllocated` workloads (the
 * worker, which consumes a queue between requests, and jobs, which have no request-based billing) need
 * instance-based billing, which Cloud Run offers only from 1 vCPU, so they are rounded up to at least 1.
 * At 1 vCPU or more CPU stays allocated (`cpuIdle: false`) on every tier: the OpenTelemetry SDK exports its batches
 * and the app drains on SIGTERM outside requests, which request-based billing would throttle.
 */
export function cloudRunSize(
  workload: Workload,
  cpu: number,
  memoryMiB: number,
  opts: { alwaysAllocated: boolean },
): CloudRunSize {
  if (!(cpu > 0) || cpu > 8)
    invalid(`${workload}.cpu`, `must be more than 0 and at most 8 vCPU on Cloud Run, got ${cpu}`);
  if (!Number.isInteger(memoryMiB) || memoryMiB <= 0 || memoryMiB > 32768) {
    invalid(`${workload}.memoryMiB`, `must be a whole number of MiB from 1 to 32768 on Cloud Run, got ${memoryMiB}`);
  }
  let vcpu = Math.max(Math.ceil(cpu * 1000) / 1000, 0.08);
  if (opts.alwaysAllocated) vcpu = Math.max(vcpu, 1);
  if (vcpu < 1 && memoryMiB > 1024) vcpu = 1;
  if (vcpu < 1 && memoryMiB > 512) vcpu = Math.max(vcpu, 0.5);
  if (vcpu < 1) {
    const memory = Math.max(memoryMiB, GEN1_MIN_MEMORY_MIB);
    return {
      cpu: `${Math.round(vcpu * 1000)}m`,
      memory: `${memory}Mi`,
      vcpu,
      memoryMiB: memory,
      cpuIdle: true,
      concurrency: 1,
      executionEnvironment: "EXECUTION_ENVIRONMENT_GEN1",
    };
  }
  const memory = Math.max(memoryMiB, GEN2_MIN_MEMORY_MIB);
  const whole = WHOLE_CPUS.find((w) => w.cpu >= vcpu && w.maxMiB >= memory);
  if (whole === undefined) {
    return invalid(
      `${workload}.memoryMiB`,
      `${memory} MiB does not fit ${cpu} vCPU on Cloud Run (at most 4 GiB per vCPU)`,
    );
  }
  const fitted = Math.max(memory, whole.minMiB);
  return {
    cpu: String(whole.cpu),
    memory: `${fitted}Mi`,
    vcpu: whole.cpu,
    memoryMiB: fitted,
    cpuIdle: false,
    concurrency: CONCURRENCY_AT_ONE_VCPU,
    executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
  };
}

/** Instance bounds of a service: fixed at the floor without autoscaling, floor..ceiling with it. */
export function cloudRunScaling(
  workload: Workload,
  w: { minReplicas: number; maxReplicas: number },
  autoscaling: boolean,
): { minInstanceCount: number; maxInstanceCount: number } {
  for (const [key, n] of [
    ["minReplicas", w.minReplicas],
    ["maxReplicas", w.maxReplicas],
  ] as const) {
    if (!Number.isInteger(n) || n < 0) invalid(`${workload}.${key}`, `must be a whole number ≥ 0, got ${n}`);
  }
  if (w.maxReplicas < 1) invalid(`${workload}.maxReplicas`, "must be at least 1: the service must be able to run");
  // The worker always runs: a queue consumer at zero instances never picks a job up (nothing wakes it).
  if (workload === "worker" && w.minReplicas < 1) {
    invalid("worker.minReplicas", "must be at least 1 on Cloud Run: nothing starts a worker scaled to zero");
  }
  return autoscaling
    ? { minInstanceCount: w.minReplicas, maxInstanceCount: w.maxReplicas }
    : { minInstanceCount: w.minReplicas, maxInstanceCount: Math.max(w.minReplicas, 1) };
}

/** Cloud Run service and job names: lower-case letters, digits and '-', starting with a letter, ≤ 49 characters. */
export function cloudRunName(prefix: string, workload: Workload | "db-roles"): string {
  return naming.fit(`${prefix}-${workload}`, 49);
}

/** Service-account ids: 6–30 characters of a-z 0-9 '-', starting with a letter (`db-roles`: the roles step's). */
export function serviceAccountId(prefix: string, workload: Workload | "db-roles"): string {
  const id = naming.fit(`${prefix}-${workload}`, 30);
  if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(id)) {
    invalid(
      "context.stack",
      `gives the service-account id ${JSON.stringify(id)}, which GCP refuses (6–30 of a-z 0-9 -)`,
    );
  }
  return id;
}

/** Secret Manager ids: letters, digits, '-' and '_', ≤ 255; `LLM_API_KEY` → `loom-prod-app-llm-api-key`. */
export function appSecretId(prefix: string, envName: string): string {
  return `${prefix}-app-${envName.toLowerCase().replace(/_/g, "-")}`;
}

/** Variables Cloud Run sets itself and refuses in a service's `env` (PORT is the container port). */
export const CLOUD_RUN_RESERVED_ENV = ["PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"] as const;
