/**
 * The boot config (cloud-init `#cloud-config`) of every DigitalOcean droplet. Pure: no Pulumi resources, no SDK
 * (tests render it for every stack; CI validates each rendering with `cloud-init schema`, so only keys cloud-init
 * 22.4 knows are used).
 *
 * Every droplet gets the same hardened host (one home): SSH keys only (`ssh_pwauth: false`, `disable_root: true`,
 * an sshd drop-in with PasswordAuthentication/PermitRootLogin no; the keys land on the default `ubuntu` user, the
 * one Ansible connects as), unattended-upgrades, Docker Engine with the compose v2 plugin from Ubuntu's archive
 * (`docker.io` + `docker-compose-v2`, both in 24.04: no third-party apt key to fetch at plan time, and
 * unattended-upgrades patches them from the -security pocket), daemon.json (journald log driver,
 * `no-new-privileges`, `live-restore`, `shutdown-timeout` ≥ 30, `icc: false`), journald rotation (SystemMaxUse),
 * UFW default-deny incoming (defence in depth only: Docker's published ports bypass UFW; the cloud firewall is the
 * real boundary), the DOCKER-USER rule dropping container traffic to 169.254.169.254 (the metadata service serves
 * userData to anything on the droplet), the host log shipper (Vector, journald → the jobs droplet's aggregator;
 * do-vector.ts), and `loom.service` running the compose project (waits for its secret files, drains on stop;
 * do-host.ts).
 */
import { parse, stringify } from "yaml";
import { credentialLiterals } from "../../policy/lib/sensitive";
import { invalid } from "./component";
import { DO_PORTS } from "./digitalocean";
import { MIN_STOP_GRACE_S, YAML_OUT } from "./do-compose";
import {
  COMPOSE_PATH,
  FETCH_CREDENTIALS_PATH,
  loomUnit,
  metadataGuardUnit,
  SECRETS_SCRIPT,
  secretsScript,
} from "./do-host";
import {
  type LogShipping,
  renderVectorConfig,
  VECTOR_CONFIG_PATH,
  VECTOR_VERSION,
  vectorKeysDropIn,
} from "./do-vector";

export type { LogShipping } from "./do-vector";

export interface BootFile {
  path: string;
  content: string;
  /** @default "0644" */
  permissions?: string;
  /** @default "root:root" */
  owner?: string;
}

/** How a droplet's secret files (/etc/loom/secrets/<key>) arrive. */
export type SecretDelivery =
  /** Fixed droplets: Ansible pushes them (ansible/playbooks/secrets.yml); loom.service waits until they exist. */
  | { kind: "ansible" }
  /**
   * Autoscale pool members (cannot be pushed to): fetched at boot from the stack's secrets bucket with a read-only
   * Spaces key scoped to it, the only credential in the (Pulumi-secret) userData.
   */
  | { kind: "fetch"; bucket: string; region: string; accessKey: string; secretKey: string };

export interface BootSpec {
  /** Droplet group: web, worker, jobs, backup, monitor. */
  role: string;
  /** The compose file (renderCompose), written to /opt/loom/compose.yaml and run by loom.service. */
  compose?: string;
  /** Seconds loom.service gives the containers on stop (≥ every service's stop_grace_period). */
  stopGraceS: number;
  /** Secret files compose needs (keys in the secrets bucket). */
  secretKeys: string[];
  secretDelivery: SecretDelivery;
  /** Env files assembled from the secret files before compose starts: host path → { ENV_NAME: secret key }. */
  envFiles?: Record<string, Record<string, string>>;
  logShipping: LogShipping;
  /** Config files (edge proxy, collector, Prometheus rules…). */
  files?: BootFile[];
  /** Extra systemd units by file name (`loom-backup.service`, `loom-backup.timer`), enabled and started. */
  units?: Record<string, string>;
  /** Extra apt packages (e.g. postgresql-client-16 on the backup droplet). */
  packages?: string[];
  /**
   * (added) Host ports UFW admits besides 22 and the compose file's published ports (e.g. a host service). The
   * aggregator's DO_PORTS.logs is added on its own.
   */
  allowPorts?: { port: number; protocol?: "tcp" | "udp" }[];
  /**
   * (added) For `fetch` delivery: the gid that may read the secret files (0440 root:<gid> instead of 0400 root), needed
   * when a container (uid 10001) mounts one through compose `secrets:` (a bind mount keeps host ownership). Env files
   * stay 0400 root (compose reads them as root).
   */
  secretGroup?: number;
}

/** Every droplet's packages: Docker Engine and compose v2 from Ubuntu's archive (see the file comment). */
export const BASE_PACKAGES = [
  "unattended-upgrades",
  "ufw",
  "docker.io",
  "docker-compose-v2",
  "curl",
  "ca-certificates",
];
export const ROLES = ["web", "worker", "jobs", "backup", "monitor"];
/** journald's cap on disk (every container logs there through the journald driver). */
export const JOURNAL_MAX_USE = "1G";
const SECRET_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;
const UNIT_NAME = /^[A-Za-z0-9@_.-]+\.(service|timer|path|socket)$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const MODE = /^0[0-7]{3}$/;
const REDACTED = "[redacted]";

function checkSpec(spec: BootSpec): void {
  if (!ROLES.includes(spec.role)) invalid("role", `must be one of ${ROLES.join(", ")}, got "${spec.role}"`);
  if (!Number.isInteger(spec.stopGraceS) || spec.stopGraceS < MIN_STOP_GRACE_S) {
    invalid("stopGraceS", `must be a whole number of seconds ≥ ${MIN_STOP_GRACE_S}, got ${spec.stopGraceS}`);
  }
  const longest = longestStopGraceS(spec.compose);
  if (spec.stopGraceS < longest) {
    invalid(
      "stopGraceS",
      `must be ≥ the compose file's longest stop_grace_period (${longest}s), got ${spec.stopGraceS}`,
    );
  }
  for (const k of spec.secretKeys) {
    if (!SECRET_KEY.test(k)) invalid("secretKeys", `must be secret file names ([a-z0-9-], ≤ 63), got "${k}"`);
  }
  for (const [path, vars] of Object.entries(spec.envFiles ?? {})) {
    if (!path.startsWith("/etc/loom/")) invalid("envFiles", `must live under /etc/loom/, got "${path}"`);
    for (const [name, key] of Object.entries(vars)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) invalid(`envFiles.${path}`, `"${name}" is not a variable name`);
      if (!spec.secretKeys.includes(key)) invalid(`envFiles.${path}.${name}`, `names "${key}", not in secretKeys`);
    }
  }
  for (const f of spec.files ?? []) checkFile(f);
  for (const name of Object.keys(spec.units ?? {})) {
    if (!UNIT_NAME.test(name)) invalid("units", `must be systemd unit file names (x.service, x.timer…), got "${name}"`);
  }
  for (const p of spec.packages ?? []) {
    if (!PACKAGE.test(p)) invalid("packages", `must be apt package names, got "${p}"`);
    if (p === "docker-compose") invalid("packages", "docker-compose is the v1 CLI: compose v2 is installed already");
  }
  for (const p of spec.allowPorts ?? []) checkPort("allowPorts", p.port);
}

function checkPort(at: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) invalid(at, `must be ports 1-65535, got ${port}`);
}

function checkFile(f: BootFile): void {
  if (!f.path.startsWith("/")) invalid("files", `must be absolute paths, got "${f.path}"`);
  if (f.permissions !== undefined && !MODE.test(f.permissions)) {
    invalid(`files.${f.path}.permissions`, `must be an octal mode like "0644", got "${f.permissions}"`);
  }
  const found = credentialLiterals(f.content);
  if (found.length > 0) {
    invalid(`files.${f.path}`, `must not hold a credential literal (${found.map((m) => m.what).join(", ")})`);
  }
}

interface ParsedService {
  ports?: { published?: string | number; protocol?: string; host_ip?: string }[];
  stop_grace_period?: string;
}

function composeServices(compose: string | undefined): ParsedService[] {
  if (!compose) return [];
  const doc = parse(compose) as { services?: Record<string, ParsedService> } | null;
  return Object.values(doc?.services ?? {});
}

/** The ports the compose file publishes beyond loopback (`ports[].published` with its protocol), for UFW. */
export function publishedPorts(compose: string | undefined): { port: number; protocol: string }[] {
  return composeServices(compose).flatMap((s) =>
    (s.ports ?? [])
      .filter((p) => p.published !== undefined && !(p.host_ip ?? "").startsWith("127."))
      .map((p) => ({ port: Number(p.published), protocol: p.protocol ?? "tcp" })),
  );
}

/** The longest `stop_grace_period` (seconds) of the compose file's services. */
export function longestStopGraceS(compose: string | undefined): number {
  const graces = composeServices(compose).map((s) => Number(/^(\d+)s$/.exec(s.stop_grace_period ?? "")?.[1] ?? 0));
  return Math.max(0, ...graces);
}

const file = (path: string, content: string, permissions = "0644", owner = "root:root") => ({
  path,
  content,
  permissions,
  owner,
});

function hostFiles(spec: BootSpec): ReturnType<typeof file>[] {
  const grace = Math.max(spec.stopGraceS, MIN_STOP_GRACE_S);
  const daemon = {
    "log-driver": "journald",
    "log-opts": { tag: "{{.Name}}" },
    "no-new-privileges": true,
    "live-restore": true,
    "shutdown-timeout": grace,
    icc: false,
    "userland-proxy": false,
  };
  return [
    file("/etc/ssh/sshd_config.d/10-loom.conf", sshdDropIn()),
    file("/etc/apt/apt.conf.d/20auto-upgrades", autoUpgrades()),
    file("/etc/systemd/journald.conf.d/10-loom.conf", `[Journal]\nSystemMaxUse=${JOURNAL_MAX_USE}\n`),
    file("/etc/docker/daemon.json", `${JSON.stringify(daemon, null, 2)}\n`),
    file(VECTOR_CONFIG_PATH, renderVectorConfig(spec.logShipping, spec.role)),
    file("/etc/default/vector", `VECTOR_CONFIG=${VECTOR_CONFIG_PATH}\n`),
    file("/etc/systemd/system/loom-metadata-guard.service", metadataGuardUnit()),
  ];
}

function sshdDropIn(): string {
  return [
    "# Generated by loom-infra: SSH keys only, no root login.",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    "",
  ].join("\n");
}

function autoUpgrades(): string {
  return 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';
}

function secretFiles(spec: BootSpec): ReturnType<typeof file>[] {
  const d = spec.secretDelivery;
  const fetch = d.kind === "fetch" ? { bucket: d.bucket, region: d.region, group: spec.secretGroup } : undefined;
  const out = [file(SECRETS_SCRIPT, secretsScript(spec.secretKeys, spec.envFiles ?? {}, fetch), "0700")];
  if (d.kind === "fetch") {
    out.push(file(FETCH_CREDENTIALS_PATH, `user = "${d.accessKey}:${d.secretKey}"\n`, "0400"));
  }
  return out;
}

function appFiles(spec: BootSpec): ReturnType<typeof file>[] {
  const out: ReturnType<typeof file>[] = [];
  if (spec.compose) {
    out.push(file(COMPOSE_PATH, spec.compose));
    out.push(file("/etc/systemd/system/loom.service", loomUnit(spec.stopGraceS)));
  }
  const dropIn = vectorKeysDropIn(spec.logShipping);
  if (dropIn) out.push(file("/etc/systemd/system/vector.service.d/10-loom-keys.conf", dropIn));
  for (const [name, text] of Object.entries(spec.units ?? {})) out.push(file(`/etc/systemd/system/${name}`, text));
  for (const f of spec.files ?? []) out.push(file(f.path, f.content, f.permissions, f.owner));
  return out;
}

function ufwCommands(spec: BootSpec): string[] {
  const ports = [
    { port: DO_PORTS.ssh, protocol: "tcp" },
    ...publishedPorts(spec.compose),
    ...(spec.logShipping.kind === "aggregate" ? [{ port: DO_PORTS.logs, protocol: "tcp" }] : []),
    ...(spec.allowPorts ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? "tcp" })),
  ];
  const rules = [...new Set(ports.map((p) => `${p.port}/${p.protocol}`))];
  return [
    "ufw default deny incoming",
    "ufw default allow outgoing",
    ...rules.map((r) => `ufw allow ${r}`),
    "ufw --force enable",
  ];
}

function vectorInstall(): string[] {
  const deb = `https://apt.vector.dev/pool/v/ve/vector_${VECTOR_VERSION}-1_$(dpkg --print-architecture).deb`;
  return [
    `curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 5 -o /tmp/vector.deb "${deb}"`,
    "DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/vector.deb",
    "rm -f /tmp/vector.deb",
  ];
}

/** Units to enable and start: a service paired with a same-named timer is started by the timer only. */
function unitsToStart(units: Record<string, string>): string[] {
  const names = Object.keys(units);
  return names.filter((n) => !(n.endsWith(".service") && names.includes(n.replace(/\.service$/, ".timer"))));
}

function runcmd(spec: BootSpec): string[] {
  const extra = unitsToStart(spec.units ?? {});
  return [
    "systemctl restart systemd-journald",
    "systemctl try-reload-or-restart ssh",
    ...ufwCommands(spec),
    "systemctl daemon-reload",
    "systemctl enable --now loom-metadata-guard.service",
    ...vectorInstall(),
    // The deb's postinst may not grant journal access; the aggregator's unit retries until its key files exist.
    "usermod -a -G systemd-journal vector",
    "systemctl enable vector.service",
    "systemctl restart --no-block vector.service",
    ...extra.map((u) => `systemctl enable --now ${u}`),
    // --no-block: the unit may wait for Ansible, which itself waits for cloud-init to finish.
    ...(spec.compose ? ["systemctl enable loom.service", "systemctl start --no-block loom.service"] : []),
  ];
}

/** DigitalOcean refuses user data larger than 64 KiB (droplet and autoscale pool template alike). */
export const USER_DATA_MAX_BYTES = 64 * 1024;

/** The `#cloud-config` text. */
export function renderCloudConfig(spec: BootSpec): string {
  const text = renderUnchecked(spec);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > USER_DATA_MAX_BYTES) {
    invalid("files", `the boot config is ${bytes} bytes; DigitalOcean accepts at most ${USER_DATA_MAX_BYTES} (64 KiB)`);
  }
  return text;
}

function renderUnchecked(spec: BootSpec): string {
  checkSpec(spec);
  const doc = {
    package_update: true,
    package_upgrade: true,
    packages: [...new Set([...BASE_PACKAGES, ...(spec.packages ?? [])])],
    ssh_pwauth: false,
    disable_root: true,
    users: ["default"],
    write_files: [...hostFiles(spec), ...secretFiles(spec), ...appFiles(spec)],
    runcmd: runcmd(spec),
  };
  return `#cloud-config\n${stringify(doc, YAML_OUT)}`;
}

/** The same rendering with every credential (the fetch key pair) replaced by "[redacted]": the `bootConfig` output. */
export function redactedCloudConfig(spec: BootSpec): string {
  if (spec.secretDelivery.kind === "fetch") {
    return renderCloudConfig({
      ...spec,
      secretDelivery: { ...spec.secretDelivery, accessKey: REDACTED, secretKey: REDACTED },
    });
  }
  return renderCloudConfig(spec);
}
