/**
 * No setting without effect: for every profile key (components/profiles.ts) and every implemented cloud, whether
 * the key changes what is deployed there, or why it cannot.
 *
 * - `applied`: flipping the key changes the plan on that cloud (tests/applicability.spec.ts flips each one on a
 *   prod stack and diffs the plan JSON).
 * - a reason string: the key does not apply on that cloud; a stack that sets it explicitly gets one warning per
 *   run naming the key and this reason (index.ts), never silence.
 *
 * This is the one home of that fact; docs/config.md renders the same table.
 */
import type { ImplementedCloud } from "./targets";

export const APPLIED = "applied" as const;
export type Applicability = typeof APPLIED | { notApplicable: string };

const na = (reason: string): Applicability => ({ notApplicable: reason });

/** Dotted profile paths, relative to `loom:profile`. */
export const PROFILE_KEYS = [
  "loadBalancer",
  "autoscaling",
  "alerting",
  "backups",
  "disasterRecovery",
  "deletionProtection",
  "waf",
  "availabilityZones",
  "natGateways",
  "logRetentionDays",
  "backupRetentionDays",
  "rateLimitPer5Min",
  "slo.availability",
  "slo.latency",
  "traceSampleRatio",
  "web.cpu",
  "web.memoryMiB",
  "web.ephemeralStorageMiB",
  "web.minReplicas",
  "web.maxReplicas",
  "web.targetCpuPercent",
  "web.targetRequestsPerTarget",
  "worker.cpu",
  "worker.memoryMiB",
  "worker.ephemeralStorageMiB",
  "worker.minReplicas",
  "worker.maxReplicas",
  "worker.jobsPerWorker",
  "worker.spot",
  "database.engineVersion",
  "database.tier",
  "database.storageGiB",
  "database.maxStorageGiB",
  "database.highAvailability",
  "database.readReplica",
  "database.connectionPooler",
  "database.performanceInsights",
  "database.slowQueryMs",
  "cache.tier",
  "cache.nodes",
  "cache.highAvailability",
  "cache.snapshotRetentionDays",
] as const;
export type ProfileKey = (typeof PROFILE_KEYS)[number];

const FARGATE_EPHEMERAL = na(
  "Fargate gives every task its own 20 GiB of ephemeral storage; the read-only root file system keeps /tmp on it",
);

const AWS: Record<ProfileKey, Applicability> = {
  ...allApplied(),
  loadBalancer: na(
    "ECS Fargate has no built-in HTTPS endpoint: the ALB terminates TLS in every environment, and TLS is never traded away",
  ),
  "web.ephemeralStorageMiB": FARGATE_EPHEMERAL,
  "worker.ephemeralStorageMiB": FARGATE_EPHEMERAL,
};

const KUBERNETES: Record<ProfileKey, Applicability> = {
  ...allApplied(),
  loadBalancer: na("the Ingress is the cluster's HTTPS endpoint; there is no separate load balancer to leave out"),
  availabilityZones: na(
    "the cluster's nodes decide the zones; pods spread over every zone there is (topologySpreadConstraints)",
  ),
  natGateways: na("egress to the internet is the cluster's own (its nodes' NAT), not the stack's"),
  logRetentionDays: na(
    "container logs are kept by the cluster's own log pipeline; only a stack with loom:kubernetes.installOperators installs Loki, and then sets its retention from this key (docs/logging.md)",
  ),
  "web.targetRequestsPerTarget": na(
    "the web HorizontalPodAutoscaler scales on CPU and memory; request-rate scaling needs a custom-metrics adapter the stack does not install",
  ),
  "worker.spot": na(
    "there is no portable spot-node label or taint across clusters; schedule workers with the cluster's own policy",
  ),
  "database.maxStorageGiB": na(
    "CloudNativePG does not grow volumes by itself; raise database.storageGiB (the PVC is resized online when the StorageClass allows expansion)",
  ),
  "cache.nodes": na(
    "the Valkey StatefulSet runs one primary (no operator, no failover); use a managed cache for replicas",
  ),
  "cache.highAvailability": na(
    "the Valkey StatefulSet runs one primary (no operator, no failover); its data survives pod restarts on the PVC",
  ),
  "cache.snapshotRetentionDays": na(
    "Valkey persists to an append-only file on its volume; there are no snapshots to keep",
  ),
};

const CLOUD_RUN_EPHEMERAL = na(
  "Cloud Run (gen2) has no separate ephemeral disk: its writable file system is in memory and counts against memoryMiB",
);

const GCP: Record<ProfileKey, Applicability> = {
  ...allApplied(),
  availabilityZones: na(
    "GCP subnets are regional; zonal spread comes from database.highAvailability (Cloud SQL REGIONAL) and cache.highAvailability (Memorystore STANDARD_HA), and Cloud Run spreads instances over the region's zones itself",
  ),
  natGateways: na(
    "Cloud NAT is regional and spans every zone, so there is no per-zone gateway to add; loom:gcp.natStaticIps sets its addresses",
  ),
  "web.ephemeralStorageMiB": CLOUD_RUN_EPHEMERAL,
  "worker.ephemeralStorageMiB": CLOUD_RUN_EPHEMERAL,
  "web.targetCpuPercent": na(
    "Cloud Run scales on concurrent requests and a fixed 60 % CPU target; the CPU target cannot be set",
  ),
  "web.targetRequestsPerTarget": na(
    "Cloud Run scales on concurrent requests per instance (maxInstanceRequestConcurrency, 1 below one vCPU), not on a request rate",
  ),
  "worker.jobsPerWorker": na(
    "a Cloud Run worker service scales on CPU between worker.minReplicas and maxReplicas; queue-depth scaling needs CREMA, which the stack does not deploy",
  ),
  "worker.spot": na("Cloud Run has no spot or preemptible capacity"),
  "database.connectionPooler": na(
    "Cloud SQL Managed Connection Pooling takes only password logins, and every workload logs in with Cloud SQL IAM database authentication (no password to rotate); size the app's own pool instead",
  ),
};

const CONTAINER_APPS_EPHEMERAL = na(
  "Container Apps sizes a replica's ephemeral storage from its CPU; it cannot be set",
);

const AZURE: Record<ProfileKey, Applicability> = {
  ...allApplied(),
  availabilityZones: na(
    "Azure zone redundancy is a per-service switch (Container Apps environment zoneRedundant, PostgreSQL ZoneRedundant HA, Managed Redis high availability, the gateway's zones), set from the profile's high-availability keys; subnets are regional",
  ),
  natGateways: na(
    "a Standard NAT gateway is zonal and a subnet takes one; the zone-redundant StandardV2 is not in the API version the SDK targets",
  ),
  "web.ephemeralStorageMiB": CONTAINER_APPS_EPHEMERAL,
  "worker.ephemeralStorageMiB": CONTAINER_APPS_EPHEMERAL,
  "worker.spot": na("Container Apps has no spot or low-priority capacity"),
  "database.maxStorageGiB": na(
    "PostgreSQL Flexible Server grows its storage with autoGrow and has no ceiling to set; database.storageGiB is the starting size",
  ),
  "cache.nodes": na("Azure Managed Redis is sized by its SKU (memory and vCPUs), not a node count"),
};

const DIGITALOCEAN: Record<ProfileKey, Applicability> = {
  ...allApplied(),
  availabilityZones: na(
    "DigitalOcean regions have no availability zones: high availability is standby nodes (database.highAvailability, cache.highAvailability) and several droplets, disaster recovery is a second region",
  ),
  natGateways: na(
    "droplets egress through their own public interface, held to the outbound firewall rules; DigitalOcean's VPC NAT gateway and private droplets are a public preview the stack does not use yet",
  ),
  "web.ephemeralStorageMiB": na(
    "containers on a droplet write only to a tmpfs /tmp, which counts against memoryMiB; the droplet's disk holds no app data",
  ),
  "worker.ephemeralStorageMiB": na(
    "containers on a droplet write only to a tmpfs /tmp, which counts against memoryMiB; the droplet's disk holds no app data",
  ),
  "web.targetRequestsPerTarget": na("Droplet autoscale pools scale on CPU and memory only, not on a request rate"),
  "worker.jobsPerWorker": na(
    "Droplet autoscale pools scale on CPU and memory only; queue-depth scaling needs KEDA (the kubernetes target)",
  ),
  "worker.spot": na("DigitalOcean has no spot or preemptible droplets"),
  "database.maxStorageGiB": na(
    "DigitalOcean's storage autoscaling grows the cluster's disk with no ceiling to set; database.storageGiB is the starting size",
  ),
  "database.performanceInsights": na(
    "DigitalOcean Managed PostgreSQL has no query-insights product; pg_stat_statements is on by default and slowQueryMs logs slow statements",
  ),
  "cache.snapshotRetentionDays": na(
    "Managed Valkey persists with DigitalOcean's own snapshots, whose retention cannot be set",
  ),
  "cache.highAvailability": na(
    "a DigitalOcean Valkey cluster's standbys always fail over automatically: cache.nodes sets the node count (1 to 3), and highAvailability only requires it to be 2 or more",
  ),
};

export const APPLICABILITY = {
  aws: AWS,
  gcp: GCP,
  azure: AZURE,
  digitalocean: DIGITALOCEAN,
  kubernetes: KUBERNETES,
} satisfies Record<ImplementedCloud, Record<ProfileKey, Applicability>>;

function allApplied(): Record<ProfileKey, Applicability> {
  return Object.fromEntries(PROFILE_KEYS.map((k) => [k, APPLIED])) as Record<ProfileKey, Applicability>;
}

/** The reason `key` does not apply on `cloud`, or undefined when it does. */
export function notApplicableReason(cloud: ImplementedCloud, key: ProfileKey): string | undefined {
  const a = APPLICABILITY[cloud][key];
  return a === APPLIED ? undefined : a.notApplicable;
}

/**
 * One warning per explicitly set key that has no effect on `cloud`. `overrides` are the dotted paths the stack set
 * under `loom:profile` (settings.profileOverrides); a whole section (`web`) counts as each of its keys.
 */
export function applicabilityWarnings(cloud: ImplementedCloud, overrides: readonly string[]): string[] {
  const set = new Set<ProfileKey>();
  for (const path of overrides) {
    for (const key of PROFILE_KEYS) if (key === path || key.startsWith(`${path}.`)) set.add(key);
  }
  const warnings: string[] = [];
  for (const key of PROFILE_KEYS) {
    const reason = set.has(key) ? notApplicableReason(cloud, key) : undefined;
    if (reason) warnings.push(`loom:profile.${key} does not apply on ${cloud}: ${reason}`);
  }
  return warnings;
}

/** The table as Markdown (docs/applicability.md holds exactly this; a test keeps them equal). */
export function applicabilityMarkdown(): string {
  const clouds = Object.keys(APPLICABILITY) as ImplementedCloud[];
  const rows = PROFILE_KEYS.map((key) => {
    const cells = clouds.map((c) => {
      const reason = notApplicableReason(c, key);
      return reason === undefined ? "applied" : `n/a: ${reason}`;
    });
    return `| \`${key}\` | ${cells.join(" | ")} |`;
  });
  return [
    "# Which profile key does what, per cloud",
    "",
    "Generated from `components/applicability.ts` (the one home of this fact; `tests/applicability.spec.ts` keeps",
    "this file equal to it). *applied*: flipping the key changes the plan on that cloud (tested on a prod stack).",
    "*n/a*: the key has no effect there; a stack that sets it under `loom:profile` gets a warning naming the key and",
    "the reason on every preview and update, and the plan is provably unchanged by it.",
    "",
    `| key (under \`loom:profile\`) | ${clouds.join(" | ")} |`,
    `|---|${clouds.map(() => "---").join("|")}|`,
    ...rows,
    "",
  ].join("\n");
}
