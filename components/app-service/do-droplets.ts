/**
 * The droplets of the DigitalOcean AppService: a fixed Droplet per member where nothing scales (the jobs droplet
 * always; web and worker in dev), a DropletAutoscale pool where the profile autoscales (web and worker in staging
 * and prod). Every droplet and template: the stack's VPC, its SSH keys, the group tag (firewalls, the load balancer
 * and database trusted sources select by it) plus the app tag, the metrics agent (`monitoring` / `withDropletAgent`),
 * no IPv6 (every rule is IPv4), and the group's boot config as userData.
 *
 * A fixed droplet ignores later userData changes (Ansible rolls them out); a pool's template change reaches new
 * members.
 *
 * Secrets (spec fact 1): a fixed droplet's boot config carries none (Ansible pushes the files, loom.service waits for
 * them). A pool member cannot be pushed to, so it fetches its files at boot with a read-only Spaces key scoped to the
 * secrets bucket: the only credential in its userData, which is therefore a Pulumi secret. The redacted rendering
 * (the `bootConfig` output) is built from the same spec with placeholders instead of the key, so it is no secret.
 */
import { Droplet } from "@pulumi/digitalocean/droplet";
import { DropletAutoscale } from "@pulumi/digitalocean/dropletAutoscale";
import { SpacesKey } from "@pulumi/digitalocean/spacesKey";
import * as pulumi from "@pulumi/pulumi";
import { type DoScope, dropletBase } from "../lib/digitalocean";
import { type LogShipping, redactedCloudConfig, renderCloudConfig, type SecretDelivery } from "../lib/do-cloud-init";
import type { DigitalOceanNetworkPlacement } from "../network/digitalocean";
import { type Group, type GroupRun, groupBoot } from "./do-groups";
import type { DropletSlug } from "./do-sizing";

/** Minutes a pool waits between scaling actions. */
export const POOL_COOLDOWN_MINUTES = 5;
/** The worker pool's CPU target (no queue-depth scaling on DigitalOcean: CPU and memory stand in for it). */
export const WORKER_CPU_TARGET = 0.6;
/** The worker pool's memory target (a queue consumer's load shows in memory as much as in CPU). */
export const WORKER_MEMORY_TARGET = 0.8;

export interface GroupPlacement {
  scope: DoScope;
  placement: DigitalOceanNetworkPlacement;
  /** Tags of the group's droplets: group tag, app tag, the stack's tags. */
  tags: string[];
  size: DropletSlug;
}

export interface FixedGroup {
  droplets: Droplet[];
  bootConfig: pulumi.Output<string>;
}

export interface PoolGroup {
  pool: DropletAutoscale;
  key: SpacesKey;
  bootConfig: pulumi.Output<string>;
}

export interface PoolScaling {
  minInstances: number;
  maxInstances: number;
  targetCpuUtilization: number;
  targetMemoryUtilization?: number;
}

/** `count` fixed droplets (`<prefix>-<group>-<n>`) with Ansible-delivered secrets. */
export function fixedGroup(
  p: GroupPlacement,
  group: Group,
  count: number,
  run: pulumi.Output<GroupRun>,
  logs: pulumi.Output<LogShipping>,
): FixedGroup {
  const { scope } = p;
  const delivery: SecretDelivery = { kind: "ansible" };
  const config = pulumi.all([run, logs]).apply(([r, l]) => renderCloudConfig(groupBoot(group, r, delivery, l)));
  const droplets = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    return new Droplet(
      `${scope.name}-${group}-${n}`,
      {
        name: `${scope.prefix}-${group}-${n}`,
        ...dropletBase(scope, p.placement.vpcId),
        size: p.size.slug,
        tags: p.tags,
        backups: false,
        gracefulShutdown: true,
        userData: config,
      },
      // userData only boots a droplet: a changed one would replace it (new addresses — the jobs droplet's is in
      // every other group's boot config — and, in dev, a lost ACME volume). Later changes reach fixed droplets
      // through Ansible (ansible/playbooks/provision.yml, deploy.yml), which renders the same files.
      scope.opts(false, { ignoreChanges: ["userData"] }),
    );
  });
  return { droplets, bootConfig: config };
}

/** An autoscale pool with its read-only key on the secrets bucket; the userData is a Pulumi secret. */
export function poolGroup(
  p: GroupPlacement,
  group: Group,
  scaling: PoolScaling,
  run: pulumi.Output<GroupRun>,
  logs: pulumi.Output<LogShipping>,
): PoolGroup {
  const { scope } = p;
  const secrets = scope.platform.secrets;
  const key = new SpacesKey(
    `${scope.name}-${group}-secrets-read`,
    { name: `${scope.prefix}-${group}-secrets-read`, grants: [{ bucket: secrets.bucket, permission: "read" }] },
    scope.opts(),
  );
  const fetch = (accessKey: string, secretKey: string, bucket: string): SecretDelivery => ({
    kind: "fetch",
    bucket,
    region: secrets.region,
    accessKey,
    secretKey,
  });
  const userData = pulumi
    .all([run, logs, key.accessKey, key.secretKey, secrets.bucket])
    .apply(([r, l, ak, sk, bucket]) => renderCloudConfig(groupBoot(group, r, fetch(ak, sk, bucket), l)));
  const bootConfig = pulumi
    .all([run, logs, secrets.bucket])
    .apply(([r, l, bucket]) => redactedCloudConfig(groupBoot(group, r, fetch("[redacted]", "[redacted]", bucket), l)));
  const pool = new DropletAutoscale(
    `${scope.name}-${group}`,
    {
      name: `${scope.prefix}-${group}`,
      config: {
        minInstances: scaling.minInstances,
        maxInstances: scaling.maxInstances,
        targetCpuUtilization: scaling.targetCpuUtilization,
        ...(scaling.targetMemoryUtilization !== undefined
          ? { targetMemoryUtilization: scaling.targetMemoryUtilization }
          : {}),
        cooldownMinutes: POOL_COOLDOWN_MINUTES,
      },
      dropletTemplate: {
        size: p.size.slug,
        region: scope.region,
        image: scope.platform.dropletImage,
        sshKeys: scope.platform.sshKeys,
        vpcUuid: p.placement.vpcId,
        tags: p.tags,
        withDropletAgent: true,
        ipv6: false,
        projectId: scope.platform.projectId,
        userData: pulumi.secret(userData),
      },
    },
    scope.opts(),
  );
  return { pool, key, bootConfig };
}
