/**
 * Databases and caches are reachable only from private networks.
 */

import type { ClusterInstanceArgs } from "@pulumi/aws/rds/clusterInstance";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { ClusterArgs as RedshiftClusterArgs } from "@pulumi/aws/redshift/cluster";
import type { FirewallRuleArgs as PgFirewallRuleArgs } from "@pulumi/azure-native/dbforpostgresql/firewallRule";
import type { ServerArgs as PgFlexibleServerArgs } from "@pulumi/azure-native/dbforpostgresql/server";
import type { RedisArgs } from "@pulumi/azure-native/redis/redis";
import type { RedisEnterpriseArgs } from "@pulumi/azure-native/redisenterprise/redisEnterprise";
import type { DatabaseClusterArgs } from "@pulumi/digitalocean/databaseCluster";
import type { DatabaseFirewallArgs } from "@pulumi/digitalocean/databaseFirewall";
import type { DatabaseReplicaArgs } from "@pulumi/digitalocean/databaseReplica";
import type { DatabaseInstanceArgs } from "@pulumi/gcp/sql/databaseInstance";
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import { q, str } from "../../lib/props";
import { checks, isUnknownDuringPreview, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();
const ANYWHERE = ["0.0.0.0/0", "::/0"];
const DO_CLUSTER = "digitalocean:index/databaseCluster:DatabaseCluster";
const DO_DB_FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall";

/**
 * A DigitalOcean managed database accepts connections from the whole internet until a DatabaseFirewall (trusted
 * sources) names who may connect: every cluster in the stack needs one. The engine links a firewall to its cluster by
 * property dependency (real preview/up); without dependencies (offline) each firewall's clusterId is counted instead.
 */
function doTrustedSources(resources: PolicyResource[], report: ReportViolation): void {
  const clusters = resources.filter((r) => r.type === DO_CLUSTER);
  if (clusters.length === 0) return;
  const firewalls = resources.filter((r) => r.type === DO_DB_FIREWALL);
  const linked = new Set(firewalls.flatMap((f) => (f.propertyDependencies?.clusterId ?? []).map((d) => d.urn)));
  const missing =
    "has no digitalocean DatabaseFirewall (trusted sources), so it accepts connections from any address; add one whose rules name the app droplets' tag";
  if (linked.size > 0 || firewalls.length === 0) {
    for (const c of clusters) if (!linked.has(c.urn)) report(`database cluster ${q(c.name)} ${missing}`, c.urn);
    return;
  }
  try {
    const ids = new Set(firewalls.map((f) => str(f.props.clusterId)).filter((id) => id !== undefined));
    if (ids.size < clusters.length) {
      report(
        `${clusters.length} DigitalOcean database clusters but trusted-source firewalls for only ${ids.size}: every cluster needs its own DatabaseFirewall`,
      );
    }
  } catch (e) {
    if (!isUnknownDuringPreview(e)) throw e;
  }
}

export const databaseNotPublic = rule({
  name: "database-not-public",
  concern: "network",
  description:
    "Databases and caches have no public endpoint: no public IP or public network access (Azure PostgreSQL, Azure Cache for Redis, Azure Managed Redis included), no firewall rule open to the whole internet; every DigitalOcean database cluster sits in the stack's VPC and has a trusted-sources firewall.",
  severity: "high",
  enforcementLevel: "advisory",
  remediationSteps:
    "AWS: `publiclyAccessible: false` in private subnets. Cloud SQL: `ipv4Enabled: false` with `privateNetwork` (Private Service Access) and no 0.0.0.0/0 authorized network. Azure PostgreSQL: VNet integration (`network.delegatedSubnetResourceId`) or `publicNetworkAccess: Disabled`, no 0.0.0.0 firewall rules. Azure Redis: `publicNetworkAccess: Disabled` with a private endpoint. DigitalOcean: `privateNetworkUuid` = the stack's VPC and a DatabaseFirewall per cluster whose trusted sources are the app's droplets/tags (never 0.0.0.0/0 or ::/0).",
  checks: [
    on<RdsInstanceArgs>("aws:rds/instance:Instance", (db, ctx) => {
      if (db.publiclyAccessible === true)
        ctx.report("RDS instance has publiclyAccessible: true; set publiclyAccessible: false");
    }),
    on<ClusterInstanceArgs>("aws:rds/clusterInstance:ClusterInstance", (db, ctx) => {
      if (db.publiclyAccessible === true)
        ctx.report("Aurora cluster instance has publiclyAccessible: true; set publiclyAccessible: false");
    }),
    on<RedshiftClusterArgs>("aws:redshift/cluster:Cluster", (c, ctx) => {
      if (c.publiclyAccessible === true)
        ctx.report("Redshift cluster has publiclyAccessible: true; set publiclyAccessible: false");
    }),
    on<DatabaseInstanceArgs>("gcp:sql/databaseInstance:DatabaseInstance", (db, ctx) => {
      const ip = db.settings?.ipConfiguration;
      if (ip?.ipv4Enabled !== false) {
        ctx.report(
          `Cloud SQL instance has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is ${q(ip?.ipv4Enabled ?? "true (default)")}); set ipv4Enabled: false and use privateNetwork`,
        );
      }
      for (const n of ip?.authorizedNetworks ?? []) {
        if (ANYWHERE.includes(n.value)) {
          ctx.report(`Cloud SQL authorized network ${q(n.name ?? n.value)} allows ${n.value}; remove it`);
        }
      }
    }),
    on<PgFlexibleServerArgs>("azure-native:dbforpostgresql:Server", (s, ctx) => {
      const n = s.network;
      const access = n?.publicNetworkAccess ?? (n?.delegatedSubnetResourceId ? "Disabled" : "Enabled");
      if (access !== "Disabled") {
        ctx.report(
          `Azure PostgreSQL server has public network access (network.publicNetworkAccess is ${q(n?.publicNetworkAccess ?? "Enabled (default without VNet integration)")}); use network.delegatedSubnetResourceId or set publicNetworkAccess "Disabled"`,
        );
      }
    }),
    on<PgFirewallRuleArgs>("azure-native:dbforpostgresql:FirewallRule", (r, ctx) => {
      if (r.startIpAddress === "0.0.0.0" && r.endIpAddress === "255.255.255.255") {
        ctx.report(
          "PostgreSQL firewall rule 0.0.0.0–255.255.255.255 opens the server to the whole internet; remove it",
        );
      } else if (r.startIpAddress === "0.0.0.0" && r.endIpAddress === "0.0.0.0") {
        ctx.report(
          "PostgreSQL firewall rule 0.0.0.0–0.0.0.0 allows every Azure service of any tenant; use VNet integration or a private endpoint instead",
        );
      }
    }),
    on<RedisArgs>(["azure-native:redis:Redis", "azure-native:cache:Redis"], (r, ctx) => {
      if (!r.subnetId && r.publicNetworkAccess !== "Disabled") {
        ctx.report(
          `Azure Cache for Redis publicNetworkAccess is ${q(r.publicNetworkAccess ?? "Enabled (default)")}; set "Disabled" and connect through a private endpoint`,
        );
      }
    }),
    on<RedisEnterpriseArgs>("azure-native:redisenterprise:RedisEnterprise", (r, ctx) => {
      if (r.publicNetworkAccess !== "Disabled") {
        ctx.report(
          `Azure Managed Redis publicNetworkAccess is ${q(r.publicNetworkAccess ?? null)}; set "Disabled" and connect through a private endpoint (groupIds ["redisEnterprise"])`,
        );
      }
    }),
    on<DatabaseFirewallArgs>(DO_DB_FIREWALL, (f, ctx) => {
      for (const r of f.rules) {
        if (ANYWHERE.includes(r.value)) {
          ctx.report(
            `database firewall trusts ${r.value}; trust only the app's droplets, tags, Kubernetes cluster or VPC`,
          );
        }
      }
    }),
    on<DatabaseClusterArgs | DatabaseReplicaArgs>(
      [DO_CLUSTER, "digitalocean:index/databaseReplica:DatabaseReplica"],
      (c, ctx) => {
        if (!c.privateNetworkUuid) {
          ctx.report(
            `${ctx.type === DO_CLUSTER ? "database cluster" : "database replica"} has no privateNetworkUuid, so it sits in the region's default VPC beside every other droplet of the account; set privateNetworkUuid to the stack's VPC`,
          );
        }
      },
    ),
  ],
  stack: (resources, _config, report) => doTrustedSources(resources, report),
  stackTypes: [DO_CLUSTER, DO_DB_FIREWALL],
});
