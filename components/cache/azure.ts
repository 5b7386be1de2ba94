/**
 * Cache on Azure: Azure Managed Redis (`redisenterprise` cluster + its one database), reached only through a
 * private endpoint in the network's endpoints subnet, registered in `privatelink.redis.azure.net`. Public network
 * access is disabled; the cluster accepts TLS 1.2+ only and the database speaks TLS only (`Encrypted`) on 10000.
 * SKU, replica and persistence come from azure-sizing.ts (Balanced_B0 dev, B1 staging, B5 prod).
 *
 * - Queue-safe: `NoEviction` (the service's default VolatileLRU would silently drop queued review jobs when memory
 *   runs out); a full cache refuses writes instead, as on the other clouds.
 * - Clustering: `NoCluster` — one endpoint behaving like a single Redis, so every command (multi-key ones and Lua
 *   scripts over keys in different slots included) works with the app's plain, non-cluster client. Sharded
 *   policies (OSSCluster needs a cluster-aware client; EnterpriseCluster refuses cross-slot multi-key commands) and
 *   a policy other than NoCluster can only be changed by recreating the database. NoCluster is offered on the
 *   SKUs azure-sizing.ts maps to (up to 25 GB).
 * - Keys: access-key authentication stays Enabled because KEDA's redis scaler (worker autoscaling) and the app's
 *   REDIS_PASSWORD need a password; Entra-only auth (Disabled + AccessPolicyAssignment) would leave KEDA without
 *   one. The primary key is read with listDatabaseKeys at deploy time and lives only in the stack's Key Vault
 *   (`<prefix>-cache-access-key`), consumed by Key Vault reference; regenerating the key is followed by a
 *   `pulumi up`, which copies the new one.
 * - Trust: the server certificate chains to a public root (DigiCert/Microsoft) that system trust stores carry, so
 *   no CA bundle is handed to the app (`serverCa` stays undefined).
 * - At rest: encrypted by the service with Microsoft-managed keys (no customer-managed key here).
 * - Diagnostics: the cluster's metrics and the database's connection logs to the stack's workspace.
 *
 * Not applied: `logRetentionDays` (the slow log stays on the server; what is exported is kept for the workspace's
 * retention, the platform's setting).
 */

import { Secret } from "@pulumi/azure-native/keyvault/secret";
import { PrivateDnsZoneGroup } from "@pulumi/azure-native/network/privateDnsZoneGroup";
import { PrivateEndpoint } from "@pulumi/azure-native/network/privateEndpoint";
import { Database } from "@pulumi/azure-native/redisenterprise/database";
import { listDatabaseKeysOutput } from "@pulumi/azure-native/redisenterprise/listDatabaseKeys";
import { RedisEnterprise } from "@pulumi/azure-native/redisenterprise/redisEnterprise";
import * as pulumi from "@pulumi/pulumi";
import { type AzureScope, azureScope, diagnostics } from "../lib/azure";
import { handleFor } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import * as naming from "../naming";
import type { AzureNetworkPlacement } from "../network/azure";
import type { CacheOutputs, ResolvedCacheArgs } from ".";
import {
  AMR_DATABASE_NAME,
  AMR_PORT,
  type AmrPersistence,
  type AmrSku,
  amrHighAvailability,
  amrPersistence,
  amrSku,
} from "./azure-sizing";

export const MINIMUM_TLS_VERSION = "1.2";
export const CLIENT_PROTOCOL = "Encrypted";
export const CLUSTERING_POLICY = "NoCluster";
export const EVICTION_POLICY = "NoEviction";
/** The private endpoint's sub-resource for Managed Redis. */
export const PRIVATE_LINK_GROUP = "redisEnterprise";

/** What Observability on Azure builds Azure Managed Redis alerts from. */
export interface AzureCacheMonitoring {
  cloud: "azure";
  /** The redisenterprise cluster's ARM id (metric alert scope). */
  clusterId: pulumi.Output<string>;
  /** The database's ARM id (its connection logs). Added by the cache: optional in the contract. */
  databaseId?: pulumi.Output<string>;
}

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedCacheArgs): CacheOutputs {
  const placement = handleFor("network.placement", args.network.placement, "azure");
  // Bad sizes fail before anything is registered.
  const layout = {
    sku: amrSku(args),
    highAvailability: amrHighAvailability(args),
    persistence: amrPersistence(args.snapshotRetentionDays, args.highAvailability),
  };
  if (args.snapshotRetentionDays > 1) {
    // Never silently less than asked: the profile promises days of snapshots; Managed Redis keeps the latest file.
    pulumi.log.warn(
      `cache snapshotRetentionDays ${args.snapshotRetentionDays}: Azure Managed Redis keeps only its latest persistence file (${layout.persistence.aofEnabled ? "AOF, written every second" : "RDB, hourly"}), not ${args.snapshotRetentionDays} days of snapshots; older points in time come from the database, not the cache`,
      parent,
    );
  }
  const s = azureScope(parent, name, args, "cache");
  const cluster = redisCluster(s, layout);
  const database = redisDatabase(s, cluster, layout.persistence);
  privateAccess(s, placement, cluster);
  diagnostics(s, `${s.name}-cache-diagnostics`, cluster.id, { logs: false });
  diagnostics(s, `${s.name}-cache-db-diagnostics`, database.id, { metrics: false });
  return {
    endpoint: cluster.hostName,
    port: database.port.apply((p) => p ?? AMR_PORT),
    tls: true,
    authToken: accessKeySecret(s, cluster, database),
    monitoring: { cloud: "azure", clusterId: cluster.id, databaseId: database.id },
  };
}

interface Layout {
  sku: AmrSku;
  highAvailability: "Enabled" | "Disabled";
  persistence: AmrPersistence;
}

function redisCluster(s: AzureScope, layout: Layout): RedisEnterprise {
  return new RedisEnterprise(
    `${s.name}-cache`,
    {
      clusterName: naming.fit(`${s.prefix}-cache`, 60),
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      sku: { name: layout.sku },
      highAvailability: layout.highAvailability,
      minimumTlsVersion: MINIMUM_TLS_VERSION,
      publicNetworkAccess: "Disabled",
      tags: s.tags,
    },
    s.opts(true),
  );
}

function redisDatabase(s: AzureScope, cluster: RedisEnterprise, persistence: AmrPersistence): Database {
  return new Database(
    `${s.name}-cache-db`,
    {
      clusterName: cluster.name,
      databaseName: AMR_DATABASE_NAME,
      resourceGroupName: s.resourceGroupName,
      clientProtocol: CLIENT_PROTOCOL,
      port: AMR_PORT,
      clusteringPolicy: CLUSTERING_POLICY,
      evictionPolicy: EVICTION_POLICY,
      persistence,
      accessKeysAuthentication: "Enabled",
    },
    s.opts(true),
  );
}

/** The private endpoint in the endpoints subnet, its address registered in `privatelink.redis.azure.net`. */
function privateAccess(s: AzureScope, placement: AzureNetworkPlacement, cluster: RedisEnterprise): void {
  const endpoint = new PrivateEndpoint(
    `${s.name}-cache-endpoint`,
    {
      privateEndpointName: `${s.prefix}-cache-pe`,
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      subnet: { id: placement.subnets.endpoints },
      privateLinkServiceConnections: [
        { name: `${s.prefix}-cache`, privateLinkServiceId: cluster.id, groupIds: [PRIVATE_LINK_GROUP] },
      ],
      tags: s.tags,
    },
    s.opts(),
  );
  new PrivateDnsZoneGroup(
    `${s.name}-cache-endpoint-dns`,
    {
      privateDnsZoneGroupName: "default",
      privateEndpointName: endpoint.name,
      resourceGroupName: s.resourceGroupName,
      privateDnsZoneConfigs: [{ name: "redis", privateDnsZoneId: placement.privateZones.redis }],
    },
    s.opts(),
  );
}

/** The database's primary access key, copied into the stack's Key Vault; the ref is its versionless URI. */
function accessKeySecret(s: AzureScope, cluster: RedisEnterprise, database: Database): SecretRef {
  // Waits for the database (its name is known only once it exists), so the invoke never runs before it.
  const keys = listDatabaseKeysOutput(
    { clusterName: cluster.name, databaseName: database.name, resourceGroupName: s.resourceGroupName },
    { parent: s.parent },
  );
  const secret = new Secret(
    `${s.name}-cache-access-key`,
    {
      secretName: `${s.prefix}-cache-access-key`,
      vaultName: s.platform.keyVault.name,
      resourceGroupName: s.resourceGroupName,
      properties: { value: pulumi.secret(keys.primaryKey), contentType: "text/plain" },
      tags: s.tags,
    },
    s.opts(true),
  );
  return { id: secret.properties.apply((p) => p.secretUri) };
}
