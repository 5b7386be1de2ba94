/**
 * Fargate task sizes: the cloud-neutral vCPU/MiB of a workload mapped to the cpu/memory units an ECS task
 * definition takes, with the combinations Fargate accepts (Linux, platform 1.4.0). An invalid combination fails
 * while the program runs, naming the workload, instead of at the ECS API in the middle of a deployment.
 */
import { invalid } from "../lib/component";

/** Memory (MiB) Fargate allows for each CPU size, keyed by vCPU. */
export const FARGATE_MEMORY_MIB: Readonly<Record<number, readonly number[]>> = {
  0.25: [512, 1024, 2048],
  0.5: range(1024, 4096, 1024),
  1: range(2048, 8192, 1024),
  2: range(4096, 16384, 1024),
  4: range(8192, 30720, 1024),
  8: range(16384, 61440, 4096),
  16: range(32768, 122880, 8192),
};

export interface FargateSize {
  /** CPU units (1024 per vCPU), as the task definition's `cpu` string. */
  cpu: string;
  /** Memory in MiB, as the task definition's `memory` string. */
  memory: string;
}

/** What is wrong with a Fargate size: which of the two keys, and why. */
export interface FargateSizeProblem {
  key: "cpu" | "memoryMiB";
  reason: string;
}

/**
 * Why `cpu` vCPU with `memoryMiB` MiB is not a Fargate size, or undefined when it is one. Pure, so settings can
 * check `loom:profile.<workload>.*` with the same rule before any resource exists.
 */
export function fargateSizeProblem(cpu: number, memoryMiB: number): FargateSizeProblem | undefined {
  const allowed = FARGATE_MEMORY_MIB[cpu];
  if (!allowed) {
    const sizes = Object.keys(FARGATE_MEMORY_MIB)
      .map(Number)
      .sort((a, b) => a - b)
      .join(", ");
    return { key: "cpu", reason: `${cpu} vCPU is not a Fargate size; allowed: ${sizes} vCPU` };
  }
  if (!allowed.includes(memoryMiB)) {
    return {
      key: "memoryMiB",
      reason: `${memoryMiB} MiB is not a Fargate memory size for ${cpu} vCPU; allowed: ${describe(allowed)}`,
    };
  }
  return undefined;
}

/**
 * The task definition units for `cpu` vCPU and `memoryMiB` MiB. An invalid size fails naming the stack key the
 * user sets it with (e.g. workload "web" → propertyPath "loom:profile.web.memoryMiB").
 */
export function fargateSize(workload: string, cpu: number, memoryMiB: number): FargateSize {
  const problem = fargateSizeProblem(cpu, memoryMiB);
  if (problem) invalid(`loom:profile.${workload}.${problem.key}`, problem.reason);
  return { cpu: String(Math.round(cpu * 1024)), memory: String(memoryMiB) };
}

/** What the telemetry sidecar takes out of a task, in task-definition units (CPU units, MiB). */
export interface SidecarShare {
  cpu: number;
  memory: number;
}

/** The least the app container keeps after the sidecar's share (the smallest Fargate task leaves it 320 MiB). */
export const APP_MIN_MEMORY_MIB = 256;

/**
 * The collector sidecar's share of a task: an eighth of its CPU (at least 64 units) and a quarter of its memory
 * (192–512 MiB: the contrib collector idles at roughly 60–100 MiB resident, and its batches and the scrape need the
 * headroom).
 * It is reserved from the workload's size rather than added to it: `loom:profile.<workload>.*` stays the task size
 * Fargate bills (adding 0.125 vCPU to 0.5 vCPU would round the task up to the next size, 1 vCPU / 2 GiB). The app
 * container gets the rest as its hard limit; a task too small to keep APP_MIN_MEMORY_MIB fails naming the workload.
 */
export function sidecarShare(workload: string, size: FargateSize): SidecarShare {
  const cpu = Number(size.cpu);
  const memory = Number(size.memory);
  const share = {
    cpu: Math.max(64, Math.floor(cpu / 8)),
    memory: Math.min(512, Math.max(192, Math.floor(memory / 4 / 64) * 64)),
  };
  if (memory - share.memory < APP_MIN_MEMORY_MIB) {
    invalid(
      `loom:profile.${workload}.memoryMiB`,
      `${memory} MiB leaves the app ${memory - share.memory} MiB after the telemetry sidecar's ${share.memory} MiB; at least ${APP_MIN_MEMORY_MIB} MiB must remain`,
    );
  }
  return share;
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** "512, 1024, 2048 MiB" or "2048–8192 MiB in steps of 1024" for long ranges. */
function describe(values: readonly number[]): string {
  if (values.length <= 3) return `${values.join(", ")} MiB`;
  const step = (values[1] as number) - (values[0] as number);
  return `${values[0]}–${values[values.length - 1]} MiB in steps of ${step}`;
}
