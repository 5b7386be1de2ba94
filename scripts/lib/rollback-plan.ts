/**
 * npm run rollback's decisions, as pure functions over `pulumi stack history --json` and `pulumi config --json`
 * (the shapes of pulumi's updateInfoJSON / configValueJSON, pkg/cmd/pulumi/stack/stack_history.go), and the command
 * sequence through an injectable runner: find the last good update (recorded by `npm run smoke -- --mark-good` as
 * the stack tag loom:lastGood = <version>@<startTime>), restore its image, `pulumi up`, smoke again, mark good.
 */
import { LAST_GOOD_TAG, lastGoodValue, runSmoke } from "./smoke";
import { type Runner, runJson } from "./smoke-runner";

export interface ConfigValue {
  value?: string;
  objectValue?: unknown;
  secret: boolean;
}
export interface HistoryEntry {
  version: number;
  kind: string;
  startTime: string;
  message?: string;
  config?: Record<string, ConfigValue>;
  result?: string;
}

export interface RollbackTarget {
  /** `<version>@<startTime>` of the good update. */
  id: string;
  image: string;
  /** `pulumi config set` argv tails, in order (the image first). */
  sets: [string, string][];
}

const IMAGE = "loom:image";

/** The good update named by the tag, checked against the history, and what to set to return to it. */
export function rollbackTarget(
  history: HistoryEntry[],
  tag: string | undefined,
  current: Record<string, ConfigValue>,
  stack: string,
): RollbackTarget {
  if (!tag) {
    throw new Error(
      `no good update recorded for stack ${stack}: the stack tag ${LAST_GOOD_TAG} is not set (the deploy pipeline sets it after a passing smoke test: npm run smoke -- --stack ${stack} --mark-good); refusing to guess`,
    );
  }
  const m = /^(\d+)@(.+)$/.exec(tag);
  if (!m)
    throw new Error(
      `${LAST_GOOD_TAG} is "${tag}"; allowed: <version>@<startTime> as npm run smoke --mark-good writes it`,
    );
  const good = history.find((h) => h.kind === "update" && String(h.version) === m[1] && h.startTime === m[2]);
  if (!good)
    throw new Error(
      `${LAST_GOOD_TAG}=${tag} is not an update in the stack's history (searched ${history.length} entries)`,
    );
  if (good.result !== "succeeded")
    throw new Error(`the update ${tag} is ${good.result}, not succeeded: not a good update`);
  const image = good.config?.[IMAGE]?.value;
  if (!image) throw new Error(`the update ${tag} has no ${IMAGE} in its config`);
  const now = current[IMAGE]?.value;
  if (now === image) {
    throw new Error(
      `stack ${stack} already runs ${image}, the image of the last good update ${tag}: nothing to roll back`,
    );
  }
  return { id: tag, image, sets: [[IMAGE, image]] };
}

export interface RollbackOptions {
  stack: string;
  /** The pack config environment (policy/config/<environment>.json). */
  environment: string;
  smoke: Omit<Parameters<typeof runSmoke>[0], "stack">;
}

/** The whole rollback; returns the log lines. Throws (refuses) before changing anything when there is no target. */
export async function runRollback(o: RollbackOptions, run: Runner): Promise<string[]> {
  const s = ["--stack", o.stack];
  const log: string[] = [];
  const history = await runJson<HistoryEntry[]>(run, [
    "pulumi",
    "stack",
    "history",
    "--json",
    "--page-size",
    "100",
    ...s,
  ]);
  const tags = await runJson<Record<string, string>>(run, ["pulumi", "stack", "tag", "ls", "--json", ...s]);
  const config = await runJson<Record<string, ConfigValue>>(run, ["pulumi", "config", "--json", ...s]);
  const target = rollbackTarget(history, tags[LAST_GOOD_TAG], config, o.stack);
  log.push(`rolling back stack ${o.stack} to update ${target.id}: ${IMAGE}=${target.image}`);
  for (const [key, value] of target.sets) await must(run, ["pulumi", "config", "set", key, value, ...s]);
  await must(run, [
    ...["pulumi", "up", "--yes", "--skip-preview", ...s, "--message", `rollback to ${target.id}`],
    ...["--policy-pack", "policy", "--policy-pack-config", `policy/config/${o.environment}.json`],
  ]);
  log.push("pulumi up: done");
  const smoke = await runSmoke({ ...o.smoke, stack: o.stack }, run);
  for (const r of smoke.results) log.push(`${r.ok ? "ok  " : "FAIL"} ${r.name} ${r.detail}`);
  if (!smoke.ok) throw new Error(`rolled back to ${target.id}, but the smoke test still fails:\n${log.join("\n")}`);
  const after = await runJson<HistoryEntry[]>(run, ["pulumi", "stack", "history", "--json", "--page-size", "20", ...s]);
  const value = lastGoodValue(after);
  await must(run, ["pulumi", "stack", "tag", "set", LAST_GOOD_TAG, value, ...s]);
  log.push(`smoke passed; ${LAST_GOOD_TAG}=${value}`);
  return log;
}

async function must(run: Runner, argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.status !== 0)
    throw new Error(`\`${argv.join(" ")}\` exited ${r.status}: ${r.stderr.trim() || r.stdout.trim()}`);
}
