/**
 * Observability on DigitalOcean, rendered from the catalog through the total table catalog/do-monitoring.ts:
 *
 * - with alerting on: a DO Monitoring alert policy (`MonitorAlert`) per catalog alert DO can measure — load balancer
 *   5xx share, p95 response time and droplet health, database CPU, disk and memory, Valkey memory, droplet memory and
 *   disk by group tag (pools carry the tags) — notifying the severity's e-mail and Slack channels (do-notify.ts); an
 *   Uptime check of https://<domain><healthPath> from every checker region with a `down_global` and an `ssl_expiry`
 *   alert; and the monitor droplet (do-monitor.ts): Prometheus scraping the jobs droplet's collector for the app's
 *   series (queue depth, LLM failures, latency, the SLO burn rates: DO Monitoring ingests no custom metrics) and the
 *   backup job's metrics, Alertmanager routing them to every channel kind;
 * - dashboards: DigitalOcean has no dashboard API. The catalog's dashboards are the repository's Grafana files
 *   (observability/grafana/<id>.json), which read the recording rules the monitor droplet's Prometheus evaluates
 *   under the Kubernetes names; the signals only DO Monitoring measures show in DO's own graphs instead.
 * - dev (alerting off): nothing here; logs still go to the logs bucket (AppService's aggregator, `logRetentionDays`).
 */
import { Droplet } from "@pulumi/digitalocean/droplet";
import { MonitorAlert } from "@pulumi/digitalocean/monitorAlert";
import { UptimeAlert } from "@pulumi/digitalocean/uptimeAlert";
import { UptimeCheck } from "@pulumi/digitalocean/uptimeCheck";
import * as pulumi from "@pulumi/pulumi";
import type { HostGroups } from "../app-service";
import type { DigitalOceanAppMonitoring } from "../app-service/digitalocean";
import { DO_BACKUP_BUCKET_ROLES } from "../backups/do-storage";
import type { DigitalOceanCacheMonitoring } from "../cache/digitalocean";
import type { DigitalOceanDatabaseMonitoring } from "../database/digitalocean";
import { handleFor, requireWholeDays } from "../lib/component";
import { bucketName, DO_PORTS, type DoScope, doScope, dropletBase, inProject, storeSecret } from "../lib/digitalocean";
import { renderCloudConfig } from "../lib/do-cloud-init";
import { renderCompose } from "../lib/do-compose";
import { DASHBOARDS } from "./catalog/dashboards";
import { alertName } from "./catalog/rules";
import { doAlertPlan, doRuleGroups, type MonitorAlertSpec, type UptimeAlertSpec } from "./do-alerts";
import {
  channelSecretKey,
  credentialEntries,
  MONITOR_SIZE,
  type MonitorInputs,
  monitorBoot,
  monitorCompose,
  SMTP_SECRET,
  usesEmail,
} from "./do-monitor";
import { type DoNotifications, doNotifications, routedTargets } from "./do-notify";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from "./index";

/** Spaces lifecycle expiration bounds (whole days) for the logs bucket AppService creates. */
export const LOG_RETENTION_DAYS = { min: 1, max: 3650 } as const;
/** Uptime checker regions (API values; the SDK docs' `usEast` spelling is wrong). */
export const UPTIME_REGIONS = ["us_east", "us_west", "eu_west", "se_asia"];

interface Handles {
  app: DigitalOceanAppMonitoring;
  database: DigitalOceanDatabaseMonitoring;
  cache: DigitalOceanCacheMonitoring;
}

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  requireWholeDays(
    "logRetentionDays",
    args.logRetentionDays,
    LOG_RETENTION_DAYS.min,
    LOG_RETENTION_DAYS.max,
    "on DigitalOcean",
  );
  const s = doScope(parent, name, args, "observability");
  const h: Handles = {
    app: handleFor("targets.app", args.targets.app, "digitalocean"),
    database: handleFor("targets.database", args.targets.database, "digitalocean"),
    cache: handleFor("targets.cache", args.targets.cache, "digitalocean"),
  };
  const dashboards = Object.fromEntries(DASHBOARDS.map((d) => [d.id, `observability/grafana/${d.id}.json`]));
  const telemetry = pulumi.all([h.app.collectorHost, bucketName(s, "logs")]).apply(([host, logs]) => ({
    traces: `OpenTelemetry collector on the jobs droplet (http://${host}:${DO_PORTS.otlpHttp}) → Spaces bucket ${logs}/traces`,
    logs: `Vector → Spaces bucket ${logs} (${args.logRetentionDays} days)`,
  }));
  const base = {
    dashboard: pulumi.output(dashboards.overview as string),
    dashboards: pulumi.output(dashboards),
    telemetry,
  };
  if (!args.alerting) return { ...base, alarmTargets: pulumi.output([]), alertNames: pulumi.output([]) };

  const notify = doNotifications(args);
  const plan = doAlertPlan({ thresholds: args.thresholds, loadBalancer: h.app.loadBalancerId !== undefined });
  for (const spec of plan.monitor) monitorAlert(s, spec, h, notify[spec.alert.severity]);
  const check = new UptimeCheck(
    `${s.name}-health`,
    {
      name: `${s.prefix}-health`,
      type: "https",
      target: `https://${h.app.publicHost}${h.app.healthPath}`,
      regions: UPTIME_REGIONS,
      enabled: true,
    },
    s.opts(),
  );
  for (const spec of plan.uptime) uptimeAlert(s, spec, check, notify[spec.severity]);
  const monitor = monitorDroplet(s, args, h, plan.prometheus);
  inProject(s, [monitor.droplet.urn]);
  return {
    ...base,
    bootConfig: monitor.bootConfig,
    hosts: monitor.hosts,
    alarmTargets: pulumi.output(routedTargets(args)),
    alertNames: pulumi.output([
      ...plan.monitor.map((m) => `${s.prefix}-${m.id}`),
      ...plan.uptime.map((u) => `${s.prefix}-${u.id}`),
      ...plan.prometheus.map((a) => alertName(a.id)),
    ]),
  };
}

function monitorAlert(s: DoScope, spec: MonitorAlertSpec, h: Handles, to: DoNotifications): MonitorAlert {
  const t = spec.target;
  const selector =
    t.kind === "droplets"
      ? { tags: t.groups.map((g) => h.app.tags[g]) }
      : {
          entities:
            t.kind === "database"
              ? h.database.clusterIds
              : t.kind === "cache"
                ? [h.cache.clusterId]
                : [h.app.loadBalancerId as pulumi.Output<string>],
        };
  return new MonitorAlert(
    `${s.name}-${spec.id}`,
    {
      type: spec.type,
      description: `${s.prefix}-${spec.id}: ${spec.description}`,
      compare: spec.compare,
      value: spec.value,
      window: spec.window,
      enabled: true,
      alerts: to.slacks.length ? { emails: to.emails, slacks: to.slacks } : { emails: to.emails },
      ...selector,
    },
    s.opts(),
  );
}

function uptimeAlert(s: DoScope, spec: UptimeAlertSpec, check: UptimeCheck, to: DoNotifications): UptimeAlert {
  return new UptimeAlert(
    `${s.name}-${spec.id}`,
    {
      checkId: check.id,
      name: `${s.prefix}-${spec.id}`,
      type: spec.type,
      comparison: spec.comparison,
      ...(spec.threshold === undefined ? {} : { threshold: spec.threshold }),
      period: spec.period,
      notifications: [to.slacks.length ? { emails: to.emails, slacks: to.slacks } : { emails: to.emails }],
    },
    s.opts(),
  );
}

/** The backup buckets the monitor droplet reads the job's metrics from (Backups' names: lib/digitalocean.ts). */
function backupBuckets(s: DoScope, drCopy: boolean) {
  const primary = { copy: "primary" as const, bucket: bucketName(s, DO_BACKUP_BUCKET_ROLES.primary), region: s.region };
  const dr = { copy: "dr" as const, bucket: bucketName(s, DO_BACKUP_BUCKET_ROLES.dr), region: s.platform.drRegion };
  return drCopy ? [primary, dr] : [primary];
}

/**
 * Credentials the monitor droplet needs, in the secret store (Ansible pushes them). The read-only key on the backup
 * buckets is Backups' (backups/do-storage.ts stores it under BACKUP_KEY_SECRETS).
 */
function monitorSecrets(s: DoScope, args: ResolvedObservabilityArgs): void {
  for (const entry of credentialEntries(args.channels)) {
    const key = channelSecretKey(entry);
    storeSecret(s, `${s.name}-${key}`, key, args.channelSecrets[entry]);
  }
  if (usesEmail(args.channels)) storeSecret(s, `${s.name}-${SMTP_SECRET}`, SMTP_SECRET);
}

/** The fixed monitor droplet: Prometheus, Alertmanager, Pushgateway; no credential in its boot config. */
function monitorDroplet(
  s: DoScope,
  args: ResolvedObservabilityArgs,
  h: Handles,
  prometheusAlerts: ReturnType<typeof doAlertPlan>["prometheus"],
): { droplet: Droplet; bootConfig: pulumi.Output<Record<string, string>>; hosts: pulumi.Output<HostGroups> } {
  const drCopy = s.platform.disasterRecovery;
  const buckets = backupBuckets(s, drCopy);
  monitorSecrets(s, args);
  const rules = doRuleGroups({
    refs: { namespace: s.prefix, drCopy },
    thresholds: args.thresholds,
    slo: args.slo,
    runbookBaseUrl: args.runbookBaseUrl,
    alerts: prometheusAlerts,
  });
  const compose = renderCompose(monitorCompose());
  const boot = pulumi
    .all([h.app.collectorHost, pulumi.all(buckets.map((b) => b.bucket))])
    .apply(([collectorHost, names]) => {
      const inputs: MonitorInputs = {
        namespace: s.prefix,
        collectorHost,
        rules,
        channels: args.channels,
        backupBuckets: buckets.map((b, i) => ({ copy: b.copy, bucket: names[i] as string, region: b.region })),
      };
      return monitorBoot(inputs, compose);
    });
  const userData = boot.apply(renderCloudConfig);
  const droplet = new Droplet(
    `${s.name}-monitor`,
    {
      name: `${s.prefix}-monitor`,
      ...dropletBase(s, h.app.vpcId),
      size: MONITOR_SIZE,
      tags: [h.app.tags.monitor, ...s.tags],
      userData,
    },
    s.opts(),
  );
  // The monitor droplet in the stack's `bootConfig` and `hosts` outputs (Ansible pushes its channel credentials).
  const group = pulumi
    .all([droplet.name, droplet.ipv4AddressPrivate, boot])
    .apply(([dropletName, privateIp, spec]) => ({
      tag: h.app.tags.monitor,
      hosts: [{ name: dropletName, privateIp }],
      secretKeys: spec.secretKeys,
    }));
  return {
    droplet,
    bootConfig: userData.apply((text): Record<string, string> => ({ monitor: text })),
    hosts: group.apply((g): HostGroups => ({ monitor: { ...g, secretKeys: [...g.secretKeys] } })),
  };
}
