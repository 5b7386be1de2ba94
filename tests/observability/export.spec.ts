/**
 * The committed files under observability/ are exactly what scripts/observability-export.ts generates (regenerated
 * in memory), the promtool tests cover every alert both ways, and the Alertmanager configuration routes, groups
 * and inhibits as issue 9 asks, with secrets only as file paths.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { alertmanagerConfig } from "../../components/observability/catalog/alertmanager";
import { ALERTS } from "../../components/observability/catalog/alerts";
import { alertName } from "../../components/observability/catalog/rules";
import { exportFiles, staleFiles } from "../../scripts/observability-export";

type Route = { receiver: string; matchers?: string[]; continue?: boolean };

describe("observability export", () => {
  const files = exportFiles();

  it("the committed files are not stale (npm run observability:export regenerates them)", () => {
    assert.deepEqual(staleFiles(), []);
  });

  it("writes rules, scrape config, one promtool test per alert, alertmanager.yml and seven dashboards", () => {
    const names = [...files.keys()];
    assert.ok(names.includes("observability/prometheus/rules.yml"));
    assert.ok(names.includes("observability/prometheus/scrape.yml"));
    assert.ok(names.includes("observability/alertmanager/alertmanager.yml"));
    assert.equal(names.filter((n) => n.startsWith("observability/grafana/")).length, 7);
    for (const a of ALERTS) assert.ok(names.includes(`observability/prometheus/tests/${a.id}.yml`), a.id);
  });

  it("every alert has a promtool case that fires and cases that stay silent (healthy and just below)", () => {
    for (const a of ALERTS) {
      const doc = parse(files.get(`observability/prometheus/tests/${a.id}.yml`) ?? "");
      assert.deepEqual(doc.rule_files, ["../rules.yml"]);
      const expr = `count(ALERTS{alertname="${alertName(a.id)}",alertstate="firing"})`;
      const cases = doc.tests.map(
        (t: { name: string; promql_expr_test: { expr: string; exp_samples: unknown[] }[] }) => {
          assert.equal(t.promql_expr_test[0].expr, expr, t.name);
          return { name: t.name, firing: t.promql_expr_test[0].exp_samples.length === 1 };
        },
      );
      assert.ok(
        cases.some((c: { firing: boolean }) => c.firing),
        `${a.id}: no firing case`,
      );
      assert.ok(
        cases.some((c: { name: string; firing: boolean }) => !c.firing && /healthy/.test(c.name)),
        a.id,
      );
      assert.ok(
        cases.some((c: { name: string; firing: boolean }) => !c.firing && /just below/.test(c.name)),
        a.id,
      );
    }
  });

  describe("alertmanager.yml", () => {
    const config = alertmanagerConfig() as {
      route: { receiver: string; group_by: string[]; routes: Route[] };
      receivers: Record<string, unknown>[];
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    const receiversFor = (severity: string) =>
      config.route.routes
        .filter((r) => !r.matchers || r.matchers.includes(`severity="${severity}"`))
        .map((r) => r.receiver);

    it("has the four receivers", () => {
      const kinds = config.receivers.map((r) => Object.keys(r).find((k) => k.endsWith("_configs")));
      assert.deepEqual(kinds.sort(), ["email_configs", "pagerduty_configs", "slack_configs", "webhook_configs"]);
    });

    it("routes critical to PagerDuty and Slack, warning to Slack and e-mail (and everything to the webhook)", () => {
      assert.deepEqual(receiversFor("critical").sort(), ["pagerduty", "slack", "webhook"]);
      assert.deepEqual(receiversFor("warning").sort(), ["email", "slack", "webhook"]);
      assert.ok(config.route.routes.every((r) => r.continue === true));
    });

    it("groups by loom_alert and lets critical silence the same warning", () => {
      assert.ok(config.route.group_by.includes("loom_alert"));
      const [same] = config.inhibit_rules;
      assert.deepEqual(same.source_matchers, ['severity="critical"']);
      assert.deepEqual(same.target_matchers, ['severity="warning"']);
      assert.ok(same.equal.includes("loom_alert"));
    });

    it("holds secrets only as file paths", () => {
      const text = JSON.stringify(config);
      for (const key of ["api_url", "routing_key", "service_key", "auth_password", "credentials"]) {
        assert.ok(!text.includes(`"${key}"`), `${key} given as a value`);
      }
      for (const m of text.matchAll(/"([a-z_]+_file)":"([^"]+)"/g))
        assert.match(m[2], /^\/etc\/alertmanager\/secrets\//);
    });

    it("refuses an empty channel list", () => {
      assert.throws(
        () => alertmanagerConfig({ channels: [], routes: { critical: [], warning: [] } }),
        /at least one channel/,
      );
    });
  });
});
