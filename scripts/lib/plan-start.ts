/**
 * Plan-only process start: imported first by scripts/plan.ts, before anything loads @pulumi/pulumi.
 *
 * - The lazy modules (lazy-modules.ts): what @pulumi/pulumi loads at start-up for features the plan never uses.
 * - `--no-opt`: the plan is a short process (about a second) that runs most of its code once, so V8's optimizing
 *   compiler (TurboFan, on background threads) costs more than it saves: measured on prod plans it was ≈ 25-30 % of
 *   the CPU time with wall time unchanged or better (issue 11/12, item 7; `npm run bench`). Ignition, Sparkplug and
 *   Maglev still run. Set at run time with `v8.setFlagsFromString`, so `npm run plan` needs no node flag; the real
 *   engine (pulumi-main.js) and the tests do not load this file.
 */
import * as v8 from "node:v8";
import "./lazy-modules";

v8.setFlagsFromString("--no-opt");
