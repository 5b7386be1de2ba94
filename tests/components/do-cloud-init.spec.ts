/**
 * The DigitalOcean boot config generator (components/lib/do-cloud-init.ts): the parsed #cloud-config of a web pool
 * member (secrets fetched from the bucket), a fixed worker (secrets pushed by Ansible) and the jobs droplet (log
 * aggregator), the redacted rendering, and each refusal with its property path and message.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { type BootSpec, redactedCloudConfig, renderCloudConfig } from "../../components/lib/do-cloud-init";
import { type ComposeServiceSpec, renderCompose } from "../../components/lib/do-compose";

const IMAGE = "ghcr.io/acme/loom:1.4.2";
const HEALTH = { intervalS: 10, timeoutS: 5, retries: 3, startPeriodS: 30 };
const FAKE_AK = "DO00FAKEACCESSKEY000";
const FAKE_SK = "fake-secret-for-spaces-fetch-key";

const webService: ComposeServiceSpec = {
  name: "web",
  image: IMAGE,
  command: ["loom", "serve"],
  user: "10001:10001",
  cpus: 0.5,
  memoryMiB: 1024,
  envFiles: ["/etc/loom/env/web.env"],
  healthcheck: { test: ["CMD", "loom", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"], ...HEALTH },
  stopGraceS: 120,
};
const edgeService: ComposeServiceSpec = {
  name: "edge",
  image: "traefik:v3.1.4",
  user: "65532:65532",
  cpus: 0.25,
  memoryMiB: 128,
  capAdd: ["NET_BIND_SERVICE"],
  ports: [{ published: 80, target: 80 }],
  stopGraceS: 30,
};
const workerService: ComposeServiceSpec = {
  name: "worker",
  image: IMAGE,
  command: ["loom", "worker"],
  user: "10001:10001",
  cpus: 0.5,
  memoryMiB: 1024,
  envFiles: ["/etc/loom/env/worker.env"],
  healthcheck: { test: ["CMD", "loom", "healthcheck", "--worker"], ...HEALTH },
  stopGraceS: 120,
};

function webPool(over: Partial<BootSpec> = {}): BootSpec {
  return {
    role: "web",
    compose: renderCompose({ name: "loom", services: [webService, edgeService] }),
    stopGraceS: 120,
    secretKeys: ["database-password", "redis-password"],
    secretDelivery: {
      kind: "fetch",
      bucket: "loom-staging-secrets-ab12cd",
      region: "ams3",
      accessKey: FAKE_AK,
      secretKey: FAKE_SK,
    },
    envFiles: { "/etc/loom/env/web.env": { DATABASE_PASSWORD: "database-password", REDIS_PASSWORD: "redis-password" } },
    logShipping: { kind: "forward", address: "10.20.0.5" },
    ...over,
  };
}

function fixedWorker(over: Partial<BootSpec> = {}): BootSpec {
  return {
    role: "worker",
    compose: renderCompose({ name: "loom", services: [workerService] }),
    stopGraceS: 120,
    secretKeys: ["database-password", "llm-api-key"],
    secretDelivery: { kind: "ansible" },
    envFiles: { "/etc/loom/env/worker.env": { DATABASE_PASSWORD: "database-password", LLM_API_KEY: "llm-api-key" } },
    logShipping: { kind: "forward", address: "10.10.0.5" },
    ...over,
  };
}

const jobs: BootSpec = {
  role: "jobs",
  stopGraceS: 30,
  secretKeys: [],
  secretDelivery: { kind: "ansible" },
  logShipping: {
    kind: "aggregate",
    bucket: "loom-dev-logs-ab12cd",
    region: "ams3",
    accessKeyFile: "/etc/loom/secrets/logs-access-key",
    secretKeyFile: "/etc/loom/secrets/logs-secret-key",
  },
  units: {
    "loom-backup.service": "[Unit]\nDescription=dump\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/loom-backup\n",
    "loom-backup.timer": "[Timer]\nOnCalendar=*-*-* 03:00:00\n[Install]\nWantedBy=timers.target\n",
  },
  packages: ["postgresql-client-16"],
};

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
  owner: string;
}
interface CloudConfig {
  write_files: WriteFile[];
  runcmd: string[];
  packages: string[];
  [key: string]: unknown;
}

function boot(spec: BootSpec): CloudConfig {
  const text = renderCloudConfig(spec);
  assert.ok(text.startsWith("#cloud-config\n"));
  return parse(text) as CloudConfig;
}
const fileAt = (doc: CloudConfig, path: string) => {
  const f = doc.write_files.find((w) => w.path === path);
  assert.ok(f, `no write_files entry ${path}`);
  return f;
};
const refuses = (spec: BootSpec, propertyPath: string, reason: string) =>
  assert.throws(() => renderCloudConfig(spec), { propertyPath, reason });

describe("DigitalOcean boot config generator", () => {
  it("hardens every host: SSH keys only, unattended-upgrades, Docker + compose v2 from Ubuntu, daemon.json", () => {
    const doc = boot(webPool());
    assert.equal(doc.package_update, true);
    assert.equal(doc.package_upgrade, true);
    assert.equal(doc.ssh_pwauth, false);
    assert.equal(doc.disable_root, true);
    assert.deepEqual(doc.users, ["default"]);
    assert.deepEqual(doc.packages, [
      "unattended-upgrades",
      "ufw",
      "docker.io",
      "docker-compose-v2",
      "curl",
      "ca-certificates",
    ]);
    assert.equal(
      fileAt(doc, "/etc/ssh/sshd_config.d/10-loom.conf").content,
      "# Generated by loom-infra: SSH keys only, no root login.\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n",
    );
    assert.deepEqual(JSON.parse(fileAt(doc, "/etc/docker/daemon.json").content), {
      "log-driver": "journald",
      "log-opts": { tag: "{{.Name}}" },
      "no-new-privileges": true,
      "live-restore": true,
      "shutdown-timeout": 120,
      icc: false,
      "userland-proxy": false,
    });
    assert.equal(fileAt(doc, "/etc/systemd/journald.conf.d/10-loom.conf").content, "[Journal]\nSystemMaxUse=1G\n");
    assert.match(fileAt(doc, "/etc/apt/apt.conf.d/20auto-upgrades").content, /APT::Periodic::Unattended-Upgrade "1";/);
  });

  it("web pool member: fetches each secret with the read-only key, builds the env file, runs and drains compose", () => {
    const doc = boot(webPool());
    const creds = fileAt(doc, "/etc/loom/fetch-credentials");
    assert.deepEqual(creds, {
      path: "/etc/loom/fetch-credentials",
      content: `user = "${FAKE_AK}:${FAKE_SK}"\n`,
      permissions: "0400",
      owner: "root:root",
    });
    const script = fileAt(doc, "/usr/local/sbin/loom-secrets");
    assert.equal(script.permissions, "0700");
    assert.ok(script.content.includes('--aws-sigv4 "aws:amz:ams3:s3" --config /etc/loom/fetch-credentials'));
    assert.ok(
      script.content.includes(
        '-o "$tmp" "https://loom-staging-secrets-ab12cd.ams3.digitaloceanspaces.com/$1" && [ -s "$tmp" ]; do',
      ),
      "retries until the object exists and is no longer the empty placeholder",
    );
    assert.ok(
      script.content.includes("x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    );
    assert.ok(script.content.includes("fetch 'database-password'\nfetch 'redis-password'\n"));
    assert.ok(script.content.includes('  chmod 0400 "$tmp"\n'));
    assert.ok(
      script.content.includes(
        `printf "%s='%s'\\n" 'REDIS_PASSWORD' "$(sed "s/'/\\\\\\\\'/g" '/etc/loom/secrets/redis-password')"`,
      ),
    );
    assert.ok(script.content.includes("mv -f \"$tmp\" '/etc/loom/env/web.env'"));
    assert.ok(!script.content.includes(FAKE_SK), "the key stays in the curl config file, off the command line");
    const compose = parse(fileAt(doc, "/opt/loom/compose.yaml").content);
    assert.deepEqual(Object.keys(compose.services), ["web", "edge"]);
    const unit = fileAt(doc, "/etc/systemd/system/loom.service").content;
    for (const line of [
      "Requires=docker.service loom-metadata-guard.service",
      "ExecStartPre=/usr/local/sbin/loom-secrets",
      "ExecStart=/usr/bin/docker compose -f /opt/loom/compose.yaml up --detach --remove-orphans",
      "ExecStop=/usr/bin/docker compose -f /opt/loom/compose.yaml stop --timeout 120",
      "TimeoutStopSec=150",
    ]) {
      assert.ok(unit.split("\n").includes(line), line);
    }
  });

  it("drops container traffic to the metadata service, re-applied whenever docker starts", () => {
    const doc = boot(webPool());
    const guard = fileAt(doc, "/etc/systemd/system/loom-metadata-guard.service").content;
    assert.ok(
      guard.includes(
        "ExecStart=/bin/sh -c 'iptables -C DOCKER-USER -d 169.254.169.254/32 -j DROP 2>/dev/null || iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP'",
      ),
    );
    assert.ok(guard.includes("PartOf=docker.service") && guard.includes("WantedBy=docker.service"));
    assert.ok(doc.runcmd.includes("systemctl enable --now loom-metadata-guard.service"));
  });

  it("runcmd: UFW default deny with 22 and the published ports, Vector, loom.service without blocking cloud-init", () => {
    const doc = boot(webPool());
    assert.deepEqual(doc.runcmd, [
      "systemctl restart systemd-journald",
      "systemctl try-reload-or-restart ssh",
      "ufw default deny incoming",
      "ufw default allow outgoing",
      "ufw allow 22/tcp",
      "ufw allow 80/tcp",
      "ufw --force enable",
      "systemctl daemon-reload",
      "systemctl enable --now loom-metadata-guard.service",
      `curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 5 -o /tmp/vector.deb "https://apt.vector.dev/pool/v/ve/vector_0.53.0-1_$(dpkg --print-architecture).deb"`,
      "DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/vector.deb",
      "rm -f /tmp/vector.deb",
      "usermod -a -G systemd-journal vector",
      "systemctl enable vector.service",
      "systemctl restart --no-block vector.service",
      "systemctl enable loom.service",
      "systemctl start --no-block loom.service",
    ]);
  });

  it("ships journald to the aggregator over the VPC", () => {
    const vector = parse(fileAt(boot(webPool()), "/etc/vector/vector.yaml").content);
    assert.deepEqual(vector.sources, { journald: { type: "journald", current_boot_only: false } });
    assert.deepEqual(vector.transforms.tagged, { type: "remap", inputs: ["journald"], source: '.loom_group = "web"' });
    assert.equal(vector.sinks.aggregator.type, "vector");
    assert.equal(vector.sinks.aggregator.address, "10.20.0.5:6000");
    // journald → tagged → redact (do-vector-redaction.ts) → the aggregator: nothing leaves the droplet unredacted.
    assert.deepEqual(vector.transforms.redact.inputs, ["tagged"]);
    assert.deepEqual(vector.sinks.aggregator.inputs, ["redact"]);
  });

  it("fixed worker: waits for the files Ansible pushes, carries no credential, publishes nothing", () => {
    const text = renderCloudConfig(fixedWorker());
    const doc = parse(text) as CloudConfig;
    assert.equal(
      doc.write_files.find((f) => f.path === "/etc/loom/fetch-credentials"),
      undefined,
    );
    const script = fileAt(doc, "/usr/local/sbin/loom-secrets").content;
    assert.ok(script.includes("for key in 'database-password' 'llm-api-key'; do"));
    assert.ok(script.includes('  until [ -s "/etc/loom/secrets/$key" ]; do'));
    assert.ok(!script.includes("curl"));
    assert.deepEqual(
      doc.runcmd.filter((c) => c.startsWith("ufw allow")),
      ["ufw allow 22/tcp"],
    );
    assert.equal(parse(fileAt(doc, "/opt/loom/compose.yaml").content).services.worker.ports, undefined);
    assert.equal(redactedCloudConfig(fixedWorker()), text);
  });

  it("UFW admits published ports but not those bound to loopback", () => {
    const compose = renderCompose({
      name: "loom",
      services: [{ ...webService, ports: [{ published: 8080, target: 8080, hostIp: "127.0.0.1" }] }, edgeService],
    });
    const doc = boot(webPool({ compose, allowPorts: [{ port: 9100 }, { port: 8125, protocol: "udp" }] }));
    assert.deepEqual(
      doc.runcmd.filter((c) => c.startsWith("ufw allow")),
      ["ufw allow 22/tcp", "ufw allow 80/tcp", "ufw allow 9100/tcp", "ufw allow 8125/udp"],
    );
  });

  it("the secrets script, run for real, writes 0400 env files that keep every byte of the value", () => {
    const root = mkdtempSync(join(tmpdir(), "loom-secrets-"));
    try {
      const script = fileAt(boot(fixedWorker()), "/usr/local/sbin/loom-secrets").content.replaceAll(
        "/etc/loom",
        `${root}/etc/loom`,
      );
      mkdirSync(`${root}/etc/loom/secrets`, { recursive: true });
      writeFileSync(`${root}/etc/loom/secrets/database-password`, "fake'pw$HOME\\x\n");
      writeFileSync(`${root}/etc/loom/secrets/llm-api-key`, "fake-llm-key");
      writeFileSync(`${root}/loom-secrets`, script);
      execFileSync("sh", [`${root}/loom-secrets`], { timeout: 20_000 });
      const env = `${root}/etc/loom/env/worker.env`;
      assert.equal(readFileSync(env, "utf8"), "DATABASE_PASSWORD='fake\\'pw$HOME\\x'\nLLM_API_KEY='fake-llm-key'\n");
      assert.equal(statSync(env).mode & 0o777, 0o400);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("secretGroup lets the container's group read fetched files (compose secrets binds keep host ownership)", () => {
    const script = fileAt(boot(webPool({ secretGroup: 10001 })), "/usr/local/sbin/loom-secrets").content;
    assert.ok(script.includes('  chgrp 10001 "$tmp" && chmod 0440 "$tmp"\n'));
  });

  it("jobs droplet: aggregates every droplet's logs into the logs bucket, key pair as systemd credentials", () => {
    const doc = boot(jobs);
    const vector = parse(fileAt(doc, "/etc/vector/vector.yaml").content);
    assert.deepEqual(vector.secret, { spaces_key: { type: "directory", path: "/run/loom-vector" } });
    assert.deepEqual(vector.sources.droplets, { type: "vector", address: "0.0.0.0:6000" });
    const sink = vector.sinks.spaces;
    assert.equal(sink.type, "aws_s3");
    assert.deepEqual(sink.inputs, ["redact", "droplets"]);
    assert.equal(sink.bucket, "loom-dev-logs-ab12cd");
    assert.equal(sink.region, "ams3");
    assert.equal(sink.endpoint, "https://ams3.digitaloceanspaces.com");
    assert.deepEqual(sink.auth, {
      access_key_id: "SECRET[spaces_key.logs-access-key-id]",
      secret_access_key: "SECRET[spaces_key.logs-secret-access-key]",
    });
    const dropIn = fileAt(doc, "/etc/systemd/system/vector.service.d/10-loom-keys.conf").content.split("\n");
    const copies = dropIn.filter((l) => l.startsWith("ExecStartPre="));
    assert.deepEqual(copies, [
      "ExecStartPre=",
      "ExecStartPre=+/usr/bin/install -m 0400 -o vector -g vector /etc/loom/secrets/logs-access-key /run/loom-vector/logs-access-key-id",
      "ExecStartPre=+/usr/bin/install -m 0400 -o vector -g vector /etc/loom/secrets/logs-secret-key /run/loom-vector/logs-secret-access-key",
      "ExecStartPre=/usr/bin/vector validate --no-environment",
    ]);
    assert.ok(dropIn.includes("RuntimeDirectory=loom-vector") && dropIn.includes("Restart=on-failure"));
    assert.ok(doc.runcmd.includes("ufw allow 6000/tcp"));
    assert.ok(doc.packages.includes("postgresql-client-16"));
    assert.equal(
      doc.write_files.find((f) => f.path === "/etc/systemd/system/loom.service"),
      undefined,
    );
    assert.ok(!doc.runcmd.includes("systemctl enable loom.service"));
    assert.equal(fileAt(doc, "/etc/systemd/system/loom-backup.timer").content, jobs.units?.["loom-backup.timer"]);
    assert.ok(doc.runcmd.includes("systemctl enable --now loom-backup.timer"));
    assert.ok(!doc.runcmd.includes("systemctl enable --now loom-backup.service"), "the timer starts the service");
  });

  it("the redacted rendering has no key and differs from the real one only there", () => {
    const real = renderCloudConfig(webPool());
    const redacted = redactedCloudConfig(webPool());
    assert.ok(real.includes(FAKE_SK) && real.includes(FAKE_AK));
    assert.ok(!redacted.includes(FAKE_SK) && !redacted.includes(FAKE_AK));
    assert.ok(redacted.includes('user = "[redacted]:[redacted]"'));
    assert.equal(real.replace(`${FAKE_AK}:${FAKE_SK}`, "[redacted]:[redacted]"), redacted);
  });

  it("refuses specs that would break the host contract", () => {
    refuses(webPool({ role: "api" }), "role", 'must be one of web, worker, jobs, backup, monitor, got "api"');
    refuses(webPool({ stopGraceS: 15 }), "stopGraceS", "must be a whole number of seconds ≥ 30, got 15");
    refuses(
      webPool({ stopGraceS: 60 }),
      "stopGraceS",
      "must be ≥ the compose file's longest stop_grace_period (120s), got 60",
    );
    refuses(
      webPool({ secretKeys: ["Database_Password"] }),
      "secretKeys",
      'must be secret file names ([a-z0-9-], ≤ 63), got "Database_Password"',
    );
    refuses(
      webPool({ envFiles: { "/etc/loom/env/web.env": { LLM_API_KEY: "llm-api-key" } } }),
      "envFiles./etc/loom/env/web.env.LLM_API_KEY",
      'names "llm-api-key", not in secretKeys',
    );
    refuses(
      webPool({ envFiles: { "/tmp/web.env": {} } }),
      "envFiles",
      'must live under /etc/loom/, got "/tmp/web.env"',
    );
    refuses(
      webPool({
        files: [
          {
            path: "/etc/loom/edge/tls.key",
            content: "-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n",
          },
        ],
      }),
      "files./etc/loom/edge/tls.key",
      "must not hold a credential literal (a PEM private key)",
    );
    refuses(
      webPool({ files: [{ path: "/etc/x", content: "x", permissions: "644" }] }),
      "files./etc/x.permissions",
      'must be an octal mode like "0644", got "644"',
    );
    refuses(
      webPool({ packages: ["docker-compose"] }),
      "packages",
      "docker-compose is the v1 CLI: compose v2 is installed already",
    );
    refuses(
      webPool({ units: { "backup.sh": "" } }),
      "units",
      'must be systemd unit file names (x.service, x.timer…), got "backup.sh"',
    );
    refuses(webPool({ allowPorts: [{ port: 70000 }] }), "allowPorts", "must be ports 1-65535, got 70000");
    assert.throws(
      () => renderCloudConfig(webPool({ files: [{ path: "/etc/loom/big", content: "x".repeat(70_000) }] })),
      {
        propertyPath: "files",
        reason: /^the boot config is \d+ bytes; DigitalOcean accepts at most 65536 \(64 KiB\)$/,
      },
    );
  });
});
