/**
 * Observability on GCP under the mock engine: a prod stack with alerting on and all four channels (one alert policy
 * per catalog alert, routed by severity, credentials never in clear, PromQL exact where it matters), dev (alerting
 * off: no policy, no channel; dashboards, log retention and the uptime check still there), and the pure parts: the
 * PromQL name mapping, the total query table, and every rendered query through promtool when it is cached.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { ALERTS, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { CLOUD_MONITORING, type CmRefs, promName } from "../../components/observability/catalog/cloud-monitoring";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { SIGNAL_IDS, SLO_WINDOWS } from "../../components/observability/catalog/signals";
import { DEFAULT_SLO } from "../../components/observability/catalog/slo";
import type { AlertingSettings } from "../../components/observability/channels";
import { renderGcpAlerts } from "../../components/observability/gcp-alerts";
import { credentialLogFilter } from "../../components/observability/gcp-logs";
import { PROFILES } from "../../components/profiles";
import { type PlannedResource, type ProgramRun, redact } from "../../scripts/lib/mock-engine";
import { digits } from "../../scripts/lib/mock-values/types";
import { context, ofType, one, runComponents } from "../harness/program";
import { GCP_PROJECT, GCP_REGION, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";
const DASHBOARD = "gcp:monitoring/dashboard:Dashboard";
const UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";
const BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig";
const LOG_METRIC = "gcp:logging/metric:Metric";
const KEY = "gcp:kms/cryptoKey:CryptoKey";
const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };

const SLACK_TOKEN = "xoxb-0000-fake-slack-token";
const PD_KEY = "0123456789abcdef0123456789abcdef";
const WEBHOOK = "https://hooks.example.com/loom?token=w3bh00k-t0ken";

const ALL_CHANNELS: AlertingSettings = {
  channels: [
    { kind: "email", name: "email", to: "oncall@example.com" },
    { kind: "slack", name: "slack", channel: "#loom-alerts", secret: "slack" },
    { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
    { kind: "webhook", name: "webhook", secret: "webhook" },
  ],
  routes: { critical: ["pagerduty", "slack", "webhook"], warning: ["slack", "email", "webhook"] },
};

type Env = "dev" | "staging" | "prod";
const DB_ID = (env: Env) => `${GCP_PROJECT}:loom-${env}-db`;
const CACHE_ID = (env: Env) => `projects/${GCP_PROJECT}/locations/${GCP_REGION}/instances/loom-${env}-cache`;

/** Monitoring handles as the other GCP components hand them over: typed, with Outputs for the identifiers. */
function targets(env: Env): ObservabilityArgs["targets"] {
  const o = pulumi.output;
  return {
    app: {
      cloud: "gcp",
      region: GCP_REGION,
      webService: o(`loom-${env}-web`),
      workerService: o(`loom-${env}-worker`),
      migrateJob: o(`loom-${env}-migrate`),
      ...(env === "dev" ? {} : { urlMap: o(`loom-${env}-edge`) }),
      publicHost: o(env === "dev" ? `loom-${env}-web-abc123-ew.a.run.app` : `${env}.loom.example.com`),
      healthPath: "/healthz",
    },
    database: { cloud: "gcp", databaseIds: [o(DB_ID(env)), o(`${GCP_PROJECT}:loom-${env}-db-replica`)] },
    cache: { cloud: "gcp", instanceId: o(CACHE_ID(env)) },
  };
}

function args(env: Env, extra: Partial<ObservabilityArgs> = {}): ObservabilityArgs {
  return {
    platform: staticGcpPlatform(),
    context: context(env),
    protect: env === "prod",
    alerting: PROFILES[env].alerting,
    channels: ALL_CHANNELS,
    // Fakes of settings' loadAlertSecrets: secret Outputs.
    channelSecrets: {
      slack: pulumi.secret(SLACK_TOKEN),
      pagerduty: pulumi.secret(PD_KEY),
      webhook: pulumi.secret(WEBHOOK),
    },
    slo: PROFILES[env].slo,
    logRetentionDays: PROFILES[env].logRetentionDays,
    targets: targets(env),
    ...extra,
  };
}

async function plan(env: Env, extra: Partial<ObservabilityArgs> = {}): Promise<ProgramRun> {
  return runComponents(() => {
    const platformArgs = withGcpPlatform(args(env, extra), { disasterRecovery: PROFILES[env].disasterRecovery });
    const obs = new Observability("loom", platformArgs);
    return {
      alarmTargets: obs.alarmTargets,
      alertNames: obs.alertNames,
      dashboard: obs.dashboard,
      dashboards: obs.dashboards,
      telemetry: obs.telemetry,
      alertSink: pulumi.output(obs.alertSink ?? "none"),
    };
  }, CONFIG);
}

interface PromCondition {
  query: string;
  duration: string;
  alertRule: string;
  ruleGroup: string;
  labels: Record<string, string>;
  disableMetricValidation: boolean;
}
const conditionOf = (p: PlannedResource) =>
  (p.inputs.conditions as { displayName: string; conditionPrometheusQueryLanguage: PromCondition }[])[0];
const queryOf = (run: ProgramRun, id: string) =>
  conditionOf(one(run, POLICY, `loom-${id}`))?.conditionPrometheusQueryLanguage.query;
/** The API name the mock engine gives a monitoring resource (scripts/lib/mock-values/gcp.ts), by logical name. */
const apiName = (type: string, collection: string, name: string) =>
  `projects/${GCP_PROJECT}/${collection}/${digits(`${type}/${GCP_PROJECT}/${name}`, 19)}`;
const channelId = (run: ProgramRun, name: string) =>
  apiName(CHANNEL, "notificationChannels", one(run, CHANNEL, `loom-channel-${name}`).name);

describe("Observability on GCP, prod with alerting on and all four channels", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("prod");
  });

  it("one enabled alert policy per catalog alert, named <prefix>-<id>, with its severity and rule name", () => {
    const policies = ofType(run, POLICY);
    assert.deepEqual(
      policies.map((p) => p.inputs.displayName),
      ALERTS.map((a) => `loom-prod-${a.id}`),
    );
    for (const a of ALERTS) {
      const p = one(run, POLICY, `loom-${a.id}`).inputs;
      assert.equal(p.enabled, true, a.id);
      assert.equal(p.combiner, "OR", a.id);
      assert.equal(p.severity, a.severity === "critical" ? "CRITICAL" : "WARNING", a.id);
      assert.equal(p.project, GCP_PROJECT, a.id);
      assert.deepEqual(p.alertStrategy, { notificationPrompts: ["OPENED", "CLOSED"] }, a.id);
      assert.equal((p.userLabels as Record<string, string>).alert, a.id);
      const c = conditionOf(one(run, POLICY, `loom-${a.id}`))?.conditionPrometheusQueryLanguage;
      assert.equal(c?.ruleGroup, "loom");
      assert.match(String(c?.alertRule), /^Loom[A-Z][A-Za-z]+$/);
      assert.deepEqual(c?.labels, { severity: a.severity, loom_alert: a.id });
      assert.equal(c?.disableMetricValidation, true);
    }
    assert.deepEqual(
      run.outputs.alertNames,
      ALERTS.map((a) => `loom-prod-${a.id}`),
    );
  });

  it("holds each condition for the alert's `for`, in seconds", () => {
    const durations = Object.fromEntries(
      ["high-error-rate", "slow-responses", "queue-backlog", "database-down", "certificate-expiry"].map((id) => [
        id,
        conditionOf(one(run, POLICY, `loom-${id}`))?.conditionPrometheusQueryLanguage.duration,
      ]),
    );
    assert.deepEqual(durations, {
      "high-error-rate": "300s",
      "slow-responses": "600s",
      "queue-backlog": "900s",
      "database-down": "60s",
      "certificate-expiry": "3600s",
    });
  });

  it("notifies each severity's routed channels, and outputs every routed channel once", () => {
    const id = (n: string) => channelId(run, n);
    for (const a of ALERTS) {
      const expected = ALL_CHANNELS.routes[a.severity].map(id);
      assert.deepEqual(one(run, POLICY, `loom-${a.id}`).inputs.notificationChannels, expected, a.id);
    }
    assert.deepEqual(run.outputs.alarmTargets, ["pagerduty", "slack", "webhook", "email"].map(id));
    for (const t of run.outputs.alarmTargets as string[]) {
      assert.match(t, new RegExp(`^projects/${GCP_PROJECT}/notificationChannels/\\d+$`));
    }
    assert.equal(run.outputs.alertSink, "none");
  });

  it("builds the four channels with Cloud Monitoring's types and labels", () => {
    const shape = (n: string) => {
      const c = one(run, CHANNEL, `loom-channel-${n}`);
      return [c.inputs.type, redact(c.inputs.labels, c.secretPaths, ["labels"]), c.inputs.enabled];
    };
    assert.deepEqual(shape("email"), ["email", { email_address: "oncall@example.com" }, true]);
    assert.deepEqual(shape("slack"), ["slack", { channel_name: "#loom-alerts" }, true]);
    assert.deepEqual(shape("pagerduty"), ["pagerduty", {}, true]);
    assert.deepEqual(shape("webhook"), ["webhook_tokenauth", { url: "[secret]" }, true]);
    assert.deepEqual(one(run, CHANNEL, "loom-channel-webhook").inputs.labels, { url: WEBHOOK });
    const slack = one(run, CHANNEL, "loom-channel-slack").inputs.sensitiveLabels;
    assert.deepEqual(slack, { authToken: SLACK_TOKEN });
    assert.deepEqual(one(run, CHANNEL, "loom-channel-pagerduty").inputs.sensitiveLabels, { serviceKey: PD_KEY });
  });

  it("keeps the Slack token, the PagerDuty key and the webhook URL secret: never in clear in any input", () => {
    assert.deepEqual(one(run, CHANNEL, "loom-channel-slack").secretPaths, ["sensitiveLabels.authToken"]);
    assert.deepEqual(one(run, CHANNEL, "loom-channel-pagerduty").secretPaths, ["sensitiveLabels.serviceKey"]);
    assert.deepEqual(one(run, CHANNEL, "loom-channel-webhook").secretPaths, ["labels.url"]);
    assert.deepEqual(one(run, CHANNEL, "loom-channel-email").secretPaths, []);
    for (const r of run.resources) {
      const shown = JSON.stringify(redact(r.inputs, r.secretPaths));
      for (const secret of [SLACK_TOKEN, PD_KEY, WEBHOOK])
        assert.ok(!shown.includes(secret), `${r.name} shows a credential`);
    }
  });

  it("documents each alert: subject, summary, condition and the runbook link", () => {
    const doc = one(run, POLICY, "loom-high-error-rate").inputs.documentation as Record<string, unknown>;
    const url = "https://github.com/loom-dev/loom-infra/blob/main/docs/runbooks/alerts.md#high-error-rate";
    assert.deepEqual(doc, {
      subject: "[CRITICAL] loom-prod: Too many web requests fail with 5xx",
      content: [
        "**Too many web requests fail with 5xx** (critical)",
        "The 5xx share of web requests is above the threshold.",
        "Fires when 5xx share of requests > 0.05 for 5m.",
        `Runbook: ${url}`,
      ].join("\n\n"),
      mimeType: "text/markdown",
      links: [{ displayName: "Runbook", url }],
    });
    for (const a of ALERTS) {
      const d = one(run, POLICY, `loom-${a.id}`).inputs.documentation as { links: { url: string }[] };
      assert.equal(d.links[0]?.url, `https://github.com/loom-dev/loom-infra/blob/main/${a.runbook}`);
    }
  });

  it("5xx ratio from Cloud Run's request_count of the web service by response_code_class", () => {
    const sel = `monitored_resource="cloud_run_revision",project_id="${GCP_PROJECT}",location="${GCP_REGION}",service_name="loom-prod-web"`;
    const rc = (extra: string) => `rate(run_googleapis_com:request_count{${sel}${extra}}[5m])`;
    assert.equal(
      queryOf(run, "high-error-rate"),
      `((sum(${rc(',response_code_class="5xx"')}) or 0 * sum(${rc("")})) / sum(${rc("")})) > 0.05`,
    );
  });

  it("latency p95 from request_latencies (milliseconds → seconds)", () => {
    const sel = `monitored_resource="cloud_run_revision",project_id="${GCP_PROJECT}",location="${GCP_REGION}",service_name="loom-prod-web"`;
    assert.equal(
      queryOf(run, "slow-responses"),
      `(histogram_quantile(0.95, sum by (le) (rate(run_googleapis_com:request_latencies_bucket{${sel}}[5m]))) / 1000) > 2`,
    );
  });

  it("Cloud SQL CPU and disk of the primary, Memorystore memory of the instance", () => {
    const sql = `monitored_resource="cloudsql_database",project_id="${GCP_PROJECT}",database_id="${DB_ID("prod")}"`;
    assert.equal(
      queryOf(run, "database-cpu-high"),
      `(max(cloudsql_googleapis_com:database_cpu_utilization{${sql}})) > 0.8`,
    );
    assert.equal(
      queryOf(run, "database-storage-low"),
      `(1 - max(cloudsql_googleapis_com:database_disk_utilization{${sql}})) < 0.1`,
    );
    const redis = `monitored_resource="redis_instance",project_id="${GCP_PROJECT}",instance_id="${CACHE_ID("prod")}"`;
    assert.equal(
      queryOf(run, "cache-memory-high"),
      `(max(redis_googleapis_com:stats_memory_usage_ratio{${redis}})) > 0.8`,
    );
  });

  it("queue depth from the app's series (both services' Prometheus sidecars); no data fires too", () => {
    const app = `project_id="${GCP_PROJECT}",location="${GCP_REGION}",cluster="__run__",namespace=~"loom-prod-web|loom-prod-worker"`;
    const depth = `max(loom_queue_depth{${app}})`;
    assert.equal(queryOf(run, "queue-backlog"), `(${depth}) > 500 or on() absent(${depth})`);
    const up = `max(cloudsql_googleapis_com:database_up{monitored_resource="cloudsql_database",project_id="${GCP_PROJECT}",database_id="${DB_ID("prod")}"})`;
    assert.equal(queryOf(run, "database-down"), `(${up}) < 1 or on() absent(${up})`);
  });

  it("serving health: a workload with no Cloud Run instance counts as one replica missing", () => {
    const q = String(queryOf(run, "replicas-below-desired"));
    for (const w of ["web", "worker"]) {
      const sel = `monitored_resource="cloud_run_revision",project_id="${GCP_PROJECT}",location="${GCP_REGION}",service_name="loom-prod-${w}"`;
      assert.ok(
        q.includes(
          `label_replace(clamp_min(1 - (sum(run_googleapis_com:container_instance_count{${sel}}) or vector(0)), 0), "workload", "${w}", "", "")`,
        ),
        w,
      );
    }
    assert.ok(q.endsWith(") >= 1"));
  });

  it("burn rates: each pair's long AND short window over the stack's SLO, pairs OR-ed", () => {
    const q = String(queryOf(run, "slo-availability-fast-burn"));
    const pairs = q.split(" or (").length;
    assert.equal(pairs, 2);
    // prod availability 0.999: budget 0.001 × 14.4 and × 6.
    assert.equal((q.match(/\) > 0\.0144/g) ?? []).length, 2);
    assert.equal((q.match(/\) > 0\.006\b/g) ?? []).length, 2);
    for (const w of ["1h", "5m", "6h", "30m"]) assert.ok(q.includes(`[${w}]`), w);
    const slow = String(queryOf(run, "slo-latency-slow-burn"));
    // prod latency 0.995: budget 0.005 × 3 and × 1, from the app's histogram at the 1 s bucket.
    assert.equal((slow.match(/\) > 0\.015\b/g) ?? []).length, 2);
    assert.equal((slow.match(/\) > 0\.005\b/g) ?? []).length, 2);
    assert.ok(slow.includes('loom_http_request_duration_seconds_bucket{project_id="loom-example-prod"'));
    assert.ok(slow.includes('le=~"1(\\\\.0)?"'));
  });

  it("certificate expiry from the health check's certificate, in seconds", () => {
    const check = String(one(run, UPTIME).inputs.displayName);
    assert.equal(check, "loom-prod-health");
    const q = String(queryOf(run, "certificate-expiry"));
    assert.match(
      q,
      new RegExp(
        `^\\(min\\(monitoring_googleapis_com:uptime_check_time_until_ssl_cert_expires\\{monitored_resource="uptime_url",project_id="${GCP_PROJECT}",check_id="loom-prod-health-[0-9a-f]{8}"\\}\\) \\* 86400\\) < 1209600$`,
      ),
    );
  });

  it("backups: successes and failures of the backup job's executions, size from its log line", () => {
    const job = `monitored_resource="cloud_run_job",project_id="${GCP_PROJECT}",location="${GCP_REGION}",job_name="loom-prod-logical-backup"`;
    const succeeded = `sum(increase(run_googleapis_com:job_completed_execution_count{${job},result="succeeded"}[26h]))`;
    assert.equal(queryOf(run, "backup-missing"), `(${succeeded}) < 1 or on() absent(${succeeded})`);
    assert.equal(
      queryOf(run, "backup-dr-copy-failed"),
      `(sum(increase(run_googleapis_com:job_completed_execution_count{${job},result="failed"}[1h]))) >= 1`,
    );
    const size = "logging_googleapis_com:user_loom_prod_logical_backup_size_bytes";
    const day = (o: string) =>
      `(sum(increase(${size}_sum{project_id="${GCP_PROJECT}"}[1d]${o})) / sum(increase(${size}_count{project_id="${GCP_PROJECT}"}[1d]${o})))`;
    assert.equal(queryOf(run, "backup-size-drop"), `(${day("")} / ${day(" offset 1d")}) < 0.5`);
    const metric = one(run, LOG_METRIC).inputs;
    assert.deepEqual(
      [metric.name, metric.filter, metric.valueExtractor, metric.metricDescriptor],
      [
        "loom-prod/logical_backup_size_bytes",
        'resource.type="cloud_run_job" AND resource.labels.job_name="loom-prod-logical-backup" AND textPayload=~"^loom_backup_size_bytes"',
        'REGEXP_EXTRACT(textPayload, "^loom_backup_size_bytes(?:\\\\{[^}]*\\\\})? ([0-9.eE+]+)$")',
        { metricKind: "DELTA", valueType: "DISTRIBUTION", unit: "By" },
      ],
    );
  });

  it("keeps the stack's logs for the profile's 90 days in a CMEK bucket of its own, in the region, protected", () => {
    const bucket = one(run, BUCKET);
    const key = one(run, KEY, "loom-logs-key");
    const b = bucket.inputs;
    assert.deepEqual(
      [b.project, b.location, b.bucketId, b.retentionDays, b.cmekSettings],
      [GCP_PROJECT, GCP_REGION, "loom-prod-logs", 90, { kmsKeyName: `${key.inputs.keyRing}/cryptoKeys/loom-logs-key` }],
    );
    assert.equal(bucket.protect, true);
    assert.deepEqual([key.inputs.rotationPeriod, key.protect], ["7776000s", true]);
    const grant = one(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "loom-logs-key-agent").inputs;
    assert.deepEqual(
      [grant.cryptoKeyId, grant.role, grant.member],
      [
        b.cmekSettings && (b.cmekSettings as { kmsKeyName: string }).kmsKeyName,
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "serviceAccount:service-000000000000@gcp-sa-logging.iam.gserviceaccount.com",
      ],
    );
  });

  it("routes exactly the stack's resources' logs to that bucket and excludes them from _Default", () => {
    const filter = [
      '(resource.type="cloud_run_revision" AND resource.labels.service_name=("loom-prod-web" OR "loom-prod-worker"))',
      '(resource.type="cloud_run_job" AND resource.labels.job_name=("loom-prod-migrate" OR "loom-prod-logical-backup"))',
      `(resource.type="cloudsql_database" AND resource.labels.database_id=("${DB_ID("prod")}" OR "${GCP_PROJECT}:loom-prod-db-replica"))`,
      `(resource.type="redis_instance" AND resource.labels.instance_id=("${CACHE_ID("prod")}"))`,
      '(resource.type="http_load_balancer" AND resource.labels.url_map_name=("loom-prod-edge"))',
    ].join(" OR ");
    const sink = one(run, "gcp:logging/projectSink:ProjectSink").inputs;
    const bucketName = `projects/${GCP_PROJECT}/locations/${GCP_REGION}/buckets/loom-prod-logs`;
    assert.deepEqual(
      [sink.name, sink.destination, sink.filter, sink.uniqueWriterIdentity],
      ["loom-prod-logs", `logging.googleapis.com/${bucketName}`, filter, true],
    );
    const exclusion = one(run, "gcp:logging/projectExclusion:ProjectExclusion").inputs;
    assert.deepEqual([exclusion.project, exclusion.filter], [GCP_PROJECT, filter]);
    assert.equal(one(run, LOG_METRIC).inputs.bucketName, bucketName);
  });

  it("stores no entry that carries a credential: the stack sink drops them (Logging cannot rewrite an entry)", async () => {
    const sink = one(run, "gcp:logging/projectSink:ProjectSink").inputs;
    assert.deepEqual(sink.exclusions, [
      {
        name: "credentials",
        description: "Entries carrying a credential shape (loom:observability.redaction tokens): stored nowhere",
        filter: credentialLogFilter(),
      },
    ]);
    const off = await plan("prod", { redaction: { emails: true, tokens: false, ips: true } });
    assert.equal(one(off, "gcp:logging/projectSink:ProjectSink").inputs.exclusions, undefined);
  });

  it("checks the health path over HTTPS with certificate validation on the public host", () => {
    const u = one(run, UPTIME).inputs;
    assert.deepEqual(u.monitoredResource, {
      type: "uptime_url",
      labels: { project_id: GCP_PROJECT, host: "prod.loom.example.com" },
    });
    assert.deepEqual(u.httpCheck, {
      path: "/healthz",
      port: 443,
      useSsl: true,
      validateSsl: true,
      requestMethod: "GET",
      acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }],
    });
    assert.deepEqual([u.period, u.timeout, u.checkerType], ["60s", "10s", "STATIC_IP_CHECKERS"]);
  });

  it("draws the seven dashboards with PromQL charts; the overview lists every policy's incidents", () => {
    const boards = ofType(run, DASHBOARD);
    assert.equal(boards.length, 7);
    const json = boards.map((b) => JSON.parse(String(b.inputs.dashboardJson)));
    assert.deepEqual(
      json.map((j) => j.displayName),
      DASHBOARDS.map((d) => `${d.title} (loom-prod)`),
    );
    assert.deepEqual(
      Object.keys(run.outputs.dashboards as object),
      DASHBOARDS.map((d) => d.id),
    );
    assert.equal(run.outputs.dashboard, (run.outputs.dashboards as Record<string, string>).overview);
    assert.match(String(run.outputs.dashboard), /^projects\/000000000000\/dashboards\/[0-9a-f-]{36}$/);
    const incidents = json[0].mosaicLayout.tiles.filter(
      (t: { widget: Record<string, unknown> }) => t.widget.incidentList,
    );
    assert.deepEqual(
      incidents.map((t: { widget: { incidentList: { policyNames: string[] } } }) => t.widget.incidentList.policyNames),
      [ofType(run, POLICY).map((p) => apiName(POLICY, "alertPolicies", p.name))],
    );
    DASHBOARDS.forEach((d, i) => {
      const tiles = json[i].mosaicLayout.tiles as {
        widget: Record<string, { timeSeriesQuery?: unknown; dataSets?: unknown[] }>;
      }[];
      const queries = tiles.flatMap((t) => {
        const w = t.widget;
        const q = w.xyChart?.dataSets?.[0] ?? w.scorecard;
        return q ? [(q as { timeSeriesQuery: { prometheusQuery: string } }).timeSeriesQuery.prometheusQuery] : [];
      });
      assert.equal(queries.length, d.panels.length, d.id);
      for (const q of queries) assert.ok(q.includes(`project_id="${GCP_PROJECT}"`), `${d.id}: ${q}`);
    });
  });

  it("reports Cloud Trace and Cloud Logging as the telemetry backends", () => {
    assert.deepEqual(run.outputs.telemetry, { traces: "Cloud Trace", logs: "Cloud Logging" });
  });
});

describe("Observability on GCP, alerting off (dev)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("dev");
  });

  it("creates no alert policy and no notification channel", () => {
    assert.deepEqual(ofType(run, POLICY), []);
    assert.deepEqual(ofType(run, CHANNEL), []);
    assert.deepEqual(run.outputs.alarmTargets, []);
    assert.deepEqual(run.outputs.alertNames, []);
  });

  it("still draws the dashboards (no incident list), keeps 7 days of logs and checks the run.app host", () => {
    const boards = ofType(run, DASHBOARD);
    assert.equal(boards.length, 7);
    for (const b of boards) assert.ok(!String(b.inputs.dashboardJson).includes("incidentList"));
    assert.equal(one(run, BUCKET).inputs.retentionDays, 7);
    assert.equal(one(run, BUCKET).protect, false);
    // No load balancer in dev: no load-balancer clause.
    assert.ok(!String(one(run, "gcp:logging/projectSink:ProjectSink").inputs.filter).includes("http_load_balancer"));
    const host = (one(run, UPTIME).inputs.monitoredResource as { labels: { host: string } }).labels.host;
    assert.equal(host, "loom-dev-web-abc123-ew.a.run.app");
  });
});

describe("Observability on GCP, options and bad input", () => {
  it("routes only e-mail: one channel for both severities", async () => {
    const run = await plan("staging", {
      channels: {
        channels: [{ kind: "email", name: "email", to: "oncall@example.com" }],
        routes: { critical: ["email"], warning: ["email"] },
      },
      channelSecrets: {},
    });
    assert.deepEqual(
      ofType(run, CHANNEL).map((c) => [c.inputs.type, c.inputs.labels]),
      [["email", { email_address: "oncall@example.com" }]],
    );
    const id = channelId(run, "email");
    for (const p of ofType(run, POLICY)) assert.deepEqual(p.inputs.notificationChannels, [id]);
  });

  it("without disaster recovery (staging) there is no DR copy to fail: the signal is a constant 0", async () => {
    const run = await plan("staging");
    assert.equal(queryOf(run, "backup-dr-copy-failed"), "(vector(0)) >= 1");
  });

  it("applies threshold overrides and the SLO of the stack", async () => {
    const run = await plan("staging", { thresholds: { errorRatio: 0.02 } });
    assert.ok(String(queryOf(run, "high-error-rate")).endsWith(") > 0.02"));
    // staging availability 0.995: budget 0.005 × 14.4.
    assert.ok(String(queryOf(run, "slo-availability-fast-burn")).includes(") > 0.072"));
  });

  it("refuses a log retention Cloud Logging cannot keep", async () => {
    await assert.rejects(plan("dev", { logRetentionDays: 4000 }), {
      propertyPath: "logRetentionDays",
      reason: "must be a whole number of days from 1 to 3650 on GCP, got 4000",
    });
  });

  it("refuses a database handle without its primary", async () => {
    const t = targets("dev");
    await assert.rejects(plan("dev", { targets: { ...t, database: { cloud: "gcp", databaseIds: [] } } }), {
      propertyPath: "targets.database.databaseIds",
      reason: "must name the primary instance first",
    });
  });
});

const REFS: CmRefs = {
  project: "p-1",
  region: "europe-west1",
  webService: "loom-prod-web",
  workerService: "loom-prod-worker",
  databaseId: "p-1:loom-prod-db",
  cacheInstanceId: "projects/p-1/locations/europe-west1/instances/loom-prod-cache",
  uptimeCheckId: "loom-prod-health-0a1b2c3d",
  backupJob: "loom-prod-logical-backup",
  backupSizeMetric: "loom-prod/logical_backup_size_bytes",
  drCopy: true,
};

describe("Cloud Monitoring query table", () => {
  it("maps metric types to Cloud Monitoring's PromQL names", () => {
    assert.equal(promName("run.googleapis.com/request_count"), "run_googleapis_com:request_count");
    assert.equal(
      promName("cloudsql.googleapis.com/database/cpu/utilization"),
      "cloudsql_googleapis_com:database_cpu_utilization",
    );
    assert.equal(
      promName("logging.googleapis.com/user/loom-prod/logical_backup_size_bytes"),
      "logging_googleapis_com:user_loom_prod_logical_backup_size_bytes",
    );
    assert.throws(() => promName("no_slash"), /not a Cloud Monitoring metric type/);
  });

  it("scopes every signal's query to the stack's project (every window of windowed signals)", () => {
    for (const id of SIGNAL_IDS) {
      for (const w of SLO_WINDOWS) {
        const q = CLOUD_MONITORING[id].expr(REFS, w);
        assert.ok(q.includes('project_id="p-1"'), `${id} over ${w}: ${q}`);
      }
    }
  });

  it("escapes regex metacharacters of service names in the app selector", () => {
    const q = CLOUD_MONITORING["queue-depth"].expr({ ...REFS, webService: "loom.web" }, "5m");
    assert.ok(q.includes('namespace=~"loom\\\\.web|loom-prod-worker"'), q);
  });

  it("every rendered condition and chart query passes promtool (when cached)", function () {
    const promtool = path.join(
      process.env.LOOM_OBS_CACHE ?? path.join(os.homedir(), ".cache", "loom-obs"),
      "bin",
      "promtool",
    );
    if (!fs.existsSync(promtool)) this.skip();
    const specs = renderGcpAlerts({
      prefix: "loom-prod",
      thresholds: DEFAULT_THRESHOLDS,
      slo: DEFAULT_SLO.prod,
      runbookBaseUrl: "https://docs.example.com/",
    });
    const charts = SIGNAL_IDS.flatMap((id) => SLO_WINDOWS.map((w) => CLOUD_MONITORING[id].expr(REFS, w)));
    const rules = [
      ...specs.map((s) => ({ alert: s.alertRule, expr: s.query(REFS), for: s.duration })),
      ...charts.map((expr, i) => ({ record: `loom:gcp_chart:${i}`, expr })),
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-gcp-promql-"));
    const file = path.join(dir, "rules.yml");
    fs.writeFileSync(file, stringify({ groups: [{ name: "loom-gcp", rules }] }, { lineWidth: 0 }));
    const out = execFileSync(promtool, ["check", "rules", file], { encoding: "utf8" });
    assert.match(out, new RegExp(`SUCCESS: ${rules.length} rules found`));
    fs.rmSync(dir, { recursive: true });
  });
});
