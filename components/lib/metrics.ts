/**
 * The app's metrics contract (docs/metrics.md) as the infrastructure reads it, stated once: the CloudWatch namespace
 * and queue-depth metric the app publishes on AWS, and the queue-depth series it exposes to Prometheus. The
 * autoscalers (AppService) and the alerts and dashboards (Observability) all read these names from here.
 */

/** The custom CloudWatch namespace the app publishes to; the ECS task role may write only there. */
export const METRICS_NAMESPACE = "Loom";
/** Jobs waiting in the review queue (CloudWatch, dimension `Environment`); read by the worker autoscaler and alerts. */
export const QUEUE_DEPTH_METRIC = "QueueDepth";
/** The same queue depth as a Prometheus series (label `namespace` added by the scrape). */
export const QUEUE_DEPTH_SERIES = "loom_queue_depth";

/**
 * The queue depth in `namespace` as PromQL: the total of `loom_queue_depth` (all queues and priorities) as one pod
 * reports it — every replica reports the same global value, so the sum is taken per pod and the max across pods.
 */
export function queueDepthQuery(namespace: string): string {
  return `max(sum by (pod) (${QUEUE_DEPTH_SERIES}{namespace="${namespace}"}))`;
}
