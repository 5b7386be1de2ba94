/**
 * Target-tracking autoscaling of the AWS AppService: web on CPU and ALB requests per target, worker on the review
 * queue's backlog per running worker.
 */
import { Policy as ScalingPolicy } from "@pulumi/aws/appautoscaling/policy";
import { Target as ScalingTarget } from "@pulumi/aws/appautoscaling/target";
import type { Cluster } from "@pulumi/aws/ecs/cluster";
import type { Service } from "@pulumi/aws/ecs/service";
import type { LoadBalancer } from "@pulumi/aws/lb/loadBalancer";
import type { TargetGroup } from "@pulumi/aws/lb/targetGroup";
import type { appautoscaling } from "@pulumi/aws/types/input";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_NAMESPACE, QUEUE_DEPTH_METRIC } from "../lib/metrics";
import type { AppScope } from "./aws-scope";

export interface ScalingTargets {
  cluster: Cluster;
  webService: Service;
  workerService: Service;
  alb: LoadBalancer;
  targetGroup: TargetGroup;
  tags: Record<string, string>;
}

/**
 * Target tracking: web on average CPU and on ALB requests per target (scale-out when either is above target,
 * scale-in only when both are below); worker on queue backlog per running worker.
 */
export function autoscaling(s: AppScope, t: ScalingTargets): void {
  const { parent, name, prefix, args } = s;
  const { environment } = args.context;
  const target = (tier: "web" | "worker", service: Service, min: number, max: number) =>
    new ScalingTarget(
      `${name}-${tier}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${t.cluster.name}/${service.name}`,
        minCapacity: min,
        maxCapacity: max,
        tags: t.tags,
      },
      { parent },
    );
  const policy = (
    logical: string,
    scalingTarget: ScalingTarget,
    configuration: appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
  ) =>
    new ScalingPolicy(
      `${name}-${logical}`,
      {
        name: `${prefix}-${logical}`,
        policyType: "TargetTrackingScaling",
        resourceId: scalingTarget.resourceId,
        scalableDimension: scalingTarget.scalableDimension,
        serviceNamespace: scalingTarget.serviceNamespace,
        targetTrackingScalingPolicyConfiguration: configuration,
      },
      { parent },
    );
  // Scale out fast, scale in slowly.
  const cooldowns = { scaleOutCooldown: 60, scaleInCooldown: 300 };

  const web = target("web", t.webService, args.web.minReplicas, args.web.maxReplicas);
  policy("web-cpu", web, {
    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
    targetValue: args.web.targetCpuPercent,
    ...cooldowns,
  });
  policy("web-requests", web, {
    predefinedMetricSpecification: {
      predefinedMetricType: "ALBRequestCountPerTarget",
      resourceLabel: pulumi.interpolate`${t.alb.arnSuffix}/${t.targetGroup.arnSuffix}`,
    },
    targetValue: args.web.targetRequestsPerTarget,
    ...cooldowns,
  });

  const worker = target("worker", t.workerService, args.worker.minReplicas, args.worker.maxReplicas);
  policy("worker-backlog", worker, {
    customizedMetricSpecification: backlogPerWorker(environment, t.cluster.name, t.workerService.name),
    targetValue: args.worker.jobsPerWorker,
    ...cooldowns,
  });
}

/** Metric math: review jobs waiting in the queue per running worker task (the worker's scaling metric). */
function backlogPerWorker(
  environment: string,
  clusterName: pulumi.Input<string>,
  serviceName: pulumi.Input<string>,
): appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification {
  return {
    metrics: [
      {
        id: "depth",
        label: "Review jobs waiting in the queue",
        metricStat: {
          metric: {
            namespace: METRICS_NAMESPACE,
            metricName: QUEUE_DEPTH_METRIC,
            dimensions: [{ name: "Environment", value: environment }],
          },
          stat: "Average",
        },
        returnData: false,
      },
      {
        id: "running",
        label: "Running worker tasks",
        metricStat: {
          metric: {
            namespace: "ECS/ContainerInsights",
            metricName: "RunningTaskCount",
            dimensions: [
              { name: "ClusterName", value: clusterName },
              { name: "ServiceName", value: serviceName },
            ],
          },
          stat: "Average",
        },
        returnData: false,
      },
      { id: "backlog", label: "Queued jobs per running worker", expression: "depth / running", returnData: true },
    ],
  };
}
