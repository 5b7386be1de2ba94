/**
 * Test helpers over the shared mock engine (scripts/lib/mock-engine.ts — the only caller of `setMocks`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseOutputs } from "../../components/database";
import type { Profile } from "../../components/profiles";
import type { TagContext } from "../../components/tags";
import { type PlannedResource, type ProgramRun, runProgram } from "../../scripts/lib/mock-engine";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Build components inside a mocked stack (config is empty unless given) and return what they registered. */
export async function runComponents(
  build: () => unknown,
  config: Record<string, string> = { "aws:region": "eu-west-1" },
  stack = "test",
): Promise<ProgramRun> {
  return runProgram({
    project: "loom",
    stack,
    config,
    program: async () => (build() as Record<string, unknown> | undefined) ?? {},
  });
}

/** Every resource of `type`. */
export function ofType(run: ProgramRun, type: string): PlannedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The one resource of `type` (named `name` when given); fails the test when there is not exactly one. */
export function one(run: ProgramRun, type: string, name?: string): PlannedResource {
  const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0] as PlannedResource;
}

/** Resolve an Output in a test. */
export function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

export function context(environment: "dev" | "staging" | "prod"): TagContext {
  return { project: "loom", stack: environment, environment, tags: { team: "platform" } };
}

/** Stack config file as the plan tool reads it. */
export function stackFile(stack: string): string {
  return fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
}

/**
 * The AppService args index.ts takes from a profile (sizes, switches, retention), for specs that wire a Database and
 * an AppService together the way the program does; each spec adds its cloud's network, image, env and secrets.
 */
export function appArgsOfProfile(p: Profile) {
  return {
    loadBalancer: p.loadBalancer,
    web: p.web,
    worker: p.worker,
    autoscaling: p.autoscaling,
    logRetentionDays: p.logRetentionDays,
    waf: p.waf,
    rateLimitPer5Min: p.rateLimitPer5Min,
    deletionProtection: p.deletionProtection,
    traceSampleRatio: p.traceSampleRatio,
  };
}

/** The DATABASE_* env index.ts gives the app from a Database's outputs (host, port, name, verify-full). */
export function databaseEnvOf(db: Pick<DatabaseOutputs, "endpoint" | "port" | "databaseName">) {
  return {
    DATABASE_HOST: db.endpoint,
    DATABASE_PORT: db.port.apply(String),
    DATABASE_NAME: db.databaseName,
    DATABASE_SSLMODE: "verify-full",
  };
}
