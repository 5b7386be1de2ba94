import assert from "node:assert/strict";
import { ENVIRONMENTS, PROFILES } from "../components/profiles";
import { parseSettings, SettingsError } from "../components/settings";
import { readRawConfig } from "../components/settings-config";

const AWS: Record<string, string> = { "aws:region": "eu-west-1" };
const valid = {
  cloud: "aws",
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
  backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
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
      [
        "digitalocean without its region",
        { ...valid, cloud: "digitalocean", aws: undefined },
        "loom:digitalocean.region is required for loom:cloud digitalocean, e.g. ams3",
      ],
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
      [
        "bad e-mail",
        { ...valid, alerting: { channels: [{ kind: "email", to: "oncall" }] } },
        'loom:alerting.channels[0].to: "oncall" must be an e-mail address',
      ],
      [
        "the old alertEmail key",
        { ...valid, alertEmail: "oncall@example.com" },
        'loom:alertEmail has moved to loom:alerting.channels; set loom:alerting: {"channels": [{"kind": "email", "to": "oncall@example.com"}]} instead',
      ],
      [
        "typo in a profile key",
        { ...valid, profile: { backupRetentionDay: 30 } },
        "loom:profile.backupRetentionDay is not a known key; did you mean loom:profile.backupRetentionDays?",
      ],
      ["unknown top-level key", { ...valid, colud: "aws" }, "loom:colud is not a known key; did you mean loom:cloud?"],
      [
        "retention CloudWatch cannot keep",
        { ...valid, profile: { logRetentionDays: 8 } },
        "loom:profile.logRetentionDays: 8 must be one of 1, 3, 5, 7, 14",
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
        'loom:profile.database.engineVersion: "15" must be PostgreSQL 16, 17, 18, optionally with a minor version (e.g. 17 or "17.2")',
      ],
      [
        "storage ceiling below storage",
        { ...valid, profile: { database: { storageGiB: 200, maxStorageGiB: 100 } } },
        "loom:profile.database.maxStorageGiB: 100 is smaller than loom:profile.database.storageGiB (200)",
      ],
      [
        "cache HA with one node",
        { ...valid, profile: { cache: { nodes: 1 } } },
        "loom:profile.cache.nodes: 1 is too small for loom:profile.cache.highAvailability: true; needs at least 2",
      ],
      [
        "alerting without a recipient",
        { ...valid, alerting: undefined },
        "loom:alerting.channels: alerting is on (the profile's alerting) but no channel is configured",
      ],
      [
        "credential in plain env",
        { ...valid, appEnv: { OPENAI_API_KEY: "sk-fake" } },
        "loom:appEnv.OPENAI_API_KEY looks like a credential (the loom-guard sensitive-name rule); list it in loom:appSecrets so it comes from the secret store",
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
        "network too small",
        { ...valid, network: { cidr: "10.0.0.0/24" } },
        'loom:network.cidr: "10.0.0.0/24" must be a /16 to /20 network (the subnet plan needs 4,096 to 65,536 addresses)',
      ],
      [
        "the old VPC key",
        { ...valid, aws: { hostedZoneId: "Z0EXAMPLE", vpcCidr: "10.0.0.0/16" } },
        'loom:aws.vpcCidr has moved to loom:network.cidr; set loom:network.cidr: "10.0.0.0/16" instead',
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
        "backup table that is not a plain table name",
        { ...valid, backup: { ...valid.backup, tables: ["Prompts; DROP"] } },
        'loom:backup.tables[0]: "Prompts; DROP" must be a table name (lower-case letters, digits, _; optionally schema-qualified), e.g. prompt_library or public.users',
      ],
      [
        "backup table listed twice",
        { ...valid, backup: { ...valid.backup, tables: ["users", "users"] } },
        'loom:backup.tables[1]: "users" is listed twice; remove the duplicate',
      ],
      [
        "too many backup tables",
        { ...valid, backup: { ...valid.backup, tables: Array.from({ length: 21 }, (_, i) => `t${i}`) } },
        "is too large; allows at most 20 (lists at most 20 tables)",
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

    it("reads loom:backup.tables (none by default), and warns when backups are off", () => {
      const ctx = { stack: "prod", providerConfig: AWS };
      assert.deepEqual(parseSettings(valid, ctx).backup, { image: "ghcr.io/example/loom-backup:0.1.0", tables: [] });
      const tables = ["prompt_library", "public.users"];
      assert.deepEqual(parseSettings({ ...valid, backup: { ...valid.backup, tables } }, ctx).backup.tables, tables);
      const dev = parseSettings({ ...valid, backup: { tables } }, { ...ctx, stack: "dev" });
      assert.ok(
        dev.warnings.includes("loom:backup.tables is set but the profile's backups are off: no table is exported"),
      );
    });

    it("requires aws:region on AWS", () => {
      assert.deepEqual(problemsOf(valid, "prod", {}), ["aws:region is required for loom:cloud aws, e.g. eu-west-1"]);
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

    it('treats "" (the Pulumi.yaml default) as unset for environment, and the retired alertEmail "" as absent', () => {
      const s = parseSettings({ ...valid, environment: "", alertEmail: "" }, { stack: "dev", providerConfig: AWS });
      assert.equal(s.environment, "dev");
      assert.deepEqual(s.alerting.channels, [{ kind: "email", name: "email", to: "oncall@example.com" }]);
    });
  });

  describe("messages name the key as written, the value and what is allowed", () => {
    const exact: [string, Record<string, unknown>, string][] = [
      [
        "a record key names the key",
        { ...valid, tags: { "bad key": "x" } },
        'loom:tags: the key "bad key" is not allowed: tag keys are 1-128 of A-Z a-z 0-9 _ . : / = + @ -',
      ],
      [
        "an exclusive minimum is not 'minimum is 0'",
        { ...valid, profile: { web: { cpu: 0 } } },
        "loom:profile.web.cpu: 0 must be at least 0.001 vCPU in whole millicores (0.25, 0.5, 1, 2…): Kubernetes counts CPU in millicores and would round a finer value",
      ],
      [
        "a CPU that would render as 0 on Kubernetes",
        { ...valid, profile: { worker: { cpu: 0.0001 } } },
        "loom:profile.worker.cpu: 0.0001 must be at least 0.001 vCPU in whole millicores (0.25, 0.5, 1, 2…): Kubernetes counts CPU in millicores and would round a finer value",
      ],
      [
        "engineVersion as a number lists the allowed versions",
        { ...valid, profile: { database: { engineVersion: 9 } } },
        'loom:profile.database.engineVersion: 9 must be PostgreSQL 16, 17, 18, optionally with a minor version (e.g. 17 or "17.2")',
      ],
      [
        "engineVersion 16.10 as a YAML number (read as 16.1) is refused",
        { ...valid, profile: { database: { engineVersion: 16.1 } } },
        'loom:profile.database.engineVersion: 16.1 must be PostgreSQL 16, 17, 18, optionally with a minor version (e.g. 17 or "17.2"); write a minor version as a string (YAML reads 16.10 as the number 16.1)',
      ],
      [
        "a reserved aws: tag key, on any cloud",
        { ...valid, tags: { "aws:team": "x" } },
        `loom:tags: the key "aws:team" is not allowed: the aws: prefix is reserved for AWS's own tags and AWS rejects it; tags reach every cloud unchanged, so this holds on every cloud`,
      ],
      [
        "a duplicate ingress CIDR",
        { ...valid, ingressCidrs: ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24"] },
        'loom:ingressCidrs[2]: "203.0.113.0/24" is listed twice; remove the duplicate',
      ],
      [
        "a duplicate app secret",
        { ...valid, appSecrets: ["LLM_API_KEY", "LLM_API_KEY"] },
        'loom:appSecrets[1]: "LLM_API_KEY" is listed twice; remove the duplicate',
      ],
      [
        "a too-small integer names the minimum",
        { ...valid, profile: { web: { minReplicas: 0 } } },
        "loom:profile.web.minReplicas: 0 is too small; minimum is 1",
      ],
      [
        "a typo in a nested key gets a hint",
        { ...valid, profile: { web: { maxReplica: 3 } } },
        "loom:profile.web.maxReplica is not a known key; did you mean loom:profile.web.maxReplicas?",
      ],
      [
        "another cloud's block is still validated",
        { ...valid, digitalocean: { region: "x" } },
        'loom:digitalocean.region: "x" must be a DigitalOcean region slug such as ams3',
      ],
    ];
    for (const [what, raw, expected] of exact) {
      it(what, () => assert.deepEqual(problemsOf(raw), [expected]));
    }

    it("more tags than a resource can carry, on every cloud", () => {
      const tags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`t${i}`, "x"]));
      assert.deepEqual(problemsOf({ ...valid, tags }), [
        "loom:tags: 45 tags is too many; at most 44 (AWS and Azure allow 50 per resource and the program adds project, environment, stack, component, managed-by, Name; the limit holds on every cloud so a stack plans on any of them)",
      ]);
      const ok = Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`t${i}`, "x"]));
      assert.equal(
        Object.keys(parseSettings({ ...valid, tags: ok }, { stack: "prod", providerConfig: AWS }).tags).length,
        44,
      );
    });

    it("judges appEnv names by the pack's sensitive-name rule", () => {
      const env = { S3_ACCESS_KEY: "x", PASSPHRASE: "x", SIGNING_KEY: "x", ACCESS_KEY: "x" };
      assert.deepEqual(
        problemsOf({ ...valid, appEnv: env }),
        Object.keys(env).map(
          (n) =>
            `loom:appEnv.${n} looks like a credential (the loom-guard sensitive-name rule); list it in loom:appSecrets so it comes from the secret store`,
        ),
      );
      const harmless = { GIT_AUTHOR_NAME: "loom", LLM_MAX_TOKENS: "4096", SEARCH_HOST: "db", TOKEN_URL: "https://x" };
      const s = parseSettings({ ...valid, appEnv: harmless }, { stack: "prod", providerConfig: AWS });
      assert.deepEqual(s.appEnv, harmless);
    });

    it("a variable in both appEnv and appSecrets", () => {
      assert.deepEqual(problemsOf({ ...valid, appEnv: { LLM_MODEL: "x" }, appSecrets: ["LLM_MODEL"] }), [
        "loom:appEnv.LLM_MODEL is also listed in loom:appSecrets; a variable comes from one of them, remove one",
      ]);
    });

    it("names the program sets itself, in appEnv or appSecrets", () => {
      assert.deepEqual(
        problemsOf({ ...valid, appEnv: { PORT: "80" }, appSecrets: ["LLM_API_KEY", "DATABASE_PASSWORD"] }),
        [
          'loom:appSecrets[1]: "DATABASE_PASSWORD" is set by the program itself (database, cache and app-contract variables); remove it',
          "loom:appEnv.PORT is set by the program itself (database, cache and app-contract variables); remove it",
        ],
      );
    });

    it("accepts numbers and booleans as --path writes them (strings inside objects)", () => {
      const s = parseSettings(
        {
          ...valid,
          profile: { web: { cpu: "0.5", memoryMiB: "1024" }, waf: "false", database: { engineVersion: 17 } },
          app: { port: "9090" },
        },
        { stack: "prod", providerConfig: AWS },
      );
      assert.equal(s.profile.web.cpu, 0.5);
      assert.equal(s.profile.web.memoryMiB, 1024);
      assert.equal(s.profile.waf, false);
      assert.equal(s.profile.database.engineVersion, "17");
      assert.equal(s.app.port, 9090);
      assert.deepEqual(s.profileOverrides, ["waf", "web.cpu", "web.memoryMiB", "database.engineVersion"]);
    });

    it("a numeric string that is not a number stays a string for the message", () => {
      assert.deepEqual(problemsOf({ ...valid, profile: { web: { cpu: "half" } } }), [
        'loom:profile.web.cpu: "half" must be a number',
      ]);
    });
  });

  describe("the result", () => {
    it("has the target of the selected cloud, the network, and no per-cloud keys", () => {
      const s = parseSettings(valid, { stack: "prod", providerConfig: AWS });
      assert.deepEqual(s.target, {
        cloud: "aws",
        region: "eu-west-1",
        availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        hostedZoneId: "Z0EXAMPLE",
        certificateArn: undefined,
        drRegion: "eu-central-1",
      });
      assert.deepEqual(s.network, { cidr: "10.40.0.0/16" });
      assert.equal("aws" in s, false);
      assert.equal("kubernetes" in s, false);
      assert.deepEqual(s.profileOverrides, []);
    });

    it("takes loom:network.cidr when set", () => {
      const s = parseSettings({ ...valid, network: { cidr: "10.50.0.0/20" } }, { stack: "prod", providerConfig: AWS });
      assert.deepEqual(s.network, { cidr: "10.50.0.0/20" });
    });

    it("lists the profile keys the stack set, as dotted paths", () => {
      const s = parseSettings(
        { ...valid, profile: { waf: false, web: { maxReplicas: 20 }, worker: { spot: true } } },
        { stack: "prod", providerConfig: AWS },
      );
      assert.deepEqual(s.profileOverrides, ["waf", "web.maxReplicas", "worker.spot"]);
    });
  });
});
