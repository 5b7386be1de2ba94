/**
 * policy/config/{dev,staging,prod}.json: valid for the pack (as the CLI checks them), only known rule names,
 * production detected by config (not names), thresholds in step with the profiles.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ENVIRONMENTS, PROFILES } from "../../components/profiles";
import { policies } from "../../policy/policies";
import { levelOf, readPackConfig } from "../../scripts/lib/policy-runner";

const file = (env: string) => path.join(__dirname, "..", "..", "policy", "config", `${env}.json`);
const BEYOND_THE_FOUR = [
  "database-not-public",
  "no-open-ingress",
  "deletion-protection",
  "backup-retention",
  "container-hardening",
];
const ENV_GATED = ["cloud-run-ingress-via-lb", "log-group-kms", "deletion-protection"];

describe("policy/config", () => {
  it("ships exactly dev, staging and prod", () => {
    assert.deepEqual(fs.readdirSync(path.dirname(file("x"))).sort(), ["dev.json", "prod.json", "staging.json"]);
  });

  for (const env of ENVIRONMENTS) {
    describe(`${env}.json`, () => {
      const config = readPackConfig(file(env), policies);

      it("names only rules of the pack", () => {
        const names = policies.map((p) => p.name);
        for (const key of Object.keys(config)) assert.ok(key === "all" || names.includes(key), `unknown rule ${key}`);
      });

      it(`tells every environment-aware rule it is ${env}`, () => {
        for (const rule of ENV_GATED) {
          assert.equal((config[rule] as { environment?: string }).environment, env, rule);
        }
      });

      it("keeps the backup minimums in step with the profile", () => {
        const b = config["backup-retention"] as { minRetentionDays: number; minCacheSnapshotDays: number };
        assert.equal(b.minRetentionDays, PROFILES[env].backupRetentionDays);
        assert.equal(b.minCacheSnapshotDays, PROFILES[env].cache.snapshotRetentionDays);
      });

      it(`makes the beyond-the-four rules ${env === "prod" ? "mandatory" : "advisory"} and keeps the four core concerns mandatory`, () => {
        for (const p of policies) {
          const level = levelOf(p, config);
          if (BEYOND_THE_FOUR.includes(p.name)) assert.equal(level, env === "prod" ? "mandatory" : "advisory", p.name);
          else if (["cloud-run-ingress-via-lb", "log-group-kms"].includes(p.name))
            assert.equal(level, "advisory", p.name);
          else assert.equal(level, "mandatory", p.name);
        }
      });
    });
  }

  it("rejects an invalid config the way the CLI does", () => {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "loom-policy-")), "bad.json");
    fs.writeFileSync(tmp, JSON.stringify({ "min-tls-version": { minTlsVersion: "1.1" }, "no-open-ingress": "strict" }));
    assert.throws(
      () => readPackConfig(tmp, policies),
      (e: Error) => {
        assert.match(e.message, /^policy pack configuration is invalid:/);
        assert.match(e.message, /no-open-ingress: "strict" is not a valid enforcement level/);
        assert.match(e.message, /min-tls-version: minTlsVersion: must be one of "1\.2", "1\.3"/);
        return true;
      },
    );
  });
});
