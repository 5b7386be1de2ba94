/**
 * Cache on DigitalOcean: a Managed Valkey cluster in the stack's VPC (DigitalOcean moved Managed Caching from Redis
 * to Valkey in 2025).
 *
 * Guarantees: `engine: "valkey"` (version 8) in the stack's VPC (`privateNetworkUuid`) and project; the plan's size
 * from the tier; `nodes` nodes (standbys fail over automatically; prod has 2); `noeviction` on the cluster and in
 * its config, because the review-job queue lives here; TLS required (`ssl: true`, 25061 only); RDB persistence
 * with frequent snapshots, never off; a weekly maintenance window an hour after PostgreSQL's; its own trusted
 * sources = the app droplets' tag only. The cluster's generated password goes to the stack's secret store
 * (`redis-password`), never into the plan; `serverCa` is the cluster's CA (PEM). Pulumi-protected in prod:
 * DigitalOcean has no deletion protection of its own.
 *
 * Not settable on DigitalOcean: snapshot retention (snapshotRetentionDays; Valkey persists with DigitalOcean's own
 * snapshots) and the slow log's retention (logRetentionDays).
 */
import { DatabaseCluster } from "@pulumi/digitalocean/databaseCluster";
import { DatabaseFirewall } from "@pulumi/digitalocean/databaseFirewall";
import { DatabaseValkeyConfig } from "@pulumi/digitalocean/databaseValkeyConfig";
import { getDatabaseCaOutput } from "@pulumi/digitalocean/getDatabaseCa";
import * as pulumi from "@pulumi/pulumi";
import { handleFor, orInvalid } from "../lib/component";
import { DO_PORTS, doScope, storeSecret } from "../lib/digitalocean";
import type { CacheOutputs, ResolvedCacheArgs } from ".";
import {
  EVICTION_POLICY,
  VALKEY_CONFIG,
  VALKEY_MAINTENANCE_WINDOW,
  VALKEY_VERSION,
  valkeyNodeCount,
  valkeySlug,
} from "./do-sizing";

/** What Observability on DigitalOcean builds cache alerts from. */
export interface DigitalOceanCacheMonitoring {
  cloud: "digitalocean";
  /** The Valkey cluster's id (uuid). */
  clusterId: pulumi.Output<string>;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedCacheArgs): CacheOutputs {
  const placement = handleFor("network.placement", args.network.placement, "digitalocean");
  const scope = doScope(parent, name, args, "cache");
  const cluster = new DatabaseCluster(
    `${name}-cache`,
    {
      name: `${scope.prefix}-cache`,
      engine: "valkey",
      version: VALKEY_VERSION,
      size: orInvalid("tier", () => valkeySlug(args.tier)),
      region: scope.region,
      nodeCount: orInvalid("nodes", () => valkeyNodeCount(args.nodes)),
      privateNetworkUuid: placement.vpcId,
      projectId: scope.platform.projectId,
      evictionPolicy: EVICTION_POLICY,
      maintenanceWindows: [{ ...VALKEY_MAINTENANCE_WINDOW }],
      tags: [args.network.tiers.cache, ...scope.tags],
    },
    scope.opts(true),
  );
  new DatabaseFirewall(
    `${name}-cache-firewall`,
    // Trusted sources: the droplets carrying the app tag, as on the PostgreSQL cluster; nothing by address.
    { clusterId: cluster.id, rules: [{ type: "tag", value: placement.tags.app }] },
    scope.opts(),
  );
  new DatabaseValkeyConfig(`${name}-cache-config`, { clusterId: cluster.id, ...VALKEY_CONFIG }, scope.opts());
  return {
    // The VPC (`private-…`) hostname; Valkey listens with TLS on 25061 only.
    endpoint: cluster.privateHost,
    port: pulumi.output<number>(DO_PORTS.valkey),
    tls: true,
    authToken: storeSecret(scope, `${name}-redis-password`, "redis-password", cluster.password),
    monitoring: { cloud: "digitalocean", clusterId: cluster.id },
    // DigitalOcean's own CA, which no system trust store has: the app verifies the server against it.
    serverCa: getDatabaseCaOutput({ clusterId: cluster.id }, { parent }).certificate,
  };
}
