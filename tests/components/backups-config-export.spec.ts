/**
 * The configuration part of every backup set: the stack's settings minus secrets (components/backups/config-export.ts),
 * as the program passes it to the job. It holds the allow-listed fields and none of the alert channel credentials,
 * which settings never carries (they are loaded apart from `loom:alertSecrets`).
 */
import assert from "node:assert/strict";
import { CONFIG_FIELDS, stackConfigExport } from "../../components/backups/config-export";
import { parseSettings } from "../../components/settings";

const FAKE_SECRETS = {
  pagerduty: "fakeroutingkey0000",
  webhook: "https://hooks.example.com/loom?token=fake-token-do-not-use",
};

const settings = parseSettings(
  {
    cloud: "aws",
    domain: "loom.example.com",
    image: "ghcr.io/example/loom:1.4.2",
    aws: { hostedZoneId: "Z0EXAMPLE" },
    backup: { image: "ghcr.io/example/loom-backup:0.1.0", tables: ["prompt_library", "users"] },
    alerting: { channels: [{ kind: "email", to: "oncall@example.com" }, { kind: "pagerduty" }, { kind: "webhook" }] },
    alertSecrets: FAKE_SECRETS,
    appEnv: { LOG_LEVEL: "info" },
    appSecrets: ["LLM_API_KEY"],
  },
  { stack: "prod", providerConfig: { "aws:region": "eu-west-1" }, secretKeys: ["loom:alertSecrets"] },
);

describe("backups: the configuration part (settings minus secrets)", () => {
  const text = stackConfigExport(settings);
  const config = JSON.parse(text);

  it("holds exactly the allow-listed settings, in a stable order, with a format tag", () => {
    assert.deepEqual(Object.keys(config), ["format", ...CONFIG_FIELDS]);
    assert.equal(config.format, "loom-stack-config/1");
    assert.equal(config.stack, "prod");
    assert.equal(config.cloud, "aws");
    assert.equal(config.domain, "loom.example.com");
    assert.deepEqual(config.backup, {
      image: "ghcr.io/example/loom-backup:0.1.0",
      tables: ["prompt_library", "users"],
    });
    assert.deepEqual(config.appEnv, { LOG_LEVEL: "info" });
    // App secrets by name only: their values live in the secret store, filled out of band.
    assert.deepEqual(config.appSecrets, ["LLM_API_KEY"]);
    assert.equal(config.profile.backupRetentionDays, settings.profile.backupRetentionDays);
    assert.equal(config.target.region, "eu-west-1");
    assert.equal(stackConfigExport(settings), text, "the same settings give the same text (no plan churn)");
  });

  it("never carries an alert channel credential", () => {
    for (const secret of Object.values(FAKE_SECRETS)) assert.equal(text.includes(secret), false, secret);
    assert.equal("alertSecrets" in config, false);
    assert.equal("alertSecretEntries" in config, false);
  });
});
