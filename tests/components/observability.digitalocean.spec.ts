/**
 * Observability on DigitalOcean: the total signal table and the alert plan (which alert DO Monitoring, Uptime or the
 * monitor droplet's Prometheus evaluates, exact policy values), the monitor droplet's configuration (Alertmanager
 * credentials as files, the backup metrics fetch), and under the mock engine a prod stack with alerting on (policies
 * with notifications, secret Slack URLs, the uptime check and its alerts, the monitor droplet) and dev (nothing).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { composeMemoryMiB } from "../../components/lib/do-compose";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { TEXT, TITLE } from "../../components/observability/catalog/alertmanager";
import { ALERTS, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { DO_MONITORING, doBackend } from "../../components/observability/catalog/do-monitoring";
import { SIGNAL_IDS } from "../../components/observability/catalog/signals";
import { DEFAULT_SLO } from "../../components/observability/catalog/slo";
import type { AlertingSettings } from "../../components/observability/channels";
import { doAlertPlan, doRuleGroups, doWindow } from "../../components/observability/do-alerts";
import {
  alertmanagerRoutes,
  BACKUP_METRICS_KEY,
  backupMetricsScript,
  MONITOR_SIZE,
  monitorBoot,
  monitorCompose,
  prometheusConfig,
} from "../../components/observability/do-monitor";
import { doNotifications } from "../../components/observability/do-notify";
import { PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { DO_CONFIG, DO_SSH_KEY, DO_VPC_ID, staticDoPlatform, withDoPlatform } from "./do-fixtures";

const MONITOR_ALERT = "digitalocean:index/monitorAlert:MonitorAlert";
const UPTIME_CHECK = "digitalocean:index/uptimeCheck:UptimeCheck";
const UPTIME_ALERT = "digitalocean:index/uptimeAlert:UptimeAlert";
const DROPLET = "digitalocean:index/droplet:Droplet";
const SPACES_KEY = "digitalocean:index/spacesKey:SpacesKey";
const OBJECT = "digitalocean:index/spacesBucketObject:SpacesBucketObject";

const SLACK_URL = "https://hooks.slack.com/services/TFAKE0000/BFAKE0000/fake-secret-for-slack";
const PD_KEY = "fakesecretforpagerduty0000000000";
const CHANNELS: AlertingSettings = {
  channels: [
    { kind: "email", name: "email", to: "oncall@example.com" },
    { kind: "slack", name: "slack", channel: "#loom-alerts", secret: "slack" },
    { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
  ],
  routes: { critical: ["pagerduty", "slack", "email"], warning: ["slack", "email"] },
};

const LB_ID = "00000000-0000-4000-8000-0000000000b1";
const PG_ID = "00000000-0000-4000-8000-0000000000d1";
const REPLICA_ID = "00000000-0000-4000-8000-0000000000d2";
const CACHE_ID = "00000000-0000-4000-8000-0000000000c1";
const COLLECTOR = "10.110.0.9";

type Env = "dev" | "staging" | "prod";
function targets(env: Env): ObservabilityArgs["targets"] {
  const o = pulumi.output;
  const tag = (g: string) => `loom-${env}-${g}`;
  return {
    app: {
      cloud: "digitalocean",
      ...(env === "dev" ? {} : { loadBalancerId: o(LB_ID) }),
      tags: { web: tag("web"), worker: tag("worker"), jobs: tag("jobs"), monitor: tag("monitor") },
      dropletIds: [],
      publicHost: env === "prod" ? "loom.example.com" : `${env}.loom.example.com`,
      healthPath: "/healthz",
      vpcId: o(DO_VPC_ID),
      collectorHost: o(COLLECTOR),
    },
    database: { cloud: "digitalocean", clusterIds: env === "prod" ? [o(PG_ID), o(REPLICA_ID)] : [o(PG_ID)] },
    cache: { cloud: "digitalocean", clusterId: o(CACHE_ID) },
  };
}

function args(env: Env, extra: Partial<ObservabilityArgs> = {}): ObservabilityArgs {
  return {
    platform: staticDoPlatform(),
    context: context(env),
    protect: env === "prod",
    alerting: PROFILES[env].alerting,
    channels: CHANNELS,
    channelSecrets: { slack: pulumi.secret(SLACK_URL), pagerduty: pulumi.secret(PD_KEY) },
    slo: PROFILES[env].slo,
    logRetentionDays: PROFILES[env].logRetentionDays,
    targets: targets(env),
    ...extra,
  };
}

async function plan(env: Env): Promise<ProgramRun> {
  return runComponents(
    () => {
      const obs = new Observability("loom", withDoPlatform(args(env), { disasterRecovery: env === "prod" }));
      return {
        alarmTargets: obs.alarmTargets,
        alertNames: obs.alertNames,
        dashboard: obs.dashboard,
        dashboards: obs.dashboards,
        telemetry: obs.telemetry,
      };
    },
    DO_CONFIG,
    env,
  );
}

describe("DigitalOcean signal table and alert plan", () => {
  it("measures every signal somewhere or names the gap", () => {
    for (const id of SIGNAL_IDS) {
      const s = DO_MONITORING[id];
      assert.ok(s.monitoring?.length || s.prometheus || s.gap, id);
      if (doBackend(id) === "none") assert.ok(s.gap, `${id} is unmeasured and says why`);
    }
    assert.deepEqual(
      SIGNAL_IDS.filter((id) => doBackend(id) === "none"),
      ["database-up", "database-connections"],
    );
  });

  it("puts each alert on DO Monitoring, Uptime, Prometheus or nowhere (with a load balancer)", () => {
    const p = doAlertPlan({ thresholds: DEFAULT_THRESHOLDS, loadBalancer: true });
    assert.deepEqual(
      p.monitor.map((m) => [m.id, m.type, m.compare, m.value, m.window]),
      [
        ["high-error-rate", "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx", "GreaterThan", 5, "5m"],
        ["slow-responses", "v1/insights/lbaas/high_http_request_response_time_95p", "GreaterThan", 2000, "10m"],
        ["disk-space-low-database", "v1/dbaas/alerts/disk_utilization_alerts", "GreaterThan", 85, "10m"],
        ["disk-space-low-droplets", "v1/insights/droplet/disk_utilization_percent", "GreaterThan", 85, "10m"],
        ["memory-pressure-droplets", "v1/insights/droplet/memory_utilization_percent", "GreaterThan", 90, "10m"],
        ["memory-pressure-database", "v1/dbaas/alerts/memory_utilization_alerts", "GreaterThan", 90, "10m"],
        ["memory-pressure-cache", "v1/dbaas/alerts/memory_utilization_alerts", "GreaterThan", 90, "10m"],
        ["database-cpu-high", "v1/dbaas/alerts/cpu_alerts", "GreaterThan", 80, "10m"],
        ["database-storage-low", "v1/dbaas/alerts/disk_utilization_alerts", "GreaterThan", 90, "5m"],
        ["cache-memory-high", "v1/dbaas/alerts/memory_utilization_alerts", "GreaterThan", 80, "10m"],
        ["replicas-below-desired", "v1/insights/lbaas/droplet_health", "GreaterThan", 0, "10m"],
      ],
    );
    assert.deepEqual(
      p.uptime.map((u) => [u.id, u.type, u.comparison, u.threshold, u.period, u.severity]),
      [
        ["certificate-expiry", "ssl_expiry", "less_than", 14, "1h", "warning"],
        ["uptime-down", "down_global", "greater_than", undefined, "2m", "critical"],
      ],
    );
    assert.deepEqual(
      p.prometheus.map((a) => a.id),
      [
        "queue-backlog",
        "llm-api-failures",
        "backup-missing",
        "backup-size-drop",
        "backup-dr-copy-failed",
        "slo-availability-fast-burn",
        "slo-availability-slow-burn",
        "slo-latency-fast-burn",
        "slo-latency-slow-burn",
      ],
    );
    assert.deepEqual(
      p.unmeasured.map((a) => a.id),
      ["database-down"],
    );
    const covered = [...p.monitor.map((m) => m.alert.id), "certificate-expiry", ...p.prometheus.map((a) => a.id)];
    assert.deepEqual(new Set([...covered, "database-down"]), new Set(ALERTS.map((a) => a.id)));
  });

  it("without a load balancer, the app's own series take the LB alerts and droplet health is unmeasured", () => {
    const p = doAlertPlan({ thresholds: DEFAULT_THRESHOLDS, loadBalancer: false });
    assert.equal(
      p.monitor.some((m) => m.target.kind === "loadBalancer"),
      false,
    );
    assert.ok(p.prometheus.some((a) => a.id === "high-error-rate"));
    assert.ok(p.prometheus.some((a) => a.id === "slow-responses"));
    assert.deepEqual(
      p.unmeasured.map((a) => a.id),
      ["database-down", "replicas-below-desired"],
    );
  });

  it("maps an alert's `for` to the longest DO window not above it", () => {
    assert.deepEqual(["1m", "2m", "5m", "10m", "15m", "30m", "1h", "6h"].map(doWindow), [
      "5m",
      "5m",
      "5m",
      "10m",
      "10m",
      "30m",
      "1h",
      "1h",
    ]);
  });

  it("renders the monitor droplet's rules: recording rules under the Kubernetes names, the Prometheus alerts", () => {
    const p = doAlertPlan({ thresholds: DEFAULT_THRESHOLDS, loadBalancer: true });
    const groups = doRuleGroups({
      refs: { namespace: "loom-prod", drCopy: false },
      thresholds: DEFAULT_THRESHOLDS,
      slo: DEFAULT_SLO.prod,
      runbookBaseUrl: "https://example.com/",
      alerts: p.prometheus,
    });
    assert.deepEqual(
      groups.map((g) => g.name),
      ["loom.records", "loom.slo.records", "loom.alerts"],
    );
    const rec = Object.fromEntries(
      groups.flatMap((g) => g.rules).flatMap((r) => ("record" in r ? [[r.record, r.expr]] : [])),
    );
    assert.equal(
      rec["loom:queue_depth:max"],
      'max by (namespace) (sum by (namespace, job, instance) (loom_queue_depth{namespace="loom-prod"}))',
    );
    assert.equal(rec["loom:dr_backup:copy_failures1h"], 'label_replace(vector(0), "namespace", "loom-prod", "", "")');
    assert.equal(
      rec["loom:logical_backup:successes26h"],
      'sum by (namespace) (time() - loom_backup_last_success_timestamp_seconds{namespace="loom-prod",job="loom-backup",copy="primary"} < bool 93600)',
    );
    assert.equal(rec["loom:database:up"], undefined, "no expression, no record");
    const alerts = groups[2]?.rules.map((r) => ("alert" in r ? [r.alert, r.labels.namespace] : []));
    assert.deepEqual(alerts?.[0], ["LoomQueueBacklog", "loom-prod"]);
    assert.equal(alerts?.length, 9);
  });
});

describe("DigitalOcean monitor droplet configuration", () => {
  it("gives Alertmanager its credentials as files and no global block", () => {
    const routes = alertmanagerRoutes({
      channels: [...CHANNELS.channels, { kind: "webhook", name: "hook", secret: "Hook_Url" }],
      routes: { critical: ["pagerduty", "hook"], warning: ["slack", "email"] },
    });
    assert.equal("global" in routes, false);
    type Receiver = Record<string, unknown> & { name: string };
    const receivers = Object.fromEntries((routes.receivers as Receiver[]).map((r) => [r.name, r]));
    assert.deepEqual(receivers.slack, {
      name: "slack",
      slack_configs: [
        {
          api_url_file: "/etc/alertmanager/secrets/alert-slack",
          channel: "#loom-alerts",
          send_resolved: true,
          title: TITLE,
          text: TEXT,
        },
      ],
    });
    assert.deepEqual(receivers.pagerduty, {
      name: "pagerduty",
      pagerduty_configs: [
        { routing_key_file: "/etc/alertmanager/secrets/alert-pagerduty", send_resolved: true, description: TITLE },
      ],
    });
    assert.deepEqual(receivers.hook, {
      name: "hook",
      webhook_configs: [{ url_file: "/etc/alertmanager/secrets/alert-hook-url", send_resolved: true }],
    });
  });

  it("boots with Ansible-delivered secrets, the config unit and the backup metrics timer", () => {
    const boot = monitorBoot(
      {
        namespace: "loom-prod",
        collectorHost: COLLECTOR,
        rules: [],
        channels: CHANNELS,
        backupBuckets: [{ copy: "primary", bucket: "loom-prod-backups-a1b2c3", region: "ams3" }],
      },
      "services: {}\n",
    );
    assert.deepEqual(boot.secretDelivery, { kind: "ansible" });
    assert.deepEqual(boot.secretKeys, [
      "alert-slack",
      "alert-pagerduty",
      "alertmanager-smtp",
      "monitor-backup-access-key",
      "monitor-backup-secret-key",
    ]);
    assert.deepEqual(boot.logShipping, { kind: "forward", address: COLLECTOR });
    const prom = parse(boot.files?.find((f) => f.path === "/etc/loom/prometheus/prometheus.yml")?.content ?? "");
    assert.deepEqual(prom.scrape_configs[0], {
      job_name: "loom-collector",
      honor_labels: true,
      static_configs: [{ targets: [`${COLLECTOR}:8889`], labels: { namespace: "loom-prod" } }],
    });
    const file = (path: string) => boot.files?.find((f) => f.path === path)?.content ?? "";
    const unit = file("/etc/systemd/system/loom-alertmanager-config.service");
    assert.match(unit, /^ExecStartPre=\/usr\/local\/sbin\/loom-secrets$/m);
    assert.equal(
      file("/etc/systemd/system/loom.service.d/10-alertmanager.conf"),
      "[Unit]\nRequires=loom-alertmanager-config.service\nAfter=loom-alertmanager-config.service\n",
    );
    // Not started at boot: it would wait for the pushed secrets inside cloud-init.
    assert.deepEqual(Object.keys(boot.units ?? {}), ["loom-backup-metrics.service", "loom-backup-metrics.timer"]);
    assert.match(unit, /install -m 0400 -o 65534 -g 65534 \/etc\/loom\/secrets\/alert-slack /);
    assert.match(unit, /cat \/etc\/loom\/secrets\/alertmanager-smtp \/etc\/loom\/alertmanager\/routes.yml >/);
    assert.ok(boot.units?.["loom-backup-metrics.timer"]?.includes("OnUnitActiveSec=5min"));
  });

  it("fits Prometheus, Alertmanager and the Pushgateway in the droplet's RAM minus 256 MiB for the host", () => {
    const compose = monitorCompose();
    assert.equal(MONITOR_SIZE, "s-1vcpu-1gb");
    assert.equal(composeMemoryMiB(compose), 704);
    assert.ok(composeMemoryMiB(compose) <= 1024 - 256);
    assert.deepEqual(
      compose.services.map((c) => [c.name, c.user, (c.ports ?? []).map((p) => p.hostIp)]),
      [
        ["prometheus", "65534:65534", []],
        ["alertmanager", "65534:65534", []],
        ["pushgateway", "65534:65534", ["127.0.0.1"]],
      ],
    );
  });

  it("fetches each backup copy's metrics file with SigV4 and pushes it to the loopback Pushgateway", () => {
    const script = backupMetricsScript([
      { copy: "primary", bucket: "loom-prod-backups-a1b2c3", region: "ams3" },
      { copy: "dr", bucket: "loom-prod-backups-dr-a1b2c3", region: "fra1" },
    ]);
    assert.ok(
      script.includes(
        `curl -fsS --aws-sigv4 "aws:amz:fra1:s3" --user "$AK:$SK" -o /run/loom-backup-dr.prom https://loom-prod-backups-dr-a1b2c3.fra1.digitaloceanspaces.com/${BACKUP_METRICS_KEY}`,
      ),
    );
    assert.ok(
      script.includes(
        "curl -fsS --data-binary @/run/loom-backup-primary.prom http://127.0.0.1:9091/metrics/job/loom-backup/copy/primary",
      ),
    );
  });

  it("refuses a severity that reaches neither e-mail nor Slack (DO Monitoring notifies only those)", () => {
    assert.throws(
      () =>
        doNotifications({
          channels: { channels: CHANNELS.channels, routes: { critical: ["pagerduty"], warning: ["email"] } },
          channelSecrets: { slack: SLACK_URL, pagerduty: PD_KEY },
        }),
      (e: { propertyPath?: string; reason?: string }) =>
        e.propertyPath === "channels.routes.critical" &&
        e.reason ===
          "must reach an email or slack channel on digitalocean: DO Monitoring and Uptime notify only those (PagerDuty: add its e-mail integration address as an email channel)",
    );
  });
});

const TOOLS = path.join(process.env.LOOM_OBS_CACHE ?? path.join(os.homedir(), ".cache", "loom-obs"), "bin");
/** Run a cached Prometheus tool on a YAML file; skips the test when the tool is not cached. */
function check(ctx: Mocha.Context, tool: "promtool" | "amtool", argv: string[], doc: unknown): string {
  const bin = path.join(TOOLS, tool);
  if (!fs.existsSync(bin)) ctx.skip();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-do-obs-"));
  const file = path.join(dir, "config.yml");
  fs.writeFileSync(file, typeof doc === "string" ? doc : stringify(doc, { lineWidth: 0 }));
  try {
    return execFileSync(bin, [...argv, file], { encoding: "utf8" });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

describe("DigitalOcean monitor droplet files through promtool and amtool (when cached)", () => {
  for (const drCopy of [false, true]) {
    it(`the rules file passes promtool check rules (drCopy ${drCopy})`, function () {
      const groups = doRuleGroups({
        refs: { namespace: "loom-prod", drCopy },
        thresholds: DEFAULT_THRESHOLDS,
        slo: DEFAULT_SLO.prod,
        runbookBaseUrl: "https://example.com/",
        alerts: doAlertPlan({ thresholds: DEFAULT_THRESHOLDS, loadBalancer: false }).prometheus,
      });
      const count = groups.reduce((n, g) => n + g.rules.length, 0);
      assert.match(
        check(this, "promtool", ["check", "rules"], { groups }),
        new RegExp(`SUCCESS: ${count} rules found`),
      );
    });
  }

  it("prometheus.yml passes promtool check config", function () {
    const out = check(
      this,
      "promtool",
      ["check", "config", "--syntax-only"],
      prometheusConfig({ namespace: "loom-prod", collectorHost: COLLECTOR }),
    );
    assert.match(out, /SUCCESS/);
  });

  it("the assembled alertmanager.yml (operator's SMTP block + routes) passes amtool check-config", function () {
    const smtp = "global:\n  smtp_smarthost: smtp.example.com:587\n  smtp_from: alertmanager@example.com\n";
    const out = check(this, "amtool", ["check-config"], smtp + stringify(alertmanagerRoutes(CHANNELS)));
    assert.match(out, /SUCCESS/);
    assert.match(out, /3 receivers/);
  });
});

describe("Observability on DigitalOcean, prod with alerting on", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("prod");
  });

  it("creates one enabled policy per DO measure, notifying the severity's e-mail and Slack channels", () => {
    const alerts = ofType(run, MONITOR_ALERT);
    const expected = doAlertPlan({ thresholds: DEFAULT_THRESHOLDS, loadBalancer: true }).monitor;
    assert.deepEqual(
      alerts.map((a) => a.name),
      expected.map((m) => `loom-${m.id}`),
    );
    for (const a of alerts) {
      assert.equal(a.inputs.enabled, true, a.name);
      const to = a.inputs.alerts as { emails: string[]; slacks: { channel: string; url: string }[] };
      assert.deepEqual(to.emails, ["oncall@example.com"], a.name);
      assert.deepEqual(to.slacks, [{ channel: "#loom-alerts", url: SLACK_URL }], a.name);
      assert.ok(a.secretPaths.includes("alerts.slacks.0.url") || a.secretPaths.includes("alerts"), a.name);
    }
    const inputs = (n: string) => one(run, MONITOR_ALERT, `loom-${n}`).inputs;
    assert.deepEqual(inputs("high-error-rate").entities, [LB_ID]);
    assert.deepEqual(inputs("database-cpu-high").entities, [PG_ID, REPLICA_ID]);
    assert.deepEqual(inputs("cache-memory-high").entities, [CACHE_ID]);
    assert.deepEqual(inputs("memory-pressure-droplets").tags, ["loom-prod-web", "loom-prod-worker"]);
    assert.deepEqual(inputs("disk-space-low-droplets").tags, [
      "loom-prod-web",
      "loom-prod-worker",
      "loom-prod-jobs",
      "loom-prod-monitor",
    ]);
    assert.equal(inputs("memory-pressure-droplets").entities, undefined);
  });

  it("checks https://<domain>/healthz from every region, alerting on global downtime and certificate expiry", () => {
    const check = one(run, UPTIME_CHECK).inputs;
    assert.deepEqual(
      [check.type, check.target, check.regions, check.enabled],
      ["https", "https://loom.example.com/healthz", ["us_east", "us_west", "eu_west", "se_asia"], true],
    );
    const shape = (n: string) => {
      const i = one(run, UPTIME_ALERT, `loom-${n}`).inputs;
      return [i.type, i.comparison, i.threshold, i.period];
    };
    assert.deepEqual(shape("certificate-expiry"), ["ssl_expiry", "less_than", 14, "1h"]);
    assert.deepEqual(shape("uptime-down"), ["down_global", "greater_than", undefined, "2m"]);
    const n = one(run, UPTIME_ALERT, "loom-uptime-down");
    assert.deepEqual(n.inputs.notifications, [
      { emails: ["oncall@example.com"], slacks: [{ channel: "#loom-alerts", url: SLACK_URL }] },
    ]);
    assert.ok(n.secretPaths.some((p) => p.startsWith("notifications")));
  });

  it("runs the monitor droplet in the VPC with the metrics agent, SSH keys, its tag, no credential in userData", () => {
    const d = one(run, DROPLET, "loom-monitor").inputs;
    assert.deepEqual(
      [d.name, d.region, d.size, d.vpcUuid, d.monitoring, d.sshKeys, (d.tags as string[])[0]],
      ["loom-prod-monitor", "ams3", "s-1vcpu-1gb", DO_VPC_ID, true, [DO_SSH_KEY], "loom-prod-monitor"],
    );
    const userData = String(d.userData);
    assert.ok(userData.startsWith("#cloud-config"));
    assert.ok(Buffer.byteLength(userData) < 64 * 1024, "DO's userData limit");
    for (const secret of [SLACK_URL, PD_KEY, "mock-generated-password"]) assert.equal(userData.includes(secret), false);
  });

  it("stores the channel credentials for Ansible; reads the backup buckets with Backups' read-only key", () => {
    const objects = Object.fromEntries(ofType(run, OBJECT).map((o) => [o.inputs.key, o]));
    assert.deepEqual(Object.keys(objects).sort(), ["alert-pagerduty", "alert-slack", "alertmanager-smtp"]);
    assert.equal(objects["alert-slack"]?.inputs.content, SLACK_URL);
    assert.ok(objects["alert-slack"]?.secretPaths.includes("content"));
    assert.equal(objects["alert-pagerduty"]?.inputs.content, PD_KEY);
    assert.equal(objects["alertmanager-smtp"]?.inputs.content, "", "an empty placeholder the operator fills");
    assert.deepEqual(ofType(run, SPACES_KEY), [], "the key is Backups' (one key, one pair of objects)");
    // The account suffix every bucket name ends with, as the platform's secrets bucket shows it.
    const secrets = String(one(run, "digitalocean:index/spacesBucket:SpacesBucket").inputs.name);
    const suffix = secrets.replace(/^loom-prod-secrets-/, "");
    assert.match(suffix, /^[a-z0-9]{6}$/);
    const userData = String(one(run, DROPLET, "loom-monitor").inputs.userData);
    for (const [bucket, region] of [
      [`loom-prod-backups-${suffix}`, "ams3"],
      [`loom-prod-backups-dr-${suffix}`, "fra1"],
    ]) {
      assert.ok(userData.includes(`https://${bucket}.${region}.digitaloceanspaces.com/metrics/latest.prom`), bucket);
    }
    assert.ok(userData.includes("$(cat /etc/loom/secrets/monitor-backup-access-key)"));
  });

  it("outputs the routed channels, every alert name and the Grafana files", () => {
    assert.deepEqual(run.outputs.alarmTargets, [
      "email:oncall@example.com",
      "slack:#loom-alerts",
      "pagerduty:pagerduty",
    ]);
    const names = run.outputs.alertNames as string[];
    assert.ok(names.includes("loom-prod-high-error-rate"));
    assert.ok(names.includes("loom-prod-uptime-down"));
    assert.ok(names.includes("LoomQueueBacklog"));
    assert.equal(run.outputs.dashboard, "observability/grafana/overview.json");
  });
});

describe("Observability on DigitalOcean, dev (alerting off)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("dev");
  });

  it("creates no alert, no uptime check and no monitor droplet", () => {
    for (const t of [MONITOR_ALERT, UPTIME_ALERT, UPTIME_CHECK, DROPLET, SPACES_KEY]) {
      assert.deepEqual(ofType(run, t), [], t);
    }
    assert.deepEqual(run.outputs.alertNames, []);
    assert.deepEqual(run.outputs.alarmTargets, []);
    const telemetry = run.outputs.telemetry as { logs: string; traces: string };
    assert.match(telemetry.logs, /^Vector → Spaces bucket loom-dev-logs-[a-z0-9]{6} \(7 days\)$/);
    assert.match(
      telemetry.traces,
      /^OpenTelemetry collector on the jobs droplet \(http:\/\/10\.110\.0\.9:4318\) → Spaces bucket loom-dev-logs-[a-z0-9]{6}\/traces$/,
    );
  });
});
