import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { ALERT_CATALOG, DEFAULT_THRESHOLDS } from "../../components/observability/alerts";
import { alertName } from "../../components/observability/prometheus";
import type { Environment } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base } from "./k8s-fixtures";

const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const CONFIG = "kubernetes:core/v1:ConfigMap";
const ROUTE = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";

const o = pulumi.output;
function args(env: Environment, alerting: boolean, thresholds = {}): ObservabilityArgs {
  return {
    ...base(env),
    alerting,
    alertEmail: alerting ? "oncall@example.com" : undefined,
    thresholds,
    targets: {
      app: {
        cloud: "kubernetes",
        namespace: o(`loom-${env}`),
        instance: o(`loom-${env}`),
        webService: o("loom-web"),
        webDeployment: o("loom-web"),
        workerDeployment: o("loom-worker"),
        metricsPath: o("/metrics"),
      },
      database: {
        cloud: "kubernetes",
        namespace: o(`loom-${env}`),
        cluster: o("loom-db"),
        instancePods: o("loom-db-[0-9]+"),
        container: o("postgres"),
      },
      cache: { cloud: "kubernetes", namespace: o(`loom-${env}`), statefulSet: o("loom-cache"), container: o("valkey") },
    },
  };
}

async function build(a: ObservabilityArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const obs = new Observability("loom", a);
    return { alertNames: obs.alertNames, alarmTargets: obs.alarmTargets, dashboard: obs.dashboard };
  });
}

describe("observability on kubernetes", () => {
  it("renders every alert of the catalog into one PrometheusRule, with the configured thresholds", async () => {
    const run = await build(args("prod", true, { queueDepth: 250 }));
    const rules = at(one(run, RULE).inputs, "spec", "groups", 0, "rules");
    assert.deepEqual(
      rules.map((r: { alert: string }) => r.alert),
      ALERT_CATALOG.map((a) => alertName(a.id)),
    );
    const backlog = rules.find((r: { alert: string }) => r.alert === "LoomQueueBacklog");
    assert.match(backlog.expr, /> 250 or absent/);
    const errors = rules.find((r: { alert: string }) => r.alert === "LoomHighErrorRate");
    assert.match(errors.expr, new RegExp(`> ${DEFAULT_THRESHOLDS.errorRatePercent}$`));
    assert.equal(at(one(run, RULE).inputs, "metadata", "labels", "release"), "kube-prometheus-stack");
    assert.deepEqual(
      run.outputs.alertNames,
      ALERT_CATALOG.map((a) => alertName(a.id)),
    );
    assert.deepEqual(run.outputs.alarmTargets, ["alertmanager:monitoring"]);
  });

  it("routes the namespace's alerts to alertEmail through an AlertmanagerConfig email receiver", async () => {
    const run = await build(args("prod", true));
    const route = one(run, ROUTE);
    assert.equal(at(route.inputs, "metadata", "namespace"), "loom-prod");
    assert.equal(at(route.inputs, "metadata", "labels", "release"), "kube-prometheus-stack");
    assert.deepEqual(at(route.inputs, "spec"), {
      route: {
        receiver: "loom-email",
        groupBy: ["alertname", "severity"],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
      },
      receivers: [{ name: "loom-email", emailConfigs: [{ to: "oncall@example.com", sendResolved: true }] }],
    });
  });

  it("reads the names it alerts on from the typed handles, not from guesses", async () => {
    const a = args("prod", true);
    const renamed: ObservabilityArgs = {
      ...a,
      targets: {
        ...a.targets,
        app: {
          ...a.targets.app,
          webDeployment: o("edge-web"),
          workerDeployment: o("queue-worker"),
        } as typeof a.targets.app,
        cache: { ...a.targets.cache, statefulSet: o("kv") } as typeof a.targets.cache,
      },
    };
    const rules = JSON.stringify(at(one(await build(renamed), RULE).inputs, "spec"));
    assert.match(rules, /edge-web/);
    assert.match(rules, /queue-worker/);
    assert.match(rules, /kv-/);
    assert.doesNotMatch(rules, /loom-web|loom-worker|loom-cache/);
  });

  it("rejects a handle of another cloud, by argument name", () => {
    const a = args("prod", true);
    const aws = { ...a, targets: { ...a.targets, cache: { cloud: "aws" } as unknown as typeof a.targets.cache } };
    assert.throws(
      () => Observability.resolve(aws),
      (e: { propertyPath?: string }) => e.propertyPath === "targets.cache",
    );
  });

  it("creates no rules and no alert route with alerting off, but still scrapes and draws the dashboard", async () => {
    const run = await build(args("dev", false));
    assert.equal(ofType(run, RULE).length, 0);
    assert.equal(ofType(run, ROUTE).length, 0);
    assert.deepEqual(run.outputs.alertNames, []);
    assert.deepEqual(run.outputs.alarmTargets, []);
    assert.equal(ofType(run, SERVICE_MONITOR).length, 1);
    assert.equal(ofType(run, POD_MONITOR).length, 1);
    const dashboard = one(run, CONFIG);
    assert.equal(at(dashboard.inputs, "metadata", "labels", "grafana_dashboard"), "1");
    assert.match(at(dashboard.inputs, "data", "loom.json"), /loom_queue_depth\{namespace=\\"loom-dev\\"\}/);
    assert.equal(run.outputs.dashboard, "loom-dashboard");
  });

  it("scrapes web through its Service and the worker through its pods, on the metrics path", async () => {
    const run = await build(args("staging", true));
    const sm = at(one(run, SERVICE_MONITOR).inputs, "spec");
    assert.deepEqual(sm.selector, {
      matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "loom-staging" },
    });
    assert.deepEqual(sm.endpoints, [{ port: "http", path: "/metrics", interval: "30s", scheme: "http" }]);
    const pm = at(one(run, POD_MONITOR).inputs, "spec");
    assert.deepEqual(pm.selector, {
      matchLabels: { "app.kubernetes.io/name": "worker", "app.kubernetes.io/instance": "loom-staging" },
    });
    assert.deepEqual(pm.namespaceSelector, { matchNames: ["loom-staging"] });
  });
});
