/**
 * Every autoscaler has an explicit, sane maximum: a retry storm or a poisoned queue must not scale the bill (or the
 * LLM spend) without bound.
 */
import type { TargetArgs } from "@pulumi/aws/appautoscaling/target";
import type { GroupArgs } from "@pulumi/aws/autoscaling/group";
import type { ContainerAppArgs } from "@pulumi/azure-native/app/containerApp";
import type { AutoscaleSettingArgs } from "@pulumi/azure-native/monitor/autoscaleSetting";
import type { AppArgs as DoAppArgs } from "@pulumi/digitalocean/app";
import type { DropletAutoscaleArgs } from "@pulumi/digitalocean/dropletAutoscale";
import type { KubernetesNodePoolArgs } from "@pulumi/digitalocean/kubernetesNodePool";
import type { ServiceArgs as CloudRunV1ServiceArgs } from "@pulumi/gcp/cloudrun/service";
import type { ServiceArgs as CloudRunV2ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import type { AutoscalerArgs } from "@pulumi/gcp/compute/autoscaler";
import type { HorizontalPodAutoscalerArgs } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import { KEDA_SCALED_OBJECT, type KedaScaledObject } from "../../lib/crds";
import { num, obj } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  maxReplicasCeiling: number;
}
const on = checks<Config>();

/** Report a missing maximum, a maximum above the ceiling, or a minimum above the maximum. */
function bounded(
  what: string,
  field: string,
  min: number | undefined,
  max: number | undefined,
  ceiling: number,
  report: (m: string) => void,
  defaultNote = "",
): void {
  if (max === undefined) {
    report(`${what} has no ${field}${defaultNote}; set an explicit maximum (at most ${ceiling})`);
  } else if (max > ceiling) {
    report(`${what} ${field} is ${max}, above the ceiling of ${ceiling} (maxReplicasCeiling)`);
  } else if (min !== undefined && min > max) {
    report(`${what} minimum ${min} is above its ${field} ${max}`);
  }
}

export const autoscalerBounded = rule<Config>({
  name: "autoscaler-bounded",
  concern: "limits",
  description:
    "Every autoscaler has an explicit maximum no higher than maxReplicasCeiling and not below its minimum (Application Auto Scaling, Auto Scaling groups, HPA, KEDA, Cloud Run, Container Apps, GCE autoscalers, Azure autoscale, DigitalOcean).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set the maximum explicitly from the profile (web/worker maxReplicas): `maxCapacity`, `maxSize`, HPA `spec.maxReplicas`, KEDA `spec.maxReplicaCount` (defaults to 100), Cloud Run `scaling.maxInstanceCount` (defaults to 100), Container Apps `template.scale.maxReplicas` (defaults to 10), DigitalOcean `autoscaling.maxInstanceCount` / node pool `maxNodes` / DropletAutoscale `config.maxInstances`.",
  config: {
    maxReplicasCeiling: {
      type: "integer",
      minimum: 1,
      default: 100,
      description: "Highest maximum any autoscaler may have.",
    },
  },
  checks: [
    on<TargetArgs>("aws:appautoscaling/target:Target", (t, ctx) =>
      bounded(
        "scalable target",
        "maxCapacity",
        t.minCapacity,
        t.maxCapacity,
        ctx.config.maxReplicasCeiling,
        ctx.report,
      ),
    ),
    on<GroupArgs>("aws:autoscaling/group:Group", (g, ctx) =>
      bounded("Auto Scaling group", "maxSize", g.minSize, g.maxSize, ctx.config.maxReplicasCeiling, ctx.report),
    ),
    on<HorizontalPodAutoscalerArgs>(
      [
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
        "kubernetes:autoscaling/v2beta1:HorizontalPodAutoscaler",
        "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
      ],
      (h, ctx) =>
        bounded(
          "HorizontalPodAutoscaler",
          "spec.maxReplicas",
          h.spec?.minReplicas ?? 1,
          h.spec?.maxReplicas,
          ctx.config.maxReplicasCeiling,
          ctx.report,
        ),
    ),
    on<KedaScaledObject>(KEDA_SCALED_OBJECT, (s, ctx) =>
      bounded(
        "KEDA ScaledObject",
        "spec.maxReplicaCount",
        s.spec?.minReplicaCount,
        s.spec?.maxReplicaCount,
        ctx.config.maxReplicasCeiling,
        ctx.report,
        " (KEDA defaults to 100)",
      ),
    ),
    on<CloudRunV2ServiceArgs>("gcp:cloudrunv2/service:Service", (s, ctx) => {
      const max = s.template?.scaling?.maxInstanceCount ?? s.scaling?.maxInstanceCount;
      if (s.scaling?.manualInstanceCount !== undefined && max === undefined) return; // manual scaling: fixed count
      const min = s.template?.scaling?.minInstanceCount ?? s.scaling?.minInstanceCount;
      bounded(
        "Cloud Run service",
        "scaling.maxInstanceCount",
        min,
        max,
        ctx.config.maxReplicasCeiling,
        ctx.report,
        " (Cloud Run defaults to 100)",
      );
    }),
    on<CloudRunV1ServiceArgs>("gcp:cloudrun/service:Service", (s, ctx) => {
      const annotations = obj(s.template?.metadata?.annotations);
      bounded(
        "Cloud Run service",
        "autoscaling.knative.dev/maxScale annotation",
        num(annotations["autoscaling.knative.dev/minScale"]),
        num(annotations["autoscaling.knative.dev/maxScale"]),
        ctx.config.maxReplicasCeiling,
        ctx.report,
        " (Cloud Run defaults to 100)",
      );
    }),
    on<AutoscalerArgs>(
      ["gcp:compute/autoscaler:Autoscaler", "gcp:compute/regionAutoscaler:RegionAutoscaler"],
      (a, ctx) =>
        bounded(
          "instance group autoscaler",
          "autoscalingPolicy.maxReplicas",
          a.autoscalingPolicy.minReplicas,
          a.autoscalingPolicy.maxReplicas,
          ctx.config.maxReplicasCeiling,
          ctx.report,
        ),
    ),
    on<ContainerAppArgs>("azure-native:app:ContainerApp", (app, ctx) =>
      bounded(
        "Container App",
        "template.scale.maxReplicas",
        app.template?.scale?.minReplicas,
        app.template?.scale?.maxReplicas,
        ctx.config.maxReplicasCeiling,
        ctx.report,
        " (Container Apps defaults to 10)",
      ),
    ),
    on<AutoscaleSettingArgs>("azure-native:monitor:AutoscaleSetting", (a, ctx) => {
      for (const p of a.profiles) {
        bounded(
          `autoscale profile "${p.name}"`,
          "capacity.maximum",
          num(p.capacity.minimum),
          num(p.capacity.maximum),
          ctx.config.maxReplicasCeiling,
          ctx.report,
        );
      }
    }),
    on<DoAppArgs>("digitalocean:index/app:App", (app, ctx) => {
      for (const [kind, components] of [
        ["service", app.spec?.services ?? []],
        ["worker", app.spec?.workers ?? []],
      ] as const) {
        for (const c of components) {
          if (!c.autoscaling) continue;
          bounded(
            `App Platform ${kind} "${c.name}"`,
            "autoscaling.maxInstanceCount",
            c.autoscaling.minInstanceCount,
            c.autoscaling.maxInstanceCount,
            ctx.config.maxReplicasCeiling,
            ctx.report,
          );
        }
      }
    }),
    on<DropletAutoscaleArgs>("digitalocean:index/dropletAutoscale:DropletAutoscale", (p, ctx) => {
      // A static pool (targetNumberInstances) is bounded by its own size.
      if (p.config?.targetNumberInstances !== undefined) return;
      bounded(
        "droplet autoscale pool",
        "config.maxInstances",
        p.config?.minInstances,
        p.config?.maxInstances,
        ctx.config.maxReplicasCeiling,
        ctx.report,
      );
    }),
    on<KubernetesNodePoolArgs>("digitalocean:index/kubernetesNodePool:KubernetesNodePool", (p, ctx) => {
      if (p.autoScale === true) {
        bounded("Kubernetes node pool", "maxNodes", p.minNodes, p.maxNodes, ctx.config.maxReplicasCeiling, ctx.report);
      }
    }),
  ],
});
