/**
 * Observability on Azure under the mock engine: prod with alerting on and all four channels (an action group per
 * severity with e-mail and webhook receivers, the catalog as metric alerts on the member resources and scheduled
 * query rules over the workspace, each routed by severity, URLs never in clear), staging (no DR copy to fail, no
 * per-table retention), dev (alerting off: no action group, no rule; workbooks and the 7-day table retention), and
 * the pure parts: the total query table, the metric mapping, windows and schedules.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { azureBackupJobName } from "../../components/backups/azure-job-script";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { STACK_TABLES } from "../../components/observability/azure";
import {
  type AzureAlertSpec,
  isoDuration,
  LOG_WINDOWS,
  logSchedule,
  metricCondition,
  renderAzureAlerts,
} from "../../components/observability/azure-alerts";
import { workbookId } from "../../components/observability/azure-dashboards";
import { receivers, shortName } from "../../components/observability/azure-notify";
import { ALERTS, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { type AmRefs, AZURE_MONITOR } from "../../components/observability/catalog/azure-monitor";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { SIGNAL_IDS, SIGNALS, SLO_WINDOWS } from "../../components/observability/catalog/signals";
import { DEFAULT_SLO } from "../../components/observability/catalog/slo";
import type { AlertingSettings } from "../../components/observability/channels";
import { PROFILES } from "../../components/profiles";
import { type PlannedResource, type ProgramRun, redact } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { AZURE_CONFIG, AZURE_SUBSCRIPTION, staticAzurePlatform, withAzurePlatform } from "./azure-fixtures";

const GROUP = "azure-native:monitor:ActionGroup";
const METRIC = "azure-native:monitor:MetricAlert";
const QUERY = "azure-native:monitor:ScheduledQueryRule";
const WORKBOOK = "azure-native:applicationinsights:Workbook";
const TABLE = "azure-native:operationalinsights:Table";

const SLACK_RELAY = "https://hooks.slack.com/triggers/T000/fake-workflow-relay";
const PD_URL = "https://events.pagerduty.com/integration/0123456789abcdef-fake/enqueue";
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
const RG = (env: Env) => `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-${env}`;
const ids = (env: Env) => ({
  web: `${RG(env)}/providers/Microsoft.App/containerApps/loom-${env}-web`,
  worker: `${RG(env)}/providers/Microsoft.App/containerApps/loom-${env}-worker`,
  server: `${RG(env)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/loom-${env}-db`,
  cluster: `${RG(env)}/providers/Microsoft.Cache/redisEnterprise/loom-${env}-cache`,
  gateway: `${RG(env)}/providers/Microsoft.Network/applicationGateways/loom-${env}-agw`,
});
const WORKSPACE = (env: Env) => `${RG(env)}/providers/Microsoft.OperationalInsights/workspaces/loom-${env}-logs`;

function targets(env: Env): ObservabilityArgs["targets"] {
  const o = pulumi.output;
  const i = ids(env);
  return {
    app: {
      cloud: "azure",
      webAppId: o(i.web),
      workerAppId: o(i.worker),
      migrateId: o(`${RG(env)}/providers/Microsoft.App/jobs/loom-${env}-migrate`),
      ...(env === "dev" ? {} : { gatewayId: o(i.gateway) }),
      publicHost: o(`${env}.loom.example.com`),
      healthPath: "/healthz",
    },
    database: { cloud: "azure", serverIds: [o(i.server), o(`${i.server}-replica`)] },
    cache: { cloud: "azure", clusterId: o(i.cluster) },
  };
}

function args(env: Env, extra: Partial<ObservabilityArgs> = {}): ObservabilityArgs {
  return {
    platform: staticAzurePlatform(),
    context: context(env),
    protect: env === "prod",
    alerting: PROFILES[env].alerting,
    channels: ALL_CHANNELS,
    channelSecrets: {
      slack: pulumi.secret(SLACK_RELAY),
      pagerduty: pulumi.secret(PD_URL),
      webhook: pulumi.secret(WEBHOOK),
    },
    slo: PROFILES[env].slo,
    logRetentionDays: PROFILES[env].logRetentionDays,
    targets: targets(env),
    ...extra,
  };
}

async function plan(env: Env, extra: Partial<ObservabilityArgs> = {}): Promise<ProgramRun> {
  return runComponents(
    () => {
      const platformArgs = withAzurePlatform(args(env, extra), {
        disasterRecovery: PROFILES[env].disasterRecovery,
        logRetentionDays: PROFILES[env].logRetentionDays,
      });
      const obs = new Observability("loom", platformArgs);
      return {
        alarmTargets: obs.alarmTargets,
        alertNames: obs.alertNames,
        dashboard: obs.dashboard,
        dashboards: obs.dashboards,
        telemetry: obs.telemetry,
      };
    },
    AZURE_CONFIG,
    env,
  );
}

const group = (severity: "critical" | "warning") =>
  `${RG("prod")}/providers/Microsoft.Insights/actionGroups/loom-prod-${severity}`;
const refs = (env: Env): AmRefs => {
  const i = ids(env);
  return {
    webAppId: i.web,
    workerAppId: i.worker,
    serverId: i.server,
    clusterId: i.cluster,
    ...(env === "dev" ? {} : { gatewayId: i.gateway }),
    webService: "loom-web",
    workerService: "loom-worker",
    backupJob: `loom-${env}-logical-backup`,
    drCopy: PROFILES[env].disasterRecovery,
  };
};
const criterion = (r: PlannedResource) => (r.inputs.criteria as { allOf: Record<string, unknown>[] }).allOf[0];

describe("Observability on Azure, prod with alerting on and all four channels", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("prod");
  });

  it("one action group per severity, global, with its routed channels as e-mail and webhook receivers", () => {
    const critical = one(run, GROUP, "loom-critical").inputs;
    assert.equal(critical.actionGroupName, "loom-prod-critical");
    assert.equal(critical.groupShortName, "loom-pr-crit");
    assert.equal(critical.location, "global");
    assert.equal(critical.enabled, true);
    assert.deepEqual(critical.emailReceivers, []);
    assert.deepEqual(critical.webhookReceivers, [
      { name: "pagerduty", serviceUri: PD_URL, useCommonAlertSchema: true },
      { name: "slack", serviceUri: SLACK_RELAY, useCommonAlertSchema: true },
      { name: "webhook", serviceUri: WEBHOOK, useCommonAlertSchema: true },
    ]);
    const warning = one(run, GROUP, "loom-warning").inputs;
    assert.equal(warning.groupShortName, "loom-pr-warn");
    assert.deepEqual(warning.emailReceivers, [
      { name: "email", emailAddress: "oncall@example.com", useCommonAlertSchema: true },
    ]);
    assert.deepEqual(
      (warning.webhookReceivers as { name: string }[]).map((w) => w.name),
      ["slack", "webhook"],
    );
    assert.deepEqual(run.outputs.alarmTargets, [group("critical"), group("warning")]);
  });

  it("keeps every webhook URL secret in the plan", () => {
    for (const g of ofType(run, GROUP)) {
      const shown = JSON.stringify(redact(g.inputs, g.secretPaths));
      for (const url of [SLACK_RELAY, PD_URL, WEBHOOK]) assert.ok(!shown.includes(url), `${g.name} shows ${url}`);
    }
  });

  it("covers every catalog alert with enabled rules notifying the severity's action group", () => {
    const rules = [...ofType(run, METRIC), ...ofType(run, QUERY)];
    for (const a of ALERTS) {
      const mine = rules.filter((r) => (r.inputs.tags as Record<string, string>).alert === a.id);
      assert.ok(mine.length >= 1, a.id);
      for (const r of mine) {
        assert.equal(r.inputs.enabled, true, r.name);
        assert.equal(r.inputs.severity, a.severity === "critical" ? 0 : 2, r.name);
        const actions =
          r.type === METRIC
            ? (r.inputs.actions as { actionGroupId: string }[]).map((x) => x.actionGroupId)
            : (r.inputs.actions as { actionGroups: string[] }).actionGroups;
        assert.deepEqual(actions, [group(a.severity)], r.name);
        assert.ok(
          String(r.inputs.description).endsWith(
            `Runbook: https://github.com/loom-dev/loom-infra/blob/main/docs/runbooks/alerts.md#${a.id}`,
          ),
          r.name,
        );
      }
    }
    const names = rules.map((r) => String(r.inputs.ruleName)).sort();
    assert.deepEqual([...(run.outputs.alertNames as string[])].sort(), names);
    assert.equal(new Set(names).size, names.length);
  });

  it("PostgreSQL CPU and storage, Redis memory and replicas as metric alerts scoped to their resource", () => {
    const i = ids("prod");
    const shape = (name: string) => {
      const r = one(run, METRIC, name);
      return [r.inputs.scopes, r.inputs.windowSize, r.inputs.evaluationFrequency, criterion(r)];
    };
    const c = (ns: string, metric: string, operator: string, threshold: number, agg: string) => ({
      criterionType: "StaticThresholdCriterion",
      name: metric,
      metricNamespace: ns,
      metricName: metric,
      operator,
      threshold,
      timeAggregation: agg,
    });
    const PG = "Microsoft.DBforPostgreSQL/flexibleServers";
    assert.deepEqual(shape("loom-database-cpu-high"), [
      [i.server],
      "PT15M",
      "PT1M",
      c(PG, "cpu_percent", "GreaterThan", 80, "Minimum"),
    ]);
    assert.deepEqual(shape("loom-database-storage-low"), [
      [i.server],
      "PT5M",
      "PT1M",
      c(PG, "storage_percent", "GreaterThan", 90, "Minimum"),
    ]);
    assert.deepEqual(shape("loom-cache-memory-high"), [
      [i.cluster],
      "PT15M",
      "PT1M",
      c("Microsoft.Cache/redisEnterprise", "usedmemorypercentage", "GreaterThan", 80, "Minimum"),
    ]);
    for (const w of ["web", "worker"] as const) {
      assert.deepEqual(shape(`loom-replicas-below-desired-${w}`), [
        [i[w]],
        "PT5M",
        "PT1M",
        c("Microsoft.App/containerApps", "Replicas", "LessThanOrEqual", 0, "Maximum"),
      ]);
    }
    const metric = one(run, METRIC, "loom-database-cpu-high").inputs;
    assert.equal(metric.location, "global");
    assert.equal(metric.ruleName, "loom-prod-database-cpu-high");
    assert.equal(
      (metric.criteria as { odataType: string }).odataType,
      "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
    );
  });

  it("the 5xx ratio as a scheduled query rule over the workspace, held for 5 minutes", () => {
    const r = one(run, QUERY, "loom-high-error-rate").inputs;
    assert.deepEqual(r.scopes, [WORKSPACE("prod")]);
    assert.equal(r.kind, "LogAlert");
    assert.equal(r.evaluationFrequency, "PT1M");
    assert.equal(r.windowSize, "PT15M");
    assert.equal(r.skipQueryValidation, true);
    const c = criterion(one(run, QUERY, "loom-high-error-rate"));
    assert.deepEqual(c, {
      query: AZURE_MONITOR["http-error-ratio"].kql(refs("prod"), "5m"),
      timeAggregation: "Maximum",
      metricMeasureColumn: "value",
      operator: "GreaterThan",
      threshold: 0.05,
      dimensions: [],
      failingPeriods: { numberOfEvaluationPeriods: 5, minFailingPeriodsToAlert: 5 },
    });
    assert.match(String(c?.query), new RegExp(`ResourceId =~ "${ids("prod").gateway}"`));
    assert.match(String(c?.query), /countif\(status >= 500\)/);
  });

  it("breaching alerts fire on no data, per-provider alerts per dimension", () => {
    const down = criterion(one(run, QUERY, "loom-database-down"));
    assert.equal(down?.operator, "LessThan");
    assert.equal(down?.threshold, 1);
    assert.match(
      String(down?.query),
      /^let v = toscalar\(AzureMetrics .*is_db_alive.*\); print value = coalesce\(v, 0\.0\)$/,
    );
    const backlog = criterion(one(run, QUERY, "loom-queue-backlog"));
    assert.match(String(backlog?.query), /print value = coalesce\(v, 501\.0\)$/);
    const llm = criterion(one(run, QUERY, "loom-llm-api-failures"));
    assert.deepEqual(llm?.dimensions, [{ name: "provider", operator: "Include", values: ["*"] }]);
  });

  it("the three backup alerts read the backup job's log and the vault's job log", () => {
    const missing = one(run, QUERY, "loom-backup-missing");
    assert.equal(missing.inputs.windowSize, "P2D");
    assert.match(
      String(criterion(missing)?.query),
      new RegExp(`ago\\(26h\\) and Job == "${azureBackupJobName("loom-prod")}"`),
    );
    assert.match(String(criterion(missing)?.query), /startswith "loom_backup_size_bytes"/);
    const drop = criterion(one(run, QUERY, "loom-backup-size-drop"));
    assert.equal(drop?.operator, "LessThan");
    assert.equal(drop?.threshold, 0.5);
    assert.match(String(drop?.query), /loom_backup_size_ratio/);
    const dr = criterion(one(run, QUERY, "loom-backup-dr-copy-failed"));
    assert.match(
      String(dr?.query),
      /AddonAzureBackupJobs \| where TimeGenerated > ago\(1h\) and JobStatus == "Failed"/,
    );
    assert.equal(dr?.operator, "GreaterThanOrEqual");
  });

  it("burn-rate rules read their longest window (capped at 2 days)", () => {
    assert.equal(one(run, QUERY, "loom-slo-availability-fast-burn").inputs.windowSize, "PT6H");
    assert.equal(one(run, QUERY, "loom-slo-availability-slow-burn").inputs.windowSize, "P2D");
    const q = String(criterion(one(run, QUERY, "loom-slo-availability-fast-burn"))?.query);
    assert.match(q, /^let l0 = toscalar\(.*ago\(1h\).*let s0 = toscalar\(.*ago\(5m\)/);
    assert.match(q, /print value = iff\(\(l0 > 0\.0144 and s0 > 0\.0144\) or \(l1 > 0\.006 and s1 > 0\.006\), 1, 0\)$/);
  });

  it("the seven dashboards as workbooks over the workspace, one KQL item per panel", () => {
    const books = ofType(run, WORKBOOK);
    assert.deepEqual(
      books.map((b) => b.inputs.displayName),
      DASHBOARDS.map((d) => `${d.title} (loom-prod)`),
    );
    for (const d of DASHBOARDS) {
      const b = one(run, WORKBOOK, `loom-${d.id}`).inputs;
      assert.equal(b.kind, "shared");
      assert.equal(b.category, "workbook");
      assert.equal(b.sourceId, WORKSPACE("prod"));
      assert.equal(b.resourceName, workbookId("loom-prod", d.id));
      const data = JSON.parse(String(b.serializedData)) as { items: { content: { query?: string } }[] };
      assert.equal(data.items.length, d.panels.length + 1);
      d.panels.forEach((p, i) => {
        assert.equal(data.items[i + 1]?.content.query, AZURE_MONITOR[p.signal].kql(refs("prod"), p.window ?? "5m"));
      });
    }
    assert.equal((run.outputs.dashboards as Record<string, string>).overview, run.outputs.dashboard);
  });

  it("no per-table retention: the workspace keeps 90 days", () => {
    assert.equal(ofType(run, TABLE).length, 0);
  });
});

describe("Observability on Azure, staging and dev", () => {
  it("staging: no DR copy to fail (a constant 0), no per-table retention", async () => {
    const run = await plan("staging");
    assert.equal(criterion(one(run, QUERY, "loom-backup-dr-copy-failed"))?.query, "print value = 0");
    assert.equal(ofType(run, TABLE).length, 0);
  });

  it("dev: no action group or rule, the workbooks, 7 days on every stack table", async () => {
    const run = await plan("dev");
    for (const t of [GROUP, METRIC, QUERY]) assert.equal(ofType(run, t).length, 0, t);
    assert.deepEqual(run.outputs.alertNames, []);
    assert.deepEqual(run.outputs.alarmTargets, []);
    assert.equal(ofType(run, WORKBOOK).length, DASHBOARDS.length);
    assert.deepEqual(
      ofType(run, TABLE).map((t) => [
        t.inputs.tableName,
        t.inputs.workspaceName,
        t.inputs.retentionInDays,
        t.inputs.totalRetentionInDays,
      ]),
      STACK_TABLES.map((t) => [t, "loom-dev-logs", 7, 7]),
    );
    // Without a gateway the HTTP panels read the app's request telemetry.
    const overview = JSON.parse(String(one(run, WORKBOOK, "loom-overview").inputs.serializedData));
    assert.match(overview.items[1].content.query, /^AppRequests \| where .* AppRoleName == "loom-web"/);
  });

  it("refuses a retention a table cannot keep and a database handle without a primary", async () => {
    await assert.rejects(plan("dev", { logRetentionDays: 3 }), {
      propertyPath: "logRetentionDays",
      reason: "must be a whole number of days from 4 to 730 on Azure, got 3",
    });
    const t = targets("staging");
    await assert.rejects(plan("staging", { targets: { ...t, database: { cloud: "azure", serverIds: [] } } }), {
      propertyPath: "targets.database.serverIds",
      reason: "must name the primary server first",
    });
  });
});

describe("Azure Monitor query table and rendering (pure)", () => {
  const r = refs("prod");
  it("has a KQL query ending in value for every signal, reading each window it is asked for", () => {
    assert.deepEqual(Object.keys(AZURE_MONITOR).sort(), [...SIGNAL_IDS].sort());
    for (const id of SIGNAL_IDS) {
      const kql = AZURE_MONITOR[id].kql(r, "5m");
      assert.match(kql, /value/, id);
      for (const w of SIGNALS[id].windows ?? [])
        assert.match(AZURE_MONITOR[id].kql(r, w), new RegExp(`ago\\(${w}\\)`), `${id} ${w}`);
    }
    assert.deepEqual(SIGNALS["http-error-ratio"].windows, SLO_WINDOWS);
  });

  it("maps a signal threshold to the metric's unit, flipping the comparison for a decreasing map", () => {
    assert.deepEqual(metricCondition(">", 0.8, { scale: 100 }), { operator: "GreaterThan", threshold: 80 });
    assert.deepEqual(metricCondition("<", 0.1, { scale: -100, offset: 100 }), {
      operator: "GreaterThan",
      threshold: 90,
    });
    assert.deepEqual(metricCondition(">=", 1, { scale: -1, offset: 1 }), { operator: "LessThanOrEqual", threshold: 0 });
    assert.throws(() => metricCondition(">", 1, { scale: 0 }), /scale cannot be 0/);
  });

  it("windows and schedules: ISO durations, at most 6 failing periods, log windows Azure accepts", () => {
    assert.deepEqual([60, 900, 7200, 86400, 30].map(isoDuration), ["PT1M", "PT15M", "PT2H", "P1D", "PT30S"]);
    assert.deepEqual([60, 120, 300, 600, 900, 3600].map(logSchedule), [
      { frequency: 1, periods: 1 },
      { frequency: 1, periods: 2 },
      { frequency: 1, periods: 5 },
      { frequency: 5, periods: 2 },
      { frequency: 5, periods: 3 },
      { frequency: 10, periods: 6 },
    ]);
    const specs: AzureAlertSpec[] = renderAzureAlerts({
      prefix: "loom-prod",
      thresholds: DEFAULT_THRESHOLDS,
      slo: DEFAULT_SLO.prod,
      runbookBaseUrl: "https://example.com/",
    });
    for (const s of specs) {
      if (s.kind === "log") {
        assert.ok(
          LOG_WINDOWS.some((w) => isoDuration(w * 60) === s.windowSize),
          `${s.name} ${s.windowSize}`,
        );
        assert.ok(s.failingPeriods.numberOfEvaluationPeriods <= 6, s.name);
      }
    }
    assert.ok(specs.some((s) => s.kind === "metric") && specs.some((s) => s.kind === "log"));
  });

  it("receivers: unknown channels fail, short names fit 12 characters", () => {
    assert.throws(() => receivers(ALL_CHANNELS.channels, ["nope"], () => "x"), /unknown channel nope/);
    assert.equal(shortName("a-very-long-project-prod", "critical"), "a-very--crit");
    assert.ok(shortName("a-very-long-project-prod", "warning").length <= 12);
  });

  it("workbook ids are stable UUIDs, distinct per dashboard", () => {
    const all = DASHBOARDS.map((d) => workbookId("loom-prod", d.id));
    for (const id of all) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(all).size, all.length);
    assert.equal(workbookId("loom-prod", "overview"), all[0]);
  });
});
