/** The baseline for `npm run bench`: @pulumi/pulumi plus one resource under the same mock engine as the plan. */
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../lib/mock-engine";

/** The smallest custom resource there is: a type token and one input. */
class Thing extends pulumi.CustomResource {
  constructor(name: string) {
    super("bench:index:Thing", name, { value: 1 });
  }
}

runProgram({
  project: "loom",
  stack: "bench",
  config: {},
  program: () => {
    const r = new Thing("one");
    return { urn: r.urn };
  },
}).then((run) => {
  if (run.resources.length !== 1) throw new Error(`expected 1 resource, got ${run.resources.length}`);
});
