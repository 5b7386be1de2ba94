/**
 * Pure: the deployments config + the Loom stacks → the exact inputs of every Pulumi Cloud resource the program
 * declares (DeploymentSettings, DriftSchedule, TtlSchedule, StackTag). index.ts only registers them; the tests
 * assert on these values and on what the mock engine received.
 *
 * The rules (docs/deployments.md):
 * - one deployer per stack: `deployments` gets push-to-deploy and PR previews, `workflows` gets neither (the GitHub
 *   workflows run them); both read the `loom-deployer` stack tag this program writes;
 * - prod drift is detected, never auto-remediated; auto-remediation (`pulumi up --refresh`) is a deployment, so it
 *   needs deployer: deployments;
 * - one push never updates prod together with another stack: a prod that deploys on push has a branch of its own;
 * - review stacks: one template per branch, a dev-profile stack only (its config is copied into every PR stack);
 * - credentials only through Deployments OIDC: AWS, GCP and Azure; a stack on another cloud is an error.
 */
import type * as ps from "@pulumi/pulumiservice";
import { ENVIRONMENTS } from "../components/profiles";
import { type DeploymentsConfig, DeploymentsConfigError, type OidcConfig, PROJECT, type StackConfig } from "./config";
import type { LoomStack } from "./stacks";

/** Clouds Pulumi Deployments can mint credentials for with OIDC (operationContext.oidc). */
export const OIDC_CLOUDS = ["aws", "gcp", "azure"] as const;

/** Files whose change can alter a Loom stack's plan (beside the stack's own Pulumi.<stack>.yaml). */
export const PROGRAM_PATHS = ["components/**", "policy/**", "index.ts", "Pulumi.yaml", "package-lock.json"] as const;

/** The stack tag both deployers read: which one runs `pulumi up` of the stack. */
export const DEPLOYER_TAG = "loom-deployer";

/** The AWS session name: stack and operation in CloudTrail, the deployment id kept whole (Pulumi trims names). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Pulumi Cloud substitutes these ${…} placeholders, not JavaScript
export const AWS_SESSION_NAME = "loom-${stack.name}-${deployment.operation}-${deployment.id}";

/** Default drift-detection schedules (UTC): prod every 4 hours, staging daily, dev on weekdays. */
export const DEFAULT_DRIFT_CRON = { dev: "0 6 * * 1-5", staging: "0 6 * * *", prod: "0 */4 * * *" } as const;

/** `npm ci` installs the program and the loom-guard pack (an npm workspace) from the one lock file. */
export const PRE_RUN_COMMANDS = ["npm ci --no-audit --no-fund", "npm ls --workspace=policy --depth=0"] as const;

export interface StackPlan {
  stack: LoomStack;
  deployer: StackConfig["deployer"];
  /** The OIDC subjects the stack's cloud role must trust: exactly the operations Deployments runs on it. */
  subjects: string[];
  settings: ps.DeploymentSettingsArgs;
  drift: ps.DriftScheduleArgs;
  ttl?: ps.TtlScheduleArgs;
  tag: ps.StackTagArgs;
}

const key = (stack: string, rest: string) => `${PROJECT}:stacks.${stack}.${rest}`;

/** The OIDC block of the stack's cloud, in the provider's shape. */
export function oidcFor(stack: LoomStack, oidc: OidcConfig): ps.types.input.OperationContextOIDCArgs {
  const need = (cloud: "aws" | "gcp" | "azure") =>
    new DeploymentsConfigError([
      `${key(stack.name, `oidc.${cloud}`)} is required: Pulumi.${stack.name}.yaml deploys to loom:cloud ${cloud}`,
    ]);
  switch (stack.cloud) {
    case "aws": {
      if (!oidc.aws) throw need("aws");
      const { roleArn, duration, policyArns } = oidc.aws;
      return {
        aws: {
          roleARN: roleArn,
          sessionName: AWS_SESSION_NAME,
          ...(duration ? { duration } : {}),
          ...(policyArns ? { policyARNs: policyArns } : {}),
        },
      };
    }
    case "gcp": {
      if (!oidc.gcp) throw need("gcp");
      const { projectNumber, workloadPoolId, providerId, serviceAccount, region, tokenLifetime } = oidc.gcp;
      return {
        gcp: {
          projectId: projectNumber,
          workloadPoolId,
          providerId,
          serviceAccount,
          ...(region ? { region } : {}),
          ...(tokenLifetime ? { tokenLifetime } : {}),
        },
      };
    }
    case "azure": {
      if (!oidc.azure) throw need("azure");
      return { azure: { ...oidc.azure } };
    }
    default:
      throw new DeploymentsConfigError([
        `${PROJECT}:stacks.${stack.name}: Pulumi.${stack.name}.yaml deploys to loom:cloud ${stack.cloud}, which Pulumi Deployments has no OIDC for (allowed: ${OIDC_CLOUDS.join(", ")}); deploy it with the GitHub workflows and remove it from ${PROJECT}:stacks`,
      ]);
  }
}

/** Per-stack rules that need the stack's profile; every problem of every stack is collected. */
export function stackProblems(stack: LoomStack, cfg: StackConfig): string[] {
  const problems: string[] = [];
  const name = stack.name;
  if (cfg.drift.autoRemediate && stack.environment === "prod") {
    problems.push(
      `${key(name, "drift.autoRemediate")}: true is not allowed on a prod stack; prod drift is reported, never auto-remediated (allowed: false)`,
    );
  } else if (cfg.drift.autoRemediate && cfg.deployer !== "deployments") {
    problems.push(
      `${key(name, "drift.autoRemediate")}: true needs ${key(name, "deployer")}: deployments (remediation is a pulumi up, and ${name} is deployed by the workflows)`,
    );
  }
  if (cfg.deployOnPush && cfg.deployer !== "deployments") {
    problems.push(
      `${key(name, "deployOnPush")}: true needs ${key(name, "deployer")}: deployments; with "workflows" the GitHub deploy workflow updates ${name}`,
    );
  }
  if (cfg.reviewStacks && stack.environment !== "dev") {
    problems.push(
      `${key(name, "reviewStacks")}: true is not allowed on a ${stack.environment} stack; the template's config is copied into every PR stack, so it must be a dev-profile stack`,
    );
  }
  // the stacks named after a profile are the long-lived ones
  const longLived = (ENVIRONMENTS as readonly string[]).includes(name) || stack.environment === "prod";
  if (cfg.expires !== undefined && longLived) {
    problems.push(
      `${key(name, "expires")}: ${JSON.stringify(cfg.expires)} is not allowed on ${name}; only temporary non-prod stacks (not dev, staging or prod) get a time-to-live`,
    );
  }
  return problems;
}

/** Rules across stacks: one template per branch; a prod that deploys on push shares its branch with no other pusher. */
export function crossStackProblems(stacks: readonly LoomStack[], cfg: DeploymentsConfig): string[] {
  const problems: string[] = [];
  const templates = new Map<string, string>();
  for (const s of stacks) {
    const c = cfg.stacks[s.name] as StackConfig;
    if (!c.reviewStacks) continue;
    const other = templates.get(c.branch);
    if (other)
      problems.push(
        `${key(s.name, "reviewStacks")}: branch ${c.branch} already has the review-stack template ${other}; one template per branch`,
      );
    else templates.set(c.branch, s.name);
  }
  for (const prod of stacks.filter((s) => s.environment === "prod")) {
    const p = cfg.stacks[prod.name] as StackConfig;
    if (!deploysOnPush(prod, p)) continue;
    for (const s of stacks) {
      const c = cfg.stacks[s.name] as StackConfig;
      if (s !== prod && c.branch === p.branch && deploysOnPush(s, c)) {
        problems.push(
          `${key(prod.name, "branch")}: ${JSON.stringify(p.branch)} also deploys ${s.name} on push, so one push would update both with no gate; give prod a branch of its own (e.g. release) or set ${key(prod.name, "deployOnPush")}: false`,
        );
      }
    }
  }
  return problems;
}

/**
 * The Deployments operations a stack's cloud credentials are used for, so its OIDC trust allows exactly those.
 * Drift runs are `detect-drift` in the Deployments API and refresh previews in the CLI; Pulumi documents the token's
 * operation claim as preview, update, refresh or destroy, so both are trusted. A workflows-deployed stack is only
 * ever drift-checked: its role need not trust update (a click-to-deploy `pulumi up` then fails at the credentials).
 */
export function trustedOperations(cfg: StackConfig): string[] {
  const ops = ["detect-drift", "refresh"];
  if (cfg.deployer === "deployments") ops.push("preview", "update");
  if (cfg.drift.autoRemediate) ops.push("remediate-drift");
  if (cfg.expires !== undefined) ops.push("destroy");
  return ops;
}

/** The OIDC token's subject claim for one stack and operation (Pulumi Deployments' format). */
export function oidcSubject(organization: string, project: string, stack: string, operation: string): string {
  return `pulumi:deploy:org:${organization}:project:${project}:stack:${stack}:operation:${operation}:scope:write`;
}

/** Push-to-deploy: only for a stack Deployments deploys; by default staging (the workflows' push target too). */
export function deploysOnPush(stack: LoomStack, cfg: StackConfig): boolean {
  return cfg.deployer === "deployments" && (cfg.deployOnPush ?? stack.environment === "staging");
}

/** The DeploymentSettings inputs of one Loom stack. */
export function settingsFor(
  stack: LoomStack,
  cfg: StackConfig,
  common: { organization: string; repository: string; project: string },
): ps.DeploymentSettingsArgs {
  const byDeployments = cfg.deployer === "deployments";
  return {
    organization: common.organization,
    project: common.project,
    stack: stack.name,
    sourceContext: { git: { branch: `refs/heads/${cfg.branch}`, repoDir: "." } },
    github: {
      repository: common.repository,
      deployCommits: deploysOnPush(stack, cfg),
      previewPullRequests: byDeployments,
      pullRequestTemplate: cfg.reviewStacks,
      paths: [...PROGRAM_PATHS, `Pulumi.${stack.name}.yaml`],
    },
    operationContext: {
      preRunCommands: [...PRE_RUN_COMMANDS],
      // `--policy-pack policy --policy-pack-config policy/config/<env>.json` on every preview and up (Pulumi CLI
      // ≥ 3.208 reads any flag from PULUMI_OPTION_<FLAG>); commands without the flag (refresh, destroy) ignore it.
      environmentVariables: {
        PULUMI_OPTION_POLICY_PACK: "policy",
        PULUMI_OPTION_POLICY_PACK_CONFIG: stack.packConfig,
      },
      options: {
        // npm ci above, from the lock file; the executor's own install step would be a second, looser install.
        skipInstallDependencies: true,
        skipIntermediateDeployments: true,
        // review stacks inherit the template's settings: delete each PR stack once it has been destroyed
        ...(cfg.reviewStacks ? { deleteAfterDestroy: true } : {}),
      },
      oidc: oidcFor(stack, cfg.oidc),
    },
  };
}

/** Everything the program declares for every configured stack; throws DeploymentsConfigError with every problem. */
export function planDeployments(cfg: DeploymentsConfig, stacks: readonly LoomStack[], project: string): StackPlan[] {
  const problems = [
    ...stacks.flatMap((s) => stackProblems(s, cfg.stacks[s.name] as StackConfig)),
    ...crossStackProblems(stacks, cfg),
  ];
  const plans: StackPlan[] = [];
  for (const stack of stacks) {
    const c = cfg.stacks[stack.name] as StackConfig;
    const ids = { organization: cfg.organization, project, stack: stack.name };
    try {
      plans.push({
        stack,
        deployer: c.deployer,
        subjects: trustedOperations(c).map((op) => oidcSubject(cfg.organization, project, stack.name, op)),
        settings: settingsFor(stack, c, { ...ids, repository: cfg.repository }),
        drift: {
          ...ids,
          scheduleCron: c.drift.cron ?? DEFAULT_DRIFT_CRON[stack.environment],
          autoRemediate: c.drift.autoRemediate,
        },
        ...(c.expires ? { ttl: { ...ids, timestamp: c.expires, deleteAfterDestroy: true } } : {}),
        tag: { ...ids, name: DEPLOYER_TAG, value: c.deployer },
      });
    } catch (e) {
      if (!(e instanceof DeploymentsConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new DeploymentsConfigError(problems);
  return plans;
}
