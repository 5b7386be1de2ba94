import assert from "node:assert/strict";
import { ENVIRONMENTS, PROFILES } from "../components/profiles";
import { imagePinProblem, parseSettings, readRawConfig, SettingsError } from "../components/settings";

const AWS = { awsRegion: "eu-west-1" };
const valid = {
  cloud: "aws",
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  alertEmail: "oncall@example.com",
  aws: { hostedZoneId: "Z0EXAMPLE" },
};

function problemsOf(raw: Record<string, unknown>, stack = "prod", providerConfig = AWS): string[] {
  try {
    parseSettings(raw, { stack, providerConfig });
  } catch (e) {
    assert.ok(e instanceof SettingsError, `expected SettingsError, got ${e}`);
    return e.problems;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("settings", () => {
  describe("rejects bad input before any resource exists, naming key, value and what is allowed", () => {
    const table: [string, Record<string, unknown>, string][] = [
      [
        "unknown cloud",
        { ...valid, cloud: "asw" },
        'loom:cloud: "asw" is not one of aws, gcp, azure, digitalocean, kubernetes',
      ],
      ["cloud not implemented", { ...valid, cloud: "gcp", aws: undefined }, 'loom:cloud "gcp" is not implemented yet'],
      ["missing cloud", { ...valid, cloud: undefined }, "loom:cloud is required; one of aws, gcp"],
      [
        "environment outside the profiles",
        { ...valid, environment: "qa" },
        'loom:environment: "qa" is not one of dev, staging, prod',
      ],
      [
        "image tagged latest",
        { ...valid, image: "ghcr.io/example/loom:latest" },
        'loom:image: "ghcr.io/example/loom:latest" must be pinned: `latest` moves under you',
      ],
      [
        "image without tag",
        { ...valid, image: "ghcr.io/example/loom" },
        'loom:image: "ghcr.io/example/loom" must be pinned',
      ],
      [
        "short digest",
        { ...valid, image: "ghcr.io/example/loom@sha256:abc" },
        "a digest must be @sha256:<64 hex digits>",
      ],
      [
        "domain with upper case",
        { ...valid, domain: "Loom.Example.com" },
        'loom:domain: "Loom.Example.com" must be a lower-case DNS name',
      ],
      [
        "CIDR with host bits",
        { ...valid, ingressCidrs: ["10.0.0.1/8"] },
        'loom:ingressCidrs[0]: "10.0.0.1/8" has host bits set',
      ],
      ["not a CIDR", { ...valid, ingressCidrs: ["office"] }, 'loom:ingressCidrs[0]: "office" must be an IPv4 CIDR'],
      ["empty CIDR list", { ...valid, ingressCidrs: [] }, "loom:ingressCidrs: [] is too small; needs at least 1"],
      ["bad e-mail", { ...valid, alertEmail: "oncall" }, 'loom:alertEmail: "oncall" must be an e-mail address'],
      [
        "typo in a profile key",
        { ...valid, profile: { backupRetentionDay: 30 } },
        "loom:profile.backupRetentionDay is not a known key; did you mean loom:profile.backupRetentionDays?",
      ],
      ["unknown top-level key", { ...valid, colud: "aws" }, "loom:colud is not a known key; did you mean loom:cloud?"],
      [
        "retention CloudWatch cannot keep",
        { ...valid, profile: { logRetentionDays: 8 } },
        "loom:profile.logRetentionDays: 8 is not allowed; must be one of 1, 3, 5, 7, 14",
      ],
      [
        "retention over RDS maximum",
        { ...valid, profile: { backupRetentionDays: 36 } },
        "loom:profile.backupRetentionDays: 36 is too large; maximum is 35",
      ],
      [
        "prod retention under 14 days",
        { ...valid, profile: { backupRetentionDays: 7 } },
        "loom:profile.backupRetentionDays: 7 is too small for prod; minimum is 14",
      ],
      [
        "wrong type",
        { ...valid, profile: { autoscaling: "yes" } },
        'loom:profile.autoscaling: "yes" must be a boolean',
      ],
      [
        "min above max",
        { ...valid, profile: { web: { minReplicas: 5, maxReplicas: 2 } } },
        "loom:profile.web.minReplicas: 5 is larger than loom:profile.web.maxReplicas (2)",
      ],
      [
        "PostgreSQL older than 16",
        { ...valid, profile: { database: { engineVersion: "15" } } },
        'loom:profile.database.engineVersion: "15" must be PostgreSQL 16 or newer',
      ],
      [
        "storage ceiling below storage",
        { ...valid, profile: { database: { storageGiB: 200, maxStorageGiB: 100 } } },
        "loom:profile.database.maxStorageGiB: 100 is smaller than loom:profile.database.storageGiB (200)",
      ],
      [
        "cache HA with one node",
        { ...valid, profile: { cache: { nodes: 1 } } },
        "loom:profile.cache.nodes: 1 is too small for profile.cache.highAvailability; needs at least 2",
      ],
      [
        "alerting without a recipient",
        { ...valid, alertEmail: undefined },
        "loom:alertEmail is required when alerting is on (the prod profile",
      ],
      [
        "credential in plain env",
        { ...valid, appEnv: { OPENAI_API_KEY: "sk-fake" } },
        "loom:appEnv.OPENAI_API_KEY looks like a credential; list it in loom:appSecrets",
      ],
      [
        "AWS without a certificate source",
        { ...valid, aws: {} },
        "loom:aws.certificateArn is required when loom:aws.hostedZoneId is not set",
      ],
      [
        "malformed certificate ARN",
        { ...valid, aws: { certificateArn: "arn:nope" } },
        'loom:aws.certificateArn: "arn:nope" must be an ACM certificate ARN',
      ],
      [
        "VPC too small",
        { ...valid, aws: { hostedZoneId: "Z0EXAMPLE", vpcCidr: "10.0.0.0/24" } },
        'loom:aws.vpcCidr: "10.0.0.0/24" must be a /16 to /20 network',
      ],
      [
        "kubernetes: render mode with a kubeconfig",
        {
          ...valid,
          cloud: "kubernetes",
          aws: undefined,
          kubernetes: { renderDir: "rendered", kubeconfig: "/tmp/kubeconfig" },
        },
        "loom:kubernetes.kubeconfig cannot be set with loom:kubernetes.renderDir (render mode writes manifests and talks to no cluster)",
      ],
      [
        "kubernetes: render mode with a context",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { renderDir: "rendered", context: "prod" } },
        "loom:kubernetes.context cannot be set with loom:kubernetes.renderDir",
      ],
      [
        "kubernetes: namespace that is not a DNS label",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { namespace: "Loom_Prod" } },
        'loom:kubernetes.namespace: "Loom_Prod" must be a DNS-1123 label',
      ],
      [
        "kubernetes: typo in a key",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { ingresClass: "nginx" } },
        "loom:kubernetes.ingresClass is not a known key; did you mean loom:kubernetes.ingressClass?",
      ],
      [
        "kubernetes: unknown mesh",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { mesh: "consul" } },
        'loom:kubernetes.mesh: "consul" is not one of none, linkerd, istio',
      ],
      [
        "kubernetes: unknown ACME server",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { acmeServer: "prod" } },
        'loom:kubernetes.acmeServer: "prod" is not one of production, staging',
      ],
      [
        "kubernetes: installOperators not a boolean",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { installOperators: "yes" } },
        'loom:kubernetes.installOperators: "yes" must be a boolean',
      ],
      [
        "kubernetes: cluster ranges that exclude the internet",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { clusterCidrs: ["0.0.0.0/0"] } },
        'loom:kubernetes.clusterCidrs[0]: "0.0.0.0/0" would exclude the whole internet from the egress rule',
      ],
      [
        "kubernetes: DNS-01 solver without its token Secret",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { acmeSolver: "dns01-cloudflare" } },
        'loom:kubernetes.acmeDnsSecret is required when loom:kubernetes.acmeSolver is "dns01-cloudflare"',
      ],
      [
        "kubernetes: ACME settings with an existing ClusterIssuer",
        {
          ...valid,
          cloud: "kubernetes",
          aws: undefined,
          kubernetes: { clusterIssuer: "corp-acme", acmeEmail: "a@example.com" },
        },
        "loom:kubernetes.acmeEmail configures the ClusterIssuer the program creates, but loom:kubernetes.clusterIssuer names an existing one",
      ],
      [
        "kubernetes: backup store without a bucket",
        { ...valid, cloud: "kubernetes", aws: undefined, kubernetes: { backup: { credentialsSecret: "loom-s3" } } },
        "loom:kubernetes.backup.bucket is required when loom:kubernetes.backup is set",
      ],
      [
        "kubernetes: backup endpoint without TLS",
        {
          ...valid,
          cloud: "kubernetes",
          aws: undefined,
          kubernetes: {
            backup: { bucket: "loom-backups", credentialsSecret: "loom-s3", endpoint: "http://minio:9000" },
          },
        },
        'loom:kubernetes.backup.endpoint: "http://minio:9000" must be an https:// URL',
      ],
      [
        "kubernetes settings on an AWS stack",
        { ...valid, kubernetes: { namespace: "loom" } },
        'loom:kubernetes is set but loom:cloud is "aws"; remove it or set loom:cloud: kubernetes',
      ],
    ];
    for (const [what, raw, expected] of table) {
      it(what, () => {
        const problems = problemsOf(raw);
        assert.ok(
          problems.some((p) => p.includes(expected)),
          `expected a problem containing\n  ${expected}\ngot\n  ${problems.join("\n  ")}`,
        );
      });
    }

    it("requires aws:region on AWS", () => {
      assert.deepEqual(problemsOf(valid, "prod", {} as typeof AWS), [
        "aws:region is required for loom:cloud aws, e.g. eu-west-1",
      ]);
    });

    it("reports every problem at once, not just the first", () => {
      const problems = problemsOf({ ...valid, cloud: "asw", image: "x:latest", domain: "NOPE" });
      assert.equal(problems.length, 3, problems.join("\n"));
    });

    it("needs loom:environment when the stack name is not an environment", () => {
      assert.match(
        problemsOf(valid, "feature-x").join("\n"),
        /loom:environment is required when the stack name \("feature-x"\)/,
      );
    });
  });

  describe("profiles", () => {
    it("takes the environment from the stack name", () => {
      for (const env of ENVIRONMENTS) {
        assert.equal(parseSettings(valid, { stack: env, providerConfig: AWS }).environment, env);
      }
    });

    it("an explicit loom:environment wins over the stack name", () => {
      const s = parseSettings({ ...valid, environment: "staging" }, { stack: "feature-x", providerConfig: AWS });
      assert.equal(s.environment, "staging");
      assert.deepEqual(s.profile, PROFILES.staging);
    });

    it("overrides one key and keeps the rest of the profile", () => {
      const s = parseSettings(
        { ...valid, profile: { backupRetentionDays: 30, web: { maxReplicas: 40 } } },
        { stack: "prod", providerConfig: AWS },
      );
      assert.equal(s.profile.backupRetentionDays, 30);
      assert.equal(s.profile.web.maxReplicas, 40);
      assert.equal(s.profile.web.minReplicas, PROFILES.prod.web.minReplicas);
      assert.deepEqual(s.profile.database, PROFILES.prod.database);
    });

    it("follows the seed's checklist: dev has no autoscaling/alerting/backups/DR, staging all but DR, prod everything", () => {
      const flags = (env: keyof typeof PROFILES) => {
        const p = PROFILES[env];
        return [p.autoscaling, p.alerting, p.backups, p.disasterRecovery];
      };
      assert.deepEqual(flags("dev"), [false, false, false, false]);
      assert.deepEqual(flags("staging"), [true, true, true, false]);
      assert.deepEqual(flags("prod"), [true, true, true, true]);
    });

    it("only prod protects stateful resources and runs Multi-AZ", () => {
      for (const env of ENVIRONMENTS) {
        const s = parseSettings(valid, { stack: env, providerConfig: AWS });
        assert.equal(s.protect, env === "prod", env);
        assert.equal(s.profile.database.highAvailability, env === "prod", env);
      }
    });

    it("keeps backup retention at the floors the issue sets (staging ≥ 7, prod ≥ 14)", () => {
      assert.ok(PROFILES.staging.backupRetentionDays >= 7);
      assert.ok(PROFILES.prod.backupRetentionDays >= 14);
    });

    it("every profile is valid against its own rules", () => {
      for (const env of ENVIRONMENTS) {
        const p = PROFILES[env];
        assert.ok(p.web.minReplicas <= p.web.maxReplicas, env);
        assert.ok(p.worker.minReplicas <= p.worker.maxReplicas, env);
        assert.ok(p.database.storageGiB <= p.database.maxStorageGiB, env);
        assert.ok(!p.cache.highAvailability || p.cache.nodes >= 2, env);
      }
    });
  });

  describe("reading Pulumi config", () => {
    it("converts JSON objects and arrays, keeps unconvertible text for the schema to report", () => {
      const raw = readRawConfig({
        "loom:cloud": "aws",
        "loom:profile": '{"backupRetentionDays":30}',
        "loom:ingressCidrs": '["203.0.113.0/24"]',
        "loom:tags": "not json",
        "aws:region": "eu-west-1",
      });
      assert.deepEqual(raw, {
        cloud: "aws",
        profile: { backupRetentionDays: 30 },
        ingressCidrs: ["203.0.113.0/24"],
        tags: "not json",
      });
      assert.match(problemsOf({ ...valid, tags: raw.tags }).join(), /loom:tags: "not json" must be an object \(map\)/);
    });

    it('treats "" (the Pulumi.yaml default) as unset for environment and alertEmail', () => {
      const s = parseSettings({ ...valid, environment: "", alertEmail: "" }, { stack: "dev", providerConfig: AWS });
      assert.equal(s.environment, "dev");
      assert.equal(s.alertEmail, undefined);
    });
  });

  describe("image pinning", () => {
    it("accepts version tags, registry ports and digests", () => {
      for (const ok of [
        "ghcr.io/example/loom:1.4.2",
        "registry.example.com:5000/loom:2025-11-01.3",
        `ghcr.io/example/loom@sha256:${"a".repeat(64)}`,
      ]) {
        assert.equal(imagePinProblem(ok), undefined, ok);
      }
    });
    it("rejects a registry port without a tag", () => {
      assert.match(imagePinProblem("registry.example.com:5000/loom") ?? "", /must be pinned/);
    });
  });
});
