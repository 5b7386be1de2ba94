/**
 * No setting without effect (DESIGN §11): the applicability table is complete, every key it marks applied changes
 * the plan when flipped on a prod stack of that cloud, every key it marks not applicable leaves the plan exactly as
 * it was (so the table never lies either way) and produces one warning naming the key and the reason.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  APPLICABILITY,
  APPLIED,
  applicabilityMarkdown,
  applicabilityWarnings,
  notApplicableReason,
  PROFILE_KEYS,
  type ProfileKey,
} from "../components/applicability";
import { IMPLEMENTED_CLOUDS } from "../components/cloud";
import { PROFILES } from "../components/profiles";
import { loadStackConfig, planStack, ROOT, toJson } from "../scripts/lib/plan";

/** Dotted paths of every leaf of a profile. */
function leafPaths(o: object, at = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === "object" ? leafPaths(v, `${at}${k}.`) : [`${at}${k}`],
  );
}

/** A valid value different from prod's for every key (Fargate-compatible sizes, allowed retention periods). */
const FLIPPED: Record<ProfileKey, unknown> = {
  loadBalancer: false,
  autoscaling: false,
  alerting: false,
  backups: false,
  disasterRecovery: false,
  deletionProtection: false,
  waf: false,
  availabilityZones: 2,
  natGateways: "single",
  logRetentionDays: 30,
  backupRetentionDays: 21,
  rateLimitPer5Min: 5000,
  "slo.availability": 0.99,
  "slo.latency": 0.98,
  traceSampleRatio: 0.5,
  "web.cpu": 0.5,
  "web.memoryMiB": 4096,
  "web.ephemeralStorageMiB": 4096,
  "web.minReplicas": 2,
  "web.maxReplicas": 16,
  "web.targetCpuPercent": 50,
  "web.targetRequestsPerTarget": 1500,
  "worker.cpu": 0.5,
  "worker.memoryMiB": 4096,
  "worker.ephemeralStorageMiB": 4096,
  "worker.minReplicas": 1,
  "worker.maxReplicas": 10,
  "worker.jobsPerWorker": 8,
  "worker.spot": true,
  "database.engineVersion": "17",
  "database.tier": "medium",
  "database.storageGiB": 200,
  "database.maxStorageGiB": 2000,
  "database.highAvailability": false,
  "database.readReplica": false,
  "database.connectionPooler": false,
  "database.performanceInsights": false,
  "database.slowQueryMs": 1000,
  "cache.tier": "large",
  "cache.nodes": 3,
  "cache.highAvailability": false,
  "cache.snapshotRetentionDays": 3,
};

/**
 * Where prod's own flipped value says nothing on a cloud, a value that does. GCP: Cloud Run rounds 0.5 vCPU up to
 * 1 when the memory needs it (prod web: 2 GiB) and the worker is always ≥ 1 vCPU, so 2 vCPU is the flip; a
 * Memorystore snapshot has no history, so only on (> 0) or off (0) changes what is deployed.
 */
const FLIPPED_ON: Partial<Record<(typeof IMPLEMENTED_CLOUDS)[number], Partial<Record<ProfileKey, unknown>>>> = {
  gcp: { "web.cpu": 2, "worker.cpu": 2, "cache.snapshotRetentionDays": 0 },
  // Container Apps rounds 0.5 vCPU with 2 GiB up to the 1 vCPU pair; Managed Redis keeps one persistence file.
  azure: { "web.cpu": 2, "worker.cpu": 2, "cache.snapshotRetentionDays": 0 },
};

/**
 * Keys that must move together on a cloud for the flipped profile to be valid there (each still a single intent):
 * GCP's Cloud Armor attaches to the load balancer only, and Memorystore BASIC has no replica.
 */
const COMPANIONS: Partial<
  Record<(typeof IMPLEMENTED_CLOUDS)[number], Partial<Record<ProfileKey, Record<string, unknown>>>>
> = {
  gcp: { loadBalancer: { waf: false }, "cache.highAvailability": { "cache.nodes": 1 } },
  azure: { loadBalancer: { waf: false }, "cache.highAvailability": { "cache.nodes": 1 } },
  // Without a load balancer one fixed web droplet terminates TLS itself; pools need the LB to follow them by tag.
  digitalocean: { loadBalancer: { autoscaling: false, "web.minReplicas": 1, "worker.minReplicas": 1 } },
};

/**
 * The configuration part of the logical backup (components/backups/config-export.ts) is the stack's settings as
 * JSON, so every key changes it by design. It is replaced by a marker before comparing, here and nowhere else:
 * what the table states is whether a key changes what is *deployed*.
 */
function withoutConfigExport(value: unknown): unknown {
  if (typeof value === "string") {
    // DigitalOcean: the export is a file the backup droplet's boot config writes (one JSON line in the YAML).
    if (value.startsWith("#cloud-config"))
      return value.replace(/\{"format":"loom-stack-config\/1".*$/gm, "<loom-stack-config>");
    if (!/^\s*[[{]/.test(value)) return value;
    try {
      const parsed = JSON.parse(value) as unknown;
      if (parsed && typeof parsed === "object" && (parsed as { format?: unknown }).format === "loom-stack-config/1") {
        return "<loom-stack-config>";
      }
      const inner = withoutConfigExport(parsed);
      return JSON.stringify(inner) === JSON.stringify(parsed) ? value : JSON.stringify(inner);
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(withoutConfigExport);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutConfigExport(v)]));
  }
  return value;
}

function valueAt(o: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((v, p) => (v as Record<string, unknown> | undefined)?.[p], o);
}

function withOverride(profile: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(profile);
  const parts = key.split(".");
  let node = out;
  for (const p of parts.slice(0, -1)) {
    node[p] = node[p] ?? {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
  return out;
}

/**
 * The prod stack on `cloud` with `loom:profile` replaced, as plan JSON (secrets redacted, so generated values agree),
 * with DigitalOcean's redacted boot configs.
 */
async function planJson(cloud: string, profile: Record<string, unknown>): Promise<string> {
  const plan = await planStack({
    stack: "prod",
    cloud,
    policy: false,
    configOverrides: { "loom:profile": JSON.stringify(profile) },
  });
  const json = toJson(plan) as { resources: unknown[]; outputs?: Record<string, unknown> };
  // DigitalOcean: a pool's userData is a Pulumi secret; what it runs is the redacted `bootConfig` output.
  const boot = json.outputs?.bootConfig;
  return JSON.stringify(withoutConfigExport(boot === undefined ? json.resources : [json.resources, boot]));
}

describe("applicability: profile key × cloud", () => {
  it("lists every profile key, and nothing else", () => {
    assert.deepEqual([...PROFILE_KEYS].sort(), leafPaths(PROFILES.prod).sort());
  });

  it("has a column for every implemented cloud and a reason for every key that does not apply", () => {
    assert.deepEqual(Object.keys(APPLICABILITY).sort(), [...IMPLEMENTED_CLOUDS].sort());
    for (const [cloud, column] of Object.entries(APPLICABILITY)) {
      for (const key of PROFILE_KEYS) {
        const a = column[key];
        assert.ok(a === APPLIED || a.notApplicable.length > 20, `${cloud} ${key}: a reason says why`);
      }
    }
  });

  it("warns once per explicitly set key that does not apply, naming the key and the reason", () => {
    assert.deepEqual(applicabilityWarnings("kubernetes", ["natGateways", "waf"]), [
      `loom:profile.natGateways does not apply on kubernetes: ${notApplicableReason("kubernetes", "natGateways")}`,
    ]);
    // A whole section counts as each of its keys; keys that apply stay silent.
    assert.deepEqual(
      applicabilityWarnings("kubernetes", ["cache"]).map((w) => w.split(" ")[0]),
      ["loom:profile.cache.nodes", "loom:profile.cache.highAvailability", "loom:profile.cache.snapshotRetentionDays"],
    );
    assert.deepEqual(applicabilityWarnings("aws", ["web.cpu", "database", "waf"]), []);
    assert.match(
      applicabilityWarnings("aws", ["loadBalancer"])[0] ?? "",
      /^loom:profile\.loadBalancer does not apply on aws: ECS Fargate/,
    );
  });

  it("is documented: docs/applicability.md is the table as rendered", () => {
    assert.equal(fs.readFileSync(path.join(ROOT, "docs", "applicability.md"), "utf8"), applicabilityMarkdown());
  });

  it("has a valid flipped value for every key that differs from prod's", () => {
    for (const key of PROFILE_KEYS) assert.notDeepEqual(FLIPPED[key], valueAt(PROFILES.prod, key), key);
  });

  for (const cloud of IMPLEMENTED_CLOUDS) {
    describe(`on ${cloud} (prod stack)`, function () {
      this.timeout(600_000);
      let baseline: string;
      let stackProfile: Record<string, unknown>;
      before(async () => {
        const { config } = loadStackConfig("prod");
        stackProfile = JSON.parse(config["loom:profile"] ?? "{}");
        baseline = await planJson(cloud, stackProfile);
      });

      for (const key of PROFILE_KEYS) {
        const applied = APPLICABILITY[cloud][key] === APPLIED;
        it(`${key} ${applied ? "changes the plan" : "leaves the plan unchanged (not applicable)"}`, async () => {
          let profile = withOverride(stackProfile, key, FLIPPED_ON[cloud]?.[key] ?? FLIPPED[key]);
          for (const [k, v] of Object.entries(COMPANIONS[cloud]?.[key] ?? {})) profile = withOverride(profile, k, v);
          const flipped = await planJson(cloud, profile);
          if (applied) assert.notEqual(flipped, baseline, `flipping ${key} changed nothing on ${cloud}`);
          else assert.equal(flipped, baseline, `${key} is marked not applicable on ${cloud} but changes the plan`);
        });
      }
    });
  }
});
