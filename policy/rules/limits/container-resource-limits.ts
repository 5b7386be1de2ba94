/**
 * Every container declares how much CPU and memory it needs and may use, so one runaway review job cannot starve
 * its neighbours and the scheduler can place pods honestly.
 */
import type { TaskDefinitionArgs } from "@pulumi/aws/ecs/taskDefinition";
import type { ContainerAppArgs } from "@pulumi/azure-native/app/containerApp";
import type { JobArgs as ContainerAppJobArgs } from "@pulumi/azure-native/app/job";
import type { ContainerGroupArgs } from "@pulumi/azure-native/containerinstance/containerGroup";
import type { ServiceArgs as CloudRunV1ServiceArgs } from "@pulumi/gcp/cloudrun/service";
import type { JobArgs as CloudRunV2JobArgs } from "@pulumi/gcp/cloudrunv2/job";
import type { ServiceArgs as CloudRunV2ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import { CNPG_CLUSTER, type CnpgCluster } from "../../lib/crds";
import { type Container, containersOf, K8S_WORKLOADS, podSpecOf } from "../../lib/k8s";
import { obj } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  requireCpuLimit: boolean;
}
const on = checks<Config>();

type K8sResources = Container["resources"];
function missingK8s(r: K8sResources, config: Config): string[] {
  const requests = obj(r?.requests);
  const limits = obj(r?.limits);
  const missing: string[] = [];
  if (requests.cpu === undefined) missing.push("requests.cpu");
  if (requests.memory === undefined) missing.push("requests.memory");
  if (config.requireCpuLimit && limits.cpu === undefined) missing.push("limits.cpu");
  if (limits.memory === undefined) missing.push("limits.memory");
  return missing;
}

type RunContainer = { name?: string; resources?: { limits?: Record<string, string> } };
function checkCloudRun(containers: RunContainer[], report: (m: string) => void): void {
  containers.forEach((c, i) => {
    const limits = obj(c.resources?.limits);
    const missing = ["cpu", "memory"].filter((k) => limits[k] === undefined).map((k) => `resources.limits.${k}`);
    if (missing.length > 0) {
      report(`Cloud Run container ${c.name ? `"${c.name}"` : `#${i}`} is missing ${missing.join(", ")}`);
    }
  });
}

type AcaContainer = { name?: string; resources?: { cpu?: number; memory?: string } };
function checkAca(kind: string, containers: AcaContainer[], report: (m: string) => void): void {
  for (const c of containers) {
    const missing = (["cpu", "memory"] as const)
      .filter((k) => c.resources?.[k] === undefined)
      .map((k) => `resources.${k}`);
    if (missing.length > 0) report(`${kind} "${c.name ?? "?"}" is missing ${missing.join(", ")}`);
  }
}

export const containerResourceLimits = rule<Config>({
  name: "container-resource-limits",
  concern: "limits",
  description:
    "Every container sets CPU and memory requests and limits (Kubernetes workloads incl. init containers, CloudNativePG, ECS task definitions, Cloud Run, Container Apps, Container Instances).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Kubernetes: `resources.requests` and `resources.limits` for cpu and memory on every container and init container (components take them from the profile). ECS: task-level `cpu` and `memory`. Cloud Run: `resources.limits` cpu and memory. Container Apps: `resources.cpu` and `resources.memory`. Container Instances: `resources.requests` cpu and memoryInGB.",
  config: {
    requireCpuLimit: {
      type: "boolean",
      default: true,
      description:
        "Require limits.cpu on Kubernetes containers (turn off to allow burstable CPU with requests only, as Kyverno's require-requests-limits does).",
    },
  },
  checks: [
    on<Record<string, unknown>>(K8S_WORKLOADS, (props, ctx) => {
      for (const { container, label } of containersOf(podSpecOf(ctx.type, props))) {
        const missing = missingK8s(container.resources, ctx.config);
        if (missing.length > 0) ctx.report(`${label} is missing resources.${missing.join(", resources.")}`);
      }
    }),
    on<CnpgCluster>(CNPG_CLUSTER, (c, ctx) => {
      const missing = missingK8s(c.spec?.resources, ctx.config);
      if (missing.length > 0)
        ctx.report(`CloudNativePG cluster is missing spec.resources.${missing.join(", spec.resources.")}`);
    }),
    on<TaskDefinitionArgs>("aws:ecs/taskDefinition:TaskDefinition", (td, ctx) => {
      const missing = (["cpu", "memory"] as const).filter((k) => td[k] === undefined || td[k] === "");
      if (missing.length > 0)
        ctx.report(`ECS task definition has no task-level ${missing.join(" or ")}; set both cpu and memory`);
    }),
    on<CloudRunV2ServiceArgs>("gcp:cloudrunv2/service:Service", (s, ctx) =>
      checkCloudRun(s.template?.containers ?? [], ctx.report),
    ),
    on<CloudRunV2JobArgs>("gcp:cloudrunv2/job:Job", (j, ctx) =>
      checkCloudRun(j.template?.template?.containers ?? [], ctx.report),
    ),
    on<CloudRunV1ServiceArgs>("gcp:cloudrun/service:Service", (s, ctx) =>
      checkCloudRun(s.template?.spec?.containers ?? [], ctx.report),
    ),
    on<ContainerAppArgs>("azure-native:app:ContainerApp", (app, ctx) => {
      checkAca("init container", app.template?.initContainers ?? [], ctx.report);
      checkAca("container", app.template?.containers ?? [], ctx.report);
    }),
    on<ContainerAppJobArgs>("azure-native:app:Job", (job, ctx) => {
      checkAca("init container", job.template?.initContainers ?? [], ctx.report);
      checkAca("container", job.template?.containers ?? [], ctx.report);
    }),
    on<ContainerGroupArgs>("azure-native:containerinstance:ContainerGroup", (g, ctx) => {
      for (const c of g.containers) {
        const r = c.resources?.requests;
        const missing = [r?.cpu === undefined ? "cpu" : "", r?.memoryInGB === undefined ? "memoryInGB" : ""].filter(
          Boolean,
        );
        if (missing.length > 0)
          ctx.report(`container "${c.name}" is missing resources.requests.${missing.join(", resources.requests.")}`);
      }
    }),
  ],
});
