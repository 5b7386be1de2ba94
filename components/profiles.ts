/**
 * The seed's "Infrastructure Checklist" as data: what each environment gets by default.
 *
 * | Component      | Dev | Staging | Production |
 * |----------------|-----|---------|------------|
 * | Load Balancer  | ❌  | ✅      | ✅         |  (dev keeps a TLS endpoint; see `loadBalancer`)
 * | Auto-scaling   | ❌  | ✅      | ✅         |
 * | SSL/TLS        | ✅  | ✅      | ✅         |  (not a profile switch: never traded away)
 * | Monitoring     | ✅  | ✅      | ✅         |
 * | Logging        | ✅  | ✅      | ✅         |
 * | Alerting       | ❌  | ✅      | ✅         |
 * | Backups        | ❌  | ✅      | ✅         |  (dev keeps the cloud's default automated backups)
 * | DR Plan        | ❌  | ❌      | ✅         |
 * | Security Scan  | ✅  | ✅      | ✅         |  (CI, not infrastructure)
 * | Secrets Mgmt   | ✅  | ✅      | ✅         |  (not a profile switch: never traded away)
 *
 * Every value here is a default: a stack overrides any of it through `loom:<key>` (see settings.ts).
 * Sizes are cloud-neutral (vCPU, MiB, GiB, tiers); each cloud file maps them to its native units.
 */

import { z } from "zod";
import { bool, coerceNumber, int, num } from "./targets/values";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const TIERS = ["small", "medium", "large"] as const;
/** A cloud-neutral size class; each cloud maps it to an instance/node type. */
export type Tier = (typeof TIERS)[number];

export interface WorkloadProfile {
  /** vCPU per task/pod (0.25, 0.5, 1, 2, 4). */
  cpu: number;
  /** Memory per task/pod in MiB. */
  memoryMiB: number;
  /**
   * Scratch disk per pod in MiB (requests = limits; /tmp is an emptyDir of half of it). Kubernetes only: Fargate
   * tasks get a fixed 20 GiB of ephemeral storage that this program does not change.
   */
  ephemeralStorageMiB: number;
  /** Replicas when autoscaling is off; the autoscaler's floor when it is on. */
  minReplicas: number;
  /** The autoscaler's ceiling (ignored when autoscaling is off). */
  maxReplicas: number;
}

export interface WebProfile extends WorkloadProfile {
  /** Target average CPU utilisation in percent for the web autoscaler. */
  targetCpuPercent: number;
  /** Target requests per minute per web replica, as the load balancer counts them. */
  targetRequestsPerTarget: number;
}

export interface WorkerProfile extends WorkloadProfile {
  /** Queued review jobs per running worker the autoscaler aims for (backlog per worker). */
  jobsPerWorker: number;
  /** Run workers on interruptible capacity (Fargate Spot, Spot VMs, preemptible nodes). */
  spot: boolean;
}

export interface DatabaseProfile {
  /** PostgreSQL major version (16 or newer). */
  engineVersion: string;
  tier: Tier;
  /** Allocated storage in GiB. */
  storageGiB: number;
  /** Storage autoscaling ceiling in GiB. */
  maxStorageGiB: number;
  /** Synchronous standby in another zone (Multi-AZ / regional / zone-redundant HA). */
  highAvailability: boolean;
  /** An asynchronous read replica for read traffic. */
  readReplica: boolean;
  /** A managed connection pooler in front of the database (RDS Proxy, PgBouncer pooler). */
  connectionPooler: boolean;
  /** Query-level performance telemetry (Performance Insights, Query Insights). */
  performanceInsights: boolean;
  /** Log statements slower than this many milliseconds (the seed's slow query logging). */
  slowQueryMs: number;
}

export interface CacheProfile {
  tier: Tier;
  /** Number of cache nodes (1 = no replica). */
  nodes: number;
  /** Replica in another zone with automatic failover. */
  highAvailability: boolean;
  /** Days of cache snapshots to keep (0 = none). */
  snapshotRetentionDays: number;
}

export interface Profile {
  /**
   * A managed load balancer in front of the web tier. Where a cloud offers a built-in HTTPS endpoint (Cloud Run,
   * Container Apps) dev uses that instead. Clouds without one (AWS ECS) keep their load balancer in every
   * environment, because TLS is never traded away.
   */
  loadBalancer: boolean;
  autoscaling: boolean;
  alerting: boolean;
  /** Backups beyond the cloud's default (AWS Backup plans, logical dumps, longer retention). */
  backups: boolean;
  /** Disaster recovery: cross-region backup copies, read replica, documented RTO/RPO. */
  disasterRecovery: boolean;
  /** Deletion protection on stateful resources and Pulumi `protect` on them. */
  deletionProtection: boolean;
  /** A web application firewall in front of the load balancer. */
  waf: boolean;
  /** Availability zones to spread the network over. */
  availabilityZones: number;
  /** One NAT gateway for the whole network (cheap) or one per zone (no cross-zone dependency). */
  natGateways: "single" | "perZone";
  /** Days to keep application, flow and audit logs. */
  logRetentionDays: number;
  /** Days to keep automated database backups (point-in-time recovery window). */
  backupRetentionDays: number;
  /** Requests per 5 minutes per client IP before the WAF blocks it. */
  rateLimitPer5Min: number;
  /** Service level objectives the burn-rate alerts defend (observability/catalog/slo.ts). */
  slo: { availability: number; latency: number };
  /** Share of traces kept (head sampling, parent-based), 0..1. */
  traceSampleRatio: number;
  web: WebProfile;
  worker: WorkerProfile;
  database: DatabaseProfile;
  cache: CacheProfile;
}

export const PROFILES: Readonly<Record<Environment, Profile>> = {
  dev: {
    loadBalancer: false,
    autoscaling: false,
    alerting: false,
    backups: false,
    disasterRecovery: false,
    deletionProtection: false,
    waf: false,
    availabilityZones: 2,
    natGateways: "single",
    logRetentionDays: 7,
    backupRetentionDays: 1,
    rateLimitPer5Min: 2000,
    slo: { availability: 0.995, latency: 0.99 },
    traceSampleRatio: 1,
    web: {
      cpu: 0.25,
      memoryMiB: 512,
      ephemeralStorageMiB: 1024,
      minReplicas: 1,
      maxReplicas: 1,
      targetCpuPercent: 70,
      targetRequestsPerTarget: 1000,
    },
    worker: {
      cpu: 0.25,
      memoryMiB: 512,
      ephemeralStorageMiB: 1024,
      minReplicas: 1,
      maxReplicas: 1,
      jobsPerWorker: 10,
      spot: true,
    },
    database: {
      engineVersion: "16",
      tier: "small",
      storageGiB: 20,
      maxStorageGiB: 50,
      highAvailability: false,
      readReplica: false,
      connectionPooler: false,
      performanceInsights: false,
      slowQueryMs: 500,
    },
    cache: { tier: "small", nodes: 1, highAvailability: false, snapshotRetentionDays: 0 },
  },
  staging: {
    loadBalancer: true,
    autoscaling: true,
    alerting: true,
    backups: true,
    disasterRecovery: false,
    deletionProtection: false,
    waf: true,
    availabilityZones: 2,
    natGateways: "single",
    logRetentionDays: 30,
    backupRetentionDays: 7,
    rateLimitPer5Min: 2000,
    slo: { availability: 0.995, latency: 0.99 },
    traceSampleRatio: 0.25,
    web: {
      cpu: 0.5,
      memoryMiB: 1024,
      ephemeralStorageMiB: 2048,
      minReplicas: 2,
      maxReplicas: 4,
      targetCpuPercent: 60,
      targetRequestsPerTarget: 1000,
    },
    worker: {
      cpu: 0.5,
      memoryMiB: 1024,
      ephemeralStorageMiB: 2048,
      minReplicas: 1,
      maxReplicas: 4,
      jobsPerWorker: 10,
      spot: true,
    },
    database: {
      engineVersion: "16",
      tier: "medium",
      storageGiB: 50,
      maxStorageGiB: 200,
      highAvailability: false,
      readReplica: false,
      connectionPooler: true,
      performanceInsights: true,
      slowQueryMs: 500,
    },
    cache: { tier: "small", nodes: 1, highAvailability: false, snapshotRetentionDays: 1 },
  },
  prod: {
    loadBalancer: true,
    autoscaling: true,
    alerting: true,
    backups: true,
    disasterRecovery: true,
    deletionProtection: true,
    waf: true,
    availabilityZones: 3,
    natGateways: "perZone",
    logRetentionDays: 90,
    backupRetentionDays: 14,
    rateLimitPer5Min: 2000,
    slo: { availability: 0.999, latency: 0.995 },
    traceSampleRatio: 0.05,
    web: {
      cpu: 1,
      memoryMiB: 2048,
      ephemeralStorageMiB: 2048,
      minReplicas: 3,
      maxReplicas: 12,
      targetCpuPercent: 60,
      targetRequestsPerTarget: 1000,
    },
    worker: {
      cpu: 1,
      memoryMiB: 2048,
      ephemeralStorageMiB: 2048,
      minReplicas: 2,
      maxReplicas: 20,
      jobsPerWorker: 5,
      spot: false,
    },
    database: {
      engineVersion: "16",
      tier: "large",
      storageGiB: 100,
      maxStorageGiB: 1000,
      highAvailability: true,
      readReplica: true,
      connectionPooler: true,
      performanceInsights: true,
      slowQueryMs: 250,
    },
    cache: { tier: "medium", nodes: 2, highAvailability: true, snapshotRetentionDays: 7 },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// `loom:profile`: the schema of the overrides (every key optional; settings.ts merges them over PROFILES)
// ---------------------------------------------------------------------------------------------------------------

/** The retention periods CloudWatch Logs accepts (the strictest of the clouds). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** PostgreSQL majors this program deploys (RDS and CloudNativePG both offer them). */
export const POSTGRES_MAJORS = ["16", "17", "18"] as const;

/** The smallest CPU a workload may ask for: 1 millicore, the finest unit a Kubernetes quantity has. */
export const MIN_CPU = 0.001;

const cpu = num().superRefine((v, ctx) => {
  if (v < MIN_CPU || Math.abs(v * 1000 - Math.round(v * 1000)) > 1e-9) {
    ctx.addIssue({
      code: "custom",
      message: `must be at least ${MIN_CPU} vCPU in whole millicores (0.25, 0.5, 1, 2…): Kubernetes counts CPU in millicores and would round a finer value`,
    });
  }
});

const ENGINE_VERSION = new RegExp(`^(${POSTGRES_MAJORS.join("|")})(\\.\\d{1,3})?$`);
const ENGINE_VERSION_RULE = `must be PostgreSQL ${POSTGRES_MAJORS.join(", ")}, optionally with a minor version (e.g. 17 or "17.2")`;
/** `17` (a YAML number) is accepted like "17"; a fractional number is not, since YAML reads 16.10 as 16.1. */
const engineVersion = z.preprocess(
  (v) => (typeof v === "number" && Number.isInteger(v) ? String(v) : v),
  z
    .string({
      error: `${ENGINE_VERSION_RULE}; write a minor version as a string (YAML reads 16.10 as the number 16.1)`,
    })
    .regex(ENGINE_VERSION, ENGINE_VERSION_RULE),
);

const logRetentionDays = z.preprocess(
  coerceNumber,
  z.number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `must be one of ${LOG_RETENTION_DAYS.join(", ")} (the retention periods CloudWatch Logs accepts)`,
  }),
);

/** An objective: strictly between 0 and 1 (1 leaves no error budget, so every burn-rate alert would always fire). */
const ratio = () => z.preprocess(coerceNumber, z.number().gt(0).lt(1));

const workload = {
  cpu,
  memoryMiB: int(128, 122_880),
  ephemeralStorageMiB: int(256, 204_800),
  maxReplicas: int(1, 500),
};

/** The schema of `loom:profile`: overrides of the environment's profile, key for key. */
export const profileOverrideSchema = z
  .object({
    loadBalancer: bool(),
    autoscaling: bool(),
    alerting: bool(),
    backups: bool(),
    disasterRecovery: bool(),
    deletionProtection: bool(),
    waf: bool(),
    availabilityZones: int(2, 6),
    natGateways: z.enum(["single", "perZone"]),
    logRetentionDays,
    backupRetentionDays: int(1, 35),
    rateLimitPer5Min: int(100, 2_000_000_000),
    slo: z.object({ availability: ratio(), latency: ratio() }).partial().strict(),
    traceSampleRatio: z.preprocess(coerceNumber, z.number().min(0).max(1)),
    web: z
      .object({
        ...workload,
        minReplicas: int(1, 100),
        targetCpuPercent: int(10, 95),
        targetRequestsPerTarget: int(10, 100_000),
      })
      .partial()
      .strict(),
    worker: z
      .object({ ...workload, minReplicas: int(0, 100), jobsPerWorker: int(1, 10_000), spot: bool() })
      .partial()
      .strict(),
    database: z
      .object({
        engineVersion,
        tier: z.enum(TIERS),
        storageGiB: int(20, 65_536),
        maxStorageGiB: int(20, 65_536),
        highAvailability: bool(),
        readReplica: bool(),
        connectionPooler: bool(),
        performanceInsights: bool(),
        slowQueryMs: int(0, 600_000),
      })
      .partial()
      .strict(),
    cache: z
      .object({ tier: z.enum(TIERS), nodes: int(1, 6), highAvailability: bool(), snapshotRetentionDays: int(0, 35) })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type ProfileOverride = z.output<typeof profileOverrideSchema>;

/** The environment's profile with `overrides` applied key for key (nested objects merged, not replaced). */
export function applyOverrides(base: Profile, o: ProfileOverride): Profile {
  return {
    ...base,
    ...o,
    web: { ...base.web, ...o.web },
    worker: { ...base.worker, ...o.worker },
    database: { ...base.database, ...o.database },
    cache: { ...base.cache, ...o.cache },
    slo: { ...base.slo, ...o.slo },
  } as Profile;
}

/** The keys `overrides` sets, as dotted paths relative to `loom:profile` (e.g. ["waf", "web.spot"]). */
export function overriddenKeys(o: ProfileOverride): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    if (typeof value === "object" && value !== null) {
      for (const [inner, v] of Object.entries(value)) if (v !== undefined) out.push(`${key}.${inner}`);
    } else out.push(key);
  }
  return out;
}
