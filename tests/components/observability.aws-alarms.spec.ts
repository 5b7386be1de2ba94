/**
 * The pure AWS renderers of the observability catalog, without mocks: alarm specs (aws-alarms.ts), dashboard bodies
 * (aws-dashboards.ts) and routing (aws-routing.ts).
 */
import * as assert from "node:assert/strict";
import {
  type AwsRefs,
  alarmSourceArgs,
  checkEvaluationRange,
  durationSeconds,
  expressionOf,
  type MetricAlarmSpec,
  notifyingNames,
  renderAlerts,
} from "../../components/observability/aws-alarms";
import { dashboardBody, linesOf, VIEWS } from "../../components/observability/aws-dashboards";
import { alertTopicPolicy, pagerdutyUrl, routingOf, topicName } from "../../components/observability/aws-routing";
import { ALERTS, type AlertDef, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { CLOUDWATCH } from "../../components/observability/catalog/cloudwatch";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { SIGNALS } from "../../components/observability/catalog/signals";
import type { AlertingSettings } from "../../components/observability/channels";

const REFS: AwsRefs<string> = {
  dimensions: {
    environment: "prod",
    loadBalancer: "app/loom-prod/1",
    clusterName: "loom-prod",
    webService: "loom-prod-web",
    workerService: "loom-prod-worker",
    dbInstance: "loom-prod-db",
    cacheCluster: "loom-prod-cache-001",
    certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/x",
    backupVault: "loom-prod-vault",
  },
  numbers: { dbAllocatedBytes: 100, dbMemoryBytes: 200 },
};

const render = (over: Partial<Parameters<typeof renderAlerts>[0]> = {}) =>
  renderAlerts({
    prefix: "loom-prod",
    thresholds: DEFAULT_THRESHOLDS,
    slo: { availability: 0.999, latency: 0.995 },
    runbookBaseUrl: "https://docs.example.com/loom/",
    refs: REFS,
    ...over,
  });

describe("AWS alarm specs from the catalog", () => {
  const renderings = render();
  const metric = (name: string) =>
    renderings.flatMap((r) => r.metricAlarms).find((a) => a.name === name) as MetricAlarmSpec<string>;

  it("renders every alert to at least one notifying alarm, in catalog order", () => {
    assert.deepEqual(
      renderings.map((r) => r.alert.id),
      ALERTS.map((a) => a.id),
    );
    for (const r of renderings) assert.ok(notifyingNames(r).length > 0, r.alert.id);
  });

  it("fails on an alert it cannot render, naming it (never a silent skip)", () => {
    const bogus = { ...ALERTS[0], id: "made-up", condition: { kind: "anomaly" } } as unknown as AlertDef;
    assert.throws(() => render({ alerts: [bogus] }), /^Error: alert "made-up" \(anomaly\) has no CloudWatch rendering/);
  });

  it("one alarm per set member, named <prefix>-<alert>-<member>", () => {
    const names = (id: string) => renderings.find((r) => r.alert.id === id)?.metricAlarms.map((a) => a.name);
    assert.deepEqual(names("memory-pressure"), [
      "loom-prod-memory-pressure-web",
      "loom-prod-memory-pressure-worker",
      "loom-prod-memory-pressure-database",
      "loom-prod-memory-pressure-cache",
    ]);
    assert.deepEqual(names("disk-space-low"), ["loom-prod-disk-space-low-database"]);
  });

  it("burn rates: thresholds from the SLO (0.999 × 14.4 → 0.0144), rules exact, only the alert composite notifies", () => {
    const r = renderings.find((x) => x.alert.id === "slo-availability-fast-burn");
    assert.ok(r);
    assert.deepEqual(
      r.metricAlarms.map((a) => [a.name, a.threshold, a.notify, a.evaluationPeriods]),
      [
        ["loom-prod-slo-availability-fast-burn-1h", 0.0144, false, 1],
        ["loom-prod-slo-availability-fast-burn-5m", 0.0144, false, 1],
        ["loom-prod-slo-availability-fast-burn-6h", 0.006, false, 1],
        ["loom-prod-slo-availability-fast-burn-30m", 0.006, false, 1],
      ],
    );
    assert.deepEqual(
      r.composites.map((c) => [c.name, c.rule, c.notify]),
      [
        [
          "loom-prod-slo-availability-fast-burn",
          '(ALARM("loom-prod-slo-availability-fast-burn-1h") AND ALARM("loom-prod-slo-availability-fast-burn-5m")) OR (ALARM("loom-prod-slo-availability-fast-burn-6h") AND ALARM("loom-prod-slo-availability-fast-burn-30m"))',
          true,
        ],
      ],
    );
    assert.deepEqual(notifyingNames(r), ["loom-prod-slo-availability-fast-burn"]);
  });

  it("a burn window is one point whose period is the window; the 3-day window fits CloudWatch's 7-day range", () => {
    const a = metric("loom-prod-slo-availability-slow-burn-3d");
    assert.equal(a.source.kind, "math");
    const periods =
      a.source.kind === "math" ? a.source.queries.flatMap((q) => (q.metric ? [q.metric.period] : [])) : [];
    assert.deepEqual(periods, [259200, 259200, 259200]);
    assert.equal(a.threshold, 0.001);
  });

  it("CloudWatch's evaluation range: ≤ 1 day below hour periods, ≤ 7 days otherwise, multiples of 60", () => {
    assert.doesNotThrow(() => checkEvaluationRange(60, 1440));
    assert.throws(() => checkEvaluationRange(60, 1441), /exceeds CloudWatch's evaluation limit/);
    assert.doesNotThrow(() => checkEvaluationRange(259200, 1));
    assert.doesNotThrow(() => checkEvaluationRange(3600, 168));
    assert.throws(() => checkEvaluationRange(3600, 169), /exceeds/);
    assert.throws(() => checkEvaluationRange(90, 1), /not a multiple of 60/);
  });

  it("`for` becomes evaluation periods; durations parse", () => {
    assert.deepEqual([durationSeconds("5m"), durationSeconds("1h"), durationSeconds("2m")], [300, 3600, 120]);
    assert.throws(() => durationSeconds("5 minutes"), /not a duration/);
    const a = metric("loom-prod-llm-api-failures");
    assert.deepEqual(
      [a.evaluationPeriods, a.datapointsToAlarm, a.threshold, a.treatMissingData],
      [10, 10, 0.1, "notBreaching"],
    );
    assert.equal(metric("loom-prod-database-cpu-high").treatMissingData, "missing");
    assert.equal(metric("loom-prod-replicas-below-desired-web").comparisonOperator, "GreaterThanOrEqualToThreshold");
  });

  it("single-metric alarms: percentiles as extendedStatistic, basic stats as statistic", () => {
    assert.deepEqual(alarmSourceArgs(metric("loom-prod-slow-responses").source), {
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: { LoadBalancer: "app/loom-prod/1" },
      period: 60,
      extendedStatistic: "p95",
      evaluateLowSampleCountPercentiles: "ignore",
    });
    assert.deepEqual(alarmSourceArgs(metric("loom-prod-queue-backlog").source), {
      namespace: "Loom",
      metricName: "QueueDepth",
      dimensions: { Environment: "prod" },
      period: 60,
      statistic: "Average",
    });
  });

  it("fills number tokens into expressions and refuses a dimension token there", () => {
    assert.equal(expressionOf("free / {dbAllocatedBytes}", REFS), "free / 100");
    assert.throws(() => expressionOf("x / {dbInstance}", REFS), /not a number known at plan time/);
  });

  it("descriptions carry summary, severity and the absolute runbook URL", () => {
    assert.equal(
      metric("loom-prod-queue-backlog").description,
      "Review jobs are piling up in the queue (or the queue depth is not published). Queue depth is above the threshold, or missing: the autoscaler is blind without it. Severity: critical. Fires when Queue depth > 500 for 15 × 60 s. Runbook: https://docs.example.com/loom/docs/runbooks/alerts.md#queue-backlog",
    );
  });
});

describe("AWS dashboards from the catalog", () => {
  it("draws every panel of the seven dashboards with a valid CloudWatch view", () => {
    for (const d of DASHBOARDS) {
      const body = dashboardBody(d, { region: "eu-west-1", refs: REFS, alarmArns: [] });
      const metrics = body.widgets.filter((w) => w.type === "metric");
      assert.equal(metrics.length, d.panels.length, d.id);
      metrics.forEach((w, i) => {
        const props = w.properties as Record<string, unknown>;
        assert.equal(props.view, VIEWS[d.panels[i]?.viz ?? "timeseries"]);
        const ids = (props.metrics as unknown[][]).map((line) => (line.at(-1) as { id?: string }).id).filter(Boolean);
        assert.equal(new Set(ids).size, ids.length, `${d.id}: duplicate metric ids`);
      });
    }
  });

  it("prefixes a set member's ids and rewrites its expression", () => {
    const set = CLOUDWATCH["memory-working-set-ratio"];
    assert.ok(set.kind === "set" && set.members.web);
    const leaf = set.members.web;
    assert.deepEqual(linesOf(leaf, "web", REFS, "web"), [
      [{ expression: "web_used / web_reserved", label: "web", id: "web_result" }],
      [
        "ECS/ContainerInsights",
        "MemoryUtilized",
        "ClusterName",
        "loom-prod",
        "ServiceName",
        "loom-prod-web",
        { stat: "Average", id: "web_used", visible: false },
      ],
      [
        "ECS/ContainerInsights",
        "MemoryReserved",
        "ClusterName",
        "loom-prod",
        "ServiceName",
        "loom-prod-web",
        { stat: "Average", id: "web_reserved", visible: false },
      ],
    ]);
  });

  it("draws a windowed SLI with the panel's window as the period; the overview adds the alarm widget", () => {
    const overview = DASHBOARDS.find((d) => d.id === "overview");
    assert.ok(overview);
    const body = dashboardBody(overview, { region: "eu-west-1", refs: REFS, alarmArns: ["arn:a", "arn:b"] });
    const props = (t: string) => {
      const w = body.widgets.find((x) => (x.properties as { title?: string }).title === t);
      assert.ok(w, `no widget ${t}`);
      return w.properties as { alarms?: string[]; period?: number };
    };
    assert.deepEqual(props("Alerts").alarms, ["arn:a", "arn:b"]);
    assert.equal(props("Availability SLI (1d)").period, 86400);
    assert.equal(props("5xx share").period, 300);
    assert.equal(props("Requests per second").period, 60);
    assert.equal(SIGNALS["http-error-ratio"].unit, "ratio");
  });
});

describe("AWS alert routing", () => {
  const channels: AlertingSettings = {
    channels: [
      { kind: "email", name: "email", to: "oncall@example.com" },
      {
        kind: "slack",
        name: "slack",
        channel: "#loom",
        secret: "slack",
        workspaceId: "T0EXAMPLE1",
        channelId: "C0EXAMPLE1",
      },
      { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
    ],
    routes: { critical: ["pagerduty"], warning: ["slack", "email"] },
  };

  it("subscribes each severity's channels; Slack only receives the severities routed to it", () => {
    const r = routingOf(channels, ALERTS);
    assert.deepEqual(r.severities, ["critical", "warning"]);
    assert.deepEqual(
      Object.fromEntries(Object.entries(r.subscriptions).map(([s, cs]) => [s, cs?.map((c) => c.name)])),
      { critical: ["pagerduty"], warning: ["email"] },
    );
    assert.deepEqual(
      r.slack.map((x) => [x.channel.name, x.severities]),
      [["slack", ["warning"]]],
    );
  });

  it("creates no topic for a severity nobody is routed to, or that has no alert", () => {
    const r = routingOf({ ...channels, routes: { critical: ["pagerduty"], warning: [] } }, ALERTS);
    assert.deepEqual(r.severities, ["critical"]);
    assert.deepEqual(r.slack, []);
    const onlyWarnings = routingOf(
      channels,
      ALERTS.filter((a) => a.severity === "warning"),
    );
    assert.deepEqual(onlyWarnings.severities, ["warning"]);
  });

  it("names topics per severity and builds PagerDuty's CloudWatch integration URL", () => {
    assert.equal(topicName("loom-prod", "critical"), "loom-prod-alerts-critical");
    assert.equal(pagerdutyUrl("abc123"), "https://events.pagerduty.com/integration/abc123/enqueue");
    assert.throws(
      () => pagerdutyUrl("abc/../x"),
      /^Error: the PagerDuty integration key must be letters and digits \(the value is not shown\)$/,
    );
  });

  it("topic policy: this account's prefixed alarms publish; no TLS, no publish", () => {
    const p = alertTopicPolicy({
      topicArn: "arn:t",
      accountId: "1",
      partition: "aws",
      region: "r",
      prefix: "loom-prod",
    });
    const s = p.Statement as Record<string, unknown>[];
    assert.deepEqual(s[0]?.Condition, {
      StringEquals: { "aws:SourceAccount": "1" },
      ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:r:1:alarm:loom-prod-*" },
    });
    assert.deepEqual(s[1]?.Condition, {
      StringEquals: { "aws:SourceAccount": "1" },
      ArnLike: { "aws:SourceArn": "arn:aws:events:r:1:rule/loom-prod-*" },
    });
    assert.deepEqual(s[2]?.Condition, { Bool: { "aws:SecureTransport": "false" } });
  });
});
