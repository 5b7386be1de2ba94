/**
 * Backups on Kubernetes: a daily CloudNativePG `ScheduledBackup` (Barman Cloud plugin) of the database cluster to the
 * object store in `loom:kubernetes.backup`, where Database already archives WAL continuously. Together they give
 * point-in-time recovery within the retention window (the ObjectStore's retention policy, backupRetentionDays).
 *
 * Disaster recovery (`disasterRecovery`, store `loom:kubernetes.drBackup`): a second ObjectStore, a one-instance
 * replica cluster that follows the primary through its object store and archives WAL into the second store
 * (cnpg.ts `drReplicaSpec`: the plugin writes one cluster to exactly one store), and a daily base backup of that
 * replica cluster into it. Losing the primary store, its region or this Kubernetes cluster leaves a restorable copy.
 *
 * Logical backups (`job`, k8s-job.ts): a daily CronJob dumps the database, encrypts it client-side and uploads it
 * under `logical/` in the backup store (and the DR store). `recovery` (recovery.ts) derives RPO/RTO from the same
 * configuration: archive_timeout (5 min, CloudNativePG's default) and the retention policy of the ObjectStores.
 *
 * On Kubernetes the object store is the switch: with one configured, base backups are scheduled in every environment
 * (WAL without a base backup restores nothing); without one there are no backups at all, so a profile that asks for
 * backups gets a warning on every run (docs/kubernetes.md#backups).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import * as pulumi from "@pulumi/pulumi";
import { BARMAN_API, BARMAN_PLUGIN, CNPG_API, drReplicaSpec, names, objectStoreSpec } from "../database/cnpg";
import {
  CREDENTIALS_FILLED_OUT_OF_BAND,
  credentialsSecret,
  type KubernetesDatabaseBackupTargets,
  storeUrl,
} from "../database/kubernetes";
import { handleFor } from "../lib/component";
import { labelsFor } from "../lib/k8s";
import { k8sOptions, k8sPlatform } from "../lib/k8s-provider";
import type { KubernetesBackupSettings } from "../targets";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";
import { dailyCnpgSchedule, drHourUtc } from "./cnpg-schedule";
import { logicalBackupJob } from "./k8s-job";
import { type Recovery, recoveryObjectives } from "./recovery";

type Opts = (stateful?: boolean, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  const target = k8sPlatform(args).target;
  const db = handleFor("targets", args.targets, "kubernetes");
  const none = pulumi.output("");
  const recovery = (drTarget?: string, logicalJob = false) =>
    pulumi.output<Recovery>(
      recoveryObjectives({
        cloud: "kubernetes",
        retentionDays: args.retentionDays,
        storageGiB: args.databaseSizeGiB,
        walArchive: db.objectStore !== undefined && target.backup !== undefined,
        logicalJob,
        drTarget,
      }),
    );
  if (!db.objectStore || !target.backup) {
    if (args.enabled) {
      pulumi.log.warn(
        "backups are on in this profile but loom:kubernetes.backup is not set: the database has no WAL archive, no " +
          "point-in-time recovery and no scheduled backups (docs/kubernetes.md#backups)",
        parent,
      );
    }
    return { store: none, drStore: none, retentionDays: pulumi.output(0), recovery: recovery() };
  }
  const labels = labelsFor(args, "backups");
  const opts: Opts = (stateful = false, extra = {}) => k8sOptions(parent, args, stateful, extra);
  scheduledBackup(`${name}-daily-backup`, `${name}-daily`, db.cluster, args.dailyHourUtc, db, labels, opts);

  let drStore = none;
  let drUrl: string | undefined;
  if (args.disasterRecovery) {
    if (target.drBackup) {
      drUrl = disasterRecovery(parent, name, db, db.objectStore, target.drBackup, args, labels, opts);
      drMetrics(name, db, target.prometheusRelease, labels, opts);
      drStore = pulumi.output(drUrl);
    } else {
      pulumi.log.warn(
        "disasterRecovery is on but loom:kubernetes.drBackup resolved to no store: there is no copy outside the primary object store",
        parent,
      );
    }
  }
  // Like AWS: the logical job follows `enabled` (base backups follow the store, see the header).
  if (args.enabled && args.job) {
    const drBackup = drUrl !== undefined ? target.drBackup : undefined;
    logicalBackupJob({
      name,
      args,
      job: args.job,
      db,
      namespace: target.namespace,
      store: target.backup,
      ...(drBackup ? { drStore: drBackup } : {}),
      labels,
      opts,
    });
  } else if (args.enabled) {
    pulumi.log.warn(
      "backups are on in this profile but no logical backup image is set: there is no daily pg_dump to the object " +
        "store (set the backup image, docs/runbooks/backup-restore.md#the-scheduled-job)",
      parent,
    );
  }
  return {
    store: pulumi.output(storeUrl(target.backup)),
    drStore,
    retentionDays: pulumi.output(args.retentionDays),
    recovery: recovery(drUrl, args.enabled && args.job !== undefined),
  };
}

/** A daily plugin base backup of `cluster` (into the store its WAL archiver writes to), the first one right away. */
function scheduledBackup(
  logicalName: string,
  name: string,
  cluster: pulumi.Input<string>,
  hourUtc: number,
  db: KubernetesDatabaseBackupTargets,
  labels: Record<string, string>,
  opts: Opts,
  extra: pulumi.CustomResourceOptions = {},
): CustomResource {
  return new CustomResource(
    logicalName,
    {
      apiVersion: CNPG_API,
      kind: "ScheduledBackup",
      metadata: { name, namespace: db.namespace, labels },
      spec: {
        schedule: dailyCnpgSchedule(hourUtc),
        cluster: { name: cluster },
        method: "plugin",
        pluginConfiguration: { name: BARMAN_PLUGIN },
        // The first base backup right away: point-in-time recovery starts from it.
        immediate: true,
        backupOwnerReference: "self",
        target: "prefer-standby",
      },
    },
    opts(false, extra),
  );
}

/**
 * The DR replica cluster's metrics (the primary's PodMonitor selects only the primary cluster): its WAL archiver's
 * `cnpg_pg_stat_archiver_failed_count` is the `backup-dr-copy-failed` alert's signal (catalog/prometheus.ts).
 */
function drMetrics(
  name: string,
  db: KubernetesDatabaseBackupTargets,
  prometheusRelease: string,
  labels: Record<string, string>,
  opts: Opts,
): CustomResource {
  const n = names(db.clusterInputs.name);
  return new CustomResource(
    `${name}-dr-podmonitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: n.drCluster, namespace: db.namespace, labels: { ...labels, release: prometheusRelease } },
      spec: {
        selector: { matchLabels: { "cnpg.io/cluster": n.drCluster } },
        podMetricsEndpoints: [{ port: "metrics" }],
      },
    },
    opts(),
  );
}

/** The second store, the replica cluster archiving into it, and its daily base backup. Returns the store's URL. */
function disasterRecovery(
  parent: pulumi.Resource,
  name: string,
  db: KubernetesDatabaseBackupTargets,
  primaryStore: string,
  store: KubernetesBackupSettings,
  args: ResolvedBackupsArgs,
  labels: Record<string, string>,
  opts: Opts,
): string {
  const n = names(db.clusterInputs.name);
  if (store.defaulted) {
    pulumi.log.warn(
      `loom:kubernetes.drBackup is not set: the disaster-recovery copy goes to ${storeUrl(store)} with credentials from ` +
        `Secret ${store.credentialsSecret} (created empty here). Fill it (ACCESS_KEY_ID, ACCESS_SECRET_KEY) or set ` +
        "loom:kubernetes.drBackup to a store in another region (docs/kubernetes.md#disaster-recovery)",
      parent,
    );
    new Secret(
      `${name}-dr-credentials`,
      credentialsSecret(store, db.namespace, labels),
      opts(true, CREDENTIALS_FILLED_OUT_OF_BAND),
    );
  }
  const objectStore = new CustomResource(
    `${name}-dr-store`,
    {
      apiVersion: BARMAN_API,
      kind: "ObjectStore",
      metadata: { name: n.drObjectStore, namespace: db.namespace, labels },
      spec: objectStoreSpec(store, args.retentionDays),
    },
    opts(),
  );
  // Named after the primary once it exists, so the replica is created after the primary cluster.
  const replica = new CustomResource(
    `${name}-dr-replica`,
    {
      apiVersion: CNPG_API,
      kind: "Cluster",
      metadata: { name: db.cluster.apply(() => n.drCluster), namespace: db.namespace, labels },
      spec: drReplicaSpec(db.clusterInputs, primaryStore, n.drObjectStore),
    },
    opts(true, { dependsOn: [objectStore] }),
  );
  const cluster = replica.metadata.apply((m) => m?.name ?? n.drCluster);
  scheduledBackup(`${name}-dr-backup`, `${name}-dr-daily`, cluster, drHourUtc(args.dailyHourUtc), db, labels, opts);
  return storeUrl(store);
}
