/**
 * The pack manifest: rule names, default enforcement levels, severities and concerns are pinned here, so adding,
 * renaming or weakening a rule is a visible change. Also: one rule per file under rules/<concern>/<rule-name>.ts,
 * index.ts only constructs the pack, the pack loads no cloud SDK at runtime, every happy-path fixture passes the
 * whole pack under every shipped config.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../../policy/policies";
import { allFixtures, check } from "../harness/fixtures";

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");

const MANIFEST: [name: string, level: string, severity: string, concern: string][] = [
  ["https-only-endpoints", "mandatory", "high", "tls"],
  ["min-tls-version", "mandatory", "high", "tls"],
  ["datastore-tls-required", "mandatory", "high", "tls"],
  ["cloud-run-ingress-via-lb", "advisory", "medium", "tls"],
  ["notification-endpoints-tls", "mandatory", "high", "tls"],
  ["datastore-encrypted-at-rest", "mandatory", "high", "encryption"],
  ["volume-encrypted-at-rest", "mandatory", "high", "encryption"],
  ["object-storage-encrypted", "mandatory", "high", "encryption"],
  ["messaging-encrypted-at-rest", "mandatory", "medium", "encryption"],
  ["backup-vault-encrypted", "mandatory", "medium", "encryption"],
  ["log-group-kms", "advisory", "low", "encryption"],
  ["kms-key-rotation", "mandatory", "medium", "encryption"],
  ["container-resource-limits", "mandatory", "medium", "limits"],
  ["autoscaler-bounded", "mandatory", "medium", "limits"],
  ["no-plaintext-secret-env", "mandatory", "critical", "secrets"],
  ["no-credential-literals", "mandatory", "critical", "secrets"],
  ["no-secrets-in-config-stores", "mandatory", "high", "secrets"],
  ["database-managed-credentials", "mandatory", "high", "secrets"],
  ["least-privilege-identity", "mandatory", "high", "secrets"],
  ["database-not-public", "advisory", "high", "network"],
  ["no-open-ingress", "advisory", "high", "network"],
  ["deletion-protection", "advisory", "medium", "resilience"],
  ["backup-retention", "advisory", "medium", "resilience"],
  ["container-hardening", "advisory", "high", "workload"],
  ["object-storage-private", "mandatory", "high", "network"],
  ["host-hardening", "mandatory", "high", "workload"],
];

const cloudOf = (token: string) => (token === "*" ? "*" : token.split(":")[0]);

describe("loom-guard manifest", () => {
  it("pins every rule's name, default enforcement level, severity and concern, in order", () => {
    assert.deepEqual(
      policies.map((p) => [p.name, p.enforcementLevel, p.severity, p.concern]),
      MANIFEST,
    );
  });

  it("gives every rule a description, remediation steps and tags, and documents every config property", () => {
    for (const p of policies) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
      assert.ok(p.description.length > 40, `${p.name}: description`);
      assert.ok((p.remediationSteps ?? "").length > 40, `${p.name}: remediationSteps`);
      assert.deepEqual(p.tags, [p.concern]);
      for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
        const schema = s as { default?: unknown; description?: string; type?: unknown };
        assert.notEqual(schema.default, undefined, `${p.name}.${k} has no default`);
        assert.ok(schema.description, `${p.name}.${k} has no description`);
        assert.ok(schema.type, `${p.name}.${k} has no type`);
        assert.notEqual(k, "enforcementLevel");
      }
      assert.ok(p.covers.length > 0, `${p.name} covers no type`);
    }
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    assert.ok(!policies.some((p) => p.name === "all"));
  });

  it("is concept-first: the four core concerns cover their clouds", () => {
    const clouds = (concern: string) =>
      [...new Set(policies.filter((p) => p.concern === concern).flatMap((p) => p.covers.map(cloudOf)))].sort();
    assert.deepEqual(clouds("tls"), ["aws", "azure-native", "digitalocean", "gcp", "kubernetes"]);
    assert.deepEqual(clouds("encryption"), ["aws", "azure-native", "gcp", "kubernetes"]);
    assert.deepEqual(clouds("limits"), ["aws", "azure-native", "digitalocean", "gcp", "kubernetes"]);
    assert.deepEqual(clouds("secrets"), ["*", "aws", "azure-native", "digitalocean", "gcp", "kubernetes"]);
    assert.deepEqual(clouds("network"), ["aws", "azure-native", "digitalocean", "gcp", "kubernetes"]);
  });

  it("counts rules per cloud and distinct type tokens as docs/policy.md states them", () => {
    const perCloud = (cloud: string) =>
      policies.filter((p) => p.covers.some((t) => t === "*" || cloudOf(t) === cloud)).length;
    assert.deepEqual(["aws", "gcp", "azure-native", "kubernetes", "digitalocean"].map(perCloud), [22, 19, 17, 13, 15]);
    assert.equal(new Set(policies.flatMap((p) => p.covers).filter((t) => t !== "*")).size, 156);
  });

  it("checks every Azure stateful and endpoint type the Azure plans use with a rule of its own (issue 12)", () => {
    const rulesOn = (token: string) => policies.filter((p) => p.covers.includes(token)).map((p) => p.name);
    assert.deepEqual(
      Object.fromEntries(
        [
          "azure-native:redisenterprise:RedisEnterprise",
          "azure-native:redisenterprise:Database",
          "azure-native:dataprotection:BackupPolicy",
          "azure-native:dataprotection:BackupVault",
          "azure-native:keyvault:Vault",
          "azure-native:app:ContainerApp",
          "azure-native:network:ApplicationGateway",
          "azure-native:monitor:ActionGroup",
          "azure-native:authorization:RoleAssignment",
          "azure-native:storage:StorageAccount",
        ].map((t) => [t, rulesOn(t)]),
      ),
      {
        "azure-native:redisenterprise:RedisEnterprise": [
          "min-tls-version",
          "datastore-encrypted-at-rest",
          "database-not-public",
        ],
        "azure-native:redisenterprise:Database": ["datastore-tls-required", "backup-retention"],
        "azure-native:dataprotection:BackupPolicy": ["backup-retention"],
        "azure-native:dataprotection:BackupVault": ["deletion-protection"],
        "azure-native:keyvault:Vault": ["deletion-protection"],
        "azure-native:app:ContainerApp": [
          "https-only-endpoints",
          "container-resource-limits",
          "autoscaler-bounded",
          "no-plaintext-secret-env",
        ],
        "azure-native:network:ApplicationGateway": ["https-only-endpoints", "min-tls-version"],
        "azure-native:monitor:ActionGroup": ["notification-endpoints-tls"],
        "azure-native:authorization:RoleAssignment": ["least-privilege-identity"],
        "azure-native:storage:StorageAccount": [
          "min-tls-version",
          "datastore-tls-required",
          "object-storage-encrypted",
        ],
      },
    );
  });

  it("checks every DigitalOcean type the DO plans use with a rule of its own (issue 13 item 8)", () => {
    const rulesOn = (token: string) => policies.filter((p) => p.covers.includes(token)).map((p) => p.name);
    const tokens = [
      "droplet:Droplet",
      "dropletAutoscale:DropletAutoscale",
      "firewall:Firewall",
      "loadBalancer:LoadBalancer",
      "databaseCluster:DatabaseCluster",
      "databaseReplica:DatabaseReplica",
      "databaseFirewall:DatabaseFirewall",
      "databaseValkeyConfig:DatabaseValkeyConfig",
      "spacesBucket:SpacesBucket",
      "spacesBucketObject:SpacesBucketObject",
      "spacesKey:SpacesKey",
      "monitorAlert:MonitorAlert",
      "uptimeAlert:UptimeAlert",
    ];
    assert.deepEqual(Object.fromEntries(tokens.map((t) => [t, rulesOn(`digitalocean:index/${t}`)])), {
      "droplet:Droplet": ["container-hardening", "host-hardening"],
      "dropletAutoscale:DropletAutoscale": ["autoscaler-bounded", "container-hardening", "host-hardening"],
      "firewall:Firewall": ["no-open-ingress"],
      "loadBalancer:LoadBalancer": ["https-only-endpoints", "min-tls-version"],
      "databaseCluster:DatabaseCluster": ["database-not-public"],
      "databaseReplica:DatabaseReplica": ["database-not-public"],
      "databaseFirewall:DatabaseFirewall": ["database-not-public"],
      "databaseValkeyConfig:DatabaseValkeyConfig": ["datastore-tls-required"],
      "spacesBucket:SpacesBucket": ["deletion-protection", "backup-retention", "object-storage-private"],
      "spacesBucketObject:SpacesBucketObject": ["object-storage-private"],
      "spacesKey:SpacesKey": ["least-privilege-identity"],
      "monitorAlert:MonitorAlert": ["notification-endpoints-tls"],
      "uptimeAlert:UptimeAlert": ["notification-endpoints-tls"],
    });
  });

  it("keeps one rule per file, at rules/<concern>/<rule-name>.ts, each in the pack", () => {
    const files: string[] = [];
    for (const concern of fs.readdirSync(path.join(POLICY_DIR, "rules"))) {
      for (const f of fs.readdirSync(path.join(POLICY_DIR, "rules", concern))) files.push(`${concern}/${f}`);
    }
    assert.deepEqual(files.sort(), policies.map((p) => `${p.concern}/${p.name}.ts`).sort());
    for (const f of files) {
      const text = fs.readFileSync(path.join(POLICY_DIR, "rules", f), "utf8");
      assert.equal((text.match(/= rule(<[^>]*>)?\(\{/g) ?? []).length, 1, `${f} defines exactly one rule`);
    }
  });

  it("index.ts only constructs the pack; PulumiPolicy.yaml and package.json describe it", () => {
    const index = fs.readFileSync(path.join(POLICY_DIR, "index.ts"), "utf8");
    assert.match(index, /new PolicyPack\("loom-guard", \{ policies, enforcementLevel: "mandatory" \}\);/);
    assert.deepEqual(
      index.split("\n").filter((l) => l.startsWith("import")),
      ['import { PolicyPack } from "@pulumi/policy";', 'import { policies } from "./policies";'],
    );
    const yaml = fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8");
    assert.match(yaml, /^runtime: nodejs$/m);
    const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
    assert.deepEqual(pkg.dependencies, { "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.270.0" });
  });

  it("loads no cloud SDK at runtime (type tokens only; SDK imports are type-only)", () => {
    const out = execFileSync(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "-e",
        'require("./policy/policies"); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /@pulumi[\\\\/](aws|gcp|azure-native|digitalocean|kubernetes)[\\\\/]/.test(f))))',
      ],
      { cwd: path.join(POLICY_DIR, ".."), encoding: "utf8" },
    );
    assert.deepEqual(JSON.parse(out), []);
  });

  for (const env of ["(none)", "dev", "staging", "prod"]) {
    it(`every happy-path fixture passes the whole pack with policy config ${env}`, async () => {
      const config =
        env === "(none)" ? {} : JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "config", `${env}.json`), "utf8"));
      const violations = await check(policies, allFixtures(), config);
      assert.deepEqual(
        violations.map((v) => `${v.policy}: ${v.urn}: ${v.message}`),
        [],
      );
    });
  }
});
