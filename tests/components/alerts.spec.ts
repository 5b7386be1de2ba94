/**
 * The cloud-neutral alert catalog and its CloudWatch rendering (components/observability/{alerts,cloudwatch}.ts),
 * tested as plain data: no mocks, no Pulumi runtime.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ALERT_CATALOG,
  type AlertDefinition,
  type AlertId,
  type AlertThresholds,
  DEFAULT_THRESHOLDS,
  thresholdProblems,
} from "../../components/observability/alerts";
import {
  type AlarmSpec,
  type AwsMonitoringIds,
  alarmMetricArgs,
  BYTES_PER_GIB,
  cacheClusterIdOf,
  dashboardBody,
  InvalidThresholdsError,
  renderAlarms,
  storageThresholdBytes,
} from "../../components/observability/cloudwatch";

const IDS: AwsMonitoringIds<string> = {
  loadBalancer: "app/loom-staging/50dc6c495c0c9188",
  clusterName: "loom-staging",
  webServiceName: "loom-staging-web",
  workerServiceName: "loom-staging-worker",
  dbInstanceId: "loom-staging-db",
  cacheClusterId: "loom-staging-cache-001",
};
const LB = { LoadBalancer: IDS.loadBalancer };
const DB = { DBInstanceIdentifier: IDS.dbInstanceId };

function render(thresholds: AlertThresholds = { ...DEFAULT_THRESHOLDS }, catalog?: readonly AlertDefinition[]) {
  return renderAlarms({ prefix: "loom-staging", environment: "staging", ids: IDS, thresholds, catalog });
}

function byKey(specs: AlarmSpec<string>[], key: string): AlarmSpec<string> {
  const found = specs.filter((s) => s.key === key);
  assert.equal(found.length, 1, `expected one alarm ${key}, found ${found.length}`);
  return found[0] as AlarmSpec<string>;
}

/** A `metricQueries` entry that fetches a metric (not returned) at one-minute resolution. */
const query = (
  id: string,
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  stat: string,
) => ({
  id,
  returnData: false,
  metric: { namespace, metricName, dimensions, period: 60, stat },
});

describe("observability/alerts (the catalog)", () => {
  it("lists each alert once, with the seed's alert rules", () => {
    const ids = ALERT_CATALOG.map((a) => a.id);
    assert.deepEqual(ids, [
      "high-error-rate",
      "slow-responses",
      "database-cpu-high",
      "database-storage-low",
      "tasks-below-desired",
      "queue-backlog",
      "cache-memory-high",
    ]);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("takes each threshold from the thresholds table", () => {
    const t: AlertThresholds = {
      errorRatePercent: 1,
      latencyP95Seconds: 2,
      databaseCpuPercent: 3,
      databaseFreeStoragePercent: 4,
      queueDepth: 5,
      cacheMemoryPercent: 6,
    };
    const got = Object.fromEntries(ALERT_CATALOG.map((a) => [a.id, a.threshold(t)]));
    assert.deepEqual(got, {
      "high-error-rate": 1,
      "slow-responses": 2,
      "database-cpu-high": 3,
      "database-storage-low": 4,
      "tasks-below-desired": 1,
      "queue-backlog": 5,
      "cache-memory-high": 6,
    });
  });

  it("defaults: 5 % errors, p95 2 s, DB CPU 80 %, 10 % free storage, 500 queued jobs, cache memory 80 %", () => {
    assert.deepEqual(DEFAULT_THRESHOLDS, {
      errorRatePercent: 5,
      latencyP95Seconds: 2,
      databaseCpuPercent: 80,
      databaseFreeStoragePercent: 10,
      queueDepth: 500,
      cacheMemoryPercent: 80,
    });
    assert.deepEqual(thresholdProblems({ ...DEFAULT_THRESHOLDS }), []);
  });

  it("links every alert to a runbook section and holds it for whole minutes (at most an hour)", () => {
    for (const a of ALERT_CATALOG) {
      assert.match(a.runbook, /^docs\/runbooks\/[a-z-]+\.md#[a-z-]+$/, a.id);
      assert.ok(Number.isInteger(a.forMinutes) && a.forMinutes >= 1 && a.forMinutes <= 60, a.id);
      assert.ok(a.summary.length > 0 && a.summary.length <= 120, a.id);
      assert.ok(a.severity === "page" || a.severity === "ticket", a.id);
    }
  });

  it("links to runbook sections that exist (GitHub heading anchors)", () => {
    const root = path.resolve(__dirname, "..", "..");
    for (const a of ALERT_CATALOG) {
      const [file, anchorId] = a.runbook.split("#") as [string, string];
      const headings = fs
        .readFileSync(path.join(root, file), "utf8")
        .split("\n")
        .filter((l) => /^#{1,6} /.test(l))
        .map((l) =>
          l
            .replace(/^#+ /, "")
            .trim()
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, "")
            .replace(/ /g, "-"),
        );
      assert.ok(headings.includes(anchorId), `${a.id}: ${file} has no section #${anchorId}`);
    }
  });

  it("docs/metrics.md documents every alert and the QueueDepth metric the alarm and autoscaler read", () => {
    const doc = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "metrics.md"), "utf8");
    for (const a of ALERT_CATALOG) assert.ok(doc.includes(`| ${a.id} `), `docs/metrics.md has no row for ${a.id}`);
    assert.ok(doc.includes("| `Loom` | `QueueDepth` | `Environment` = `$LOOM_ENVIRONMENT` | `Count` |"));
  });

  const bad: [Partial<AlertThresholds>, keyof AlertThresholds, RegExp][] = [
    [{ errorRatePercent: 0 }, "errorRatePercent", /greater than 0 and less than 100, got 0/],
    [{ errorRatePercent: 100 }, "errorRatePercent", /got 100/],
    [{ databaseCpuPercent: -5 }, "databaseCpuPercent", /got -5/],
    [{ databaseFreeStoragePercent: Number.NaN }, "databaseFreeStoragePercent", /got NaN/],
    [{ cacheMemoryPercent: 150 }, "cacheMemoryPercent", /got 150/],
    [{ latencyP95Seconds: 0 }, "latencyP95Seconds", /must be a number greater than 0, got 0/],
    [{ queueDepth: Number.POSITIVE_INFINITY }, "queueDepth", /got Infinity/],
  ];
  for (const [override, key, reason] of bad) {
    it(`rejects ${key} = ${String(Object.values(override)[0])}`, () => {
      const problems = thresholdProblems({ ...DEFAULT_THRESHOLDS, ...override });
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.key, key);
      assert.match(problems[0]?.reason ?? "", reason);
    });
  }
});

describe("observability/cloudwatch (alarm specs)", () => {
  it("renders every catalog entry: web and worker get one tasks-below-desired alarm each", () => {
    const specs = render();
    assert.deepEqual(
      specs.map((s) => s.name),
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
    const rendered = new Set(specs.map((s) => s.alert.id));
    for (const a of ALERT_CATALOG) assert.ok(rendered.has(a.id), `catalog entry ${a.id} has no CloudWatch alarm`);
  });

  it("fails on a catalog entry without a CloudWatch rendering", () => {
    const extra = { ...(ALERT_CATALOG[0] as AlertDefinition), id: "llm-api-failures" as AlertId };
    assert.throws(
      () => render(undefined, [...ALERT_CATALOG, extra]),
      /alert "llm-api-failures" has no CloudWatch rendering/,
    );
  });

  it("refuses unusable thresholds, naming the key", () => {
    assert.throws(
      () => render({ ...DEFAULT_THRESHOLDS, cacheMemoryPercent: 0 }),
      (e: unknown) =>
        e instanceof InvalidThresholdsError &&
        e.problems[0]?.key === "cacheMemoryPercent" &&
        /thresholds\.cacheMemoryPercent must be a percentage/.test(e.message),
    );
  });

  it("evaluates one-minute periods and needs every period of the alert's window to breach", () => {
    for (const s of render()) {
      assert.equal(s.period, 60, s.name);
      assert.equal(s.evaluationPeriods, s.alert.forMinutes, s.name);
      assert.equal(s.datapointsToAlarm, s.alert.forMinutes, s.name);
    }
  });

  it("describes each alarm with its summary, severity, condition and runbook", () => {
    const s = byKey(render(), "high-error-rate");
    assert.equal(
      s.description,
      "More than the allowed share of web requests fail with 5xx. Severity: page. Fires when 5xx responses " +
        "(target and load balancer) above 5 % of requests for 5 min. Runbook: docs/runbooks/incident-response.md#high-error-rate",
    );
    for (const spec of render()) {
      assert.ok(spec.description.startsWith(spec.alert.summary), spec.name);
      assert.ok(spec.description.endsWith(`Runbook: ${spec.alert.runbook}`), spec.name);
      assert.ok(spec.description.length <= 1024, spec.name);
    }
  });

  it("high-error-rate: 100 × (target + load-balancer 5xx) / requests on the ALB, above the threshold, no traffic = OK", () => {
    const s = byKey(render({ ...DEFAULT_THRESHOLDS, errorRatePercent: 2 }), "high-error-rate");
    assert.deepEqual(
      [s.comparisonOperator, s.threshold, s.treatMissingData],
      ["GreaterThanThreshold", { value: 2 }, "notBreaching"],
    );
    assert.deepEqual(alarmMetricArgs(s.metric), {
      metricQueries: [
        query("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", LB, "Sum"),
        query("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", LB, "Sum"),
        query("requests", "AWS/ApplicationELB", "RequestCount", LB, "Sum"),
        {
          id: "result",
          expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
          label: "5xx responses (% of requests)",
          returnData: true,
        },
      ],
    });
  });

  it("slow-responses: ALB TargetResponseTime p95 above the threshold, low sample counts ignored", () => {
    const s = byKey(render(), "slow-responses");
    assert.deepEqual(
      [s.comparisonOperator, s.threshold, s.treatMissingData, s.evaluateLowSampleCountPercentiles],
      ["GreaterThanThreshold", { value: 2 }, "notBreaching", "ignore"],
    );
    assert.deepEqual(alarmMetricArgs(s.metric), {
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: LB,
      period: 60,
      extendedStatistic: "p95",
    });
  });

  it("database-cpu-high: RDS CPUUtilization average above the threshold", () => {
    const s = byKey(render(), "database-cpu-high");
    assert.deepEqual(
      [s.comparisonOperator, s.threshold, s.treatMissingData],
      ["GreaterThanThreshold", { value: 80 }, "missing"],
    );
    assert.deepEqual(alarmMetricArgs(s.metric), {
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: DB,
      period: 60,
      statistic: "Average",
    });
  });

  it("database-storage-low: RDS FreeStorageSpace minimum below a share of allocated storage", () => {
    const s = byKey(render(), "database-storage-low");
    assert.deepEqual(
      [s.comparisonOperator, s.threshold, s.treatMissingData],
      ["LessThanThreshold", { percentOfAllocatedStorage: 10 }, "missing"],
    );
    assert.deepEqual(alarmMetricArgs(s.metric), {
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      dimensions: DB,
      period: 60,
      statistic: "Minimum",
    });
  });

  for (const [service, serviceName] of [
    ["web", IDS.webServiceName],
    ["worker", IDS.workerServiceName],
  ] as const) {
    it(`tasks-below-desired-${service}: Container Insights desired − running ≥ 1, silence pages`, () => {
      const s = byKey(render(), `tasks-below-desired-${service}`);
      assert.deepEqual(
        [s.comparisonOperator, s.threshold, s.treatMissingData],
        ["GreaterThanOrEqualToThreshold", { value: 1 }, "breaching"],
      );
      const dims = { ClusterName: "loom-staging", ServiceName: serviceName };
      assert.deepEqual(alarmMetricArgs(s.metric), {
        metricQueries: [
          query("running", "ECS/ContainerInsights", "RunningTaskCount", dims, "Average"),
          query("desired", "ECS/ContainerInsights", "DesiredTaskCount", dims, "Average"),
          {
            id: "result",
            expression: "desired - running",
            label: `${service} tasks missing (desired - running)`,
            returnData: true,
          },
        ],
      });
    });
  }

  it("queue-backlog: Loom/QueueDepth for the environment above the threshold, silence pages", () => {
    const s = byKey(render({ ...DEFAULT_THRESHOLDS, queueDepth: 120 }), "queue-backlog");
    assert.deepEqual(
      [s.comparisonOperator, s.threshold, s.treatMissingData],
      ["GreaterThanThreshold", { value: 120 }, "breaching"],
    );
    assert.deepEqual(alarmMetricArgs(s.metric), {
      namespace: "Loom",
      metricName: "QueueDepth",
      dimensions: { Environment: "staging" },
      period: 60,
      statistic: "Average",
    });
  });

  it("cache-memory-high: ElastiCache DatabaseMemoryUsagePercentage of the group's first node", () => {
    const s = byKey(render(), "cache-memory-high");
    assert.deepEqual(
      [s.comparisonOperator, s.threshold, s.treatMissingData],
      ["GreaterThanThreshold", { value: 80 }, "missing"],
    );
    assert.deepEqual(alarmMetricArgs(s.metric), {
      namespace: "AWS/ElastiCache",
      metricName: "DatabaseMemoryUsagePercentage",
      dimensions: { CacheClusterId: "loom-staging-cache-001" },
      period: 60,
      statistic: "Maximum",
    });
    assert.equal(cacheClusterIdOf("loom-prod-cache"), "loom-prod-cache-001");
  });

  it("storage threshold: percent of allocated GiB in bytes, refusing a missing size", () => {
    assert.equal(BYTES_PER_GIB, 1073741824);
    assert.equal(storageThresholdBytes(20, 10), 2147483648);
    assert.equal(storageThresholdBytes(50, 10), 5368709120);
    assert.equal(storageThresholdBytes(100, 15), 16106127360);
    assert.throws(() => storageThresholdBytes(Number.NaN, 10), /positive number of GiB, got NaN/);
    assert.throws(() => storageThresholdBytes(0, 10), /got 0/);
  });
});

describe("observability/cloudwatch (dashboard)", () => {
  type Widget = {
    type: string;
    x: number;
    y: number;
    width: number;
    height: number;
    properties: Record<string, unknown>;
  };
  const body = (alarmArns: string[] = []) =>
    dashboardBody({ region: "eu-west-1", environment: "staging", ids: IDS, alarmArns }).widgets as Widget[];
  const graph = (title: string, alarmArns: string[] = []) => {
    const w = body(alarmArns).find((x) => x.properties.title === title);
    assert.ok(w, `no widget "${title}"`);
    return w;
  };

  it("shows traffic, latency, ECS, queue, database and cache graphs in the stack's region", () => {
    const widgets = body();
    assert.deepEqual(
      widgets.map((w) => w.properties.title),
      [
        "Requests and 5xx responses",
        "Target response time",
        "ECS CPU utilisation",
        "ECS memory utilisation",
        "Review queue depth and running workers",
        "Database CPU",
        "Database connections",
        "Database free storage",
        "Cache memory use",
      ],
    );
    for (const w of widgets) {
      assert.equal(w.type, "metric");
      assert.equal(w.properties.region, "eu-west-1");
      assert.equal(w.properties.period, 60);
    }
  });

  it("lays the graphs out two per row without overlap", () => {
    const cells = new Set<string>();
    for (const w of body(["arn:alarm"])) {
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          assert.ok(!cells.has(cell), `widgets overlap at ${cell}`);
          cells.add(cell);
        }
      }
      assert.ok(w.x + w.width <= 24);
    }
  });

  it("graphs the exact metrics the alarms and the autoscaler use", () => {
    assert.deepEqual(graph("Requests and 5xx responses").properties.metrics, [
      ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", IDS.loadBalancer, { stat: "Sum", label: "Requests" }],
      [
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        "LoadBalancer",
        IDS.loadBalancer,
        { stat: "Sum", label: "Target 5xx" },
      ],
      [
        "AWS/ApplicationELB",
        "HTTPCode_ELB_5XX_Count",
        "LoadBalancer",
        IDS.loadBalancer,
        { stat: "Sum", label: "Load balancer 5xx" },
      ],
    ]);
    assert.deepEqual(graph("ECS memory utilisation").properties.metrics, [
      [
        "AWS/ECS",
        "MemoryUtilization",
        "ClusterName",
        "loom-staging",
        "ServiceName",
        "loom-staging-web",
        { stat: "Average", label: "web" },
      ],
      [
        "AWS/ECS",
        "MemoryUtilization",
        "ClusterName",
        "loom-staging",
        "ServiceName",
        "loom-staging-worker",
        { stat: "Average", label: "worker" },
      ],
    ]);
    assert.deepEqual(graph("Review queue depth and running workers").properties.metrics, [
      ["Loom", "QueueDepth", "Environment", "staging", { stat: "Average", label: "Jobs waiting" }],
      [
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "ClusterName",
        "loom-staging",
        "ServiceName",
        "loom-staging-worker",
        { stat: "Average", label: "Running workers", yAxis: "right" },
      ],
    ]);
    assert.deepEqual(graph("Database connections").properties.metrics, [
      [
        "AWS/RDS",
        "DatabaseConnections",
        "DBInstanceIdentifier",
        "loom-staging-db",
        { stat: "Maximum", label: "Connections" },
      ],
    ]);
    assert.deepEqual(graph("Cache memory use").properties.metrics, [
      [
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        "CacheClusterId",
        "loom-staging-cache-001",
        { stat: "Maximum", label: "Memory used (% of maxmemory)" },
      ],
    ]);
  });

  it("adds an alarm-status widget only when there are alarms", () => {
    assert.equal(body().filter((w) => w.type === "alarm").length, 0);
    const alarm = body(["arn:a", "arn:b"]).filter((w) => w.type === "alarm");
    assert.equal(alarm.length, 1);
    assert.deepEqual(alarm[0]?.properties, {
      title: "Alarms",
      alarms: ["arn:a", "arn:b"],
      sortBy: "stateUpdatedTimestamp",
    });
  });
});
