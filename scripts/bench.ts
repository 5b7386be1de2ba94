/**
 * npm run bench [-- --runs 5 --stack prod]
 *
 * Prints figures, asserts nothing about time: wall time and peak RSS of `npm run plan -- --stack <stack>` (median of
 * N fresh processes) next to a bare program (@pulumi/pulumi + one resource under the same mocks), and the policy
 * pack's throughput when scripts/bench-policy.ts exists.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");
const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, stack: { type: "string", default: "prod" } },
});
const runs = Number(values.runs);

interface Sample {
  ms: number;
  rssMiB: number;
}

function measure(args: string[]): Sample {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    ["-r", path.join(__dirname, "bench", "report-rss.js"), "-r", "ts-node/register/transpile-only", ...args],
    { cwd: ROOT, encoding: "utf8" },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const kib = Number(/__MAXRSS_KIB__=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  return { ms, rssMiB: kib / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function report(label: string, args: string[]): Sample {
  const samples = Array.from({ length: runs }, () => measure(args));
  const result = { ms: median(samples.map((s) => s.ms)), rssMiB: median(samples.map((s) => s.rssMiB)) };
  console.log(
    `${label.padEnd(44)} wall ${result.ms.toFixed(0).padStart(6)} ms   peak RSS ${result.rssMiB.toFixed(0).padStart(5)} MiB   (median of ${runs})`,
  );
  return result;
}

console.log(`node ${process.version}, ${runs} fresh processes each\n`);
const bare = report("bare program (pulumi + 1 resource, mocks)", ["scripts/bench/bare-program.ts"]);
const plan = report(`npm run plan -- --stack ${values.stack}`, ["scripts/plan.ts", "--stack", values.stack]);
console.log(
  `\nplan overhead over bare: +${(plan.ms - bare.ms).toFixed(0)} ms, +${(plan.rssMiB - bare.rssMiB).toFixed(0)} MiB`,
);

const policyBench = path.join(__dirname, "bench-policy.ts");
if (fs.existsSync(policyBench)) {
  console.log("");
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", policyBench], {
    cwd: ROOT,
    stdio: "inherit",
  });
  process.exitCode = r.status ?? 1;
}
