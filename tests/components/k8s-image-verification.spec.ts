/**
 * `loom:kubernetes.imageVerification`: the setting's rules (components/targets/kubernetes-image-verification.ts), the
 * Kyverno ClusterPolicy it creates (components/app-service/k8s-image-verification.ts, wired in kubernetes.ts), its
 * plan-time warning, and that a prod plan with it on passes loom-guard.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import {
  imageVerificationPolicy,
  imageVerificationWarning,
  repositoryOf,
} from "../../components/app-service/k8s-image-verification";
import { PROFILES } from "../../components/profiles";
import { SettingsError } from "../../components/settings";
import type { KubernetesImageVerification } from "../../components/targets/kubernetes-image-verification";
import { planStack } from "../../scripts/lib/plan";
import { ofType, one, runComponents } from "../harness/program";
import { base, IMAGE, k8sNetwork, k8sSettings, k8sTarget } from "./k8s-fixtures";

const POLICY = "kubernetes:kyverno.io/v1:ClusterPolicy";
const ISSUER = "https://token.actions.githubusercontent.com";
const SUBJECT = "https://github.com/acme/loom-infra/.github/workflows/image.yml@refs/heads/main";
const REGEXP = "^https://github\\.com/acme/loom-infra/\\.github/workflows/image\\.yml@.+$";
// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON; tests read them by path
type Inputs = any;
const ON = { imageVerification: { issuer: ISSUER, subject: SUBJECT } };

function problemsOf(imageVerification: unknown): string[] {
  try {
    k8sSettings("prod", { imageVerification });
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

/** The spec every enforce-mode policy of this identity has, over the given imageReferences. */
function enforced(namespace: string, imageReferences: string[]) {
  return {
    validationFailureAction: "Enforce",
    background: false,
    failurePolicy: "Fail",
    webhookTimeoutSeconds: 30,
    rules: [
      {
        name: "signed-images",
        match: { any: [{ resources: { kinds: ["Pod"], namespaces: [namespace] } }] },
        verifyImages: [
          {
            imageReferences,
            mutateDigest: true,
            verifyDigest: true,
            required: true,
            attestors: [
              {
                count: 1,
                entries: [
                  {
                    keyless: {
                      issuer: ISSUER,
                      subject: SUBJECT,
                      rekor: { url: "https://rekor.sigstore.dev" },
                      ctlog: { ignoreSCT: false },
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

describe("loom:kubernetes.imageVerification", () => {
  describe("settings", () => {
    it("is off by default", () => {
      assert.equal(k8sTarget("prod").imageVerification, undefined);
      assert.equal("imageVerification" in k8sTarget("prod"), false);
    });

    it("defaults: mode enforce, the public Rekor", () => {
      assert.deepEqual(k8sTarget("prod", ON).imageVerification, {
        mode: "enforce",
        issuer: ISSUER,
        subject: SUBJECT,
        rekorUrl: "https://rekor.sigstore.dev",
      });
      const audit = k8sTarget("prod", {
        imageVerification: { mode: "audit", issuer: ISSUER, subjectRegExp: REGEXP, rekorUrl: "https://rekor.example" },
      }).imageVerification;
      assert.deepEqual(audit, {
        mode: "audit",
        issuer: ISSUER,
        subjectRegExp: REGEXP,
        rekorUrl: "https://rekor.example",
      });
    });

    it("a missing issuer and a missing subject: one message each", () => {
      assert.deepEqual(problemsOf({}), [
        "loom:kubernetes.imageVerification.issuer is required when loom:kubernetes.imageVerification is set: the OIDC issuer of the signing certificate (image.yml signs with https://token.actions.githubusercontent.com)",
        "loom:kubernetes.imageVerification needs exactly one of subject and subjectRegExp (subject (not set), subjectRegExp (not set)): the identity image.yml signs with, https://github.com/<owner>/loom-infra/.github/workflows/image.yml@<ref>",
      ]);
    });

    it("subject and subjectRegExp together are refused", () => {
      assert.deepEqual(problemsOf({ issuer: ISSUER, subject: SUBJECT, subjectRegExp: REGEXP }), [
        `loom:kubernetes.imageVerification needs exactly one of subject and subjectRegExp (subject "${SUBJECT}", subjectRegExp "${REGEXP.replaceAll("\\", "\\\\")}"): the identity image.yml signs with, https://github.com/<owner>/loom-infra/.github/workflows/image.yml@<ref>`,
      ]);
    });

    it("bad values name the key, the value and what is allowed", () => {
      const k = "loom:kubernetes.imageVerification";
      const cases: [unknown, string][] = [
        [
          { issuer: "http://token.actions.githubusercontent.com", subject: SUBJECT },
          `${k}.issuer: "http://token.actions.githubusercontent.com" must be the OIDC issuer's https:// URL, e.g. https://token.actions.githubusercontent.com`,
        ],
        [
          { issuer: ISSUER, subjectRegExp: "https://github.com/acme/.*" },
          `${k}.subjectRegExp: "https://github.com/acme/.*" must be anchored (start with ^ and end with $): an unanchored expression also matches longer identities`,
        ],
        [
          { issuer: ISSUER, subjectRegExp: "^(unclosed$" },
          `${k}.subjectRegExp: "^(unclosed$" is not a regular expression (Invalid regular expression: /^(unclosed$/: Unterminated group)`,
        ],
        [{ mode: "warn", issuer: ISSUER, subject: SUBJECT }, `${k}.mode: "warn" is not one of enforce, audit`],
        [
          { issuer: ISSUER, subject: SUBJECT, rekorUrl: "rekor.sigstore.dev" },
          `${k}.rekorUrl: "rekor.sigstore.dev" must be the transparency log's https:// URL, e.g. https://rekor.sigstore.dev`,
        ],
        [{ issuer: ISSUER, subject: SUBJECT, key: "cosign.pub" }, `${k}.key is not a known key`],
      ];
      for (const [config, message] of cases) assert.deepEqual(problemsOf(config), [message], JSON.stringify(config));
    });
  });

  describe("the ClusterPolicy (pure)", () => {
    const v: KubernetesImageVerification = {
      mode: "enforce",
      issuer: ISSUER,
      subject: SUBJECT,
      rekorUrl: "https://rekor.sigstore.dev",
    };

    it("enforce: the exact spec, each repository by tag and by digest, named after the namespace", () => {
      const p = imageVerificationPolicy(
        "loom-prod",
        [
          { key: "loom:image", ref: IMAGE },
          { key: "loom:backup.image", ref: "ghcr.io/example/loom-backup:0.1.0" },
        ],
        v,
      );
      assert.equal(p.name, "loom-prod-signed-images");
      assert.deepEqual(
        p.spec,
        enforced("loom-prod", [
          "ghcr.io/example/loom:*",
          "ghcr.io/example/loom@*",
          "ghcr.io/example/loom-backup:*",
          "ghcr.io/example/loom-backup@*",
        ]),
      );
    });

    it("audit: reported, not refused, and no digest mutation (Kyverno refuses mutateDigest under Audit)", () => {
      const { spec } = imageVerificationPolicy("loom-dev", [{ key: "loom:image", ref: IMAGE }], {
        ...v,
        mode: "audit",
        subject: undefined,
        subjectRegExp: REGEXP,
      });
      assert.equal(spec.validationFailureAction, "Audit");
      assert.equal(spec.failurePolicy, "Ignore");
      const [rule] = spec.rules[0]?.verifyImages ?? [];
      assert.equal(rule?.mutateDigest, false);
      assert.equal(rule?.verifyDigest, true);
      assert.equal(rule?.required, true);
      assert.deepEqual(rule?.attestors[0]?.entries[0]?.keyless, {
        issuer: ISSUER,
        subjectRegExp: REGEXP,
        rekor: { url: "https://rekor.sigstore.dev" },
        ctlog: { ignoreSCT: false },
      });
    });

    it("repositories: tag and digest stripped, Docker Hub normalised, one entry per repository", () => {
      const r = (ref: string) => repositoryOf({ key: "loom:image", ref });
      assert.equal(r(`ghcr.io/acme/loom:1.4.2@sha256:${"a".repeat(64)}`), "ghcr.io/acme/loom");
      assert.equal(r("registry.example.com:5000/loom:2025-11-01.3"), "registry.example.com:5000/loom");
      assert.equal(r("localhost/loom:1"), "localhost/loom");
      assert.equal(r("acme/loom:1.0.0"), "docker.io/acme/loom");
      assert.equal(r("postgres:17"), "docker.io/library/postgres");
      const same = imageVerificationPolicy(
        "loom-prod",
        [
          { key: "loom:image", ref: "ghcr.io/acme/loom:1" },
          { key: "loom:backup.image", ref: "ghcr.io/acme/loom:2" },
        ],
        v,
      );
      assert.deepEqual(same.spec.rules[0]?.verifyImages[0]?.imageReferences, [
        "ghcr.io/acme/loom:*",
        "ghcr.io/acme/loom@*",
      ]);
    });

    it("an image given by digest only has no repository to match: the key, the value, what is needed", () => {
      const digest = `sha256:${"b".repeat(64)}`;
      const message = (ref: string) =>
        `loom:backup.image: ${JSON.stringify(ref)} is a digest without a repository; loom:kubernetes.imageVerification needs the repository to match, e.g. ghcr.io/acme/loom@sha256:…`;
      assert.throws(() => repositoryOf({ key: "loom:backup.image", ref: digest }), { message: message(digest) });
      assert.throws(() => repositoryOf({ key: "loom:backup.image", ref: `@${digest}` }), {
        message: message(`@${digest}`),
      });
    });

    it("the plan-time warning names the key, the Kyverno version, and that installOperators does not install it", () => {
      assert.equal(
        imageVerificationWarning(v),
        "loom:kubernetes.imageVerification creates a Kyverno ClusterPolicy: the cluster must run Kyverno >= 1.12; loom:kubernetes.installOperators does not install Kyverno (docs/kubernetes.md#requiring-signed-images)",
      );
      assert.equal(
        imageVerificationWarning({ ...v, subject: undefined, subjectRegExp: REGEXP }),
        "loom:kubernetes.imageVerification creates a Kyverno ClusterPolicy: the cluster must run Kyverno >= 1.14 (subjectRegExp: earlier releases ignore it and accept any subject, GO-2025-3562); loom:kubernetes.installOperators does not install Kyverno (docs/kubernetes.md#requiring-signed-images)",
      );
    });
  });

  describe("AppService on Kubernetes", () => {
    function args(kubernetes: Record<string, unknown>): AppServiceArgs {
      const p = PROFILES.prod;
      return {
        ...base("prod", kubernetes),
        network: k8sNetwork("loom-prod"),
        image: IMAGE,
        domain: "prod.loom.example.com",
        web: p.web,
        worker: p.worker,
        autoscaling: p.autoscaling,
        env: { LOOM_ENVIRONMENT: "prod", DATABASE_HOST: pulumi.output("loom-db-rw.loom-prod.svc") },
        secrets: {},
        appSecretNames: [],
      };
    }
    const build = (a: AppServiceArgs, config: Record<string, string> = {}) =>
      runComponents(() => {
        const app = new AppService("loom", a);
        return { url: app.url };
      }, config);

    it("creates no ClusterPolicy when unset", async () => {
      const run = await build(args({}));
      assert.deepEqual(ofType(run, POLICY), []);
    });

    it("creates the ClusterPolicy over loom:image and loom:backup.image, through the stack's provider", async () => {
      const run = await build({ ...args(ON), backupImage: "ghcr.io/example/loom-backup:0.1.0" });
      const policy = one(run, POLICY, "loom-signed-images");
      const inputs = policy.inputs as Inputs;
      assert.equal(inputs.metadata.name, "loom-prod-signed-images");
      assert.equal(inputs.metadata.namespace, undefined, "a ClusterPolicy is cluster-scoped");
      assert.deepEqual(
        inputs.spec,
        enforced("loom-prod", [
          "ghcr.io/example/loom:*",
          "ghcr.io/example/loom@*",
          "ghcr.io/example/loom-backup:*",
          "ghcr.io/example/loom-backup@*",
        ]),
      );
      assert.equal(policy.parent, one(run, "kubernetes:apps/v1:Deployment", "loom-web").parent, "beside its siblings");
    });

    it("without loom:backup.image, only the app's repository", async () => {
      const run = await build(args(ON));
      const inputs = one(run, POLICY, "loom-signed-images").inputs as Inputs;
      assert.deepEqual(inputs.spec.rules[0].verifyImages[0].imageReferences, [
        "ghcr.io/example/loom:*",
        "ghcr.io/example/loom@*",
      ]);
    });
  });

  describe("loom-guard", () => {
    it("a prod Kubernetes plan with it on has zero mandatory violations", async () => {
      const plan = await planStack({
        stack: "prod",
        cloud: "kubernetes",
        configOverrides: { "loom:kubernetes": JSON.stringify(ON) },
      });
      assert.equal(ofType({ resources: plan.resources } as never, POLICY).length, 1);
      const mandatory = (plan.policy?.violations ?? []).filter((v) => v.enforcementLevel === "mandatory");
      assert.deepEqual(mandatory, []);
    });
  });
});
