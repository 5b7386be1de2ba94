/**
 * Observability: logs are configured by each component; this component owns alerting (the catalog in alerts.ts,
 * rendered per cloud), the alert channel, and dashboards.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | ServiceMonitor (web), PodMonitor (worker), PrometheusRule from the alert catalog, Grafana dashboard ConfigMap |
 * | aws | KMS-encrypted SNS topic + e-mail subscription, CloudWatch alarms from the alert catalog, a dashboard |
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppMonitoring } from "../app-service";
import type { CacheMonitoring } from "../cache";
import type { DatabaseMonitoring } from "../database";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import { type AlertThresholds, DEFAULT_THRESHOLDS, thresholdProblems } from "./alerts";

export interface ObservabilityArgs extends BaseArgs {
  /** Create alerts and the alert channel (off in dev). @default false */
  alerting?: boolean;
  /** Where alerts go; required when alerting is on. @default - none */
  alertEmail?: string;
  /** Alert thresholds. @default - DEFAULT_THRESHOLDS in alerts.ts */
  thresholds?: Partial<AlertThresholds>;
  /** Monitoring handles from the other components of the same cloud (`app.monitoring`, …). */
  targets: ObservabilityTargets;
}

export interface ObservabilityTargets {
  app: AppMonitoring;
  database: DatabaseMonitoring;
  cache: CacheMonitoring;
}

export type ResolvedObservabilityArgs = Required<
  Omit<ObservabilityArgs, "alertEmail" | "thresholds" | keyof BaseArgs>
> &
  ResolvedBase & {
    alertEmail?: string;
    thresholds: AlertThresholds;
  };

export interface ObservabilityOutputs {
  /** Where alarms send notifications (AWS: SNS topic ARNs); empty when alerting is off. */
  alarmTargets: pulumi.Output<string[]>;
  /** Names of the alerts created; empty when alerting is off. */
  alertNames: pulumi.Output<string[]>;
  /** The dashboard's name. */
  dashboard: pulumi.Output<string>;
}

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedObservabilityArgs, ObservabilityOutputs>;

export class Observability
  extends LoomComponent<ResolvedObservabilityArgs, ObservabilityOutputs>
  implements ObservabilityOutputs
{
  declare readonly alarmTargets: pulumi.Output<string[]>;
  declare readonly alertNames: pulumi.Output<string[]>;
  declare readonly dashboard: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Observability", name, Observability.resolve(args), opts);
  }

  static resolve(args: ObservabilityArgs): ResolvedObservabilityArgs {
    const alerting = args.alerting ?? false;
    if (alerting && !args.alertEmail) invalid("alertEmail", "is required when alerting is on");
    const thresholds = { ...DEFAULT_THRESHOLDS, ...args.thresholds };
    // Checked even with alerting off, so a bad value fails in dev before it reaches staging.
    const [problem] = thresholdProblems(thresholds);
    if (problem) invalid(`thresholds.${problem.key}`, problem.reason);
    for (const key of ["app", "database", "cache"] as const) {
      const handle = args.targets[key];
      if (handle?.cloud !== args.platform.cloud) {
        invalid(`targets.${key}`, `must be the ${key} monitoring handle of a ${args.platform.cloud} component`);
      }
    }
    return {
      ...resolveBase(args),
      alerting,
      alertEmail: args.alertEmail,
      thresholds,
      targets: args.targets,
    };
  }
}
