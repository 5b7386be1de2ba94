/**
 * Shared fixtures of the Kubernetes component tests (*.k8s.spec.ts): real settings parsed from raw stack config (so
 * every default comes from settings.ts and profiles.ts, never restated here), a fake Network, and typed access to
 * recorded inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOutputs } from "../../components/network";
import type { Environment } from "../../components/profiles";
import { type KubernetesSettings, parseSettings, type Settings } from "../../components/settings";
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
      alertEmail: "oncall@example.com",
      kubernetes,
      ...extra,
    },
    { stack: env },
  );
}

export function k8sTarget(env: Environment, kubernetes: Record<string, unknown> = {}): KubernetesSettings {
  const target = k8sSettings(env, kubernetes).kubernetes;
  if (!target) throw new Error("settings returned no kubernetes target");
  return target;
}

/** BaseArgs of a Kubernetes component for `env`. */
export function base(env: Environment, kubernetes: Record<string, unknown> = {}) {
  const s = k8sSettings(env, kubernetes);
  return { cloud: "kubernetes" as const, context: context(env), protect: s.protect, kubernetes: s.kubernetes };
}

/** The NetworkOutputs Network's kubernetes.ts returns, without building it. */
export function k8sNetwork(namespace = "loom-prod"): NetworkOutputs {
  const o = pulumi.output;
  return {
    networkId: o(namespace),
    cidr: o("10.0.0.0/8"),
    zones: [],
    publicSubnetIds: o([]),
    privateSubnetIds: o([]),
    dataSubnetIds: o([]),
    tiers: { edge: o("ingress-nginx"), app: o("app"), database: o("database"), cache: o("cache") },
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
