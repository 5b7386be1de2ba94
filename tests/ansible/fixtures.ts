/**
 * Stack outputs for the Ansible inventory tests, rendered with the real generators (components/lib/do-compose.ts,
 * do-cloud-init.ts): a web pool (fetch delivery, the edge publishing 80/443), a worker pool, and the fixed jobs
 * (log aggregator) and backup (timer) droplets (Ansible delivery). Secret values are obviously fake.
 * Run as a script it prints `fixtureOutputs()` as JSON: scripts/ansible-check.sh turns that into the example inventory
 * it syntax-checks the playbooks against.
 */
import { type BootSpec, redactedCloudConfig } from "../../components/lib/do-cloud-init";
import { type ComposeServiceSpec, renderCompose } from "../../components/lib/do-compose";

export const IMAGE = "ghcr.io/example/loom:1.4.2";
export const FAKE_FETCH = {
  kind: "fetch" as const,
  bucket: "loom-example-secrets-a1b2c3",
  region: "ams3",
  accessKey: "FAKEACCESSKEYFORTESTS",
  secretKey: "fake-secret-for-ansible-tests",
};

const health = (test: string[]) => ({ test, intervalS: 15, timeoutS: 5, retries: 3, startPeriodS: 30 });

const app = (name: string, command: string[], extra: Partial<ComposeServiceSpec> = {}): ComposeServiceSpec => ({
  name,
  image: IMAGE,
  command,
  user: "10001:10001",
  cpus: 0.5,
  memoryMiB: 512,
  envFiles: [`/etc/loom/env/${name}.env`],
  stopGraceS: 120,
  ...extra,
});

const compose = (services: ComposeServiceSpec[]) => renderCompose({ name: "loom", services });

export function bootSpecs(): Record<string, BootSpec> {
  const dbEnv = { DATABASE_PASSWORD: "database-password" };
  const web = app("web", ["loom", "serve"], {
    healthcheck: health(["CMD", "loom", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]),
  });
  const edge: ComposeServiceSpec = {
    name: "edge",
    image: "traefik:v3.4.1",
    user: "10002:10002",
    cpus: 0.25,
    memoryMiB: 128,
    stopGraceS: 120,
    capAdd: ["NET_BIND_SERVICE"],
    ports: [
      { published: 80, target: 80 },
      { published: 443, target: 443 },
    ],
    configs: [{ source: "/etc/loom/edge/traefik.yml", target: "/etc/traefik/traefik.yml" }],
  };
  const worker = app("worker", ["loom", "worker"], {
    healthcheck: health(["CMD", "loom", "healthcheck", "--worker"]),
  });
  const migrate = app("migrate", ["loom", "migrate"], { profiles: ["migrate"] });
  const forward = { kind: "forward" as const, address: "10.42.0.5:6000" };
  return {
    web: {
      role: "web",
      compose: compose([web, edge]),
      stopGraceS: 120,
      secretKeys: ["database-password", "llm-api-key"],
      secretDelivery: FAKE_FETCH,
      envFiles: { "/etc/loom/env/web.env": { ...dbEnv, LLM_API_KEY: "llm-api-key" } },
      logShipping: forward,
      files: [{ path: "/etc/loom/edge/traefik.yml", content: "entryPoints:\n  web:\n    address: ':80'\n" }],
    },
    worker: {
      role: "worker",
      compose: compose([worker]),
      stopGraceS: 120,
      secretKeys: ["database-password", "redis-password"],
      secretDelivery: FAKE_FETCH,
      envFiles: { "/etc/loom/env/worker.env": { ...dbEnv, REDIS_PASSWORD: "redis-password" } },
      logShipping: forward,
    },
    jobs: {
      role: "jobs",
      compose: compose([migrate]),
      stopGraceS: 120,
      secretKeys: ["database-password", "logs-access-key-id", "logs-secret-access-key"],
      secretDelivery: { kind: "ansible" },
      envFiles: { "/etc/loom/env/migrate.env": dbEnv },
      logShipping: {
        kind: "aggregate",
        bucket: "loom-example-logs-a1b2c3",
        region: "ams3",
        accessKeyFile: "/etc/loom/secrets/logs-access-key-id",
        secretKeyFile: "/etc/loom/secrets/logs-secret-access-key",
      },
      files: [{ path: "/opt/loom/otel/alerts.tmpl", content: "{{ $labels.instance }} is down\n" }],
    },
    backup: {
      role: "backup",
      stopGraceS: 30,
      secretKeys: ["backup-key", "database-password"],
      secretDelivery: { kind: "ansible" },
      logShipping: forward,
      packages: ["postgresql-client-16"],
      files: [{ path: "/opt/loom/backup/job.sh", content: "#!/bin/sh\nexec loom backup run\n", permissions: "0750" }],
      units: {
        "loom-backup.service":
          "[Unit]\nDescription=Loom backup\n\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/loom-backup\n",
        "loom-backup.timer":
          "[Unit]\nDescription=Daily backup\n\n[Timer]\nOnCalendar=*-*-* 03:00:00 UTC\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n",
      },
    },
  };
}

export function fixtureOutputs(): Record<string, unknown> {
  const boot = Object.fromEntries(Object.entries(bootSpecs()).map(([g, spec]) => [g, redactedCloudConfig(spec)]));
  return {
    url: "https://loom.example.com",
    migrateCommand: "ansible-playbook -i ansible/inventory/example.yml ansible/playbooks/migrate.yml",
    hosts: {
      web: { tag: "loom-example-web", hosts: [], secretKeys: ["database-password", "llm-api-key"] },
      worker: { tag: "loom-example-worker", hosts: [], secretKeys: ["database-password", "redis-password"] },
      jobs: {
        tag: "loom-example-jobs",
        hosts: [{ name: "loom-example-jobs", privateIp: "10.42.0.5" }],
        secretKeys: ["database-password", "logs-access-key-id", "logs-secret-access-key"],
      },
      // No secretKeys: the inventory reads them from the boot config.
      backup: { tag: "loom-example-backup", hosts: [{ name: "loom-example-backup", privateIp: "10.42.0.6" }] },
    },
    bootConfig: boot,
  };
}

if (require.main === module) process.stdout.write(`${JSON.stringify(fixtureOutputs(), null, 2)}\n`);
