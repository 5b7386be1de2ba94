/**
 * npm run bench [-- --runs 5 --stack prod --cloud aws,kubernetes --ts-node]
 *
 * Prints figures, asserts nothing about time. In one run, so the machine's load is shared: wall time and peak RSS
 * (median of N fresh processes) of a bare program (@pulumi/pulumi + one resource under the same mocks, precompiled)
 * and of the plan of <stack> on every implemented cloud exactly as `npm run plan` starts it (scripts/dist.js
 * checks dist/ is fresh, then runs dist/scripts/plan.js), each as a ratio to the bare program: the median of the
 * ratios of N pairs (bare program, then the plan), so a load that changes during the run moves both sides alike. Goal (issue 8,
 * item 7): ≤ 1.5× on every cloud. `--ts-node` adds the old way (ts-node transpiling the sources on every start)
 * for a before/after. Then the policy pack's throughput (scripts/bench-policy.ts).
 *
 * Regression gate (issue 15, item 2; scripts/lib/bench-gate.ts): `--gate bench/baseline.json` exits 1 when a plan /
 * bare-program ratio (wall or CPU) is more than the baseline's bound (+25 %) worse than the committed baseline;
 * `--write-baseline bench/baseline.json` records this run's ratios (and the machine's load) as the new baseline.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { IMPLEMENTED_CLOUDS } from "../components/cloud";
import { baselineFor, gate, parseBaseline, type Ratios } from "./lib/bench-gate";

const GOAL = 1.5;
/** The repository (this file also runs compiled, from dist/scripts/). */
const ROOT = path.resolve(__dirname, fs.existsSync(path.join(__dirname, "..", "Pulumi.yaml")) ? ".." : "../..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    stack: { type: "string", default: "prod" },
    cloud: { type: "string", default: IMPLEMENTED_CLOUDS.join(",") },
    "ts-node": { type: "boolean", default: false },
    "no-drill": { type: "boolean", default: false },
    gate: { type: "string" },
    "write-baseline": { type: "string" },
  },
});
// Read before measuring: a bad baseline fails in a second, not after minutes of measurements.
const gateFile = values.gate === undefined ? undefined : path.resolve(values.gate);
const baseline = gateFile === undefined ? undefined : parseBaseline(readOrFail(gateFile), gateFile);

function readOrFail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    console.error(`bench: --gate ${file}: cannot read it (${(e as Error).message})`);
    process.exit(2);
  }
}
const runs = Number(values.runs);
const clouds = (values.cloud as string).split(",").filter(Boolean);
const REPORT_RSS = path.join(ROOT, "scripts", "bench", "report-rss.js");

interface Sample {
  ms: number;
  cpuMs: number;
  rssMiB: number;
}

function measure(nodeArgs: string[]): Sample {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["-r", REPORT_RSS, ...nodeArgs], { cwd: ROOT, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${nodeArgs.join(" ")} exited ${r.status}: ${r.stderr}`);
  const kib = Number(/__MAXRSS_KIB__=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  const cpuUs = Number(/__CPU_US__=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  return { ms, cpuMs: cpuUs / 1000, rssMiB: kib / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const summary = (samples: Sample[]): Sample => ({
  ms: median(samples.map((s) => s.ms)),
  cpuMs: median(samples.map((s) => s.cpuMs)),
  rssMiB: median(samples.map((s) => s.rssMiB)),
});

function printLine(label: string, r: Sample, ratio = ""): void {
  console.log(
    `${label.padEnd(46)} wall ${r.ms.toFixed(0).padStart(6)} ms  CPU ${r.cpuMs.toFixed(0).padStart(6)} ms  peak RSS ${r.rssMiB.toFixed(0).padStart(4)} MiB${ratio}`,
  );
}

function report(label: string, nodeArgs: string[], base?: Sample): Sample {
  measure(nodeArgs); // warm-up: file cache, and dist/ built if needed
  const r = summary(Array.from({ length: runs }, () => measure(nodeArgs)));
  const ratio = base
    ? `   ${(r.ms / base.ms).toFixed(2)}× wall, ${(r.cpuMs / base.cpuMs).toFixed(2)}× CPU, ${(r.rssMiB / base.rssMiB).toFixed(2)}× RSS`
    : "";
  printLine(label, r, ratio);
  return r;
}

/**
 * The plan against the bare program in pairs: each run measures the bare program, then the plan, and the ratio is
 * the median of the runs' ratios. A load that comes and goes during the benchmark (another job on the machine)
 * then moves both sides of each pair alike, instead of the bare program's block and a later plan's block.
 */
function pairedReport(label: string, nodeArgs: string[], bareArgs: string[]): { wall: number; cpu: number } {
  measure(nodeArgs); // warm-up
  const pairs = Array.from({ length: runs }, () => ({ bare: measure(bareArgs), plan: measure(nodeArgs) }));
  const r = summary(pairs.map((x) => x.plan));
  const wall = median(pairs.map((x) => x.plan.ms / x.bare.ms));
  const cpu = median(pairs.map((x) => x.plan.cpuMs / x.bare.cpuMs));
  const rss = median(pairs.map((x) => x.plan.rssMiB / x.bare.rssMiB));
  printLine(label, r, `   ${wall.toFixed(2)}× wall, ${cpu.toFixed(2)}× CPU, ${rss.toFixed(2)}× RSS (paired)`);
  return { wall, cpu };
}

// Build first, outside the measurements (the plan's own freshness check is measured: it is what users run).
const build = spawnSync(process.execPath, [path.join(ROOT, "scripts", "dist.js")], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(
  `\nnode ${process.version}, median of ${runs} fresh processes each (after one warm-up); each plan run is paired with a bare-program run just before it, and its ratios are the median of the pairs'\n`,
);
const BARE = ["dist/scripts/bench/bare-program.js"];
const bare = report("bare program (pulumi + 1 resource, mocks)", BARE);
const ratios: [string, number, number][] = [];
for (const cloud of clouds) {
  const args = ["--stack", values.stack as string, "--cloud", cloud];
  const plan = pairedReport(
    `plan --stack ${values.stack} --cloud ${cloud}`,
    ["scripts/dist.js", "run", "scripts/plan.ts", ...args],
    BARE,
  );
  ratios.push([cloud, plan.wall, plan.cpu]);
  if (values["ts-node"]) {
    report(
      `  before: ts-node transpile-only (${cloud})`,
      ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", ...args],
      bare,
    );
  }
}
// Judged on the worse of wall and CPU time: on a loaded machine wall time swings with the other processes, while
// CPU time counts only this process's work.
const worst = Math.max(...ratios.map(([, wall, cpu]) => Math.max(wall, cpu)));
console.log(`\nplan / bare program (wall): ${ratios.map(([c, r]) => `${c} ${r.toFixed(2)}×`).join(", ")}`);
console.log(`plan / bare program (CPU):  ${ratios.map(([c, , r]) => `${c} ${r.toFixed(2)}×`).join(", ")}`);
console.log(
  `goal ≤ ${GOAL}× on every cloud (worse of wall and CPU): ${worst <= GOAL ? "met" : `NOT met (${worst.toFixed(2)}×)`}`,
);

const measuredRatios: Record<string, Ratios> = Object.fromEntries(
  ratios.map(([cloud, wall, cpu]) => [cloud, { wall, cpu }]),
);
if (baseline) {
  const verdict = gate(baseline, measuredRatios, values.stack as string);
  console.log("");
  for (const line of verdict.lines) console.log(line);
  if (!verdict.ok) {
    console.error(`bench gate: ${verdict.failures.length} ratio(s) worse than ${gateFile} allows`);
    process.exitCode = 1;
  }
}
if (values["write-baseline"]) {
  const file = path.resolve(values["write-baseline"]);
  const [l1, l5, l15] = os.loadavg().map((x) => x.toFixed(2));
  const measured = {
    at: new Date().toISOString(),
    node: process.version,
    runs,
    cpus: os.cpus().length,
    loadAverage: `${l1} ${l5} ${l15} (1, 5, 15 min, when the measurements ended)`,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(baselineFor(values.stack as string, measuredRatios, measured), null, 2)}\n`);
  console.log(`\nbaseline written: ${file}`);
}

const policyBench = path.join(ROOT, "scripts", "bench-policy.ts");
if (fs.existsSync(policyBench)) {
  console.log("");
  // Through ts-node: it uses the test fixtures (tests/harness), which are not precompiled.
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", policyBench], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

// The backup drill's figures (issue 10): our dump + encrypt + sha256 + verify + restore against raw
// `pg_dump -Fc | pg_restore` of the same database, measured in the same run. Skipped with `--no-drill`.
if (!values["no-drill"]) {
  console.log("\nbackup drill (dump+encrypt+sha256, verify, restore vs raw pg_dump -Fc | pg_restore):");
  const drill = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "backup", "drill.ts")],
    { cwd: ROOT, stdio: "inherit" },
  );
  if (drill.status !== 0) process.exitCode = drill.status ?? 1;
}
