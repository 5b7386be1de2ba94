/**
 * Stack secrets at rest (scripts/secrets/stack-files.ts): every Pulumi project and stack file of the repository, and
 * hand-made files showing each thing the check must catch or let through. Values are obviously fake.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import {
  projectFileFindings,
  pulumiFiles,
  scanPulumiFiles,
  stackFileFindings,
} from "../../scripts/secrets/stack-files";

const ROOT = path.resolve(__dirname, "..", "..");
const keys = (text: string) => stackFileFindings("Pulumi.t.yaml", text).map((f) => f.key);

describe("stack files: no plaintext value for a sensitive key", () => {
  it("scans the root and deployments/ project and stack files", () => {
    const { project, stacks } = pulumiFiles(ROOT);
    assert.deepEqual(project, ["Pulumi.yaml", "deployments/Pulumi.yaml"]);
    for (const f of ["Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", "Pulumi.local.yaml"]) {
      assert.ok(stacks.includes(f), `${f} is scanned`);
    }
    assert.ok(stacks.includes("deployments/Pulumi.all.yaml"));
  });

  it("finds nothing in the repository's Pulumi files", () => {
    assert.deepEqual(scanPulumiFiles(ROOT), []);
  });

  it("flags a sensitive key with a plaintext value, naming file, key and pattern but never the value", () => {
    const [f, ...rest] = stackFileFindings("Pulumi.t.yaml", "config:\n  loom:dbPassword: not-a-real-secret\n");
    assert.deepEqual(rest, []);
    assert.deepEqual(f, {
      file: "Pulumi.t.yaml",
      key: "loom:dbPassword",
      why: "key looks sensitive (pattern PASSWORDS?) but its value is plaintext; set it with pulumi config set --secret",
    });
    assert.ok(!JSON.stringify(f).includes("not-a-real-secret"));
  });

  it("accepts secure: values, empty values and placeholders", () => {
    const text = [
      "config:",
      "  loom:dbPassword:",
      "    secure: v1:bm90LWEtcmVhbA==:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0",
      '  loom:apiToken: ""',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} placeholder in the YAML, not a template
      '  loom:signingKey: "${SIGNING_KEY}"',
      "  loom:alertSecrets:",
      "    slack:",
      "      secure: v1:bm90LWEtcmVhbA==:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0",
    ].join("\n");
    assert.deepEqual(keys(text), []);
  });

  it("treats every entry under a sensitive key as sensitive, and checks nested maps key by key", () => {
    const text = [
      "config:",
      "  loom:alertSecrets:",
      "    pagerduty: not-a-real-routing-key",
      "  loom:appEnv:",
      "    API_TOKEN: not-a-real-token",
      '    LLM_MAX_TOKENS: "4096"',
      "    DATABASE_HOST: db.example.com",
      "  loom:apiTokens: [not-a-real-token-value]",
      "  loom:appSecrets: [LLM_API_KEY, WEBHOOK_SECRET]",
    ].join("\n");
    assert.deepEqual(keys(text), ["loom:alertSecrets.pagerduty", "loom:appEnv.API_TOKEN", "loom:apiTokens[0]"]);
  });

  it("flags a credential-shaped string under any key", () => {
    const text = [
      "config:",
      "  loom:notes: AKIAIOSFODNN7EXAMPLE",
      "  loom:hook: https://hooks.slack.com/services/T00000000/B00000000/notarealsecretnotreal",
      "  loom:dbUrl: postgres://app:not-a-real-password@db.example.com/loom",
    ].join("\n");
    const found = stackFileFindings("Pulumi.t.yaml", text);
    assert.deepEqual(
      found.map((f) => [f.key, f.why.split(" (")[0]]),
      [
        ["loom:notes", "holds an AWS access key id in plaintext"],
        ["loom:hook", "holds a Slack token or webhook in plaintext"],
        ["loom:dbUrl", "holds a URL with an embedded password in plaintext"],
      ],
    );
    assert.ok(!JSON.stringify(found).includes("not-a-real-password"));
  });

  it("flags a literal default for a sensitive key in a project file", () => {
    const text = [
      "name: t",
      "config:",
      "  dbPassword: {type: string, default: not-a-real-secret}",
      "  alertSecrets: {type: object, default: {}}",
      "  appSecrets: {type: array, default: [LLM_API_KEY]}",
      "  region: {type: string, default: eu-west-1}",
    ].join("\n");
    assert.deepEqual(
      projectFileFindings("Pulumi.yaml", text).map((f) => f.key),
      ["t:dbPassword (default)"],
    );
  });
});
