/**
 * Service level objectives and the Google SRE workbook's multi-window, multi-burn-rate alerting (workbook ch. 5,
 * "Alerting on SLOs", table 5-8). Pure data.
 *
 * Burn rate = observed bad-event ratio / error budget (1 − objective). A pair fires when both its long and its short
 * window burn faster than `factor`: the long window proves it matters, the short one that it is still happening (so
 * the alert resets quickly once fixed).
 */
import { type Environment, PROFILES } from "../../profiles";
import type { Window } from "./signals";

export type SloId = "availability" | "latency";

export interface SloTargets {
  /** Share of requests not answered 5xx, e.g. 0.999. */
  availability: number;
  /** Share of requests faster than {@link LATENCY_SLO_SECONDS}, e.g. 0.99. */
  latency: number;
}

/**
 * Requests slower than this count against the latency SLO. It must be a bucket boundary of
 * `loom_http_request_duration_seconds` (docs/metrics.md §2 requires the `1` bucket).
 */
export const LATENCY_SLO_SECONDS = 1;

/** Defaults per environment: the profile table's `slo` (components/profiles.ts is their one home). */
export const DEFAULT_SLO: Readonly<Record<Environment, SloTargets>> = {
  dev: PROFILES.dev.slo,
  staging: PROFILES.staging.slo,
  prod: PROFILES.prod.slo,
};

export interface BurnRatePair {
  long: Window;
  short: Window;
  /** Burn-rate factor; 14.4 over 1h spends 2 % of a 30-day budget. */
  factor: number;
}

/** Page: 2 % of the budget in 1 h or 5 % in 6 h. Ticket: 10 % in 1 d or 10 % in 3 d. */
export const BURN_RATES: Readonly<Record<"page" | "ticket", readonly BurnRatePair[]>> = {
  page: [
    { long: "1h", short: "5m", factor: 14.4 },
    { long: "6h", short: "30m", factor: 6 },
  ],
  ticket: [
    { long: "1d", short: "2h", factor: 3 },
    { long: "3d", short: "6h", factor: 1 },
  ],
};

/** The error budget of an objective (0.999 → 0.001), rounded to kill float noise. */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(12));
}

/** The bad-event ratio at which a pair fires. */
export function burnThreshold(objective: number, factor: number): number {
  return Number((errorBudget(objective) * factor).toPrecision(12));
}

/** Targets must be strictly between 0 and 1 (1 leaves no budget and every burn alert always fires). */
export function sloProblems(t: SloTargets): string[] {
  return (Object.keys(t) as SloId[])
    .filter((k) => !(Number.isFinite(t[k]) && t[k] > 0 && t[k] < 1))
    .map((k) => `${k} must be a ratio greater than 0 and less than 1, got ${t[k]}`);
}
