/**
 * Observability on GCP, rendered from the catalog into Cloud Monitoring and Cloud Logging:
 *
 * - log retention: the stack's logs (Cloud Run, Cloud SQL, Memorystore, load balancer) go to a CMEK log bucket of
 *   their own with `logRetentionDays` instead of the project's shared `_Default` (gcp-logs.ts);
 * - an uptime check on the app's health path over HTTPS (public host: the load balancer's domain, or the run.app
 *   host in dev), which also measures the served certificate's remaining life (`certificate-expiry`);
 * - the seven dashboards as Cloud Monitoring dashboards (gcp-dashboards.ts), in every environment;
 * - with alerting on, every catalog alert as one alert policy with a PromQL condition (gcp-alerts.ts), notifying the
 *   channels its severity routes to (gcp-channels.ts: e-mail, Slack, PagerDuty, webhook).
 *
 * Traces go to Cloud Trace and logs to Cloud Logging (the AppService's OTLP/stdout contract, components/lib/
 * telemetry.ts). Cloud Logging has no ingestion-time redaction for Cloud Run's stdout: the app redacts before it
 * writes (the stack's `redaction` setting reaches the AppService), and with `tokens` on the stack sink stores no
 * entry that carries a credential at all (gcp-logs.ts `credentialLogFilter`: dropped, since it cannot be masked);
 * see docs/observability.md#gcp.
 *
 * Targets are the typed GCP handles of the other components (GcpAppMonitoring, GcpDatabaseMonitoring,
 * GcpCacheMonitoring): a handle of another cloud fails by name.
 */
import { Metric } from "@pulumi/gcp/logging/metric";
import type { ProjectBucketConfig } from "@pulumi/gcp/logging/projectBucketConfig";
import { AlertPolicy } from "@pulumi/gcp/monitoring/alertPolicy";
import { Dashboard } from "@pulumi/gcp/monitoring/dashboard";
import { UptimeCheckConfig } from "@pulumi/gcp/monitoring/uptimeCheckConfig";
import * as pulumi from "@pulumi/pulumi";
import { handleFor, invalid, requireWholeDays } from "../lib/component";
import { type GcpScope, gcpScope } from "../lib/gcp";
import { BACKUP_SIZE_LINE, backupJobName, backupSizeMetricName, type CmRefs } from "./catalog/cloud-monitoring";
import { DASHBOARDS } from "./catalog/dashboards";
import { type PolicySpec, RULE_GROUP, renderGcpAlerts } from "./gcp-alerts";
import { notificationChannels } from "./gcp-channels";
import { dashboardJson } from "./gcp-dashboards";
import { stackLogs } from "./gcp-logs";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from "./index";

/** Cloud Logging's bounds on a bucket's retention. */
export const LOG_RETENTION_DAYS = { min: 1, max: 3650 } as const;

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const { min, max } = LOG_RETENTION_DAYS;
  requireWholeDays("logRetentionDays", args.logRetentionDays, min, max, "on GCP");
  const s = gcpScope(parent, name, args, "observability");
  const app = handleFor("targets.app", args.targets.app, "gcp");
  const database = handleFor("targets.database", args.targets.database, "gcp");
  const cache = handleFor("targets.cache", args.targets.cache, "gcp");
  const primary = database.databaseIds[0];
  if (!primary) invalid("targets.database.databaseIds", "must name the primary instance first");

  const logs = stackLogs(
    s,
    pulumi.output({
      services: [app.webService, app.workerService],
      jobs: [app.migrateJob, backupJobName(s.prefix)],
      databaseIds: database.databaseIds,
      cacheInstanceId: cache.instanceId,
      ...(app.urlMap ? { urlMap: app.urlMap } : {}),
    }),
    args.logRetentionDays,
    args.redaction.tokens,
  );
  const uptime = healthCheck(s, app.publicHost, app.healthPath);
  const backupSize = backupSizeMetric(s, logs);
  const refs: pulumi.Output<CmRefs> = pulumi.output({
    project: s.project,
    region: s.region,
    webService: app.webService,
    workerService: app.workerService,
    databaseId: primary,
    cacheInstanceId: cache.instanceId,
    uptimeCheckId: uptime.uptimeCheckId,
    backupJob: backupJobName(s.prefix),
    backupSizeMetric: backupSize.name,
    // The platform has a DR key ring only with disaster recovery, when the backup job also copies off-region.
    drCopy: s.platform.drKeyRing !== undefined,
  });

  let policies: AlertPolicy[] = [];
  let alertNames: string[] = [];
  let alarmTargets: pulumi.Output<string[]> = pulumi.output([]);
  if (args.alerting) {
    const channels = notificationChannels(s, args);
    const specs = renderGcpAlerts({
      prefix: s.prefix,
      thresholds: args.thresholds,
      slo: args.slo,
      runbookBaseUrl: args.runbookBaseUrl,
    });
    policies = specs.map((spec) => alertPolicy(s, spec, refs, channels[spec.alert.severity]));
    alertNames = specs.map((spec) => spec.displayName);
    const routed = [...new Set([...channels.critical, ...channels.warning])];
    alarmTargets = pulumi.all(routed).apply((ids) => [...new Set(ids)]);
  }
  const dashboards = createDashboards(s, refs, policies);
  return {
    alarmTargets,
    alertNames: pulumi.output(alertNames),
    dashboard: dashboards.overview as pulumi.Output<string>,
    dashboards: pulumi.all(dashboards),
    telemetry: pulumi.output({ traces: "Cloud Trace", logs: "Cloud Logging" }),
  };
}

/** The uptime check of the health path: HTTPS with certificate validation, every minute, from every checker region. */
function healthCheck(s: GcpScope, host: pulumi.Output<string>, path: string): UptimeCheckConfig {
  return new UptimeCheckConfig(
    `${s.name}-health`,
    {
      project: s.project,
      displayName: `${s.prefix}-health`,
      period: "60s",
      timeout: "10s",
      checkerType: "STATIC_IP_CHECKERS",
      monitoredResource: { type: "uptime_url", labels: { project_id: s.project, host } },
      httpCheck: {
        path,
        port: 443,
        useSsl: true,
        validateSsl: true,
        requestMethod: "GET",
        acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }],
      },
      userLabels: s.labels,
    },
    s.opts(),
  );
}

/**
 * The backup size as a log-based metric: the logical backup job prints its metrics file, and each
 * `loom_backup_size_bytes <n>` line becomes one point of a distribution (bytes, powers of two up to 2^64).
 */
function backupSizeMetric(s: GcpScope, logs: ProjectBucketConfig): Metric {
  return new Metric(
    `${s.name}-backup-size`,
    {
      project: s.project,
      name: backupSizeMetricName(s.prefix),
      // The job's log lines are in the stack's bucket (excluded from _Default): the metric reads that bucket.
      bucketName: logs.name,
      description: "Size of each logical backup, from the line the backup job logs after uploading",
      filter: [
        'resource.type="cloud_run_job"',
        `resource.labels.job_name="${backupJobName(s.prefix)}"`,
        'textPayload=~"^loom_backup_size_bytes"',
      ].join(" AND "),
      valueExtractor: `REGEXP_EXTRACT(textPayload, ${JSON.stringify(BACKUP_SIZE_LINE)})`,
      metricDescriptor: { metricKind: "DELTA", valueType: "DISTRIBUTION", unit: "By" },
      bucketOptions: { exponentialBuckets: { numFiniteBuckets: 64, growthFactor: 2, scale: 1 } },
    },
    s.opts(),
  );
}

/** One alert policy: its PromQL condition, the severity's channels on open and close, the runbook. */
function alertPolicy(
  s: GcpScope,
  spec: PolicySpec,
  refs: pulumi.Output<CmRefs>,
  channels: pulumi.Output<string>[],
): AlertPolicy {
  if (channels.length === 0) throw new Error(`alert "${spec.alert.id}" has no ${spec.alert.severity} channel`);
  return new AlertPolicy(
    `${s.name}-${spec.alert.id}`,
    {
      project: s.project,
      displayName: spec.displayName,
      enabled: true,
      severity: spec.severity,
      combiner: "OR",
      conditions: [
        {
          displayName: spec.condition.slice(0, 256),
          conditionPrometheusQueryLanguage: {
            query: refs.apply(spec.query),
            duration: spec.duration,
            alertRule: spec.alertRule,
            ruleGroup: RULE_GROUP,
            labels: spec.labels,
            // A new stack has no series yet (no request served, no backup run): the API would refuse the policy.
            disableMetricValidation: true,
          },
        },
      ],
      notificationChannels: channels,
      alertStrategy: { notificationPrompts: ["OPENED", "CLOSED"] },
      documentation: spec.documentation,
      userLabels: { ...s.labels, alert: spec.alert.id, severity: spec.alert.severity },
    },
    s.opts(),
  );
}

/** The seven dashboards; the overview lists the incidents of every alert policy when alerting is on. */
function createDashboards(
  s: GcpScope,
  refs: pulumi.Output<CmRefs>,
  policies: AlertPolicy[],
): Record<string, pulumi.Output<string>> {
  const names = pulumi.all(policies.map((p) => p.name));
  const out: Record<string, pulumi.Output<string>> = {};
  for (const d of DASHBOARDS) {
    const dashboard = new Dashboard(
      `${s.name}-${d.id}`,
      {
        project: s.project,
        dashboardJson: pulumi
          .all([refs, names])
          .apply(([r, policyNames]) => JSON.stringify(dashboardJson(d, { prefix: s.prefix, refs: r, policyNames }))),
      },
      s.opts(),
    );
    out[d.id] = dashboard.id;
  }
  return out;
}
