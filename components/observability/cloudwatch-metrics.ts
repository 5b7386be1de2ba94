/**
 * The CloudWatch metrics Loom's alarms and dashboard read: the identifiers they take from AppService, Database and
 * Cache, and one reference builder per namespace. Pure: no Pulumi runtime, no AWS SDK.
 */
import { METRICS_NAMESPACE, QUEUE_DEPTH_METRIC } from "../lib/metrics";

/** Seconds per evaluated data point. Every metric used here is published at one-minute resolution. */
export const PERIOD_SECONDS = 60;
export const BYTES_PER_GIB = 1024 ** 3;

/** The identifiers the alarms and the dashboard need, from AppService, Database and Cache. */
export interface AwsMonitoringIds<V> {
  /** ALB ARN suffix (`app/<name>/<id>`), the `LoadBalancer` dimension. */
  loadBalancer: V;
  /** ECS cluster name (`ClusterName`). */
  clusterName: V;
  /** ECS service names (`ServiceName`). */
  webServiceName: V;
  workerServiceName: V;
  /** RDS instance identifier (`DBInstanceIdentifier`). */
  dbInstanceId: V;
  /** ElastiCache node cluster id (`CacheClusterId`) whose memory stands for the group: see {@link cacheClusterIdOf}. */
  cacheClusterId: V;
}

/**
 * The `CacheClusterId` CloudWatch reports a replication group's first node under. ElastiCache publishes Redis/Valkey
 * metrics per node cluster (`<replicationGroupId>-001`, `-002`, …), not per replication group. In a cluster-mode
 * disabled group every node holds the whole data set, so node 001's memory use stands for the group whichever node
 * is primary after a failover.
 */
export function cacheClusterIdOf(replicationGroupId: string): string {
  return `${replicationGroupId}-001`;
}

export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";
export interface MetricRef<V> {
  namespace: string;
  metricName: string;
  /** Dimension name → value; values are identifiers (`V`) or fixed strings. */
  dimensions: Record<string, V | string>;
}

export const alb = <V>(ids: AwsMonitoringIds<V>, metricName: string): MetricRef<V> => ({
  namespace: "AWS/ApplicationELB",
  metricName,
  dimensions: { LoadBalancer: ids.loadBalancer },
});
export const rds = <V>(ids: AwsMonitoringIds<V>, metricName: string): MetricRef<V> => ({
  namespace: "AWS/RDS",
  metricName,
  dimensions: { DBInstanceIdentifier: ids.dbInstanceId },
});
export const containerInsights = <V>(ids: AwsMonitoringIds<V>, service: V, metricName: string): MetricRef<V> => ({
  namespace: "ECS/ContainerInsights",
  metricName,
  dimensions: { ClusterName: ids.clusterName, ServiceName: service },
});
/** The app's queue depth metric: exactly this one dimension (CloudWatch matches the full dimension set). */
export const queueDepthMetric = (environment: string): MetricRef<never> => ({
  namespace: METRICS_NAMESPACE,
  metricName: QUEUE_DEPTH_METRIC,
  dimensions: { Environment: environment },
});
