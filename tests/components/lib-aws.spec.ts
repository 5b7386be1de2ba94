import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { awsAccount, awsScope, kmsKey } from "../../components/lib/aws";
import { FAKE_ACCOUNT } from "../../scripts/lib/mock-engine";
import { one, runComponents } from "../harness/program";
import { staticAwsPlatform } from "./aws-fixtures";

async function keyPolicy(servicePrincipals: string[], protect = false) {
  const run = await runComponents(() => {
    const parent = new pulumi.ComponentResource("loom:test:Parent", "p", {});
    kmsKey(parent, "k", {
      description: "test",
      alias: "loom-test",
      region: "eu-west-1",
      account: awsAccount(parent),
      servicePrincipals,
      tags: {},
      protect,
    });
  });
  const key = one(run, "aws:kms/key:Key");
  return { key, statements: JSON.parse(key.inputs.policy as string).Statement as Record<string, unknown>[], run };
}

describe("lib/aws kmsKey", () => {
  it("rotates yearly, keeps the 30-day deletion window, and is protected on request", async () => {
    const { key, run } = await keyPolicy([], true);
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.equal(key.inputs.rotationPeriodInDays, 365);
    assert.equal(key.inputs.deletionWindowInDays, 30);
    assert.equal(key.protect, true);
    assert.equal(one(run, "aws:kms/alias:Alias").inputs.name, "alias/loom-test");
  });

  it("keeps the account root as administrator", async () => {
    const { statements } = await keyPolicy([]);
    assert.deepEqual(statements, [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${FAKE_ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
  });

  it("confines each service principal the way that service supports", async () => {
    const { statements } = await keyPolicy([
      "logs.eu-west-1.amazonaws.com",
      "cloudwatch.amazonaws.com",
      "sns.amazonaws.com",
    ]);
    const byService = (s: string) => statements.find((st) => (st.Principal as { Service?: string }).Service === s);
    assert.deepEqual(byService("logs.eu-west-1.amazonaws.com")?.Condition, {
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${FAKE_ACCOUNT}:*` },
    });
    assert.equal(byService("cloudwatch.amazonaws.com")?.Condition, undefined);
    assert.deepEqual(byService("sns.amazonaws.com")?.Condition, {
      StringEquals: { "aws:SourceAccount": FAKE_ACCOUNT },
    });
    for (const st of statements.slice(1)) {
      assert.deepEqual(st.Action, [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ]);
    }
  });
});

describe("lib/aws awsScope", () => {
  const ctx = { project: "loom", stack: "prod-eu", environment: "prod", tags: { team: "platform" } };
  const base = { cloud: "aws" as const, platform: staticAwsPlatform(), context: ctx, protect: true };

  it("names from the stack, tags by component, protects only stateful children, and reads the platform", () => {
    const parent = {} as pulumi.Resource;
    const s = awsScope(parent, "loom", base, "cache");
    assert.equal(s.prefix, "loom-prod-eu");
    assert.equal(s.region, "eu-west-1");
    assert.equal(s.logPath("cache/slow-log"), "/loom/prod-eu/cache/slow-log");
    assert.deepEqual(s.tags({ Name: "x" }), {
      project: "loom",
      environment: "prod",
      stack: "prod-eu",
      component: "cache",
      "managed-by": "pulumi",
      team: "platform",
      Name: "x",
    });
    assert.deepEqual(s.opts(), { parent });
    assert.deepEqual(s.opts(true), { parent, protect: true });
    assert.deepEqual(awsScope(parent, "loom", { ...base, protect: false }, "cache").opts(true), { parent });
  });

  it("refuses a platform of another cloud, naming it", () => {
    const k8s = { ...base, platform: { cloud: "kubernetes" } as unknown as typeof base.platform };
    assert.throws(() => awsScope({} as pulumi.Resource, "loom", k8s, "cache"), {
      propertyPath: "platform",
      reason: "must come from a aws component, got kubernetes",
    });
  });
});
