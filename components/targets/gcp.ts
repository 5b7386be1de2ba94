/**
 * The GCP target: `loom:gcp`, `gcp:project` and `gcp:region`. Pure: zod only, no SDK.
 *
 * Rules: both provider keys are required (the Google provider reads them too); `drRegion` defaults from the pairing
 * table (gcp-regions.ts) and must differ from the region; the Cloud SQL edition defaults from the profile —
 * ENTERPRISE_PLUS when the PITR window is over 7 days (ENTERPRISE keeps at most 7 days of logs), else ENTERPRISE
 * (`database.connectionPooler` does not apply on GCP: the workloads log in with IAM, which Managed Connection
 * Pooling does not take, components/database/gcp-logins.ts) — and an explicit
 * `databaseEdition` that cannot hold the profile fails naming both keys.
 */
import { z } from "zod";
import { GCP_DR_REGIONS, GCP_PROJECT, GCP_REGION } from "./gcp-regions";
import type { TargetContext, TargetSpec } from "./spec";
import { int, show } from "./values";

export type CloudSqlEdition = "ENTERPRISE" | "ENTERPRISE_PLUS";

export interface GcpTarget {
  cloud: "gcp";
  /** `gcp:project`: the project every resource lives in. */
  project: string;
  /** `gcp:region`: where every regional resource lives (except the disaster-recovery copies). */
  region: string;
  /** Where disaster-recovery copies go (Cloud SQL backup location, backup vault, logical-backup replica bucket). */
  drRegion: string;
  /** Cloud SQL edition (see the module comment for the default). */
  databaseEdition: CloudSqlEdition;
  /**
   * A Cloud DNS managed zone (its resource name) holding `loom:domain`: the program writes the A record of the load
   * balancer's address there, which the Google-managed certificate needs to validate. Without it, the operator
   * points the name at the `edgeHostname` output (docs/gcp.md).
   */
  dnsZone?: string;
  /**
   * Static egress addresses for Cloud NAT (LLM providers that allow-list callers): 0 = Google-allocated
   * (AUTO_ONLY); 2 or more = reserved addresses, MANUAL_ONLY.
   */
  natStaticIps: number;
}

const schema = z
  .object({
    drRegion: z.string().regex(GCP_REGION, "must be a GCP region name such as europe-west4"),
    databaseEdition: z.enum(["ENTERPRISE", "ENTERPRISE_PLUS"]),
    dnsZone: z
      .string()
      .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Cloud DNS managed zone name (a-z 0-9 -, 1-63)"),
    natStaticIps: int(0, 16).refine(
      (n) => n !== 1,
      "must be 0 (Google-allocated) or at least 2 (one is a single point of failure)",
    ),
  })
  .partial()
  .strict();

const key = (name: string) => `loom:gcp.${name}`;

function providerValue(ctx: TargetContext, name: string, pattern: RegExp, example: string): string | undefined {
  const value = ctx.providerConfig[name];
  if (!value) ctx.problems.push(`${name} is required for loom:cloud gcp, e.g. ${example}`);
  else if (!pattern.test(value)) ctx.problems.push(`${name}: ${show(value)} is not valid, e.g. ${example}`);
  else return value;
  return undefined;
}

function drRegionOf(config: z.output<typeof schema>, region: string, ctx: TargetContext): string {
  const drRegion = config.drRegion ?? GCP_DR_REGIONS[region];
  if (drRegion === undefined) {
    ctx.problems.push(
      `${key("drRegion")} is required: gcp:region ${region} has no default pairing (components/targets/gcp-regions.ts)`,
    );
    return "";
  }
  if (drRegion === region) {
    ctx.problems.push(
      `${key("drRegion")}: ${show(drRegion)} is gcp:region itself; disaster-recovery copies must go to another region`,
    );
  }
  return drRegion;
}

function editionOf(config: z.output<typeof schema>, ctx: TargetContext): CloudSqlEdition {
  const days = ctx.profile.backupRetentionDays;
  const needsPlus = days > 7;
  if (config.databaseEdition === "ENTERPRISE") {
    if (days > 7) {
      ctx.problems.push(
        `${key("databaseEdition")}: "ENTERPRISE" keeps at most 7 days of transaction logs, but loom:profile.backupRetentionDays is ${days}; use ENTERPRISE_PLUS (1–35 days) or lower the retention`,
      );
    }
  }
  return config.databaseEdition ?? (needsPlus ? "ENTERPRISE_PLUS" : "ENTERPRISE");
}

export const gcpTarget = {
  cloud: "gcp",
  schema,
  providerKeys: ["gcp:project", "gcp:region"],
  resolve(config, ctx): GcpTarget {
    const project = providerValue(ctx, "gcp:project", GCP_PROJECT, "loom-prod-123456");
    const region = providerValue(ctx, "gcp:region", GCP_REGION, "europe-west1");
    const databaseEdition = editionOf(config, ctx);
    const natStaticIps = config.natStaticIps ?? 0;
    if (project === undefined || region === undefined) {
      return {
        cloud: "gcp",
        project: project ?? "",
        region: region ?? "",
        drRegion: "",
        databaseEdition,
        natStaticIps,
      };
    }
    return {
      cloud: "gcp",
      project,
      region,
      drRegion: drRegionOf(config, region, ctx),
      databaseEdition,
      ...(config.dnsZone !== undefined ? { dnsZone: config.dnsZone } : {}),
      natStaticIps,
    };
  },
} satisfies TargetSpec<"gcp", typeof schema, GcpTarget>;
