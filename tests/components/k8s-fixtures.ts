/**
 * Shared fixtures of the Kubernetes component tests (*.k8s.spec.ts): real settings parsed from raw stack config (so
 * every default comes from settings.ts and profiles.ts, never restated here), a fake Network, and typed access to
 * recorded inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs } from "../../components/network";
import type { ObservabilityTargets } from "../../components/observability";
import { create as createPlatform, type KubernetesPlatform } from "../../components/platform/kubernetes";
import type { Environment } from "../../components/profiles";
import { parseSettings, type Settings } from "../../components/settings";
import type { KubernetesTarget } from "../../components/targets";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { context } from "../harness/program";

export const ENVS: readonly Environment[] = ["dev", "staging", "prod"];
export const IMAGE = "ghcr.io/example/loom@sha256:1111111111111111111111111111111111111111111111111111111111111111";

/** Settings of a Kubernetes stack for `env`, with `kubernetes` as the raw `loom:kubernetes` object. */
export function k8sSettings(
  env: Environment,
  kubernetes: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Settings {
  return parseSettings(
    {
      cloud: "kubernetes",
      domain: `${env}.loom.example.com`,
      image: IMAGE,
      alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
      backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
      kubernetes,
      ...extra,
    },
    { stack: env },
  );
}

export function k8sTarget(env: Environment, kubernetes: Record<string, unknown> = {}): KubernetesTarget {
  const target = k8sSettings(env, kubernetes).target;
  if (target.cloud !== "kubernetes") throw new Error("settings returned no kubernetes target");
  return target;
}

/** One platform per mocked run (the real components/platform/kubernetes.ts), created on first use inside the run. */
const platforms = new WeakMap<object, KubernetesPlatform>();

/**
 * The Kubernetes platform handle for `target`. Args are often built before the mocked run starts, so the provider
 * (a resource) is created lazily, by the real platform file, the first time a component reads it in a run.
 */
export function k8sPlatformHandle(target: KubernetesTarget): KubernetesPlatform {
  const current = (): KubernetesPlatform => {
    const root = pulumi.runtime.getStackResource() as object;
    let p = platforms.get(root);
    if (!p) {
      p = createPlatform(undefined as unknown as pulumi.ComponentResource, "loom", {
        target,
        context: context("prod"),
        protect: false,
        disasterRecovery: false,
        logRetentionDays: 30,
      });
      platforms.set(root, p);
    }
    return p;
  };
  return {
    cloud: "kubernetes",
    target,
    get provider() {
      return current().provider;
    },
    get operators() {
      return current().operators;
    },
  };
}

/** BaseArgs of a Kubernetes component for `env`. */
export function base(env: Environment, kubernetes: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const s = k8sSettings(env, kubernetes, extra);
  if (s.target.cloud !== "kubernetes") throw new Error("settings returned no kubernetes target");
  return { platform: k8sPlatformHandle(s.target), context: context(env), protect: s.protect };
}

/** The NetworkOutputs Network's kubernetes.ts returns, without building it. */
/** clusterSpec inputs of a prod-sized CloudNativePG cluster (HA + replica: three instances), without an object store. */
export const PROD_CLUSTER_INPUTS = {
  name: "loom",
  engineVersion: "16",
  tier: "large" as const,
  storageGiB: 100,
  highAvailability: true,
  readReplica: true,
  slowQueryMs: 250,
  performanceInsights: true,
  databaseName: "loom",
  inheritedLabels: { "loom/tier": "database" },
  caSecret: "loom-internal-ca",
};

export function k8sNetwork(namespace = "loom-prod"): NetworkOutputs {
  const o = pulumi.output;
  return {
    networkId: o(namespace),
    cidr: o("10.0.0.0/8"),
    zones: [],
    placement: { cloud: "kubernetes", namespace: o(namespace), internalIssuer: o("loom-internal-ca") },
    tiers: {
      edge: o("ingress-nginx"),
      app: o("app"),
      database: o("database"),
      cache: o("cache"),
      backup: o("backup"),
    },
  };
}

/** Walk into recorded inputs: at(r.inputs, "spec", "template", "spec") as an object. */
// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON; tests read them by path
export function at(value: unknown, ...path: (string | number)[]): any {
  let v: unknown = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") throw new Error(`no ${path.join(".")} (stopped at ${String(p)})`);
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** Containers and the pod spec of a recorded workload. */
export function podSpec(r: PlannedResource) {
  return r.type === "kubernetes:batch/v1:Job" || r.type.endsWith(":Deployment") || r.type.endsWith(":StatefulSet")
    ? at(r.inputs, "spec", "template", "spec")
    : undefined;
}

/** The monitoring handles a Kubernetes Observability reads, as the app, database and cache of `loom-<env>` give them. */
export function k8sMonitoringTargets(env: Environment): ObservabilityTargets {
  const o = pulumi.output;
  const namespace = o(`loom-${env}`);
  return {
    app: {
      cloud: "kubernetes",
      namespace,
      instance: o(`loom-${env}`),
      webService: o("loom-web"),
      webDeployment: o("loom-web"),
      workerDeployment: o("loom-worker"),
      metricsPath: o("/metrics"),
    },
    database: {
      cloud: "kubernetes",
      namespace,
      cluster: o("loom-db"),
      instancePods: o("loom-db-[0-9]+"),
      container: o("postgres"),
    },
    cache: { cloud: "kubernetes", namespace, statefulSet: o("loom-cache"), container: o("valkey") },
  };
}
