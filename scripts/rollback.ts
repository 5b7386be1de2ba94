/**
 * npm run rollback -- --stack <s> [--environment <dev|staging|prod>] [--url https://…] [--skip alarms,migrate]
 *
 * Back to the last good image: the update recorded by `npm run smoke -- --mark-good` (stack tag loom:lastGood),
 * checked in `pulumi stack history --json`; `pulumi config set loom:image <its image>`, `pulumi up --yes` with the
 * loom-guard pack, the smoke test again, then the new update is marked good. Refuses (exit 2, nothing changed) when
 * no good update is recorded; exit 1 when the rollback's own smoke test fails. scripts/lib/rollback-plan.ts.
 */
import { parseArgs } from "node:util";
import { runRollback } from "./lib/rollback-plan";
import { processRunner } from "./lib/smoke-runner";

const { values } = parseArgs({
  options: {
    stack: { type: "string" },
    environment: { type: "string" },
    url: { type: "string" },
    skip: { type: "string", default: "" },
  },
});

async function main(): Promise<void> {
  if (!values.stack) throw new Error("--stack is required (dev, staging, prod, …)");
  const log = await runRollback(
    {
      stack: values.stack,
      environment: values.environment ?? values.stack,
      smoke: { ...(values.url ? { url: values.url } : {}), skip: (values.skip as string).split(",").filter(Boolean) },
    },
    processRunner,
  );
  for (const line of log) console.log(line);
}

main().catch((e) => {
  const msg = (e as Error).message;
  console.error(`rollback: ${msg}`);
  process.exit(/still fails/.test(msg) ? 1 : 2);
});
