import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { awsAccount, kmsKey } from "../../components/lib/aws";
import { FAKE_ACCOUNT } from "../../scripts/lib/mock-engine";
import { one, runComponents } from "../harness/program";

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
