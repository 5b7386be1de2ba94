/** The GCP target (components/targets/gcp.ts): provider keys, the DR pairing, the Cloud SQL edition rule. */
import assert from "node:assert/strict";
import { parseSettings, SettingsError } from "../components/settings";
import { GCP_DR_REGIONS, type GcpTarget } from "../components/targets";
import { GCP_REGION } from "../components/targets/gcp-regions";

const PROVIDER = { "gcp:project": "loom-example-prod", "gcp:region": "europe-west1" };
const valid = {
  cloud: "gcp",
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
  backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
};

function gcp(raw: Record<string, unknown> = {}, providerConfig: Record<string, string> = PROVIDER, stack = "prod") {
  const { target } = parseSettings({ ...valid, ...raw }, { stack, providerConfig });
  assert.equal(target.cloud, "gcp");
  return target as GcpTarget;
}

function problemsOf(raw: Record<string, unknown>, providerConfig: Record<string, string> = PROVIDER, stack = "prod") {
  try {
    parseSettings({ ...valid, ...raw }, { stack, providerConfig });
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

describe("targets: gcp", () => {
  it("takes the project and region from the provider keys and the DR region from the pairing", () => {
    assert.deepEqual(gcp(), {
      cloud: "gcp",
      project: "loom-example-prod",
      region: "europe-west1",
      drRegion: "europe-west4",
      databaseEdition: "ENTERPRISE_PLUS",
      natStaticIps: 0,
    });
    assert.equal(gcp({}, { ...PROVIDER, "gcp:region": "us-central1" }).drRegion, "us-east1");
  });

  it("needs both provider keys, and says which is malformed", () => {
    assert.deepEqual(problemsOf({}, {}), [
      "gcp:project is required for loom:cloud gcp, e.g. loom-prod-123456",
      "gcp:region is required for loom:cloud gcp, e.g. europe-west1",
    ]);
    assert.deepEqual(problemsOf({}, { "gcp:project": "Loom_Prod", "gcp:region": "europe-west-1" }), [
      'gcp:project: "Loom_Prod" is not valid, e.g. loom-prod-123456',
      'gcp:region: "europe-west-1" is not valid, e.g. europe-west1',
    ]);
  });

  it("the pairing table pairs known regions with other regions", () => {
    for (const [region, dr] of Object.entries(GCP_DR_REGIONS)) {
      assert.notEqual(dr, region);
      assert.match(region, GCP_REGION);
      assert.match(dr, GCP_REGION);
    }
  });

  it("takes loom:gcp.drRegion, rejects the region itself and needs one for an unpaired region", () => {
    assert.equal(gcp({ gcp: { drRegion: "europe-west3" } }).drRegion, "europe-west3");
    assert.deepEqual(problemsOf({ gcp: { drRegion: "europe-west1" } }), [
      'loom:gcp.drRegion: "europe-west1" is gcp:region itself; disaster-recovery copies must go to another region',
    ]);
    assert.deepEqual(problemsOf({}, { ...PROVIDER, "gcp:region": "me-central2" }), [
      "loom:gcp.drRegion is required: gcp:region me-central2 has no default pairing (components/targets/gcp-regions.ts)",
    ]);
  });

  it("derives the Cloud SQL edition from the PITR window alone (no pooler on GCP)", () => {
    // dev: 1 day and staging: 7 days → ENTERPRISE (custom tiers allowed), though staging asks for a pooler; prod: 14.
    assert.equal(gcp({}, PROVIDER, "dev").databaseEdition, "ENTERPRISE");
    assert.equal(gcp({}, PROVIDER, "staging").databaseEdition, "ENTERPRISE");
    assert.equal(gcp({}, PROVIDER, "prod").databaseEdition, "ENTERPRISE_PLUS");
    assert.equal(gcp({ profile: { backupRetentionDays: 8 } }, PROVIDER, "staging").databaseEdition, "ENTERPRISE_PLUS");
    assert.equal(
      gcp({ profile: { backupRetentionDays: 7, database: { connectionPooler: true } } }, PROVIDER, "staging")
        .databaseEdition,
      "ENTERPRISE",
    );
  });

  it("rejects ENTERPRISE where the profile needs Enterprise Plus, naming both keys", () => {
    assert.deepEqual(problemsOf({ gcp: { databaseEdition: "ENTERPRISE" } }), [
      'loom:gcp.databaseEdition: "ENTERPRISE" keeps at most 7 days of transaction logs, but loom:profile.backupRetentionDays is 14; use ENTERPRISE_PLUS (1–35 days) or lower the retention',
    ]);
    assert.equal(
      gcp({ gcp: { databaseEdition: "ENTERPRISE_PLUS" } }, PROVIDER, "dev").databaseEdition,
      "ENTERPRISE_PLUS",
    );
  });

  it("takes natStaticIps 0 or 2+, and a Cloud DNS zone name", () => {
    assert.equal(gcp({ gcp: { natStaticIps: "2" } }).natStaticIps, 2);
    assert.equal(gcp({ gcp: { dnsZone: "loom-example-com" } }).dnsZone, "loom-example-com");
    const [one] = problemsOf({ gcp: { natStaticIps: 1 } });
    assert.match(one ?? "", /^loom:gcp\.natStaticIps: .*must be 0 \(Google-allocated\) or at least 2/);
    const [zone] = problemsOf({ gcp: { dnsZone: "Loom.Example" } });
    assert.match(zone ?? "", /^loom:gcp\.dnsZone: .*must be a Cloud DNS managed zone name/);
  });

  it("validates another cloud's settings block on a gcp stack, and warns by name that it is not read", () => {
    const settings = parseSettings(
      { ...valid, aws: { hostedZoneId: "Z0EXAMPLE" } },
      { stack: "prod", providerConfig: PROVIDER },
    );
    assert.deepEqual(
      settings.warnings.filter((w) => w.startsWith("loom:aws")),
      ['loom:aws is set but loom:cloud is "gcp": it is not read on this stack (it applies with loom:cloud: aws)'],
    );
    const [p] = problemsOf({ aws: { hostedZoneId: "not a zone" } });
    assert.match(p ?? "", /^loom:aws\.hostedZoneId/);
  });
});
