/**
 * npm run rotate:db-login's decisions and command sequence: the DigitalOcean alternating-users rotation
 * (docs/runbooks/credentials-digitalocean.md). Pure decisions over `pulumi config --json`, `pulumi stack history
 * --json` and `pulumi stack export`, the commands through an injectable Runner, the DigitalOcean API through an
 * injectable client, so tests replay the whole sequence.
 *
 *   1. the app uses loom_app_<active>; the other is idle (no workload holds its password);
 *   2. refuse unless the last successful update deployed the same `activeAppLogin` as the config says: otherwise the
 *      previous switch is not live yet and the "idle" user may still be in use;
 *   3. DigitalOcean resets the idle user's password (`POST /v2/databases/<cluster>/users/<user>/reset_auth`; the
 *      response, which holds the password, is dropped unread);
 *   4. `pulumi refresh --target` reads the new password into the state, `pulumi up --target` writes it to the
 *      secrets bucket object (with the loom-guard pack);
 *   5. `pulumi config set loom:digitalocean.activeAppLogin <idle>`: committed and deployed, it moves web and worker
 *      to the fresh user; the old one stays valid until the next rotation resets it, so nothing connected fails.
 */
import { DO_APP_LOGINS, DO_LOGIN_KEYS } from "../../components/database/do-logins";
import { prefix as namePrefix } from "../../components/naming";
import type { AppLoginSlot } from "../../components/targets/digitalocean";
import type { ConfigValue, HistoryEntry } from "./rollback-plan";
import { type Runner, runJson } from "./smoke-runner";

export const ACTIVE_KEY = "loom:digitalocean.activeAppLogin";
const DO_KEY = "loom:digitalocean";

export interface DoDatabaseApi {
  /** Resets `user`'s password on the cluster; resolves once DigitalOcean accepted it. Never returns the password. */
  resetPassword(clusterId: string, user: string): Promise<void>;
}

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The slot `loom:digitalocean` sets, from `pulumi config --json` or an update's config (unset = a). */
export function activeSlot(config: Record<string, ConfigValue> | undefined, where: string): AppLoginSlot {
  const entry = config?.[DO_KEY];
  const raw = entry?.objectValue ?? (entry?.value ? JSON.parse(entry.value) : undefined);
  const slot = (raw as { activeAppLogin?: unknown } | undefined)?.activeAppLogin ?? "a";
  if (slot !== "a" && slot !== "b")
    throw new Error(`${where}: ${ACTIVE_KEY} is ${JSON.stringify(slot)}; allowed: a, b`);
  return slot;
}

export interface RotationTarget {
  active: AppLoginSlot;
  idle: AppLoginSlot;
  user: string;
  clusterId: string;
  userUrn: string;
  passwordUrn: string;
}

/** What to rotate, or a refusal naming why; nothing is changed by this. */
export function rotationTarget(
  stack: string,
  config: Record<string, ConfigValue>,
  history: HistoryEntry[],
  resources: StateResource[],
): RotationTarget {
  const cloud = config["loom:cloud"]?.value;
  if (cloud !== "digitalocean") {
    throw new Error(`stack ${stack} is loom:cloud ${cloud ?? "(unset)"}: this rotation is DigitalOcean's`);
  }
  const active = activeSlot(config, `stack ${stack}`);
  const last = history.find((h) => h.kind === "update" && h.result === "succeeded");
  if (!last) throw new Error(`stack ${stack} has no successful update: deploy it before rotating`);
  const deployed = activeSlot(last.config, `update ${last.version}`);
  if (deployed !== active) {
    throw new Error(
      `${ACTIVE_KEY} is ${active} in the config but the last successful update (${last.version}) deployed ${deployed}: deploy the previous switch first (the "idle" user may still be in use)`,
    );
  }
  const idle: AppLoginSlot = active === "a" ? "b" : "a";
  const user = DO_APP_LOGINS[idle];
  const clusterName = `${namePrefix("loom", stack)}-pg`;
  const find = (type: string, ok: (r: StateResource) => boolean, what: string) => {
    const found = resources.filter((r) => r.type === type && ok(r));
    if (found.length !== 1) throw new Error(`stack ${stack}: expected one ${what} in the state, found ${found.length}`);
    return found[0] as StateResource;
  };
  const cluster = find(
    "digitalocean:index/databaseCluster:DatabaseCluster",
    (r) => r.outputs?.name === clusterName,
    `database cluster ${clusterName}`,
  );
  const userRes = find(
    "digitalocean:index/databaseUser:DatabaseUser",
    (r) => r.outputs?.name === user,
    `database user ${user}`,
  );
  const key = DO_LOGIN_KEYS[idle === "a" ? "app-a" : "app-b"].password;
  const object = find(
    "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    (r) => r.inputs?.key === key,
    `secrets-bucket object ${key}`,
  );
  return { active, idle, user, clusterId: String(cluster.id), userUrn: userRes.urn, passwordUrn: object.urn };
}

async function must(run: Runner, argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.status !== 0)
    throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
}

/** The whole rotation (or, without `execute`, its plan); returns the log lines. */
export async function runRotation(
  o: { stack: string; execute: boolean },
  run: Runner,
  api: DoDatabaseApi,
): Promise<string[]> {
  const s = ["--stack", o.stack];
  const config = await runJson<Record<string, ConfigValue>>(run, ["pulumi", "config", "--json", ...s]);
  const history = await runJson<HistoryEntry[]>(run, ["pulumi", "stack", "history", "--json", ...s]);
  const state = await runJson<{ deployment?: { resources?: StateResource[] } }>(run, [
    "pulumi",
    "stack",
    "export",
    ...s,
  ]);
  const t = rotationTarget(o.stack, config, history, state.deployment?.resources ?? []);
  const steps = [
    `reset ${t.user}'s password (cluster ${t.clusterId}); the app uses ${DO_APP_LOGINS[t.active]} and is not touched`,
    `pulumi refresh --target ${t.userUrn}`,
    `pulumi up --target ${t.passwordUrn} (loom-guard)`,
    `pulumi config set ${ACTIVE_KEY} ${t.idle}`,
  ];
  const log = [
    `rotation of stack ${o.stack}: ${DO_APP_LOGINS[t.active]} → ${t.user}`,
    ...steps.map((x, i) => `${i + 1}. ${x}`),
  ];
  if (!o.execute) return [...log, "dry run: nothing changed (add --execute)"];
  await api.resetPassword(t.clusterId, t.user);
  await must(run, ["pulumi", "refresh", "--yes", "--skip-preview", "--target", t.userUrn, ...s]);
  await must(run, [
    "pulumi",
    "up",
    "--yes",
    "--skip-preview",
    "--target",
    t.passwordUrn,
    "--policy-pack",
    "policy",
    ...s,
  ]);
  await must(run, ["pulumi", "config", "set", "--path", ACTIVE_KEY, t.idle, ...s]);
  return [
    ...log,
    `done: commit Pulumi.${o.stack}.yaml (${ACTIVE_KEY}: ${t.idle}) and deploy; web and worker then log in as ${t.user}`,
  ];
}

/** The DigitalOcean API client (DIGITALOCEAN_TOKEN); the reset's response body, which holds the password, is dropped. */
export function doDatabaseApi(token: string, fetchFn: typeof fetch = fetch): DoDatabaseApi {
  return {
    async resetPassword(clusterId, user) {
      const url = `https://api.digitalocean.com/v2/databases/${encodeURIComponent(clusterId)}/users/${encodeURIComponent(user)}/reset_auth`;
      const res = await fetchFn(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`DigitalOcean refused the reset of ${user}: HTTP ${res.status} (POST ${url})`);
    },
  };
}
