/**
 * AWS app logs never pass through a collector (the container's stdout goes straight to CloudWatch Logs), so the
 * credential shapes are masked there by the log groups' data protection policy: one custom data identifier per
 * shape of the one table (policy/lib/credential-shapes.ts `cloudwatch`). These tests hold each identifier to
 * CloudWatch's documented limits and feed it the same sample lines the collector and Vector rules are fed.
 * (CloudWatch's regex engine itself cannot run here; its character set is basic enough that JavaScript's RegExp
 * reads each identifier the same way.)
 */
import * as assert from "node:assert/strict";
import { customDataIdentifiers, logDataProtectionPolicy } from "../../components/app-service/policies";
import { CREDENTIAL_SHAPES, shapeRegExp } from "../../policy/lib/credential-shapes";
import { COVERED, NEGATIVE } from "./log-samples";

/** What CloudWatch accepts in a custom data identifier's regex (CWL-custom-data-identifiers). */
const CWL_REGEX_CHARS = /^[A-Za-z0-9_#=@/;,\- ^$?[\]{}|\\*+.]+$/;
const MANAGED = ["EmailAddress", "AwsSecretKey", "OpenSshPrivateKey", "PgpPrivateKey", "PkcsPrivateKey", "IpAddress"];

describe("CloudWatch Logs custom data identifiers (the AWS app logs' credential masking)", () => {
  const cdis = customDataIdentifiers();

  it("stays inside CloudWatch's limits: ≤ 10 a policy, names ≤ 128 of [A-Za-z0-9_-], regexes ≤ 200 allowed characters", () => {
    assert.ok(cdis.length <= 10, `${cdis.length} identifiers`);
    for (const c of cdis) {
      assert.match(c.Name, /^[A-Za-z0-9_-]{1,128}$/);
      assert.ok(!MANAGED.includes(c.Name), c.Name);
      assert.ok(c.Regex.length <= 200, `${c.Name}: ${c.Regex.length} characters`);
      assert.match(c.Regex, CWL_REGEX_CHARS, c.Name);
    }
  });

  it("has one for every shape but the two it cannot or need not carry", () => {
    const without = CREDENTIAL_SHAPES.filter((s) => !s.cloudwatch).map((s) => s.id);
    // private-key: the managed *PrivateKey identifiers; url-credentials: `user:password@` needs a colon.
    assert.deepEqual(without, ["private-key", "url-credentials"]);
    assert.deepEqual(
      cdis.map((c) => c.Name),
      CREDENTIAL_SHAPES.filter((s) => s.cloudwatch).map((s) => `loom-${s.id}`),
    );
  });

  it("matches every sample line a shape it carries matches, covering the secret", () => {
    let fed = 0;
    for (const shape of CREDENTIAL_SHAPES.filter((s) => s.cloudwatch)) {
      const cdi = new RegExp(shape.cloudwatch as string, "g");
      for (const s of COVERED.filter((x) => shapeRegExp(shape.pattern, false).test(x.line))) {
        const hits = [...s.line.matchAll(cdi)].map((m) => m[0]);
        assert.ok(
          hits.some((h) => h.includes(s.secret)),
          `${shape.id} on "${s.shape}": ${JSON.stringify(hits)} misses ${s.secret}`,
        );
        fed++;
      }
    }
    assert.ok(fed >= 10, `only ${fed} samples fed`);
  });

  it("leaves the ordinary lines alone", () => {
    for (const c of cdis) {
      for (const line of NEGATIVE) assert.doesNotMatch(line, new RegExp(c.Regex), `${c.Name} on ${line}`);
    }
  });

  it("puts them in the policy with the tokens class, by name beside the managed ARNs, and not without it", () => {
    const on = logDataProtectionPolicy("aws", "p", { emails: false, tokens: true, ips: false }) as {
      Configuration: { CustomDataIdentifier: { Name: string }[] };
      Statement: { DataIdentifier: string[] }[];
    };
    assert.deepEqual(on.Configuration.CustomDataIdentifier, cdis);
    assert.deepEqual(
      on.Statement[1]?.DataIdentifier.slice(-cdis.length),
      cdis.map((c) => c.Name),
    );
    assert.equal(on.Statement[1]?.DataIdentifier[0], "arn:aws:dataprotection::aws:data-identifier/AwsSecretKey");
    const off = logDataProtectionPolicy("aws", "p", { emails: true, tokens: false, ips: false }) as object;
    assert.ok(!("Configuration" in off));
  });
});
