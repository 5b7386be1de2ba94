/**
 * The host log shipper's config (/etc/vector/vector.yaml) on every DigitalOcean droplet. Pure.
 *
 * Every droplet reads journald (the host and every container: compose uses the journald log driver) and sends it
 * over Vector's native protocol to the aggregator on the jobs droplet (DO_PORTS.logs, inside the VPC; the jobs
 * firewall admits it from the stack's tags only). The jobs droplet runs the aggregator: its own journald plus the
 * `vector` source, written as gzip'd NDJSON to the logs bucket through Spaces' S3 API. Retention is the bucket's
 * lifecycle rule (expiration.days = logRetentionDays). Before anything leaves a droplet, the `redact` remap transform
 * (do-vector-redaction.ts: the credential shapes and PII rules of observability/redaction.ts in VRL) masks secrets in
 * each message, on the shipping side; the aggregator redacts its own journald the same way. The Spaces key pair is copied from the 0400 secret files into
 * Vector's private runtime directory when it starts and read with Vector's `directory` secret backend: it never
 * appears in the config.
 */
import { stringify } from "yaml";
import type { Redaction } from "../observability/redaction";
import { DO_PORTS } from "./digitalocean";
import { YAML_OUT } from "./do-compose";
import { REDACT_TRANSFORM, redactTransform } from "./do-vector-redaction";

/**
 * Where the host's log shipper sends journald. (Re-exported by do-cloud-init.ts, the contract's home.) `redaction`
 * is `loom:observability.redact` (default: every class on), the same switches the collectors' rules follow.
 */
export type LogShipping =
  /** To the aggregator on the jobs droplet (VPC address). */
  (
    | { kind: "forward"; address: string }
    /** The jobs droplet itself: aggregate every droplet's logs into the logs bucket (retention = its lifecycle). */
    | { kind: "aggregate"; bucket: string; region: string; accessKeyFile: string; secretKeyFile: string }
  ) & { redaction?: Redaction };

export const VECTOR_CONFIG_PATH = "/etc/vector/vector.yaml";
/** Pinned Vector release installed from its .deb (apt.vector.dev's pool; the apt repo needs a key fetched online). */
export const VECTOR_VERSION = "0.53.0";
/** The file names of the aggregator's Spaces key pair in VECTOR_KEY_DIR (Vector's `directory` secret backend). */
export const VECTOR_KEYS = { accessKey: "logs-access-key-id", secretKey: "logs-secret-access-key" } as const;

const journald = { type: "journald", current_boot_only: false };

/** The vector.yaml text for a droplet. */
export function renderVectorConfig(shipping: LogShipping, role: string): string {
  const base = { data_dir: "/var/lib/vector", api: { enabled: false } };
  // journald → tagged → redact → the sink; without a redaction class on, the sink reads `tagged`.
  const redact = redactTransform(["tagged"], shipping.redaction);
  const transforms = { tagged: tagTransform(role, ["journald"]), ...(redact ? { [REDACT_TRANSFORM]: redact } : {}) };
  const local = redact ? REDACT_TRANSFORM : "tagged";
  if (shipping.kind === "forward") {
    return stringify(
      {
        ...base,
        sources: { journald },
        transforms,
        sinks: {
          aggregator: {
            type: "vector",
            inputs: [local],
            address: `${shipping.address}:${DO_PORTS.logs}`,
            buffer: { type: "disk", max_size: 268435488, when_full: "block" },
          },
        },
      },
      YAML_OUT,
    );
  }
  return stringify(
    {
      ...base,
      secret: { spaces_key: { type: "directory", path: VECTOR_KEY_DIR } },
      sources: { journald, droplets: { type: "vector", address: `0.0.0.0:${DO_PORTS.logs}` } },
      transforms,
      sinks: {
        spaces: {
          type: "aws_s3",
          // The droplets' events were redacted on their own droplet before they left it.
          inputs: [local, "droplets"],
          bucket: shipping.bucket,
          region: shipping.region,
          endpoint: `https://${shipping.region}.digitaloceanspaces.com`,
          auth: {
            access_key_id: `SECRET[spaces_key.${VECTOR_KEYS.accessKey}]`,
            secret_access_key: `SECRET[spaces_key.${VECTOR_KEYS.secretKey}]`,
          },
          key_prefix: "{{ loom_group }}/%Y/%m/%d/",
          compression: "gzip",
          encoding: { codec: "json" },
          framing: { method: "newline_delimited" },
          batch: { timeout_secs: 300, max_bytes: 10485760 },
          buffer: { type: "disk", max_size: 1073741824, when_full: "block" },
        },
      },
    },
    YAML_OUT,
  );
}

function tagTransform(role: string, inputs: string[]): Record<string, unknown> {
  return { type: "remap", inputs, source: `.loom_group = ${JSON.stringify(role)}` };
}

/** The directory (tmpfs, owned by the vector user, removed on stop) the aggregator's key pair is copied into. */
export const VECTOR_KEY_DIR = "/run/loom-vector";

/**
 * The systemd drop-in that hands the aggregator its Spaces key pair: the files stay 0400 root in /etc/loom/secrets;
 * before Vector starts, a root (`+`) step copies them into its private runtime directory. The package's own
 * ExecStartPre (`vector validate`) is reset and re-added after the copy, since validation resolves the secrets.
 */
export function vectorKeysDropIn(shipping: LogShipping): string | undefined {
  if (shipping.kind !== "aggregate") return undefined;
  const copy = (from: string, name: string) =>
    `ExecStartPre=+/usr/bin/install -m 0400 -o vector -g vector ${from} ${VECTOR_KEY_DIR}/${name}`;
  return [
    "[Unit]",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "# The key files arrive with Ansible after boot: retry until they exist.",
    "Restart=on-failure",
    "RestartSec=15s",
    "RuntimeDirectory=loom-vector",
    "RuntimeDirectoryMode=0700",
    "ExecStartPre=",
    copy(shipping.accessKeyFile, VECTOR_KEYS.accessKey),
    copy(shipping.secretKeyFile, VECTOR_KEYS.secretKey),
    "ExecStartPre=/usr/bin/vector validate --no-environment",
    "",
  ].join("\n");
}
