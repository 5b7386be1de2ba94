/**
 * The Loom CloudWatch dashboard as plain data (aws.ts serialises it). Pure: no Pulumi runtime, no AWS SDK.
 */
import {
  type AwsMonitoringIds,
  alb,
  containerInsights,
  type MetricRef,
  PERIOD_SECONDS,
  queueDepthMetric,
  rds,
} from "./cloudwatch-metrics";

export interface DashboardArgs {
  region: string;
  environment: string;
  ids: AwsMonitoringIds<string>;
  /** Alarm ARNs for an alarm-status widget; none when alerting is off. */
  alarmArns: string[];
}

type MetricLine = (string | Record<string, unknown>)[];

function line(m: MetricRef<string>, options: Record<string, unknown>): MetricLine {
  return [m.namespace, m.metricName, ...Object.entries(m.dimensions).flat(), options];
}

/**
 * The CloudWatch dashboard body (the JSON object `dashboardBody` serialises): requests/5xx/latency, ECS CPU and
 * memory per service, queue depth next to running workers, RDS CPU/connections/free storage, cache memory, and the
 * alarm states when alerting is on. Two widgets per row, 12 × 6 grid units each.
 */
export function dashboardBody(args: DashboardArgs): { widgets: Record<string, unknown>[] } {
  const { region } = args;
  const graphs = dashboardGraphs(args.ids, args.environment);
  const widgets: Record<string, unknown>[] = [];
  if (args.alarmArns.length > 0) {
    widgets.push({
      type: "alarm",
      x: 0,
      y: 0,
      width: 24,
      height: 3,
      properties: { title: "Alarms", alarms: args.alarmArns, sortBy: "stateUpdatedTimestamp" },
    });
  }
  const top = widgets.length > 0 ? 3 : 0;
  graphs.forEach((g, i) => {
    widgets.push({
      type: "metric",
      x: (i % 2) * 12,
      y: top + Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
      properties: {
        title: g.title,
        region,
        view: "timeSeries",
        stacked: false,
        period: PERIOD_SECONDS,
        metrics: g.metrics,
        yAxis: { left: { label: g.yLabel, min: 0 } },
      },
    });
  });
  return { widgets };
}

interface Graph {
  title: string;
  metrics: MetricLine[];
  yLabel: string;
}

/** The graphs, two per row: the app's (edge, ECS, queue), then the data tier's. */
function dashboardGraphs(ids: AwsMonitoringIds<string>, environment: string): Graph[] {
  return [...appGraphs(ids, environment), ...dataGraphs(ids)];
}

function appGraphs(ids: AwsMonitoringIds<string>, environment: string): Graph[] {
  const ecs = (service: string, metricName: string): MetricRef<string> => ({
    namespace: "AWS/ECS",
    metricName,
    dimensions: { ClusterName: ids.clusterName, ServiceName: service },
  });
  return [
    {
      title: "Requests and 5xx responses",
      yLabel: "Count",
      metrics: [
        line(alb(ids, "RequestCount"), { stat: "Sum", label: "Requests" }),
        line(alb(ids, "HTTPCode_Target_5XX_Count"), { stat: "Sum", label: "Target 5xx" }),
        line(alb(ids, "HTTPCode_ELB_5XX_Count"), { stat: "Sum", label: "Load balancer 5xx" }),
      ],
    },
    {
      title: "Target response time",
      yLabel: "Seconds",
      metrics: ["p50", "p95", "p99"].map((p) => line(alb(ids, "TargetResponseTime"), { stat: p, label: p })),
    },
    {
      title: "ECS CPU utilisation",
      yLabel: "Percent",
      metrics: [
        line(ecs(ids.webServiceName, "CPUUtilization"), { stat: "Average", label: "web" }),
        line(ecs(ids.workerServiceName, "CPUUtilization"), { stat: "Average", label: "worker" }),
      ],
    },
    {
      title: "ECS memory utilisation",
      yLabel: "Percent",
      metrics: [
        line(ecs(ids.webServiceName, "MemoryUtilization"), { stat: "Average", label: "web" }),
        line(ecs(ids.workerServiceName, "MemoryUtilization"), { stat: "Average", label: "worker" }),
      ],
    },
    {
      title: "Review queue depth and running workers",
      yLabel: "Count",
      metrics: [
        line(queueDepthMetric(environment), { stat: "Average", label: "Jobs waiting" }),
        line(containerInsights(ids, ids.workerServiceName, "RunningTaskCount"), {
          stat: "Average",
          label: "Running workers",
          yAxis: "right",
        }),
      ],
    },
  ];
}

function dataGraphs(ids: AwsMonitoringIds<string>): Graph[] {
  const cache: MetricRef<string> = {
    namespace: "AWS/ElastiCache",
    metricName: "DatabaseMemoryUsagePercentage",
    dimensions: { CacheClusterId: ids.cacheClusterId },
  };
  return [
    {
      title: "Database CPU",
      yLabel: "Percent",
      metrics: [line(rds(ids, "CPUUtilization"), { stat: "Average", label: "CPU" })],
    },
    {
      title: "Database connections",
      yLabel: "Count",
      metrics: [line(rds(ids, "DatabaseConnections"), { stat: "Maximum", label: "Connections" })],
    },
    {
      title: "Database free storage",
      yLabel: "Bytes",
      metrics: [line(rds(ids, "FreeStorageSpace"), { stat: "Minimum", label: "Free storage" })],
    },
    {
      title: "Cache memory use",
      yLabel: "Percent",
      metrics: [line(cache, { stat: "Maximum", label: "Memory used (% of maxmemory)" })],
    },
  ];
}
