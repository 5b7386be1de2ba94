/**
 * Observability: one catalog (catalog/: SIGNALS, ALERTS, DASHBOARDS, SLOs) rendered per cloud, the alert channels
 * (channels.ts, `loom:alerting`), and the telemetry pipeline (logs, traces). Each component configures its own log
 * sink's retention; this component owns alerting, dashboards, and on Kubernetes the collector.
 *
 * | cloud | what it builds |
 * |---|---|
 * | kubernetes | ServiceMonitor (web), PodMonitor (worker); PrometheusRule (recording + alerting rules from the catalog); AlertmanagerConfig with every channel, routing and inhibition; the seven dashboards as Grafana-sidecar ConfigMaps; an OpenTelemetry Collector (OTLP traces/logs, PII redaction) with Jaeger as the trace backend option |
 * | gcp | Cloud Monitoring alert policies per catalog alert (PromQL, catalog/cloud-monitoring.ts) notifying e-mail, Slack (bot token), PagerDuty and webhook channels by severity; the seven dashboards; the stack's logs in a CMEK log bucket of their own (sink + `_Default` exclusion) with the profile's retention; a health-path uptime check; the backup size as a log-based metric |
 * | aws | CloudWatch alarms per catalog alert (composite alarms for the SLO burn rates); an SNS topic per severity (KMS) with e-mail, PagerDuty and webhook subscriptions and AWS Chatbot for Slack; the seven dashboards as CloudWatch dashboards |
 * | azure | Azure Monitor from the catalog (catalog/azure-monitor.ts): an action group per severity (e-mail, webhook receivers for Slack relay, PagerDuty and webhooks), metric alerts per member resource where a platform metric exists and scheduled query rules (KQL over the workspace) for the rest; the seven dashboards as workbooks; per-table retention below the workspace's 30-day floor |
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppMonitoring, HostGroups } from "../app-service";
import type { CacheMonitoring } from "../cache";
import type { ImplementedCloud } from "../cloud";
import type { DatabaseMonitoring } from "../database";
import { type BaseArgs, invalid, type Loaders, LoomComponent, type ResolvedBase, resolveBase } from "../lib/component";
import { DEFAULT_THRESHOLDS, type Thresholds, thresholdProblems } from "./catalog/alerts";
import { DEFAULT_RUNBOOK_BASE_URL } from "./catalog/rules";
import { DEFAULT_SLO, type SloTargets, sloProblems } from "./catalog/slo";
import { type AlertChannel, type AlertingSettings, SEVERITIES, type Severity, secretKeysOf } from "./channels";
import { DEFAULT_REDACTION, type Redaction } from "./redaction";

export interface ObservabilityArgs extends BaseArgs {
  /** Create alerts and route them to the channels (off in dev). @default false */
  alerting?: boolean;
  /** Channels and per-severity routes (settings: `loom:alerting`); at least one channel when alerting is on. */
  channels?: AlertingSettings;
  /**
   * Each credentialed channel's secret, by the config key the channel names (`channel.secret`), as secret Outputs.
   * Only the keys the selected cloud uses are present (settings: `secretKeysOf`).
   */
  channelSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Alert thresholds. @default - DEFAULT_THRESHOLDS in catalog/alerts.ts */
  thresholds?: Partial<Thresholds>;
  /** Service level objectives (the profile's `slo`). @default - DEFAULT_SLO.prod */
  slo?: SloTargets;
  /** Absolute base URL that runbook paths (docs/runbooks/alerts.md#id) are appended to. @default - the repository on GitHub */
  runbookBaseUrl?: string;
  /** Retention of every log sink this component creates (collector, Loki streams, metric log groups). */
  logRetentionDays: number;
  /** Share of traces kept (the profile's `traceSampleRatio`), 0..1. @default 1 */
  traceSampleRatio?: number;
  /** What the log/trace collector redacts. @default - DEFAULT_REDACTION (emails, tokens, IP addresses) */
  redaction?: Redaction;
  /** Monitoring handles from the other components of the same cloud (`app.monitoring`, …). */
  targets: ObservabilityTargets;
}

export interface ObservabilityTargets {
  app: AppMonitoring;
  database: DatabaseMonitoring;
  cache: CacheMonitoring;
}

export interface ResolvedObservabilityArgs extends ResolvedBase {
  alerting: boolean;
  channels: AlertingSettings;
  channelSecrets: Readonly<Record<string, pulumi.Input<string>>>;
  thresholds: Thresholds;
  slo: SloTargets;
  runbookBaseUrl: string;
  logRetentionDays: number;
  traceSampleRatio: number;
  redaction: Redaction;
  targets: ObservabilityTargets;
}

export interface ObservabilityOutputs {
  /** Where alerts are sent (AWS: SNS topic ARNs; Kubernetes: the AlertmanagerConfig); empty when alerting is off. */
  alarmTargets: pulumi.Output<string[]>;
  /** Names of the alerts created (AWS alarm names; Prometheus alert names); empty when alerting is off. */
  alertNames: pulumi.Output<string[]>;
  /** The overview dashboard's name. */
  dashboard: pulumi.Output<string>;
  /** Every dashboard's name, by catalog id (overview, review-performance, …). */
  dashboards: pulumi.Output<Record<string, string>>;
  /** Where traces and logs go (AWS: X-Ray and CloudWatch Logs; Kubernetes: the collector's backend and Loki). */
  telemetry: pulumi.Output<{ traces: string; logs: string }>;
  /**
   * Where other components send failure events that must page (AWS: the critical SNS topic's ARN, which lets
   * EventBridge publish); undefined when there is no such sink (alerting off; Kubernetes alerts through Prometheus).
   */
  alertSink?: pulumi.Output<string>;
  /** DigitalOcean: the monitor droplet's boot config (no credential in it), for the stack's `bootConfig` output. */
  bootConfig?: pulumi.Output<Record<string, string>>;
  /** DigitalOcean: the monitor droplet for the Ansible inventory (merged into the stack's `hosts`). */
  hosts?: pulumi.Output<HostGroups>;
}

const LOADERS = {
  aws: () => require("./aws") as typeof import("./aws"),
  gcp: () => require("./gcp") as typeof import("./gcp"),
  azure: () => require("./azure") as typeof import("./azure"),
  digitalocean: () => require("./digitalocean") as typeof import("./digitalocean"),
  kubernetes: () => require("./kubernetes") as typeof import("./kubernetes"),
} satisfies Loaders<ResolvedObservabilityArgs, ObservabilityOutputs>;

export class Observability
  extends LoomComponent<ResolvedObservabilityArgs, ObservabilityOutputs>
  implements ObservabilityOutputs
{
  declare readonly alarmTargets: pulumi.Output<string[]>;
  declare readonly alertNames: pulumi.Output<string[]>;
  declare readonly dashboard: pulumi.Output<string>;
  declare readonly dashboards: pulumi.Output<Record<string, string>>;
  declare readonly telemetry: pulumi.Output<{ traces: string; logs: string }>;
  declare readonly alertSink?: pulumi.Output<string>;
  declare readonly bootConfig?: pulumi.Output<Record<string, string>>;
  declare readonly hosts?: pulumi.Output<HostGroups>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LOADERS, "Observability", name, Observability.resolve(args), opts);
  }

  static resolve(args: ObservabilityArgs): ResolvedObservabilityArgs {
    const alerting = args.alerting ?? false;
    const channels = args.channels ?? { channels: [], routes: { critical: [], warning: [] } };
    const channelSecrets = args.channelSecrets ?? {};
    if (alerting) checkChannels(channels, channelSecrets, args.platform.cloud);
    const thresholds = { ...DEFAULT_THRESHOLDS, ...args.thresholds };
    // Checked even with alerting off, so a bad value fails in dev before it reaches staging.
    const [problem] = thresholdProblems(thresholds);
    if (problem) invalid(`thresholds.${problem.key}`, problem.reason);
    const slo = args.slo ?? DEFAULT_SLO.prod;
    const [sloProblem] = sloProblems(slo);
    if (sloProblem) invalid("slo", sloProblem);
    const traceSampleRatio = args.traceSampleRatio ?? 1;
    if (!(traceSampleRatio >= 0 && traceSampleRatio <= 1)) {
      invalid("traceSampleRatio", `must be between 0 and 1, got ${traceSampleRatio}`);
    }
    const runbookBaseUrl = args.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
    if (!/^https:\/\/[^\s]+$/.test(runbookBaseUrl))
      invalid("runbookBaseUrl", `must be an https:// URL, got ${runbookBaseUrl}`);
    for (const key of ["app", "database", "cache"] as const) {
      const handle = args.targets[key];
      if (handle?.cloud !== args.platform.cloud) {
        invalid(`targets.${key}`, `must be the ${key} monitoring handle of a ${args.platform.cloud} component`);
      }
    }
    return {
      ...resolveBase(args),
      alerting,
      channels,
      channelSecrets,
      thresholds,
      slo,
      runbookBaseUrl,
      logRetentionDays: args.logRetentionDays,
      traceSampleRatio,
      redaction: args.redaction ?? DEFAULT_REDACTION,
      targets: args.targets,
    };
  }
}

/** Alerting on: at least one channel, every severity routed to a configured channel, every credential present. */
function checkChannels(a: AlertingSettings, secrets: Readonly<Record<string, unknown>>, cloud: ImplementedCloud): void {
  if (a.channels.length === 0) invalid("channels", "needs at least one channel when alerting is on");
  const names = new Set(a.channels.map((c) => c.name));
  for (const severity of SEVERITIES) {
    const routed = a.routes[severity];
    if (routed.length === 0) invalid(`channels.routes.${severity}`, "reaches no channel");
    for (const n of routed) if (!names.has(n)) invalid(`channels.routes.${severity}`, `names unknown channel ${n}`);
  }
  // Every credential this cloud reads (settings' secretKeysOf) must have been passed in.
  for (const entry of secretKeysOf(a, cloud)) {
    if (!(entry in secrets)) invalid(`channelSecrets.${entry}`, "is missing: the channel's credential was not passed");
  }
}

/** The secret of a credentialed channel; a missing one is a program bug (settings checked the config key). */
export function channelSecret(
  args: Pick<ResolvedObservabilityArgs, "channelSecrets">,
  channel: Exclude<AlertChannel, { kind: "email" }>,
): pulumi.Input<string> {
  const value = args.channelSecrets[channel.secret];
  if (value === undefined) invalid(`channelSecrets.${channel.secret}`, `is missing for channel ${channel.name}`);
  return value as pulumi.Input<string>;
}

export type { AlertChannel, AlertingSettings, Severity };
