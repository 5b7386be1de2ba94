/**
 * The Prometheus rules of one Kubernetes stack: catalog/rules.ts `ruleGroups` over this stack's scope (its
 * namespace and the deployment, container, pod and PVC names of the other components' typed monitoring handles).
 * Pure: no SDK; kubernetes.ts puts the result in a PrometheusRule.
 *
 * Recording rules exist in every environment, alerting rules only with alerting: the seven dashboards read nothing
 * but recorded series (catalog/grafana.ts), so a dev stack without its recording rules would draw empty panels.
 */
import { MAXMEMORY_SHARE } from "../cache/valkey";
import type { Thresholds } from "./catalog/alerts";
import type { PromScope } from "./catalog/prometheus";
import { type RuleGroup, recordingGroups, ruleGroups } from "./catalog/rules";
import type { SloTargets } from "./catalog/slo";

/** The names the handles give (resolved Output values). */
export interface StackNames {
  namespace: string;
  webDeployment: string;
  workerDeployment: string;
  /** Regex of the CloudNativePG instance pods; their PVCs are named the same. */
  databasePods: string;
  databaseContainer: string;
  /** The cache StatefulSet: pods `<sts>-<n>`, PVCs `<claim template>-<sts>-<n>`. */
  cacheStatefulSet: string;
  cacheContainer: string;
}

/**
 * The web and worker containers are named after their tier (components/app-service/pod-spec.ts: `name: p.tier`);
 * the handle does not carry them, and the tier names are the contract.
 */
export const APP_CONTAINERS = { web: "web", worker: "worker" } as const;

/** A literal inside a PromQL regex (names are DNS labels; only `.` needs escaping, doubled for the string). */
const literal = (name: string) => name.replace(/\./g, "\\\\.");

export function stackScope(n: StackNames): PromScope {
  return {
    namespace: `namespace="${n.namespace}"`,
    deployments: `${literal(n.webDeployment)}|${literal(n.workerDeployment)}`,
    containers: { ...APP_CONTAINERS, database: n.databaseContainer, cache: n.cacheContainer },
    databasePods: n.databasePods,
    // Any claim template of the StatefulSet (valkey-statefulset.ts names it `data`).
    cachePvcs: `.+-${literal(n.cacheStatefulSet)}-[0-9]+`,
    cacheMaxmemoryShare: MAXMEMORY_SHARE,
  };
}

export interface StackRuleOptions {
  alerting: boolean;
  thresholds: Thresholds;
  slo: SloTargets;
  runbookBaseUrl: string;
}

/** The PrometheusRule spec: recording groups always, the `loom.alerts` group only with alerting. */
export function prometheusRuleSpec(n: StackNames, o: StackRuleOptions): { groups: RuleGroup[] } {
  const scope = stackScope(n);
  if (!o.alerting) return { groups: recordingGroups(scope) };
  return {
    groups: ruleGroups({
      scope,
      thresholds: o.thresholds,
      slo: o.slo,
      runbookBaseUrl: o.runbookBaseUrl,
      namespace: n.namespace,
    }),
  };
}
