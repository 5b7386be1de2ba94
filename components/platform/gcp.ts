/**
 * Platform on GCP: what every GCP component shares, resolved or built once.
 *
 * - `project`, `region`: from the target (`gcp:project`, `gcp:region`); the default provider reads the same keys.
 * - `projectNumber`: looked up once (service-agent e-mails are `service-<number>@gcp-sa-….iam.gserviceaccount.com`).
 * - `apis`: the project services the stack uses, enabled here (never disabled on destroy: another stack in the
 *   project may use them). Every GCP child depends on them through `gcpScope().opts`.
 * - `keyRing` (and `drKeyRing` in `drRegion` with disaster recovery): key rings can never be deleted, so they are
 *   auto-named (unique per stack) and protected in prod; each component puts its own keys on them (lib/gcp.ts).
 */

import { KeyRing } from "@pulumi/gcp/kms/keyRing";
import { getProjectOutput } from "@pulumi/gcp/organizations/getProject";
import { Service } from "@pulumi/gcp/projects/service";
import type * as pulumi from "@pulumi/pulumi";
import type { GcpTarget } from "../targets/gcp";
import type { ResolvedPlatformArgs } from ".";

/** The APIs a GCP stack calls, by short name. */
export const GCP_APIS = {
  compute: "compute.googleapis.com",
  servicenetworking: "servicenetworking.googleapis.com",
  networkconnectivity: "networkconnectivity.googleapis.com",
  sqladmin: "sqladmin.googleapis.com",
  redis: "redis.googleapis.com",
  run: "run.googleapis.com",
  secretmanager: "secretmanager.googleapis.com",
  cloudkms: "cloudkms.googleapis.com",
  iam: "iam.googleapis.com",
  logging: "logging.googleapis.com",
  monitoring: "monitoring.googleapis.com",
  cloudtrace: "cloudtrace.googleapis.com",
  // The OTLP endpoint (https://telemetry.googleapis.com) the workloads export traces to.
  telemetry: "telemetry.googleapis.com",
  cloudscheduler: "cloudscheduler.googleapis.com",
  backupdr: "backupdr.googleapis.com",
  storage: "storage.googleapis.com",
  dns: "dns.googleapis.com",
} as const;
export type GcpApi = keyof typeof GCP_APIS;

export interface GcpPlatform {
  cloud: "gcp";
  target: GcpTarget;
  project: string;
  region: string;
  /** The project's number (service-agent e-mails), one lookup per stack. */
  projectNumber: pulumi.Output<string>;
  /** The enabled project services; every GCP child depends on them. */
  apis: pulumi.Resource[];
  /** The stack's key ring in `region` (customer-managed keys of Cloud SQL, Memorystore, buckets, secrets). */
  keyRing: KeyRing;
  /** A key ring in `target.drRegion`; only with disaster recovery (the off-region copies' keys). */
  drKeyRing?: KeyRing;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedPlatformArgs<"gcp">): GcpPlatform {
  const { target } = args;
  const apis = Object.entries(GCP_APIS).map(
    ([short, service]) =>
      new Service(
        `${name}-api-${short}`,
        { project: target.project, service, disableOnDestroy: false, disableDependentServices: false },
        { parent },
      ),
  );
  const ringOpts = (): pulumi.CustomResourceOptions => ({
    parent,
    dependsOn: apis,
    ...(args.protect ? { protect: true } : {}),
  });
  return {
    cloud: "gcp",
    target,
    project: target.project,
    region: target.region,
    projectNumber: getProjectOutput({ projectId: target.project }, { parent }).apply((p) => p.number ?? ""),
    apis,
    keyRing: new KeyRing(`${name}-keys`, { project: target.project, location: target.region }, ringOpts()),
    ...(args.disasterRecovery
      ? {
          drKeyRing: new KeyRing(`${name}-dr-keys`, { project: target.project, location: target.drRegion }, ringOpts()),
        }
      : {}),
  };
}
