/**
 * The benchmark's regression gate (issue 15, item 2): `npm run bench -- --gate bench/baseline.json` fails when a
 * plan/bare-program ratio is more than 25 % worse than the committed baseline. Ratios only, never absolute times:
 * the plan and the bare program are measured in the same run, so a slower (or busier) machine moves both.
 * Pure functions; scripts/bench.ts measures, tests/bench/bench-gate.spec.ts checks the arithmetic.
 */

/** How much worse a ratio may get before the gate fails: +25 %. */
export const DEFAULT_BOUND = 0.25;
export const METRICS = ["wall", "cpu"] as const;
export type Metric = (typeof METRICS)[number];
/** One cloud's plan / bare-program ratios. */
export type Ratios = Record<Metric, number>;

export interface Baseline {
  schema: 1;
  /** The stack every ratio was measured on (`--stack`); a gate run on another stack is refused. */
  stack: string;
  /** The allowed worsening, as a fraction (0.25 = +25 %). */
  bound: number;
  /** How, when and under what load it was measured: for the reader, never compared. */
  measured: Record<string, unknown>;
  ratios: Record<string, Ratios>;
}

export interface GateVerdict {
  ok: boolean;
  /** One line per ratio compared, gated or not, in cloud then metric order. */
  lines: string[];
  /** The failures only (the lines that made `ok` false). */
  failures: string[];
}

const LABEL: Record<Metric, string> = { wall: "wall", cpu: "CPU" };

const isRatio = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

/** Parse and validate a baseline file's content; the error names the file, the key, the value and what is allowed. */
export function parseBaseline(text: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const b = raw as Partial<Baseline>;
  if (typeof raw !== "object" || raw === null) throw new Error(`${file}: expected an object, got ${text.trim()}`);
  if (b.schema !== 1) throw new Error(`${file}: schema is ${JSON.stringify(b.schema)}; allowed: 1`);
  if (typeof b.stack !== "string" || b.stack === "") {
    throw new Error(`${file}: stack is ${JSON.stringify(b.stack)}; allowed: a stack name such as "prod"`);
  }
  if (typeof b.bound !== "number" || !(b.bound > 0 && b.bound < 10)) {
    throw new Error(`${file}: bound is ${JSON.stringify(b.bound)}; allowed: a fraction > 0 (0.25 = +25 %)`);
  }
  if (typeof b.ratios !== "object" || b.ratios === null || Object.keys(b.ratios).length === 0) {
    throw new Error(`${file}: ratios is ${JSON.stringify(b.ratios)}; allowed: {"<cloud>": {"wall": n, "cpu": n}, …}`);
  }
  for (const [cloud, r] of Object.entries(b.ratios)) {
    for (const m of METRICS) {
      const v = (r as Partial<Ratios> | null)?.[m];
      if (!isRatio(v)) {
        throw new Error(`${file}: ratios.${cloud}.${m} is ${JSON.stringify(v)}; allowed: a positive number`);
      }
    }
  }
  return { measured: {}, ...b } as Baseline;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const times = (x: number) => `${x.toFixed(2)}×`;

/**
 * Compare each cloud's ratios with the baseline's. A ratio fails when current > baseline × (1 + bound); a cloud of
 * the baseline that was not measured, or a measured cloud without a baseline, fails too (nothing passes ungated).
 */
export function gate(baseline: Baseline, current: Record<string, Ratios>, stack: string): GateVerdict {
  if (stack !== baseline.stack) {
    const msg = `bench gate: measured on stack ${stack}, the baseline is for stack ${baseline.stack}; run with --stack ${baseline.stack}`;
    return { ok: false, lines: [msg], failures: [msg] };
  }
  const lines: string[] = [];
  const failures: string[] = [];
  const clouds = [...new Set([...Object.keys(baseline.ratios), ...Object.keys(current)])];
  for (const cloud of clouds) {
    const base = baseline.ratios[cloud];
    const now = current[cloud];
    if (!base || !now) {
      const msg = base
        ? `bench gate: ${cloud} has a baseline but was not measured (measure every cloud of the baseline)`
        : `bench gate: ${cloud} has no baseline; add it with --write-baseline`;
      lines.push(msg);
      failures.push(msg);
      continue;
    }
    for (const m of METRICS) {
      const limit = base[m] * (1 + baseline.bound);
      const change = now[m] / base[m] - 1;
      const sign = change >= 0 ? "+" : "";
      const text = `${cloud} ${LABEL[m]} ratio ${times(now[m])} vs baseline ${times(base[m])} (${sign}${pct(change)}; bound +${pct(baseline.bound)}: ≤ ${times(limit)})`;
      if (now[m] > limit) {
        const msg = `bench gate: FAIL ${text}`;
        lines.push(msg);
        failures.push(msg);
      } else {
        lines.push(`bench gate: ok   ${text}`);
      }
    }
  }
  return { ok: failures.length === 0, lines, failures };
}

/** The baseline file's content for `--write-baseline`: ratios rounded to 3 decimals, clouds in measured order. */
export function baselineFor(
  stack: string,
  current: Record<string, Ratios>,
  measured: Record<string, unknown>,
  bound = DEFAULT_BOUND,
): Baseline {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const ratios = Object.fromEntries(
    Object.entries(current).map(([cloud, r]) => [cloud, { wall: round(r.wall), cpu: round(r.cpu) }]),
  );
  return { schema: 1, stack, bound, measured, ratios };
}
