/**
 * Run by tests/stacks.spec.ts in a fresh process: plans one stack and prints which cloud SDKs were require()d.
 * (require.cache is process-wide, so this cannot be checked inside the mocha process that plans every cloud.)
 * usage: loaded-sdks.ts <stack> <cloud>
 */
import * as path from "node:path";
import { planStack } from "../../scripts/lib/plan";

const [stack, cloud] = process.argv.slice(2);
planStack({ stack: stack as string, cloud, policy: false }).then(() => {
  const sdks = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = new RegExp(`node_modules\\${path.sep}@pulumi\\${path.sep}([^\\${path.sep}]+)`).exec(file);
    if (m?.[1]) sdks.add(m[1]);
  }
  process.stdout.write(`${JSON.stringify([...sdks].sort())}\n`);
});
