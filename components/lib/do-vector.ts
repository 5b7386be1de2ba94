/**
 * The host log shipper's config (/etc/vector/vector.yaml) on every DigitalOcean droplet. Pure.
 *
 * Every droplet reads journald (the host and every container: compose uses the journald log driver) and sends it
 * over Vector's native protocol to the aggregator on the jobs droplet (DO_PORTS.logs, inside the VPC; the jobs
 * firewall admits it from the stack's tags only). The jobs droplet runs the aggregator: its own journald plus the
 * `vector` source, written as gzip'd NDJSON to the logs bucket through Spaces' S3 API. Retention is the bucket's
 * lifecycle rule (expiration.days = logRetentionDays). The Spaces key pair reaches Vector as systemd credentials
 * (LoadCredential= from the 0400 secret files), read with Vector's `directory` secret backend: it never appears in
 * the config.
 */
import { stringify } from "yaml";
import { DO_PORTS } from "./digitalocean";

/** Where the host's log shipper sends journald. (Re-exported by do-cloud-init.ts, the contract's home.) */
export type LogShipping =
  /** To the aggregator on the jobs droplet (VPC address). */
  | { kind: "forward"; address: string }
  /** The jobs droplet itself: aggregate every droplet's logs into the logs bucket (retention = its lifecycle). */
  | { kind: "aggregate"; bucket: string; region: string; accessKeyFile: string; secretKeyFile: string };

export const VECTOR_CONFIG_PATH = "/etc/vector/vector.yaml";
/** Pinned Vector release installed from its .deb (apt.vector.dev's pool; the apt repo needs a key fetched online). */
export const VECTOR_VERSION = "0.53.0";
/** The credential names Vector's systemd unit loads (the aggregator's Spaces key pair). */
export const VECTOR_CREDENTIALS = { accessKey: "logs-access-key-id", secretKey: "logs-secret-access-key" } as const;

const journald = { type: "journald", current_boot_only: false };

/** The vector.yaml text for a droplet. */
export function renderVectorConfig(shipping: LogShipping, role: string): string {
  const base = { data_dir: "/var/lib/vector", api: { enabled: false } };
  if (shipping.kind === "forward") {
    return stringify({
      ...base,
      sources: { journald },
      transforms: { tagged: tagTransform(role, ["journald"]) },
      sinks: {
        aggregator: {
          type: "vector",
          inputs: ["tagged"],
          address: `${shipping.address}:${DO_PORTS.logs}`,
          buffer: { type: "disk", max_size: 268435488, when_full: "block" },
        },
      },
    });
  }
  return stringify({
    ...base,
    secret: { systemd: { type: "directory", path: `\${CREDENTIALS_DIRECTORY}` } },
    sources: { journald, droplets: { type: "vector", address: `0.0.0.0:${DO_PORTS.logs}` } },
    transforms: { tagged: tagTransform(role, ["journald"]) },
    sinks: {
      spaces: {
        type: "aws_s3",
        inputs: ["tagged", "droplets"],
        bucket: shipping.bucket,
        region: shipping.region,
        endpoint: `https://${shipping.region}.digitaloceanspaces.com`,
        auth: {
          access_key_id: `SECRET[systemd.${VECTOR_CREDENTIALS.accessKey}]`,
          secret_access_key: `SECRET[systemd.${VECTOR_CREDENTIALS.secretKey}]`,
        },
        key_prefix: "{{ loom_group }}/%Y/%m/%d/",
        compression: "gzip",
        encoding: { codec: "json" },
        framing: { method: "newline_delimited" },
        batch: { timeout_secs: 300, max_bytes: 10485760 },
        buffer: { type: "disk", max_size: 1073741824, when_full: "block" },
      },
    },
  });
}

function tagTransform(role: string, inputs: string[]): Record<string, unknown> {
  return { type: "remap", inputs, source: `.loom_group = ${JSON.stringify(role)}` };
}

/** The systemd drop-in that hands the aggregator its Spaces key pair (files stay 0400 root; Vector runs as vector). */
export function vectorCredentialsDropIn(shipping: LogShipping): string | undefined {
  if (shipping.kind !== "aggregate") return undefined;
  return [
    "[Unit]",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "# The key files arrive with Ansible after boot: retry until they exist.",
    "Restart=on-failure",
    "RestartSec=15s",
    `LoadCredential=${VECTOR_CREDENTIALS.accessKey}:${shipping.accessKeyFile}`,
    `LoadCredential=${VECTOR_CREDENTIALS.secretKey}:${shipping.secretKeyFile}`,
    "",
  ].join("\n");
}
