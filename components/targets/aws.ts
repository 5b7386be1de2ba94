/**
 * The AWS target: `loom:aws` and `aws:region`. Pure: zod only, no SDK (the region facts are in aws-regions.ts).
 *
 * Rules: `aws:region` is required; a certificate source is required (`hostedZoneId` for a DNS-validated ACM
 * certificate, or an existing `certificateArn` in the same region as the load balancer); the zone list comes from
 * the region table or `loom:aws.availabilityZones` and must hold `loom:profile.availabilityZones`; `drRegion`
 * defaults from the pairing table and must differ from the region. `loom:aws.vpcCidr` moved to `loom:network.cidr`.
 */
import { z } from "zod";
import { AWS_DR_REGIONS, AWS_REGION, AWS_ZONES, regionOfZone } from "./aws-regions";
import type { TargetContext, TargetSpec } from "./spec";
import { show, uniqueList } from "./values";

export interface AwsTarget {
  cloud: "aws";
  /** `aws:region`: where every resource of the stack lives. */
  region: string;
  /** Every zone name of the region (aws-regions.ts, or `loom:aws.availabilityZones`); the network uses the first N. */
  availabilityZones: string[];
  /** Route 53 hosted zone for `loom:domain`: DNS-validated ACM certificate and alias record. */
  hostedZoneId?: string;
  /** An existing ACM certificate for `loom:domain` in `region`, used when no hosted zone is configured. */
  certificateArn?: string;
  /** Where disaster-recovery copies go (AWS Backup cross-region copy); never `region`. */
  drRegion: string;
}

const CERTIFICATE_ARN = /^arn:aws[\w-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[\w-]+$/;

const schema = z
  .object({
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "must be a Route 53 hosted zone id (Z…)"),
    certificateArn: z.string().regex(CERTIFICATE_ARN, "must be an ACM certificate ARN"),
    drRegion: z.string().regex(AWS_REGION, "must be an AWS region name such as eu-central-1"),
    availabilityZones: uniqueList(
      z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, "must be an availability-zone name such as eu-west-1a"),
      "must list at least one zone",
    ),
  })
  .partial()
  .strict();

const key = (name: string) => `loom:aws.${name}`;

function regionOf(ctx: TargetContext): string | undefined {
  const region = ctx.providerConfig["aws:region"];
  if (!region) ctx.problems.push("aws:region is required for loom:cloud aws, e.g. eu-west-1");
  else if (!AWS_REGION.test(region)) {
    ctx.problems.push(`aws:region: ${show(region)} is not an AWS region name such as eu-west-1`);
  } else return region;
  return undefined;
}

function zonesOf(config: z.output<typeof schema>, region: string, ctx: TargetContext): string[] {
  const wanted = ctx.profile.availabilityZones;
  if (config.availabilityZones !== undefined) {
    config.availabilityZones.forEach((zone, i) => {
      if (regionOfZone(zone) !== region) {
        ctx.problems.push(`${key("availabilityZones")}[${i}]: ${show(zone)} is not a zone of aws:region ${region}`);
      }
    });
  }
  const zones = config.availabilityZones ?? AWS_ZONES[region];
  if (zones === undefined) {
    ctx.problems.push(
      `${key("availabilityZones")} is required: aws:region ${region} is not in the zone table (components/targets/aws-regions.ts); list the names \`aws ec2 describe-availability-zones\` prints`,
    );
    return [];
  }
  if (wanted > zones.length) {
    ctx.problems.push(
      `loom:profile.availabilityZones: ${wanted} is more than the ${zones.length} zones of ${region} (${zones.join(", ")}); lower it or list more zones in ${key("availabilityZones")}`,
    );
  }
  return [...zones];
}

function certificateOf(config: z.output<typeof schema>, region: string, ctx: TargetContext): void {
  if (!config.hostedZoneId && !config.certificateArn) {
    ctx.problems.push(
      `${key("certificateArn")} is required when ${key("hostedZoneId")} is not set (the ALB needs a certificate for ${ctx.domain})`,
    );
  }
  const arnRegion = config.certificateArn && CERTIFICATE_ARN.exec(config.certificateArn)?.[1];
  if (arnRegion && arnRegion !== region) {
    ctx.problems.push(
      `${key("certificateArn")}: ${show(config.certificateArn)} is in ${arnRegion}, but the load balancer is in aws:region ${region}; an ALB can only use an ACM certificate of its own region`,
    );
  }
}

function drRegionOf(config: z.output<typeof schema>, region: string, ctx: TargetContext): string {
  const drRegion = config.drRegion ?? AWS_DR_REGIONS[region];
  if (drRegion === undefined) {
    ctx.problems.push(
      `${key("drRegion")} is required: aws:region ${region} has no default pairing (components/targets/aws-regions.ts)`,
    );
    return "";
  }
  if (drRegion === region) {
    ctx.problems.push(
      `${key("drRegion")}: ${show(drRegion)} is aws:region itself; disaster-recovery copies must go to another region`,
    );
  }
  return drRegion;
}

export const awsTarget = {
  cloud: "aws",
  schema,
  providerKeys: ["aws:region"],
  movedKeys: { vpcCidr: "network.cidr" },
  resolve(config, ctx): AwsTarget {
    const region = regionOf(ctx);
    if (region === undefined) {
      return { cloud: "aws", region: "", availabilityZones: [], drRegion: "" };
    }
    certificateOf(config, region, ctx);
    return {
      cloud: "aws",
      region,
      availabilityZones: zonesOf(config, region, ctx),
      hostedZoneId: config.hostedZoneId,
      certificateArn: config.certificateArn,
      drRegion: drRegionOf(config, region, ctx),
    };
  },
} satisfies TargetSpec<"aws", typeof schema, AwsTarget>;
