/**
 * The plan CLI's own defects (issue 8, "Reliability defects"): output path, secret outputs, stack-file keys, YAML
 * errors, fake secrets. Stack files are written to a temp directory with the real Pulumi.yaml; the CLI is spawned
 * the way `npm run plan` starts it (scripts/dist.js run), so the precompiled path is what is tested.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { FAKE_KUBECONFIG, FAKE_SECRETS, fakeSecret } from "../scripts/lib/fake-secrets";
import {
  displayOutputs,
  keyProblem,
  loadStackConfig,
  outputPathProblem,
  type PlanResult,
  ROOT,
  secretOutputPaths,
  toJson,
  UsageError,
  validateConfig,
} from "../scripts/lib/plan";

const run = promisify(execFile);

const cli = (args: string[]) =>
  run(process.execPath, ["scripts/dist.js", "run", "scripts/plan.ts", ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );

/** A directory with the real Pulumi.yaml and one stack file `Pulumi.t.yaml` holding `text`. */
function stackDir(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-plan-"));
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), text);
  return dir;
}

const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof UsageError, `a UsageError, got ${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });

const AWS_DEV = `config:
  aws:region: eu-west-1
  loom:cloud: aws
  loom:domain: dev.loom.example.com
  loom:image: ghcr.io/example/loom:0.1.0
  loom:aws:
    hostedZoneId: Z0EXAMPLEDEVZONE
`;

describe("plan CLI: --json is checked before planning", () => {
  it("exits 2 with a clear message, printing no plan, for a missing directory and for a directory", async () => {
    for (const [target, pattern] of [
      [path.join(os.tmpdir(), "loom-no-such-dir", "plan.json"), /--json: directory .*loom-no-such-dir does not exist/],
      [os.tmpdir(), /--json: .* is a directory; give a file name/],
    ] as const) {
      const r = await cli(["--stack", "dev", "--json", target]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, pattern);
      assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
      assert.equal(r.out, "", "nothing planned");
    }
  });

  it("accepts a new file in an existing directory and an existing writable file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-json-"));
    assert.equal(outputPathProblem(path.join(dir, "plan.json")), undefined);
    fs.writeFileSync(path.join(dir, "old.json"), "{}");
    assert.equal(outputPathProblem(path.join(dir, "old.json")), undefined);
    assert.match(outputPathProblem(path.join(dir, "old.json", "x.json")) ?? "", /is not a directory/);
    assert.match(outputPathProblem("") ?? "", /needs a file name/);
  });
});

describe("plan: secret stack outputs are shown as [secret]", () => {
  const result: Pick<PlanResult, "outputs" | "secretOutputs"> = {
    outputs: { url: "https://x.example.com", token: "s3cr3t-value", nested: { plain: "a", key: "k3y" } },
    secretOutputs: ["token", "nested.key"],
  };

  it("in the text and JSON renderings, and nowhere in clear", () => {
    assert.deepEqual(displayOutputs(result), {
      url: "https://x.example.com",
      token: "[secret]",
      nested: { plain: "a", key: "[secret]" },
    });
    const json = JSON.stringify(
      toJson({ project: "loom", stack: "t", cloud: "aws", resources: [], ...result } as PlanResult),
    );
    assert.match(json, /"token":"\[secret\]"/);
    assert.doesNotMatch(json, /s3cr3t-value|k3y/);
  });

  it("finds secret Outputs at any depth of the program's exports", async () => {
    const paths = await secretOutputPaths({
      url: pulumi.output("https://x.example.com"),
      token: pulumi.secret("s3cr3t-value"),
      nested: { plain: pulumi.output("a"), key: pulumi.secret("k3y"), list: [pulumi.secret(1)] },
      literal: "plain",
    });
    assert.deepEqual(paths, ["nested.key", "nested.list.0", "token"]);
  });
});

describe("plan: stack-file keys the program could not read are errors", () => {
  it("a key without a namespace names the key and suggests loom:<key>", () => {
    const dir = stackDir(`${AWS_DEV}  ingressCidrs:\n    - 203.0.113.0/24\n`);
    usage(
      () => loadStackConfig("t", dir),
      /Pulumi\.t\.yaml: key "ingressCidrs" has no namespace.*write it as "loom:ingressCidrs"/,
    );
    assert.match(keyProblem("ingressCidrs") ?? "", /"loom:ingressCidrs"/);
  });

  it("an unknown namespace is an error; every namespace the program knows is accepted", () => {
    usage(() => loadStackConfig("t", stackDir(`${AWS_DEV}  lom:domain: a.example.com\n`)), /unknown namespace "lom"/);
    for (const key of ["loom:x", "aws:region", "kubernetes:context", "gcp:project", "azure-native:location"]) {
      assert.equal(keyProblem(key), undefined, key);
    }
    for (const key of ["digitalocean:token", "pulumi:disable-default-providers"])
      assert.equal(keyProblem(key), undefined);
    assert.match(keyProblem("random:seed") ?? "", /unknown namespace "random"/);
    assert.match(keyProblem("loom:") ?? "", /no name/);
  });

  it("the CLI exits 2 with the message, not a stack trace (and so does a settings error)", async () => {
    const stack = `plan-spec-${process.pid}`;
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, `${AWS_DEV}  ingressCidrs: ["203.0.113.0/24"]\n`);
    try {
      const r = await cli(["--stack", stack]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /key "ingressCidrs" has no namespace/);
      assert.doesNotMatch(r.err, /\n\s+at /);
      // A settings error from the precompiled program: the same clear message, no trace.
      fs.writeFileSync(file, AWS_DEV.replace("loom:cloud: aws", "loom:cloud: asw"));
      const bad = await cli(["--stack", stack]);
      assert.equal(bad.code, 2, bad.err);
      assert.match(bad.err, /invalid stack configuration: loom:cloud: "asw" is not one of/);
      assert.doesNotMatch(bad.err, /\n\s+at /);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

describe("plan: YAML shape errors name what is wrong", () => {
  it("a duplicate key is reported with its name and line", () => {
    usage(
      () => loadStackConfig("t", stackDir(`${AWS_DEV}  loom:domain: other.example.com\n`)),
      /Pulumi\.t\.yaml: duplicate key "loom:domain" in config \(line 8\)/,
    );
    usage(
      () => loadStackConfig("t", stackDir(`${AWS_DEV}  loom:tags:\n    a: 1\n    a: 2\n`)),
      /duplicate key "a" in config\.loom:tags/,
    );
  });

  it("config written as a list says config must be a map", () => {
    usage(
      () => loadStackConfig("t", stackDir("config:\n  - loom:cloud: aws\n  - loom:domain: x.example.com\n")),
      /config must be a map .*not a list/,
    );
    usage(() => loadStackConfig("t", stackDir("- config\n")), /must be a map with a "config:" map/);
    usage(() => loadStackConfig("t", stackDir("config: [\n")), /Pulumi\.t\.yaml: /);
  });
});

describe("plan: fake secrets satisfy the key's type, so secure values plan like plain ones", () => {
  const secure = "{ secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBB }";

  it("loom:alertSecrets entries stored with --path --secret validate (prod alerts to PagerDuty and a webhook)", () => {
    const text = AWS_DEV.replace(
      "loom:cloud: aws",
      `loom:cloud: aws\n  loom:environment: prod\n  loom:backup:\n    image: ghcr.io/example/loom-backup:0.1.0\n  loom:alerting:\n    channels:\n      - kind: pagerduty\n      - kind: webhook\n  loom:alertSecrets:\n    pagerduty: ${secure}\n    webhook: ${secure}`,
    );
    const { config, secretKeys } = loadStackConfig("t", stackDir(text));
    assert.deepEqual(secretKeys, ["loom:alertSecrets"]);
    assert.deepEqual(JSON.parse(config["loom:alertSecrets"] as string), {
      pagerduty: "fakepagerdutyintegrationkey00000",
      webhook: "https://secret.example.com/fake-webhook",
    });
    validateConfig("t", config, secretKeys);
    // The same values in plain text are refused: credentials only as secrets.
    assert.throws(() => validateConfig("t", config, []), /loom:alertSecrets is stored in plain text/);
  });

  it("loom:kubernetes.kubeconfig stored with --path --secret (nested) is a well-formed kubeconfig", () => {
    const text = `config:
  loom:cloud: kubernetes
  loom:environment: dev
  loom:domain: loom.example.com
  loom:image: ghcr.io/example/loom:0.1.0
  loom:kubernetes:
    kubeconfig:
      secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBB
`;
    const { config, secretKeys } = loadStackConfig("t", stackDir(text));
    assert.deepEqual(secretKeys, ["loom:kubernetes"]);
    assert.equal(JSON.parse(config["loom:kubernetes"] as string).kubeconfig, FAKE_KUBECONFIG);
    validateConfig("t", config);
    const yaml = require("yaml") as typeof import("yaml");
    const doc = yaml.parse(FAKE_KUBECONFIG);
    assert.equal(doc.kind, "Config");
    assert.equal(doc["current-context"], "fake");
  });

  it("loom:domain and loom:kubernetes.acmeEmail stored with --secret validate; other keys get an opaque string", () => {
    const text = `config:
  loom:cloud: kubernetes
  loom:environment: dev
  loom:domain: ${secure}
  loom:image: ghcr.io/example/loom:0.1.0
  loom:kubernetes:
    renderDir: rendered
    acmeEmail: ${secure}
`;
    const { config } = loadStackConfig("t", stackDir(text));
    assert.equal(config["loom:domain"], "secret.example.com");
    validateConfig("t", config);
    assert.equal(fakeSecret("loom:dbPassword"), "fake-secret-for-loom-dbPassword");
  });

  it("the table is data: first match wins and the catch-all is last", () => {
    const last = FAKE_SECRETS[FAKE_SECRETS.length - 1];
    assert.ok(last?.[0].test("anything"));
    assert.equal(fakeSecret("loom:kubernetes.acmeEmail"), "secret@example.com");
    assert.equal(fakeSecret("loom:kubernetes.kubeconfig"), FAKE_KUBECONFIG);
  });
});
