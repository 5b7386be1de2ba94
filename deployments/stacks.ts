/**
 * What the deployments program needs to know of each Loom stack, read from the repository as committed: the
 * project name (Pulumi.yaml `name:`), the stack's cloud (`loom:cloud` in Pulumi.<stack>.yaml; required, it has no
 * default in Pulumi.yaml or components/settings.ts), its profile (`loom:environment`, default the stack name, as
 * components/settings.ts resolves it) and the pack config the CI uses for that profile (policy/config/<env>.json).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { CLOUDS, type Cloud } from "../components/cloud";
import { ENVIRONMENTS, type Environment } from "../components/profiles";
import { DeploymentsConfigError, PROJECT } from "./config";

export interface LoomStack {
  name: string;
  cloud: Cloud;
  environment: Environment;
  /** policy/config/<environment>.json, relative to the repository. */
  packConfig: string;
}

/** The repository: the nearest directory up from `from` holding both Pulumi.yaml and package.json. */
export function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml with a package.json above ${from}`);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The project name of the Loom program (Pulumi.yaml `name:`). */
export function loomProject(root: string): string {
  const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as unknown;
  if (!isMap(doc) || typeof doc.name !== "string") throw new Error(`${path.join(root, "Pulumi.yaml")}: no name:`);
  return doc.name;
}

/** A Loom stack's cloud and profile from its stack file's text. Pure. */
export function describeStack(name: string, text: string, cloudOverride?: Cloud): Omit<LoomStack, "packConfig"> {
  const file = `Pulumi.${name}.yaml`;
  const doc = YAML.parse(text) as unknown;
  const config = isMap(doc) && isMap(doc.config) ? doc.config : {};
  const cloud = cloudOverride ?? config["loom:cloud"];
  if (typeof cloud !== "string" || !(CLOUDS as readonly string[]).includes(cloud)) {
    throw new DeploymentsConfigError([
      `${PROJECT}:stacks.${name}: ${file} sets loom:cloud ${JSON.stringify(cloud ?? null)}; it must be one of ${CLOUDS.join(", ")} (loom:cloud has no default)`,
    ]);
  }
  const env = config["loom:environment"] ?? "";
  const environment = env === "" ? name : env;
  if (!(ENVIRONMENTS as readonly unknown[]).includes(environment)) {
    throw new DeploymentsConfigError([
      `${PROJECT}:stacks.${name}: the stack's profile is ${JSON.stringify(environment)} (${file} loom:environment, default the stack name); it must be one of ${ENVIRONMENTS.join(", ")}`,
    ]);
  }
  return { name, cloud: cloud as Cloud, environment: environment as Environment };
}

/** Every configured Loom stack, read from `root`; a missing stack file or pack config is an error naming it. */
export function loadStacks(root: string, names: readonly string[], cloudOverride?: Cloud): LoomStack[] {
  const problems: string[] = [];
  const stacks: LoomStack[] = [];
  const known = () =>
    fs
      .readdirSync(root)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter(Boolean)
      .join(", ");
  for (const name of names) {
    const file = path.join(root, `Pulumi.${name}.yaml`);
    if (!fs.existsSync(file)) {
      problems.push(`${PROJECT}:stacks.${name}: there is no Pulumi.${name}.yaml; Loom stacks here: ${known()}`);
      continue;
    }
    try {
      const stack = describeStack(name, fs.readFileSync(file, "utf8"), cloudOverride);
      const packConfig = `policy/config/${stack.environment}.json`;
      if (!fs.existsSync(path.join(root, packConfig))) {
        problems.push(`${PROJECT}:stacks.${name}: the pack config ${packConfig} does not exist`);
      }
      stacks.push({ ...stack, packConfig });
    } catch (e) {
      if (!(e instanceof DeploymentsConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new DeploymentsConfigError(problems);
  return stacks;
}
