/**
 * Observability on Kubernetes through the mock engine: the PrometheusRule (recording rules always, every catalog
 * alert with alerting), the AlertmanagerConfig with the four channels and the one credential Secret, the seven
 * dashboard ConfigMaps, the monitors.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { type AlertingSettings, Observability, type ObservabilityArgs } from "../../components/observability";
import { ALERTS } from "../../components/observability/catalog/alerts";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { stackUid } from "../../components/observability/catalog/grafana";
import { alertName, runbookUrl } from "../../components/observability/catalog/rules";
import { SEVERITIES } from "../../components/observability/channels";
import type { Environment } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base, k8sMonitoringTargets } from "./k8s-fixtures";

const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const CONFIG = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const ROUTE = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const RUNBOOKS = "https://docs.example.com/loom/";

const ALL_CHANNELS: AlertingSettings = {
  channels: [
    { kind: "email", name: "email", to: "oncall@example.com" },
    { kind: "slack", name: "slack", channel: "#loom-alerts", secret: "slack" },
    { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
    { kind: "webhook", name: "incident", secret: "incident-hook" },
  ],
  routes: { critical: ["pagerduty", "slack", "incident"], warning: ["slack", "email", "incident"] },
};
const CREDENTIALS = {
  slack: "https://hooks.slack.com/services/T000/B000/slack-credential",
  pagerduty: "pagerduty-routing-key-credential",
  "incident-hook": "https://hooks.example.com/loom?token=webhook-credential",
};

const o = pulumi.output;
function args(env: Environment, alerting: boolean, extra: Partial<ObservabilityArgs> = {}): ObservabilityArgs {
  return {
    ...base(env),
    alerting,
    channels: alerting ? ALL_CHANNELS : undefined,
    channelSecrets: alerting
      ? Object.fromEntries(Object.entries(CREDENTIALS).map(([k, v]) => [k, pulumi.secret(v)]))
      : undefined,
    runbookBaseUrl: RUNBOOKS,
    logRetentionDays: 30,
    targets: k8sMonitoringTargets(env),
    ...extra,
  };
}

async function build(a: ObservabilityArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const obs = new Observability("loom", a);
    return {
      alertNames: obs.alertNames,
      alarmTargets: obs.alarmTargets,
      dashboard: obs.dashboard,
      dashboards: obs.dashboards,
    };
  });
}

type Rule = { record?: string; alert?: string; expr: string; labels?: Record<string, string> };
type Group = { name: string; rules: Rule[] };
const groupsOf = (run: ProgramRun): Group[] => at(one(run, RULE).inputs, "spec", "groups");
const alertRules = (run: ProgramRun) => groupsOf(run).flatMap((g) => g.rules.filter((r) => r.alert));
type Route = { receiver: string; matchers: { name: string; value: string; matchType: string }[]; continue: boolean };

describe("observability on kubernetes", () => {
  describe("prod, alerting on, all four channels", () => {
    let run: ProgramRun;
    before(async () => {
      run = await build(args("prod", true, { thresholds: { queueDepth: 250 } }));
    });

    it("renders every catalog alert exactly once, labelled and with an absolute runbook link", () => {
      const rules = alertRules(run);
      assert.deepEqual(
        rules.map((r) => r.alert),
        ALERTS.map((a) => alertName(a.id)),
      );
      for (const a of ALERTS) {
        const r = rules.find((x) => x.alert === alertName(a.id)) as Rule & { annotations: Record<string, string> };
        assert.deepEqual(
          { severity: r.labels?.severity, loom_alert: r.labels?.loom_alert, namespace: r.labels?.namespace },
          { severity: a.severity, loom_alert: a.id, namespace: "loom-prod" },
        );
        assert.equal(r.annotations.runbook_url, runbookUrl(RUNBOOKS, a.runbook));
      }
      const backlog = rules.find((r) => r.alert === "LoomQueueBacklog");
      assert.equal(backlog?.expr, "loom:queue_depth:max > 250 or absent(loom:queue_depth:max)");
      assert.deepEqual(
        run.outputs.alertNames,
        ALERTS.map((a) => alertName(a.id)),
      );
      assert.deepEqual(run.outputs.alarmTargets, ["alertmanager:monitoring"]);
    });

    it("records every signal over this namespace and the handles' names, in the release kube-prometheus-stack selects", () => {
      assert.deepEqual(
        groupsOf(run).map((g) => g.name),
        ["loom.records", "loom.slo.records", "loom.alerts"],
      );
      const rule = one(run, RULE);
      assert.equal(at(rule.inputs, "metadata", "name"), "loom-rules");
      assert.equal(at(rule.inputs, "metadata", "namespace"), "loom-prod");
      assert.equal(at(rule.inputs, "metadata", "labels", "release"), "kube-prometheus-stack");
      const records = groupsOf(run).flatMap((g) => g.rules.filter((r) => r.record));
      const expr = (name: string) => records.find((r) => r.record === name)?.expr;
      assert.equal(
        expr("loom:http_requests:rate5m"),
        'sum by (namespace) (rate(loom_http_requests_total{namespace="loom-prod"}[5m]))',
      );
      assert.match(expr("loom:workload:replicas_unavailable") ?? "", /deployment=~"loom-web\|loom-worker"/);
      assert.match(
        expr("loom:volume:free_ratio") ?? "",
        /persistentvolumeclaim=~"loom-db-\[0-9\]\+\|\.\+-loom-cache-\[0-9\]\+"/,
      );
      for (const r of records) assert.match(r.expr, /namespace="loom-prod"/, r.record);
    });

    it("routes every severity to each of its channels, and only to configured channels", () => {
      const spec = at(one(run, ROUTE).inputs, "spec");
      const routes: Route[] = spec.route.routes;
      for (const severity of SEVERITIES) {
        const reached = routes.filter((r) => r.matchers.some((m) => m.name === "severity" && m.value === severity));
        assert.deepEqual(
          reached.map((r) => r.receiver),
          ALL_CHANNELS.routes[severity],
        );
      }
      assert.ok(routes.every((r) => r.continue === true));
      const names = ALL_CHANNELS.channels.map((c) => c.name);
      assert.deepEqual(
        spec.receivers.map((r: { name: string }) => r.name),
        names,
      );
      assert.deepEqual(spec.route.groupBy, ["namespace", "loom_alert"]);
      assert.equal(spec.route.receiver, "slack");
    });

    it("writes the four receivers with SecretKeySelectors into one Secret, never a credential", () => {
      const route = one(run, ROUTE);
      assert.equal(at(route.inputs, "metadata", "namespace"), "loom-prod");
      assert.equal(at(route.inputs, "metadata", "labels", "release"), "kube-prometheus-stack");
      const ref = (key: string) => ({ name: "loom-alert-channels", key });
      const receivers = at(route.inputs, "spec", "receivers");
      assert.deepEqual(at(receivers, 0, "emailConfigs", 0, "to"), "oncall@example.com");
      assert.deepEqual(at(receivers, 1, "slackConfigs", 0, "apiURL"), ref("slack"));
      assert.equal(at(receivers, 1, "slackConfigs", 0, "channel"), "#loom-alerts");
      assert.match(at(receivers, 1, "slackConfigs", 0, "text"), /Runbook: \{\{ \.Annotations\.runbook_url \}\}/);
      assert.equal(at(receivers, 1, "slackConfigs", 0, "sendResolved"), true);
      assert.deepEqual(at(receivers, 2, "pagerdutyConfigs", 0, "routingKey"), ref("pagerduty"));
      assert.deepEqual(at(receivers, 3, "webhookConfigs"), [{ urlSecret: ref("incident-hook"), sendResolved: true }]);
      const text = JSON.stringify(route.inputs);
      for (const credential of Object.values(CREDENTIALS)) assert.ok(!text.includes(credential));

      const secret = one(run, SECRET);
      assert.equal(at(secret.inputs, "metadata", "name"), "loom-alert-channels");
      assert.equal(at(secret.inputs, "metadata", "namespace"), "loom-prod");
      assert.equal(at(secret.inputs, "type"), "Opaque");
      assert.deepEqual(at(secret.inputs, "stringData"), CREDENTIALS);
      // The whole stringData reaches the engine as a secret Output (never in clear in the plan).
      assert.deepEqual(secret.secretPaths, ["stringData"]);
    });

    it("inhibits the warning of the same alert and the slow burn of the same SLO", () => {
      const m = (name: string, value: string, matchType = "=") => ({ name, value, matchType });
      assert.deepEqual(at(one(run, ROUTE).inputs, "spec", "inhibitRules"), [
        {
          sourceMatch: [m("severity", "critical")],
          targetMatch: [m("severity", "warning")],
          equal: ["namespace", "loom_alert"],
        },
        {
          sourceMatch: [m("severity", "critical"), m("loom_slo", ".+", "=~")],
          targetMatch: [m("severity", "warning"), m("loom_slo", ".+", "=~")],
          equal: ["namespace", "loom_slo"],
        },
      ]);
    });
  });

  it("renders no Secret when the only channel is e-mail (the SMTP relay is the cluster Alertmanager's)", async () => {
    const email: AlertingSettings = {
      channels: [{ kind: "email", name: "email", to: "oncall@example.com" }],
      routes: { critical: ["email"], warning: ["email"] },
    };
    const run = await build(args("staging", true, { channels: email, channelSecrets: {} }));
    assert.equal(ofType(run, SECRET).length, 0);
    assert.deepEqual(at(one(run, ROUTE).inputs, "spec", "receivers"), [
      {
        name: "email",
        emailConfigs: [
          {
            to: "oncall@example.com",
            sendResolved: true,
            headers: [
              {
                key: "Subject",
                value: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})",
              },
            ],
          },
        ],
      },
    ]);
  });

  it("dev (alerting off): recording rules and dashboards, but no alerting rule, route or Secret", async () => {
    const run = await build(args("dev", false));
    assert.deepEqual(
      groupsOf(run).map((g) => g.name),
      ["loom.records", "loom.slo.records"],
    );
    assert.equal(alertRules(run).length, 0);
    assert.equal(ofType(run, ROUTE).length, 0);
    assert.equal(ofType(run, SECRET).length, 0);
    assert.deepEqual(run.outputs.alertNames, []);
    assert.deepEqual(run.outputs.alarmTargets, []);
    assert.equal(ofType(run, SERVICE_MONITOR).length, 1);
    // The app's worker, and the stack's OpenTelemetry Collector (its own metrics; k8s-telemetry.ts).
    assert.deepEqual(
      ofType(run, POD_MONITOR)
        .map((r) => r.name)
        .sort(),
      ["loom-otel-collector-podmonitor", "loom-worker-podmonitor"],
    );
    assert.deepEqual(
      ofType(run, CONFIG)
        .map((r) => r.name)
        .filter((n) => n.startsWith("loom-dashboard-"))
        .sort(),
      DASHBOARDS.map((d) => `loom-dashboard-${d.id}`).sort(),
    );
  });

  it("provisions the seven dashboards for Grafana's sidecar, in the Loom folder, defaulting to this namespace", async () => {
    const run = await build(args("dev", false));
    const expected = Object.fromEntries(DASHBOARDS.map((d) => [d.id, `loom-dashboard-${d.id}`]));
    assert.deepEqual(run.outputs.dashboards, expected);
    assert.equal(run.outputs.dashboard, "loom-dashboard-overview");
    for (const d of DASHBOARDS) {
      const map = ofType(run, CONFIG).find((r) => r.name === `loom-dashboard-${d.id}`) as PlannedResource;
      assert.equal(at(map.inputs, "metadata", "namespace"), "loom-dev");
      assert.equal(at(map.inputs, "metadata", "labels", "grafana_dashboard"), "1");
      assert.deepEqual(at(map.inputs, "metadata", "annotations"), { grafana_folder: "Loom" });
      assert.deepEqual(Object.keys(at(map.inputs, "data")), [`loom-dev-${d.id}.json`]);
      const json = JSON.parse(at(map.inputs, "data", `loom-dev-${d.id}.json`));
      assert.equal(json.uid, stackUid(d.id, "loom-dev"));
      assert.equal(json.title, `${d.title} (loom-dev)`);
      const ns = json.templating.list.find((v: { name: string }) => v.name === "namespace");
      assert.deepEqual(ns.current, { text: "loom-dev", value: "loom-dev" });
      assert.equal(json.panels.length, d.panels.length);
    }
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
    assert.match(rules, /edge-web\|queue-worker/);
    assert.match(rules, /-kv-\[0-9\]\+/);
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

  it("scrapes web through its Service and the worker through its pods, on the metrics path", async () => {
    const run = await build(args("staging", true));
    const sm = at(one(run, SERVICE_MONITOR).inputs, "spec");
    assert.deepEqual(sm.selector, {
      matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "loom-staging" },
    });
    assert.deepEqual(sm.endpoints, [{ port: "http", path: "/metrics", interval: "30s", scheme: "http" }]);
    const pm = at(one(run, POD_MONITOR, "loom-worker-podmonitor").inputs, "spec");
    assert.deepEqual(pm.selector, {
      matchLabels: { "app.kubernetes.io/name": "worker", "app.kubernetes.io/instance": "loom-staging" },
    });
    assert.deepEqual(pm.namespaceSelector, { matchNames: ["loom-staging"] });
  });
});
