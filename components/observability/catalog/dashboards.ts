/**
 * DASHBOARDS: the seed's seven Grafana dashboards as panels on signals (signals.ts). Pure data; each backend draws
 * them from its query table (grafana.ts from the Prometheus recording rules; the CloudWatch dashboard from
 * cloudwatch.ts once aws.ts is wired).
 */
import type { SignalId, Window } from "./signals";

export type DashboardId =
  | "overview"
  | "review-performance"
  | "llm-usage-and-costs"
  | "database-health"
  | "worker-performance"
  | "error-tracking"
  | "user-activity";

export type Visualization = "timeseries" | "stat" | "gauge" | "bargauge";

export interface PanelDef {
  title: string;
  signal: SignalId;
  viz: Visualization;
  /** For windowed signals: which window to draw. @default "5m" */
  window?: Window;
}

export interface DashboardDef {
  id: DashboardId;
  title: string;
  description: string;
  panels: readonly PanelDef[];
}

const p = (title: string, signal: SignalId, viz: Visualization = "timeseries", window?: Window): PanelDef => ({
  title,
  signal,
  viz,
  ...(window ? { window } : {}),
});

export const DASHBOARDS: readonly DashboardDef[] = [
  {
    id: "overview",
    title: "Loom / Overview",
    description: "The golden signals of the whole service and the SLO error ratios at a glance.",
    panels: [
      p("Requests per second", "http-request-rate"),
      p("5xx share", "http-error-ratio"),
      p("p95 latency", "http-latency-p95"),
      p("Queue depth", "queue-depth"),
      p("Availability SLI (1d)", "http-error-ratio", "stat", "1d"),
      p("Latency SLI (1d)", "http-slow-ratio", "stat", "1d"),
      p("Replicas below desired", "replicas-unavailable", "stat"),
      p("LLM spend per hour", "llm-cost-rate"),
    ],
  },
  {
    id: "review-performance",
    title: "Loom / Review performance",
    description: "How fast reviews finish and how many fail.",
    panels: [
      p("Reviews finished per second", "review-rate"),
      p("p95 review duration", "review-duration-p95"),
      p("Failed jobs per second by reason", "jobs-failed-rate"),
      p("Queue depth", "queue-depth"),
    ],
  },
  {
    id: "llm-usage-and-costs",
    title: "Loom / LLM usage and costs",
    description: "LLM API traffic, failures, latency, tokens and spend by provider.",
    panels: [
      p("LLM requests per second", "llm-request-rate"),
      p("LLM failure share", "llm-failure-ratio"),
      p("LLM p95 latency", "llm-latency-p95"),
      p("Tokens per second", "llm-token-rate"),
      p("Spend per hour (USD)", "llm-cost-rate"),
      p("Spend per hour now (USD)", "llm-cost-rate", "stat"),
    ],
  },
  {
    id: "database-health",
    title: "Loom / Database health",
    description: "Database availability, saturation, storage and query times.",
    panels: [
      p("Database up", "database-up", "stat"),
      p("CPU vs limit", "database-cpu-ratio"),
      p("Free storage", "database-free-storage-ratio", "gauge"),
      p("Connections", "database-connections"),
      p("p95 query time by operation", "db-query-p95"),
      p("Cache memory", "cache-memory-ratio", "gauge"),
      p("Successful logical backups (26 h)", "backups-succeeded", "stat"),
      p("Logical backup size vs the previous one", "backup-size-ratio", "stat"),
      p("Failed copies to the DR region (1 h)", "backup-dr-copy-failures", "stat"),
    ],
  },
  {
    id: "worker-performance",
    title: "Loom / Worker performance",
    description: "Worker throughput, backlog and saturation.",
    panels: [
      p("Queue depth", "queue-depth"),
      p("Reviews finished per second", "review-rate"),
      p("Replicas below desired", "replicas-unavailable"),
      p("CPU vs limit", "workload-cpu-ratio"),
      p("Memory vs limit", "memory-working-set-ratio"),
      p("Volume free space", "volume-free-ratio", "bargauge"),
    ],
  },
  {
    id: "error-tracking",
    title: "Loom / Error tracking",
    description: "Where errors come from: web routes, jobs, LLM providers; SLO burn.",
    panels: [
      p("5xx per second by route", "http-errors-by-route"),
      p("5xx share (5m)", "http-error-ratio"),
      p("5xx share (1h)", "http-error-ratio", "timeseries", "1h"),
      p("Failed jobs per second by reason", "jobs-failed-rate"),
      p("LLM failure share", "llm-failure-ratio"),
      p("Time to certificate expiry", "certificate-expiry-seconds", "stat"),
    ],
  },
  {
    id: "user-activity",
    title: "Loom / User activity",
    description: "Who uses Loom and how reviews are requested (bounded gauges and counters only; no user ids).",
    panels: [
      p("Active users", "active-users"),
      p("Active users now", "active-users", "stat"),
      p("Reviews requested per second by trigger", "reviews-requested-rate"),
      p("Requests per second", "http-request-rate"),
    ],
  },
];
