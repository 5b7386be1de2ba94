/**
 * promtool unit tests generated from the ALERTS catalog: for every alert, a synthetic series at its threshold fires
 * within its `for`, a healthy one and one just on the safe side of the threshold stay silent, and an alert that treats
 * missing data as breaching fires on no data. The series are raw metrics (the app's and the exporters'), so the tests
 * exercise the recording rules too.
 */
import {
  ALERTS,
  type AlertDef,
  BACKUP_SIZE_DROP_RATIO,
  type BurnRateCondition,
  type Thresholds,
} from "../../components/observability/catalog/alerts";
import { EXPORT_SCOPE } from "../../components/observability/catalog/prometheus";
import { alertName, alertThreshold } from "../../components/observability/catalog/rules";
import { SIGNALS, type SignalId } from "../../components/observability/catalog/signals";
import { burnThreshold, type SloTargets } from "../../components/observability/catalog/slo";

const NS = "loom-test";

export interface InputSeries {
  series: string;
  values: string;
}

/** Numbers promtool reads back exactly enough (no exponent notation). */
const num = (x: number) => Number(x.toFixed(9)).toString();
const labels = (l: Record<string, string>) =>
  `{${Object.entries({ namespace: NS, ...l })
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/** One raw series as a function of the signal value: a counter's increase per minute, a gauge's value. */
interface SeriesOf {
  name: string;
  labels: Record<string, string>;
  /** counter: increases by of(v) a minute; gauge: of(v); clock: of(v) + seconds since the start. */
  kind: "counter" | "gauge" | "clock";
  of: (v: number) => number;
}

/** A stretch of `minutes` one-minute samples at signal value `value`. */
export interface Segment {
  value: number;
  minutes: number;
}

/** promtool's expanding notation over consecutive segments ("a+bxn" is n + 1 samples: the first segment's start). */
export function render(s: SeriesOf, segments: readonly Segment[]): InputSeries {
  let level = 0;
  let minute = 0;
  const parts = segments.map((seg, i) => {
    const count = i === 0 ? seg.minutes : seg.minutes - 1;
    const step = s.kind === "gauge" ? 0 : s.kind === "clock" ? 60 : s.of(seg.value);
    const first =
      s.kind === "gauge"
        ? s.of(seg.value)
        : s.kind === "clock"
          ? s.of(seg.value) + 60 * minute
          : level + (i === 0 ? 0 : step);
    const text = `${num(first)}+${num(step)}x${count}`;
    level = first + step * count;
    minute += count + 1;
    return text;
  });
  return { series: `${s.name}${labels(s.labels)}`, values: parts.join(" ") };
}

const counter = (name: string, l: Record<string, string>, of: (v: number) => number): SeriesOf => ({
  name,
  labels: l,
  kind: "counter",
  of,
});
const gauge = (name: string, l: Record<string, string>, of: (v: number) => number): SeriesOf => ({
  name,
  labels: l,
  kind: "gauge",
  of,
});

type Scenario = { healthy: number; series: SeriesOf[] };

const web = { pod: "loom-test-web-1", route: "/reviews/:id", method: "GET" };
const volume = (pvc: string) => [
  gauge("kubelet_volume_stats_available_bytes", { persistentvolumeclaim: pvc }, (v) => 1000 * v),
  gauge("kubelet_volume_stats_capacity_bytes", { persistentvolumeclaim: pvc }, () => 1000),
];
const memory = (pod: string, container: string, used: (v: number) => number) => [
  gauge("container_memory_working_set_bytes", { pod, container }, used),
  gauge("kube_pod_container_resource_limits", { pod, container, resource: "memory", unit: "byte" }, () => 1000),
];
const db = { pod: "loom-test-db-1", container: "postgres" };
const llm = { provider: "openai", model: "m" };

/** Histogram with buckets 0.5 and 10: histogram_quantile interpolates linearly, so solve for the share under 0.5 s. */
const fastShare = (v: number) => {
  const p = (v - 0.5) / 9.5;
  return (95 - 100 * p) / (1 - p);
};

/** For each signal an alert reads: raw series whose signal value is `v`, and a healthy value. */
const SCENARIOS: Partial<Record<SignalId, Scenario>> = {
  "http-error-ratio": {
    healthy: 0,
    series: [
      counter("loom_http_requests_total", { ...web, status: "500" }, (v) => 1000 * v),
      counter("loom_http_requests_total", { ...web, status: "200" }, (v) => 1000 * (1 - v)),
    ],
  },
  "http-slow-ratio": {
    healthy: 0,
    series: [
      counter("loom_http_request_duration_seconds_bucket", { ...web, le: "1" }, (v) => 1000 * (1 - v)),
      counter("loom_http_request_duration_seconds_bucket", { ...web, le: "+Inf" }, () => 1000),
      counter("loom_http_request_duration_seconds_count", web, () => 1000),
    ],
  },
  "http-latency-p95": {
    healthy: 0.6,
    series: [
      counter("loom_http_request_duration_seconds_bucket", { ...web, le: "0.5" }, fastShare),
      counter("loom_http_request_duration_seconds_bucket", { ...web, le: "10" }, () => 100),
      counter("loom_http_request_duration_seconds_bucket", { ...web, le: "+Inf" }, () => 100),
    ],
  },
  "queue-depth": {
    healthy: 10,
    series: [gauge("loom_queue_depth", { pod: "loom-test-worker-1", queue: "reviews", priority: "normal" }, (v) => v)],
  },
  "database-up": {
    healthy: 1,
    series: [gauge("cnpg_collector_up", { pod: "loom-test-db-1", cluster: "loom-test-db" }, (v) => v)],
  },
  "llm-failure-ratio": {
    healthy: 0,
    series: [
      counter("loom_llm_request_duration_seconds_count", { ...llm, outcome: "error" }, (v) => 100 * v),
      counter("loom_llm_request_duration_seconds_count", { ...llm, outcome: "success" }, (v) => 100 * (1 - v)),
    ],
  },
  "volume-free-ratio": { healthy: 0.6, series: volume("loom-test-cache-0") },
  "database-free-storage-ratio": { healthy: 0.6, series: volume("loom-test-db-1") },
  "memory-working-set-ratio": { healthy: 0.4, series: memory("loom-test-worker-1", "worker", (v) => 1000 * v) },
  "cache-memory-ratio": {
    healthy: 0.4,
    series: memory("loom-test-cache-0", "valkey", (v) => 1000 * EXPORT_SCOPE.cacheMaxmemoryShare * v),
  },
  "database-cpu-ratio": {
    healthy: 0.2,
    series: [
      counter("container_cpu_usage_seconds_total", db, (v) => 60 * v),
      gauge("kube_pod_container_resource_limits", { ...db, resource: "cpu", unit: "core" }, () => 1),
    ],
  },
  "certificate-expiry-seconds": {
    healthy: 60 * 86400,
    // The expiry timestamp grows with the clock, so "seconds to expiry" stays at v for the whole test.
    series: [
      {
        name: "certmanager_certificate_expiration_timestamp_seconds",
        labels: { name: "loom-tls" },
        kind: "clock",
        of: (v) => v,
      },
    ],
  },
  "backups-succeeded": {
    healthy: 1,
    // changes() counts every new value: a last-success time that moves (v > 0) is a job that keeps succeeding, a
    // constant one (v = 0) a job that stopped.
    series: [counter("kube_cronjob_status_last_successful_time", { cronjob: "loom-test-logical-backup" }, (v) => v)],
  },
  "backup-size-ratio": {
    healthy: 1,
    // The job compares with 0.5 itself and fails its Job through the pod failure policy (reason "" in
    // kube-state-metrics) on a drop; the Job was created at the start of the test, inside the 26 h window.
    series: [
      gauge("kube_job_status_failed", { job_name: "loom-test-logical-backup-29000000", reason: "" }, (v) =>
        v < BACKUP_SIZE_DROP_RATIO ? 1 : 0,
      ),
      gauge("kube_job_created", { job_name: "loom-test-logical-backup-29000000" }, () => 0),
    ],
  },
  "backup-dr-copy-failures": {
    healthy: 0,
    // v failed WAL archive attempts a minute on the DR replica cluster's instance.
    series: [counter("cnpg_pg_stat_archiver_failed_count", { pod: "loom-test-db-dr-1" }, (v) => v)],
  },
  "replicas-unavailable": {
    healthy: 0,
    series: [
      gauge("kube_deployment_spec_replicas", { deployment: "loom-test-web" }, () => 3),
      gauge("kube_deployment_status_replicas_available", { deployment: "loom-test-web" }, (v) => 3 - v),
    ],
  },
};

export function scenarioOf(id: SignalId): Scenario {
  const s = SCENARIOS[id];
  if (!s) throw new Error(`no promtool scenario for signal ${id}: add one to scripts/lib/observability-promtool.ts`);
  return s;
}

const minutes = (d: string) => {
  const m = /^(\d+)([mhd])$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as "m" | "h" | "d"];
};

interface Case {
  name: string;
  /** Healthy minutes first, then the value until the evaluation (or no data at all). */
  segments: Segment[] | "absent";
  evalMinutes: number;
  firing: boolean;
}

/** A constant value for the whole test. */
const steady = (value: number, evalMinutes: number) => [{ value, minutes: evalMinutes + 5 }];

/**
 * One case per burn-rate pair. Where it can, the case isolates its pair: healthy traffic for the longest window of
 * the slower pairs first, then the burn for the pair's long window + `for`, so only this pair can reach its factor.
 * Where the slower pair spends the same budget (1d at 3× and 3d at 1× are both 10 %), no input separates them and
 * the case burns steadily.
 */
function burnCases(c: BurnRateCondition, o: Options, forMinutes: number): Case[] {
  return c.pairs.map((p) => {
    const value = burnThreshold(o.slo[c.slo], p.factor) * 1.05;
    const burn = minutes(p.long) + forMinutes + 10;
    const slower = c.pairs.filter((q) => q.factor < p.factor);
    const prefix = Math.max(0, ...slower.map((q) => minutes(q.long)));
    const isolated = slower.every((q) => (value * burn) / minutes(q.long) < burnThreshold(o.slo[c.slo], q.factor));
    const name = `fires at ${p.factor}x burn (${p.long}/${p.short})${isolated && prefix ? " alone" : ""}`;
    if (!isolated || prefix === 0)
      return { name, segments: steady(value, forMinutes + 10), evalMinutes: forMinutes + 10, firing: true };
    const segments = [
      { value: 0, minutes: prefix },
      { value, minutes: burn + 5 },
    ];
    return { name, segments, evalMinutes: prefix + burn, firing: true };
  });
}

/** The cases of one alert: breaching value(s), the closest safe value, a healthy value, missing data. */
export function casesOf(a: AlertDef, o: Options): Case[] {
  const c = a.condition;
  const forMinutes = minutes(a.for);
  const at = forMinutes + 10;
  const healthy: Case = {
    name: "stays silent when healthy",
    segments: steady(scenarioOf(c.signal).healthy, at),
    evalMinutes: at,
    firing: false,
  };
  if (c.kind === "burn-rate") {
    const below = alertThreshold(a, o) * 0.95;
    const safe = {
      name: "stays silent just below the slowest burn",
      segments: steady(below, at),
      evalMinutes: at,
      firing: false,
    };
    return [...burnCases(c, o, forMinutes), safe, healthy];
  }
  const t = c.threshold(o.thresholds);
  const integer = SIGNALS[c.signal].integer === true;
  const up = c.op === "<" ? -1 : 1;
  const breach = integer ? (c.op === "<" ? t - 1 : c.op === ">=" ? t : t + 1) : t * (1 + 0.05 * up);
  const safe = integer ? (c.op === ">=" ? t - 1 : t) : t * (1 - 0.05 * up);
  const cases: Case[] = [
    { name: `fires at its threshold (${num(breach)})`, segments: steady(breach, at), evalMinutes: at, firing: true },
    {
      name: `stays silent just below its threshold (${num(safe)})`,
      segments: steady(safe, at),
      evalMinutes: at,
      firing: false,
    },
    healthy,
  ];
  if (c.missing === "breaching")
    cases.push({ name: "fires when the data is missing", segments: "absent", evalMinutes: at, firing: true });
  return cases;
}

type Options = { thresholds: Thresholds; slo: SloTargets };

/** One promtool test file for one alert. */
export function promtoolTest(a: AlertDef, o: Options): Record<string, unknown> {
  const name = alertName(a.id);
  const scenario = scenarioOf(a.condition.signal);
  const unrelated = { series: `up${labels({ job: "unrelated" })}`, values: "1+0x30" };
  return {
    rule_files: ["../rules.yml"],
    evaluation_interval: "1m",
    tests: casesOf(a, o).map((c) => ({
      name: `${name} ${c.name}`,
      interval: "1m",
      input_series:
        c.segments === "absent" ? [unrelated] : scenario.series.map((s) => render(s, c.segments as Segment[])),
      promql_expr_test: [
        {
          expr: `count(ALERTS{alertname="${name}",alertstate="firing"})`,
          eval_time: `${c.evalMinutes}m`,
          exp_samples: c.firing ? [{ labels: "{}", value: 1 }] : [],
        },
      ],
    })),
  };
}

export function promtoolTests(o: Options): Record<string, Record<string, unknown>> {
  return Object.fromEntries(ALERTS.map((a) => [a.id, promtoolTest(a, o)]));
}
