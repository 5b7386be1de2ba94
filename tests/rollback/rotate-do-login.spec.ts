/**
 * npm run rotate:db-login (scripts/lib/rotate-do-login.ts): the DigitalOcean alternating-users rotation's decisions
 * and its exact command sequence through a fake runner and a fake API, over a state shaped as `pulumi stack export`
 * prints it (the resource types and names the prod plan on DigitalOcean registers).
 */
import assert from "node:assert/strict";
import type { ConfigValue, HistoryEntry } from "../../scripts/lib/rollback-plan";
import { activeSlot, doDatabaseApi, rotationTarget, runRotation } from "../../scripts/lib/rotate-do-login";
import type { RunResult } from "../../scripts/lib/smoke-runner";

const CLUSTER = "b18e7537-807a-4564-a283-1ccf15a265c8";
const URN = (type: string, name: string) => `urn:pulumi:prod::loom::loom:index:Database$${type}::${name}`;
const USER_T = "digitalocean:index/databaseUser:DatabaseUser";
const OBJECT_T = "digitalocean:index/spacesBucketObject:SpacesBucketObject";
const RESOURCES = [
  {
    urn: URN("digitalocean:index/databaseCluster:DatabaseCluster", "loom-pg"),
    type: "digitalocean:index/databaseCluster:DatabaseCluster",
    id: CLUSTER,
    outputs: { name: "loom-prod-pg" },
  },
  ...["loom", "loom_app_a", "loom_app_b", "loom_backup"].map((name) => ({
    urn: URN(USER_T, `loom-pg-user-${name}`),
    type: USER_T,
    id: `${CLUSTER}/user/${name}`,
    outputs: { name },
  })),
  ...["database-app-a-password", "database-app-b-password", "database-password"].map((key) => ({
    urn: URN(OBJECT_T, `loom-${key}`),
    type: OBJECT_T,
    inputs: { key },
  })),
];
const doConfig = (slot?: string): Record<string, ConfigValue> => ({
  "loom:cloud": { value: "digitalocean", secret: false },
  "loom:digitalocean": {
    value: JSON.stringify({ region: "ams3", ...(slot ? { activeAppLogin: slot } : {}) }),
    objectValue: { region: "ams3", ...(slot ? { activeAppLogin: slot } : {}) },
    secret: false,
  },
});
const update = (version: number, slot?: string, result = "succeeded"): HistoryEntry => ({
  version,
  kind: "update",
  startTime: "2026-12-01T00:00:00.000Z",
  result,
  config: { "loom:digitalocean": { value: JSON.stringify(slot ? { activeAppLogin: slot } : {}), secret: false } },
});

function fakeRunner(config: Record<string, ConfigValue>, history: HistoryEntry[]) {
  const calls: string[][] = [];
  const run = async (argv: readonly string[]): Promise<RunResult> => {
    calls.push([...argv]);
    const cmd = argv.slice(0, 3).join(" ");
    const out = (v: unknown) => ({ status: 0, stdout: JSON.stringify(v), stderr: "" });
    if (cmd === "pulumi config --json") return out(config);
    if (cmd === "pulumi stack history") return out(history);
    if (cmd === "pulumi stack export") return out({ deployment: { resources: RESOURCES } });
    return { status: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}

describe("rotate:db-login (DigitalOcean alternating users)", () => {
  it("reads the active slot from config or an update (unset = a) and refuses anything else", () => {
    assert.equal(activeSlot(doConfig(), "x"), "a");
    assert.equal(activeSlot(doConfig("b"), "x"), "b");
    assert.equal(activeSlot(update(3, "b").config, "x"), "b");
    assert.throws(
      () => activeSlot(doConfig("c"), "stack prod"),
      /^Error: stack prod: loom:digitalocean\.activeAppLogin is "c"; allowed: a, b$/,
    );
  });

  it("targets the idle user, its password object and the primary cluster", () => {
    assert.deepEqual(rotationTarget("prod", doConfig("a"), [update(7, "a")], RESOURCES), {
      active: "a",
      idle: "b",
      user: "loom_app_b",
      clusterId: CLUSTER,
      userUrn: URN(USER_T, "loom-pg-user-loom_app_b"),
      passwordUrn: URN(OBJECT_T, "loom-database-app-b-password"),
    });
    assert.equal(rotationTarget("prod", doConfig("b"), [update(8, "b")], RESOURCES).user, "loom_app_a");
  });

  it("refuses while the last switch is not deployed, without a deploy, or on another cloud", () => {
    // Config says b, the last good update still runs a: b may be what the app uses right now.
    assert.throws(
      () => rotationTarget("prod", doConfig("b"), [update(9, "b", "failed"), update(8, "a")], RESOURCES),
      /^Error: loom:digitalocean\.activeAppLogin is b in the config but the last successful update \(8\) deployed a: deploy the previous switch first/,
    );
    assert.throws(() => rotationTarget("prod", doConfig(), [], RESOURCES), /has no successful update/);
    assert.throws(
      () => rotationTarget("prod", { "loom:cloud": { value: "aws", secret: false } }, [update(1)], RESOURCES),
      /^Error: stack prod is loom:cloud aws: this rotation is DigitalOcean's$/,
    );
    assert.throws(
      () =>
        rotationTarget(
          "prod",
          doConfig(),
          [update(1)],
          RESOURCES.filter((r) => !("outputs" in r && r.outputs.name === "loom_app_b")),
        ),
      /^Error: stack prod: expected one database user loom_app_b in the state, found 0$/,
    );
  });

  it("a dry run reads and changes nothing; --execute resets, refreshes, writes the object and flips the slot, in order", async () => {
    const resets: string[][] = [];
    const api = { resetPassword: async (c: string, u: string) => void resets.push([c, u]) };
    const dry = fakeRunner(doConfig("a"), [update(7, "a")]);
    const plan = await runRotation({ stack: "prod", execute: false }, dry.run, api);
    assert.equal(plan[0], "rotation of stack prod: loom_app_a → loom_app_b");
    assert.equal(plan.at(-1), "dry run: nothing changed (add --execute)");
    assert.deepEqual(resets, []);
    assert.deepEqual(
      dry.calls.map((c) => c.slice(0, 3).join(" ")),
      ["pulumi config --json", "pulumi stack history", "pulumi stack export"],
    );

    const live = fakeRunner(doConfig("a"), [update(7, "a")]);
    await runRotation({ stack: "prod", execute: true }, live.run, api);
    assert.deepEqual(resets, [[CLUSTER, "loom_app_b"]]);
    assert.deepEqual(live.calls.slice(3), [
      [
        "pulumi",
        "refresh",
        "--yes",
        "--skip-preview",
        "--target",
        URN(USER_T, "loom-pg-user-loom_app_b"),
        "--stack",
        "prod",
      ],
      [
        "pulumi",
        "up",
        "--yes",
        "--skip-preview",
        "--target",
        URN(OBJECT_T, "loom-database-app-b-password"),
        "--policy-pack",
        "policy",
        "--stack",
        "prod",
      ],
      ["pulumi", "config", "set", "--path", "loom:digitalocean.activeAppLogin", "b", "--stack", "prod"],
    ]);
  });

  it("the API call: POST reset_auth with the bearer token; the body (the new password) is never read", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    let read = false;
    // highWaterMark 0: the stream is pulled only when someone reads it.
    const body = new ReadableStream(
      {
        pull() {
          read = true;
        },
      },
      { highWaterMark: 0 },
    );
    const ok = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(body, { status: 200 });
    }) as unknown as typeof fetch;
    await doDatabaseApi("obviously-fake-test-token", ok).resetPassword(CLUSTER, "loom_app_b");
    assert.equal(seen[0]?.url, `https://api.digitalocean.com/v2/databases/${CLUSTER}/users/loom_app_b/reset_auth`);
    assert.equal(seen[0]?.init.method, "POST");
    assert.deepEqual(seen[0]?.init.headers, {
      authorization: "Bearer obviously-fake-test-token",
      "content-type": "application/json",
    });
    assert.equal(read, false);
    const refused = (async () => new Response("{}", { status: 404 })) as unknown as typeof fetch;
    await assert.rejects(
      doDatabaseApi("obviously-fake-test-token", refused).resetPassword(CLUSTER, "loom_app_b"),
      /^Error: DigitalOcean refused the reset of loom_app_b: HTTP 404 \(POST https:\/\/api\.digitalocean\.com\/v2\/databases\/.*\/users\/loom_app_b\/reset_auth\)$/,
    );
  });
});
