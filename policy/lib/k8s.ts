/**
 * Kubernetes workload helpers: where the pod spec lives in each workload kind, and every container of it (regular,
 * init — including restartable sidecars — and ephemeral) with a readable label for messages.
 */
import type { core } from "@pulumi/kubernetes/types/input";
import type { Unwrap } from "@pulumi/pulumi";
import { isObj, obj } from "./props";

export type PodSpec = Unwrap<core.v1.PodSpec>;
export type Container = Unwrap<core.v1.Container>;

/** Workloads whose pod template is at spec.template.spec. */
const TEMPLATED = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:apps/v1beta1:Deployment",
  "kubernetes:apps/v1beta1:StatefulSet",
  "kubernetes:apps/v1beta2:Deployment",
  "kubernetes:apps/v1beta2:StatefulSet",
  "kubernetes:apps/v1beta2:DaemonSet",
  "kubernetes:apps/v1beta2:ReplicaSet",
  "kubernetes:extensions/v1beta1:Deployment",
  "kubernetes:extensions/v1beta1:DaemonSet",
  "kubernetes:extensions/v1beta1:ReplicaSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:core/v1:ReplicationController",
] as const;
/** CronJobs: spec.jobTemplate.spec.template.spec. */
const CRON = [
  "kubernetes:batch/v1:CronJob",
  "kubernetes:batch/v1beta1:CronJob",
  "kubernetes:batch/v2alpha1:CronJob",
] as const;
/** Pods: spec; PodTemplates: template.spec. */
const POD = "kubernetes:core/v1:Pod";
const POD_TEMPLATE = "kubernetes:core/v1:PodTemplate";

/** Every type token that carries a pod spec. */
export const K8S_WORKLOADS: readonly string[] = [...TEMPLATED, ...CRON, POD, POD_TEMPLATE];

/** The pod spec of a workload's inputs (undefined if absent). */
export function podSpecOf(type: string, props: unknown): PodSpec | undefined {
  const p = obj(props);
  let spec: unknown;
  if (type === POD) spec = p.spec;
  else if (type === POD_TEMPLATE) spec = obj(p.template).spec;
  else if ((CRON as readonly string[]).includes(type)) spec = obj(obj(obj(obj(p.spec).jobTemplate).spec).template).spec;
  else spec = obj(obj(p.spec).template).spec;
  return isObj(spec) ? (spec as PodSpec) : undefined;
}

export interface ContainerRef {
  container: Container;
  /** `container "web"`, `init container "migrate"`. */
  label: string;
  kind: "container" | "initContainer" | "ephemeralContainer";
}

/** Regular and init containers (ephemeral debug containers are excluded unless `withEphemeral`). */
export function containersOf(spec: PodSpec | undefined, withEphemeral = false): ContainerRef[] {
  if (!spec) return [];
  const out: ContainerRef[] = [];
  for (const c of spec.initContainers ?? [])
    out.push({ container: c, label: `init container "${c.name}"`, kind: "initContainer" });
  for (const c of spec.containers ?? []) out.push({ container: c, label: `container "${c.name}"`, kind: "container" });
  if (withEphemeral)
    for (const c of spec.ephemeralContainers ?? [])
      out.push({ container: c as Container, label: `ephemeral container "${c.name}"`, kind: "ephemeralContainer" });
  return out;
}
