/**
 * Observability on AWS, rendered from the catalog: the seven dashboards as CloudWatch dashboards in every
 * environment; with alerting on, every catalog alert as CloudWatch alarms (aws-alarms.ts: metric alarms, composite
 * alarms for the SLO burn rates), each alert-carrying alarm sending ALARM and OK to the KMS-encrypted SNS topic of its
 * severity, and the topics delivered to the routed channels (aws-notify.ts: e-mail, PagerDuty, webhook, AWS Chatbot).
 *
 * Targets are the typed AWS handles of the other components (AwsAppMonitoring, AwsDatabaseMonitoring,
 * AwsCacheMonitoring): a missing identifier is a type error, and a handle of another cloud fails by name.
 */
import { CompositeAlarm } from "@pulumi/aws/cloudwatch/compositeAlarm";
import { Dashboard } from "@pulumi/aws/cloudwatch/dashboard";
import { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";
import * as pulumi from "@pulumi/pulumi";
import { backupVaultName } from "../backups/aws-names";
import { type AwsScope, awsScope } from "../lib/aws";
import { handleFor } from "../lib/component";
import {
  type AlertRendering,
  type AwsRefs,
  alarmSourceArgs,
  BYTES_PER_GIB,
  cacheClusterIdOf,
  notifyingNames,
  renderAlerts,
} from "./aws-alarms";
import { DASHBOARDS, dashboardBody, dashboardName } from "./aws-dashboards";
import { type AlertTopic, notifications } from "./aws-notify";
import { routingOf } from "./aws-routing";
import { ALERTS } from "./catalog/alerts";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from "./index";

type Targets = ResolvedObservabilityArgs["targets"];

/** The catalog's `{token}`s, from the typed AWS handles (dimension values stay Outputs: no apply per alarm). */
export function awsRefs(targets: Targets, prefix: string): AwsRefs<pulumi.Input<string>> {
  const app = handleFor("targets.app", targets.app, "aws");
  const database = handleFor("targets.database", targets.database, "aws");
  const cache = handleFor("targets.cache", targets.cache, "aws");
  return {
    dimensions: {
      environment: app.environment,
      loadBalancer: app.loadBalancerArnSuffix,
      clusterName: app.clusterName,
      webService: app.webServiceName,
      workerService: app.workerServiceName,
      certificateArn: app.certificateArn,
      dbInstance: database.instanceId,
      cacheCluster: pulumi.output(cache.replicationGroupId).apply(cacheClusterIdOf),
      // Backups is built after Observability (it needs the alert topic): the vault's name is the convention both use.
      backupVault: backupVaultName(prefix),
    },
    numbers: {
      dbAllocatedBytes: database.allocatedStorageGiB * BYTES_PER_GIB,
      dbMemoryBytes: database.memoryGiB * BYTES_PER_GIB,
    },
  };
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  const s = awsScope(parent, name, args, "observability");
  const refs = awsRefs(args.targets, s.prefix);
  let alertNames: string[] = [];
  let alarmTargets: pulumi.Output<string[]> = pulumi.output([]);
  let alertSink: pulumi.Output<string> | undefined;
  if (args.alerting) {
    const renderings = renderAlerts({
      prefix: s.prefix,
      thresholds: args.thresholds,
      slo: args.slo,
      runbookBaseUrl: args.runbookBaseUrl,
      refs,
    });
    const routing = routingOf(args.channels, ALERTS);
    const topics = notifications(s, args, routing);
    for (const r of renderings) alarms(s, r, topics[r.alert.severity]);
    alertNames = renderings.flatMap(notifyingNames);
    alarmTargets = pulumi.all(routing.severities.map((sev) => (topics[sev] as AlertTopic).topic.arn));
    // EventBridge rules of other components (failed backup jobs) publish here; the topic policy allows them.
    alertSink = topics.critical?.topic.arn;
  }
  const dashboards = createDashboards(s, refs, alertNames);
  return {
    alarmTargets,
    alertNames: pulumi.output(alertNames),
    dashboard: dashboards.overview as pulumi.Output<string>,
    dashboards: pulumi.all(dashboards),
    // The ADOT sidecar of every task (app-service/aws-telemetry.ts) sends traces to X-Ray; container logs go to the
    // tiers' KMS log groups with the profile's retention.
    telemetry: pulumi.output({
      traces: `AWS X-Ray in ${s.region}`,
      logs: `CloudWatch Logs ${s.logPath("*")} (${args.logRetentionDays} days)`,
    }),
    ...(alertSink ? { alertSink } : {}),
  };
}

/**
 * One alert's alarms. The alert-carrying ones notify its severity's topic on ALARM and OK; a severity with no
 * routed channel has no topic, and an alert of it cannot exist then (Observability.resolve requires every severity
 * to reach a channel), so a missing topic is a program bug.
 */
function alarms(s: AwsScope, r: AlertRendering<pulumi.Input<string>>, topic: AlertTopic | undefined): void {
  const { alert } = r;
  if (!topic) throw new Error(`alert "${alert.id}" has no ${alert.severity} topic to notify`);
  const tags = s.tags({ alert: alert.id, severity: alert.severity });
  const actions = (notify: boolean) =>
    notify ? { alarmActions: [topic.topic.arn], okActions: [topic.topic.arn] } : {};
  const created = new Map<string, pulumi.Resource>();
  for (const a of r.metricAlarms) {
    const alarm = new MetricAlarm(
      `${s.name}-${a.key}`,
      {
        name: a.name,
        alarmDescription: a.description,
        comparisonOperator: a.comparisonOperator,
        threshold: a.threshold,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
        treatMissingData: a.treatMissingData,
        ...alarmSourceArgs(a.source),
        ...actions(a.notify),
        tags,
      },
      s.opts(false, a.notify ? { dependsOn: [topic.policy] } : {}),
    );
    created.set(a.key, alarm);
  }
  // In order: each composite's children are metric alarms or composites listed before it.
  for (const c of r.composites) {
    const children = c.children.map((k) => created.get(k) as pulumi.Resource);
    const alarm = new CompositeAlarm(
      `${s.name}-${c.key}`,
      {
        alarmName: c.name,
        alarmDescription: c.description,
        alarmRule: c.rule,
        ...actions(c.notify),
        tags,
      },
      // The rule names its children by name: they must exist before the composite.
      s.opts(false, { dependsOn: c.notify ? [...children, topic.policy] : children }),
    );
    created.set(c.key, alarm);
  }
}

/** The seven dashboards; one body Output each from the shared identifiers (and the alarm ARNs for the overview). */
function createDashboards(
  s: AwsScope,
  refs: AwsRefs<pulumi.Input<string>>,
  alertNames: string[],
): Record<string, pulumi.Output<string>> {
  const plain = pulumi.all([pulumi.output(refs.dimensions), s.account.accountId, s.account.partition]);
  const out: Record<string, pulumi.Output<string>> = {};
  for (const d of DASHBOARDS) {
    const dashboard = new Dashboard(
      `${s.name}-${d.id}`,
      {
        dashboardName: dashboardName(s.prefix, d.id),
        dashboardBody: plain.apply(([dimensions, accountId, partition]) => {
          const arn = (n: string) => `arn:${partition}:cloudwatch:${s.region}:${accountId}:alarm:${n}`;
          const body = dashboardBody(d, {
            region: s.region,
            refs: { dimensions, numbers: refs.numbers },
            alarmArns: alertNames.map(arn),
          });
          return JSON.stringify(body);
        }),
      },
      s.opts(),
    );
    out[d.id] = dashboard.dashboardName;
  }
  return out;
}
