/**
 * scripts/ansible-inventory.ts: the stack outputs (`hosts`, `bootConfig`) → the Ansible inventory, whose group vars
 * are the state the group's boot config gives a droplet (so provision.yml converges an existing host to it). The boot
 * configs come from the real generators (tests/ansible/fixtures.ts); the committed example inventory and fixture are
 * checked for staleness, since scripts/ansible-check.sh lints and syntax-checks the playbooks against them.
 */
import assert from "node:assert/strict";
import { parse, parseDocument } from "yaml";
import { BASE_PACKAGES, redactedCloudConfig, renderCloudConfig } from "../../components/lib/do-cloud-init";
import { FETCH_CREDENTIALS_PATH as HOST_FETCH_PATH } from "../../components/lib/do-host";
import { VECTOR_VERSION } from "../../components/lib/do-vector";
import { bootState, FETCH_CREDENTIALS_PATH, inventoryFiles } from "../../scripts/ansible-inventory";
import { bootSpecs, FAKE_FETCH, fixtureOutputs } from "./fixtures";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped data; the tests assert its exact values
type Yaml = any;
const EXAMPLE = { stack: "example", secretsBucket: "loom-example-secrets-a1b2c3", secretsRegion: "ams3" };
const unsafeTag = (_: unknown) => ({ tag: "!unsafe", resolve: (s: string) => s });
const load = (text: string) => parse(text, { customTags: [unsafeTag({})] }) as Record<string, Yaml>;
const groupVars = (inv: Record<string, Yaml>, g: string) => inv.all.children[g].vars;

describe("ansible inventory (scripts/ansible-inventory.ts)", () => {
  const specs = bootSpecs();

  it("jobs: the boot config's files, packages, .debs, units, groups, UFW ports and secret keys, exactly", () => {
    const s = bootState(redactedCloudConfig(specs.jobs));
    const written = (parse(redactedCloudConfig(specs.jobs)) as { write_files: { path: string }[] }).write_files;
    assert.deepEqual(
      s.loom_files.map((f) => f.path),
      written.map((f) => f.path),
    );
    for (const p of [
      "/etc/ssh/sshd_config.d/10-loom.conf",
      "/etc/docker/daemon.json",
      "/etc/systemd/system/loom.service",
    ]) {
      assert.ok(
        s.loom_files.some((f) => f.path === p),
        p,
      );
    }
    assert.deepEqual(s.loom_packages, BASE_PACKAGES);
    assert.deepEqual(s.loom_debs, [
      `https://apt.vector.dev/pool/v/ve/vector_${VECTOR_VERSION}-1_$(dpkg --print-architecture).deb`,
    ]);
    assert.deepEqual(s.loom_units, ["loom-metadata-guard.service", "loom.service", "vector.service"]);
    assert.deepEqual(s.loom_user_groups, [{ user: "vector", group: "systemd-journal" }]);
    assert.deepEqual(s.loom_ufw_allow, ["22/tcp", "6000/tcp"]);
    assert.deepEqual(s.loom_secret_keys, ["database-password", "logs-access-key-id", "logs-secret-access-key"]);
  });

  it("a file's content, mode and owner are the boot config's own (the same sshd drop-in, daemon.json, compose file)", () => {
    const doc = parse(redactedCloudConfig(specs.jobs)) as { write_files: Record<string, string>[] };
    const s = bootState(redactedCloudConfig(specs.jobs));
    for (const raw of doc.write_files) {
      const f = s.loom_files.find((x) => x.path === raw.path);
      assert.ok(f, raw.path);
      assert.equal(f.content, raw.content, raw.path);
      assert.equal(f.mode, raw.permissions, raw.path);
      assert.equal(`${f.owner}:${f.group}`, raw.owner, raw.path);
    }
    const sshd = s.loom_files.find((f) => f.path === "/etc/ssh/sshd_config.d/10-loom.conf");
    assert.match(sshd?.content ?? "", /^PasswordAuthentication no$/m);
    assert.match(sshd?.content ?? "", /^PermitRootLogin no$/m);
    assert.equal(s.loom_files.find((f) => f.path === "/usr/local/sbin/loom-secrets")?.mode, "0700");
  });

  it("web pool: the edge's published ports, and never the fetch key (redacted or, refused, in clear)", () => {
    const s = bootState(redactedCloudConfig(specs.web));
    assert.deepEqual(s.loom_ufw_allow, ["22/tcp", "443/tcp", "80/tcp"]);
    assert.equal(FETCH_CREDENTIALS_PATH, HOST_FETCH_PATH);
    assert.ok(redactedCloudConfig(specs.web).includes(FETCH_CREDENTIALS_PATH));
    assert.equal(
      s.loom_files.some((f) => f.path === FETCH_CREDENTIALS_PATH),
      false,
    );
    const clear = bootState(renderCloudConfig(specs.web));
    assert.equal(JSON.stringify(clear).includes(FAKE_FETCH.secretKey), false);
    assert.equal(JSON.stringify(clear).includes(FAKE_FETCH.accessKey), false);
    assert.deepEqual(clear.loom_secret_keys, ["database-password", "llm-api-key"]);
  });

  it("a boot file holding a credential literal is refused by name", () => {
    const leaky = { ...specs.worker, units: { "x.service": "[Service]\nExecStart=/bin/true\n" } };
    const text = renderCloudConfig(leaky).replace(
      "ExecStart=/bin/true",
      "ExecStart=/bin/true --dsn postgres://loom:hunter2-fake-pass@db.example.com/loom",
    );
    assert.throws(() => bootState(text), /write_files \/etc\/systemd\/system\/x\.service: holds a credential/);
  });

  it("backup: the timer is enabled (its service only through it) and the keys come from the loom-secrets script", () => {
    const s = bootState(redactedCloudConfig(specs.backup));
    assert.deepEqual(s.loom_units, ["loom-backup.timer", "loom-metadata-guard.service", "vector.service"]);
    assert.deepEqual(s.loom_secret_keys, ["backup-key", "database-password"]);
    assert.ok(s.loom_packages.includes("postgresql-client-16"));
  });

  const files = inventoryFiles(fixtureOutputs(), { ...EXAMPLE, proxyJump: "ops@203.0.113.10" });
  const inv = load(files.get("example.yml") ?? "");

  it("fixed droplets by private IP through the ProxyJump; pools as groups without hosts, under `pools`", () => {
    assert.deepEqual([...files.keys()], ["example.yml", "example.digitalocean.yml"]);
    assert.deepEqual(inv.all.vars, {
      loom_stack: "example",
      ansible_user: "ubuntu",
      ansible_become: true,
      ansible_ssh_common_args: "-o ProxyJump=ops@203.0.113.10",
      loom_secrets_bucket: "loom-example-secrets-a1b2c3",
      loom_secrets_region: "ams3",
    });
    assert.deepEqual(inv.all.children.jobs.hosts, { "loom-example-jobs": { ansible_host: "10.42.0.5" } });
    assert.deepEqual(inv.all.children.backup.hosts, { "loom-example-backup": { ansible_host: "10.42.0.6" } });
    assert.equal(inv.all.children.web.hosts, undefined);
    assert.deepEqual(inv.all.children.pools, { children: { web: {}, worker: {} } });
    assert.equal(groupVars(inv, "web").loom_pool, true);
    assert.equal(groupVars(inv, "jobs").loom_pool, false);
    assert.equal(groupVars(inv, "web").loom_tag, "loom-example-web");
  });

  it("the secrets bucket comes from the stack's secretsBucket/secretsRegion outputs when no option names it", () => {
    const outputs = { ...fixtureOutputs(), secretsBucket: "loom-prod-secrets-9f8e7d", secretsRegion: "fra1" };
    const v = load(inventoryFiles(outputs, { stack: "prod" }).get("prod.yml") ?? "").all.vars;
    assert.equal(v.loom_secrets_bucket, "loom-prod-secrets-9f8e7d");
    assert.equal(v.loom_secrets_region, "fra1");
    const none = load(inventoryFiles(fixtureOutputs(), { stack: "prod" }).get("prod.yml") ?? "").all.vars;
    assert.equal(none.loom_secrets_bucket, undefined);
  });

  it("the hosts output's secretKeys win over what the boot config mentions", () => {
    const outputs = fixtureOutputs() as { hosts: Record<string, { secretKeys?: string[] }> };
    outputs.hosts.jobs.secretKeys = ["only-this-one"];
    const v = groupVars(load(inventoryFiles(outputs, EXAMPLE).get("example.yml") ?? ""), "jobs");
    assert.deepEqual(v.loom_secret_keys, ["only-this-one"]);
  });

  it("file contents are `!unsafe` (Ansible does not template `{{ $labels }}`), and nothing secret is written", () => {
    const text = files.get("example.yml") ?? "";
    const doc = parseDocument(text, { customTags: [unsafeTag({})] });
    const jobsFiles = doc.getIn(["all", "children", "jobs", "vars", "loom_files"]) as { items: Yaml[] };
    for (const item of jobsFiles.items) assert.equal(item.get("content", true).tag, "!unsafe");
    const tmpl = groupVars(inv, "jobs").loom_files.find(
      (f: { path: string }) => f.path === "/opt/loom/otel/alerts.tmpl",
    );
    assert.equal(tmpl.content, "{{ $labels.instance }} is down\n");
    for (const t of files.values()) {
      assert.equal(t.includes("[redacted]"), false);
      assert.equal(t.includes(FAKE_FETCH.secretKey), false);
    }
  });

  it("pools: the community.digitalocean plugin selects members by tag and addresses them by private IP", () => {
    assert.deepEqual(load(files.get("example.digitalocean.yml") ?? ""), {
      plugin: "community.digitalocean.digitalocean",
      attributes: ["id", "name", "networks", "region", "tags"],
      filters: ['("loom-example-web" in do_tags or "loom-example-worker" in do_tags)'],
      groups: { web: '"loom-example-web" in do_tags', worker: '"loom-example-worker" in do_tags' },
      compose: {
        ansible_host: "do_networks.v4 | selectattr('type', 'eq', 'private') | map(attribute='ip_address') | first",
      },
    });
  });

  it("dev shape (fixed web and worker droplets): no plugin file, no pools group", () => {
    const outputs = fixtureOutputs() as { hosts: Record<string, { hosts: object[] }> };
    outputs.hosts.web.hosts = [{ name: "loom-dev-web", privateIp: "10.40.0.2" }];
    outputs.hosts.worker.hosts = [{ name: "loom-dev-worker", privateIp: "10.40.0.3" }];
    const dev = inventoryFiles(outputs, { stack: "dev" });
    assert.deepEqual([...dev.keys()], ["dev.yml"]);
    const d = load(dev.get("dev.yml") ?? "");
    assert.equal(d.all.children.pools, undefined);
    assert.deepEqual(d.all.children.web.hosts, { "loom-dev-web": { ansible_host: "10.40.0.2" } });
    assert.equal(d.all.vars.ansible_ssh_common_args, undefined);
  });

  it("reads the plan's --json document (outputs under `outputs`) the same as `pulumi stack output --json`", () => {
    const plan = { project: "loom", stack: "example", resources: [], outputs: fixtureOutputs() };
    assert.deepEqual(inventoryFiles(plan, EXAMPLE), inventoryFiles(fixtureOutputs(), EXAMPLE));
  });

  it("refuses a stack without hosts, and a group name Ansible cannot use", () => {
    assert.throws(() => inventoryFiles({ url: "x" }, EXAMPLE), /the stack has no `hosts` output/);
    const bad = { hosts: { "web-1": { tag: "t", hosts: [] } } };
    assert.throws(() => inventoryFiles(bad, EXAMPLE), /hosts\.web-1: not a valid Ansible group name/);
  });
});
