/**
 * loom-deployments: Pulumi Deployments settings, as code, for every Loom stack (deployments/Pulumi.yaml; one stack,
 * `all`, declares them for dev, staging and prod). Reads its own config (organization, repository, per-stack
 * deployer, branch, drift, review stacks, OIDC ids) and each Loom stack's Pulumi.<stack>.yaml (loom:cloud,
 * loom:environment); bad config throws before any resource is registered. Offline: npm run deployments:plan.
 * docs/deployments.md says how to adopt it and how it coexists with the GitHub workflows.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ps from "@pulumi/pulumiservice";
import type { Cloud } from "../components/cloud";
import { PROJECT, parseConfig, readRaw } from "./config";
import { planDeployments } from "./settings";
import { findRoot, loadStacks, loomProject } from "./stacks";

export interface ProgramOptions {
  /** The repository whose Pulumi.<stack>.yaml files are read. @default the one holding this file */
  root?: string;
  /** Plan every stack as if its loom:cloud were this one (`npm run deployments:plan -- --cloud gcp`). */
  cloud?: Cloud;
}

export function program(opts: ProgramOptions = {}) {
  const root = opts.root ?? findRoot(__dirname);
  const config = new pulumi.Config(PROJECT);
  const cfg = parseConfig(readRaw((k) => config.get(k)));
  const stacks = loadStacks(root, Object.keys(cfg.stacks), opts.cloud);
  const plans = planDeployments(cfg, stacks, loomProject(root));
  const summary: Record<string, unknown> = {};
  for (const p of plans) {
    const name = p.stack.name;
    const settings = new ps.DeploymentSettings(`${name}-settings`, p.settings);
    // Schedules need the stack's settings in Pulumi Cloud first.
    const after = { dependsOn: [settings] };
    new ps.DriftSchedule(`${name}-drift`, p.drift, after);
    if (p.ttl) new ps.TtlSchedule(`${name}-ttl`, p.ttl, after);
    new ps.StackTag(`${name}-deployer`, p.tag);
    summary[name] = {
      cloud: p.stack.cloud,
      environment: p.stack.environment,
      deployer: p.deployer,
      branch: cfg.stacks[name]?.branch,
      driftCron: p.drift.scheduleCron,
      oidcSubjects: p.subjects,
      ...(p.ttl ? { expires: p.ttl.timestamp } : {}),
    };
  }
  return { stacks: summary };
}
