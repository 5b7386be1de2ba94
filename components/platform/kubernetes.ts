/**
 * The Kubernetes platform: the stack's ONE explicit Kubernetes provider and, with `installOperators`, the pinned
 * operator charts (lib/k8s-provider.ts) every component's children depend on. Built once, first, by the `Platform`
 * component; every components/<name>/kubernetes.ts receives it as `args.platform` and passes it to `k8sOptions`.
 *
 * With the test-only `testOnlySkipAwait` (the `cluster` e2e stack only), it also registers the stack transformation
 * that skips the provider's readiness checks for workloads (lib/k8s-skip-await.ts).
 *
 * URNs: the provider (`kubernetes`) and the operator namespaces and charts (`operators-*`) stay at the stack root,
 * where they were before the Platform component existed, so no existing stack sees a replacement.
 */
import type { Provider } from "@pulumi/kubernetes/provider";
import type * as pulumi from "@pulumi/pulumi";
import { createProvider, installOperators } from "../lib/k8s-provider";
import { registerSkipAwait } from "../lib/k8s-skip-await";
import type { KubernetesTarget } from "../targets";
import type { ResolvedPlatformArgs } from ".";

export interface KubernetesPlatform {
  cloud: "kubernetes";
  /** The validated `loom:kubernetes` target. */
  target: KubernetesTarget;
  /** The stack's one explicit provider: no child ever falls back to the ambient default provider. */
  provider: Provider;
  /** The operator charts (empty without `installOperators`): CRDs and webhooks every child must wait for. */
  operators: pulumi.Resource[];
}

export function create(
  _parent: pulumi.ComponentResource,
  _name: string,
  args: ResolvedPlatformArgs<"kubernetes">,
): KubernetesPlatform {
  const target = args.target;
  // TEST ONLY (the e2e control plane's stack; the target refuses it anywhere else): before any workload exists.
  if (target.testOnlySkipAwait) registerSkipAwait();
  const provider = createProvider(target);
  const operators = target.installOperators ? installOperators(target, provider) : [];
  return { cloud: "kubernetes", target, provider, operators };
}
