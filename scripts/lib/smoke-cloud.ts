/**
 * The smoke test's cloud checks, read from the stack outputs (index.ts): no alert of this stack firing, and the last
 * migration run exited 0. One CLI per cloud, run through the injectable Runner (tests/smoke/cloud.spec.ts uses a
 * fake with fixtures of each CLI's JSON):
 *
 *   alarms   aws           aws cloudwatch describe-alarms --state-value ALARM (region from the SNS topic ARNs)
 *            gcp           gcloud monitoring alerts list --filter state=OPEN (project from the channel names)
 *            azure         az rest GET Microsoft.AlertsManagement/alerts?monitorCondition=Fired (the resource group)
 *            kubernetes    kubectl get --raw …/alertmanager-operated:9093/proxy/api/v2/alerts (Alertmanager's API)
 *            digitalocean  ansible <monitor droplet> → the monitor's Alertmanager API (DigitalOcean's own alert
 *                          policies have no state API; the same catalog also runs in that Prometheus)
 *   migrate  aws           aws ecs list-tasks --started-by loom-migrate --desired-status STOPPED + describe-tasks
 *            gcp           gcloud run jobs executions list --job <migrate job> (the newest)
 *            azure         az containerapp job execution list (the newest)
 *            kubernetes    kubectl get job <migrate job> (Complete / Failed condition)
 *            digitalocean  not readable afterwards: `docker compose run --rm` under ansible-playbook, whose exit
 *                          status is the deploy step's own
 */
import { type CheckResult, type Runner, runJson } from "./smoke-runner";

export interface StackOutputs {
  cloud?: string;
  url?: string;
  alerts?: string[];
  alarmTargets?: string[];
  migrateCommand?: string;
  hosts?: Record<string, { hosts?: { name: string }[] }>;
  [key: string]: unknown;
}

/** A flag's value in a command line (`--region eu-west-1`), or undefined. */
export function flag(commandLine: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)--${name}[ =]("[^"]*"|\\S+)`).exec(commandLine)?.[1]?.replace(/^"|"$/g, "");
}

const fail = (name: string, detail: string): CheckResult => ({ name, ok: false, detail });
const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
const skip = (name: string, detail: string): CheckResult => ({ name, ok: true, skipped: true, detail });

function need(value: string | undefined, what: string, output: string, seen: unknown): string {
  if (value === undefined || value === "") {
    throw new Error(`cannot read ${what} from the stack output ${output} (${JSON.stringify(seen)})`);
  }
  return value;
}

interface AmAlert {
  labels?: Record<string, string>;
  status?: { state?: string };
}
const AM_QUERY = "api/v2/alerts?active=true&silenced=false&inhibited=false";

/** Which of the stack's alert names are firing, and the argv that asks; per cloud. */
async function firing(o: StackOutputs, stack: string, run: Runner): Promise<string[]> {
  const targets = o.alarmTargets ?? [];
  const first = targets[0] ?? "";
  switch (o.cloud) {
    case "aws": {
      const region = need(/^arn:aws[\w-]*:sns:([^:]+):/.exec(first)?.[1], "the region", "alarmTargets", targets);
      const r = await runJson<{ MetricAlarms?: { AlarmName: string }[]; CompositeAlarms?: { AlarmName: string }[] }>(
        run,
        ["aws", "cloudwatch", "describe-alarms", "--state-value", "ALARM", "--region", region, "--output", "json"],
      );
      return [...(r.MetricAlarms ?? []), ...(r.CompositeAlarms ?? [])].map((a) => a.AlarmName);
    }
    case "gcp": {
      const project = need(/^projects\/([^/]+)\//.exec(first)?.[1], "the project", "alarmTargets", targets);
      const r = await runJson<{ policy?: { displayName?: string } }[]>(run, [
        ...["gcloud", "monitoring", "alerts", "list", "--project", project],
        ...["--filter", "state=OPEN", "--format", "json"],
      ]);
      return r.map((a) => a.policy?.displayName ?? "");
    }
    case "azure": {
      const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(first);
      const sub = need(m?.[1], "the subscription", "alarmTargets", targets);
      const url =
        `https://management.azure.com/subscriptions/${sub}/providers/Microsoft.AlertsManagement/alerts` +
        `?api-version=2019-05-05-preview&targetResourceGroup=${m?.[2]}&monitorCondition=Fired`;
      const r = await runJson<{ value?: { name?: string; properties?: { essentials?: { alertRule?: string } } }[] }>(
        run,
        ["az", "rest", "--method", "get", "--url", url, "--output", "json"],
      );
      return (r.value ?? []).map((a) => (a.properties?.essentials?.alertRule ?? a.name ?? "").split("/").pop() ?? "");
    }
    case "kubernetes": {
      const ns = need(/^alertmanager:(.+)$/.exec(first)?.[1], "the monitoring namespace", "alarmTargets", targets);
      const appNs = flag(o.migrateCommand ?? "", "namespace");
      const path = `/api/v1/namespaces/${ns}/services/http:alertmanager-operated:9093/proxy/${AM_QUERY}`;
      const r = await runJson<AmAlert[]>(run, ["kubectl", "get", "--raw", path]);
      // One Alertmanager serves every stack of the cluster: only this stack's namespace counts.
      return r
        .filter((a) => appNs === undefined || a.labels?.namespace === undefined || a.labels.namespace === appNs)
        .map((a) => a.labels?.alertname ?? "");
    }
    case "digitalocean": {
      const monitor = o.hosts?.monitor?.hosts?.[0]?.name;
      const host = need(monitor, "the monitor droplet", "hosts.monitor", o.hosts?.monitor);
      const r = await run([
        ...["ansible", host, "-i", `ansible/inventory/${stack}.yml`, "-m", "ansible.builtin.command"],
        ...["-a", `docker exec loom-alertmanager-1 wget -qO- http://127.0.0.1:9093/${AM_QUERY}`],
      ]);
      if (r.status !== 0) throw new Error(`ansible ${host} (Alertmanager query) exited ${r.status}: ${r.stdout}`);
      // Ansible prints "<host> | CHANGED | rc=0 >>" and then the command's output.
      const json = r.stdout.slice(r.stdout.indexOf("["));
      return (JSON.parse(json) as AmAlert[]).map((a) => a.labels?.alertname ?? "");
    }
    default:
      throw new Error(`cloud is ${JSON.stringify(o.cloud)}; allowed: aws, gcp, azure, digitalocean, kubernetes`);
  }
}

/** No alert of this stack (the `alerts` output) in ALARM / open / fired state. */
export async function checkAlarms(o: StackOutputs, stack: string, run: Runner): Promise<CheckResult> {
  const names = new Set(o.alerts ?? []);
  if (names.size === 0) return skip("alarms", "the stack has no alerts (alerting is off in its profile)");
  try {
    const mine = [...new Set((await firing(o, stack, run)).filter((n) => names.has(n)))].sort();
    if (mine.length > 0) return fail("alarms", `${mine.length} firing: ${mine.join(", ")}`);
    return pass("alarms", `none of the stack's ${names.size} alerts is firing`);
  } catch (e) {
    return fail("alarms", (e as Error).message);
  }
}
