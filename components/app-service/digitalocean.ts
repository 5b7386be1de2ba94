/**
 * AppService on DigitalOcean: droplets running a generated, hardened compose project from cloud-init
 * (lib/do-compose.ts, lib/do-cloud-init.ts), by group (do-groups.ts):
 * - web: the `web` container behind the Traefik edge proxy (do-edge-proxy.ts: HSTS, metrics path 404, per-client
 *   rate limit with `waf`, real client address from PROXY protocol); worker: `worker`; jobs (one fixed droplet in
 *   every stack): the OpenTelemetry collector, the log aggregator (Vector → the logs bucket) and `migrate`
 *   (compose profile, run by `migrateCommand`).
 * - dev (no autoscaling, no load balancer): fixed web and worker droplets; web terminates TLS itself (ACME HTTP-01)
 *   and the domain's A record points at it. staging/prod: DropletAutoscale pools for web and worker behind a load
 *   balancer (do-edge.ts: Let's Encrypt, STRONG ciphers, redirect, PROXY protocol).
 * - Secrets (spec fact 1): files under /etc/loom/secrets, pushed by Ansible on fixed droplets, fetched at boot by
 *   pool members with a read-only key on the secrets bucket (do-droplets.ts); env files assembled from them.
 *   `bootConfig` publishes every group's boot config with credentials redacted; `hosts` feeds the Ansible inventory.
 * Sizes (do-sizing.ts): the smallest droplet holding a group's compose limits plus the host's share.
 */
import * as pulumi from "@pulumi/pulumi";
import { handleFor, invalid, requireWholeDays } from "../lib/component";
import { DO_PORTS, type DoScope, doScope, inProject } from "../lib/digitalocean";
import { renderCompose, SECRETS_DIR } from "../lib/do-compose";
import { imageRefProblem } from "../lib/image-ref";
import type { DigitalOceanNetworkPlacement } from "../network/digitalocean";
import type { Redaction } from "../observability/redaction";
import type { AppServiceOutputs, HostGroups, ResolvedAppServiceArgs } from ".";
import {
  type FixedGroup,
  fixedGroup,
  type GroupPlacement,
  type PoolGroup,
  poolGroup,
  WORKER_CPU_TARGET,
  WORKER_MEMORY_TARGET,
} from "./do-droplets";
import { dnsRecord, loadBalancer } from "./do-edge";
import { type Group, type GroupInputs, type GroupRun, groupRun, groupSize, LOGS_KEY_FILES } from "./do-groups";
import type { DropletSlug } from "./do-sizing";
import { databaseInputs, logsStore, workloadSecretKeys } from "./do-stores";

/** What Observability on DigitalOcean builds alerts, uptime checks and its monitor droplet from. */
export interface DigitalOceanAppMonitoring {
  cloud: "digitalocean";
  /** The load balancer's id (uuid); none without one (dev: the web droplet terminates TLS). */
  loadBalancerId?: pulumi.Output<string>;
  /** Droplet-group tags (pool members carry them too): `v1/insights/droplet/*` policies select by them. */
  tags: { web: string; worker: string; jobs: string; monitor: string };
  /** Ids of the fixed droplets (dev's web and worker, the jobs droplet). */
  dropletIds: pulumi.Output<string>[];
  /** The public host the uptime check calls (the domain) and the health path. */
  publicHost: string;
  healthPath: string;
  /** The VPC the monitor droplet joins. */
  vpcId: pulumi.Output<string>;
  /** The jobs droplet's collector: Prometheus scrapes `http://<host>:<metricsPort>/metrics` (lib/digitalocean.ts DO_PORTS). */
  collectorHost: pulumi.Output<string>;
}

/** Where other DigitalOcean droplets (backup, monitor) send their logs: the jobs droplet's aggregator. */
export interface DigitalOceanAppRuntime {
  cloud: "digitalocean";
  /** The jobs droplet's private address (the log aggregator and the OTLP collector listen there). */
  collectorHost: pulumi.Output<string>;
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  const placement = handleFor("network.placement", args.network.placement, "digitalocean");
  const sizes = checkedSizes(args, placement);
  const scope = doScope(parent, name, args, "AppService");
  const logs = logsStore(scope, args);
  const inputs = groupInputs(scope, args, placement, logs.bucket.name);
  const at = (group: Group): GroupPlacement => ({
    scope,
    placement,
    tags: [placement.tags[group], placement.tags.app, ...scope.tags],
    size: sizes[group],
  });

  const jobsRun = runOf("jobs", inputs);
  const jobs = fixedGroup(
    at("jobs"),
    "jobs",
    1,
    jobsRun,
    aggregateInto(logs.bucket.name, scope.region, args.redaction),
  );
  const collectorHost = (jobs.droplets[0] as FixedGroup["droplets"][number]).ipv4AddressPrivate;
  const appInputs = pulumi
    .all([inputs, collectorHost])
    .apply(([i, host]) => ({ ...i, collectorEndpoint: `http://${host}:${DO_PORTS.otlpHttp}` }));
  const forward = collectorHost.apply((address) => ({ kind: "forward" as const, address, redaction: args.redaction }));
  const runs = { web: runOf("web", appInputs), worker: runOf("worker", appInputs), jobs: jobsRun };
  const groups = {
    web: tierGroup(args, at("web"), "web", runs.web, forward),
    worker: tierGroup(args, at("worker"), "worker", runs.worker, forward),
    jobs,
  };

  const front = args.loadBalancer
    ? loadBalancer({
        scope,
        placement,
        domain: args.domain,
        healthPath: args.app.healthPath,
        ingressCidrs: args.ingressCidrs,
        webMaxReplicas: args.web.maxReplicas,
      })
    : undefined;
  const webDroplet = "droplets" in groups.web ? groups.web.droplets[0] : undefined;
  const edgeIp = front ? front.loadBalancer.ip : (webDroplet as NonNullable<typeof webDroplet>).ipv4Address;
  dnsRecord(scope, args.domain, edgeIp);
  const fixed = Object.values(groups).flatMap((g) => ("droplets" in g ? g.droplets : []));
  inProject(scope, [
    ...fixed.map((d) => d.dropletUrn),
    ...(front ? [front.loadBalancer.loadBalancerUrn] : []),
    logs.bucket.bucketUrn,
  ]);
  return {
    url: pulumi.output(`https://${args.domain}`),
    edgeHostname: edgeIp,
    monitoring: {
      cloud: "digitalocean",
      ...(front ? { loadBalancerId: front.loadBalancer.id } : {}),
      tags: pick(placement.tags, ["web", "worker", "jobs", "monitor"]),
      dropletIds: fixed.map((d) => d.id),
      publicHost: args.domain,
      healthPath: args.app.healthPath,
      vpcId: placement.vpcId,
      collectorHost,
    },
    migrateCommand: pulumi.output(
      `ansible-playbook -i ansible/inventory/${args.context.stack}.yml ansible/playbooks/migrate.yml`,
    ),
    runtime: { cloud: "digitalocean", collectorHost },
    bootConfig: pulumi
      .all([groups.web.bootConfig, groups.worker.bootConfig, jobs.bootConfig])
      .apply(([w, k, j]): Record<string, string> => ({ web: w, worker: k, jobs: j })),
    hosts: hostGroups(placement, groups, runs),
  };
}

/** The jobs droplet's Vector: every droplet's logs into the logs bucket, with the key files Ansible pushes. */
function aggregateInto(bucket: pulumi.Output<string>, region: string, redaction: Redaction) {
  return bucket.apply((name) => ({
    kind: "aggregate" as const,
    bucket: name,
    region,
    redaction,
    accessKeyFile: `${SECRETS_DIR}/${LOGS_KEY_FILES.accessKey}`,
    secretKeyFile: `${SECRETS_DIR}/${LOGS_KEY_FILES.secretKey}`,
  }));
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

/** web or worker: a pool with autoscaling, else `minReplicas` fixed droplets. */
function tierGroup(
  args: ResolvedAppServiceArgs,
  p: GroupPlacement,
  tier: "web" | "worker",
  run: pulumi.Output<GroupRun>,
  logs: pulumi.Output<{ kind: "forward"; address: string }>,
): FixedGroup | PoolGroup {
  const t = args[tier];
  if (!args.autoscaling) return fixedGroup(p, tier, t.minReplicas, run, logs);
  return poolGroup(
    p,
    tier,
    {
      minInstances: t.minReplicas,
      maxInstances: t.maxReplicas,
      targetCpuUtilization: tier === "web" ? args.web.targetCpuPercent / 100 : WORKER_CPU_TARGET,
      ...(tier === "worker" ? { targetMemoryUtilization: WORKER_MEMORY_TARGET } : {}),
    },
    run,
    logs,
  );
}

const runOf = (group: Group, inputs: pulumi.Output<GroupInputs>) => inputs.apply((i) => groupRun(group, i));

/** The plain inputs every group's compose is built from (env, secret keys, CA bundle) — resolved once. */
function groupInputs(
  scope: DoScope,
  args: ResolvedAppServiceArgs,
  placement: DigitalOceanNetworkPlacement,
  logsBucket: pulumi.Output<string>,
): pulumi.Output<GroupInputs> {
  const secrets = workloadSecretKeys(scope, args);
  return pulumi
    .all([pulumi.output(args.env), secrets, pulumi.output(args.serverCas ?? ""), logsBucket, databaseInputs(args)])
    .apply(([env, s, cas, bucket, db]) => {
      const base = staticInputs(args, placement);
      return {
        ...base,
        env,
        secrets: s,
        ...db,
        serverCas: cas !== "",
        ...(cas ? { caPem: cas } : {}),
        traces: { ...base.traces, bucket },
      };
    });
}

/** The inputs that need no resource (sizes and the early compose check use them). */
function staticInputs(args: ResolvedAppServiceArgs, placement: DigitalOceanNetworkPlacement): GroupInputs {
  return {
    image: args.image,
    app: args.app,
    web: args.web,
    worker: args.worker,
    migrateCommand: args.migrateCommand,
    environment: args.context.environment,
    traceSampleRatio: args.traceSampleRatio,
    env: {},
    secrets: { web: {}, worker: {}, migrate: {} },
    collectorEndpoint: `http://127.0.0.1:${DO_PORTS.otlpHttp}`,
    serverCas: args.serverCas !== undefined,
    traces: { bucket: "logs", region: placement.region, redaction: args.redaction },
    edge: {
      domain: args.domain,
      behindLoadBalancer: args.loadBalancer,
      vpcCidr: placement.vpcCidr,
      upstream: "web",
      metricsPath: args.app.metricsPath,
      ...(args.waf ? { rateLimitPer5Min: args.rateLimitPer5Min } : {}),
    },
  };
}

/** Every check that needs no resource, then the droplet size of each group. */
function checkedSizes(
  args: ResolvedAppServiceArgs,
  placement: DigitalOceanNetworkPlacement,
): Record<Group, DropletSlug> {
  const problem = imageRefProblem(args.image);
  if (problem) invalid("image", problem);
  requireWholeDays("logRetentionDays", args.logRetentionDays, 1, 3650, "on DigitalOcean");
  if (!args.loadBalancer && args.autoscaling) {
    invalid(
      "autoscaling",
      "needs loadBalancer on DigitalOcean: autoscale pool members come and go, only a load balancer follows them by tag",
    );
  }
  if (!args.loadBalancer && args.web.minReplicas > 1) {
    invalid(
      "web.minReplicas",
      `is ${args.web.minReplicas}: more than one web droplet needs loadBalancer (without it the domain points at one droplet)`,
    );
  }
  const s = staticInputs(args, placement);
  const out = {} as Record<Group, DropletSlug>;
  for (const group of ["web", "worker", "jobs"] as const) {
    const run = groupRun(group, s);
    renderCompose(run.compose);
    out[group] = groupSize(group, run);
  }
  return out;
}

/** The Ansible inventory's source: fixed droplets by private address, pools by tag only. */
function hostGroups(
  placement: DigitalOceanNetworkPlacement,
  groups: Record<Group, FixedGroup | PoolGroup>,
  runs: Record<Group, pulumi.Output<GroupRun>>,
): pulumi.Output<HostGroups> {
  const entries = (["web", "worker", "jobs"] as const).map((group) => {
    const g = groups[group];
    const droplets = "droplets" in g ? g.droplets : [];
    const hosts = pulumi.all(droplets.map((d) => pulumi.all([d.name, d.ipv4AddressPrivate])));
    return pulumi.all([hosts, runs[group]]).apply(([list, run]) => [
      group,
      {
        tag: placement.tags[group],
        hosts: list.map(([n, ip]) => ({ name: n, privateIp: ip })),
        secretKeys: run.secretKeys,
      },
    ]);
  });
  return pulumi.all(entries).apply((e) => Object.fromEntries(e) as HostGroups);
}
