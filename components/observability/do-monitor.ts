/**
 * The monitor droplet of a DigitalOcean stack (alerting on), as plain data: Prometheus (scrapes the jobs droplet's
 * collector, evaluates the catalog's rules for the signals DO Monitoring cannot measure), Alertmanager (the
 * catalog's routing, catalog/alertmanager.ts) and a Pushgateway (the backup job's metrics file), as one compose
 * project inside the boot config (lib/do-compose.ts, lib/do-cloud-init.ts). Pure: no SDK.
 *
 * Credentials never sit in the boot config: Ansible pushes the channel credentials (`alert-<entry>`), the SMTP relay
 * (`alertmanager-smtp`) and the backup-metrics read key into /etc/loom/secrets (a fixed droplet), and
 * `loom-alertmanager-config.service` (before loom.service) copies them where the non-root containers read them:
 * - Slack, PagerDuty, webhook: `slack_configs.api_url_file`, `pagerduty_configs.routing_key_file`,
 *   `webhook_configs.url_file` (Alertmanager ≥ 0.26) under /etc/loom/alertmanager/secrets, owned by 65534, 0400;
 * - e-mail: DigitalOcean has no SMTP relay, so the operator's relay is the `alertmanager-smtp` object: a YAML
 *   `global:` block (smtp_smarthost, smtp_from, smtp_auth_username, smtp_auth_password), put in front of the
 *   generated routes (routes.yml has no `global:`). Left empty, Alertmanager refuses the config and loom.service
 *   fails loudly instead of dropping mail.
 *
 * `loom-backup-metrics.timer` fetches the backup job's metrics file (BACKUP_METRICS_KEY) from the backup bucket, and
 * the DR bucket's copy with disaster recovery, with a read-only key, and pushes it to the Pushgateway
 * (127.0.0.1 only) as job loom-backup, copy primary|dr.
 */
import { stringify } from "yaml";
import { DO_BACKUP_METRICS_KEY, MONITOR_READ_SECRETS } from "../backups/do-job-script";
import { DO_PORTS } from "../lib/digitalocean";
import type { BootSpec } from "../lib/do-cloud-init";
import type { ComposeProjectSpec, ComposeServiceSpec } from "../lib/do-compose";
import { alertmanagerConfig, type FileSecrets } from "./catalog/alertmanager";
import { BACKUP_PUSH_JOB } from "./catalog/do-monitoring";
import type { RuleGroup } from "./catalog/rules";
import type { AlertChannel, AlertingSettings } from "./channels";

/** Pinned images (bump deliberately). All three run as nobody (65534). */
export const PROMETHEUS_IMAGE = "quay.io/prometheus/prometheus:v3.5.0";
export const ALERTMANAGER_IMAGE = "quay.io/prometheus/alertmanager:v0.28.1";
export const PUSHGATEWAY_IMAGE = "quay.io/prometheus/pushgateway:v1.11.1";
export const MONITOR_USER = "65534:65534";
/** The smallest droplet fits the three (768 MiB after the host's 256 MiB ≥ 512 + 128 + 64). */
export const MONITOR_SIZE = "s-1vcpu-1gb";
export const PUSHGATEWAY_PORT = 9091;
/** Days Prometheus keeps its TSDB on the droplet's disk. */
export const PROMETHEUS_RETENTION = "15d";

/** The object the backup job writes after each run, beside its sets (scripts/backup/metrics.ts text format). */
export const BACKUP_METRICS_KEY = DO_BACKUP_METRICS_KEY;
/** Secret-store keys (lib/digitalocean.ts storeSecret) the monitor droplet reads. */
export const SMTP_SECRET = "alertmanager-smtp";
/** The read-only key pair on the backup buckets: Backups creates it and stores it under these keys. */
export const BACKUP_KEY_SECRETS = MONITOR_READ_SECRETS;
/** The secret-store key of a channel's credential (`loom:alertSecrets.<entry>`). */
export const channelSecretKey = (entry: string) =>
  `alert-${entry.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63);

const SECRETS = "/etc/loom/secrets";
const AM_DIR = "/etc/loom/alertmanager";
const PROM_DIR = "/etc/loom/prometheus";

export interface MonitorInputs {
  /** The stack prefix: the `namespace` label of every scraped series. */
  namespace: string;
  /** The jobs droplet's private address (its collector's prometheus exporter listens on DO_PORTS.metrics). */
  collectorHost: string;
  rules: RuleGroup[];
  channels: AlertingSettings;
  /** The backup buckets whose metrics file is fetched (primary, then DR); none without backups. */
  backupBuckets: { copy: "primary" | "dr"; bucket: string; region: string }[];
}

/** prometheus.yml: the collector and the Pushgateway, every series labelled with the stack's namespace. */
export function prometheusConfig(i: Pick<MonitorInputs, "namespace" | "collectorHost">): Record<string, unknown> {
  const job = (name: string, target: string) => ({
    job_name: name,
    honor_labels: true,
    static_configs: [{ targets: [target], labels: { namespace: i.namespace } }],
  });
  return {
    global: { scrape_interval: "30s", evaluation_interval: "30s" },
    rule_files: ["/etc/prometheus/rules.yml"],
    alerting: { alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] },
    scrape_configs: [
      job("loom-collector", `${i.collectorHost}:${DO_PORTS.metrics}`),
      job("pushgateway", `pushgateway:${PUSHGATEWAY_PORT}`),
    ],
  };
}

const FILE_SECRETS: FileSecrets = {
  smtp: { from: "", smarthost: "", username: "", passwordFile: "" },
  file: (entry) => `/etc/alertmanager/secrets/${channelSecretKey(entry)}`,
  webhookUrl: () => "",
};

/** Alertmanager's routes and receivers (no `global:`: the SMTP block is the operator's, prepended at boot). */
export function alertmanagerRoutes(channels: AlertingSettings): Record<string, unknown> {
  const {
    global: _global,
    receivers,
    ...rest
  } = alertmanagerConfig(channels, FILE_SECRETS) as {
    global: unknown;
    receivers: Record<string, unknown>[];
  };
  const byName = new Map(channels.channels.map((c) => [c.name, c]));
  return {
    ...rest,
    receivers: receivers.map((r) => {
      const c = byName.get(r.name as string);
      // The webhook channel's secret is the whole URL: url_file, no bearer-token file.
      if (c?.kind !== "webhook") return r;
      return { name: c.name, webhook_configs: [{ url_file: FILE_SECRETS.file(c.secret), send_resolved: true }] };
    }),
  };
}

const routedNames = (channels: AlertingSettings) => new Set([...channels.routes.critical, ...channels.routes.warning]);

/** The `loom:alertSecrets` entries the routed credentialed channels read (two channels may share one). */
export function credentialEntries(channels: AlertingSettings): string[] {
  const routed = routedNames(channels);
  const entries = channels.channels
    .filter((c): c is Exclude<AlertChannel, { kind: "email" }> => c.kind !== "email" && routed.has(c.name))
    .map((c) => c.secret);
  return [...new Set(entries)];
}

/** Their secret-store keys (the files Alertmanager reads). */
export function channelKeys(channels: AlertingSettings): string[] {
  return [...new Set(credentialEntries(channels).map(channelSecretKey))];
}

/** Whether an e-mail channel is routed (Alertmanager then needs the operator's SMTP relay). */
export function usesEmail(channels: AlertingSettings): boolean {
  const routed = routedNames(channels);
  return channels.channels.some((c) => c.kind === "email" && routed.has(c.name));
}

const wget = (url: string) => ["CMD", "wget", "-q", "-O", "/dev/null", url];
const health = (test: string[]) => ({ test, intervalS: 30, timeoutS: 5, retries: 3, startPeriodS: 30 });

export function monitorCompose(): ComposeProjectSpec {
  const common = { user: MONITOR_USER, stopGraceS: 30 } as const;
  const services: ComposeServiceSpec[] = [
    {
      ...common,
      name: "prometheus",
      image: PROMETHEUS_IMAGE,
      command: [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        `--storage.tsdb.retention.time=${PROMETHEUS_RETENTION}`,
      ],
      cpus: 0.5,
      memoryMiB: 512,
      configs: [
        { source: `${PROM_DIR}/prometheus.yml`, target: "/etc/prometheus/prometheus.yml" },
        { source: `${PROM_DIR}/rules.yml`, target: "/etc/prometheus/rules.yml" },
      ],
      volumes: [{ name: "prometheus-data", target: "/prometheus" }],
      healthcheck: health(["CMD", "promtool", "check", "healthy", "--url", "http://127.0.0.1:9090"]),
      dependsOn: ["alertmanager", "pushgateway"],
    },
    {
      ...common,
      name: "alertmanager",
      image: ALERTMANAGER_IMAGE,
      command: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
      cpus: 0.25,
      memoryMiB: 128,
      configs: [
        { source: `${AM_DIR}/alertmanager.yml`, target: "/etc/alertmanager/alertmanager.yml" },
        { source: `${AM_DIR}/secrets`, target: "/etc/alertmanager/secrets" },
      ],
      volumes: [{ name: "alertmanager-data", target: "/alertmanager" }],
      healthcheck: health(wget("http://127.0.0.1:9093/-/healthy")),
    },
    {
      ...common,
      name: "pushgateway",
      image: PUSHGATEWAY_IMAGE,
      cpus: 0.1,
      memoryMiB: 64,
      // Only the host's backup-metrics timer pushes: loopback only.
      ports: [{ published: PUSHGATEWAY_PORT, target: PUSHGATEWAY_PORT, hostIp: "127.0.0.1" }],
      healthcheck: health(wget(`http://127.0.0.1:${PUSHGATEWAY_PORT}/-/healthy`)),
    },
  ];
  return { name: "loom", services };
}

export const AM_CONFIG_UNIT = "loom-alertmanager-config.service";
const LOOM_DROP_IN = `[Unit]\nRequires=${AM_CONFIG_UNIT}\nAfter=${AM_CONFIG_UNIT}\n`;

/** Copies the credentials where the containers (uid 65534) read them and assembles alertmanager.yml. */
function alertmanagerConfigUnit(keys: string[], email: boolean): string {
  const copy = keys.map(
    (k) => `ExecStart=/usr/bin/install -m 0400 -o 65534 -g 65534 ${SECRETS}/${k} ${AM_DIR}/secrets/${k}`,
  );
  const parts = [...(email ? [`${SECRETS}/${SMTP_SECRET}`] : []), `${AM_DIR}/routes.yml`].join(" ");
  return [
    "[Unit]",
    "Description=Alertmanager configuration from the pushed secrets",
    "Before=loom.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    "UMask=0077",
    "TimeoutStartSec=infinity",
    // The files arrive when Ansible pushes them: wait as loom.service does.
    "ExecStartPre=/usr/local/sbin/loom-secrets",
    `ExecStart=/usr/bin/install -d -m 0500 -o 65534 -g 65534 ${AM_DIR}/secrets`,
    ...copy,
    `ExecStart=/bin/sh -c 'cat ${parts} > ${AM_DIR}/alertmanager.yml.new'`,
    `ExecStart=/usr/bin/install -m 0400 -o 65534 -g 65534 ${AM_DIR}/alertmanager.yml.new ${AM_DIR}/alertmanager.yml`,
    `ExecStart=/bin/rm -f ${AM_DIR}/alertmanager.yml.new`,
    "",
  ].join("\n");
}

/** Fetches each backup bucket's metrics file with the read-only key and pushes it to the local Pushgateway. */
export function backupMetricsScript(buckets: MonitorInputs["backupBuckets"]): string {
  const lines = [
    "#!/bin/sh",
    "set -eu",
    "umask 077",
    `AK=$(cat ${SECRETS}/${BACKUP_KEY_SECRETS.accessKey})`,
    `SK=$(cat ${SECRETS}/${BACKUP_KEY_SECRETS.secretKey})`,
    ...buckets.flatMap((b) => [
      `if curl -fsS --aws-sigv4 "aws:amz:${b.region}:s3" --user "$AK:$SK" -o /run/loom-backup-${b.copy}.prom https://${b.bucket}.${b.region}.digitaloceanspaces.com/${BACKUP_METRICS_KEY}; then`,
      `  curl -fsS --data-binary @/run/loom-backup-${b.copy}.prom http://127.0.0.1:${PUSHGATEWAY_PORT}/metrics/job/${BACKUP_PUSH_JOB}/copy/${b.copy}`,
      "fi",
    ]),
  ];
  return `${lines.join("\n")}\n`;
}

const BACKUP_METRICS_UNITS = {
  "loom-backup-metrics.service": [
    "[Unit]",
    "Description=Backup job metrics from the backup bucket into the Pushgateway",
    "After=loom.service",
    "",
    "[Service]",
    "Type=oneshot",
    "ExecStart=/usr/local/bin/loom-backup-metrics",
    "",
  ].join("\n"),
  "loom-backup-metrics.timer": [
    "[Unit]",
    "Description=Fetch the backup job's metrics every 5 minutes",
    "",
    "[Timer]",
    "OnBootSec=2min",
    "OnUnitActiveSec=5min",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n"),
};

/** Everything the monitor droplet's boot config needs except the compose text (renderCompose of monitorCompose()). */
export function monitorBoot(i: MonitorInputs, compose: string): BootSpec {
  const keys = channelKeys(i.channels);
  const email = usesEmail(i.channels);
  const backup = i.backupBuckets.length > 0;
  const secretKeys = [...keys, ...(email ? [SMTP_SECRET] : []), ...(backup ? Object.values(BACKUP_KEY_SECRETS) : [])];
  return {
    role: "monitor",
    compose,
    stopGraceS: 30,
    secretKeys,
    secretDelivery: { kind: "ansible" },
    logShipping: { kind: "forward", address: i.collectorHost },
    files: [
      { path: `${PROM_DIR}/prometheus.yml`, content: stringify(prometheusConfig(i)) },
      { path: `${PROM_DIR}/rules.yml`, content: stringify({ groups: i.rules }) },
      { path: `${AM_DIR}/routes.yml`, content: stringify(alertmanagerRoutes(i.channels)), permissions: "0600" },
      // Not in `units` (those are started at boot, before Ansible pushed anything): loom.service pulls it in.
      { path: `/etc/systemd/system/${AM_CONFIG_UNIT}`, content: alertmanagerConfigUnit(keys, email) },
      { path: "/etc/systemd/system/loom.service.d/10-alertmanager.conf", content: LOOM_DROP_IN },
      ...(backup
        ? [
            {
              path: "/usr/local/bin/loom-backup-metrics",
              content: backupMetricsScript(i.backupBuckets),
              permissions: "0755",
            },
          ]
        : []),
    ],
    units: backup ? BACKUP_METRICS_UNITS : {},
  };
}
