/**
 * The DigitalOcean compose generator (components/lib/do-compose.ts): the hardened shape of every service, read back
 * from the rendered YAML, and each refusal with its property path and message.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import {
  appRole,
  type ComposeProjectSpec,
  type ComposeServiceSpec,
  composeMemoryMiB,
  renderCompose,
} from "../../components/lib/do-compose";

const IMAGE = "ghcr.io/acme/loom:1.4.2";
const HEALTH = { intervalS: 10, timeoutS: 5, retries: 3, startPeriodS: 30 };

function web(over: Partial<ComposeServiceSpec> = {}): ComposeServiceSpec {
  return {
    name: "web",
    image: IMAGE,
    command: ["loom", "serve"],
    user: "10001:10001",
    cpus: 0.5,
    memoryMiB: 1024,
    replicas: 2,
    environment: { DATABASE_HOST: "private-loom-db.example.ondigitalocean.com", DATABASE_SSLMODE: "verify-full" },
    envFiles: ["/etc/loom/env/web.env"],
    secrets: ["database-ca"],
    ports: [{ published: 8080, target: 8080, hostIp: "127.0.0.1" }],
    healthcheck: { test: ["CMD", "loom", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"], ...HEALTH },
    configs: [{ source: "/etc/loom/ca.pem", target: "/etc/loom/ca.pem" }],
    stopGraceS: 120,
    ...over,
  };
}

function worker(over: Partial<ComposeServiceSpec> = {}): ComposeServiceSpec {
  return {
    name: "worker",
    image: IMAGE,
    command: ["loom", "worker"],
    user: "10001:10001",
    cpus: 0.25,
    memoryMiB: 512,
    envFiles: ["/etc/loom/env/worker.env"],
    healthcheck: { test: ["CMD", "loom", "healthcheck", "--worker"], ...HEALTH },
    stopGraceS: 120,
    ...over,
  };
}

const migrate: ComposeServiceSpec = {
  name: "migrate",
  image: IMAGE,
  command: ["loom", "migrate"],
  user: "10001:10001",
  cpus: 0.25,
  memoryMiB: 256,
  envFiles: ["/etc/loom/env/migrate.env"],
  stopGraceS: 60,
  profiles: ["migrate"],
};

const edge: ComposeServiceSpec = {
  name: "edge",
  image: "traefik:v3.1.4",
  user: "65532:65532",
  cpus: 0.25,
  memoryMiB: 128,
  capAdd: ["NET_BIND_SERVICE"],
  ports: [{ published: 80, target: 80 }],
  healthcheck: { test: ["CMD", "traefik", "healthcheck", "--ping"], ...HEALTH },
  configs: [{ source: "/etc/loom/edge/traefik.yaml", target: "/etc/traefik/traefik.yaml" }],
  stopGraceS: 30,
  dependsOn: ["web"],
};

const render = (services: ComposeServiceSpec[]) => parse(renderCompose({ name: "loom", services }));
const refuses = (services: ComposeServiceSpec[], propertyPath: string, reason: string | RegExp) =>
  assert.throws(
    () => renderCompose({ name: "loom", services }),
    (e: { propertyPath?: string; reason?: string }) => {
      assert.equal(e.propertyPath, propertyPath);
      if (typeof reason === "string") assert.equal(e.reason, reason);
      else assert.match(e.reason ?? "", reason);
      return true;
    },
  );

describe("DigitalOcean compose generator", () => {
  it("renders a web service with every hardening field, exactly", () => {
    const doc = render([web(), edge]);
    assert.equal(doc.name, "loom");
    assert.deepEqual(doc.services.web, {
      image: IMAGE,
      command: ["loom", "serve"],
      user: "10001:10001",
      read_only: true,
      tmpfs: ["/tmp"],
      cap_drop: ["ALL"],
      security_opt: ["no-new-privileges:true"],
      restart: "unless-stopped",
      stop_grace_period: "120s",
      environment: {
        DATABASE_HOST: "private-loom-db.example.ondigitalocean.com",
        DATABASE_SSLMODE: "verify-full",
      },
      env_file: ["/etc/loom/env/web.env"],
      secrets: ["database-ca"],
      volumes: [{ type: "bind", source: "/etc/loom/ca.pem", target: "/etc/loom/ca.pem", read_only: true }],
      ports: [{ target: 8080, published: "8080", protocol: "tcp", host_ip: "127.0.0.1", mode: "host" }],
      healthcheck: {
        test: ["CMD", "loom", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"],
        interval: "10s",
        timeout: "5s",
        retries: 3,
        start_period: "30s",
      },
      logging: { driver: "journald", options: { tag: "{{.Name}}" } },
      deploy: { replicas: 2, resources: { limits: { cpus: 0.5, memory: "1024m" } } },
    });
    assert.deepEqual(doc.secrets, { "database-ca": { file: "/etc/loom/secrets/database-ca" } });
    assert.deepEqual(doc.services.edge.cap_add, ["NET_BIND_SERVICE"]);
    assert.deepEqual(doc.services.edge.depends_on, ["web"]);
    assert.equal(doc.volumes, undefined);
  });

  it("renders a worker with no ports and migrate behind its profile, not restarted", () => {
    const doc = render([worker(), migrate]);
    const w = doc.services.worker;
    assert.equal(w.ports, undefined);
    assert.equal(w.read_only, true);
    assert.equal(w.restart, "unless-stopped");
    assert.deepEqual(w.healthcheck.test, ["CMD", "loom", "healthcheck", "--worker"]);
    assert.deepEqual(w.deploy, { replicas: 1, resources: { limits: { cpus: 0.25, memory: "512m" } } });
    const m = doc.services.migrate;
    assert.deepEqual(m.profiles, ["migrate"]);
    assert.equal(m.restart, "no");
    assert.equal(m.ports, undefined);
    assert.equal(m.image, w.image);
  });

  it("declares writable named volumes only for the sidecars that ask, and custom tmpfs", () => {
    const prom: ComposeServiceSpec = {
      name: "prometheus",
      image: "prom/prometheus:v2.54.1",
      user: "65534:65534",
      cpus: 0.5,
      memoryMiB: 512,
      volumes: [{ name: "tsdb", target: "/prometheus" }],
      tmpfs: ["/tmp", "/run"],
      stopGraceS: 30,
    };
    const doc = render([prom]);
    assert.deepEqual(doc.volumes, { tsdb: {} });
    assert.deepEqual(doc.services.prometheus.volumes, [{ type: "volume", source: "tsdb", target: "/prometheus" }]);
    assert.deepEqual(doc.services.prometheus.tmpfs, ["/tmp", "/run"]);
  });

  it("sums the memory the default profile starts (replicas counted, profiled services not)", () => {
    const spec: ComposeProjectSpec = { name: "loom", services: [web(), edge, migrate] };
    assert.equal(composeMemoryMiB(spec), 2 * 1024 + 128);
  });

  it("quotes what a YAML 1.1 reader would turn into a boolean or a base-60 number", () => {
    const text = renderCompose({ name: "loom", services: [{ ...migrate, user: "1000:50" }] });
    assert.ok(text.includes('    restart: "no"\n'));
    assert.ok(text.includes('    user: "1000:50"\n'));
  });

  it("writes a literal $ as $$ so compose interpolates nothing from the droplet's shell", () => {
    const doc = render([
      worker({ environment: { LOG_FORMAT: "$level $msg" }, command: ["loom", "worker", "--tag=$x"] }),
    ]);
    assert.equal(doc.services.worker.environment.LOG_FORMAT, "$$level $$msg");
    assert.deepEqual(doc.services.worker.command, ["loom", "worker", "--tag=$$x"]);
  });

  it("reads the app role from the name or the loom verb", () => {
    assert.equal(appRole({ name: "api", command: ["loom", "serve"] }), "web");
    assert.equal(appRole({ name: "jobs", command: ["loom", "worker"] }), "worker");
    assert.equal(appRole({ name: "migrate" }), "migrate");
    assert.equal(appRole({ name: "edge" }), undefined);
  });

  it("refuses root, docker.sock, sensitive names and credential literals", () => {
    refuses(
      [web({ user: "0:0" })],
      "services.web.user",
      "must not be root (uid 0): use the image's non-root uid, e.g. 10001",
    );
    refuses([web({ user: "root" })], "services.web.user", 'must be a numeric uid:gid (e.g. 10001:10001), got "root"');
    refuses(
      [{ ...edge, configs: [{ source: "/var/run/docker.sock", target: "/var/run/docker.sock" }] }],
      "services.edge.volumes",
      "must not mount the Docker socket",
    );
    refuses(
      [web({ environment: { DATABASE_PASSWORD: "x" } })],
      "services.web.environment.DATABASE_PASSWORD",
      "is a credential name: deliver it through envFiles or secrets, not environment",
    );
    refuses(
      [web({ environment: { DATABASE_URL: "postgres://loom:hunter2-fake@db:5432/loom" } })],
      "services.web.environment.DATABASE_URL",
      "must not hold a credential literal (a URL with an embedded password)",
    );
    refuses(
      [worker({ command: ["loom", "worker", "--key", "AKIAFAKEFAKEFAKEFAKE"] })],
      "services.worker.command",
      "must not hold a credential literal (an AWS access key id)",
    );
  });

  it("refuses what would break the app contract", () => {
    refuses([web({ image: "ghcr.io/acme/loom:latest" })], "services.web.image", /must be pinned/);
    refuses(
      [worker({ ports: [{ published: 9000, target: 9000 }] })],
      "services.worker.ports",
      "worker must publish no ports (only the edge does)",
    );
    refuses(
      [{ ...migrate, ports: [{ published: 9000, target: 9000 }] }],
      "services.migrate.ports",
      "migrate must publish no ports (only the edge does)",
    );
    refuses([web({ readOnly: false })], "services.web.readOnly", "web and worker must run with a read-only root");
    refuses(
      [worker({ volumes: [{ name: "data", target: "/data" }] })],
      "services.worker.volumes",
      "web and worker must not have writable volumes (droplets are disposable)",
    );
    refuses([web({ healthcheck: undefined })], "services.web.healthcheck", "web needs a `loom healthcheck`");
    refuses(
      [web({ healthcheck: { test: ["CMD", "curl", "-f", "http://127.0.0.1:8080/healthz"], ...HEALTH } })],
      "services.web.healthcheck.test",
      'must run ["CMD", "loom", "healthcheck", …] (the image ships no curl/wget)',
    );
    refuses(
      [{ ...edge, healthcheck: { test: ["CMD-SHELL", "traefik healthcheck"], ...HEALTH } }],
      "services.edge.healthcheck.test",
      'must be exec form ["CMD", <program>, …], never a shell',
    );
    refuses([web({ stopGraceS: 10 })], "services.web.stopGraceS", "must be a whole number ≥ 30, got 10");
    refuses([web({ memoryMiB: 0 })], "services.web.memoryMiB", "must be a whole number ≥ 6, got 0");
    refuses([web({ cpus: 0 })], "services.web.cpus", "must be a positive number, got 0");
    refuses(
      [{ ...edge, capAdd: ["SYS_ADMIN"] }],
      "services.edge.capAdd",
      /may add only NET_BIND_SERVICE, .*, got SYS_ADMIN/,
    );
    refuses(
      [{ ...edge, dependsOn: ["db"] }],
      "services.edge.dependsOn",
      "must name another service of the project, got db",
    );
    refuses([web(), web()], "services", "must have unique names");
    refuses(
      [{ ...edge, ports: [{ published: 0, target: 80 }] }],
      "services.edge.ports",
      "must be ports 1-65535, got 0",
    );
    refuses(
      [{ ...edge, ports: [{ published: 80, target: 80, hostIp: "localhost" }] }],
      "services.edge.ports",
      'hostIp must be an IPv4 address, got "localhost"',
    );
    refuses(
      [worker({ name: "backup", command: ["/bin/sh"], volumes: [{ name: "work", target: "/tmp" }] })],
      "services.backup.volumes",
      "mount /tmp twice (configs, volumes and tmpfs need distinct targets)",
    );
  });
});
