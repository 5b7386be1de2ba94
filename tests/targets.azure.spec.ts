/** The Azure target (components/targets/azure.ts): the location key, the pair as DR location, the migrate runner. */
import assert from "node:assert/strict";
import { parseSettings, SettingsError } from "../components/settings";
import { AZURE_PAIRS, type AzureTarget } from "../components/targets";
import { AZURE_LOCATION } from "../components/targets/azure-regions";

const PROVIDER = { "azure-native:location": "westeurope" };
const valid = {
  cloud: "azure",
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
  backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
};

function azure(raw: Record<string, unknown> = {}, providerConfig: Record<string, string> = PROVIDER) {
  const { target } = parseSettings({ ...valid, ...raw }, { stack: "prod", providerConfig });
  assert.equal(target.cloud, "azure");
  return target as AzureTarget;
}

function problemsOf(raw: Record<string, unknown>, providerConfig: Record<string, string> = PROVIDER) {
  try {
    parseSettings({ ...valid, ...raw }, { stack: "prod", providerConfig });
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

describe("targets: azure", () => {
  it("takes the location from the provider key, the DR location from Azure's pair, migrate as a job", () => {
    assert.deepEqual(azure(), {
      cloud: "azure",
      location: "westeurope",
      drLocation: "northeurope",
      migrateRunner: "job",
    });
    assert.equal(azure({}, { "azure-native:location": "eastus2" }).drLocation, "centralus");
  });

  it("needs azure-native:location and says when it is malformed", () => {
    assert.deepEqual(problemsOf({}, {}), ["azure-native:location is required for loom:cloud azure, e.g. westeurope"]);
    assert.deepEqual(problemsOf({}, { "azure-native:location": "West Europe" }), [
      'azure-native:location: "West Europe" is not an Azure location name such as westeurope',
    ]);
  });

  it("pairs known locations with other locations", () => {
    for (const [location, pair] of Object.entries(AZURE_PAIRS)) {
      assert.notEqual(pair, location);
      assert.match(location, AZURE_LOCATION);
      assert.match(pair, AZURE_LOCATION);
    }
  });

  it("takes loom:azure.drLocation, rejects the location itself and needs one for an unpaired location", () => {
    assert.equal(azure({ azure: { drLocation: "swedencentral" } }).drLocation, "swedencentral");
    assert.deepEqual(problemsOf({ azure: { drLocation: "westeurope" } }), [
      'loom:azure.drLocation: "westeurope" is azure-native:location itself; disaster-recovery copies must go to another region',
    ]);
    assert.deepEqual(problemsOf({}, { "azure-native:location": "polandcentral" }), [
      "loom:azure.drLocation is required: azure-native:location polandcentral has no pair in components/targets/azure-regions.ts",
    ]);
  });

  it("takes the migrate runner, a DNS zone, a Key Vault certificate id, a vault name and an Entra group", () => {
    const t = azure({
      azure: {
        migrateRunner: "aci",
        dnsZone: { resourceGroup: "dns", name: "example.com" },
        certificateSecretId: "https://kv-loom.vault.azure.net/secrets/loom-example-com",
        keyVaultName: "kv-loom-prod",
        databaseAdminGroupId: "0a1b2c3d-0000-4000-8000-000000000001",
      },
    });
    assert.equal(t.migrateRunner, "aci");
    assert.deepEqual(t.dnsZone, { resourceGroup: "dns", name: "example.com" });
    assert.equal(t.keyVaultName, "kv-loom-prod");
    const [runner] = problemsOf({ azure: { migrateRunner: "vm" } });
    assert.match(runner ?? "", /^loom:azure\.migrateRunner: /);
    const [cert] = problemsOf({ azure: { certificateSecretId: "https://kv.example.com/cert" } });
    assert.match(cert ?? "", /must be a versionless Key Vault secret id/);
    const [group] = problemsOf({ azure: { databaseAdminGroupId: "dba-team" } });
    assert.match(group ?? "", /must be an Entra object id \(a GUID\)/);
  });
});
