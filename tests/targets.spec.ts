/** The per-cloud targets (components/targets/): the registry, the AWS target's rules, and the config-key contract. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CLOUDS, IMPLEMENTED_CLOUDS } from "../components/cloud";
import { parseSettings, SCHEMA, SettingsError } from "../components/settings";
import { readRawConfig } from "../components/settings-config";
import { AWS_DR_REGIONS, AWS_ZONES, type AwsTarget, TARGETS } from "../components/targets";
import { loadStackConfig } from "../scripts/lib/plan";

const ROOT = join(__dirname, "..");
const REGION = { "aws:region": "eu-west-1" };
const valid = {
  cloud: "aws",
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
  backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
  aws: { hostedZoneId: "Z0EXAMPLE" },
};

function aws(raw: Record<string, unknown>, providerConfig: Record<string, string> = REGION, stack = "prod"): AwsTarget {
  const { target } = parseSettings({ ...valid, ...raw }, { stack, providerConfig });
  assert.equal(target.cloud, "aws");
  return target as AwsTarget;
}

function problemsOf(raw: Record<string, unknown>, providerConfig: Record<string, string> = REGION, stack = "prod") {
  try {
    parseSettings({ ...valid, ...raw }, { stack, providerConfig });
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

describe("targets", () => {
  describe("registry", () => {
    it("IMPLEMENTED_CLOUDS is the registry's clouds, in CLOUDS order", () => {
      assert.deepEqual(IMPLEMENTED_CLOUDS, ["aws", "gcp", "azure", "digitalocean", "kubernetes"]);
      assert.deepEqual([...IMPLEMENTED_CLOUDS].sort(), Object.keys(TARGETS).sort());
      for (const c of IMPLEMENTED_CLOUDS) assert.ok((CLOUDS as readonly string[]).includes(c));
    });

    it("each entry is keyed by its own cloud and declares its provider keys", () => {
      for (const [cloud, spec] of Object.entries(TARGETS)) assert.equal(spec.cloud, cloud);
      assert.deepEqual(TARGETS.aws.providerKeys, ["aws:region"]);
      assert.deepEqual(TARGETS.kubernetes.providerKeys, []);
    });

    it("the schema has one loom:<cloud> key per implemented cloud and none for the others", () => {
      const keys = Object.keys(SCHEMA.shape);
      for (const c of CLOUDS) assert.equal(keys.includes(c), (IMPLEMENTED_CLOUDS as readonly string[]).includes(c), c);
    });

    it("targets/ imports no Pulumi SDK", () => {
      for (const file of ["index", "spec", "aws", "aws-regions", "kubernetes", "values", "issues"]) {
        const text = readFileSync(join(ROOT, "components/targets", `${file}.ts`), "utf8");
        assert.doesNotMatch(text, /from "@pulumi\//, file);
      }
    });
  });

  describe("aws", () => {
    it("takes every zone of the region from the table and the DR region from the pairing", () => {
      assert.deepEqual(aws({}), {
        cloud: "aws",
        region: "eu-west-1",
        availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        hostedZoneId: "Z0EXAMPLE",
        certificateArn: undefined,
        drRegion: "eu-central-1",
      });
      assert.deepEqual(aws({}, { "aws:region": "ca-central-1" }).availabilityZones, [
        "ca-central-1a",
        "ca-central-1b",
        "ca-central-1d",
      ]);
      assert.equal(aws({}, { "aws:region": "us-east-1" }).drRegion, "us-west-2");
    });

    it("the tables agree: every region has zones and a DR pair that is another known region", () => {
      assert.deepEqual(Object.keys(AWS_DR_REGIONS).sort(), Object.keys(AWS_ZONES).sort());
      for (const [region, dr] of Object.entries(AWS_DR_REGIONS)) {
        assert.notEqual(dr, region);
        assert.ok(AWS_ZONES[dr], `${region} → ${dr}`);
        for (const z of AWS_ZONES[region] ?? []) assert.match(z, new RegExp(`^${region}[a-z]$`));
      }
    });

    it("rejects more profile zones than the region has, naming both keys", () => {
      assert.deepEqual(problemsOf({ profile: { availabilityZones: 4 } }), [
        "loom:profile.availabilityZones: 4 is more than the 3 zones of eu-west-1 (eu-west-1a, eu-west-1b, eu-west-1c); lower it or list more zones in loom:aws.availabilityZones",
      ]);
      assert.equal(
        aws({ profile: { availabilityZones: 4 } }, { "aws:region": "us-east-1" }).availabilityZones.length,
        6,
      );
    });

    it("takes loom:aws.availabilityZones and checks they belong to the region", () => {
      const zones = ["eu-west-1a", "eu-west-1c"];
      assert.deepEqual(
        aws({ aws: { hostedZoneId: "Z0EXAMPLE", availabilityZones: zones } }, REGION, "dev").availabilityZones,
        zones,
      );
      assert.deepEqual(
        problemsOf(
          { aws: { hostedZoneId: "Z0EXAMPLE", availabilityZones: ["eu-west-1a", "us-east-1b"] } },
          REGION,
          "dev",
        ),
        ['loom:aws.availabilityZones[1]: "us-east-1b" is not a zone of aws:region eu-west-1'],
      );
      assert.deepEqual(
        problemsOf({ aws: { hostedZoneId: "Z0EXAMPLE", availabilityZones: ["eu-west-1a", "eu-west-1a"] } }),
        ['loom:aws.availabilityZones[1]: "eu-west-1a" is listed twice; remove the duplicate'],
      );
    });

    it("needs the zones of a region the table does not know", () => {
      assert.deepEqual(problemsOf({}, { "aws:region": "mx-central-1" }), [
        "loom:aws.availabilityZones is required: aws:region mx-central-1 is not in the zone table (components/targets/aws-regions.ts); list the names `aws ec2 describe-availability-zones` prints",
        "loom:aws.drRegion is required: aws:region mx-central-1 has no default pairing (components/targets/aws-regions.ts)",
      ]);
    });

    it("rejects an ACM certificate of another region and accepts one of its own", () => {
      const arn = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/0a1b2c3d`;
      assert.deepEqual(problemsOf({ aws: { certificateArn: arn("us-east-1") } }), [
        `loom:aws.certificateArn: "${arn("us-east-1")}" is in us-east-1, but the load balancer is in aws:region eu-west-1; an ALB can only use an ACM certificate of its own region`,
      ]);
      assert.equal(aws({ aws: { certificateArn: arn("eu-west-1") } }).certificateArn, arn("eu-west-1"));
    });

    it("takes loom:aws.drRegion and rejects the region itself", () => {
      assert.equal(aws({ aws: { hostedZoneId: "Z0EXAMPLE", drRegion: "eu-west-2" } }).drRegion, "eu-west-2");
      assert.deepEqual(problemsOf({ aws: { hostedZoneId: "Z0EXAMPLE", drRegion: "eu-west-1" } }), [
        'loom:aws.drRegion: "eu-west-1" is aws:region itself; disaster-recovery copies must go to another region',
      ]);
      assert.deepEqual(problemsOf({ aws: { hostedZoneId: "Z0EXAMPLE", drRegion: "Frankfurt" } }), [
        'loom:aws.drRegion: "Frankfurt" must be an AWS region name such as eu-central-1',
      ]);
    });

    it("rejects a malformed aws:region", () => {
      assert.deepEqual(problemsOf({}, { "aws:region": "Ireland" }), [
        'aws:region: "Ireland" is not an AWS region name such as eu-west-1',
      ]);
    });
  });

  describe("config keys: Pulumi.yaml = the schema = docs/config.md", () => {
    const schemaKeys = Object.keys(SCHEMA.shape).sort();

    it("Pulumi.yaml declares exactly the schema's keys", () => {
      const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
      assert.deepEqual(Object.keys(project.config).sort(), schemaKeys);
    });

    it("docs/config.md has one row per key in its Keys table", () => {
      const doc = readFileSync(join(ROOT, "docs/config.md"), "utf8");
      const section = doc.slice(doc.indexOf("## Keys"), doc.indexOf("\n### ", doc.indexOf("## Keys")));
      const rows = [...section.matchAll(/^\| `loom:([A-Za-z]+)` \|/gm)].map((m) => m[1]);
      assert.deepEqual([...rows].sort(), schemaKeys);
    });

    it("every stack file sets only schema keys (or provider keys a target reads)", () => {
      const providerKeys = new Set(Object.values(TARGETS).flatMap((t) => [...t.providerKeys]));
      for (const stack of ["dev", "staging", "prod", "local"]) {
        const file = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
          config: Record<string, unknown>;
        };
        for (const key of Object.keys(file.config)) {
          const ok = key.startsWith("loom:") ? schemaKeys.includes(key.slice(5)) : providerKeys.has(key);
          assert.ok(ok, `Pulumi.${stack}.yaml: ${key}`);
        }
      }
    });
  });
});

describe("the stack files", () => {
  /**
   * The stack's config as the engine hands it to the program: Pulumi.yaml defaults, then the stack file, as strings,
   * `secure:` values decrypted (the plan's fakes) and listed as secret keys.
   */
  const settingsOf = (stack: string) => {
    const { config, secretKeys } = loadStackConfig(stack, ROOT);
    return parseSettings(readRawConfig(config), { stack, providerConfig: config, secretKeys });
  };

  for (const stack of ["dev", "staging", "prod", "local"]) {
    it(`Pulumi.${stack}.yaml parses`, () => assert.equal(settingsOf(stack).stack, stack));
  }

  it("local (environment prod) keeps the namespace loom-prod its real-engine state has", () => {
    const s = settingsOf("local");
    assert.equal(s.environment, "prod");
    assert.equal(s.target.cloud === "kubernetes" && s.target.namespace, "loom-prod");
  });

  it("rejects the old providerConfig shape loudly (a caller bug)", () => {
    assert.throws(() => parseSettings(valid, { stack: "prod", providerConfig: { awsRegion: "eu-west-1" } }), {
      message: "parseSettings: providerConfig keys are full config keys such as aws:region, got awsRegion",
    });
  });
});
