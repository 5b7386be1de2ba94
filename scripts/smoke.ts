/**
 * npm run smoke -- --stack <s> [--cloud <c>] [--url https://…] [--path /readyz] [--min-cert-days 14]
 *                  [--ca-file <pem>] [--connect-to <address>] [--skip https,alarms,migrate] [--mark-good]
 *
 * After every `pulumi up`: /readyz over HTTPS (certificate chain + hostname, ≥ N days left, TLS ≥ 1.2, HSTS ≥ 1 year),
 * no alert of the stack firing, the newest migrate run exited 0. Exit 0 all passed, 1 a check failed, 2 bad usage
 * or a CLI that could not answer. `--mark-good` (the deploy pipeline, after a pass) records the update as the last
 * good one: `pulumi stack tag set loom:lastGood <version>@<startTime>`, which `npm run rollback` restores.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { LAST_GOOD_TAG, lastGoodValue, runSmoke } from "./lib/smoke";
import { processRunner, runJson } from "./lib/smoke-runner";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      cloud: { type: "string" },
      url: { type: "string" },
      path: { type: "string", default: "/readyz" },
      "min-cert-days": { type: "string", default: "14" },
      "ca-file": { type: "string" },
      "connect-to": { type: "string" },
      skip: { type: "string", default: "" },
      "mark-good": { type: "boolean", default: false },
    },
  });
  if (!values.stack) throw new Error("--stack is required (dev, staging, prod, …)");
  const minDays = Number(values["min-cert-days"]);
  if (!Number.isInteger(minDays) || minDays < 0) {
    throw new Error(`--min-cert-days is ${values["min-cert-days"]}; allowed: a whole number of days ≥ 0`);
  }
  const skip = (values.skip as string).split(",").filter(Boolean);
  for (const s of skip)
    if (!["https", "alarms", "migrate"].includes(s)) throw new Error(`--skip ${s}; allowed: https, alarms, migrate`);
  const { ok, results } = await runSmoke(
    {
      stack: values.stack,
      ...(values.cloud ? { cloud: values.cloud } : {}),
      ...(values.url ? { url: values.url } : {}),
      path: values.path as string,
      minCertDays: minDays,
      ...(values["ca-file"] ? { ca: [fs.readFileSync(values["ca-file"], "utf8")] } : {}),
      ...(values["connect-to"] ? { connectTo: values["connect-to"] } : {}),
      skip,
    },
    processRunner,
  );
  for (const r of results)
    console.log(`${r.ok ? (r.skipped ? "skip" : "ok  ") : "FAIL"} ${r.name.padEnd(12)} ${r.detail}`);
  console.log(`smoke ${values.stack}: ${ok ? "passed" : "FAILED"}`);
  if (!ok) return 1;
  if (values["mark-good"]) {
    const history = await runJson<Parameters<typeof lastGoodValue>[0]>(processRunner, [
      ...["pulumi", "stack", "history", "--json", "--page-size", "20", "--stack", values.stack],
    ]);
    const value = lastGoodValue(history);
    const r = await processRunner(["pulumi", "stack", "tag", "set", LAST_GOOD_TAG, value, "--stack", values.stack]);
    if (r.status !== 0)
      throw new Error(`pulumi stack tag set ${LAST_GOOD_TAG} ${value} exited ${r.status}: ${r.stderr.trim()}`);
    console.log(`marked good: ${LAST_GOOD_TAG}=${value}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`smoke: ${(e as Error).message}`);
    process.exit(2);
  },
);
