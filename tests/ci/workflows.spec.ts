/**
 * The structure of the GitHub workflows and local actions that matters (docs/ci.md), parsed with the yaml package:
 * SHA pins, least-privilege permissions, Node 22, the deploy jobs' per-stack concurrency, the prod environment, the
 * smoke test and the rollback after every `pulumi up`, and that every `npm run <x>` they name exists.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { DEPLOYED_STACKS } from "../../.github/scripts/affected-stacks";
import { IMPLEMENTED_CLOUDS } from "../../components/cloud";

const root = path.resolve(__dirname, "../..");
type Step = { uses?: string; run?: string; id?: string; if?: string; with?: Record<string, unknown>; name?: string };
type Job = {
  permissions?: unknown;
  steps?: Step[];
  uses?: string;
  env?: Record<string, string>;
  environment?: unknown;
  concurrency?: { group?: string; "cancel-in-progress"?: unknown };
  "timeout-minutes"?: number;
};
type Workflow = { on: unknown; permissions?: unknown; jobs: Record<string, Job> };

const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
const workflowFiles = fs
  .readdirSync(path.join(root, ".github/workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `.github/workflows/${f}`);
const actionFiles = fs
  .readdirSync(path.join(root, ".github/actions"))
  .map((d) => `.github/actions/${d}/action.yml`)
  .filter((f) => fs.existsSync(path.join(root, f)));
const workflows = new Map(workflowFiles.map((f) => [f, parse(read(f)) as Workflow]));
const actions = new Map(actionFiles.map((f) => [f, parse(read(f)) as { runs: { using: string; steps: Step[] } }]));

/** Every step of every job and composite action, with where it is. */
function allSteps(): { where: string; step: Step }[] {
  const out: { where: string; step: Step }[] = [];
  for (const [f, wf] of workflows)
    for (const [name, job] of Object.entries(wf.jobs))
      for (const step of job.steps ?? []) out.push({ where: `${f} job ${name}`, step });
  for (const [f, a] of actions) for (const step of a.runs.steps) out.push({ where: f, step });
  return out;
}

describe("GitHub workflows (structure)", () => {
  it("has the pipelines and local actions docs/ci.md describes", () => {
    assert.deepEqual([...workflows.keys()].map((f) => path.basename(f)).sort(), [
      "ci.yml",
      "deploy.yml",
      "image.yml",
      "preview.yml",
      "release.yml",
      "rotate-db-login.yml",
      "security.yml",
      "zap.yml",
    ]);
    assert.deepEqual(actionFiles.sort(), [".github/actions/cloud-auth/action.yml", ".github/actions/setup/action.yml"]);
    for (const [f, a] of actions) assert.equal(a.runs.using, "composite", f);
  });

  it("pins every remote action to a 40-hex commit with a # vX.Y.Z comment, one commit per action", () => {
    const pins = new Map<string, Set<string>>();
    let remote = 0;
    for (const f of [...workflowFiles, ...actionFiles]) {
      for (const line of read(f).split("\n")) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m || m[1].startsWith("./")) continue;
        remote++;
        const pin = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@([0-9a-f]{40})$/.exec(m[1]);
        assert.ok(pin, `${f}: "${m[1]}" is not owner/repo[/path]@<40-hex commit>`);
        assert.match(m[2], /^\s+#\s*v\d+\.\d+\.\d+\s*$/, `${f}: ${m[1]} has no "# vX.Y.Z" comment`);
        const key = `${pin[1]} ${m[2].trim()}`;
        pins.set(key, (pins.get(key) ?? new Set()).add(pin[3]));
      }
    }
    assert.ok(remote > 40, `only ${remote} remote uses: found`);
    for (const [key, shas] of pins) assert.equal(shas.size, 1, `${key} is pinned to ${[...shas].join(" and ")}`);
    // the parsed documents agree with the line scan: no uses: hides in a form the scan missed
    for (const { where, step } of allSteps())
      if (step.uses && !step.uses.startsWith("./")) assert.match(step.uses, /@[0-9a-f]{40}$/, where);
  });

  it("grants nothing at workflow level and sets permissions and a timeout on every job", () => {
    for (const [f, wf] of workflows) {
      assert.deepEqual(wf.permissions, {}, `${f}: workflow-level permissions must be {}`);
      for (const [name, job] of Object.entries(wf.jobs)) {
        assert.ok(job.permissions && typeof job.permissions === "object", `${f} job ${name} has no permissions:`);
        assert.ok(Number.isInteger(job["timeout-minutes"]), `${f} job ${name} has no timeout-minutes`);
        for (const [scope, level] of Object.entries(job.permissions as Record<string, string>))
          assert.ok(["read", "write"].includes(level), `${f} job ${name}: ${scope}: ${level}`);
      }
    }
  });

  it("writes only where a job needs to (id-token for OIDC, contents for releases and the rotation's switch)", () => {
    const writes: string[] = [];
    for (const [f, wf] of workflows)
      for (const [name, job] of Object.entries(wf.jobs))
        for (const [scope, level] of Object.entries(job.permissions as Record<string, string>))
          if (level === "write") writes.push(`${path.basename(f)}:${name}:${scope}`);
    assert.deepEqual(writes.sort(), [
      "deploy.yml:up-prod:id-token",
      "deploy.yml:up:id-token",
      "image.yml:build:attestations",
      "image.yml:build:id-token",
      "image.yml:build:packages",
      "preview.yml:preview:id-token",
      "preview.yml:preview:pull-requests",
      "release.yml:chart:contents",
      "release.yml:chart:id-token",
      "release.yml:chart:packages",
      "release.yml:docs:id-token",
      "release.yml:docs:pages",
      "release.yml:policy:id-token",
      "release.yml:release-please:contents",
      "release.yml:release-please:pull-requests",
      "rotate-db-login.yml:rotate:contents",
      "rotate-db-login.yml:rotate:id-token",
      "rotate-db-login.yml:rotate:pull-requests",
      "security.yml:codeql:security-events",
      "security.yml:gitleaks:security-events",
      "security.yml:semgrep:security-events",
      "security.yml:trivy:security-events",
      "security.yml:zizmor:security-events",
    ]);
  });

  it("uses Node 22 wherever Node is set up, and sets it up in every job that runs npm", () => {
    const setups = allSteps().filter(({ step }) => step.uses?.startsWith("actions/setup-node@"));
    assert.ok(setups.length >= 2);
    for (const { where, step } of setups) assert.equal(step.with?.["node-version"], "22", where);
    for (const [f, wf] of workflows)
      for (const [name, job] of Object.entries(wf.jobs)) {
        const steps = job.steps ?? [];
        if (!steps.some((s) => /\bnpm\b/.test(s.run ?? ""))) continue;
        const node = steps.findIndex(
          (s) => s.uses === "./.github/actions/setup" || s.uses?.startsWith("actions/setup-node@"),
        );
        const npm = steps.findIndex((s) => /\bnpm\b/.test(s.run ?? ""));
        assert.ok(node >= 0 && node < npm, `${f} job ${name} runs npm without Node 22 set up first`);
      }
  });

  it("names only npm scripts that package.json has", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);
    const named = new Set<string>();
    for (const { where, step } of allSteps())
      for (const m of (step.run ?? "").matchAll(/\bnpm (?:run ([\w:.-]+)|(test)\b)/g)) {
        const script = m[1] ?? m[2];
        named.add(script);
        assert.ok(scripts.includes(script), `${where}: npm run ${script} is not a package.json script`);
      }
    for (const s of ["test", "lint", "typecheck", "plan", "e2e", "e2e:cluster", "scan:k8s", "chart:check"])
      assert.ok(named.has(s), `no workflow runs npm run ${s}`);
    for (const s of ["observability:check", "drill", "bench", "smoke", "rollback", "build", "engine:build"])
      assert.ok(named.has(s), `no workflow runs npm run ${s}`);
    for (const s of ["deployments:plan", "secrets:install", "rotate:db-login"])
      assert.ok(named.has(s), `no workflow runs npm run ${s}`);
  });

  it("plans every deployed stack on every implemented cloud in ci.yml", () => {
    const plan = (workflows.get(".github/workflows/ci.yml") as Workflow).jobs.plan as Job & {
      strategy: { matrix: { stack: string[]; cloud: string[] } };
    };
    assert.deepEqual(plan.strategy.matrix.stack, [...DEPLOYED_STACKS]);
    assert.deepEqual(plan.strategy.matrix.cloud, [...IMPLEMENTED_CLOUDS]);
    const run = (plan.steps ?? []).map((s) => s.run ?? "").join("\n");
    assert.match(run, /npm run plan -- --stack "\$STACK" --cloud "\$CLOUD" --json/);
    assert.doesNotMatch(run, /--no-policy/);
  });

  describe("deploy.yml", () => {
    const deploy = workflows.get(".github/workflows/deploy.yml") as Workflow;
    const upJobs = Object.entries(deploy.jobs).filter(([, j]) =>
      (j.steps ?? []).some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up"),
    );

    it("has one update job per path: staging (or a dispatched stack) and prod", () => {
      assert.deepEqual(upJobs.map(([n]) => n).sort(), ["up", "up-prod"]);
    });

    it("serialises updates per stack and never cancels one in flight", () => {
      for (const [name, job] of upJobs) {
        const stack = job.env?.STACK;
        assert.ok(stack, `${name} has no env.STACK`);
        assert.equal(job.concurrency?.group, `pulumi-up-${stack}`, name);
        assert.equal(job.concurrency?.["cancel-in-progress"], false, name);
      }
    });

    it("puts prod behind the prod environment, after staging", () => {
      const prod = deploy.jobs["up-prod"];
      assert.equal(prod.env?.STACK, "prod");
      assert.equal(prod.environment, "prod");
      assert.equal((prod as { needs?: string }).needs, "up");
      assert.notEqual(deploy.jobs.up.environment, "prod");
    });

    it("smoke-tests after every pulumi up, marks a pass good, and rolls back when the update or the smoke test fails", () => {
      for (const [name, job] of upJobs) {
        const steps = job.steps ?? [];
        const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
        const smoke = steps.findIndex((s) => s.run === 'npm run smoke -- --stack "$STACK" --mark-good');
        const back = steps.findIndex((s) => s.run === 'npm run rollback -- --stack "$STACK"');
        assert.ok(up >= 0 && smoke > up && back > smoke, `${name}: up ${up}, smoke ${smoke}, rollback ${back}`);
        assert.equal(steps[smoke].id, "smoke", name);
        assert.equal(steps[up].id, "up", name);
        assert.equal(
          steps[back].if,
          "failure() && (steps.up.outcome == 'failure' || steps.smoke.outcome == 'failure')",
          name,
        );
        assert.equal(steps[up].with?.policyPacks, "policy", name);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
        const config = job.env?.STACK === "prod" ? "prod" : "${{ env.STACK }}";
        assert.equal(steps[up].with?.policyPackConfigs, `policy/config/${config}.json`, name);
      }
    });
  });

  it("previews only the affected stacks, with the pack and a pull request comment", () => {
    const preview = workflows.get(".github/workflows/preview.yml") as Workflow;
    const job = preview.jobs.preview as Job & { strategy: { matrix: { stack: string } }; needs: string };
    assert.equal(job.needs, "affected");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    assert.equal(job.strategy.matrix.stack, "${{ fromJSON(needs.affected.outputs.stacks) }}");
    const step = (job.steps ?? []).find((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.equal(step?.with?.command, "preview");
    assert.equal(step?.with?.["comment-on-pr"], true);
    assert.equal(step?.with?.policyPacks, "policy");
  });

  it("security.yml runs CodeQL for both languages, weekly and on pull requests, and uploads SARIF", () => {
    const sec = workflows.get(".github/workflows/security.yml") as Workflow & {
      on: { schedule: { cron: string }[]; pull_request: unknown };
    };
    assert.ok("pull_request" in sec.on);
    assert.equal(sec.on.schedule.length, 1);
    const codeql = sec.jobs.codeql as Job & { strategy: { matrix: { language: string[] } } };
    assert.deepEqual(codeql.strategy.matrix.language, ["javascript-typescript", "actions"]);
    const uploads = Object.entries(sec.jobs).filter(([, j]) =>
      (j.steps ?? []).some((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@")),
    );
    assert.deepEqual(uploads.map(([n]) => n).sort(), ["gitleaks", "semgrep", "trivy", "zizmor"]);
  });

  it("image.yml is reusable and scans before it pushes, then signs and attests the pushed digest", () => {
    const img = workflows.get(".github/workflows/image.yml") as Workflow & { on: Record<string, unknown> };
    assert.deepEqual(Object.keys(img.on), ["workflow_call"]);
    const steps = img.jobs.build.steps ?? [];
    const at = (p: (s: Step) => boolean) => steps.findIndex(p);
    const scan = at((s) => /image --input/.test(s.run ?? ""));
    const push = at((s) => s.id === "push");
    const sign = at((s) => /cosign sign --yes/.test(s.run ?? ""));
    const attest = at((s) => /cosign attest --yes --type spdxjson/.test(s.run ?? ""));
    const provenance = at((s) => s.uses?.startsWith("actions/attest-build-provenance@") ?? false);
    assert.ok(scan >= 0 && push > scan && sign > push && attest > sign && provenance > push, `${[scan, push, sign]}`);
    assert.equal(steps[push].with?.push, true);
  });
});
