/**
 * Backups: what the cloud's automated database backups (retention and PITR, set by Database) do not give —
 * a separate, encrypted backup store with its own retention, and with `disasterRecovery` a copy in another
 * region / object store.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | CloudNativePG `ScheduledBackup` (daily, Barman Cloud plugin) to the object store the database archives WAL to; with disasterRecovery a second object store (see kubernetes.ts) |
 * | aws | KMS key, AWS Backup vault, daily plan with retention, selection of the database instances, IAM role; with disasterRecovery a vault + KMS key in `loom:aws.drRegion` and a copy action to it |
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseBackupTargets } from "../database";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";

export interface BackupsArgs extends BaseArgs {
  /** Build the vault and plan; when false only the database's own automated backups exist. @default false */
  enabled?: boolean;
  /** What to back up: the same cloud's `database.backupTargets`. */
  targets: DatabaseBackupTargets;
  /** Days to keep each backup in the vault, ≥ 1. @default 14 */
  retentionDays?: number;
  /** Hour of the day (UTC, 0–23) the daily backup starts; each cloud renders its own schedule syntax. @default 3 */
  dailyHourUtc?: number;
  /**
   * Keep a copy of every backup outside the primary region / object store (needs `enabled`).
   * @default false
   */
  disasterRecovery?: boolean;
}

export type ResolvedBackupsArgs = Required<Omit<BackupsArgs, keyof BaseArgs>> & ResolvedBase;

export interface BackupsOutputs {
  /** Where the independent backups live (AWS: Backup vault name; Kubernetes: object store URL); "" when disabled. */
  store: pulumi.Output<string>;
  /** Where the disaster-recovery copies live; "" when disasterRecovery is off. */
  drStore: pulumi.Output<string>;
  /** Days a vault backup is kept; 0 when disabled. */
  retentionDays: pulumi.Output<number>;
}

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedBackupsArgs, BackupsOutputs>;

export class Backups extends LoomComponent<ResolvedBackupsArgs, BackupsOutputs> implements BackupsOutputs {
  declare readonly store: pulumi.Output<string>;
  declare readonly drStore: pulumi.Output<string>;
  declare readonly retentionDays: pulumi.Output<number>;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Backups", name, Backups.resolve(args), opts);
  }

  static resolve(args: BackupsArgs): ResolvedBackupsArgs {
    const retentionDays = args.retentionDays ?? 14;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      invalid("retentionDays", `must be a whole number ≥ 1, got ${retentionDays}`);
    }
    const dailyHourUtc = args.dailyHourUtc ?? 3;
    if (!Number.isInteger(dailyHourUtc) || dailyHourUtc < 0 || dailyHourUtc > 23) {
      invalid("dailyHourUtc", `must be a whole hour 0 to 23, got ${dailyHourUtc}`);
    }
    const enabled = args.enabled ?? false;
    const disasterRecovery = args.disasterRecovery ?? false;
    if (disasterRecovery && !enabled) invalid("disasterRecovery", "needs enabled: true (there is nothing to copy)");
    if (args.targets?.cloud !== args.platform.cloud) {
      invalid("targets", `must be the backupTargets of a ${args.platform.cloud} Database`);
    }
    return { ...resolveBase(args), enabled, targets: args.targets, retentionDays, dailyHourUtc, disasterRecovery };
  }
}
