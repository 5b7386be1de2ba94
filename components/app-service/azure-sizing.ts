/**
 * Pure helpers of the Azure AppService (no SDK): Container Apps sizes, names, secret names and scale rules.
 *
 * Sizes: a replica on the Consumption workload profile takes CPU in steps of 0.25 vCPU (0.25 … 4) with exactly
 * 2 GiB of memory per vCPU (0.25/0.5Gi, 0.5/1Gi, 1/2Gi … 4/8Gi). The profile's cpu and memoryMiB are rounded up to
 * the smallest such pair that holds both (dev 0.25/512 → 0.25/0.5Gi, staging 0.5/1024 → 0.5/1Gi, prod 1/2048 →
 * 1/2Gi: exact), never down.
 */
import { invalid } from "../lib/component";
import { fit as fitName } from "../naming";
import type { Workload } from "./workload-secrets";

/** The workload profile every app and job of the environment runs on (needed for NAT-gateway egress). */
export const CONSUMPTION = "Consumption";
/** The largest Consumption replica. */
export const MAX_CONSUMPTION_VCPU = 4;

export interface ContainerAppSize {
  /** vCPU, a multiple of 0.25. */
  cpu: number;
  /** "0.5Gi", "1Gi", "1.5Gi" …: 2 GiB per vCPU. */
  memory: string;
}

/** The smallest Consumption pair that holds `cpu` vCPU and `memoryMiB` MiB. */
export function containerAppSize(tier: "web" | "worker", cpu: number, memoryMiB: number): ContainerAppSize {
  if (!(cpu > 0)) invalid(`${tier}.cpu`, `${cpu} is not a positive number of vCPU`);
  if (!(memoryMiB > 0) || !Number.isInteger(memoryMiB)) {
    invalid(`${tier}.memoryMiB`, `${memoryMiB} is not a positive whole number of MiB`);
  }
  const quarters = Math.max(Math.ceil(cpu * 4 - 1e-9), Math.ceil(memoryMiB / 512 - 1e-9), 1);
  if (quarters > MAX_CONSUMPTION_VCPU * 4) {
    const what = cpu > MAX_CONSUMPTION_VCPU ? `${tier}.cpu` : `${tier}.memoryMiB`;
    invalid(
      what,
      `${cpu} vCPU / ${memoryMiB} MiB does not fit a Consumption replica (at most ${MAX_CONSUMPTION_VCPU} vCPU / ${MAX_CONSUMPTION_VCPU * 2} GiB, 2 GiB per vCPU)`,
    );
  }
  return { cpu: quarters / 4, memory: `${quarters / 2}Gi` };
}

/** Container App / job name: 2–32 of a-z 0-9 -, starting with a letter (`loom-prod-web`). */
export function containerAppName(prefix: string, workload: Workload | "db-roles"): string {
  return fitName(`${prefix}-${workload}`, 32);
}

/** The Container Apps environment's name (2–32 like an app). */
export function environmentName(prefix: string): string {
  return fitName(`${prefix}-apps`, 32);
}

/**
 * The name of a secret (Key Vault secret of an app credential, Container Apps secret) for an environment variable:
 * lower case with dashes (`LLM_API_KEY` → `llm-api-key`); `_` is illegal in both.
 */
export function secretName(envName: string): string {
  const name = envName.toLowerCase().replace(/_/g, "-");
  if (!/^[a-z0-9]([a-z0-9-]{0,125}[a-z0-9])?$/.test(name)) {
    invalid(`secrets.${envName}`, "must become 1-127 of a-z 0-9 - (letters, digits and _) to name a secret");
  }
  return name;
}

/**
 * Concurrent requests per web replica for Container Apps' HTTP scaler, from the profile's requests per minute:
 * Little's law with a one-second request (the edge's p95 latency objective is well under that), so
 * 1000 requests/min → 17 in flight.
 */
export function webConcurrency(requestsPerMinute: number): number {
  return Math.max(1, Math.ceil(requestsPerMinute / 60));
}

/** The review queue (a Redis list) the worker's KEDA redis scaler measures with LLEN. */
export const REVIEW_QUEUE_LIST = "loom:queue:reviews";

export interface ScaleRule {
  name: string;
  http?: { metadata: Record<string, string> };
  custom?: {
    type: string;
    metadata: Record<string, string>;
    auth?: { secretRef: string; triggerParameter: string }[];
  };
}

/** Web: HTTP concurrency and average CPU utilisation (KEDA's cpu scaler); either one adds replicas. */
export function webScaleRules(targetRequestsPerMinute: number, targetCpuPercent: number): ScaleRule[] {
  if (!(targetCpuPercent > 0 && targetCpuPercent <= 100)) {
    invalid("web.targetCpuPercent", `${targetCpuPercent} is not a percentage in 1..100`);
  }
  return [
    {
      name: "http-concurrency",
      http: { metadata: { concurrentRequests: String(webConcurrency(targetRequestsPerMinute)) } },
    },
    { name: "cpu", custom: { type: "cpu", metadata: { type: "Utilization", value: String(targetCpuPercent) } } },
  ];
}

/**
 * Worker: KEDA's redis scaler on the review queue's length, `jobsPerWorker` queued jobs per replica, over TLS
 * with the cache password from the worker's own Key Vault reference (`passwordSecret`).
 */
export function workerScaleRule(address: string, jobsPerWorker: number, passwordSecret: string): ScaleRule {
  return {
    name: "review-queue",
    custom: {
      type: "redis",
      metadata: {
        address,
        listName: REVIEW_QUEUE_LIST,
        listLength: String(jobsPerWorker),
        enableTLS: "true",
      },
      auth: [{ secretRef: passwordSecret, triggerParameter: "password" }],
    },
  };
}

/** Replica bounds: the profile's floor and ceiling with autoscaling; pinned at the floor without it. */
export function replicaBounds(
  tier: "web" | "worker",
  w: { minReplicas: number; maxReplicas: number },
  autoscaling: boolean,
): { minReplicas: number; maxReplicas: number } {
  if (w.minReplicas < 1) {
    invalid(
      `${tier}.minReplicas`,
      `${w.minReplicas}: at least 1 on Container Apps (${tier === "web" ? "no cold start behind the gateway" : "a worker at zero never drains the queue"})`,
    );
  }
  if (w.maxReplicas > 1000) invalid(`${tier}.maxReplicas`, `${w.maxReplicas} is above Container Apps' 1000 replicas`);
  return { minReplicas: w.minReplicas, maxReplicas: autoscaling ? w.maxReplicas : w.minReplicas };
}
