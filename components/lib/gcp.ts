/**
 * GCP building blocks shared by the GCP files of every component: the per-component scope (`gcpScope`: prefix,
 * labels, options, project, region), label sanitising (GCP labels are lower-case `[a-z0-9_-]`, ≤ 63 characters),
 * and customer-managed keys on the platform's key ring with 90-day rotation. Loaded only by GCP files, so other
 * stacks never load @pulumi/gcp.
 */
import { CryptoKey } from "@pulumi/gcp/kms/cryptoKey";
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms/cryptoKeyIAMMember";
import type * as pulumi from "@pulumi/pulumi";
import { prefix as namePrefix } from "../naming";
import type { GcpPlatform } from "../platform/gcp";
import type { Tags } from "../tags";
import { childOptions, handleFor, type ResolvedBase, tagsFor } from "./component";

/** Cloud SQL's own PostgreSQL port: direct sessions (migrations, pg_dump). */
export const CLOUD_SQL_DIRECT_PORT = 5432;

/** 90 days: the longest rotation CIS GCP 1.10 and loom-guard's kms-key-rotation allow. */
export const KMS_ROTATION_PERIOD = "7776000s";

/** GCP label keys and values: lower-case letters, digits, '_' and '-', at most 63; keys start with a letter. */
export function gcpLabels(tags: Tags): Record<string, string> {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "_")
      .slice(0, 63);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    let key = clean(k);
    if (!/^[a-z]/.test(key)) key = `k${key}`.slice(0, 63);
    out[key] = clean(v);
  }
  return out;
}

/** What every GCP component file starts from: one call instead of a repeated preamble. */
export interface GcpScope {
  parent: pulumi.Resource;
  /** The component's logical name (children are `${name}-…`). */
  name: string;
  platform: GcpPlatform;
  /** `<project>-<stack>`: the start of every physical name. */
  prefix: string;
  project: string;
  region: string;
  labels: Record<string, string>;
  /** Options for a child; `stateful` children are protected when the component is. */
  opts(stateful?: boolean, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
}

export function gcpScope(parent: pulumi.Resource, name: string, args: ResolvedBase, component: string): GcpScope {
  const platform = handleFor("platform", args.platform, "gcp");
  return {
    parent,
    name,
    platform,
    prefix: namePrefix(args.context.project, args.context.stack),
    project: platform.project,
    region: platform.region,
    labels: gcpLabels(tagsFor(args, component)),
    opts: (stateful = false, extra = {}) =>
      childOptions(parent, args, stateful, { ...extra, dependsOn: mergeDeps(platform.apis, extra.dependsOn) }),
  };
}

function mergeDeps(
  apis: pulumi.Resource[],
  extra: pulumi.CustomResourceOptions["dependsOn"],
): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  if (extra === undefined) return apis;
  return [...apis, ...(Array.isArray(extra) ? extra : [extra as pulumi.Input<pulumi.Resource>])];
}

/**
 * A customer-managed key on the platform's key ring (or the DR key ring), 90-day rotation, protected in prod like
 * every key (a destroyed key version makes its data unreadable), with `cryptoKeyEncrypterDecrypter` for each
 * service agent that encrypts with it.
 */
export function cmekKey(
  scope: GcpScope,
  name: string,
  agents: pulumi.Input<string>[],
  opts: { dr?: boolean } = {},
): CryptoKey {
  const ring = opts.dr ? scope.platform.drKeyRing : scope.platform.keyRing;
  if (ring === undefined) throw new Error(`${name}: the platform has no DR key ring (disaster recovery is off)`);
  const key = new CryptoKey(
    name,
    { keyRing: ring.id, rotationPeriod: KMS_ROTATION_PERIOD, purpose: "ENCRYPT_DECRYPT", labels: scope.labels },
    scope.opts(true),
  );
  agents.forEach((member, i) => {
    new CryptoKeyIAMMember(
      `${name}-agent-${i}`,
      { cryptoKeyId: key.id, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member },
      scope.opts(),
    );
  });
  return key;
}
