/**
 * Observability on AWS under the mock engine: what is created with alerting on (staging-like) and off (dev-like),
 * with the exact inputs that carry the guarantees (encrypted topic, publish policy, e-mail, alarm wiring).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { ALERT_CATALOG } from "../../components/observability/alerts";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { awsPlatform, staticAwsPlatform } from "./aws-fixtures";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const KEY = "aws:kms/key:Key";

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
    },
    database: { cloud: "aws", instanceId: o(`loom-${env}-db`), allocatedStorageGiB: 50 },
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
      alertEmail: env === "dev" ? undefined : "oncall@example.com",
      targets: targets(env),
      ...extra,
    });
    return { alarmTargets: obs.alarmTargets, alertNames: obs.alertNames, dashboard: obs.dashboard };
  });
}

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/loom-alerts-key`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:topic/loom-alerts`;

function alarm(run: ProgramRun, name: string): Record<string, unknown> {
  const found = ofType(run, ALARM).filter((r) => r.inputs.name === name);
  assert.equal(found.length, 1, `expected one alarm named ${name}`);
  return (found[0] as PlannedResource).inputs;
}

/** The inputs every alarm shares for an alert held `minutes` minutes. */
const window = (minutes: number) => ({ period: 60, evaluationPeriods: minutes, datapointsToAlarm: minutes });

const q = (id: string, namespace: string, metricName: string, dimensions: Record<string, string>, stat: string) => ({
  id,
  returnData: false,
  metric: { namespace, metricName, dimensions, period: 60, stat },
});

describe("Observability on AWS, alerting on (staging)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("staging");
  });

  it("encrypts alerts with a customer-managed key CloudWatch and SNS may use", () => {
    const key = one(run, KEY).inputs;
    assert.equal(key.enableKeyRotation, true);
    const statements = JSON.parse(String(key.policy)).Statement as Record<string, unknown>[];
    const services = statements.flatMap((s) => {
      const p = s.Principal as { Service?: string };
      return p.Service ? [p.Service] : [];
    });
    assert.deepEqual(services, ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]);
    for (const s of statements.filter((x) => (x.Principal as { Service?: string }).Service)) {
      assert.ok((s.Action as string[]).includes("kms:GenerateDataKey*"));
      assert.ok((s.Action as string[]).includes("kms:Decrypt*"));
    }
    assert.equal(one(run, "aws:kms/alias:Alias").inputs.name, "alias/loom-staging-alerts");
    assert.equal(one(run, KEY).protect, false);
  });

  it("creates the alert topic encrypted with that key", () => {
    const topic = one(run, TOPIC).inputs;
    assert.equal(topic.name, "loom-staging-alerts");
    assert.equal(topic.kmsMasterKeyId, KEY_ARN);
    assert.equal(topic.signatureVersion, 2);
    assert.deepEqual(topic.tags, {
      project: "loom",
      environment: "staging",
      stack: "staging",
      component: "observability",
      "managed-by": "pulumi",
      team: "platform",
    });
  });

  it("lets only this account's CloudWatch alarms publish, and only over TLS", () => {
    const policy = one(run, "aws:sns/topicPolicy:TopicPolicy").inputs;
    assert.equal(policy.arn, TOPIC_ARN);
    assert.deepEqual(JSON.parse(String(policy.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TOPIC_ARN,
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:loom-staging-*` },
          },
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: TOPIC_ARN,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("subscribes the alert e-mail address", () => {
    const sub = one(run, "aws:sns/topicSubscription:TopicSubscription").inputs;
    assert.deepEqual(
      { topic: sub.topic, protocol: sub.protocol, endpoint: sub.endpoint },
      { topic: TOPIC_ARN, protocol: "email", endpoint: "oncall@example.com" },
    );
  });

  it("renders every catalog entry as an alarm (web and worker separately)", () => {
    const alarms = ofType(run, ALARM);
    assert.deepEqual(
      alarms.map((a) => a.inputs.name),
      [
        "loom-staging-high-error-rate",
        "loom-staging-slow-responses",
        "loom-staging-database-cpu-high",
        "loom-staging-database-storage-low",
        "loom-staging-tasks-below-desired-web",
        "loom-staging-tasks-below-desired-worker",
        "loom-staging-queue-backlog",
        "loom-staging-cache-memory-high",
      ],
    );
    const rendered = new Set(alarms.map((a) => (a.inputs.tags as Record<string, string>).alert));
    assert.deepEqual([...rendered].sort(), ALERT_CATALOG.map((a) => a.id).sort());
  });

  it("sends ALARM and OK of every alarm to the topic, with summary and runbook in the description", () => {
    for (const a of ofType(run, ALARM)) {
      const id = (a.inputs.tags as Record<string, string>).alert;
      const entry = ALERT_CATALOG.find((x) => x.id === id);
      assert.ok(entry, `${a.name}: unknown alert tag ${id}`);
      assert.deepEqual(a.inputs.alarmActions, [TOPIC_ARN], a.name);
      assert.deepEqual(a.inputs.okActions, [TOPIC_ARN], a.name);
      assert.equal(a.inputs.actionsEnabled, true, a.name);
      assert.equal(a.inputs.insufficientDataActions, undefined, a.name);
      const description = String(a.inputs.alarmDescription);
      assert.ok(description.startsWith(entry.summary), a.name);
      assert.ok(description.includes(`Runbook: ${entry.runbook}`), a.name);
      assert.equal((a.inputs.tags as Record<string, string>).severity, entry.severity, a.name);
      assert.equal(a.parent, one(run, "loom:components:Observability").urn);
    }
  });

  it("high-error-rate: 5xx share of ALB requests above 5 %", () => {
    const lb = { LoadBalancer: "app/loom-staging/50dc6c495c0c9188" };
    const a = alarm(run, "loom-staging-high-error-rate");
    assert.deepEqual(
      {
        comparisonOperator: a.comparisonOperator,
        threshold: a.threshold,
        treatMissingData: a.treatMissingData,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
        metricQueries: a.metricQueries,
        metricName: a.metricName,
        namespace: a.namespace,
      },
      {
        comparisonOperator: "GreaterThanThreshold",
        threshold: 5,
        treatMissingData: "notBreaching",
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        metricQueries: [
          q("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum"),
          q("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum"),
          q("requests", "AWS/ApplicationELB", "RequestCount", lb, "Sum"),
          {
            id: "result",
            expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
            label: "5xx responses (% of requests)",
            returnData: true,
          },
        ],
        metricName: undefined,
        namespace: undefined,
      },
    );
  });

  /** Single-metric alarms: the exact metric, statistic, comparison and threshold. */
  const single: [string, Record<string, unknown>][] = [
    [
      "loom-staging-slow-responses",
      {
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensions: { LoadBalancer: "app/loom-staging/50dc6c495c0c9188" },
        extendedStatistic: "p95",
        statistic: undefined,
        evaluateLowSampleCountPercentiles: "ignore",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 2,
        treatMissingData: "notBreaching",
        ...window(10),
      },
    ],
    [
      "loom-staging-database-cpu-high",
      {
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        dimensions: { DBInstanceIdentifier: "loom-staging-db" },
        extendedStatistic: undefined,
        statistic: "Average",
        evaluateLowSampleCountPercentiles: undefined,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 80,
        treatMissingData: "missing",
        ...window(15),
      },
    ],
    [
      "loom-staging-database-storage-low",
      {
        namespace: "AWS/RDS",
        metricName: "FreeStorageSpace",
        dimensions: { DBInstanceIdentifier: "loom-staging-db" },
        extendedStatistic: undefined,
        statistic: "Minimum",
        evaluateLowSampleCountPercentiles: undefined,
        comparisonOperator: "LessThanThreshold",
        // 10 % of the 50 GiB the database allocated, in bytes.
        threshold: 5368709120,
        treatMissingData: "missing",
        ...window(5),
      },
    ],
    [
      "loom-staging-queue-backlog",
      {
        namespace: "Loom",
        metricName: "QueueDepth",
        dimensions: { Environment: "staging" },
        extendedStatistic: undefined,
        statistic: "Average",
        evaluateLowSampleCountPercentiles: undefined,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 500,
        treatMissingData: "breaching",
        ...window(15),
      },
    ],
    [
      "loom-staging-cache-memory-high",
      {
        namespace: "AWS/ElastiCache",
        metricName: "DatabaseMemoryUsagePercentage",
        dimensions: { CacheClusterId: "loom-staging-cache-001" },
        extendedStatistic: undefined,
        statistic: "Maximum",
        evaluateLowSampleCountPercentiles: undefined,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 80,
        treatMissingData: "missing",
        ...window(15),
      },
    ],
  ];
  for (const [name, expected] of single) {
    it(`${name.replace("loom-staging-", "")}: ${expected.namespace}/${expected.metricName}`, () => {
      const a = alarm(run, name);
      const got = Object.fromEntries(Object.keys(expected).map((k) => [k, a[k]]));
      assert.deepEqual(got, expected);
      assert.equal(a.metricQueries, undefined);
    });
  }

  for (const service of ["web", "worker"]) {
    it(`tasks-below-desired-${service}: Container Insights desired − running ≥ 1 for 10 min`, () => {
      const a = alarm(run, `loom-staging-tasks-below-desired-${service}`);
      const dims = { ClusterName: "loom-staging", ServiceName: `loom-staging-${service}` };
      assert.deepEqual(
        {
          comparisonOperator: a.comparisonOperator,
          threshold: a.threshold,
          treatMissingData: a.treatMissingData,
          evaluationPeriods: a.evaluationPeriods,
          datapointsToAlarm: a.datapointsToAlarm,
          metricQueries: a.metricQueries,
        },
        {
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          treatMissingData: "breaching",
          evaluationPeriods: 10,
          datapointsToAlarm: 10,
          metricQueries: [
            q("running", "ECS/ContainerInsights", "RunningTaskCount", dims, "Average"),
            q("desired", "ECS/ContainerInsights", "DesiredTaskCount", dims, "Average"),
            {
              id: "result",
              expression: "desired - running",
              label: `${service} tasks missing (desired - running)`,
              returnData: true,
            },
          ],
        },
      );
    });
  }

  it("builds the dashboard with an alarm-status widget", () => {
    const d = one(run, "aws:cloudwatch/dashboard:Dashboard").inputs;
    assert.equal(d.dashboardName, "loom-staging");
    const widgets = JSON.parse(String(d.dashboardBody)).widgets as {
      type: string;
      properties: Record<string, unknown>;
    }[];
    const alarms = widgets.filter((w) => w.type === "alarm");
    assert.equal(alarms.length, 1);
    assert.deepEqual(
      alarms[0]?.properties.alarms,
      ofType(run, ALARM).map((a) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:metricalarm/${a.name}`),
    );
    for (const w of widgets.filter((x) => x.type === "metric")) assert.equal(w.properties.region, REGION);
  });

  it("outputs the topic, the alarm names and the dashboard", () => {
    assert.deepEqual(run.outputs, {
      alarmTargets: [TOPIC_ARN],
      alertNames: ofType(run, ALARM).map((a) => a.inputs.name),
      dashboard: "loom-staging",
    });
  });
});

describe("Observability on AWS, alerting off (dev)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await plan("dev");
  });

  it("creates no key, topic, subscription or alarm", () => {
    for (const type of [
      KEY,
      "aws:kms/alias:Alias",
      TOPIC,
      "aws:sns/topicPolicy:TopicPolicy",
      "aws:sns/topicSubscription:TopicSubscription",
      ALARM,
    ]) {
      assert.deepEqual(
        ofType(run, type).map((r) => r.name),
        [],
        type,
      );
    }
  });

  it("still builds the dashboard (monitoring is on everywhere), without an alarm widget", () => {
    const d = one(run, "aws:cloudwatch/dashboard:Dashboard").inputs;
    assert.equal(d.dashboardName, "loom-dev");
    const widgets = JSON.parse(String(d.dashboardBody)).widgets as {
      type: string;
      properties: Record<string, unknown>;
    }[];
    assert.equal(widgets.filter((w) => w.type === "alarm").length, 0);
    assert.equal(widgets.length, 9);
    const queue = widgets.find((w) => w.properties.title === "Review queue depth and running workers");
    assert.ok(queue, "no queue depth widget");
    assert.deepEqual((queue.properties.metrics as unknown[])[0], [
      "Loom",
      "QueueDepth",
      "Environment",
      "dev",
      { stat: "Average", label: "Jobs waiting" },
    ]);
  });

  it("outputs no alarm targets and no alert names", () => {
    assert.deepEqual(run.outputs, { alarmTargets: [], alertNames: [], dashboard: "loom-dev" });
  });
});

describe("Observability on AWS, options and errors", () => {
  it("protects the alert key in prod (deleting it would orphan the encrypted topic)", async () => {
    const run = await plan("prod");
    assert.equal(one(run, KEY).protect, true);
    assert.equal(ofType(run, ALARM).length, 8);
  });

  it("applies threshold overrides", async () => {
    const run = await plan("staging", { thresholds: { errorRatePercent: 2, databaseFreeStoragePercent: 20 } });
    assert.equal(alarm(run, "loom-staging-high-error-rate").threshold, 2);
    assert.equal(alarm(run, "loom-staging-database-storage-low").threshold, 10737418240);
    assert.equal(alarm(run, "loom-staging-slow-responses").threshold, 2);
  });

  /** Pulumi's InputPropertyError: the property path and the reason. */
  const inputError = (path: string, reason: RegExp) => (e: unknown) => {
    const err = e as { propertyPath?: string; reason?: string };
    assert.equal(err.propertyPath, path);
    assert.match(err.reason ?? "", reason);
    return true;
  };

  it("refuses an unusable threshold, naming it", async () => {
    await assert.rejects(
      plan("staging", { thresholds: { queueDepth: 0 } }),
      inputError("thresholds.queueDepth", /^must be a number greater than 0, got 0$/),
    );
  });

  it("refuses a monitoring handle of another cloud, naming the target", () => {
    const t = targets("staging");
    const k8sCache = { cloud: "kubernetes" } as unknown as ObservabilityArgs["targets"]["cache"];
    assert.throws(
      () =>
        Observability.resolve({
          platform: staticAwsPlatform(),
          context: context("staging"),
          alerting: true,
          alertEmail: "oncall@example.com",
          targets: { ...t, cache: k8sCache },
        }),
      inputError("targets.cache", /^must be the cache monitoring handle of a aws component$/),
    );
  });

  it("wires each typed handle field to its alarm dimension and the storage base to the free-storage threshold", async () => {
    const run = await plan("staging", {
      targets: {
        ...targets("staging"),
        database: { cloud: "aws", instanceId: pulumi.output("other-db"), allocatedStorageGiB: 200 },
        cache: { cloud: "aws", replicationGroupId: pulumi.output("other-cache") },
      },
    });
    const storage = alarm(run, "loom-staging-database-storage-low");
    assert.deepEqual(storage.dimensions, { DBInstanceIdentifier: "other-db" });
    // 10 % (the default) of 200 GiB, in bytes.
    assert.equal(storage.threshold, 21474836480);
    assert.deepEqual(alarm(run, "loom-staging-cache-memory-high").dimensions, { CacheClusterId: "other-cache-001" });
    // biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data
    const queries = alarm(run, "loom-staging-tasks-below-desired-web").metricQueries as any[];
    assert.deepEqual(queries[0].metric.dimensions, {
      ClusterName: "loom-staging",
      ServiceName: "loom-staging-web",
    });
  });

  it("requires an alert e-mail when alerting is on", async () => {
    await assert.rejects(
      plan("staging", { alertEmail: undefined }),
      inputError("alertEmail", /^is required when alerting is on$/),
    );
  });
});
