/**
 * The smoke test's alarm and migration checks (scripts/lib/smoke-cloud.ts, smoke-migrate.ts) through a fake runner:
 * the exact command per cloud, read from the stack outputs' shapes (the prod plans' values), and each verdict.
 */

import assert from "node:assert/strict";
import { startAndWait } from "../../components/app-service/azure-roles";
import { checkAlarms } from "../../scripts/lib/smoke-cloud";
import { checkMigrate } from "../../scripts/lib/smoke-migrate";
import type { Runner, RunResult } from "../../scripts/lib/smoke-runner";

/** Answers each command line (argv joined by spaces) from the table; records what was run. */
function fake(answers: Record<string, unknown | RunResult>): Runner & { calls: string[] } {
  const calls: string[] = [];
  const run = (async (argv: readonly string[]) => {
    const line = argv.join(" ");
    calls.push(line);
    if (!(line in answers)) return { status: 1, stdout: "", stderr: `unexpected command: ${line}` };
    const a = answers[line] as RunResult | unknown;
    if (typeof a === "object" && a !== null && "stdout" in a) return a as RunResult;
    return { status: 0, stdout: JSON.stringify(a), stderr: "" };
  }) as Runner & { calls: string[] };
  run.calls = calls;
  return run;
}

const AWS = {
  cloud: "aws",
  alerts: ["loom-prod-high-error-rate", "loom-prod-slow-responses"],
  alarmTargets: ["arn:aws:sns:eu-west-1:111122223333:loom-prod-alerts-critical"],
  migrateCommand:
    'aws ecs run-task --cluster loom-prod --task-definition loom-prod-migrate --launch-type FARGATE --network-configuration "awsvpcConfiguration={subnets=[a],securityGroups=[b],assignPublicIp=DISABLED}" --started-by loom-migrate --region eu-west-1',
};
const AWS_ALARMS = "aws cloudwatch describe-alarms --state-value ALARM --region eu-west-1 --output json";
const ECS_WHERE = "--cluster loom-prod --region eu-west-1 --output json";

describe("smoke: alarms", () => {
  it("aws: fails naming this stack's alarms in ALARM, ignoring other stacks'", async () => {
    const run = fake({
      [AWS_ALARMS]: {
        MetricAlarms: [{ AlarmName: "loom-prod-slow-responses" }, { AlarmName: "loom-staging-slow-responses" }],
        CompositeAlarms: [],
      },
    });
    assert.deepEqual(await checkAlarms(AWS, "prod", run), {
      name: "alarms",
      ok: false,
      detail: "1 firing: loom-prod-slow-responses",
    });
    assert.deepEqual(run.calls, [AWS_ALARMS]);
  });

  it("aws: passes when none of the stack's alarms is in ALARM", async () => {
    const run = fake({ [AWS_ALARMS]: { MetricAlarms: [{ AlarmName: "other" }] } });
    assert.deepEqual(await checkAlarms(AWS, "prod", run), {
      name: "alarms",
      ok: true,
      detail: "none of the stack's 2 alerts is firing",
    });
  });

  it("gcp: open alerts by policy display name", async () => {
    const cmd = "gcloud monitoring alerts list --project loom-example-prod --filter state=OPEN --format json";
    const run = fake({ [cmd]: [{ state: "OPEN", policy: { displayName: "loom-prod-database-down" } }] });
    const o = {
      cloud: "gcp",
      alerts: ["loom-prod-database-down"],
      alarmTargets: ["projects/loom-example-prod/notificationChannels/2396947936366882946"],
    };
    assert.deepEqual(await checkAlarms(o, "prod", run), {
      name: "alarms",
      ok: false,
      detail: "1 firing: loom-prod-database-down",
    });
    assert.deepEqual(run.calls, [cmd]);
  });

  it("azure: fired alerts of the resource group, by rule name", async () => {
    const url =
      "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts?api-version=2019-05-05-preview&targetResourceGroup=loom-prod&monitorCondition=Fired";
    const rule =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-prod/providers/microsoft.insights/metricAlerts/loom-prod-high-error-rate";
    const run = fake({
      [`az rest --method get --url ${url} --output json`]: {
        value: [{ properties: { essentials: { alertRule: rule } } }],
      },
    });
    const o = {
      cloud: "azure",
      alerts: ["loom-prod-high-error-rate"],
      alarmTargets: [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-prod/providers/Microsoft.Insights/actionGroups/loom-prod-critical",
      ],
    };
    assert.deepEqual(await checkAlarms(o, "prod", run), {
      name: "alarms",
      ok: false,
      detail: "1 firing: loom-prod-high-error-rate",
    });
  });

  it("kubernetes: Alertmanager's active alerts of this stack's namespace only", async () => {
    const path =
      "/api/v1/namespaces/monitoring/services/http:alertmanager-operated:9093/proxy/api/v2/alerts?active=true&silenced=false&inhibited=false";
    const run = fake({
      [`kubectl get --raw ${path}`]: [
        { labels: { alertname: "LoomHighErrorRate", namespace: "loom-staging" } },
        { labels: { alertname: "LoomQueueBacklog", namespace: "loom-prod" } },
      ],
    });
    const o = {
      cloud: "kubernetes",
      alerts: ["LoomHighErrorRate", "LoomQueueBacklog"],
      alarmTargets: ["alertmanager:monitoring"],
      migrateCommand:
        "kubectl --namespace loom-prod delete job loom-migrate-1qyi7811 --ignore-not-found && pulumi up --refresh --yes",
    };
    assert.deepEqual(await checkAlarms(o, "prod", run), {
      name: "alarms",
      ok: false,
      detail: "1 firing: LoomQueueBacklog",
    });
  });

  it("digitalocean: the monitor droplet's Alertmanager through ansible", async () => {
    const cmd =
      "ansible loom-prod-monitor -i ansible/inventory/prod.yml -m ansible.builtin.command -a docker exec loom-alertmanager-1 wget -qO- http://127.0.0.1:9093/api/v2/alerts?active=true&silenced=false&inhibited=false";
    const run = fake({ [cmd]: { status: 0, stdout: "loom-prod-monitor | CHANGED | rc=0 >>\n[]\n", stderr: "" } });
    const o = {
      cloud: "digitalocean",
      alerts: ["LoomHighErrorRate"],
      alarmTargets: ["email:oncall@example.com"],
      hosts: { monitor: { hosts: [{ name: "loom-prod-monitor" }] } },
    };
    assert.deepEqual(await checkAlarms(o, "prod", run), {
      name: "alarms",
      ok: true,
      detail: "none of the stack's 1 alerts is firing",
    });
    assert.deepEqual(run.calls, [cmd]);
  });

  it("skips a stack without alerts, and fails clearly when the CLI fails or the outputs lack a target", async () => {
    assert.deepEqual(await checkAlarms({ cloud: "aws", alerts: [] }, "dev", fake({})), {
      name: "alarms",
      ok: true,
      skipped: true,
      detail: "the stack has no alerts (alerting is off in its profile)",
    });
    const denied = fake({ [AWS_ALARMS]: { status: 255, stdout: "", stderr: "AccessDenied\n" } });
    assert.deepEqual(await checkAlarms(AWS, "prod", denied), {
      name: "alarms",
      ok: false,
      detail: `\`${AWS_ALARMS}\` exited 255: AccessDenied`,
    });
    assert.deepEqual(await checkAlarms({ ...AWS, alarmTargets: [] }, "prod", fake({})), {
      name: "alarms",
      ok: false,
      detail: "cannot read the region from the stack output alarmTargets ([])",
    });
  });
});

describe("smoke: migrate exit status", () => {
  const list = `aws ecs list-tasks --started-by loom-migrate --desired-status STOPPED ${ECS_WHERE}`;
  const describeCmd = `aws ecs describe-tasks --tasks arn:t1 arn:t2 ${ECS_WHERE}`;

  it("aws: the newest stopped migrate task, every container exit 0", async () => {
    const run = fake({
      [list]: { taskArns: ["arn:t1", "arn:t2"] },
      [describeCmd]: {
        tasks: [
          { taskArn: "arn:t1", createdAt: "2026-12-01T10:00:00Z", containers: [{ name: "migrate", exitCode: 1 }] },
          { taskArn: "arn:t2", createdAt: "2026-12-02T10:00:00Z", containers: [{ name: "migrate", exitCode: 0 }] },
        ],
      },
    });
    assert.deepEqual(await checkMigrate(AWS, run), { name: "migrate", ok: true, detail: "arn:t2 exited 0" });
    assert.deepEqual(run.calls, [list, describeCmd]);
  });

  it("aws: fails the newest task's non-zero exit, and no task at all", async () => {
    const run = fake({
      [list]: { taskArns: ["arn:t1", "arn:t2"] },
      [describeCmd]: {
        tasks: [
          {
            taskArn: "arn:t2",
            createdAt: "2026-12-02T10:00:00Z",
            stoppedReason: "Essential container in task exited",
            containers: [{ name: "migrate", exitCode: 3 }],
          },
        ],
      },
    });
    assert.deepEqual(await checkMigrate(AWS, run), {
      name: "migrate",
      ok: false,
      detail: "arn:t2: migrate exit 3; stopped: Essential container in task exited",
    });
    assert.deepEqual(await checkMigrate(AWS, fake({ [list]: { taskArns: [] } })), {
      name: "migrate",
      ok: false,
      detail: "no stopped migrate task (started by loom-migrate) in loom-prod: ECS keeps them about an hour; run it",
    });
  });

  it("gcp: the newest execution's Completed condition, of migrate (the last job), not of db-roles", async () => {
    // migrateCommand as the GCP AppService writes it: the roles job first, then migrate.
    const o = {
      cloud: "gcp",
      migrateCommand:
        "gcloud run jobs execute loom-prod-db-roles --region europe-west1 --project loom-example-prod --wait && " +
        "gcloud run jobs execute loom-prod-migrate --region europe-west1 --project loom-example-prod --wait",
    };
    const cmd =
      "gcloud run jobs executions list --job loom-prod-migrate --region europe-west1 --project loom-example-prod --sort-by ~metadata.creationTimestamp --limit 1 --format json";
    const ok = fake({
      [cmd]: [
        {
          metadata: { name: "loom-prod-migrate-x7k2p" },
          status: { conditions: [{ type: "Completed", status: "True" }] },
        },
      ],
    });
    assert.deepEqual(await checkMigrate(o, ok), {
      name: "migrate",
      ok: true,
      detail: "execution loom-prod-migrate-x7k2p of loom-prod-migrate completed",
    });
    const bad = fake({
      [cmd]: [
        {
          metadata: { name: "loom-prod-migrate-x7k2p" },
          status: { conditions: [{ type: "Completed", status: "False", message: "Task failed with exit code 1" }] },
        },
      ],
    });
    assert.deepEqual(await checkMigrate(o, bad), {
      name: "migrate",
      ok: false,
      detail: "execution loom-prod-migrate-x7k2p of loom-prod-migrate: Completed=False (Task failed with exit code 1)",
    });
  });

  it("azure: the newest execution must be Succeeded", async () => {
    const o = {
      cloud: "azure",
      migrateCommand: "az containerapp job start --name loom-prod-migrate --resource-group loom-prod",
    };
    const cmd = "az containerapp job execution list --name loom-prod-migrate --resource-group loom-prod --output json";
    const run = fake({
      [cmd]: [
        { name: "loom-prod-migrate-a1", properties: { status: "Succeeded", startTime: "2026-12-01T10:00:00Z" } },
        { name: "loom-prod-migrate-b2", properties: { status: "Failed", startTime: "2026-12-02T10:00:00Z" } },
      ],
    });
    assert.deepEqual(await checkMigrate(o, run), {
      name: "migrate",
      ok: false,
      detail: "execution loom-prod-migrate-b2 of loom-prod-migrate is Failed, expected Succeeded",
    });
    // With the database's roles step first (azure-roles.ts): the migration is the job started last.
    const withRoles = {
      cloud: "azure",
      migrateCommand: `${startAndWait("loom-prod-db-roles", "loom-prod")} && ${o.migrateCommand}`,
    };
    assert.deepEqual(await checkMigrate(withRoles, run), {
      name: "migrate",
      ok: false,
      detail: "execution loom-prod-migrate-b2 of loom-prod-migrate is Failed, expected Succeeded",
    });
  });

  it("kubernetes: the migrate Job's Complete or Failed condition", async () => {
    const o = {
      cloud: "kubernetes",
      migrateCommand:
        "kubectl --namespace loom-prod delete job loom-migrate-1qyi7811 --ignore-not-found && pulumi up --refresh --yes",
    };
    const cmd = "kubectl --namespace loom-prod get job loom-migrate-1qyi7811 --output json";
    const done = fake({ [cmd]: { status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } } });
    assert.deepEqual(await checkMigrate(o, done), {
      name: "migrate",
      ok: true,
      detail: "job loom-prod/loom-migrate-1qyi7811 completed",
    });
    const failed = fake({
      [cmd]: {
        status: {
          conditions: [{ type: "Failed", status: "True", message: "Job has reached the specified backoff limit" }],
        },
      },
    });
    assert.deepEqual(await checkMigrate(o, failed), {
      name: "migrate",
      ok: false,
      detail: "job loom-prod/loom-migrate-1qyi7811 failed: Job has reached the specified backoff limit",
    });
  });

  it("digitalocean is skipped with the reason; a bad migrateCommand is named", async () => {
    const r = await checkMigrate({ cloud: "digitalocean", migrateCommand: "ansible-playbook …" }, fake({}));
    assert.equal(r.ok, true);
    assert.equal(r.skipped, true);
    assert.deepEqual(await checkMigrate({ cloud: "gcp", migrateCommand: "echo" }, fake({})), {
      name: "migrate",
      ok: false,
      detail: 'cannot read the job name from the stack output migrateCommand ("echo")',
    });
  });
});
