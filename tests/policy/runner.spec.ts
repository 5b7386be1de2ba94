/**
 * scripts/lib/policy-runner.ts emulates the engine's analyzer: enforcement-level precedence, config defaults and
 * validation, frozen plain-JSON props, URNs, notApplicable, stack policies with parents.
 */
import assert from "node:assert/strict";
import type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configOf, evaluatePolicies, levelOf, validatePackConfig } from "../../scripts/lib/policy-runner";
import { resource } from "../harness/fixtures";

const bucket = resource("aws:s3/bucket:Bucket", { bucket: "b", tags: { a: "1" }, gone: undefined });
const child = { ...resource("aws:s3/bucketPolicy:BucketPolicy", { policy: "{}" }), parent: bucket.urn };

const always = (name: string, extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy => ({
  name,
  description: `${name} always reports`,
  validateResource: (args, report) => report(`${args.type} ${args.name}`, "urn:ignored"),
  ...extra,
});

describe("policy runner (engine emulation)", () => {
  it("enforcement level: per-policy config > all > the policy's own > the pack's mandatory", () => {
    const own = always("own", { enforcementLevel: "advisory" });
    const none = always("none");
    assert.equal(levelOf(own, {}), "advisory");
    assert.equal(levelOf(none, {}), "mandatory");
    assert.equal(levelOf(own, { all: "mandatory" }), "mandatory", '"all" overrides a policy default (CLI applyConfig)');
    assert.equal(levelOf(own, { all: "mandatory", own: "disabled" }), "disabled");
    assert.equal(levelOf(own, { all: { enforcementLevel: "disabled" }, own: { threshold: 1 } }), "disabled");
    assert.equal(levelOf(own, { own: { enforcementLevel: "mandatory" } }), "mandatory");
  });

  it("skips disabled policies and reports remediate as mandatory", async () => {
    const policies: Policies = [always("a"), always("b", { enforcementLevel: "remediate" })];
    const r = await evaluatePolicies([bucket], policies, { a: "disabled" });
    assert.deepEqual(r, {
      pack: "loom-guard",
      violations: [
        { policy: "b", enforcementLevel: "mandatory", urn: bucket.urn, message: "aws:s3/bucket:Bucket bucket" },
      ],
    });
  });

  it("merges configSchema defaults under the pack config and validates the result", async () => {
    const p: ResourceValidationPolicy = {
      ...always("cfg"),
      configSchema: {
        properties: {
          days: { type: "integer", minimum: 1, default: 7 },
          names: { type: "array", items: { type: "string" }, default: ["x"] },
        },
      },
      validateResource: (args, report) => report(JSON.stringify(args.getConfig())),
    };
    assert.deepEqual(configOf(p, {}), { days: 7, names: ["x"] });
    assert.deepEqual(configOf(p, { cfg: { enforcementLevel: "advisory", days: 14 } }), { days: 14, names: ["x"] });
    const r = await evaluatePolicies([bucket], [p], { cfg: { days: 14 } });
    assert.deepEqual(
      r.violations.map((v) => v.message),
      ['{"days":14,"names":["x"]}'],
    );
    assert.throws(() => validatePackConfig([p], { cfg: { days: 0 } }), /cfg: days: must be >= 1/);
    assert.throws(
      () => validatePackConfig([p], { cfg: { names: [1] } }),
      /cfg: names\.0: invalid type, expected string, given integer/,
    );
    assert.throws(
      () => validatePackConfig([p], { cfg: "loud" as never }),
      /cfg: "loud" is not a valid enforcement level/,
    );
    await assert.rejects(
      evaluatePolicies([bucket], [p], { cfg: { days: "7" } }),
      /cfg: days: invalid type, expected integer, given string/,
    );
  });

  it("hands policies frozen plain-JSON props (undefined dropped) and fails loudly naming the policy", async () => {
    const seen: unknown[] = [];
    const reader: ResourceValidationPolicy = {
      ...always("reader"),
      validateResource: (args) => {
        seen.push(args.props);
      },
    };
    const writer: ResourceValidationPolicy = {
      ...always("writer"),
      validateResource: (args) => {
        (args.props as Record<string, unknown>).bucket = "changed";
      },
    };
    await evaluatePolicies([bucket], [reader]);
    assert.deepEqual(seen, [{ bucket: "b", tags: { a: "1" } }]);
    assert.ok(!("gone" in (seen[0] as object)));
    await assert.rejects(
      evaluatePolicies([bucket], [writer]),
      /^Error: Error validating resource with policy 'writer' from policy pack 'loom-guard@v0\.1\.0': Cannot assign to read only property 'bucket'/,
    );
  });

  it("treats notApplicable as silence and ignores a resource policy's urn argument", async () => {
    const na: ResourceValidationPolicy = {
      ...always("na"),
      validateResource: (args) => args.notApplicable("not mine"),
    };
    const r = await evaluatePolicies([bucket], [na, always("urn")]);
    assert.deepEqual(
      r.violations.map((v) => [v.policy, v.urn]),
      [["urn", bucket.urn]],
    );
  });

  it("runs stack policies once with every resource, parents linked, and the URN they report", async () => {
    let received: PolicyResource[] = [];
    const stack: StackValidationPolicy = {
      name: "stack",
      description: "stack policy",
      enforcementLevel: "advisory",
      validateStack: (args, report) => {
        received = args.resources;
        report("about the child", args.resources[1]?.urn);
        report("about the stack");
      },
    };
    const r = await evaluatePolicies([bucket, child], [stack]);
    assert.equal(received.length, 2);
    assert.equal(received[1]?.parent?.urn, bucket.urn);
    assert.deepEqual(
      r.violations.map((v) => [v.urn, v.message, v.enforcementLevel]),
      [
        [child.urn, "about the child", "advisory"],
        ["", "about the stack", "advisory"],
      ],
    );
  });
});
