/**
 * Observability on Azure, rendered from the catalog into Azure Monitor:
 *
 * - the seven dashboards as workbooks over the stack's Log Analytics workspace (azure-dashboards.ts), always;
 * - with alerting on, one action group per severity (azure-notify.ts: e-mail, and Slack relay, PagerDuty and
 *   webhook URLs as webhook receivers, common alert schema) and every catalog alert as `MetricAlert`s on the
 *   platform metric of each member resource or one `ScheduledQueryRule` over KQL (azure-alerts.ts,
 *   catalog/azure-monitor.ts), each enabled and notifying its severity's action group;
 * - retention: the workspace keeps max(30, logRetentionDays) (the platform; 30 days is the workspace floor); a
 *   shorter `logRetentionDays` (dev's 7) is set per table (`operationalinsights:Table`, 4 days at least) on the
 *   built-in tables the stack writes ({@link STACK_TABLES}).
 *
 * Logs and traces: every component's diagnostic setting writes to the workspace; the app's OpenTelemetry traces,
 * logs and metrics go to the workspace-based Application Insights (AppRequests, AppTraces, AppMetrics: see
 * catalog/azure-monitor.ts for why the Azure Monitor exporter, and docs/observability.md#azure).
 *
 * Targets are the typed Azure handles of the other components (AzureAppMonitoring, AzureDatabaseMonitoring,
 * AzureCacheMonitoring): a handle of another cloud fails by name.
 */
import { Workbook } from "@pulumi/azure-native/applicationinsights/workbook";
import { MetricAlert } from "@pulumi/azure-native/monitor/metricAlert";
import { ScheduledQueryRule } from "@pulumi/azure-native/monitor/scheduledQueryRule";
import { Table } from "@pulumi/azure-native/operationalinsights/table";
import * as pulumi from "@pulumi/pulumi";
import { azureBackupJobName } from "../backups/azure-job-script";
import { type AzureScope, azureScope } from "../lib/azure";
import { handleFor, invalid, requireWholeDays } from "../lib/component";
import { type LogAlertSpec, type MetricAlertSpec, renderAzureAlerts } from "./azure-alerts";
import { dashboardTitle, WORKBOOK_VERSION, workbookId, workbookJson } from "./azure-dashboards";
import { actionGroups } from "./azure-notify";
import type { AmRefs, AmResource } from "./catalog/azure-monitor";
import { DASHBOARDS } from "./catalog/dashboards";
import type { Severity } from "./channels";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from "./index";

/** Log Analytics' bounds on a table's interactive retention, and the workspace's floor. */
export const TABLE_RETENTION_DAYS = { min: 4, max: 730 } as const;
export const WORKSPACE_FLOOR_DAYS = 30;

/**
 * The built-in tables the stack's resources and app write: diagnostics (AzureDiagnostics, AzureMetrics), Container
 * Apps with the azure-monitor destination, Application Insights. Custom `_CL` tables (the log-analytics
 * destination) appear on first write and keep the workspace's retention.
 */
export const STACK_TABLES = [
  "AzureDiagnostics",
  "AzureMetrics",
  "ContainerAppConsoleLogs",
  "ContainerAppSystemLogs",
  "AppRequests",
  "AppDependencies",
  "AppTraces",
  "AppExceptions",
  "AppMetrics",
] as const;

/** The OTEL_SERVICE_NAMEs of web and worker (components/app-service: `loom-web`, `loom-worker`). */
export const WEB_SERVICE = "loom-web";
export const WORKER_SERVICE = "loom-worker";

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const { min, max } = TABLE_RETENTION_DAYS;
  requireWholeDays("logRetentionDays", args.logRetentionDays, min, max, "on Azure");
  const s = azureScope(parent, name, args, "observability");
  const app = handleFor("targets.app", args.targets.app, "azure");
  const database = handleFor("targets.database", args.targets.database, "azure");
  const cache = handleFor("targets.cache", args.targets.cache, "azure");
  const primary = database.serverIds[0];
  if (!primary) invalid("targets.database.serverIds", "must name the primary server first");

  if (args.logRetentionDays < WORKSPACE_FLOOR_DAYS) tableRetention(s, args.logRetentionDays);
  const ids: Record<AmResource, pulumi.Output<string>> = {
    web: app.webAppId,
    worker: app.workerAppId,
    database: primary,
    cache: cache.clusterId,
  };
  const refs: pulumi.Output<AmRefs> = pulumi.output({
    webAppId: app.webAppId,
    workerAppId: app.workerAppId,
    serverId: primary,
    clusterId: cache.clusterId,
    ...(app.gatewayId ? { gatewayId: app.gatewayId } : {}),
    webService: WEB_SERVICE,
    workerService: WORKER_SERVICE,
    backupJob: azureBackupJobName(s.prefix),
    drCopy: s.platform.disasterRecovery,
  });

  let alertNames: string[] = [];
  let alarmTargets: pulumi.Output<string[]> = pulumi.output([]);
  if (args.alerting) {
    const groups = actionGroups(s, args);
    const specs = renderAzureAlerts({
      prefix: s.prefix,
      thresholds: args.thresholds,
      slo: args.slo,
      runbookBaseUrl: args.runbookBaseUrl,
    });
    for (const spec of specs) {
      if (spec.kind === "metric") metricAlert(s, spec, ids[spec.metric.resource], groups);
      else queryRule(s, spec, refs, groups);
    }
    alertNames = specs.map((spec) => spec.name);
    alarmTargets = pulumi.all([groups.critical, groups.warning]);
  }
  const dashboards = createDashboards(s, refs);
  return {
    alarmTargets,
    alertNames: pulumi.output(alertNames),
    dashboard: dashboards.overview as pulumi.Output<string>,
    dashboards: pulumi.all(dashboards),
    telemetry: pulumi.output({
      traces: "Application Insights (workspace-based)",
      logs: pulumi.interpolate`Log Analytics workspace ${s.platform.workspace.name}`,
    }),
  };
}

/** Retention below the workspace's 30-day floor, per table (interactive and total alike: no archive). */
function tableRetention(s: AzureScope, days: number): void {
  for (const table of STACK_TABLES) {
    new Table(
      `${s.name}-retention-${table}`,
      {
        resourceGroupName: s.resourceGroupName,
        workspaceName: s.platform.workspace.name,
        tableName: table,
        retentionInDays: days,
        totalRetentionInDays: days,
      },
      s.opts(),
    );
  }
}

function metricAlert(
  s: AzureScope,
  spec: MetricAlertSpec,
  scope: pulumi.Output<string>,
  groups: Record<Severity, pulumi.Output<string>>,
): MetricAlert {
  return new MetricAlert(
    `${s.name}-${spec.name.slice(s.prefix.length + 1)}`,
    {
      resourceGroupName: s.resourceGroupName,
      ruleName: spec.name,
      location: "global",
      description: spec.description,
      severity: spec.severity,
      enabled: true,
      scopes: [scope],
      evaluationFrequency: spec.evaluationFrequency,
      windowSize: spec.windowSize,
      autoMitigate: true,
      criteria: {
        odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        allOf: [
          {
            criterionType: "StaticThresholdCriterion",
            name: spec.metric.metric,
            metricNamespace: spec.metric.namespace,
            metricName: spec.metric.metric,
            operator: spec.operator,
            threshold: spec.threshold,
            timeAggregation: spec.timeAggregation,
          },
        ],
      },
      actions: [{ actionGroupId: groups[spec.alert.severity] }],
      tags: { ...s.tags, alert: spec.alert.id, severity: spec.alert.severity },
    },
    s.opts(),
  );
}

function queryRule(
  s: AzureScope,
  spec: LogAlertSpec,
  refs: pulumi.Output<AmRefs>,
  groups: Record<Severity, pulumi.Output<string>>,
): ScheduledQueryRule {
  return new ScheduledQueryRule(
    `${s.name}-${spec.alert.id}`,
    {
      resourceGroupName: s.resourceGroupName,
      ruleName: spec.name,
      location: s.location,
      kind: "LogAlert",
      displayName: spec.name,
      description: spec.description,
      severity: spec.severity,
      enabled: true,
      scopes: [s.platform.workspace.id],
      evaluationFrequency: spec.evaluationFrequency,
      windowSize: spec.windowSize,
      autoMitigate: true,
      // A new stack has no rows yet in AppMetrics or AddonAzureBackupJobs: validation would refuse the rule.
      skipQueryValidation: true,
      criteria: {
        allOf: [
          {
            query: refs.apply(spec.query),
            timeAggregation: "Maximum",
            metricMeasureColumn: "value",
            operator: spec.operator,
            threshold: spec.threshold,
            dimensions: spec.dimensions.map((d) => ({ name: d, operator: "Include", values: ["*"] })),
            failingPeriods: spec.failingPeriods,
          },
        ],
      },
      actions: { actionGroups: [groups[spec.alert.severity]] },
      tags: { ...s.tags, alert: spec.alert.id, severity: spec.alert.severity },
    },
    s.opts(),
  );
}

/** The seven dashboards as workbooks over the workspace; their ids by catalog id. */
function createDashboards(s: AzureScope, refs: pulumi.Output<AmRefs>): Record<string, pulumi.Output<string>> {
  const out: Record<string, pulumi.Output<string>> = {};
  for (const d of DASHBOARDS) {
    const workbook = new Workbook(
      `${s.name}-${d.id}`,
      {
        resourceGroupName: s.resourceGroupName,
        resourceName: workbookId(s.prefix, d.id),
        location: s.location,
        kind: "shared",
        category: "workbook",
        displayName: dashboardTitle(s.prefix, d),
        description: d.description,
        version: WORKBOOK_VERSION,
        sourceId: s.platform.workspace.id,
        serializedData: pulumi
          .all([refs, s.platform.workspace.id])
          .apply(([r, ws]) => JSON.stringify(workbookJson(d, r, ws))),
        tags: s.tags,
      },
      s.opts(),
    );
    out[d.id] = workbook.id;
  }
  return out;
}
