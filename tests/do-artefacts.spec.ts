/**
 * The operator's view of a DigitalOcean plan (issue 13 item 2): scripts/do-artefacts.ts turns the redacted
 * `bootConfig` output into per-group files (boot config, the compose file it carries, every written file) and refuses
 * to write anything that still carries a credential. Boot configs here are hand-made cloud-configs of the shape the
 * generators render (components/lib/do-cloud-init.ts); the real tools (compose-go, cloud-init schema) run on the
 * real renderings in scripts/do-check.sh.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import {
  ArtefactError,
  COMPOSE_PATH,
  groupArtefacts,
  main,
  planArtefacts,
  unresolvedHostPaths,
  writeArtefacts,
  writePlanArtefacts,
} from "../scripts/do-artefacts";
import { ROOT } from "../scripts/lib/plan";

const COMPOSE = "name: loom\nservices:\n  web:\n    image: ghcr.io/loom/loom:1.2.3\n";
const TRAEFIK = "http:\n  middlewares:\n    hsts:\n      headers:\n        stsSeconds: 31536000\n";
const UNIT = "[Unit]\nDescription=Loom\n";

function cloudConfig(files: Record<string, unknown>[]): string {
  return `#cloud-config\n${stringify({ ssh_pwauth: false, write_files: files })}`;
}

const web = cloudConfig([
  { path: COMPOSE_PATH, content: COMPOSE, permissions: "0644" },
  { path: "/etc/loom/traefik/dynamic.yaml", content: TRAEFIK },
  { path: "/etc/systemd/system/loom.service", content: Buffer.from(UNIT).toString("base64"), encoding: "b64" },
]);
const worker = cloudConfig([{ path: COMPOSE_PATH, content: COMPOSE.replace("web", "worker") }]);
const monitor = "#cloud-config\npackages: [ufw]\n";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "do-artefacts-"));
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ArtefactError, `expected an ArtefactError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("expected an error");
}

describe("DigitalOcean artefacts (scripts/do-artefacts.ts)", () => {
  it("one group: the boot config as published, the compose file it carries, every written file decoded", () => {
    const { artefacts, index } = groupArtefacts("web", web);
    assert.deepEqual(
      artefacts.map((a) => [a.path, a.content]),
      [
        ["web/cloud-config.yaml", web],
        ["web/files/opt/loom/compose.yaml", COMPOSE],
        ["web/compose.yaml", COMPOSE],
        ["web/files/etc/loom/traefik/dynamic.yaml", TRAEFIK],
        ["web/files/etc/systemd/system/loom.service", UNIT],
      ],
    );
    assert.deepEqual(index, {
      cloudConfig: "web/cloud-config.yaml",
      compose: "web/compose.yaml",
      files: {
        "/opt/loom/compose.yaml": "web/files/opt/loom/compose.yaml",
        "/etc/loom/traefik/dynamic.yaml": "web/files/etc/loom/traefik/dynamic.yaml",
        "/etc/systemd/system/loom.service": "web/files/etc/systemd/system/loom.service",
      },
      edgeProxyConfig: ["web/files/etc/loom/traefik/dynamic.yaml"],
      unresolved: [],
    });
  });

  it("names the host paths a compose file reads that the boot config neither writes nor makes", () => {
    const compose = stringify({
      name: "loom",
      services: {
        web: {
          image: "x:1",
          env_file: ["/etc/loom/env/web.env", { path: "/etc/loom/env/missing.env", required: true }],
          volumes: [
            { type: "bind", source: "/etc/loom/edge/traefik.yml", target: "/t.yml", read_only: true },
            { type: "bind", source: "/etc/loom/prometheus", target: "/p" },
            { type: "volume", source: "data", target: "/data" },
            "/etc/loom/absent.pem:/ca.pem:ro",
          ],
        },
        worker: { image: "x:1", env_file: "/etc/loom/env/worker.env" },
      },
      secrets: { db: { file: "/etc/loom/secrets/database-password" }, ca: { file: "/etc/loom/ca/none.pem" } },
    });
    const files = {
      [COMPOSE_PATH]: compose,
      "/etc/loom/edge/traefik.yml": "entryPoints: {}\n",
      "/etc/loom/prometheus/rules.yml": "groups: []\n",
      "/usr/local/sbin/loom-secrets": "install -m 0400 /dev/null /etc/loom/env/web.env\n",
    };
    assert.deepEqual(unresolvedHostPaths(compose, files), [
      "/etc/loom/absent.pem",
      "/etc/loom/ca/none.pem",
      "/etc/loom/env/missing.env",
      "/etc/loom/env/worker.env",
    ]);
    const index = groupArtefacts(
      "web",
      cloudConfig(Object.entries(files).map(([p, content]) => ({ path: p, content }))),
    );
    assert.deepEqual(index.index.unresolved, unresolvedHostPaths(compose, files));
  });

  it("a group without write_files has only its boot config (and no compose entry)", () => {
    const { artefacts, index } = groupArtefacts("monitor", monitor);
    assert.deepEqual(artefacts, [{ path: "monitor/cloud-config.yaml", content: monitor }]);
    assert.deepEqual(index, { cloudConfig: "monitor/cloud-config.yaml", files: {}, edgeProxyConfig: [] });
  });

  it("the whole plan: groups sorted, index.json last, naming each group's files", () => {
    const all = planArtefacts({ url: "https://x", bootConfig: { worker, web } });
    assert.deepEqual(
      all.map((a) => a.path),
      [
        "web/cloud-config.yaml",
        "web/files/opt/loom/compose.yaml",
        "web/compose.yaml",
        "web/files/etc/loom/traefik/dynamic.yaml",
        "web/files/etc/systemd/system/loom.service",
        "worker/cloud-config.yaml",
        "worker/files/opt/loom/compose.yaml",
        "worker/compose.yaml",
        "index.json",
      ],
    );
    const index = JSON.parse(all[all.length - 1].content);
    assert.deepEqual(Object.keys(index), ["web", "worker"]);
    assert.equal(index.worker.compose, "worker/compose.yaml");
    assert.deepEqual(index.web.edgeProxyConfig, ["web/files/etc/loom/traefik/dynamic.yaml"]);
  });

  it("adds the plain boot config of every droplet no group shows (backup, monitor); skips secret and shown ones", () => {
    const backup = cloudConfig([{ path: "/etc/systemd/system/loom-backup.timer", content: "[Timer]\n" }]);
    const resources = [
      { type: "digitalocean:index/droplet:Droplet", name: "loom-web-1", inputs: { userData: web } },
      { type: "digitalocean:index/droplet:Droplet", name: "loom-backup", inputs: { userData: backup } },
      { type: "digitalocean:index/droplet:Droplet", name: "loom-monitor", inputs: { userData: monitor } },
      { type: "digitalocean:index/droplet:Droplet", name: "loom-monitor-2", inputs: { userData: monitor } },
      { type: "digitalocean:index/droplet:Droplet", name: "loom-bare", inputs: {} },
      {
        type: "digitalocean:index/dropletAutoscale:DropletAutoscale",
        name: "loom-worker",
        inputs: { dropletTemplate: { userData: "[secret]" } },
      },
      {
        type: "digitalocean:index/dropletAutoscale:DropletAutoscale",
        name: "loom-pool",
        inputs: { dropletTemplate: { userData: worker } },
      },
      {
        type: "digitalocean:index/spacesBucket:SpacesBucket",
        name: "loom-logs",
        inputs: { userData: backup.replace("Timer", "x") },
      },
    ];
    const all = planArtefacts({ bootConfig: { web } }, resources);
    const index = JSON.parse(all[all.length - 1].content);
    assert.deepEqual(Object.keys(index), ["web", "loom-backup", "loom-monitor", "loom-pool"]);
    assert.deepEqual(index["loom-backup"].files, {
      "/etc/systemd/system/loom-backup.timer": "loom-backup/files/etc/systemd/system/loom-backup.timer",
    });
    assert.equal(all.find((a) => a.path === "loom-pool/compose.yaml")?.content, COMPOSE.replace("web", "worker"));
    assert.equal(
      message(() =>
        planArtefacts({ bootConfig: { web } }, [
          { type: "digitalocean:index/droplet:Droplet", name: "web", inputs: { userData: monitor } },
        ]),
      ),
      "droplet web has the name of a bootConfig group",
    );
  });

  it("refuses a plan without a usable bootConfig output, naming why", () => {
    assert.equal(
      message(() => planArtefacts({ url: "https://x" })),
      "the plan has no bootConfig output (group → #cloud-config): only a digitalocean plan has boot configs",
    );
    assert.equal(
      message(() => planArtefacts({ bootConfig: "[secret]" })),
      "the bootConfig output is secret: it must be the redacted rendering (redactedCloudConfig)",
    );
    assert.equal(
      message(() => planArtefacts({ bootConfig: {} })),
      "the bootConfig output has no droplet group",
    );
    assert.equal(
      message(() => planArtefacts({ bootConfig: { web: 3 } })),
      "bootConfig.web is not a string",
    );
  });

  it("refuses malformed boot configs and unsafe paths", () => {
    const cases: [string, string, string][] = [
      ["Web", web, 'bootConfig: group name "Web" is not [a-z0-9-]'],
      ["web", "#!/bin/sh\necho hi\n", 'bootConfig.web: does not start with "#cloud-config"'],
      ["web", "#cloud-config\n- a\n", "bootConfig.web: the cloud-config is not a mapping"],
      ["web", "#cloud-config\nwrite_files: {path: /x}\n", "bootConfig.web: write_files is not a list"],
      [
        "web",
        "#cloud-config\na: [\n",
        "bootConfig.web: not YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:",
      ],
      [
        "web",
        cloudConfig([{ path: "/opt/../../etc/passwd", content: "x" }]),
        'bootConfig.web: write_files path "/opt/../../etc/passwd" is not an absolute path',
      ],
      [
        "web",
        cloudConfig([{ path: "relative/file", content: "x" }]),
        'bootConfig.web: write_files path "relative/file" is not an absolute path',
      ],
      ["web", cloudConfig([{ content: "x" }]), "bootConfig.web: write_files path undefined is not an absolute path"],
      [
        "web",
        cloudConfig([{ path: "/x", content: "H4sI", encoding: "gz+b64" }]),
        'bootConfig.web: write_files /x has encoding "gz+b64"; the artefacts read text/plain or b64 only',
      ],
      [
        "web",
        cloudConfig([
          { path: "/x", content: "a" },
          { path: "/x", content: "b" },
        ]),
        "bootConfig.web: write_files /x twice",
      ],
    ];
    for (const [group, text, want] of cases)
      assert.equal(
        message(() => groupArtefacts(group, text)),
        want,
        want,
      );
  });

  it("writes nothing when a file still carries a credential (the redaction failed)", () => {
    const leaks: [string, string][] = [
      ["AK=fake-secret-for-loom-x", "a plan fake secret"],
      ["SK=mock-generated-password-spaces", "a mock-generated password"],
      ["-----BEGIN RSA PRIVATE KEY-----", "a PEM private key"],
      [`TOKEN=dop_v1_${"a".repeat(64)}`, "a DigitalOcean token"],
      ["url: postgres://loom:hunter2@private-db:25060/loom", "a URL with a password"],
    ];
    for (const [line, what] of leaks) {
      const leaky = cloudConfig([{ path: "/etc/loom/fetch-secrets.sh", content: `${line}\n` }]);
      const dir = tmpDir();
      assert.equal(
        message(() => writePlanArtefacts(dir, { bootConfig: { web: leaky } })),
        `web/cloud-config.yaml contains ${what}: nothing written`,
      );
      assert.deepEqual(fs.readdirSync(dir), [], what);
    }
    // The redacted rendering's placeholders are not credentials.
    const redacted = cloudConfig([
      { path: "/etc/loom/fetch-secrets.sh", content: 'curl --user "[redacted]:[redacted]"\n' },
    ]);
    assert.equal(planArtefacts({ bootConfig: { web: redacted } }).length, 3);
  });

  it("writes under the directory and replaces a group's folder whole (no stale file from an earlier plan)", () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, "web", "files"), { recursive: true });
    fs.writeFileSync(path.join(dir, "web", "files", "stale.conf"), "old");
    fs.writeFileSync(path.join(dir, "keep.txt"), "not ours");
    const msg = writePlanArtefacts(dir, { bootConfig: { web, worker } });
    assert.equal(msg, `Wrote 9 file(s) for 2 boot config(s) (web, worker) under ${dir}`);
    assert.equal(fs.existsSync(path.join(dir, "web", "files", "stale.conf")), false);
    assert.equal(fs.readFileSync(path.join(dir, "keep.txt"), "utf8"), "not ours");
    assert.equal(fs.readFileSync(path.join(dir, "web", "compose.yaml"), "utf8"), COMPOSE);
    assert.equal(
      fs.readFileSync(path.join(dir, "web", "files", "etc", "systemd", "system", "loom.service"), "utf8"),
      UNIT,
    );
    assert.deepEqual(writeArtefacts(path.join(dir, "new", "deep"), [{ path: "a/b.txt", content: "x" }]), ["a/b.txt"]);
    assert.equal(fs.readFileSync(path.join(dir, "new", "deep", "a", "b.txt"), "utf8"), "x");
  });

  describe("the sibling command (--plan-json FILE --out-dir DIR)", () => {
    let logged: string[];
    let errors: string[];
    const orig = { log: console.log, error: console.error };
    beforeEach(() => {
      logged = [];
      errors = [];
      console.log = (m: string) => logged.push(m);
      console.error = (m: string) => errors.push(m);
    });
    afterEach(() => {
      Object.assign(console, orig);
    });

    it("writes the artefacts of a plan JSON", () => {
      const dir = tmpDir();
      const plan = path.join(dir, "plan.json");
      const resources = [
        { type: "digitalocean:index/droplet:Droplet", name: "loom-monitor", inputs: { userData: monitor } },
      ];
      fs.writeFileSync(plan, JSON.stringify({ resources, outputs: { bootConfig: { worker } } }));
      assert.equal(main(["--plan-json", plan, "--out-dir", path.join(dir, "out")]), 0);
      assert.deepEqual(logged, [
        `Wrote 5 file(s) for 2 boot config(s) (worker, loom-monitor) under ${path.join(dir, "out")}`,
      ]);
      assert.equal(fs.readFileSync(path.join(dir, "out", "loom-monitor", "cloud-config.yaml"), "utf8"), monitor);
      assert.equal(
        fs.readFileSync(path.join(dir, "out", "worker", "compose.yaml"), "utf8"),
        COMPOSE.replace("web", "worker"),
      );
    });

    it("exits 2 on usage errors, an unreadable plan and a plan without boot configs", () => {
      assert.equal(main(["--out-dir", "x"]), 2);
      assert.match(errors[0], /^--plan-json and --out-dir are required\nusage: /);
      assert.equal(main(["--bogus"]), 2);
      assert.match(errors[1], /^Unknown option '--bogus'/);
      const dir = tmpDir();
      assert.equal(main(["--plan-json", path.join(dir, "none.json"), "--out-dir", dir]), 2);
      assert.match(errors[2], /^do-artefacts: ENOENT: no such file or directory/);
      fs.writeFileSync(path.join(dir, "aws.json"), JSON.stringify({ outputs: { url: "https://x" } }));
      assert.equal(main(["--plan-json", path.join(dir, "aws.json"), "--out-dir", dir]), 2);
      assert.equal(
        errors[3],
        "do-artefacts: the plan has no bootConfig output (group → #cloud-config): only a digitalocean plan has boot configs",
      );
    });
  });

  it("npm run plan -- --stack dev --cloud digitalocean --out-dir: every group's boot config and the compose it carries", async () => {
    const dir = tmpDir();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "scripts/dist.js",
        "run",
        "scripts/plan.ts",
        "--stack",
        "dev",
        "--cloud",
        "digitalocean",
        "--no-policy",
        "--out-dir",
        dir,
      ],
      { cwd: ROOT },
    );
    const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
    // dev: fixed web and worker droplets and the jobs droplet; no backup or monitor droplet (profile: no backups, no alerting).
    assert.deepEqual(Object.keys(index), ["jobs", "web", "worker"]);
    assert.match(
      stdout,
      new RegExp(`\\nWrote \\d+ file\\(s\\) for 3 boot config\\(s\\) \\(jobs, web, worker\\) under ${dir}\\n`),
    );
    for (const group of ["jobs", "web", "worker"]) {
      const text = fs.readFileSync(path.join(dir, group, "cloud-config.yaml"), "utf8");
      const carried = (parse(text).write_files as { path: string; content: string }[]).find(
        (f) => f.path === COMPOSE_PATH,
      );
      assert.equal(index[group].compose, `${group}/compose.yaml`);
      assert.equal(fs.readFileSync(path.join(dir, group, "compose.yaml"), "utf8"), carried?.content, group);
    }
    assert.ok(index.web.edgeProxyConfig.length > 0, "the web group's edge proxy config is named");
    for (const group of ["jobs", "web", "worker"]) assert.deepEqual(index[group].unresolved, [], group);
  });

  it("npm run plan -- --out-dir on a plan without droplets exits 2 and names why", async () => {
    const dir = tmpDir();
    const run = promisify(execFile);
    const err = await run(
      process.execPath,
      [
        "scripts/dist.js",
        "run",
        "scripts/plan.ts",
        "--stack",
        "dev",
        "--cloud",
        "aws",
        "--no-policy",
        "--out-dir",
        dir,
      ],
      { cwd: ROOT },
    ).then(
      () => assert.fail("expected exit 2"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(err.code, 2);
    assert.equal(
      err.stderr.trim().split("\n").pop(),
      "--out-dir: the plan has no bootConfig output (group → #cloud-config): only a digitalocean plan has boot configs",
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
