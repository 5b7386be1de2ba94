/**
 * deployments/ under the mock engine with the committed deployments/Pulumi.all.yaml: what the engine receives for
 * each Loom stack, per cloud, and the CLI (npm run deployments:plan) exit codes and --json.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { loadDeploymentsConfig, planDeploymentsProgram, ROOT } from "../../scripts/lib/deployments-plan";
import { type PlannedResource, runProgram } from "../../scripts/lib/mock-engine";

/** The AWS session name, literally: Pulumi Cloud fills the placeholders in. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Pulumi Cloud placeholders, not JavaScript
const SESSION = "loom-${stack.name}-${deployment.operation}-${deployment.id}";
const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ["scripts/dist.js", "run", "scripts/deployments-plan.ts", ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );

const find = (resources: PlannedResource[], type: string, name: string) => {
  const r = resources.find((x) => x.type === `pulumiservice:index:${type}` && x.name === name);
  assert.ok(r, `no ${type} ${name}`);
  return r;
};
type CommittedStack = { deployer?: string; oidc: Record<string, Record<string, string>> };
const committedStacks = () =>
  JSON.parse(loadDeploymentsConfig("all")["loom-deployments:stacks"] as string) as Record<string, CommittedStack>;

describe("deployments plan (mock engine, committed config)", () => {
  it("registers settings, a drift schedule and the deployer tag per Loom stack, nothing else", async () => {
    const plan = await planDeploymentsProgram();
    assert.deepEqual(
      plan.resources.map((r) => `${r.type} ${r.name}`),
      ["dev", "staging", "prod"].flatMap((s) => [
        `pulumiservice:index:DeploymentSettings ${s}-settings`,
        `pulumiservice:index:DriftSchedule ${s}-drift`,
        `pulumiservice:index:StackTag ${s}-deployer`,
      ]),
    );
    const subjects = (stack: string) =>
      ["detect-drift", "refresh"].map(
        (op) => `pulumi:deploy:org:example-org:project:loom:stack:${stack}:operation:${op}:scope:write`,
      );
    const summary = (stack: string, driftCron: string) => ({
      cloud: "aws",
      environment: stack,
      deployer: "workflows",
      branch: "main",
      driftCron,
      oidcSubjects: subjects(stack),
    });
    assert.deepEqual(plan.outputs.stacks, {
      dev: summary("dev", "0 6 * * 1-5"),
      staging: summary("staging", "0 6 * * *"),
      prod: summary("prod", "0 */4 * * *"),
    });
  });

  it("prod's settings as the engine receives them: source, GitHub app, OIDC, npm ci, loom-guard; drift never remediates", async () => {
    const plan = await planDeploymentsProgram();
    assert.deepEqual(find(plan.resources, "DeploymentSettings", "prod-settings").inputs, {
      organization: "example-org",
      project: "loom",
      stack: "prod",
      sourceContext: { git: { branch: "refs/heads/main", repoDir: "." } },
      github: {
        repository: "example-org/loom-infra",
        deployCommits: false,
        previewPullRequests: false,
        pullRequestTemplate: false,
        paths: ["components/**", "policy/**", "index.ts", "Pulumi.yaml", "package-lock.json", "Pulumi.prod.yaml"],
      },
      operationContext: {
        preRunCommands: ["npm ci --no-audit --no-fund", "npm ls --workspace=policy --depth=0"],
        environmentVariables: {
          PULUMI_OPTION_POLICY_PACK: "policy",
          PULUMI_OPTION_POLICY_PACK_CONFIG: "policy/config/prod.json",
        },
        options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
        oidc: {
          aws: {
            roleARN: "arn:aws:iam::000000000000:role/loom-deployments-prod",
            sessionName: SESSION,
            duration: "2h",
          },
        },
      },
    });
    const drift = find(plan.resources, "DriftSchedule", "prod-drift");
    assert.deepEqual(drift.inputs, {
      organization: "example-org",
      project: "loom",
      stack: "prod",
      scheduleCron: "0 */4 * * *",
      autoRemediate: false,
    });
    assert.deepEqual(find(plan.resources, "StackTag", "prod-deployer").inputs, {
      organization: "example-org",
      project: "loom",
      stack: "prod",
      name: "loom-deployer",
      value: "workflows",
    });
  });

  for (const cloud of ["gcp", "azure"] as const) {
    it(`--cloud ${cloud}: every stack gets exactly the ${cloud} OIDC block built from its own ids`, async () => {
      const plan = await planDeploymentsProgram({ cloud });
      const committed = committedStacks();
      for (const s of ["dev", "staging", "prod"]) {
        const inputs = find(plan.resources, "DeploymentSettings", `${s}-settings`).inputs;
        const ids = committed[s]?.oidc[cloud] ?? {};
        const { projectNumber, ...rest } = ids;
        const expected = cloud === "gcp" ? { gcp: { projectId: projectNumber, ...rest } } : { azure: ids };
        assert.deepEqual((inputs.operationContext as Record<string, unknown>).oidc, expected);
      }
    });
  }

  it("handing staging to Deployments: push-to-deploy and previews on staging only, tag says so", async () => {
    const stacks = committedStacks();
    (stacks.staging as CommittedStack).deployer = "deployments";
    const plan = await planDeploymentsProgram({
      configOverrides: { "loom-deployments:stacks": JSON.stringify(stacks) },
    });
    const gh = (s: string) =>
      find(plan.resources, "DeploymentSettings", `${s}-settings`).inputs.github as Record<string, unknown>;
    assert.deepEqual(
      ["dev", "staging", "prod"].map((s) => [gh(s).deployCommits, gh(s).previewPullRequests]),
      [
        [false, false],
        [true, true],
        [false, false],
      ],
    );
    assert.equal(find(plan.resources, "StackTag", "staging-deployer").inputs.value, "deployments");
  });

  it("the engine's entry point, deployments/main.js (precompiled dist/), registers the same resources", async () => {
    const run = await runProgram({
      project: "loom-deployments",
      stack: "all",
      config: loadDeploymentsConfig("all"),
      program: path.join(ROOT, "deployments", "main.js"),
    });
    const viaTs = await planDeploymentsProgram();
    assert.deepEqual(
      run.resources.map((r) => [r.type, r.name, r.inputs]),
      viaTs.resources.map((r) => [r.type, r.name, r.inputs]),
    );
    assert.equal(run.resources.length, 9);
    assert.deepEqual(run.outputs, viaTs.outputs);
  });

  it("a review-stack template and a temporary stack: TtlSchedule registered after its settings", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "loom-deployments-root-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: loom\n");
    fs.writeFileSync(path.join(root, "package.json"), "{}\n");
    fs.writeFileSync(path.join(root, "Pulumi.dev.yaml"), "config:\n  loom:cloud: gcp\n");
    fs.writeFileSync(path.join(root, "Pulumi.loadtest.yaml"), "config:\n  loom:cloud: aws\n  loom:environment: dev\n");
    fs.mkdirSync(path.join(root, "policy", "config"), { recursive: true });
    fs.writeFileSync(path.join(root, "policy", "config", "dev.json"), "{}\n");
    const committed = committedStacks();
    const stacks = {
      dev: { reviewStacks: true, oidc: committed.dev?.oidc },
      loadtest: { expires: "2027-01-31T18:00:00Z", oidc: committed.dev?.oidc },
    };
    const plan = await planDeploymentsProgram({
      root,
      configOverrides: { "loom-deployments:stacks": JSON.stringify(stacks) },
    });
    assert.deepEqual(find(plan.resources, "TtlSchedule", "loadtest-ttl").inputs, {
      organization: "example-org",
      project: "loom",
      stack: "loadtest",
      timestamp: "2027-01-31T18:00:00Z",
      deleteAfterDestroy: true,
    });
    const names = plan.resources.map((r) => r.name);
    assert.ok(names.indexOf("loadtest-ttl") > names.indexOf("loadtest-settings"));
    const dev = find(plan.resources, "DeploymentSettings", "dev-settings").inputs;
    assert.equal((dev.github as Record<string, unknown>).pullRequestTemplate, true);
    assert.deepEqual((dev.operationContext as Record<string, Record<string, unknown>>).options, {
      skipInstallDependencies: true,
      skipIntermediateDeployments: true,
      deleteAfterDestroy: true,
    });
    assert.deepEqual(Object.keys((dev.operationContext as Record<string, Record<string, unknown>>).oidc ?? {}), [
      "gcp",
    ]);
    assert.deepEqual(
      (plan.outputs.stacks as Record<string, Record<string, unknown>>).loadtest?.expires,
      "2027-01-31T18:00:00Z",
    );
  });

  it("a stacks value that is not a map is an error naming the key", async () => {
    await assert.rejects(planDeploymentsProgram({ configOverrides: { "loom-deployments:stacks": "dev, prod" } }), {
      message:
        'invalid loom-deployments config:\n  - loom-deployments:stacks: "dev, prod" must be a map of stack name → settings',
    });
  });

  it("bad config fails before any resource is registered", async () => {
    await assert.rejects(
      planDeploymentsProgram({ configOverrides: { "loom-deployments:repository": "not a repo" } }),
      (e: Error & { registeredResources?: number }) =>
        e.message ===
          'invalid loom-deployments config:\n  - loom-deployments:repository: "not a repo" must be the GitHub repository as owner/name' &&
        e.registeredResources === 0,
    );
  });
});

describe("deployments stack file loader", () => {
  const dirWith = (text: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-deployments-"));
    fs.copyFileSync(path.join(ROOT, "deployments", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), text);
    return dir;
  };
  it("objects become JSON strings as the engine passes them", () => {
    const dir = dirWith(
      "config:\n  loom-deployments:organization: example-org\n  loom-deployments:stacks:\n    dev: {}\n",
    );
    assert.deepEqual(loadDeploymentsConfig("t", dir), {
      "loom-deployments:organization": "example-org",
      "loom-deployments:stacks": '{"dev":{}}',
    });
  });
  it("a key the program never reads, a secret and a missing file are usage errors naming them", () => {
    assert.throws(() => loadDeploymentsConfig("t", dirWith("config:\n  organization: example-org\n")), {
      message: 'Pulumi.t.yaml: key "organization" is never read; write it as "loom-deployments:organization"',
    });
    assert.throws(() => loadDeploymentsConfig("t", dirWith("config:\n  loom:organization: example-org\n")), {
      message: 'Pulumi.t.yaml: key "loom:organization" is never read; write it as "loom-deployments:organization"',
    });
    assert.throws(
      () => loadDeploymentsConfig("t", dirWith("config:\n  loom-deployments:repository:\n    secure: v1:abc\n")),
      {
        message: "Pulumi.t.yaml: loom-deployments:repository is secret; no key of this program is",
      },
    );
    assert.throws(() => loadDeploymentsConfig("nope", dirWith("config: {}\n")), {
      message: "no stack file deployments/Pulumi.nope.yaml",
    });
  });
});

describe("npm run deployments:plan (CLI)", () => {
  it("prints every resource and each stack's settings; --json writes the resources", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "loom-deployments-")), "plan.json");
    const r = await cli(["--json", file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /pulumiservice:index:DeploymentSettings\s+prod-settings/);
    assert.match(
      r.out,
      /prod: refs\/heads\/main · deployCommits false · previewPullRequests false · review template false/,
    );
    assert.match(
      r.out,
      /oidc aws · policy policy policy\/config\/prod\.json · drift "0 \*\/4 \* \* \*" autoRemediate false/,
    );
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { project: string; resources: { name: string }[] };
    assert.equal(doc.project, "loom-deployments");
    assert.equal(doc.resources.length, 9);
  });

  it("exit 2 with the reason: a cloud without Deployments OIDC, an unknown flag", async () => {
    const r = await cli(["--cloud", "digitalocean"]);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /loom-deployments:stacks\.prod: Pulumi\.prod\.yaml deploys to loom:cloud digitalocean, which Pulumi Deployments has no OIDC for \(allowed: aws, gcp, azure\)/,
    );
    const u = await cli(["--stak", "all"]);
    assert.equal(u.code, 2);
    assert.match(u.err, /Unknown option '--stak'/);
  });
});
