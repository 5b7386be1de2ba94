/**
 * The production Docker Compose file a DigitalOcean droplet runs. Pure: no Pulumi resources, no SDK (tests render
 * it for every stack and CI loads the result with compose-go, the Compose Specification loader Docker Compose
 * itself uses).
 *
 * Hardening every service gets here (one home): `user` non-root, `cap_drop: [ALL]`,
 * `security_opt: [no-new-privileges:true]`, `read_only: true` with a tmpfs /tmp, `deploy.resources.limits`,
 * `restart: unless-stopped`, `stop_grace_period`, logs through the journald driver (rotated by journald's
 * SystemMaxUse in the host config, read there by the host's log shipper), no host namespaces, no docker.sock.
 * Refused (InputPropertyError naming `services.<name>.<field>`): a root user, a docker.sock mount, a sensitive
 * environment name (lib/sensitive.ts), a credential-shaped literal anywhere in the service, an unpinned image, a
 * shell-form healthcheck, a capability beyond ALLOWED_CAPS, a stop_grace_period under 30 s on a service
 * `docker compose up` starts, a mount target used twice, and for the app roles (web, worker: by name or `loom serve`/`loom worker`) a writable
 * root or volume, published ports on a worker/migrate, or a healthcheck that is not `loom healthcheck`.
 */
import { stringify } from "yaml";
import { credentialLiterals } from "../../policy/lib/sensitive";
import { invalid } from "./component";
import { imageRefProblem } from "./image-ref";
import { isSensitiveEnvName } from "./sensitive";

export interface ComposeHealthcheck {
  /** `["CMD", "loom", "healthcheck", "--url", …]`: exec form, never a shell, never curl/wget. */
  test: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  startPeriodS: number;
}

export interface ComposeServiceSpec {
  name: string;
  /** Pinned by tag or digest (lib/image-ref.ts). */
  image: string;
  command?: string[];
  /** `uid:gid`, never root. */
  user: string;
  cpus: number;
  memoryMiB: number;
  /** @default 1 */
  replicas?: number;
  /** Plain environment (never a credential: the generator refuses sensitive names, lib/sensitive.ts). */
  environment?: Record<string, string>;
  /** Host env files (0400, assembled from /etc/loom/secrets before compose starts): how credentials reach the app. */
  envFiles?: string[];
  /** Compose `secrets:` mounted at /run/secrets/<name> (file names under /etc/loom/secrets). */
  secrets?: string[];
  /** Only edge services publish. */
  ports?: { published: number; target: number; protocol?: "tcp" | "udp"; hostIp?: string }[];
  healthcheck?: ComposeHealthcheck;
  /** Read-only binds of config files from the host. */
  configs?: { source: string; target: string }[];
  /** Writable named volumes (only for stateful sidecars such as Prometheus' TSDB; never web/worker). */
  volumes?: { name: string; target: string }[];
  /** @default ["/tmp"] */
  tmpfs?: string[];
  /** @default true */
  readOnly?: boolean;
  stopGraceS: number;
  /** e.g. ["migrate"]: not started by `docker compose up`. */
  profiles?: string[];
  dependsOn?: string[];
  /** Capabilities added back after `cap_drop: [ALL]` (e.g. NET_BIND_SERVICE for an edge proxy binding :80). */
  capAdd?: string[];
}

export interface ComposeProjectSpec {
  /** The compose project name (`loom`). */
  name: string;
  services: ComposeServiceSpec[];
}

/**
 * How every generated YAML file is written: no line folding, and YAML 1.1 quoting, so a scalar a YAML 1.1 reader
 * (PyYAML: cloud-init, most checkers) would turn into a boolean or a base-60 number (`no`, `on`, `1000:50`) is
 * quoted. YAML 1.2 readers (compose-go, Vector) read the same strings.
 */
export const YAML_OUT = { lineWidth: 0, version: "1.1" } as const;
/** Where compose `secrets:` files live on the host (the secret delivery writes them there). */
export const SECRETS_DIR = "/etc/loom/secrets";
/** Capabilities a service may add back; anything wider (SYS_ADMIN, NET_ADMIN, ALL) is refused. */
export const ALLOWED_CAPS = ["NET_BIND_SERVICE", "CHOWN", "SETUID", "SETGID", "DAC_OVERRIDE", "FOWNER", "KILL"];
/** The smallest stop_grace_period of a long-running service (Docker's default 10 s cuts the SIGTERM drain). */
export const MIN_STOP_GRACE_S = 30;

const SERVICE_NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const USER = /^(\d+)(?::(\d+))?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** The app role a service plays: by its name (web/worker/migrate) or its `loom <verb>` command. */
export function appRole(s: Pick<ComposeServiceSpec, "name" | "command">): "web" | "worker" | "migrate" | undefined {
  const verb = s.command?.[0] === "loom" ? s.command[1] : s.command?.[0];
  if (s.name === "web" || verb === "serve") return "web";
  if (s.name === "worker" || verb === "worker") return "worker";
  if (s.name === "migrate" || verb === "migrate") return "migrate";
  return undefined;
}

const seconds = (n: number) => `${n}s`;
/** A literal `$` in a generated file is `$$`: compose must not interpolate from the shell that runs it. */
const literal = (v: string) => v.replace(/\$/g, "$$$$");

function requireCount(path: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) invalid(path, `must be a whole number ≥ ${min}, got ${value}`);
}

function checkNoCredential(path: string, values: string[]): void {
  for (const v of values) {
    const found = credentialLiterals(v);
    if (found.length > 0) invalid(path, `must not hold a credential literal (${found.map((f) => f.what).join(", ")})`);
  }
}

function checkIdentity(s: ComposeServiceSpec, at: string): void {
  const image = imageRefProblem(s.image);
  if (image) invalid(`${at}.image`, image);
  const user = USER.exec(s.user);
  if (!user) invalid(`${at}.user`, `must be a numeric uid:gid (e.g. 10001:10001), got "${s.user}"`);
  if (Number(user[1]) === 0)
    invalid(`${at}.user`, "must not be root (uid 0): use the image's non-root uid, e.g. 10001");
  for (const cap of s.capAdd ?? []) {
    if (!ALLOWED_CAPS.includes(cap)) invalid(`${at}.capAdd`, `may add only ${ALLOWED_CAPS.join(", ")}, got ${cap}`);
  }
}

function checkResources(s: ComposeServiceSpec, at: string): void {
  if (!(Number.isFinite(s.cpus) && s.cpus > 0)) invalid(`${at}.cpus`, `must be a positive number, got ${s.cpus}`);
  requireCount(`${at}.memoryMiB`, s.memoryMiB, 6);
  requireCount(`${at}.replicas`, s.replicas ?? 1, 1);
  const longRunning = (s.profiles ?? []).length === 0;
  requireCount(`${at}.stopGraceS`, s.stopGraceS, longRunning ? MIN_STOP_GRACE_S : 1);
}

function checkEnvironment(s: ComposeServiceSpec, at: string): void {
  for (const [k, v] of Object.entries(s.environment ?? {})) {
    if (!ENV_NAME.test(k)) invalid(`${at}.environment.${k}`, "must be a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    if (isSensitiveEnvName(k)) {
      invalid(
        `${at}.environment.${k}`,
        "is a credential name: deliver it through envFiles or secrets, not environment",
      );
    }
    checkNoCredential(`${at}.environment.${k}`, [v]);
  }
  checkNoCredential(`${at}.command`, s.command ?? []);
  for (const f of s.envFiles ?? []) {
    if (!f.startsWith("/")) invalid(`${at}.envFiles`, `must be absolute host paths, got "${f}"`);
  }
  for (const name of s.secrets ?? []) {
    if (!SECRET_NAME.test(name)) invalid(`${at}.secrets`, `must be secret file names ([a-z0-9-], ≤ 63), got "${name}"`);
  }
}

function checkMounts(s: ComposeServiceSpec, at: string, role: string | undefined): void {
  const paths = [...(s.configs ?? []).flatMap((c) => [c.source, c.target]), ...(s.volumes ?? []).map((v) => v.target)];
  if (paths.some((p) => p.includes("docker.sock"))) invalid(`${at}.volumes`, "must not mount the Docker socket");
  const targets = [
    ...(s.configs ?? []).map((c) => c.target),
    ...(s.volumes ?? []).map((v) => v.target),
    ...(s.tmpfs ?? ["/tmp"]),
  ];
  const twice = targets.find((t, i) => targets.indexOf(t) !== i);
  if (twice) invalid(`${at}.volumes`, `mount ${twice} twice (configs, volumes and tmpfs need distinct targets)`);
  for (const c of s.configs ?? []) {
    if (!c.source.startsWith("/") || !c.target.startsWith("/")) {
      invalid(`${at}.configs`, `must bind absolute paths, got ${c.source}:${c.target}`);
    }
  }
  for (const p of s.ports ?? []) {
    for (const port of [p.published, p.target]) {
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        invalid(`${at}.ports`, `must be ports 1-65535, got ${port}`);
    }
    if (p.hostIp !== undefined && !IPV4.test(p.hostIp))
      invalid(`${at}.ports`, `hostIp must be an IPv4 address, got "${p.hostIp}"`);
  }
  const app = role === "web" || role === "worker";
  if (app && (s.volumes ?? []).length > 0) {
    invalid(`${at}.volumes`, "web and worker must not have writable volumes (droplets are disposable)");
  }
  if (app && s.readOnly === false) invalid(`${at}.readOnly`, "web and worker must run with a read-only root");
  if ((role === "worker" || role === "migrate") && (s.ports ?? []).length > 0) {
    invalid(`${at}.ports`, `${role} must publish no ports (only the edge does)`);
  }
}

function checkHealthcheck(s: ComposeServiceSpec, at: string, role: string | undefined): void {
  const hc = s.healthcheck;
  if (!hc) {
    if (role === "web" || role === "worker") invalid(`${at}.healthcheck`, `${role} needs a \`loom healthcheck\``);
    return;
  }
  if (hc.test[0] !== "CMD" || hc.test.length < 2) {
    invalid(`${at}.healthcheck.test`, 'must be exec form ["CMD", <program>, …], never a shell');
  }
  if ((role === "web" || role === "worker") && (hc.test[1] !== "loom" || hc.test[2] !== "healthcheck")) {
    invalid(`${at}.healthcheck.test`, 'must run ["CMD", "loom", "healthcheck", …] (the image ships no curl/wget)');
  }
  requireCount(`${at}.healthcheck.intervalS`, hc.intervalS, 1);
  requireCount(`${at}.healthcheck.timeoutS`, hc.timeoutS, 1);
  requireCount(`${at}.healthcheck.retries`, hc.retries, 1);
  requireCount(`${at}.healthcheck.startPeriodS`, hc.startPeriodS, 0);
}

function checkService(s: ComposeServiceSpec, names: Set<string>): void {
  const at = `services.${s.name}`;
  if (!SERVICE_NAME.test(s.name)) invalid(`${at}.name`, "must be [a-z0-9][a-z0-9_.-]*");
  const role = appRole(s);
  checkIdentity(s, at);
  checkResources(s, at);
  checkEnvironment(s, at);
  checkMounts(s, at, role);
  checkHealthcheck(s, at, role);
  for (const d of s.dependsOn ?? []) {
    if (!names.has(d) || d === s.name) invalid(`${at}.dependsOn`, `must name another service of the project, got ${d}`);
  }
}

function renderHealthcheck(hc: ComposeHealthcheck): Record<string, unknown> {
  return {
    test: hc.test.map(literal),
    interval: seconds(hc.intervalS),
    timeout: seconds(hc.timeoutS),
    retries: hc.retries,
    start_period: seconds(hc.startPeriodS),
  };
}

function renderMounts(s: ComposeServiceSpec): Record<string, unknown>[] {
  return [
    ...(s.configs ?? []).map((c) => ({ type: "bind", source: c.source, target: c.target, read_only: true })),
    ...(s.volumes ?? []).map((v) => ({ type: "volume", source: v.name, target: v.target })),
  ];
}

function renderService(s: ComposeServiceSpec): Record<string, unknown> {
  const mounts = renderMounts(s);
  const out: Record<string, unknown> = {
    image: s.image,
    ...(s.command ? { command: s.command.map(literal) } : {}),
    user: s.user,
    read_only: s.readOnly ?? true,
    tmpfs: s.tmpfs ?? ["/tmp"],
    cap_drop: ["ALL"],
    ...(s.capAdd?.length ? { cap_add: s.capAdd } : {}),
    security_opt: ["no-new-privileges:true"],
    // A profiled one-shot (migrate) runs with `docker compose run --rm`: it must not come back on its own.
    restart: s.profiles?.length ? "no" : "unless-stopped",
    stop_grace_period: seconds(s.stopGraceS),
    ...(s.profiles?.length ? { profiles: s.profiles } : {}),
    ...(s.dependsOn?.length ? { depends_on: s.dependsOn } : {}),
    ...(s.environment && Object.keys(s.environment).length > 0
      ? { environment: Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, literal(v)])) }
      : {}),
    ...(s.envFiles?.length ? { env_file: s.envFiles } : {}),
    ...(s.secrets?.length ? { secrets: s.secrets } : {}),
    ...(mounts.length > 0 ? { volumes: mounts } : {}),
    ...(s.ports?.length ? { ports: s.ports.map(renderPort) } : {}),
    ...(s.healthcheck ? { healthcheck: renderHealthcheck(s.healthcheck) } : {}),
    logging: { driver: "journald", options: { tag: `{{.Name}}` } },
    deploy: {
      replicas: s.replicas ?? 1,
      resources: { limits: { cpus: s.cpus, memory: `${s.memoryMiB}m` } },
    },
  };
  return out;
}

function renderPort(p: NonNullable<ComposeServiceSpec["ports"]>[number]): Record<string, unknown> {
  return {
    target: p.target,
    published: String(p.published),
    protocol: p.protocol ?? "tcp",
    ...(p.hostIp ? { host_ip: p.hostIp } : {}),
    mode: "host",
  };
}

/** The compose file as YAML text. Throws (naming the service and field) on a spec that breaks a hardening rule. */
export function renderCompose(spec: ComposeProjectSpec): string {
  if (!PROJECT_NAME.test(spec.name)) invalid("name", "must be a compose project name ([a-z0-9][a-z0-9_-]*)");
  if (spec.services.length === 0) invalid("services", "must name at least one service");
  const names = new Set(spec.services.map((s) => s.name));
  if (names.size !== spec.services.length) invalid("services", "must have unique names");
  for (const s of spec.services) checkService(s, names);
  const secrets = [...new Set(spec.services.flatMap((s) => s.secrets ?? []))].sort();
  const volumes = [...new Set(spec.services.flatMap((s) => (s.volumes ?? []).map((v) => v.name)))].sort();
  const doc: Record<string, unknown> = {
    name: spec.name,
    services: Object.fromEntries(spec.services.map((s) => [s.name, renderService(s)])),
    ...(secrets.length > 0
      ? { secrets: Object.fromEntries(secrets.map((n) => [n, { file: `${SECRETS_DIR}/${n}` }])) }
      : {}),
    ...(volumes.length > 0 ? { volumes: Object.fromEntries(volumes.map((n) => [n, {}])) } : {}),
  };
  return stringify(doc, YAML_OUT);
}

/** The sum of memory limits (MiB) of the services `docker compose up` starts (those without profiles). */
export function composeMemoryMiB(spec: ComposeProjectSpec): number {
  return spec.services
    .filter((s) => (s.profiles ?? []).length === 0)
    .reduce((sum, s) => sum + s.memoryMiB * (s.replicas ?? 1), 0);
}
