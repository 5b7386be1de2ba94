/**
 * Backups on Kubernetes: a daily CloudNativePG `ScheduledBackup` (Barman Cloud plugin) of the database cluster to the
 * object store in `loom:kubernetes.backup`, where Database already archives WAL continuously. Together they give
 * point-in-time recovery within the retention window (the ObjectStore's retention policy, backupRetentionDays).
 *
 * On Kubernetes the object store is the switch: with one configured, base backups are scheduled in every environment
 * (WAL without a base backup restores nothing); without one there are no backups at all, so a profile that asks for
 * backups gets a warning on every run (docs/kubernetes.md#backups).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import * as pulumi from "@pulumi/pulumi";
import { BARMAN_PLUGIN, CNPG_API } from "../database/cnpg";
import { labelsFor, targetOf } from "../lib/k8s";
import { k8sOptions } from "../lib/k8s-provider";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";
import { cnpgSchedule } from "./cnpg-schedule";

export function create(parent: pulumi.ComponentResource, name: string, args: ResolvedBackupsArgs): BackupsOutputs {
  const target = targetOf(args);
  const backup = target.backup;
  if (!backup) {
    if (args.enabled) {
      pulumi.log.warn(
        "backups are on in this profile but loom:kubernetes.backup is not set: the database has no WAL archive, no " +
          "point-in-time recovery and no scheduled backups (docs/kubernetes.md#backups)",
        parent,
      );
    }
    return { vaultName: pulumi.output(""), retentionDays: pulumi.output(0) };
  }

  const cluster = pulumi.output(args.targets).apply((targets) => {
    if (targets.length !== 1) {
      throw new Error(
        `backups on kubernetes take exactly one database cluster, got ${targets.length}: ${targets.join(", ")}`,
      );
    }
    return targets[0] as string;
  });
  new CustomResource(
    `${name}-daily-backup`,
    {
      apiVersion: CNPG_API,
      kind: "ScheduledBackup",
      metadata: { name: `${name}-daily`, namespace: target.namespace, labels: labelsFor(args, "backups") },
      spec: {
        schedule: cnpgSchedule(args.schedule),
        cluster: { name: cluster },
        method: "plugin",
        pluginConfiguration: { name: BARMAN_PLUGIN },
        // The first base backup right away: point-in-time recovery starts from it.
        immediate: true,
        backupOwnerReference: "self",
        target: "prefer-standby",
      },
    },
    k8sOptions(parent, args),
  );

  return {
    vaultName: pulumi.output(`s3://${backup.bucket}/${backup.path}`),
    retentionDays: pulumi.output(args.retentionDays),
  };
}
