/**
 * Loki as the cluster's log store (docs/logging.md#kubernetes), as plain data: the Helm values of the
 * grafana-community `loki` chart, its in-cluster URL, the retention rules and the Grafana data source. Pure: tested
 * without mocks; k8s-logging.ts installs it with `loom:kubernetes.installOperators`.
 *
 * - Monolithic mode (one `loki` StatefulSet, target `all`) on a filesystem volume: one replica, no object store,
 *   no memcached caches, no gateway, no canary — a small cluster's log store. Object storage (S3/GCS/Azure, then
 *   SimpleScalable or Distributed) is the documented way up; it is the chart's `loki.storage` section.
 * - Retention is the compactor's (`retention_enabled`, `delete_request_store`): `limits_config.retention_period` =
 *   the installing stack's profile `logRetentionDays` for every stream, and one `retention_stream` per namespace:
 *   the installing stack's own (same days) and each of `loom:kubernetes.logs.namespaceRetentionDays`. Loki has one
 *   configuration per cluster, so the other stacks on the cluster cannot set their own: their operator lists them.
 * - OTLP ingestion (the node agent's `otlp_http` exporter → `/otlp/v1/logs`): the stream labels are
 *   `k8s_namespace_name`, `k8s_container_name`, `service_name`; every other attribute is structured metadata (no
 *   per-pod labels: the pod name would multiply the streams).
 * - No authentication (`auth_enabled: false`, one tenant): the chart's NetworkPolicies admit only pods of the
 *   monitoring namespace (the agent, Grafana, Prometheus), and Loki speaks plain HTTP inside that namespace, as
 *   Prometheus, Alertmanager and Grafana of kube-prometheus-stack do.
 */
import { stringify } from "yaml";
import type { KubernetesLogs } from "../targets/kubernetes";

/** Helm release (and so Service) name of Loki in the monitoring namespace. */
export const LOKI_RELEASE = "loki";
export const LOKI_PORT = 3100;
/** Loki's pod: requests = limits (the chart sets GOMEMLIMIT to 85 % of the memory limit). */
export const LOKI_RESOURCES = { cpu: "1", memory: "2Gi" } as const;
/** First day of the TSDB v13 schema (must be in the past on a fresh install; never change it for a running Loki). */
export const LOKI_SCHEMA_FROM = "2024-04-01";
/** The OTLP resource attributes Loki indexes as stream labels (dots become underscores in LogQL). */
export const LOKI_INDEX_LABELS = ["k8s.namespace.name", "k8s.container.name", "service.name"] as const;
/** The data source uid dashboards and Explore links refer to. */
export const LOKI_DATASOURCE_UID = "loki";

export interface LokiInputs {
  /** The monitoring operator namespace Loki runs in (`loom:kubernetes.operatorNamespaces.monitoring`). */
  monitoringNamespace: string;
  /** The installing stack's namespace. */
  namespace: string;
  /** The installing stack's profile `logRetentionDays`: its namespace's and every unlisted stream's retention. */
  retentionDays: number;
  logs: KubernetesLogs;
  /** undefined = the cluster's default StorageClass. */
  storageClass?: string;
  /** The `release` label kube-prometheus-stack selects monitors by. */
  prometheusRelease: string;
}

/** Loki's query and push URL inside the cluster (OTLP: `<url>/otlp`, the exporter appends `/v1/logs`). */
export function lokiUrl(monitoringNamespace: string): string {
  return `http://${LOKI_RELEASE}.${monitoringNamespace}.svc.cluster.local:${LOKI_PORT}`;
}

/** Loki durations in hours: `7` days → `168h`. */
export function retentionHours(days: number): string {
  return `${days * 24}h`;
}

export interface RetentionStream {
  selector: string;
  priority: number;
  period: string;
}

/** One rule per namespace: the installing stack's own first, then the listed ones by name. */
export function retentionStreams(p: Pick<LokiInputs, "namespace" | "retentionDays" | "logs">): RetentionStream[] {
  const others = Object.entries(p.logs.namespaceRetentionDays).sort(([a], [b]) => a.localeCompare(b));
  return [[p.namespace, p.retentionDays] as const, ...others].map(([namespace, days]) => ({
    selector: `{k8s_namespace_name="${namespace}"}`,
    priority: 1,
    period: retentionHours(days),
  }));
}

/** Loki's own configuration sections (`loki.*` of the chart). */
function lokiConfig(p: LokiInputs): Record<string, unknown> {
  return {
    auth_enabled: false,
    commonConfig: { replication_factor: 1 },
    storage: { type: "filesystem" },
    schemaConfig: {
      configs: [
        {
          from: LOKI_SCHEMA_FROM,
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: {
      retention_period: retentionHours(p.retentionDays),
      retention_stream: retentionStreams(p),
      allow_structured_metadata: true,
      otlp_config: {
        resource_attributes: {
          ignore_defaults: true,
          attributes_config: [{ action: "index_label", attributes: [...LOKI_INDEX_LABELS] }],
        },
      },
    },
    compactor: {
      working_directory: "/var/loki/compactor",
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      retention_delete_worker_count: 150,
      delete_request_store: "filesystem",
    },
    // No usage reports to grafana.com from a cluster's log store.
    analytics: { reporting_enabled: false },
  };
}

/** Helm values of the `loki` chart (grafana-community/helm-charts, values.yaml of the pinned version). */
export function lokiValues(p: LokiInputs): Record<string, unknown> {
  const fromMonitoring = { matchLabels: { "kubernetes.io/metadata.name": p.monitoringNamespace } };
  const resources = { requests: { ...LOKI_RESOURCES }, limits: { ...LOKI_RESOURCES } };
  return {
    deploymentMode: "Monolithic",
    loki: lokiConfig(p),
    singleBinary: {
      replicas: 1,
      automountServiceAccountToken: false,
      resources,
      persistence: {
        enabled: true,
        size: `${p.logs.storageGiB}Gi`,
        ...(p.storageClass ? { storageClass: p.storageClass } : {}),
      },
    },
    // Monolithic only: the scalable targets need object storage (the chart refuses them on a filesystem).
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    // No rules sidecar: no Loki alerting rules, so no cluster-wide ConfigMap watch and no token.
    sidecar: { rules: { enabled: false } },
    serviceAccount: { automountServiceAccountToken: false },
    networkPolicy: {
      enabled: true,
      ingress: { namespaceSelector: fromMonitoring },
      metrics: { namespaceSelector: fromMonitoring },
    },
    monitoring: { serviceMonitor: { enabled: true, labels: { release: p.prometheusRelease } } },
  };
}

/**
 * Grafana data source provisioning file for the kube-prometheus-stack Grafana sidecar (ConfigMap label
 * `grafana_datasource: "1"` in Grafana's namespace).
 */
export function lokiDatasource(monitoringNamespace: string): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: "Loki",
        uid: LOKI_DATASOURCE_UID,
        type: "loki",
        access: "proxy",
        url: lokiUrl(monitoringNamespace),
        editable: false,
        jsonData: { maxLines: 1000, timeout: 60 },
      },
    ],
  });
}
