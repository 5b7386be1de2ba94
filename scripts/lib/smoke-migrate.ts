/**
 * The smoke test's migration check: the newest run of the migrate task/job exited 0, found from the stack's
 * `migrateCommand` output (which names the cluster, job and region). Per-cloud commands: scripts/lib/smoke-cloud.ts.
 */
import { flag, type StackOutputs } from "./smoke-cloud";
import { type CheckResult, type Runner, runJson } from "./smoke-runner";

const NAME = "migrate";
const fail = (detail: string): CheckResult => ({ name: NAME, ok: false, detail });
const pass = (detail: string): CheckResult => ({ name: NAME, ok: true, detail });

function parts(command: string, pattern: RegExp, what: string): RegExpExecArray {
  const m = pattern.exec(command);
  if (!m) throw new Error(`cannot read ${what} from the stack output migrateCommand (${JSON.stringify(command)})`);
  return m;
}

interface EcsTask {
  taskArn: string;
  createdAt?: string | number;
  stoppedReason?: string;
  containers?: { name: string; exitCode?: number; reason?: string }[];
}

async function aws(cmd: string, run: Runner): Promise<CheckResult> {
  const cluster = flag(cmd, "cluster");
  const region = flag(cmd, "region");
  if (!cluster || !region) {
    throw new Error(`cannot read --cluster and --region from the stack output migrateCommand (${JSON.stringify(cmd)})`);
  }
  const where = ["--cluster", cluster as string, "--region", region as string, "--output", "json"];
  const list = await runJson<{ taskArns?: string[] }>(run, [
    ...["aws", "ecs", "list-tasks", "--started-by", "loom-migrate", "--desired-status", "STOPPED"],
    ...where,
  ]);
  const arns = list.taskArns ?? [];
  if (arns.length === 0) {
    return fail(
      `no stopped migrate task (started by loom-migrate) in ${cluster}: ECS keeps them about an hour; run it`,
    );
  }
  const { tasks = [] } = await runJson<{ tasks?: EcsTask[] }>(run, [
    ...["aws", "ecs", "describe-tasks", "--tasks", ...arns.slice(0, 100)],
    ...where,
  ]);
  const newest = [...tasks].sort((a, b) => +new Date(b.createdAt ?? 0) - +new Date(a.createdAt ?? 0))[0];
  if (!newest) return fail(`describe-tasks returned none of ${arns.length} task(s) in ${cluster}`);
  const bad = (newest.containers ?? []).filter((c) => c.exitCode !== 0);
  if (bad.length > 0) {
    const why = bad.map((c) => `${c.name} exit ${c.exitCode ?? "none"}${c.reason ? ` (${c.reason})` : ""}`);
    return fail(`${newest.taskArn}: ${why.join(", ")}; stopped: ${newest.stoppedReason ?? "?"}`);
  }
  return pass(`${newest.taskArn} exited 0`);
}

interface Condition {
  type: string;
  status: string;
  message?: string;
}

async function gcp(cmd: string, run: Runner): Promise<CheckResult> {
  // The migration is the last job the command executes (the db-roles job runs first, `--wait` to its end).
  const runs = [...cmd.matchAll(/gcloud run jobs execute (\S+)/g)];
  const job = runs[runs.length - 1]?.[1];
  if (!job) throw new Error(`cannot read the job name from the stack output migrateCommand (${JSON.stringify(cmd)})`);
  const scope = ["--region", flag(cmd, "region") ?? "", "--project", flag(cmd, "project") ?? ""];
  const [latest] = await runJson<{ metadata?: { name?: string }; status?: { conditions?: Condition[] } }[]>(run, [
    ...["gcloud", "run", "jobs", "executions", "list", "--job", job as string, ...scope],
    ...["--sort-by", "~metadata.creationTimestamp", "--limit", "1", "--format", "json"],
  ]);
  if (!latest) return fail(`job ${job} has never been executed; run: ${cmd}`);
  const name = latest.metadata?.name ?? "?";
  const done = latest.status?.conditions?.find((c) => c.type === "Completed");
  if (done?.status === "True") return pass(`execution ${name} of ${job} completed`);
  return fail(
    `execution ${name} of ${job}: Completed=${done?.status ?? "unknown"}${done?.message ? ` (${done.message})` : ""}`,
  );
}

async function azure(cmd: string, run: Runner): Promise<CheckResult> {
  // The migration is the last job the command starts (the db-roles job runs first, to its end).
  const starts = [...cmd.matchAll(/az containerapp job start --name (\S+)/g)];
  const job = starts[starts.length - 1]?.[1];
  if (!job) throw new Error(`cannot read the job name from the stack output migrateCommand (${JSON.stringify(cmd)})`);
  const group = flag(cmd, "resource-group") ?? "";
  const list = await runJson<{ name: string; properties?: { status?: string; startTime?: string } }[]>(run, [
    ...["az", "containerapp", "job", "execution", "list", "--name", job as string],
    ...["--resource-group", group, "--output", "json"],
  ]);
  const latest = [...list].sort((a, b) =>
    (b.properties?.startTime ?? "").localeCompare(a.properties?.startTime ?? ""),
  )[0];
  if (!latest) return fail(`job ${job} has never been executed; run: ${cmd}`);
  const status = latest.properties?.status ?? "unknown";
  if (status === "Succeeded") return pass(`execution ${latest.name} of ${job} succeeded`);
  return fail(`execution ${latest.name} of ${job} is ${status}, expected Succeeded`);
}

async function kubernetes(cmd: string, run: Runner): Promise<CheckResult> {
  const [, ns, job] = parts(cmd, /kubectl --namespace (\S+) delete job (\S+)/, "the namespace and job");
  const r = await run(["kubectl", "--namespace", ns as string, "get", "job", job as string, "--output", "json"]);
  if (r.status !== 0) return fail(`job ${ns}/${job} not found (${r.stderr.trim()}); the rollout creates it`);
  const { status } = JSON.parse(r.stdout) as { status?: { conditions?: Condition[]; succeeded?: number } };
  const conditions = status?.conditions ?? [];
  const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
  if (failed) return fail(`job ${ns}/${job} failed: ${failed.message ?? "no message"}`);
  if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return pass(`job ${ns}/${job} completed`);
  return fail(`job ${ns}/${job} has not completed yet (succeeded: ${status?.succeeded ?? 0})`);
}

const CHECKS: Record<string, (cmd: string, run: Runner) => Promise<CheckResult>> = { aws, gcp, azure, kubernetes };

/** The newest migration run exited 0; DigitalOcean's is only visible to the deploy step that ran it. */
export async function checkMigrate(o: StackOutputs, run: Runner): Promise<CheckResult> {
  const cmd = o.migrateCommand;
  if (o.cloud === "digitalocean") {
    return {
      name: NAME,
      ok: true,
      skipped: true,
      detail:
        "not readable afterwards: ansible-playbook runs it with `docker compose run --rm`; its exit status gates the deploy step",
    };
  }
  const check = CHECKS[o.cloud ?? ""];
  if (!check) return fail(`cloud is ${JSON.stringify(o.cloud)}; allowed: aws, gcp, azure, digitalocean, kubernetes`);
  if (!cmd) return fail("the stack has no migrateCommand output");
  try {
    return await check(cmd, run);
  } catch (e) {
    return fail((e as Error).message);
  }
}
