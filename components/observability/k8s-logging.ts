/**
 * Logs on Kubernetes (docs/logging.md#kubernetes): the app writes one JSON object per line to stdout; the cluster's
 * log pipeline collects, redacts and keeps them. With `loom:kubernetes.installOperators` this stack installs that
 * pipeline, cluster-wide, in the monitoring operator namespace (never in the stack's namespace: the agent needs
 * hostPath):
 *
 * - Loki (lib/k8s-provider.ts LOG_PIPELINE_CHARTS.loki; values: loki-config.ts), retention = this stack's profile
 *   `logRetentionDays` for its own namespace and every stream not listed in
 *   `loom:kubernetes.logs.namespaceRetentionDays`;
 * - the node log agent, an OpenTelemetry Collector DaemonSet (LOG_PIPELINE_CHARTS.logAgent; log-agent-config.ts)
 *   with the `loom:observability.redact` rules;
 * - a Grafana data source ConfigMap for kube-prometheus-stack's sidecar.
 *
 * Without installOperators nothing is created: the cluster's own pipeline (or the one installed by the cluster's
 * platform stack) collects the namespace's stdout, and its retention is that pipeline's.
 */
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor } from "../lib/k8s";
import { k8sPlatform, LOG_PIPELINE_CHARTS, pinnedChart } from "../lib/k8s-provider";
import type { ResolvedObservabilityArgs } from ".";
import { AGENT_RELEASE, agentValues } from "./log-agent-config";
import { LOKI_RELEASE, lokiDatasource, lokiUrl, lokiValues } from "./loki-config";

/** The data source ConfigMap in the monitoring namespace. */
export const LOKI_DATASOURCE_CONFIGMAP = "loom-loki-datasource";

export interface LoggingOutputs {
  /** Loki's in-cluster URL when this stack installed the pipeline; "" when the cluster's own pipeline is used. */
  logStore: pulumi.Output<string>;
}

export function createLogging(
  _parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
  _inNamespace: pulumi.Output<string>,
  opts: () => pulumi.CustomResourceOptions,
): LoggingOutputs {
  const target = k8sPlatform(args).target;
  if (!target.installOperators) return { logStore: pulumi.output("") };
  const monitoring = target.operatorNamespaces.monitoring;
  const loki = pinnedChart(
    `${name}-loki`,
    LOG_PIPELINE_CHARTS.loki,
    LOKI_RELEASE,
    monitoring,
    lokiValues({
      monitoringNamespace: monitoring,
      namespace: target.namespace,
      retentionDays: args.logRetentionDays,
      logs: target.logs,
      storageClass: target.storageClass,
      prometheusRelease: target.prometheusRelease,
    }),
    opts(),
  );
  const agentOpts = opts();
  pinnedChart(
    `${name}-log-agent`,
    LOG_PIPELINE_CHARTS.logAgent,
    AGENT_RELEASE,
    monitoring,
    agentValues({
      monitoringNamespace: monitoring,
      redaction: args.redaction,
      prometheusRelease: target.prometheusRelease,
    }),
    // Loki first: the agent's first batches then find it.
    { ...agentOpts, dependsOn: [...toArray(agentOpts.dependsOn), loki] },
  );
  new ConfigMap(
    `${name}-loki-datasource`,
    {
      metadata: {
        name: LOKI_DATASOURCE_CONFIGMAP,
        namespace: monitoring,
        labels: { ...labelsFor(args, "observability"), grafana_datasource: "1" },
      },
      data: { "loki-datasource.yaml": lokiDatasource(monitoring) },
    },
    opts(),
  );
  return { logStore: pulumi.output(lokiUrl(monitoring)) };
}

function toArray(d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (d === undefined) return [];
  return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}
