/**
 * One routing plan, two renderings: the exported alertmanager.yml (secrets as files) and the Kubernetes
 * AlertmanagerConfig (secrets as SecretKeySelectors) route, group and inhibit identically. Pure, no mocks.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  alertmanagerConfig,
  defaultRoutes,
  EXAMPLE_CHANNELS,
  EXAMPLE_SETTINGS,
  matcherText,
  routingPlan,
} from "../../components/observability/catalog/alertmanager";
import type { AlertingSettings } from "../../components/observability/channels";
import { alertmanagerConfigSpec, channelSecretKeys } from "../../components/observability/k8s-alertmanager";

const AMTOOL = path.join(process.env.LOOM_OBS_CACHE ?? path.join(os.homedir(), ".cache", "loom-obs"), "bin", "amtool");
const EXPORTED = path.resolve(__dirname, "../../observability/alertmanager/alertmanager.yml");

type CrdMatcher = { name: string; value: string; matchType: "=" | "=~" };
const text = (m: CrdMatcher) => matcherText({ name: m.name, op: m.matchType, value: m.value });

describe("alertmanager routing", () => {
  it("routes by default critical → PagerDuty, Slack, webhook and warning → Slack, e-mail, webhook", () => {
    assert.deepEqual(defaultRoutes(EXAMPLE_CHANNELS), {
      critical: ["slack", "pagerduty", "webhook"],
      warning: ["email", "slack", "webhook"],
    });
  });

  it("renders the same routes, grouping and inhibition as a file and as an AlertmanagerConfig", () => {
    const file = alertmanagerConfig(EXAMPLE_SETTINGS) as {
      route: { receiver: string; group_by: string[]; routes: { receiver: string; matchers: string[] }[] };
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
      receivers: { name: string }[];
    };
    const crd = alertmanagerConfigSpec(EXAMPLE_SETTINGS, "s") as {
      route: { receiver: string; groupBy: string[]; routes: { receiver: string; matchers: CrdMatcher[] }[] };
      inhibitRules: { sourceMatch: CrdMatcher[]; targetMatch: CrdMatcher[]; equal: string[] }[];
      receivers: { name: string }[];
    };
    assert.equal(file.route.receiver, crd.route.receiver);
    assert.deepEqual(file.route.group_by, crd.route.groupBy);
    assert.deepEqual(
      file.route.routes,
      crd.route.routes.map((r) => ({ receiver: r.receiver, matchers: r.matchers.map(text), continue: true })),
    );
    assert.deepEqual(
      file.inhibit_rules,
      crd.inhibitRules.map((r) => ({
        source_matchers: r.sourceMatch.map(text),
        target_matchers: r.targetMatch.map(text),
        equal: r.equal,
      })),
    );
    assert.deepEqual(
      file.receivers.map((r) => r.name),
      crd.receivers.map((r) => r.name),
    );
  });

  it("gives an unrouted channel no receiver and no Secret key; the root receiver is the first warning channel", () => {
    const a: AlertingSettings = {
      channels: [
        { kind: "email", name: "email", to: "oncall@example.com" },
        { kind: "slack", name: "slack", channel: "#loom", secret: "slack" },
        { kind: "pagerduty", name: "pagerduty", secret: "pagerduty" },
      ],
      routes: { critical: ["pagerduty"], warning: ["email"] },
    };
    const plan = routingPlan(a);
    assert.deepEqual(
      plan.receivers.map((c) => c.name),
      ["email", "pagerduty"],
    );
    assert.equal(plan.receiver, "email");
    assert.deepEqual(channelSecretKeys(a), ["pagerduty"]);
  });

  it("refuses a severity that reaches no channel and a route to an unknown channel", () => {
    const email = [{ kind: "email" as const, name: "email", to: "oncall@example.com" }];
    assert.throws(() => routingPlan({ channels: email, routes: { critical: [], warning: ["email"] } }), /critical/);
    assert.throws(
      () => routingPlan({ channels: email, routes: { critical: ["pager"], warning: ["email"] } }),
      /unknown pager/,
    );
  });

  it("amtool routes each severity of the exported file to its channels (when scripts/observability-check.sh cached amtool)", function () {
    if (!fs.existsSync(AMTOOL)) this.skip();
    const routed = (labels: string[]) =>
      execFileSync(AMTOOL, ["config", "routes", "test", "--config.file", EXPORTED, ...labels], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    for (const severity of ["critical", "warning"] as const) {
      assert.equal(
        routed([`severity=${severity}`, "loom_alert=high-error-rate", "namespace=loom-prod"]),
        EXAMPLE_SETTINGS.routes[severity].join(","),
      );
    }
  });
});
