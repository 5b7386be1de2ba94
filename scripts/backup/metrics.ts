/**
 * The backup job's metrics as a Prometheus textfile (node_exporter's textfile collector, or a sidecar that serves
 * it). Written atomically, only after a successful backup: a failed run leaves the last success in place, so the
 * "no success for 26 h" alert fires on staleness.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface BackupMetrics {
  database: string;
  finishedAtSeconds: number;
  sizeBytes: number;
  durationSeconds: number;
  rows: number;
  /** Size over the previous backup's (its manifest in the bucket); 1 when there is none. */
  sizeRatio: number;
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function renderMetrics(m: BackupMetrics): string {
  const labels = `{database="${esc(m.database)}"}`;
  const gauge = (name: string, help: string, value: number) =>
    `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}${labels} ${value}\n`;
  return [
    gauge(
      "loom_backup_last_success_timestamp_seconds",
      "Unix time the last successful logical backup finished.",
      m.finishedAtSeconds,
    ),
    gauge("loom_backup_size_bytes", "Size of the last successful logical backup as stored (encrypted).", m.sizeBytes),
    gauge("loom_backup_duration_seconds", "Wall time of the last successful logical backup.", m.durationSeconds),
    gauge("loom_backup_rows", "Rows in the last successful logical backup (manifest row counts).", m.rows),
    gauge(
      "loom_backup_size_ratio",
      "Size of the last successful logical backup over the previous one's (1 when there is none).",
      m.sizeRatio,
    ),
  ].join("");
}

export function writeMetricsFile(file: string, m: BackupMetrics): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, renderMetrics(m));
  fs.renameSync(tmp, file);
}
