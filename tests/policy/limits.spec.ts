/**
 * Resource limits: container-resource-limits, autoscaler-bounded.
 */
import assert from "node:assert/strict";
import { autoscalerBounded } from "../../policy/rules/limits/autoscaler-bounded";
import { containerResourceLimits } from "../../policy/rules/limits/container-resource-limits";
import {
  aws,
  azure,
  digitalocean,
  ecsContainerDefinitions,
  gcp,
  itFails,
  itPasses,
  k8s,
  messages,
  mutate,
  podSpec,
  retype,
} from "../harness/fixtures";

describe("container-resource-limits", () => {
  itPasses(containerResourceLimits, [
    k8s.deployment(),
    k8s.statefulSet(),
    k8s.daemonSet(),
    k8s.job(),
    k8s.cronJob(),
    k8s.pod(),
    retype(k8s.deployment(), "kubernetes:apps/v1beta2:Deployment"),
    k8s.cnpgCluster(),
    aws.taskDefinition(),
    gcp.cloudRunService(),
    gcp.cloudRunJob(),
    gcp.cloudRunV1Service(),
    azure.containerApp(),
    azure.containerAppJob(),
    azure.containerGroup(),
  ]);

  const noCpuLimit = mutate(k8s.deployment(), (d) => {
    for (const c of d.spec?.template.spec?.containers ?? []) {
      if (c.resources?.limits) delete c.resources.limits.cpu;
    }
  });
  itPasses(
    containerResourceLimits,
    [noCpuLimit],
    { "container-resource-limits": { requireCpuLimit: false } },
    "with requireCpuLimit off",
  );

  itFails(containerResourceLimits, [
    {
      title: "Deployment container without any resources",
      resource: mutate(k8s.deployment(), (d) => {
        const c = d.spec?.template.spec?.containers[0];
        if (c) c.resources = undefined;
      }),
      messages: [
        'container "web" is missing resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory',
      ],
    },
    {
      title: "Deployment container without a CPU limit",
      resource: noCpuLimit,
      messages: ['container "web" is missing resources.limits.cpu'],
    },
    {
      title: "init container without a memory limit",
      resource: mutate(k8s.statefulSet(), (s) => {
        const c = s.spec?.template.spec?.initContainers?.[0];
        if (c?.resources?.limits) delete c.resources.limits.memory;
      }),
      messages: ['init container "migrate-check" is missing resources.limits.memory'],
    },
    {
      title: "CronJob container without requests",
      resource: mutate(k8s.cronJob(), (cj) => {
        const c = cj.spec?.jobTemplate.spec?.template.spec?.containers[0];
        if (c?.resources) c.resources.requests = undefined;
      }),
      messages: ['container "web" is missing resources.requests.cpu, resources.requests.memory'],
    },
    {
      title: "bare Pod without a memory request",
      resource: mutate(k8s.pod(), (p) => {
        const c = p.spec?.containers[0];
        if (c?.resources?.requests) delete c.resources.requests.memory;
      }),
      messages: ['container "web" is missing resources.requests.memory'],
    },
    {
      title: "CloudNativePG cluster without limits",
      resource: mutate(k8s.cnpgCluster(), (c) => {
        if (c.spec?.resources) c.spec.resources.limits = undefined;
      }),
      messages: ["CloudNativePG cluster is missing spec.resources.limits.cpu, spec.resources.limits.memory"],
    },
    {
      title: "ECS task definition without task-level memory",
      resource: mutate(aws.taskDefinition(), (td) => {
        td.memory = undefined;
      }),
      messages: ["ECS task definition has no task-level memory; set both cpu and memory"],
    },
    {
      title: "ECS task definition without task-level cpu and memory",
      resource: mutate(aws.taskDefinition(), (td) => {
        td.memory = undefined;
        td.cpu = undefined;
      }),
      messages: ["ECS task definition has no task-level cpu or memory; set both cpu and memory"],
    },
    {
      title: "Cloud Run service container without a memory limit",
      resource: mutate(gcp.cloudRunService(), (s) => {
        const c = s.template.containers?.[0];
        if (c) c.resources = { limits: { cpu: "1" } };
      }),
      messages: ['Cloud Run container "web" is missing resources.limits.memory'],
    },
    {
      title: "Cloud Run job container without limits",
      resource: mutate(gcp.cloudRunJob(), (j) => {
        const c = j.template.template.containers?.[0];
        if (c) c.resources = undefined;
      }),
      messages: ['Cloud Run container "migrate" is missing resources.limits.cpu, resources.limits.memory'],
    },
    {
      title: "Cloud Run (v1) container without limits",
      resource: mutate(gcp.cloudRunV1Service(), (s) => {
        const c = s.template?.spec?.containers?.[0];
        if (c) c.resources = undefined;
      }),
      messages: ['Cloud Run container "web" is missing resources.limits.cpu, resources.limits.memory'],
    },
    {
      title: "Container App container without memory",
      resource: mutate(azure.containerApp(), (a) => {
        const c = a.template?.containers?.[0];
        if (c) c.resources = { cpu: 1 };
      }),
      messages: ['container "web" is missing resources.memory'],
    },
    {
      title: "Container App init container without resources",
      resource: mutate(azure.containerApp(), (a) => {
        if (a.template) a.template.initContainers = [{ name: "wait-for-db", image: "busybox@sha256:00" }];
      }),
      messages: ['init container "wait-for-db" is missing resources.cpu, resources.memory'],
    },
    {
      title: "Container Apps job container without cpu",
      resource: mutate(azure.containerAppJob(), (j) => {
        const c = j.template?.containers?.[0];
        if (c) c.resources = { memory: "1Gi" };
      }),
      messages: ['container "migrate" is missing resources.cpu'],
    },
    {
      title: "Container Instances container without requests",
      resource: mutate(azure.containerGroup(), (g) => {
        const c = g.containers[0];
        if (c) c.resources = undefined;
      }),
      messages: ['container "worker" is missing resources.requests.cpu, resources.requests.memoryInGB'],
    },
  ]);

  it("checks restartable init containers (sidecars) too", async () => {
    const spec = podSpec();
    spec.initContainers = [
      ...(spec.initContainers ?? []),
      { name: "log-shipper", image: "fluent-bit@sha256:00", restartPolicy: "Always" },
    ];
    const pod = mutate(k8s.pod(), (p) => {
      p.spec = spec;
    });
    assert.deepEqual(await messages(containerResourceLimits, pod), [
      'init container "log-shipper" is missing resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory',
    ]);
  });

  it("does not depend on the container definitions (task-level sizing is the ECS contract)", async () => {
    const td = aws.taskDefinition([{ ...ecsContainerDefinitions()[0], cpu: undefined, memory: undefined }]);
    assert.deepEqual(await messages(containerResourceLimits, td), []);
  });
});

describe("autoscaler-bounded", () => {
  itPasses(autoscalerBounded, [
    aws.scalingTarget(),
    aws.autoScalingGroup(),
    k8s.hpa(),
    retype(k8s.hpa(), "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"),
    k8s.scaledObject(),
    gcp.cloudRunService(),
    gcp.cloudRunV1Service(),
    gcp.autoscaler(),
    retype(gcp.autoscaler(), "gcp:compute/regionAutoscaler:RegionAutoscaler"),
    azure.containerApp(),
    azure.autoscaleSetting(),
    digitalocean.app(),
    digitalocean.nodePool(),
  ]);
  itPasses(
    autoscalerBounded,
    [
      mutate(gcp.cloudRunService(), (s) => {
        s.template.scaling = undefined;
        s.scaling = { manualInstanceCount: 3 };
      }),
      mutate(digitalocean.nodePool(), (p) => {
        p.autoScale = false;
        p.maxNodes = undefined;
        p.nodeCount = 3;
      }),
    ],
    {},
    "(fixed capacity: manual Cloud Run scaling, a fixed node pool)",
  );

  itFails(autoscalerBounded, [
    {
      title: "scalable target above the ceiling",
      resource: mutate(aws.scalingTarget(), (t) => {
        t.maxCapacity = 500;
      }),
      messages: ["scalable target maxCapacity is 500, above the ceiling of 100 (maxReplicasCeiling)"],
    },
    {
      title: "scalable target with min above max",
      resource: mutate(aws.scalingTarget(), (t) => {
        t.minCapacity = 20;
      }),
      messages: ["scalable target minimum 20 is above its maxCapacity 12"],
    },
    {
      title: "scalable target above a lower configured ceiling",
      resource: aws.scalingTarget(),
      config: { "autoscaler-bounded": { maxReplicasCeiling: 10 } },
      messages: ["scalable target maxCapacity is 12, above the ceiling of 10 (maxReplicasCeiling)"],
    },
    {
      title: "Auto Scaling group above the ceiling",
      resource: mutate(aws.autoScalingGroup(), (g) => {
        g.maxSize = 200;
      }),
      messages: ["Auto Scaling group maxSize is 200, above the ceiling of 100 (maxReplicasCeiling)"],
    },
    {
      title: "HPA above the ceiling",
      resource: mutate(k8s.hpa(), (h) => {
        if (h.spec) h.spec.maxReplicas = 150;
      }),
      messages: ["HorizontalPodAutoscaler spec.maxReplicas is 150, above the ceiling of 100 (maxReplicasCeiling)"],
    },
    {
      title: "HPA with minReplicas above maxReplicas",
      resource: mutate(k8s.hpa(), (h) => {
        if (h.spec) h.spec.minReplicas = 20;
      }),
      messages: ["HorizontalPodAutoscaler minimum 20 is above its spec.maxReplicas 12"],
    },
    {
      title: "KEDA ScaledObject without maxReplicaCount",
      resource: mutate(k8s.scaledObject(), (s) => {
        if (s.spec) s.spec.maxReplicaCount = undefined;
      }),
      messages: [
        "KEDA ScaledObject has no spec.maxReplicaCount (KEDA defaults to 100); set an explicit maximum (at most 100)",
      ],
    },
    {
      title: "Cloud Run service without maxInstanceCount",
      resource: mutate(gcp.cloudRunService(), (s) => {
        s.template.scaling = { minInstanceCount: 1 };
      }),
      messages: [
        "Cloud Run service has no scaling.maxInstanceCount (Cloud Run defaults to 100); set an explicit maximum (at most 100)",
      ],
    },
    {
      title: "Cloud Run (v1) service without the maxScale annotation",
      resource: mutate(gcp.cloudRunV1Service(), (s) => {
        if (s.template?.metadata) s.template.metadata.annotations = {};
      }),
      messages: [
        "Cloud Run service has no autoscaling.knative.dev/maxScale annotation (Cloud Run defaults to 100); set an explicit maximum (at most 100)",
      ],
    },
    {
      title: "GCE autoscaler above the ceiling",
      resource: mutate(gcp.autoscaler(), (a) => {
        a.autoscalingPolicy.maxReplicas = 1000;
      }),
      messages: [
        "instance group autoscaler autoscalingPolicy.maxReplicas is 1000, above the ceiling of 100 (maxReplicasCeiling)",
      ],
    },
    {
      title: "Container App without an explicit maxReplicas",
      resource: mutate(azure.containerApp(), (a) => {
        if (a.template) a.template.scale = { minReplicas: 1 };
      }),
      messages: [
        "Container App has no template.scale.maxReplicas (Container Apps defaults to 10); set an explicit maximum (at most 100)",
      ],
    },
    {
      title: "Azure autoscale profile above the ceiling",
      resource: mutate(azure.autoscaleSetting(), (a) => {
        const p = a.profiles[0];
        if (p) p.capacity.maximum = "500";
      }),
      messages: ['autoscale profile "default" capacity.maximum is 500, above the ceiling of 100 (maxReplicasCeiling)'],
    },
    {
      title: "App Platform service autoscaling above the ceiling",
      resource: mutate(digitalocean.app(), (app) => {
        const s = app.spec?.services?.[0];
        if (s?.autoscaling) s.autoscaling.maxInstanceCount = 200;
      }),
      messages: [
        'App Platform service "web" autoscaling.maxInstanceCount is 200, above the ceiling of 100 (maxReplicasCeiling)',
      ],
    },
    {
      title: "DOKS node pool autoscaling without maxNodes",
      resource: mutate(digitalocean.nodePool(), (p) => {
        p.maxNodes = undefined;
      }),
      messages: ["Kubernetes node pool has no maxNodes; set an explicit maximum (at most 100)"],
    },
  ]);
});
