/**
 * TEST ONLY: `loom:kubernetes.testOnlySkipAwait` (docs/cluster.md, "The skip-await switch"). The e2e control plane
 * (scripts/cluster/up.sh) is etcd + kube-apiserver + kube-controller-manager: no scheduler, no kubelet, no cloud. Pods
 * are created and stay Pending there, so the Kubernetes provider's readiness checks for the kinds below would wait
 * until they time out (10 min each) and fail `pulumi up`. With the switch on, the Kubernetes platform registers a
 * stack transformation that annotates exactly those kinds `pulumi.com/skipAwait: "true"`: the provider then reports
 * them created as soon as the API server has accepted them (the objects are still applied, server-side, and
 * admitted for real). The target refuses the switch outside the `cluster` stack and its kubeconfig
 * (targets/kubernetes.ts): a real stack must never report an unready workload as deployed.
 *
 * The kinds are those pulumi-kubernetes 4.x (provider/pkg/await/awaiters.go) waits on for something only a node, a
 * controller we do not run, or a cloud provides: Deployment, StatefulSet, DaemonSet, ReplicationController and Pod
 * (ready Pods), Job (completion), Service (ready endpoints; a LoadBalancer's address), Ingress (the controller's
 * address), PersistentVolumeClaim and PersistentVolume (a bound volume). Kinds whose await the control plane
 * satisfies (Secret, ServiceAccount, ResourceQuota) and kinds without one (ConfigMap, NetworkPolicy, custom
 * resources unless PULUMI_K8S_AWAIT_ALL=true) keep the provider's behaviour.
 *
 * A legacy stack *transformation* (runs in the program), not a `registerResourceTransform` (runs through the
 * engine): the mock engine of `npm run plan` and the tests applies the former exactly as the real engine does, and
 * the latter not at all. It reaches resources constructed after it is registered, i.e. every component after the
 * Platform; not the children of remote components (helm.v4.Chart), which is why the target refuses the switch with
 * `installOperators`.
 */
import * as pulumi from "@pulumi/pulumi";

export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** The Pulumi types the transformation annotates (see the header for why each). */
export const SKIP_AWAIT_TYPES: readonly string[] = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:core/v1:Pod",
  "kubernetes:core/v1:ReplicationController",
  "kubernetes:core/v1:Service",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:PersistentVolume",
  "kubernetes:networking.k8s.io/v1:Ingress",
];

/** What the program prints (a warning in every preview and update) while the switch is on. */
export const SKIP_AWAIT_WARNING =
  "loom:kubernetes.testOnlySkipAwait is ON: Deployments, StatefulSets, Jobs, Services and Ingresses are reported " +
  "created without waiting for readiness (pulumi.com/skipAwait). TEST ONLY, for the e2e control plane without a " +
  "kubelet (npm run e2e:cluster); a real stack must never set it.";

type Metadata = { annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>; [field: string]: unknown };

const isDeferred = (v: unknown): boolean => pulumi.Output.isInstance(v) || v instanceof Promise;

/** `annotations` with the skipAwait annotation added (kept an Output when it was one). */
function annotate(annotations: Metadata["annotations"]): Metadata["annotations"] {
  if (isDeferred(annotations)) {
    return pulumi.output(annotations).apply((a) => ({ ...(a ?? {}), [SKIP_AWAIT_ANNOTATION]: "true" }));
  }
  return {
    ...((annotations as Record<string, pulumi.Input<string>> | undefined) ?? {}),
    [SKIP_AWAIT_ANNOTATION]: "true",
  };
}

/** `metadata` with the annotation: a plain object stays plain, so names and namespaces stay known in a preview. */
export function withSkipAwait(metadata: unknown): unknown {
  if (isDeferred(metadata)) {
    return pulumi.output(metadata as pulumi.Input<Metadata>).apply((m): unknown => withSkipAwait(m));
  }
  const m = (metadata ?? {}) as Metadata;
  return { ...m, annotations: annotate(m.annotations) };
}

/** The stack transformation: the annotation on the kinds above, every other resource untouched. */
export function skipAwaitTransformation(
  args: pulumi.ResourceTransformationArgs,
): pulumi.ResourceTransformationResult | undefined {
  if (!SKIP_AWAIT_TYPES.includes(args.type)) return undefined;
  return { props: { ...args.props, metadata: withSkipAwait(args.props.metadata) }, opts: args.opts };
}

/** Register the transformation for every resource constructed from now on, and say so loudly. */
export function registerSkipAwait(): void {
  pulumi.log.warn(SKIP_AWAIT_WARNING);
  pulumi.runtime.registerStackTransformation(skipAwaitTransformation);
}
