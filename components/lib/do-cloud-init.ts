/**
 * The boot config (cloud-init `#cloud-config`) of every DigitalOcean droplet — STUB written with the contract; the
 * generators helper (H3) implements it. Pure: no Pulumi, no SDK (tests render it for every stack; CI validates each
 * rendering with `cloud-init schema`).
 *
 * Every droplet gets the same hardened host (one home): SSH keys only (`ssh_pwauth: false`, `disable_root: true`,
 * PasswordAuthentication/PermitRootLogin no), unattended-upgrades, Docker Engine (docker-ce) with the compose v2
 * plugin, daemon.json (log rotation, `no-new-privileges`, `live-restore`, `shutdown-timeout`), UFW default-deny
 * incoming (defence in depth only: Docker's published ports bypass UFW; the cloud firewall is the real boundary),
 * the DOCKER-USER rule dropping container traffic to 169.254.169.254 (the metadata service serves userData to
 * anything on the droplet), the host log shipper (Vector, journald → the jobs droplet's aggregator), and
 * `loom.service` running the compose project (waits for its secret files, drains on stop).
 */

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

/** Where the host's log shipper sends journald. */
export type LogShipping =
  /** To the aggregator on the jobs droplet (VPC address). */
  | { kind: "forward"; address: string }
  /** The jobs droplet itself: aggregate every droplet's logs into the logs bucket (retention = its lifecycle). */
  | { kind: "aggregate"; bucket: string; region: string; accessKeyFile: string; secretKeyFile: string };

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
}

/** The `#cloud-config` text. */
export function renderCloudConfig(_spec: BootSpec): string {
  throw new Error("renderCloudConfig: not built yet");
}

/** The same rendering with every credential (the fetch key pair) replaced by "[redacted]": the `bootConfig` output. */
export function redactedCloudConfig(spec: BootSpec): string {
  if (spec.secretDelivery.kind === "fetch") {
    return renderCloudConfig({
      ...spec,
      secretDelivery: { ...spec.secretDelivery, accessKey: "[redacted]", secretKey: "[redacted]" },
    });
  }
  return renderCloudConfig(spec);
}
