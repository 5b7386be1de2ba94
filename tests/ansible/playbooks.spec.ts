/**
 * The playbooks under ansible/playbooks do what issue 13 item 5 asks (the real tools — ansible-lint production and
 * --syntax-check — run in scripts/ansible-check.sh): rolling deploys one droplet at a time drained through the load
 * balancer's health check, updates with reboot handling, migrations once on the jobs droplet, secrets as 0400 files
 * never logged, the backup job re-applied and run; and every `loom_*` variable they read is defined somewhere
 * (role defaults, the generated inventory, a register or a task's vars) or read with a default.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { inventoryFiles } from "../../scripts/ansible-inventory";
import { fixtureOutputs } from "./fixtures";

const DIR = path.resolve(__dirname, "..", "..", "ansible", "playbooks");
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped data; the tests assert its exact values
type Yaml = any;
type Task = Record<string, Yaml>;
const read = (rel: string) => parse(fs.readFileSync(path.join(DIR, rel), "utf8")) as Yaml;
const play = (name: string) => read(`${name}.yml`)[0] as Record<string, Yaml>;

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith(".yml"));
}

/** Every task, nested in blocks, of every YAML file under ansible/playbooks. */
function allTasks(): Task[] {
  const flat = (ts: Task[]): Task[] => ts.flatMap((t) => [t, ...flat(t.block ?? [])]);
  return walk(DIR).flatMap((f) => {
    const doc = parse(fs.readFileSync(f, "utf8"));
    if (!Array.isArray(doc)) return [];
    return flat(doc.flatMap((d: Task) => (d.hosts ? [...(d.tasks ?? [])] : [d])));
  });
}

const unsafe = { tag: "!unsafe", resolve: (s: string) => s };
const inventory = () =>
  parse(inventoryFiles(fixtureOutputs(), { stack: "x", secretsBucket: "b", secretsRegion: "r" }).get("x.yml") ?? "", {
    customTags: [unsafe],
  });
const groupFiles = (g: string): string[] =>
  inventory().all.children[g].vars.loom_files.map((f: { path: string }) => f.path);

describe("ansible playbooks", () => {
  it("the playbooks the issue asks for, and the roles they use", () => {
    const names = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
    assert.deepEqual(names.sort(), [
      "backup.yml",
      "deploy.yml",
      "docker.yml",
      "migrate.yml",
      "provision.yml",
      "secrets.yml",
      "site.yml",
      "updates.yml",
    ]);
    assert.deepEqual(fs.readdirSync(path.join(DIR, "roles")).sort(), ["loom_deploy", "loom_host", "loom_secrets"]);
    assert.deepEqual(
      read("site.yml").map((p: Task) => p["ansible.builtin.import_playbook"]),
      ["provision.yml", "secrets.yml", "deploy.yml", "backup.yml"],
    );
  });

  it("deploy: web and worker, one droplet at a time, stopping on the first failure", () => {
    const p = play("deploy");
    assert.equal(p.hosts, "web:worker");
    assert.equal(p.serial, 1);
    assert.equal(p.max_fail_percentage, 0);
    assert.deepEqual(p.roles, [{ role: "loom_deploy" }]);
  });

  it("deploy role: pull, drain (stop the edge: the LB health check fails), restart, wait healthy, settle", () => {
    const main = read("roles/loom_deploy/tasks/main.yml") as Task[];
    const steps = main.map(
      (t) =>
        t["ansible.builtin.import_tasks"] ??
        t["ansible.builtin.command"]?.argv?.slice(4, 5)[0] ??
        (t["ansible.builtin.systemd_service"] ? `unit ${t["ansible.builtin.systemd_service"].state}` : "copy"),
    );
    assert.deepEqual(steps, ["copy", "pull", "drain.yml", "unit restarted", "healthy.yml"]);
    const drain = read("roles/loom_deploy/tasks/drain.yml") as Task[];
    assert.deepEqual(drain[0]["ansible.builtin.command"].argv.slice(-2), ["stop", "{{ loom_deploy_edge_service }}"]);
    assert.equal(drain[1]["ansible.builtin.wait_for"].timeout, "{{ loom_deploy_lb_drain_s }}");
    for (const t of drain) assert.match(t.when, /loom_group == 'web'/);
    const healthy = read("roles/loom_deploy/tasks/healthy.yml") as Task[];
    assert.deepEqual(healthy[0]["ansible.builtin.command"].argv.slice(-3), ["ps", "--format", "json"]);
    assert.match(healthy[0].until, /rejectattr\('Health', 'in', \['healthy', ''\]\)/);
    assert.equal(healthy[1]["ansible.builtin.wait_for"].timeout, "{{ loom_deploy_lb_settle_s }}");
  });

  it("deploy rewrites the compose file, the configs it binds and loom.service, never host hardening or secrets", () => {
    const pattern = new RegExp(read("roles/loom_deploy/defaults/main.yml").loom_deploy_files);
    const web = groupFiles("web");
    const written = web.filter((p) => pattern.test(p) && !p.startsWith("/etc/loom/secrets/"));
    assert.deepEqual(written, [
      "/opt/loom/compose.yaml",
      "/etc/systemd/system/loom.service",
      "/etc/loom/edge/traefik.yml",
    ]);
    const main = read("roles/loom_deploy/tasks/main.yml") as Task[];
    assert.match(
      main[0].loop,
      /selectattr\('path', 'match', loom_deploy_files\) \| rejectattr\('path', 'match', '\^\/etc\/loom\/secrets\/'\)/,
    );
  });

  it("updates: one droplet at a time; reboot only when the upgrade asks, drained first, healthy after", () => {
    const p = play("updates");
    assert.equal(p.serial, 1);
    assert.equal(p.tasks[0]["ansible.builtin.apt"].upgrade, "dist");
    assert.equal(p.tasks[1]["ansible.builtin.stat"].path, "/var/run/reboot-required");
    const reboot = p.tasks[2];
    assert.equal(reboot.when, "loom_updates_reboot.stat.exists");
    assert.deepEqual(
      reboot.block.map((t: Task) => Object.keys(t).find((k) => k.startsWith("ansible."))),
      ["ansible.builtin.include_role", "ansible.builtin.reboot", "ansible.builtin.include_role"],
    );
    assert.equal(reboot.block[0]["ansible.builtin.include_role"].tasks_from, "drain.yml");
    assert.equal(reboot.block[2]["ansible.builtin.include_role"].tasks_from, "healthy.yml");
  });

  it("migrate: once, on the jobs droplet, the roles step (db-roles) and then migrate, both behind the migrate profile", () => {
    const p = play("migrate");
    assert.equal(p.hosts, "jobs");
    const run = (service: string) => [
      "docker",
      "compose",
      "-f",
      "/opt/loom/compose.yaml",
      "--profile",
      "migrate",
      "run",
      "--rm",
      service,
    ];
    // In this order: ansible stops the play at the first failing task, so migrate never runs after a failed roles step.
    assert.deepEqual(
      p.tasks.map((t: Task) => [t["ansible.builtin.command"].argv, t.run_once]),
      [
        [run("db-roles"), true],
        [run("migrate"), true],
      ],
    );
  });

  it("secrets: fixed droplets only; fetched on the controller with the key on stdin; 0400 root files; never logged", () => {
    assert.equal(play("secrets").hosts, "all:!pools");
    const tasks = read("roles/loom_secrets/tasks/main.yml") as Task[];
    const fetch = tasks.find((t) => t["ansible.builtin.command"]);
    assert.ok(fetch);
    assert.equal(fetch.delegate_to, "localhost");
    assert.equal(fetch.no_log, true);
    assert.ok(fetch["ansible.builtin.command"].argv.includes("--aws-sigv4"));
    assert.equal(JSON.stringify(fetch["ansible.builtin.command"].argv).includes("secret_key"), false);
    assert.match(fetch["ansible.builtin.command"].stdin, /^user = "\{\{ loom_secrets_access_key \}\}:/);
    const write = tasks.find((t) => t["ansible.builtin.copy"]);
    assert.deepEqual(
      { mode: write?.["ansible.builtin.copy"].mode, owner: write?.["ansible.builtin.copy"].owner, log: write?.no_log },
      { mode: "0400", owner: "root", log: true },
    );
  });

  it("backup: re-applies the units, enables the timers, runs each job now and fails on its result", () => {
    const p = play("backup");
    assert.equal(p.hosts, "backup");
    const last = p.tasks[p.tasks.length - 1];
    assert.equal(last.failed_when, "loom_backup_result.stdout != 'success'");
    assert.equal(p.tasks[1]["ansible.builtin.systemd_service"].enabled, true);
    const loop = /selectattr\('path', 'match', '(.+)'\) \}\}$/.exec(p.tasks[0].loop)?.[1] ?? "";
    const pattern = new RegExp(loop.replace(/\\\\/g, "\\"));
    assert.deepEqual(
      groupFiles("backup").filter((f) => pattern.test(f)),
      [
        "/etc/systemd/system/loom-metadata-guard.service",
        "/etc/systemd/system/loom-backup.service",
        "/etc/systemd/system/loom-backup.timer",
        "/opt/loom/backup/job.sh",
      ],
    );
  });

  it("provision: never starts the compose unit (it waits for secrets; the deploy role starts it, drained)", () => {
    const units = read("roles/loom_host/tasks/units.yml")[0];
    assert.equal(
      units["ansible.builtin.systemd_service"].state,
      "{{ omit if item == loom_host_app_unit else 'started' }}",
    );
    assert.equal(read("roles/loom_host/defaults/main.yml").loom_host_app_unit, "loom.service");
  });

  it("every loom_* variable read is defined (defaults, inventory, register, task vars) or read with a default", () => {
    const defined = new Set<string>(["loom_host", "loom_secrets", "loom_deploy"]);
    for (const f of walk(DIR).filter((f) => f.includes(`${path.sep}defaults${path.sep}`))) {
      for (const k of Object.keys(parse(fs.readFileSync(f, "utf8")) ?? {})) defined.add(k);
    }
    const inv = parse(
      inventoryFiles(fixtureOutputs(), { stack: "x", secretsBucket: "b", secretsRegion: "r" }).get("x.yml") ?? "",
      {
        customTags: [{ tag: "!unsafe", resolve: (s: string) => s }],
      },
    );
    for (const k of Object.keys(inv.all.vars)) defined.add(k);
    for (const g of Object.values(inv.all.children) as { vars?: object }[]) {
      for (const k of Object.keys(g.vars ?? {})) defined.add(k);
    }
    for (const t of allTasks()) {
      if (typeof t.register === "string") defined.add(t.register);
      for (const k of Object.keys(t.vars ?? {})) defined.add(k);
    }
    const undefinedReads = walk(DIR).flatMap((f) => {
      const text = fs.readFileSync(f, "utf8");
      return [...text.matchAll(/\bloom_[a-z_]+\b(?!\s*\|\s*default)/g)]
        .map((m) => m[0])
        .filter((v) => !defined.has(v))
        .map((v) => `${path.relative(DIR, f)}: ${v}`);
    });
    assert.deepEqual([...new Set(undefinedReads)], []);
  });
});
