/** `loom:alerting` + `loom:alertSecrets`: channel resolution, routing, and the credential rules (never shown). */
import assert from "node:assert/strict";
import { parseSettings, SettingsError } from "../../components/settings";

const AWS = { "aws:region": "eu-west-1" };
const SECRET_KEYS = ["loom:alertSecrets"];
const base = {
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  aws: { hostedZoneId: "Z0EXAMPLE" },
  backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
};
const FAKE = {
  slack: "https://hooks.slack.example.com/services/fake",
  pagerduty: "fakeroutingkey0000",
  webhook: "https://hooks.example.com/loom?token=fake",
};
const ALL_FOUR = [
  { kind: "email", to: "oncall@example.com" },
  { kind: "slack", channel: "#loom-alerts", workspaceId: "T0EXAMPLE1", channelId: "C0EXAMPLE1" },
  { kind: "pagerduty" },
  { kind: "webhook" },
];

function settings(cloud: "aws" | "kubernetes", raw: Record<string, unknown>, secretKeys = SECRET_KEYS, stack = "prod") {
  return parseSettings(
    { ...base, cloud, ...(cloud === "aws" ? {} : { aws: undefined }), ...raw },
    {
      stack,
      providerConfig: cloud === "aws" ? AWS : {},
      secretKeys,
    },
  );
}

function problems(cloud: "aws" | "kubernetes", raw: Record<string, unknown>, secretKeys = SECRET_KEYS): string[] {
  try {
    settings(cloud, raw, secretKeys);
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

describe("alert channels (loom:alerting)", () => {
  it("resolves all four channels with names, secret entries and the default routing", () => {
    const s = settings("aws", { alerting: { channels: ALL_FOUR }, alertSecrets: FAKE });
    assert.deepEqual(s.alerting, {
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
      routes: { critical: ["slack", "pagerduty", "webhook"], warning: ["email", "slack", "webhook"] },
    });
    // AWS reaches Slack through Chatbot: its webhook URL is not read.
    assert.deepEqual(s.alertSecretEntries, ["pagerduty", "webhook"]);
    assert.deepEqual(s.warnings, []);
  });

  it("on Kubernetes reads the Slack webhook secret too, and warns that the Chatbot ids do not apply", () => {
    const s = settings("kubernetes", { alerting: { channels: ALL_FOUR }, alertSecrets: FAKE });
    assert.deepEqual(s.alertSecretEntries, ["slack", "pagerduty", "webhook"]);
    assert.deepEqual(s.warnings, [
      "loom:alerting.channels[1].workspaceId does not apply on kubernetes: Slack is reached through its incoming webhook",
      "loom:alerting.channels[1].channelId does not apply on kubernetes: Slack is reached through its incoming webhook",
    ]);
  });

  it("an explicit routing is taken as written; a default routing nobody matches falls back to every channel", () => {
    const routed = settings("aws", {
      alerting: { channels: ALL_FOUR, routing: { critical: ["pagerduty"], warning: ["email"] } },
      alertSecrets: FAKE,
    });
    assert.deepEqual(routed.alerting.routes, { critical: ["pagerduty"], warning: ["email"] });
    const emailOnly = settings("aws", { alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] } });
    assert.deepEqual(emailOnly.alerting.routes, { critical: ["email"], warning: ["email"] });
    assert.deepEqual(emailOnly.alertSecretEntries, []);
  });

  it("two channels of a kind need their own names (and secret entries)", () => {
    const s = settings("kubernetes", {
      alerting: {
        channels: [
          { kind: "slack", name: "pages", channel: "#loom-pages" },
          { kind: "slack", name: "chat", channel: "#loom-alerts", secret: "chat-webhook" },
        ],
      },
      alertSecrets: { pages: FAKE.slack, "chat-webhook": FAKE.slack },
    });
    assert.deepEqual(
      s.alerting.channels.map((c) => [c.name, "secret" in c ? c.secret : undefined]),
      [
        ["pages", "pages"],
        ["chat", "chat-webhook"],
      ],
    );
    assert.deepEqual(
      problems("kubernetes", {
        alerting: {
          channels: [
            { kind: "email", to: "a@example.com" },
            { kind: "email", to: "b@example.com" },
          ],
        },
      }),
      ['loom:alerting.channels[1].name: "email" is used twice; give each channel its own name'],
    );
  });

  describe("fails before any resource exists, naming the key and never showing a credential", () => {
    const cases: [string, "aws" | "kubernetes", Record<string, unknown>, string[], string[]?][] = [
      [
        "alerting on, no channel",
        "aws",
        {},
        [
          `loom:alerting.channels: alerting is on (the profile's alerting) but no channel is configured; add at least one of email, slack, pagerduty, webhook, e.g. [{"kind":"email","to":"oncall@example.com"}]`,
        ],
      ],
      [
        "a missing secret entry",
        "aws",
        { alerting: { channels: [{ kind: "pagerduty" }] } },
        [
          "loom:alerting.channels[0].secret: loom:alertSecrets.pagerduty is not set; set it with `pulumi config set --secret --path loom:alertSecrets.pagerduty <value>`",
        ],
      ],
      [
        "secrets stored in plain text",
        "aws",
        { alerting: { channels: [{ kind: "pagerduty" }] }, alertSecrets: { pagerduty: "fakekeyinclear" } },
        [
          "loom:alerting.channels[0].secret: loom:alertSecrets is stored in plain text; it holds credentials, store it with `pulumi config set --secret --path loom:alertSecrets.pagerduty <value>`",
        ],
        [],
      ],
      [
        "a webhook that is not https",
        "kubernetes",
        { alerting: { channels: [{ kind: "webhook" }] }, alertSecrets: { webhook: "http://hooks.example.com/fake" } },
        [
          "loom:alerting.channels[0].secret: loom:alertSecrets.webhook must be an https:// URL (TLS only; the value is not shown)",
        ],
      ],
      [
        "a PagerDuty key that is not an integration key",
        "aws",
        { alerting: { channels: [{ kind: "pagerduty" }] }, alertSecrets: { pagerduty: "fake/key?x=1" } },
        [
          "loom:alerting.channels[0].secret: loom:alertSecrets.pagerduty must be a PagerDuty integration key: letters and digits only (the value is not shown)",
        ],
      ],
      [
        "Slack on AWS without the Chatbot ids",
        "aws",
        { alerting: { channels: [{ kind: "slack", channel: "#loom-alerts" }] } },
        [
          "loom:alerting.channels[0].workspaceId is required on aws: Slack is reached through AWS Chatbot, which needs the workspace and channel ids (docs/alerting.md#slack)",
          "loom:alerting.channels[0].channelId is required on aws: Slack is reached through AWS Chatbot, which needs the workspace and channel ids (docs/alerting.md#slack)",
        ],
      ],
      [
        "an explicit routing that reaches no channel",
        "aws",
        { alerting: { channels: [{ kind: "email", to: "oncall@example.com" }], routing: { critical: ["pagerduty"] } } },
        [
          'loom:alerting.routing.critical: ["pagerduty"] reaches none of the configured channels (email); every severity must reach at least one',
        ],
      ],
      [
        "an unknown channel kind",
        "aws",
        { alerting: { channels: [{ kind: "teams" }] } },
        ['loom:alerting.channels[0].kind: "teams" is not allowed; must be one of email, slack, pagerduty, webhook'],
      ],
    ];
    for (const [title, cloud, raw, expected, secretKeys] of cases) {
      it(title, () => {
        const got = problems(cloud, raw, secretKeys ?? SECRET_KEYS);
        assert.deepEqual(got, expected);
        for (const p of got) for (const v of [...Object.values(FAKE), "fakekeyinclear"]) assert.ok(!p.includes(v));
      });
    }
  });

  it("dev (alerting off) ignores missing secrets and warns that listed channels notify nobody", () => {
    const s = settings("aws", { alerting: { channels: [{ kind: "pagerduty" }] }, backup: undefined }, [], "dev");
    assert.deepEqual(s.alertSecretEntries, []);
    assert.deepEqual(s.warnings, [
      "loom:alerting.channels is set but the profile's alerting is off: no alert is created, nobody is notified",
    ]);
  });

  it("loom:observability: runbook base URL and redaction, defaults applied", () => {
    const s = settings("aws", {
      alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
      observability: { runbookBaseUrl: "https://docs.example.com/loom/", redact: { ips: "false" } },
    });
    assert.deepEqual(s.observability, {
      runbookBaseUrl: "https://docs.example.com/loom/",
      redaction: { emails: true, tokens: true, ips: false },
    });
    assert.deepEqual(
      problems("aws", {
        alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
        observability: { runbookBaseUrl: "http://docs.example.com" },
      }),
      [
        'loom:observability.runbookBaseUrl: "http://docs.example.com" must be an https:// URL such as https://github.com/acme/loom-infra/blob/main/',
      ],
    );
  });
});
