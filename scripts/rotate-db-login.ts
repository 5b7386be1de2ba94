/**
 * npm run rotate:db-login -- --stack <s> [--execute]
 *
 * DigitalOcean's alternating-users rotation of the app's database login (scripts/lib/rotate-do-login.ts,
 * docs/runbooks/credentials-digitalocean.md): resets the idle app user's password, writes it to the secrets bucket
 * through Pulumi, and switches `loom:digitalocean.activeAppLogin` to it; commit and deploy to move the app. Without
 * --execute it prints what it would do and changes nothing. --execute needs DIGITALOCEAN_TOKEN (from the stack's
 * ESC environment: `pulumi env run <org>/loom/<s> -- npm run rotate:db-login -- …`). Exit 2 on a refusal.
 */
import { parseArgs } from "node:util";
import { doDatabaseApi, runRotation } from "./lib/rotate-do-login";
import { processRunner } from "./lib/smoke-runner";

const { values } = parseArgs({ options: { stack: { type: "string" }, execute: { type: "boolean", default: false } } });

async function main(): Promise<void> {
  if (!values.stack) throw new Error("--stack is required (dev, staging, prod, …)");
  const token = process.env.DIGITALOCEAN_TOKEN ?? "";
  if (values.execute && !token) throw new Error("--execute needs DIGITALOCEAN_TOKEN (the stack's ESC environment)");
  const log = await runRotation(
    { stack: values.stack, execute: values.execute === true },
    processRunner,
    doDatabaseApi(token),
  );
  for (const line of log) console.log(line);
}

main().catch((e) => {
  console.error(`rotate:db-login: ${(e as Error).message}`);
  process.exit(2);
});
