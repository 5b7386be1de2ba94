/**
 * deployments/ pure helpers: the exact DeploymentSettings / DriftSchedule / TtlSchedule / StackTag inputs per Loom
 * stack and cloud, and every bad-config error naming the key, the value and what is allowed.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DeploymentsConfigError, parseConfig } from "../../deployments/config";
import { planDeployments, type StackPlan, trustedOperations } from "../../deployments/settings";
import { describeStack, type LoomStack, loadStacks } from "../../deployments/stacks";

/** The AWS session name, literally: Pulumi Cloud fills the placeholders in. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Pulumi Cloud placeholders, not JavaScript
const SESSION = "loom-${stack.name}-${deployment.operation}-${deployment.id}";
const AWS = { roleArn: "arn:aws:iam::000000000000:role/loom-deployments-dev" };
const GCP = {
  projectNumber: "000000000001",
  workloadPoolId: "pulumi-deployments",
  providerId: "pulumi-cloud",
  serviceAccount: "loom-deployments-dev@loom-example-dev.iam.gserviceaccount.com",
};
const AZURE = {
  clientId: "00000000-0000-0000-0000-000000000001",
  tenantId: "00000000-0000-0000-0000-000000000000",
  subscriptionId: "00000000-0000-0000-0000-000000000011",
};
const OIDC = { aws: AWS, gcp: GCP, azure: AZURE };

const stack = (name: string, cloud: LoomStack["cloud"] = "aws", environment = name as LoomStack["environment"]) => ({
  name,
  cloud,
  environment,
  packConfig: `policy/config/${environment}.json`,
});
const THREE = [stack("dev"), stack("staging"), stack("prod")];

function raw(stacks: Record<string, Record<string, unknown>>) {
  return { organization: "example-org", repository: "example-org/loom-infra", stacks };
}
function plan(stacks: Record<string, Record<string, unknown>>, loom: LoomStack[] = THREE): StackPlan[] {
  return planDeployments(parseConfig(raw(stacks)), loom, "loom");
}
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeploymentsConfigError) return e.problems;
    throw e;
  }
  assert.fail("expected a DeploymentsConfigError");
}
const byStack = (plans: StackPlan[], name: string) => plans.find((p) => p.stack.name === name) as StackPlan;

const PATHS = (s: string) => [
  "components/**",
  "policy/**",
  "index.ts",
  "Pulumi.yaml",
  "package-lock.json",
  `Pulumi.${s}.yaml`,
];
const PRE_RUN = ["npm ci --no-audit --no-fund", "npm ls --workspace=policy --depth=0"];

describe("deployments settings (pure)", () => {
  it("a workflows-deployed stack: git source, GitHub app without push-to-deploy or previews, OIDC, pack, drift", () => {
    const p = byStack(plan({ dev: { oidc: OIDC }, staging: { oidc: OIDC }, prod: { oidc: OIDC } }), "staging");
    assert.deepEqual(p.settings, {
      organization: "example-org",
      project: "loom",
      stack: "staging",
      sourceContext: { git: { branch: "refs/heads/main", repoDir: "." } },
      github: {
        repository: "example-org/loom-infra",
        deployCommits: false,
        previewPullRequests: false,
        pullRequestTemplate: false,
        paths: PATHS("staging"),
      },
      operationContext: {
        preRunCommands: PRE_RUN,
        environmentVariables: {
          PULUMI_OPTION_POLICY_PACK: "policy",
          PULUMI_OPTION_POLICY_PACK_CONFIG: "policy/config/staging.json",
        },
        options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
        oidc: {
          aws: {
            roleARN: "arn:aws:iam::000000000000:role/loom-deployments-dev",
            sessionName: SESSION,
          },
        },
      },
    });
    assert.deepEqual(p.drift, {
      organization: "example-org",
      project: "loom",
      stack: "staging",
      scheduleCron: "0 6 * * *",
      autoRemediate: false,
    });
    assert.deepEqual(p.tag, {
      organization: "example-org",
      project: "loom",
      stack: "staging",
      name: "loom-deployer",
      value: "workflows",
    });
    assert.equal(p.ttl, undefined);
  });

  it("deployer: deployments — push-to-deploy only where the branch deploys the stack (staging by default)", () => {
    const d = { deployer: "deployments", oidc: OIDC };
    const plans = plan({ dev: d, staging: d, prod: d });
    const gh = (s: string) => byStack(plans, s).settings.github as Record<string, unknown>;
    assert.deepEqual(
      [gh("dev").deployCommits, gh("staging").deployCommits, gh("prod").deployCommits],
      [false, true, false],
    );
    assert.deepEqual(
      [gh("dev").previewPullRequests, gh("staging").previewPullRequests, gh("prod").previewPullRequests],
      [true, true, true],
    );
    assert.deepEqual(
      plans.map((p) => p.tag.value),
      ["deployments", "deployments", "deployments"],
    );
  });

  it("prod deploys on push from a branch of its own; default drift crons per profile", () => {
    const d = { deployer: "deployments", oidc: OIDC };
    const plans = plan({ dev: d, staging: d, prod: { ...d, branch: "release", deployOnPush: true } });
    const prod = byStack(plans, "prod");
    assert.deepEqual(prod.settings.sourceContext, { git: { branch: "refs/heads/release", repoDir: "." } });
    assert.equal((prod.settings.github as Record<string, unknown>).deployCommits, true);
    assert.deepEqual(
      plans.map((p) => p.drift.scheduleCron),
      ["0 6 * * 1-5", "0 6 * * *", "0 */4 * * *"],
    );
  });

  it("the exact OIDC block of each cloud, from the stack's loom:cloud", () => {
    const withExtras = {
      aws: { ...AWS, duration: "2h", policyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"] },
      gcp: { ...GCP, region: "europe-west1", tokenLifetime: "1h" },
      azure: AZURE,
    };
    const oidc = (cloud: LoomStack["cloud"]) =>
      (
        byStack(plan({ dev: { oidc: withExtras } }, [stack("dev", cloud)]), "dev").settings.operationContext as Record<
          string,
          unknown
        >
      ).oidc;
    assert.deepEqual(oidc("aws"), {
      aws: {
        roleARN: AWS.roleArn,
        sessionName: SESSION,
        duration: "2h",
        policyARNs: ["arn:aws:iam::aws:policy/PowerUserAccess"],
      },
    });
    assert.deepEqual(oidc("gcp"), {
      gcp: {
        projectId: "000000000001",
        workloadPoolId: "pulumi-deployments",
        providerId: "pulumi-cloud",
        serviceAccount: GCP.serviceAccount,
        region: "europe-west1",
        tokenLifetime: "1h",
      },
    });
    assert.deepEqual(oidc("azure"), { azure: AZURE });
  });

  it("review stacks: the dev template deletes each PR stack after its destroy; a temporary stack gets a TtlSchedule", () => {
    const plans = plan(
      { dev: { reviewStacks: true, oidc: OIDC }, demo: { expires: "2027-01-31T18:00:00Z", oidc: OIDC } },
      [stack("dev"), stack("demo", "aws", "dev")],
    );
    const dev = byStack(plans, "dev");
    assert.equal((dev.settings.github as Record<string, unknown>).pullRequestTemplate, true);
    assert.deepEqual((dev.settings.operationContext as Record<string, unknown>).options, {
      skipInstallDependencies: true,
      skipIntermediateDeployments: true,
      deleteAfterDestroy: true,
    });
    assert.equal(dev.ttl, undefined);
    assert.deepEqual(byStack(plans, "demo").ttl, {
      organization: "example-org",
      project: "loom",
      stack: "demo",
      timestamp: "2027-01-31T18:00:00Z",
      deleteAfterDestroy: true,
    });
    assert.equal(
      byStack(plans, "demo").settings.operationContext &&
        (byStack(plans, "demo").settings.operationContext as { environmentVariables: Record<string, string> })
          .environmentVariables.PULUMI_OPTION_POLICY_PACK_CONFIG,
      "policy/config/dev.json",
    );
  });
});

describe("deployments OIDC trust: exactly the operations Deployments runs on the stack", () => {
  const cfg = (stacks: Record<string, Record<string, unknown>>, name: string) => {
    const c = parseConfig(raw(stacks)).stacks[name];
    assert.ok(c);
    return c;
  };
  it("workflows-deployed: drift only; deployments: + preview, update; remediation and TTL add theirs", () => {
    assert.deepEqual(trustedOperations(cfg({ dev: { oidc: OIDC } }, "dev")), ["detect-drift", "refresh"]);
    assert.deepEqual(trustedOperations(cfg({ dev: { deployer: "deployments", oidc: OIDC } }, "dev")), [
      "detect-drift",
      "refresh",
      "preview",
      "update",
    ]);
    const all = {
      deployer: "deployments",
      drift: { autoRemediate: true },
      expires: "2027-01-31T18:00:00Z",
      oidc: OIDC,
    };
    assert.deepEqual(trustedOperations(cfg({ demo: all }, "demo")), [
      "detect-drift",
      "refresh",
      "preview",
      "update",
      "remediate-drift",
      "destroy",
    ]);
    const demo = byStack(plan({ demo: all }, [stack("demo", "aws", "dev")]), "demo");
    assert.equal(
      demo.subjects[5],
      "pulumi:deploy:org:example-org:project:loom:stack:demo:operation:destroy:scope:write",
    );
    assert.equal(demo.subjects.length, 6);
  });
});

describe("deployments settings: bad config names the key, the value and what is allowed", () => {
  it("prod auto-remediation is refused; elsewhere it needs deployer: deployments", () => {
    assert.deepEqual(
      problems(() =>
        plan({ prod: { deployer: "deployments", drift: { autoRemediate: true }, oidc: OIDC } }, [stack("prod")]),
      ),
      [
        "loom-deployments:stacks.prod.drift.autoRemediate: true is not allowed on a prod stack; prod drift is reported, never auto-remediated (allowed: false)",
      ],
    );
    assert.deepEqual(
      problems(() => plan({ dev: { drift: { autoRemediate: true }, oidc: OIDC } }, [stack("dev")])),
      [
        "loom-deployments:stacks.dev.drift.autoRemediate: true needs loom-deployments:stacks.dev.deployer: deployments (remediation is a pulumi up, and dev is deployed by the workflows)",
      ],
    );
  });

  it("one push never updates prod with another stack; deployOnPush needs deployer: deployments", () => {
    const d = { deployer: "deployments", oidc: OIDC };
    assert.deepEqual(
      problems(() => plan({ staging: d, prod: { ...d, deployOnPush: true } }, [stack("staging"), stack("prod")])),
      [
        'loom-deployments:stacks.prod.branch: "main" also deploys staging on push, so one push would update both with no gate; give prod a branch of its own (e.g. release) or set loom-deployments:stacks.prod.deployOnPush: false',
      ],
    );
    assert.deepEqual(
      problems(() => plan({ staging: { deployOnPush: true, oidc: OIDC } }, [stack("staging")])),
      [
        'loom-deployments:stacks.staging.deployOnPush: true needs loom-deployments:stacks.staging.deployer: deployments; with "workflows" the GitHub deploy workflow updates staging',
      ],
    );
  });

  it("review-stack templates: dev profile only, one per branch; TTL never on a long-lived stack", () => {
    assert.deepEqual(
      problems(() => plan({ prod: { reviewStacks: true, oidc: OIDC } }, [stack("prod")])),
      [
        "loom-deployments:stacks.prod.reviewStacks: true is not allowed on a prod stack; the template's config is copied into every PR stack, so it must be a dev-profile stack",
      ],
    );
    assert.deepEqual(
      problems(() =>
        plan({ dev: { reviewStacks: true, oidc: OIDC }, pr: { reviewStacks: true, oidc: OIDC } }, [
          stack("dev"),
          stack("pr", "aws", "dev"),
        ]),
      ),
      [
        "loom-deployments:stacks.pr.reviewStacks: branch main already has the review-stack template dev; one template per branch",
      ],
    );
    assert.deepEqual(
      problems(() => plan({ staging: { expires: "2027-01-31T18:00:00Z", oidc: OIDC } }, [stack("staging")])),
      [
        'loom-deployments:stacks.staging.expires: "2027-01-31T18:00:00Z" is not allowed on staging; only temporary non-prod stacks (not dev, staging or prod) get a time-to-live',
      ],
    );
  });

  it("the stack's cloud needs its OIDC block; clouds without Deployments OIDC are refused", () => {
    assert.deepEqual(
      problems(() => plan({ dev: { oidc: { aws: AWS } } }, [stack("dev", "gcp")])),
      ["loom-deployments:stacks.dev.oidc.gcp is required: Pulumi.dev.yaml deploys to loom:cloud gcp"],
    );
    assert.deepEqual(
      problems(() => plan({ dev: { oidc: OIDC } }, [stack("dev", "kubernetes")])),
      [
        "loom-deployments:stacks.dev: Pulumi.dev.yaml deploys to loom:cloud kubernetes, which Pulumi Deployments has no OIDC for (allowed: aws, gcp, azure); deploy it with the GitHub workflows and remove it from loom-deployments:stacks",
      ],
    );
  });

  it("schema errors: every one at once, by key", () => {
    const errs = problems(() =>
      parseConfig({
        organization: "Example Org",
        repository: "loom-infra",
        stacks: {
          dev: {
            deployer: "github",
            drift: { cron: "daily" },
            expires: "tomorrow",
            oidc: { aws: { roleArn: "arn:aws:iam::123:role/x" }, azure: { ...AZURE, tenantId: "not-a-guid" } },
            colud: "aws",
          },
        },
      }),
    );
    assert.deepEqual(
      errs.sort(),
      [
        'loom-deployments:organization: "Example Org" must be the Pulumi Cloud organization as its URL writes it (lower case)',
        'loom-deployments:repository: "loom-infra" must be the GitHub repository as owner/name',
        'loom-deployments:stacks.dev.deployer: "github" is not one of workflows, deployments',
        'loom-deployments:stacks.dev.drift.cron: "daily" must be a 5-field cron expression, e.g. "0 6 * * *" (UTC)',
        'loom-deployments:stacks.dev.expires: "tomorrow" must be an ISO 8601 UTC time, e.g. 2027-01-31T18:00:00Z',
        "loom-deployments:stacks.dev.colud is not a known key",
        'loom-deployments:stacks.dev.oidc.aws.roleArn: "arn:aws:iam::123:role/x" must be an IAM role ARN arn:aws:iam::<12 digits>:role/<name>',
        'loom-deployments:stacks.dev.oidc.azure.tenantId: "not-a-guid" must be a lower-case GUID',
      ].sort(),
    );
  });
});

describe("deployments stacks: loom:cloud and the profile from each Pulumi.<stack>.yaml", () => {
  it("reads loom:cloud and loom:environment (default the stack name); --cloud overrides", () => {
    assert.deepEqual(describeStack("dev", "config:\n  loom:cloud: gcp\n"), {
      name: "dev",
      cloud: "gcp",
      environment: "dev",
    });
    assert.deepEqual(describeStack("demo", "config:\n  loom:cloud: aws\n  loom:environment: staging\n", "azure"), {
      name: "demo",
      cloud: "azure",
      environment: "staging",
    });
  });

  it("a missing or unknown cloud, an unknown profile and a missing stack file are errors naming them", () => {
    assert.deepEqual(
      problems(() => describeStack("dev", "config:\n  loom:domain: x\n")),
      [
        "loom-deployments:stacks.dev: Pulumi.dev.yaml sets loom:cloud null; it must be one of aws, gcp, azure, digitalocean, kubernetes (loom:cloud has no default)",
      ],
    );
    assert.deepEqual(
      problems(() => describeStack("demo", "config:\n  loom:cloud: aws\n")),
      [
        'loom-deployments:stacks.demo: the stack\'s profile is "demo" (Pulumi.demo.yaml loom:environment, default the stack name); it must be one of dev, staging, prod',
      ],
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-deployments-"));
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  loom:cloud: aws\n");
    assert.deepEqual(
      problems(() => loadStacks(dir, ["dev", "qa"])),
      [
        "loom-deployments:stacks.dev: the pack config policy/config/dev.json does not exist",
        "loom-deployments:stacks.qa: there is no Pulumi.qa.yaml; Loom stacks here: dev",
      ],
    );
  });
});
