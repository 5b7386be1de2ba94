/**
 * The whole program, per stack × implemented cloud, through the same path as `npm run plan`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { IMPLEMENTED_CLOUDS } from "../components/cloud";
import { runProgram } from "../scripts/lib/mock-engine";
import { loadStackConfig, mandatory, type PlanResult, planStack, ROOT, renderTree, toJson } from "../scripts/lib/plan";

const STACKS = ["dev", "staging", "prod"] as const;
const run = promisify(execFile);

/** Types that hold data: protected in prod, never in dev (so dev can be torn down). */
const STATEFUL = [
  "aws:rds/instance:Instance",
  "aws:kms/key:Key",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:backup/vault:Vault",
  "aws:s3/bucket:Bucket",
  "aws:secretsmanager/secret:Secret",
  "kubernetes:core/v1:Namespace",
  "kubernetes:postgresql.cnpg.io/v1:Cluster",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:core/v1:Secret",
];

const plans = new Map<string, PlanResult>();
async function plan(stack: string, cloud: string): Promise<PlanResult> {
  const key = `${stack}/${cloud}`;
  let p = plans.get(key);
  if (!p) {
    p = await planStack({ stack, cloud });
    plans.set(key, p);
  }
  return p;
}

describe("every stack × implemented cloud", () => {
  for (const cloud of IMPLEMENTED_CLOUDS) {
    for (const stack of STACKS) {
      describe(`${stack} on ${cloud}`, () => {
        it("plans and passes the loom-guard pack with zero mandatory violations", async () => {
          const p = await plan(stack, cloud);
          assert.ok(p.resources.length > 20, `only ${p.resources.length} resources`);
          // URNs as the real engine writes them (no root Stack in the type chain), so plan JSON and state compare.
          assert.deepEqual(
            p.resources.filter((r) => `${r.urn} ${r.parent}`.includes("pulumi:pulumi:Stack$")).map((r) => r.urn),
            [],
          );
          assert.ok(p.resources.some((r) => r.urn === `urn:pulumi:${stack}::loom::loom:components:Network::loom`));
          assert.deepEqual(
            mandatory(p).map((v) => `${v.policy}: ${v.urn.split("::").pop()}: ${v.message}`),
            [],
          );
        });

        it("never shows a secret value in the tree or the JSON plan", async () => {
          const p = await plan(stack, cloud);
          const text = `${renderTree(p)}\n${JSON.stringify(toJson(p))}`;
          assert.doesNotMatch(text, /mock-generated-password/);
          assert.doesNotMatch(text, /fake-secret-for-/);
          const secretInputs = p.resources.reduce((n, r) => n + r.secretPaths.length, 0);
          if (secretInputs > 0) assert.match(JSON.stringify(toJson(p)), /"\[secret\]"/);
        });

        it(`protects stateful resources only in prod`, async () => {
          const p = await plan(stack, cloud);
          const stateful = p.resources.filter((r) => STATEFUL.includes(r.type));
          assert.ok(stateful.length > 0, "no stateful resources found");
          for (const r of stateful) assert.equal(r.protect, stack === "prod", `${r.type} ${r.name}`);
        });
      });
    }
  }

  for (const cloud of IMPLEMENTED_CLOUDS) {
    it(`a ${cloud} plan loads only the ${cloud} SDK (fresh process)`, async () => {
      const { stdout } = await run(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "tests/harness/loaded-sdks.ts", "dev", cloud],
        { cwd: ROOT },
      );
      const loaded: string[] = JSON.parse(stdout);
      const sdkOf: Record<string, string> = { aws: "aws", kubernetes: "kubernetes" };
      const clouds = ["aws", "azure-native", "gcp", "digitalocean", "kubernetes"];
      assert.deepEqual(
        loaded.filter((p) => clouds.includes(p)),
        [sdkOf[cloud]],
        `loaded: ${loaded.join(", ")}`,
      );
    });
  }

  it("prod differs from dev where the profile says so", async () => {
    const [dev, prod] = [await plan("dev", "aws"), await plan("prod", "aws")];
    const count = (p: PlanResult, type: string) => p.resources.filter((r) => r.type === type).length;
    assert.equal(count(dev, "aws:ec2/natGateway:NatGateway"), 1);
    assert.equal(count(prod, "aws:ec2/natGateway:NatGateway"), 3);
    assert.equal(count(dev, "aws:rds/instance:Instance"), 1);
    assert.equal(count(prod, "aws:rds/instance:Instance"), 2, "prod has a read replica");
    assert.equal(count(dev, "aws:rds/proxy:Proxy"), 0);
    assert.equal(count(prod, "aws:rds/proxy:Proxy"), 1);
    assert.equal(count(dev, "aws:wafv2/webAcl:WebAcl"), 0);
    assert.equal(count(prod, "aws:wafv2/webAcl:WebAcl"), 1);
    assert.equal(count(dev, "aws:cloudwatch/metricAlarm:MetricAlarm"), 0);
    assert.ok(count(prod, "aws:cloudwatch/metricAlarm:MetricAlarm") >= 7);
    assert.equal(count(dev, "aws:backup/plan:Plan"), 0);
    assert.equal(count(prod, "aws:backup/plan:Plan"), 1);
    assert.equal(count(dev, "aws:appautoscaling/target:Target"), 0);
    assert.equal(count(prod, "aws:appautoscaling/target:Target"), 2);
  });
});

describe("bad stack config", () => {
  it("fails before any resource is registered", async () => {
    const { config, secretKeys } = loadStackConfig("dev");
    config["loom:cloud"] = "asw";
    await assert.rejects(
      runProgram({ project: "loom", stack: "dev", config, secretKeys, program: path.join(ROOT, "index.ts") }),
      (e: Error & { registeredResources?: number }) => {
        assert.match(e.message, /loom:cloud: "asw" is not one of aws, gcp, azure, digitalocean, kubernetes/);
        assert.equal(e.registeredResources, 0);
        return true;
      },
    );
  });

  it("the plan CLI exits 2 naming the key, 0 on a clean stack", async () => {
    const cli = (args: string[]) =>
      run(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", ...args], { cwd: ROOT }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
      );
    const bad = await cli(["--stack", "dev", "--cloud", "nope"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--cloud: "nope" is not one of aws, gcp, azure, digitalocean, kubernetes/);
    const missing = await cli(["--stack", "nope"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no stack file Pulumi\.nope\.yaml/);
    const notYet = await cli(["--stack", "dev", "--cloud", "gcp"]);
    assert.equal(notYet.code, 2);
    assert.match(notYet.err, /loom:cloud "gcp" is not implemented yet/);
    const badPack = await cli(["--stack", "dev", "--policy-config", "package.json"]);
    assert.equal(badPack.code, 2);
    assert.match(badPack.err, /--policy-config: cannot read package\.json: policy pack configuration is invalid/);
    const ok = await cli(["--stack", "dev"]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /aws:rds\/instance:Instance/);
  });
});
