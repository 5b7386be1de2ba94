/**
 * The whole smoke test of one stack (after every `pulumi up`, and after a rollback): read the stack outputs, then
 * HTTPS + certificate + HSTS on <url>/readyz, no alert firing, the migrate run exited 0. Runner-injected.
 */
import { checkAlarms, type StackOutputs } from "./smoke-cloud";
import { checkHttps, type HttpsCheckOptions } from "./smoke-https";
import { checkMigrate } from "./smoke-migrate";
import { type CheckResult, type Runner, runJson } from "./smoke-runner";

export interface SmokeOptions extends Omit<HttpsCheckOptions, "url"> {
  stack: string;
  cloud?: string;
  url?: string;
  skip?: string[];
}

export async function runSmoke(o: SmokeOptions, run: Runner): Promise<{ ok: boolean; results: CheckResult[] }> {
  const outputs = await runJson<StackOutputs>(run, ["pulumi", "stack", "output", "--json", "--stack", o.stack]);
  if (o.cloud && outputs.cloud && o.cloud !== outputs.cloud) {
    throw new Error(`--cloud ${o.cloud}, but stack ${o.stack}'s cloud output is ${outputs.cloud}`);
  }
  const stackOutputs = { ...outputs, cloud: o.cloud ?? outputs.cloud };
  const url = o.url ?? (typeof outputs.url === "string" ? outputs.url : undefined);
  if (!url) throw new Error(`stack ${o.stack} has no url output; pass --url https://<host>`);
  const skip = new Set(o.skip ?? []);
  const results: CheckResult[] = [];
  if (!skip.has("https")) results.push(...(await checkHttps({ ...o, url })));
  if (!skip.has("alarms")) results.push(await checkAlarms(stackOutputs, o.stack, run));
  if (!skip.has("migrate")) results.push(await checkMigrate(stackOutputs, run));
  return { ok: results.every((r) => r.ok), results };
}

export const LAST_GOOD_TAG = "loom:lastGood";

interface HistoryEntry {
  version: number;
  kind: string;
  startTime: string;
  result?: string;
}

/**
 * The tag value that records a passing smoke test: the newest deployment (update) of the history, which must have
 * succeeded, as `<version>@<startTime>` (DIY backends number every update 0; the start time tells them apart).
 */
export function lastGoodValue(history: HistoryEntry[]): string {
  const newest = history.find((h) => h.kind === "update");
  if (!newest) throw new Error("the stack history has no update: nothing to mark good");
  if (newest.result !== "succeeded") {
    throw new Error(`the newest update (${newest.version}@${newest.startTime}) is ${newest.result}, not succeeded`);
  }
  return `${newest.version}@${newest.startTime}`;
}
