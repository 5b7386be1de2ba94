/**
 * The AWS Platform: one account/partition lookup per stack, zones and region from the target, and the
 * disaster-recovery provider only when asked for; and every AWS component reading the platform instead of
 * looking things up itself.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService } from "../../components/app-service";
import { Backups } from "../../components/backups";
import { Cache } from "../../components/cache";
import { Database } from "../../components/database";
import { Network } from "../../components/network";
import { Observability } from "../../components/observability";
import { Platform } from "../../components/platform";
import { PROFILES } from "../../components/profiles";
import { FAKE_ACCOUNT, type ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, promiseOf, runComponents } from "../harness/program";
import { awsPlatform, awsTarget } from "./aws-fixtures";

/** Count the invokes the program makes, by token (the mock engine answers them; this only counts). */
async function countingInvokes<T>(run: () => Promise<T>): Promise<{ result: T; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const runtime = pulumi.runtime as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = { invoke: runtime.invoke, invokeOutput: runtime.invokeOutput };
  for (const fn of ["invoke", "invokeOutput"] as const) {
    const wrapped = original[fn] as (...a: unknown[]) => unknown;
    runtime[fn] = (token: unknown, ...rest: unknown[]) => {
      calls.set(String(token), (calls.get(String(token)) ?? 0) + 1);
      return wrapped(token, ...rest);
    };
  }
  try {
    return { result: await run(), calls };
  } finally {
    Object.assign(runtime, original);
  }
}

/** Every AWS component of a prod stack over one Platform, the way index.ts composes them. */
function prodStack(): Record<string, unknown> {
  const p = PROFILES.prod;
  const ctx = context("prod");
  const platform = awsPlatform(ctx, { protect: true, disasterRecovery: true });
  const base = { platform, context: ctx, protect: true };
  const network = new Network("loom", { ...base, zones: p.availabilityZones, natGateways: p.natGateways });
  const database = new Database("loom", { ...base, network, ...p.database, deletionProtection: true });
  const cache = new Cache("loom", { ...base, network, ...p.cache });
  const app = new AppService("loom", {
    ...base,
    network,
    image: "ghcr.io/example/loom:1.4.2",
    domain: "loom.example.com",
    web: p.web,
    worker: p.worker,
    autoscaling: true,
    waf: true,
    secrets: { DATABASE_USER: database.credentials.username, DATABASE_PASSWORD: database.credentials.password },
  });
  new Observability("loom", {
    ...base,
    alerting: true,
    channels: {
      channels: [{ kind: "email", name: "email", to: "oncall@example.com" }],
      routes: { critical: ["email"], warning: ["email"] },
    },
    logRetentionDays: 30,
    targets: { app: app.monitoring, database: database.monitoring, cache: cache.monitoring },
  });
  const backups = new Backups("loom", {
    ...base,
    enabled: true,
    disasterRecovery: true,
    targets: database.backupTargets,
  });
  return { drStore: backups.drStore, zones: network.zones };
}

describe("Platform on AWS", () => {
  let stack: { result: ProgramRun; calls: Map<string, number> };
  before(async () => {
    stack = await countingInvokes(() => runComponents(prodStack, { "aws:region": "eu-west-1" }, "prod"));
  });

  it("looks the account id and partition up once for the whole stack, parented to the Platform", () => {
    assert.equal(stack.calls.get("aws:index/getCallerIdentity:getCallerIdentity"), 1);
    assert.equal(stack.calls.get("aws:index/getPartition:getPartition"), 1);
    assert.equal(stack.calls.get("aws:index/getRegion:getRegion"), undefined);
    assert.equal(one(stack.result, "loom:components:Platform").name, "loom");
  });

  it("places the network in the target's zones and the DR copies through one DR-region provider", () => {
    assert.deepEqual(stack.result.outputs.zones, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    const providers = ofType(stack.result, "pulumi:providers:aws");
    assert.deepEqual(
      providers.map((p) => [p.name, p.inputs.region, p.parent]),
      [["loom-dr", "eu-central-1", one(stack.result, "loom:components:Platform").urn]],
    );
    assert.equal(stack.result.outputs.drStore, "loom-prod-vault-dr");
  });

  it("hands out the target's region, zones and the account; no DR provider unless asked", async () => {
    const target = awsTarget({
      region: "ca-central-1",
      availabilityZones: ["ca-central-1a", "ca-central-1b", "ca-central-1d"],
      drRegion: "ca-west-1",
    });
    let seen: Record<string, unknown> = {};
    const run = await runComponents(async () => {
      const platform = new Platform("loom", { target, context: context("dev") });
      const h = platform.handle;
      if (h.cloud !== "aws") throw new Error("expected the aws handle");
      seen = {
        cloud: h.cloud,
        region: h.region,
        zones: h.zones,
        drProvider: h.drProvider,
        accountId: await promiseOf(h.account.accountId),
        partition: await promiseOf(h.account.partition),
      };
      return {};
    });
    assert.deepEqual(seen, {
      cloud: "aws",
      region: "ca-central-1",
      zones: ["ca-central-1a", "ca-central-1b", "ca-central-1d"],
      drProvider: undefined,
      accountId: FAKE_ACCOUNT,
      partition: "aws",
    });
    assert.deepEqual(ofType(run, "pulumi:providers:aws"), []);
  });
});
