/** The pure value rules settings and the targets share: image references, sensitive names, CIDRs, names. */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { OTLP_METRICS_ENV } from "../components/app-service/aws-telemetry-config";
import { APP_DEFAULTS, PROGRAM_ENV_NAMES } from "../components/lib/app-contract";
import { cidrProblem, formatCidr, networkSizeProblem, parseCidr } from "../components/lib/cidr";
import { LOGIN_ENV_NAMES, ROLES_SQL_ENV } from "../components/lib/db-roles";
import { imageRefProblem } from "../components/lib/image-ref";
import { isSensitiveEnvName, SENSITIVE_NAME_DEFAULTS, sensitiveEnvPattern } from "../components/lib/sensitive";
import { otelEnv } from "../components/lib/telemetry";
import { fit as fitName, prefix, stableHash } from "../components/naming";
import { describeIssue } from "../components/targets/issues";
import { sensitiveName, sensitiveNameConfig } from "../policy/lib/sensitive";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("value rules", () => {
  describe("imageRefProblem: the OCI reference grammar, pinned", () => {
    for (const ok of [
      "ghcr.io/example/loom:1.4.2",
      "registry.example.com:5000/loom:2025-11-01.3",
      `ghcr.io/example/loom@${DIGEST}`,
      `ghcr.io/example/loom:1.4.2@${DIGEST}`,
      "loom:1.0",
      "localhost/loom:dev_1",
      "localhost:5000/team/loom:v1",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/loom:1.4.2",
      "ghcr.io/ex-ample/lo.om__x_y--z:1",
      "Registry.Example.com/loom:1",
    ]) {
      it(`accepts ${ok}`, () => assert.equal(imageRefProblem(ok), undefined));
    }

    const bad: [string, string][] = [
      ["ghcr.io/example/loom", "must be pinned: add a version tag (repo:1.4.2) or a digest (repo@sha256:…)"],
      ["registry.example.com:5000/loom", "must be pinned: add a version tag (repo:1.4.2) or a digest (repo@sha256:…)"],
      ["ghcr.io/example/loom:latest", "must be pinned: `latest` moves under you; use a version tag or a digest"],
      ["ghcr.io/example/loom@sha256:abc", "a digest must be @sha256:<64 hex digits>"],
      ["ghcr.io/Example/Loom:1.0", 'repository path "Example/Loom" must be lower-case'],
      ["ghcr.io/example/loom :1.0", "must not contain spaces"],
      [
        "https://ghcr.io/example/loom:1.0",
        "must not have a URL scheme: write registry/path:tag, e.g. ghcr.io/acme/loom:1.4.2",
      ],
      ["ghcr.io/example/loom:1.0:2.0", 'has more than one tag (one ":tag" at most)'],
      ["ghcr.io/example//loom:1.0", "has an empty path component (// or a trailing /)"],
      ["ghcr.io/example/loom/:1.0", "has an empty path component (// or a trailing /)"],
      ["ghcr.io/:1.0", "has no repository path after the registry"],
      ["ghcr.io/example/-loom:1.0", 'path component "-loom" must be a-z 0-9 separated by single ".", "_", "__" or "-"'],
      [
        "ghcr.io/example/lo..om:1.0",
        'path component "lo..om" must be a-z 0-9 separated by single ".", "_", "__" or "-"',
      ],
      [
        "ghcr.io/example/loom:.1",
        'tag ".1" is not a valid image tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)',
      ],
      [
        `ghcr.io/example/loom:${"v".repeat(129)}`,
        `tag "${"v".repeat(129)}" is not a valid image tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`,
      ],
      ["reg_istry.io:5000/loom:1", 'registry "reg_istry.io:5000" is not a host name (letters, digits, - and . only)'],
      ["registry.io:http/loom:1", 'registry port "http" must be a number'],
      [`a@${DIGEST}@${DIGEST}`, 'has more than one "@"'],
      ["", "must not be empty"],
    ];
    for (const [ref, problem] of bad) {
      it(`rejects ${JSON.stringify(ref).slice(0, 60)}`, () => assert.equal(imageRefProblem(ref), problem));
    }
  });

  describe("isSensitiveEnvName: the pack's rule, the pack's defaults", () => {
    it("uses exactly the pack's default config", () => {
      assert.deepEqual(SENSITIVE_NAME_DEFAULTS, {
        sensitiveNamePatterns: sensitiveNameConfig.sensitiveNamePatterns.default,
        exemptNameSuffixes: sensitiveNameConfig.exemptNameSuffixes.default,
        exemptNameQualifiers: sensitiveNameConfig.exemptNameQualifiers.default,
      });
    });

    const flagged = [
      "S3_ACCESS_KEY",
      "PASSPHRASE",
      "ACCESS_KEY",
      "SIGNING_KEY",
      "OPENAI_API_KEY",
      "DATABASE_PASSWORD",
      "GITHUB_TOKEN",
    ];
    const harmless = [
      "GIT_AUTHOR_NAME",
      "LLM_MAX_TOKENS",
      "DATABASE_HOST",
      "TOKEN_URL",
      "SECRET_ARN",
      "LOG_LEVEL",
      "PRIMARY",
    ];
    for (const name of flagged) {
      it(`flags ${name}, as the pack does`, () => {
        assert.equal(isSensitiveEnvName(name), true);
        assert.equal(sensitiveEnvPattern(name), sensitiveName(name, SENSITIVE_NAME_DEFAULTS));
      });
    }
    for (const name of harmless) {
      it(`does not flag ${name}, as the pack does not`, () => {
        assert.equal(isSensitiveEnvName(name), false);
        assert.equal(sensitiveName(name, SENSITIVE_NAME_DEFAULTS), undefined);
      });
    }

    it("names the pattern that fired", () => assert.equal(sensitiveEnvPattern("S3_ACCESS_KEY"), "ACCESS_?KEYS?"));

    it("the shared modules import no Pulumi SDK at run time", () => {
      for (const file of [
        "components/lib/sensitive.ts",
        "components/lib/image-ref.ts",
        "components/lib/app-contract.ts",
        "components/lib/cidr.ts",
      ]) {
        assert.doesNotMatch(readFileSync(join(__dirname, "..", file), "utf8"), /from "@pulumi\//, file);
      }
      assert.doesNotMatch(
        readFileSync(join(__dirname, "../policy/lib/sensitive.ts"), "utf8"),
        /^import (?!type)[^\n]*@pulumi/m,
      );
    });
  });

  describe("cidr", () => {
    it("parses and formats network addresses", () => {
      assert.deepEqual(parseCidr("10.40.0.0/16"), { base: 0x0a280000, prefix: 16 });
      assert.equal(formatCidr(parseCidr("203.0.113.0/24")), "203.0.113.0/24");
      assert.equal(cidrProblem("0.0.0.0/0"), undefined);
    });
    it("says why a value is not one", () => {
      assert.equal(cidrProblem("10.0.0.1/8"), "has host bits set; use the network address");
      assert.equal(cidrProblem("10.0.0.0/33"), "must be an IPv4 CIDR such as 203.0.113.0/24");
      assert.equal(cidrProblem("256.0.0.0/8"), "must be an IPv4 CIDR such as 203.0.113.0/24");
      assert.throws(() => parseCidr("office"), { message: '"office" must be an IPv4 CIDR such as 203.0.113.0/24' });
    });
    it("bounds the network to /16../20", () => {
      assert.equal(networkSizeProblem("10.40.0.0/16"), undefined);
      assert.equal(networkSizeProblem("10.40.0.0/20"), undefined);
      const msg = "must be a /16 to /20 network (the subnet plan needs 4,096 to 65,536 addresses)";
      assert.equal(networkSizeProblem("10.0.0.0/15"), msg);
      assert.equal(networkSizeProblem("10.0.0.0/21"), msg);
    });
  });

  describe("naming", () => {
    it("prefixes physical names with the stack", () => assert.equal(prefix("loom", "local"), "loom-local"));
    it("stableHash is FNV-1a in base 36, stable", () => {
      assert.equal(stableHash(""), (0x811c9dc5).toString(36));
      assert.equal(stableHash("loom-prod-db"), stableHash("loom-prod-db"));
      assert.notEqual(stableHash("loom-prod-db"), stableHash("loom-local-db"));
      assert.match(stableHash("anything"), /^[0-9a-z]{1,7}$/);
    });
    it("fit keeps short names and shortens long ones with the hash", () => {
      assert.equal(fitName("Loom_Prod--Web", 32), "loom-prod-web");
      const long = "loom-production-web-target-group-blue";
      const short = fitName(long, 32);
      assert.equal(short.length <= 32, true);
      assert.equal(short, `${long.slice(0, 32 - 7).replace(/-$/, "")}-${stableHash(long).slice(0, 6)}`);
    });
  });

  it("PROGRAM_ENV_NAMES holds every variable index.ts and the Kubernetes pods set", () => {
    const root = join(__dirname, "..");
    const index = readFileSync(join(root, "index.ts"), "utf8");
    const pods = readFileSync(join(root, "components/app-service/kubernetes.ts"), "utf8");
    // The OpenTelemetry contract, with every optional variable it can set (lib/telemetry.ts).
    const otel = otelEnv({
      endpoint: "https://collector.example.com:4318",
      service: "loom-web",
      environment: "prod",
      sampleRatio: 0.1,
      exporter: "otlp",
      metricsExporter: "none",
      logsExporter: "none",
      certificate: "/etc/loom/ca.crt",
    });
    const names = new Set([
      ...[...index.matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]),
      ...[...pods.matchAll(/\b(PGSSLROOTCERT|REDIS_CA_FILE)\b/g)].map((m) => m[1]),
      ...Object.keys(otel),
      ...Object.keys(OTLP_METRICS_ENV),
      // Each workload's database login (components/lib/db-roles.ts loginEnv) and the roles step's SQL.
      ...LOGIN_ENV_NAMES,
      ROLES_SQL_ENV,
    ]);
    assert.deepEqual([...names].sort(), [...PROGRAM_ENV_NAMES].sort());
  });

  describe("describeIssue", () => {
    const messages = (schema: z.ZodType, raw: unknown) => {
      const r = schema.safeParse(raw);
      assert.equal(r.success, false);
      const ctx = { project: "loom", raw, schema, moved: { "a.old": "b.new" } };
      return (r.error?.issues ?? []).flatMap((i) => describeIssue(i, ctx));
    };
    it("an exclusive bound says 'greater than', never 'minimum is 0' for 0", () => {
      const schema = z.object({ a: z.object({ n: z.number().positive(), m: z.number().lt(5) }) });
      assert.deepEqual(messages(schema, { a: { n: 0, m: 5 } }), [
        "loom:a.n: 0 is too small; must be greater than 0",
        "loom:a.m: 5 is too large; must be less than 5",
      ]);
    });
    it("an inclusive bound names it", () => {
      assert.deepEqual(messages(z.object({ n: z.number().min(2).max(3) }), { n: 1 }), [
        "loom:n: 1 is too small; minimum is 2",
      ]);
    });
    it("a moved key says where it went, with the value to set", () => {
      assert.deepEqual(messages(z.object({ a: z.object({}).strict() }), { a: { old: "x" } }), [
        'loom:a.old has moved to loom:b.new; set loom:b.new: "x" instead',
      ]);
    });
    it("a long value is abbreviated", () => {
      const raw = { t: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, "value"])) };
      assert.deepEqual(messages(z.object({ t: z.array(z.string()) }), raw), ["loom:t: {… 30 keys} must be a list"]);
    });
  });

  it("APP_DEFAULTS is the documented contract", () => {
    assert.deepEqual(APP_DEFAULTS, {
      port: 8080,
      healthPath: "/healthz",
      readinessPath: "/readyz",
      metricsPath: "/metrics",
      runAsUser: 10001,
    });
  });
});
