/**
 * Platform on DigitalOcean: what every DigitalOcean component shares, resolved or built once.
 *
 * - `region`, `drRegion`, `sshKeys`, `dropletImage`, `adminCidrs`: from the target (`loom:digitalocean`).
 * - `project`: the stack's DigitalOcean project (`environment` Development / Staging / Production). Each component
 *   attaches what it creates with `inProject` (lib/digitalocean.ts: one `ProjectResources` per component).
 * - `accountSuffix`: 6 characters from the account's uuid (one lookup). Spaces bucket names are global across all
 *   DigitalOcean customers, so every bucket name ends with it (lib/digitalocean.ts `bucketName`).
 * - `secrets`: the stack's secret store. DigitalOcean has no secret manager and no instance identity, so the
 *   closest real thing is a private, versioned Spaces bucket that only this stack's scoped keys can read: each
 *   component writes its credentials there as objects (lib/digitalocean.ts `storeSecret`), the droplets read them at
 *   boot with a read-only key (autoscale pools) or Ansible pushes them (fixed droplets) into 0400 files that
 *   compose mounts as `secrets:` (docs/digitalocean.md#secrets). Spaces encrypts objects at rest with AES-256 under
 *   DigitalOcean-managed keys; there is no customer-managed key.
 */
import { getAccountOutput } from "@pulumi/digitalocean/getAccount";
import { Project } from "@pulumi/digitalocean/project";
import { SpacesBucket } from "@pulumi/digitalocean/spacesBucket";
import type * as pulumi from "@pulumi/pulumi";
import { prefix as namePrefix, stableHash } from "../naming";
import type { DigitalOceanTarget } from "../targets/digitalocean";
import type { ResolvedPlatformArgs } from ".";

/** DigitalOcean project environments, by Loom environment. */
export const DO_PROJECT_ENVIRONMENTS: Readonly<Record<string, string>> = {
  dev: "Development",
  staging: "Staging",
  prod: "Production",
};

/** Days a replaced secret object version is kept (a rollback window for a rotated credential). */
export const SECRET_VERSION_DAYS = 30;

export interface DigitalOceanPlatform {
  cloud: "digitalocean";
  target: DigitalOceanTarget;
  region: string;
  drRegion: string;
  /** SSH keys (fingerprints or ids) on every droplet and pool template. */
  sshKeys: string[];
  /** Ranges allowed to SSH besides the VPC. */
  adminCidrs: string[];
  dropletImage: string;
  /** The stack has disaster recovery (backups and DR on): copies go to `drRegion`. */
  disasterRecovery: boolean;
  /** The stack's DigitalOcean project (id); components attach their resources with `inProject`. */
  projectId: pulumi.Output<string>;
  /** The suffix every Spaces bucket name ends with (from the account uuid; bucket names are global). */
  accountSuffix: pulumi.Output<string>;
  /** The stack's secret store: a private, versioned Spaces bucket in `region`. */
  secrets: { bucket: pulumi.Output<string>; region: string; endpoint: string };
}

/** `https://<region>.digitaloceanspaces.com`: the S3 endpoint of a region's Spaces. */
export const spacesEndpoint = (region: string) => `https://${region}.digitaloceanspaces.com`;

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedPlatformArgs<"digitalocean">,
): DigitalOceanPlatform {
  const { target, context } = args;
  const prefix = namePrefix(context.project, context.stack);
  const project = new Project(
    `${name}-project`,
    {
      name: prefix,
      description: `Loom ${context.environment} (stack ${context.stack}), managed by Pulumi`,
      purpose: "Web Application",
      environment: DO_PROJECT_ENVIRONMENTS[context.environment] ?? "Development",
    },
    { parent, ...(args.protect ? { protect: true } : {}) },
  );
  const accountSuffix = getAccountOutput({ parent }).apply((a) => stableHash(a.uuid).padStart(6, "0").slice(0, 6));
  const bucket = new SpacesBucket(
    `${name}-secrets`,
    {
      name: accountSuffix.apply((s) => `${prefix}-secrets-${s}`),
      region: target.region,
      acl: "private",
      versioning: { enabled: true },
      lifecycleRules: [
        { id: "old-secret-versions", enabled: true, noncurrentVersionExpiration: { days: SECRET_VERSION_DAYS } },
      ],
      forceDestroy: false,
    },
    { parent, ...(args.protect ? { protect: true } : {}) },
  );
  return {
    cloud: "digitalocean",
    target,
    region: target.region,
    drRegion: target.drRegion,
    sshKeys: target.sshKeys,
    adminCidrs: target.adminCidrs,
    dropletImage: target.dropletImage,
    disasterRecovery: args.disasterRecovery,
    projectId: project.id,
    accountSuffix,
    secrets: { bucket: bucket.name, region: target.region, endpoint: spacesEndpoint(target.region) },
  };
}
