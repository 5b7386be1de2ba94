/**
 * Which stacks a pull request can change, from the files it touches (preview.yml runs `pulumi preview` only for them).
 *   node -r ts-node/register/transpile-only .github/scripts/affected-stacks.ts <base-sha> <head-sha>
 * prints a JSON array such as ["dev","prod"] (for `fromJSON` in a matrix). Conservative: a file that is not known to be
 * irrelevant to the program affects every stack; Pulumi.<s>.yaml and policy/config/<s>.json affect only <s>.
 */
import { execFileSync } from "node:child_process";

/** The stacks CI previews and deploys (Pulumi Cloud stacks <org>/loom/<s>); local and cluster are e2e-only. */
export const DEPLOYED_STACKS = ["dev", "staging", "prod"] as const;

/** Paths that cannot change what `pulumi preview` does: docs, tests, benchmarks, the workflows themselves. */
const IRRELEVANT = [/^docs\//, /^tests\//, /^bench\//, /^\.github\//, /^[^/]+\.md$/, /^LICENSE/];

export function affectedStacks(changed: readonly string[]): string[] {
  const hit = new Set<string>();
  for (const file of changed) {
    const own = /^Pulumi\.([^.]+)\.yaml$/.exec(file) ?? /^policy\/config\/([^/]+)\.json$/.exec(file);
    if (own) {
      if ((DEPLOYED_STACKS as readonly string[]).includes(own[1])) hit.add(own[1]);
      continue;
    }
    if (IRRELEVANT.some((re) => re.test(file))) continue;
    return [...DEPLOYED_STACKS];
  }
  return DEPLOYED_STACKS.filter((s) => hit.has(s));
}

function main(argv: string[]): void {
  const [base, head] = argv;
  const sha = /^[0-9a-f]{40}$/;
  if (!base || !head || !sha.test(base) || !sha.test(head)) {
    throw new Error(`usage: affected-stacks.ts <base-sha> <head-sha> (40-hex commits); got ${JSON.stringify(argv)}`);
  }
  const out = execFileSync("git", ["diff", "--name-only", `${base}...${head}`], { encoding: "utf8" });
  console.log(JSON.stringify(affectedStacks(out.split("\n").filter(Boolean))));
}

if (require.main === module) main(process.argv.slice(2));
