/**
 * Observability on AWS under the mock engine: a prod stack with alerting on and all four channels (every catalog
 * alert rendered and routed, secrets never in clear, burn-rate composites exact), and dev (alerting off: no alarm,
 * no topic, the seven dashboards).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { ALERTS } from "../../components/observability/catalog/alerts";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import type { AlertingSettings } from "../../components/observability/channels";
import { PROFILES } from "../../components/profiles";
import { type PlannedResource, type ProgramRun, redact } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { awsPlatform } from "./aws-fixtures";

const METRIC = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUB = "aws:sns/topicSubscription:TopicSubscription";
const CHATBOT = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";
const KEY = "aws:kms/key:Key";

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
const PD_KEY = "0123456789abcdef0123456789abcdef";
const WEBHOOK = "https://hooks.example.com/loom?token=w3bh00k-t0ken";
const topicArn = (env: string, sev: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:loom-${env}-alerts-${sev}`;

const ALL_CHANNELS: AlertingSettings = {
  channels: [
    { kind: "email", name: "email", to: "oncall@example.com" },
    {
      kind: "slack",
      name: "slack",
      channel: "#loom-alerts",
      secret: "slack",
      workspaceId: "T0EXAMPLE1",
      channelId: "C0EXAMPLE1",
    },
    { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
    { kind: "webhook", name: "webhook", secret: "webhook" },
  ],
  routes: { critical: ["pagerduty", "slack", "webhook"], warning: ["slack", "email", "webhook"] },
};

/** Monitoring handles as the other AWS components hand them over: typed, with Outputs for the identifiers. */
function targets(env: string): ObservabilityArgs["targets"] {
  const o = pulumi.output;
  return {
    app: {
      cloud: "aws",
      loadBalancerArnSuffix: o(`app/loom-${env}/50dc6c495c0c9188`),
      clusterName: o(`loom-${env}`),
      webServiceName: o(`loom-${env}-web`),
      workerServiceName: o(`loom-${env}-worker`),
      targetGroupArnSuffix: o(`targetgroup/loom-${env}-web/73e2d6bc24d8a067`),
      environment: env,
      certificateArn: o(`arn:aws:acm:${REGION}:${ACCOUNT}:certificate/loom-${env}`),
    },
    database: { cloud: "aws", instanceId: o(`loom-${env}-db`), allocatedStorageGiB: 50, memoryGiB: 8 },
    cache: { cloud: "aws", replicationGroupId: o(`loom-${env}-cache`) },
  };
}

async function plan(env: "dev" | "staging" | "prod", extra: Partial<ObservabilityArgs> = {}): Promise<ProgramRun> {
  return runComponents(() => {
    const obs = new Observability("loom", {
      platform: awsPlatform(context(env)),
      context: context(env),
      protect: env === "prod",
      alerting: env !== "dev",
      channels: ALL_CHANNELS,
      // Fakes of settings' loadAlertSecrets: secret Outputs.
      channelSecrets: { pagerduty: pulumi.secret(PD_KEY), webhook: pulumi.secret(WEBHOOK) },
      slo: PROFILES[env].slo,
      logRetentionDays: 30,
      targets: targets(env),
      ...extra,
    });
    return {
      alarmTargets: obs.alarmTargets,
      alertNames: obs.alertNames,
      dashboard: obs.dashboard,
      dashboards: obs.dashboards,
    };
  });
}

/** A dashboard widget as the body JSON holds it. */
interface Widget {
  type: string;
  properties: {
    region?: string;
    view?: string;
    metrics?: unknown[];
    period?: unknown;
    stat?: string;
    alarms?: string[];
  };
}

const tagsOf = (r: PlannedResource) => r.inputs.tags as Record<string, string>;
const nameOf = (r: PlannedResource) => String(r.inputs.name ?? r.inputs.alarmName);
const alarms = (run: ProgramRun) => [...ofType(run, METRIC), ...ofType(run, COMPOSITE)];
const carrying = (run: ProgramRun) => alarms(run).filter((a) => Array.isArray(a.inputs.alarmActions));

function alarm(run: ProgramRun, name: string): Record<string, unknown> {
  const found = alarms(run).filter((r) => nameOf(r) === name);
  assert.equal(found.length, 1, `expected one alarm named ${name}`);
  return (found[0] as PlannedResource).inputs;
}

const q = (
  id: string,
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  stat: string,
  period = 60,
) => ({
  id,
  returnData: false,
  metric: { namespace, metricName, dimensions, period, stat },
});

describe("Observability on AWS, prod with alerting on and all four channels", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("prod");
  });

  it("renders every catalog alert with ALARM and OK actions to its severity's topic", () => {
    for (const a of ALERTS) {
      const own = carrying(run).filter((r) => tagsOf(r).alert === a.id);
      assert.ok(own.length > 0, `${a.id} has no alert-carrying alarm`);
      for (const r of own) {
        assert.deepEqual(r.inputs.alarmActions, [topicArn("prod", a.severity)], r.name);
        assert.deepEqual(r.inputs.okActions, [topicArn("prod", a.severity)], r.name);
        assert.equal(tagsOf(r).severity, a.severity, r.name);
        assert.ok(String(r.inputs.alarmDescription).includes(`Runbook: https://`), r.name);
      }
    }
    assert.deepEqual([...new Set(alarms(run).map((r) => tagsOf(r).alert))].sort(), ALERTS.map((a) => a.id).sort());
  });

  it("names one alert-carrying alarm per alert (per member for sets) and outputs exactly those", () => {
    const names = carrying(run).map(nameOf).sort();
    assert.deepEqual([...(run.outputs.alertNames as string[])].sort(), names);
    assert.deepEqual(
      names.filter((n) => n.startsWith("loom-prod-memory-pressure") || n.startsWith("loom-prod-replicas")),
      [
        "loom-prod-memory-pressure-cache",
        "loom-prod-memory-pressure-database",
        "loom-prod-memory-pressure-web",
        "loom-prod-memory-pressure-worker",
        "loom-prod-replicas-below-desired-web",
        "loom-prod-replicas-below-desired-worker",
      ],
    );
    assert.equal(names.length, 23);
    assert.equal(ofType(run, METRIC).length, 19 + 4 * 4);
    assert.equal(ofType(run, COMPOSITE).length, 4);
  });

  it("creates one KMS-encrypted topic per severity, and every topic reaches someone", () => {
    const topics = ofType(run, TOPIC);
    assert.deepEqual(
      topics.map((t) => t.inputs.name),
      ["loom-prod-alerts-critical", "loom-prod-alerts-warning"],
    );
    for (const t of topics) {
      assert.equal(t.inputs.kmsMasterKeyId, `arn:aws:kms:${REGION}:${ACCOUNT}:key/loom-alerts-key`);
      assert.equal(t.inputs.signatureVersion, 2);
    }
    const key = one(run, KEY);
    assert.equal(key.protect, true);
    assert.equal(key.inputs.enableKeyRotation, true);
    const services = (JSON.parse(String(key.inputs.policy)).Statement as { Principal: { Service?: string } }[])
      .flatMap((st) => (st.Principal.Service ? [st.Principal.Service] : []))
      .sort();
    assert.deepEqual(services, ["cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"]);
    const targets = new Set(carrying(run).flatMap((r) => r.inputs.alarmActions as string[]));
    for (const arn of targets) {
      const subs = ofType(run, SUB).filter((s) => s.inputs.topic === arn);
      const bots = ofType(run, CHATBOT).filter((c) => (c.inputs.snsTopicArns as string[]).includes(arn));
      assert.ok(subs.length + bots.length > 0, `${arn} reaches nobody`);
    }
    assert.deepEqual(run.outputs.alarmTargets, [topicArn("prod", "critical"), topicArn("prod", "warning")]);
  });

  it("subscribes each routed channel to its severities: e-mail, PagerDuty and webhook over HTTPS", () => {
    const subs = ofType(run, SUB).map((s) => [
      s.name,
      s.inputs.topic,
      s.inputs.protocol,
      s.inputs.endpointAutoConfirms,
    ]);
    assert.deepEqual(subs, [
      ["loom-alerts-critical-pagerduty", topicArn("prod", "critical"), "https", true],
      ["loom-alerts-critical-webhook", topicArn("prod", "critical"), "https", false],
      ["loom-alerts-warning-email", topicArn("prod", "warning"), "email", undefined],
      ["loom-alerts-warning-webhook", topicArn("prod", "warning"), "https", false],
    ]);
    const pd = one(run, SUB, "loom-alerts-critical-pagerduty");
    assert.equal(pd.inputs.endpoint, `https://events.pagerduty.com/integration/${PD_KEY}/enqueue`);
    assert.equal(one(run, SUB, "loom-alerts-warning-email").inputs.endpoint, "oncall@example.com");
    // HTTPS deliveries retry with backoff for ~15 min instead of SNS's default 3 × 20 s.
    assert.deepEqual(JSON.parse(String(pd.inputs.deliveryPolicy)).healthyRetryPolicy, {
      numRetries: 12,
      numNoDelayRetries: 0,
      minDelayTarget: 5,
      maxDelayTarget: 300,
      numMinDelayRetries: 1,
      numMaxDelayRetries: 0,
      backoffFunction: "exponential",
    });
  });

  it("keeps the PagerDuty key and the webhook URL secret: never in clear in any input", () => {
    for (const s of ofType(run, SUB).filter((x) => x.inputs.protocol === "https")) {
      assert.deepEqual(s.secretPaths, ["endpoint"], s.name);
    }
    for (const r of run.resources) {
      const shown = JSON.stringify(redact(r.inputs, r.secretPaths));
      for (const secret of [PD_KEY, WEBHOOK]) assert.ok(!shown.includes(secret), `${r.name} shows a credential`);
    }
  });

  it("lets only this account's alarms and event rules with the stack prefix publish, only over TLS", () => {
    const policies = ofType(run, "aws:sns/topicPolicy:TopicPolicy");
    assert.equal(policies.length, 2);
    for (const p of policies) {
      const doc = JSON.parse(String(p.inputs.policy));
      assert.deepEqual(doc.Statement[0].Condition, {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:loom-prod-*` },
      });
      assert.equal(doc.Statement[0].Resource, p.inputs.arn);
      assert.deepEqual(doc.Statement[1].Principal, { Service: "events.amazonaws.com" });
      assert.deepEqual(doc.Statement[1].Condition, {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnLike: { "aws:SourceArn": `arn:aws:events:${REGION}:${ACCOUNT}:rule/loom-prod-*` },
      });
      assert.deepEqual(doc.Statement[2], {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: p.inputs.arn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  it("reaches Slack through AWS Chatbot with both topics, a read-only role and guardrail", () => {
    const bot = one(run, CHATBOT).inputs;
    assert.deepEqual(
      {
        configurationName: bot.configurationName,
        slackTeamId: bot.slackTeamId,
        slackChannelId: bot.slackChannelId,
        snsTopicArns: bot.snsTopicArns,
        guardrailPolicyArns: bot.guardrailPolicyArns,
        loggingLevel: bot.loggingLevel,
        iamRoleArn: bot.iamRoleArn,
      },
      {
        configurationName: "loom-prod-slack",
        slackTeamId: "T0EXAMPLE1",
        slackChannelId: "C0EXAMPLE1",
        snsTopicArns: [topicArn("prod", "critical"), topicArn("prod", "warning")],
        guardrailPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"],
        loggingLevel: "ERROR",
        iamRoleArn: `arn:aws:iam:${REGION}:${ACCOUNT}:role/loom-chatbot-slack`,
      },
    );
    const role = one(run, "aws:iam/role:Role").inputs;
    assert.deepEqual(JSON.parse(String(role.assumeRolePolicy)).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "chatbot.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
    const policy = JSON.parse(String(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy));
    assert.deepEqual(policy.Statement[0].Action, ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"]);
  });

  it("burn rates: window alarms without actions, one composite per alert ORs each pair's AND", () => {
    const base = "loom-prod-slo-availability-fast-burn";
    const pair = (id: string, long: string, short: string) => `(ALARM("${id}-${long}") AND ALARM("${id}-${short}"))`;
    assert.equal(alarm(run, base).alarmRule, `${pair(base, "1h", "5m")} OR ${pair(base, "6h", "30m")}`);
    const slow = "loom-prod-slo-latency-slow-burn";
    assert.equal(alarm(run, slow).alarmRule, `${pair(slow, "1d", "2h")} OR ${pair(slow, "3d", "6h")}`);
    // No composite per pair: four alert composites in all, one per burn-rate alert.
    assert.equal(ofType(run, "aws:cloudwatch/compositeAlarm:CompositeAlarm").length, 4);
    // Thresholds from the prod SLO: budget 0.001 (availability) / 0.005 (latency) × factor.
    const thresholds = (id: string, windows: string[]) =>
      windows.map((w) => [
        w,
        alarm(run, `loom-prod-${id}-${w}`).threshold,
        alarm(run, `loom-prod-${id}-${w}`).alarmActions,
      ]);
    assert.deepEqual(thresholds("slo-availability-fast-burn", ["1h", "5m", "6h", "30m"]), [
      ["1h", 0.0144, undefined],
      ["5m", 0.0144, undefined],
      ["6h", 0.006, undefined],
      ["30m", 0.006, undefined],
    ]);
    assert.deepEqual(thresholds("slo-latency-slow-burn", ["1d", "2h", "3d", "6h"]), [
      ["1d", 0.015, undefined],
      ["2h", 0.015, undefined],
      ["3d", 0.005, undefined],
      ["6h", 0.005, undefined],
    ]);
  });

  it("a burn window is one data point over the whole window (3 d = 259200 s)", () => {
    const a = alarm(run, "loom-prod-slo-latency-slow-burn-3d");
    const lb = { LoadBalancer: "app/loom-prod/50dc6c495c0c9188" };
    assert.deepEqual(
      [a.evaluationPeriods, a.datapointsToAlarm, a.treatMissingData, a.comparisonOperator, a.metricQueries],
      [
        1,
        1,
        "notBreaching",
        "GreaterThanThreshold",
        [
          q("fast", "AWS/ApplicationELB", "TargetResponseTime", lb, "PR(:1)", 259200),
          {
            id: "result",
            expression: "1 - fast / 100",
            label: "Share of requests slower than the latency SLO over 3d",
            returnData: true,
          },
        ],
      ],
    );
  });

  it("high-error-rate: 5xx share of ALB requests over 5-minute points above 0.05", () => {
    const a = alarm(run, "loom-prod-high-error-rate");
    const lb = { LoadBalancer: "app/loom-prod/50dc6c495c0c9188" };
    assert.deepEqual(
      [a.threshold, a.comparisonOperator, a.evaluationPeriods, a.treatMissingData, a.metricQueries],
      [
        0.05,
        "GreaterThanThreshold",
        1,
        "notBreaching",
        [
          q("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum", 300),
          q("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum", 300),
          q("requests", "AWS/ApplicationELB", "RequestCount", lb, "Sum", 300),
          {
            id: "result",
            expression: "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
            label: "5xx share of requests",
            returnData: true,
          },
        ],
      ],
    );
  });

  it("threshold alarms: `for` as one-minute points, missing data as the catalog says", () => {
    const pick = (n: string) => {
      const a = alarm(run, n);
      return [
        a.threshold,
        a.comparisonOperator,
        a.period,
        a.evaluationPeriods,
        a.datapointsToAlarm,
        a.treatMissingData,
      ];
    };
    assert.deepEqual(pick("loom-prod-queue-backlog"), [500, "GreaterThanThreshold", 60, 15, 15, "breaching"]);
    assert.deepEqual(pick("loom-prod-slow-responses"), [2, "GreaterThanThreshold", 60, 10, 10, "notBreaching"]);
    assert.equal(alarm(run, "loom-prod-slow-responses").extendedStatistic, "p95");
    assert.equal(alarm(run, "loom-prod-slow-responses").evaluateLowSampleCountPercentiles, "ignore");
    const down = alarm(run, "loom-prod-database-down");
    assert.deepEqual(
      [down.threshold, down.comparisonOperator, down.evaluationPeriods, down.treatMissingData],
      [1, "LessThanThreshold", 1, "breaching"],
    );
    // ACM publishes DaysToExpiry daily: one-day points.
    const cert = alarm(run, "loom-prod-certificate-expiry");
    assert.deepEqual(cert.metricQueries, [
      q(
        "days",
        "AWS/CertificateManager",
        "DaysToExpiry",
        { CertificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/loom-prod` },
        "Minimum",
        86400,
      ),
      { id: "result", expression: "days * 86400", label: "Time to certificate expiry", returnData: true },
    ]);
    assert.deepEqual([cert.threshold, cert.evaluationPeriods, cert.treatMissingData], [14 * 86400, 1, "missing"]);
  });

  it("fills the volume and memory sizes into the expressions (50 GiB volume, 8 GiB instance)", () => {
    const exprOf = (n: string) => (alarm(run, n).metricQueries as { expression?: string }[]).at(-1)?.expression;
    assert.equal(exprOf("loom-prod-disk-space-low-database"), "free / 53687091200");
    assert.equal(exprOf("loom-prod-database-storage-low"), "free / 53687091200");
    assert.equal(exprOf("loom-prod-memory-pressure-database"), "1 - freeable / 8589934592");
    const cache = alarm(run, "loom-prod-cache-memory-high").metricQueries as { metric?: { dimensions: unknown } }[];
    assert.deepEqual(cache[0]?.metric?.dimensions, { CacheClusterId: "loom-prod-cache-001" });
  });

  it("draws the seven dashboards; the overview shows the state of every alert", () => {
    const boards = ofType(run, DASHBOARD);
    assert.deepEqual(
      boards.map((d) => d.inputs.dashboardName),
      DASHBOARDS.map((d) => `loom-prod-${d.id}`),
    );
    assert.deepEqual(run.outputs.dashboards, Object.fromEntries(DASHBOARDS.map((d) => [d.id, `loom-prod-${d.id}`])));
    assert.equal(run.outputs.dashboard, "loom-prod-overview");
    const overview = JSON.parse(String(boards[0]?.inputs.dashboardBody)).widgets as Widget[];
    const alarmWidget = overview.filter((w) => w.type === "alarm");
    assert.equal(alarmWidget.length, 1);
    assert.deepEqual(
      alarmWidget[0]?.properties.alarms,
      (run.outputs.alertNames as string[]).map((n) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n}`),
    );
    for (const b of boards) {
      const widgets = JSON.parse(String(b.inputs.dashboardBody)).widgets as Widget[];
      for (const w of widgets.filter((x) => x.type === "metric")) {
        assert.equal(w.properties.region, REGION);
        assert.ok(["timeSeries", "singleValue", "gauge", "bar"].includes(String(w.properties.view)));
        assert.ok(Array.isArray(w.properties.metrics) && w.properties.metrics.length > 0);
        assert.equal(typeof w.properties.period, "number");
        assert.equal(w.properties.stat, "Average");
      }
    }
  });
});

describe("Observability on AWS, alerting off (dev)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("dev");
  });

  it("creates no key, topic, subscription, Chatbot configuration or alarm", () => {
    for (const type of [KEY, TOPIC, SUB, CHATBOT, METRIC, COMPOSITE, "aws:iam/role:Role"]) {
      assert.deepEqual(
        ofType(run, type).map((r) => r.name),
        [],
        type,
      );
    }
  });

  it("still draws the seven dashboards, without an alarm widget", () => {
    const boards = ofType(run, DASHBOARD);
    assert.equal(boards.length, 7);
    for (const b of boards) {
      const widgets = JSON.parse(String(b.inputs.dashboardBody)).widgets as { type: string }[];
      assert.equal(widgets.filter((w) => w.type === "alarm").length, 0);
    }
    assert.deepEqual(run.outputs.alarmTargets, []);
    assert.deepEqual(run.outputs.alertNames, []);
    assert.equal(run.outputs.dashboard, "loom-dev-overview");
  });
});

describe("Observability on AWS, options", () => {
  it("routes only e-mail: no Chatbot, no HTTPS subscription, both topics by e-mail", async () => {
    const run = await plan("staging", {
      channels: {
        channels: [{ kind: "email", name: "email", to: "oncall@example.com" }],
        routes: { critical: ["email"], warning: ["email"] },
      },
      channelSecrets: {},
    });
    assert.deepEqual(ofType(run, CHATBOT).length, 0);
    assert.deepEqual(
      ofType(run, SUB).map((s) => [s.inputs.topic, s.inputs.protocol]),
      [
        [topicArn("staging", "critical"), "email"],
        [topicArn("staging", "warning"), "email"],
      ],
    );
  });

  it("applies threshold overrides and the SLO of the stack", async () => {
    const run = await plan("staging", { thresholds: { errorRatio: 0.02 } });
    assert.equal(alarm(run, "loom-staging-high-error-rate").threshold, 0.02);
    // staging availability 0.995: budget 0.005 × 14.4.
    assert.equal(alarm(run, "loom-staging-slo-availability-fast-burn-1h").threshold, 0.072);
  });
});
