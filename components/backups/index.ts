/**
 * Backups: what the cloud's automated database backups (retention and PITR, set by Database) do not give —
 * a separate, encrypted backup vault with its own retention, and in DR profiles a copy in another region.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | CloudNativePG `ScheduledBackup` (daily, Barman Cloud plugin) to the object store the database archives WAL to |
 * | aws | KMS key, AWS Backup vault, daily plan with retention, selection of the database instances, IAM role |
 */
import type * as pulumi from "@pulumi/pulumi";
import { type BaseArgs, invalid, LoomComponent, resolveBase } from "../lib/component";

export interface BackupsArgs extends BaseArgs {
  /** Build the vault and plan; when false only the database's own automated backups exist. @default false */
  enabled?: boolean;
  /** Resources to back up (AWS: ARNs). */
  targets: pulumi.Input<string[]>;
  /** Days to keep each backup in the vault, ≥ 1. @default 14 */
  retentionDays?: number;
  /** Cron (UTC) of the daily backup. @default "cron(0 3 * * ? *)" */
  schedule?: string;
}

export type ResolvedBackupsArgs = Required<Omit<BackupsArgs, "kubernetes">> & Pick<BackupsArgs, "kubernetes">;

export interface BackupsOutputs {
  /** The vault's name; empty when disabled. */
  vaultName: pulumi.Output<string>;
  /** Days a vault backup is kept; 0 when disabled. */
  retentionDays: pulumi.Output<number>;
}

export class Backups extends LoomComponent<ResolvedBackupsArgs, BackupsOutputs> implements BackupsOutputs {
  declare readonly vaultName: pulumi.Output<string>;
  declare readonly retentionDays: pulumi.Output<number>;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("backups", "Backups", name, Backups.resolve(args), opts);
  }

  static resolve(args: BackupsArgs): ResolvedBackupsArgs {
    const retentionDays = args.retentionDays ?? 14;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      invalid("retentionDays", `must be a whole number ≥ 1, got ${retentionDays}`);
    }
    return {
      ...resolveBase(args),
      enabled: args.enabled ?? false,
      targets: args.targets,
      retentionDays,
      schedule: args.schedule ?? "cron(0 3 * * ? *)",
    };
  }
}
