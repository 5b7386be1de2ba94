/**
 * The alert catalog (alerts.ts) rendered for CloudWatch, and the Loom dashboard, as plain data. Pure: no Pulumi
 * runtime, no AWS SDK — aws.ts turns these specs into `MetricAlarm` and `Dashboard` resources, and the tests check
 * them without mocks.
 *
 * Identifier values are generic (`V`): plain strings in tests and in the dashboard body, pulumi Inputs (Outputs of
 * other components) in aws.ts, so nothing here needs `apply`. The one value computed from an identifier — the free
 * storage threshold in bytes — is returned as {@link AlarmThreshold} and resolved by aws.ts with
 * {@link storageThresholdBytes}.
 *
 * Every alarm evaluates one-minute periods and fires when every one of the alert's `forMinutes` periods breaches
 * (evaluationPeriods = datapointsToAlarm = forMinutes): "the condition holds for forMinutes".
 */
import {
  ALERT_CATALOG,
  type AlertDefinition,
  type AlertId,
  type AlertThresholds,
  type ThresholdProblem,
  thresholdProblems,
} from "./alerts";
import {
  type AwsMonitoringIds,
  alb,
  BYTES_PER_GIB,
  containerInsights,
  type MetricRef,
  PERIOD_SECONDS,
  queueDepthMetric,
  rds,
  type Statistic,
} from "./cloudwatch-metrics";

export { type DashboardArgs, dashboardBody } from "./cloudwatch-dashboard";
export {
  type AwsMonitoringIds,
  BYTES_PER_GIB,
  cacheClusterIdOf,
  type MetricRef,
  PERIOD_SECONDS,
  queueDepthMetric,
  type Statistic,
} from "./cloudwatch-metrics";

export type ComparisonOperator = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
export type TreatMissingData = "missing" | "ignore" | "breaching" | "notBreaching";

/** What an alarm watches: one metric with a statistic, or a metric-math expression over named metrics. */
export type AlarmMetric<V> =
  | { kind: "single"; metric: MetricRef<V>; statistic?: Statistic; extendedStatistic?: string }
  | {
      kind: "math";
      expression: string;
      label: string;
      /** Expression variables (lower-case ids) → the metric and statistic each stands for. */
      inputs: Record<string, { metric: MetricRef<V>; stat: Statistic }>;
    };

/** A fixed threshold, or a share of the database's allocated storage (resolved to bytes by aws.ts). */
export type AlarmThreshold = { value: number } | { percentOfAllocatedStorage: number };

export interface AlarmSpec<V> {
  alert: AlertDefinition;
  /** Physical alarm name: `<prefix>-<alert id>` (plus `-<service>` where one alert watches several services). */
  name: string;
  /** Logical-name suffix, unique per alarm: the alert id (plus the service). */
  key: string;
  description: string;
  comparisonOperator: ComparisonOperator;
  threshold: AlarmThreshold;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  /** Percentile alarms only: keep the state when a period has too few samples for a meaningful percentile. */
  evaluateLowSampleCountPercentiles?: "ignore";
  metric: AlarmMetric<V>;
}

interface RenderContext<V> {
  ids: AwsMonitoringIds<V>;
  environment: string;
  thresholds: AlertThresholds;
}

/** What a renderer decides per alarm; the rest (names, periods, description) is uniform. */
interface AlarmShape<V> {
  suffix?: string;
  /** The condition in words, for the notification. */
  condition: string;
  comparisonOperator: ComparisonOperator;
  threshold: AlarmThreshold;
  treatMissingData: TreatMissingData;
  evaluateLowSampleCountPercentiles?: "ignore";
  metric: AlarmMetric<V>;
}

type Renderer = <V>(alert: AlertDefinition, ctx: RenderContext<V>) => AlarmShape<V>[];

/**
 * One renderer per catalog entry. Typed as a total record, so a new AlertId without a CloudWatch rendering fails
 * `tsc`; {@link renderAlarms} also fails at run time (the tests run transpile-only).
 *
 * treatMissingData, per alarm:
 * - ALB alarms `notBreaching`: the ALB publishes nothing for a minute without requests; no traffic is neither an
 *   error spike nor slowness (a dead service is caught by tasks-below-desired).
 * - RDS and ElastiCache alarms `missing`: both publish every minute while the instance runs, so a gap means the
 *   instance is stopped or being replaced — not evidence of high CPU, low storage or full memory. The alarm keeps
 *   its state, then shows INSUFFICIENT_DATA on the dashboard.
 * - tasks-below-desired and queue-backlog `breaching`: Container Insights and the app publish every minute; silence
 *   means the service (or the app's metric publisher, which the worker autoscaler also depends on) is gone, which
 *   must page rather than look healthy.
 */
const RENDERERS: { readonly [K in AlertId]: Renderer } = {
  "high-error-rate": (_alert, { ids, thresholds }) => [
    {
      condition: `5xx responses (target and load balancer) above ${thresholds.errorRatePercent} % of requests`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: { value: thresholds.errorRatePercent },
      treatMissingData: "notBreaching",
      // ALB-generated 5xx (502/504 when a task crashes or times out) count as errors too: a crashing app produces
      // those, not target 5xx. FILL: the ALB publishes no 5xx data point for a minute without errors.
      metric: {
        kind: "math",
        expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
        label: "5xx responses (% of requests)",
        inputs: {
          target5xx: { metric: alb(ids, "HTTPCode_Target_5XX_Count"), stat: "Sum" },
          elb5xx: { metric: alb(ids, "HTTPCode_ELB_5XX_Count"), stat: "Sum" },
          requests: { metric: alb(ids, "RequestCount"), stat: "Sum" },
        },
      },
    },
  ],
  "slow-responses": (_alert, { ids, thresholds }) => [
    {
      condition: `p95 target response time above ${thresholds.latencyP95Seconds} s`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: { value: thresholds.latencyP95Seconds },
      treatMissingData: "notBreaching",
      evaluateLowSampleCountPercentiles: "ignore",
      metric: { kind: "single", metric: alb(ids, "TargetResponseTime"), extendedStatistic: "p95" },
    },
  ],
  "database-cpu-high": (_alert, { ids, thresholds }) => [
    {
      condition: `database CPU above ${thresholds.databaseCpuPercent} %`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: { value: thresholds.databaseCpuPercent },
      treatMissingData: "missing",
      metric: { kind: "single", metric: rds(ids, "CPUUtilization"), statistic: "Average" },
    },
  ],
  "database-storage-low": (_alert, { ids, thresholds }) => [
    {
      condition: `free database storage below ${thresholds.databaseFreeStoragePercent} % of allocated storage`,
      comparisonOperator: "LessThanThreshold",
      threshold: { percentOfAllocatedStorage: thresholds.databaseFreeStoragePercent },
      treatMissingData: "missing",
      metric: { kind: "single", metric: rds(ids, "FreeStorageSpace"), statistic: "Minimum" },
    },
  ],
  "tasks-below-desired": (alert, { ids, thresholds }) =>
    (
      [
        ["web", ids.webServiceName],
        ["worker", ids.workerServiceName],
      ] as const
    ).map(([service, serviceName]) => ({
      suffix: service,
      condition: `${service}: at least ${alert.threshold(thresholds)} fewer running tasks than desired`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: { value: alert.threshold(thresholds) },
      treatMissingData: "breaching",
      metric: {
        kind: "math",
        expression: "desired - running",
        label: `${service} tasks missing (desired - running)`,
        inputs: {
          running: { metric: containerInsights(ids, serviceName, "RunningTaskCount"), stat: "Average" },
          desired: { metric: containerInsights(ids, serviceName, "DesiredTaskCount"), stat: "Average" },
        },
      },
    })),
  "queue-backlog": (_alert, { environment, thresholds }) => [
    {
      condition: `more than ${thresholds.queueDepth} review jobs waiting`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: { value: thresholds.queueDepth },
      treatMissingData: "breaching",
      metric: { kind: "single", metric: queueDepthMetric(environment), statistic: "Average" },
    },
  ],
  "cache-memory-high": (_alert, { ids, thresholds }) => [
    {
      condition: `cache memory use above ${thresholds.cacheMemoryPercent} % of maxmemory`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: { value: thresholds.cacheMemoryPercent },
      treatMissingData: "missing",
      metric: {
        kind: "single",
        metric: {
          namespace: "AWS/ElastiCache",
          metricName: "DatabaseMemoryUsagePercentage",
          dimensions: { CacheClusterId: ids.cacheClusterId },
        },
        statistic: "Maximum",
      },
    },
  ],
};

export interface RenderArgs<V> {
  /** `<project>-<environment>`; every alarm name starts with `<prefix>-`. */
  prefix: string;
  environment: string;
  ids: AwsMonitoringIds<V>;
  thresholds: AlertThresholds;
  /** @default ALERT_CATALOG */
  catalog?: readonly AlertDefinition[];
}

/** Thrown for a thresholds table that cannot work; `problems` names each key. */
export class InvalidThresholdsError extends Error {
  constructor(readonly problems: ThresholdProblem[]) {
    super(problems.map((p) => `thresholds.${p.key} ${p.reason}`).join("; "));
  }
}

/** Every catalog entry as one or more CloudWatch alarm specs; fails on an entry without a rendering. */
export function renderAlarms<V>(args: RenderArgs<V>): AlarmSpec<V>[] {
  const problems = thresholdProblems(args.thresholds);
  if (problems.length > 0) throw new InvalidThresholdsError(problems);
  const ctx: RenderContext<V> = { ids: args.ids, environment: args.environment, thresholds: args.thresholds };
  return (args.catalog ?? ALERT_CATALOG).flatMap((alert) => {
    const render = (RENDERERS as Partial<Record<string, Renderer>>)[alert.id];
    if (!render) {
      throw new Error(`alert "${alert.id}" has no CloudWatch rendering (components/observability/cloudwatch.ts)`);
    }
    return render(alert, ctx).map((shape): AlarmSpec<V> => {
      const key = shape.suffix ? `${alert.id}-${shape.suffix}` : alert.id;
      return {
        alert,
        key,
        name: `${args.prefix}-${key}`,
        description: describe(alert, shape.condition),
        comparisonOperator: shape.comparisonOperator,
        threshold: shape.threshold,
        period: PERIOD_SECONDS,
        evaluationPeriods: alert.forMinutes,
        datapointsToAlarm: alert.forMinutes,
        treatMissingData: shape.treatMissingData,
        ...(shape.evaluateLowSampleCountPercentiles
          ? { evaluateLowSampleCountPercentiles: shape.evaluateLowSampleCountPercentiles }
          : {}),
        metric: shape.metric,
      };
    });
  });
}

/** CloudWatch's limit on alarm descriptions. */
export const MAX_DESCRIPTION = 1024;

function describe(alert: AlertDefinition, condition: string): string {
  const text = `${alert.summary}. Severity: ${alert.severity}. Fires when ${condition} for ${alert.forMinutes} min. Runbook: ${alert.runbook}`;
  if (text.length > MAX_DESCRIPTION) {
    throw new Error(`alarm description for "${alert.id}" exceeds ${MAX_DESCRIPTION} characters`);
  }
  return text;
}

/** The free-storage threshold in bytes: `percent` % of `allocatedGiB` GiB, rounded down. */
export function storageThresholdBytes(allocatedGiB: number, percent: number): number {
  if (!Number.isFinite(allocatedGiB) || allocatedGiB <= 0) {
    throw new Error(`database allocated storage must be a positive number of GiB, got ${allocatedGiB}`);
  }
  return Math.floor((allocatedGiB * BYTES_PER_GIB * percent) / 100);
}

/** The metric part of `MetricAlarm` args for a spec (single metric fields, or `metricQueries` for math). */
export function alarmMetricArgs<V>(metric: AlarmMetric<V>): Record<string, unknown> {
  if (metric.kind === "single") {
    return {
      namespace: metric.metric.namespace,
      metricName: metric.metric.metricName,
      dimensions: metric.metric.dimensions,
      period: PERIOD_SECONDS,
      ...(metric.extendedStatistic ? { extendedStatistic: metric.extendedStatistic } : { statistic: metric.statistic }),
    };
  }
  return {
    metricQueries: [
      ...Object.entries(metric.inputs).map(([id, input]) => ({
        id,
        returnData: false,
        metric: {
          namespace: input.metric.namespace,
          metricName: input.metric.metricName,
          dimensions: input.metric.dimensions,
          period: PERIOD_SECONDS,
          stat: input.stat,
        },
      })),
      { id: "result", expression: metric.expression, label: metric.label, returnData: true },
    ],
  };
}
