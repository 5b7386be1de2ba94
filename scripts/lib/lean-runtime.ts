/**
 * Plan-only trims of two stack traces @pulumi/pulumi formats for every resource and every promise, which the mock
 * engine never reads. Measured on a prod AWS plan they were a fifth of its CPU (issue 8, item 7). The real engine
 * (pulumi-main.js, `pulumi up`) does not load this file: there, the source position is shown by the CLI.
 *
 * - `Resource.callsites()` takes an unbounded `new Error().stack` per resource to send the engine its source
 *   position; the mock monitor drops it. In the plan it returns no frames.
 * - `debuggablePromise()` formats `new Error().stack` per promise for the "promise leaked" report at exit. Here it
 *   captures none (even capturing unformatted frames cost ≈ 6 % of the plan); the report still names the operation.
 * - `mergeOptions()` drops the SDK's own API-version aliases (`{ type: "azure-native:network/v20230201:Subnet" }`,
 *   60 on an azure-native Subnet). They let the engine match state written under an older API version; the offline
 *   plan has no state, and collapsing each to a URN (an Output per alias, per resource) was half the CPU of a prod
 *   Azure plan (issue 12, item 7). The program's own aliases (renames: `name`, `parent`…) are kept.
 */
import * as pulumi from "@pulumi/pulumi";

interface Debuggable {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}

/** An alias the SDK adds for an older API version of the same resource: only `type`, with a version segment. */
export function isSdkVersionAlias(alias: unknown): boolean {
  if (typeof alias !== "object" || alias === null) return false;
  const keys = Object.keys(alias);
  const type = (alias as { type?: unknown }).type;
  return (
    keys.length === 1 &&
    typeof type === "string" &&
    /^[a-z0-9-]+:[A-Za-z0-9]+\/v\d[A-Za-z0-9]*:[A-Za-z0-9]+$/.test(type)
  );
}

type MergeOptions = (a: object | undefined, b: object | undefined) => object;

let applied = false;

export function leanRuntimeForPlan(): void {
  if (applied) return;
  applied = true;
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
  const resource = require("@pulumi/pulumi/resource") as { mergeOptions: MergeOptions };
  const merge = resource.mergeOptions;
  const lean: MergeOptions = (a, b) => {
    const aliases = (b as { aliases?: unknown[] } | undefined)?.aliases;
    if (!Array.isArray(aliases) || !aliases.some(isSdkVersionAlias)) return merge(a, b);
    const kept = aliases.filter((x) => !isSdkVersionAlias(x));
    return merge(a, { ...b, aliases: kept.length > 0 ? kept : undefined });
  };
  // @pulumi/pulumi's index copies its modules' exports (`pulumi.mergeOptions` is a copy): replace both.
  resource.mergeOptions = lean;
  (require("@pulumi/pulumi") as { mergeOptions: MergeOptions }).mergeOptions = lean;
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
  const original = debuggable.debuggablePromise;
  debuggable.debuggablePromise = function debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
      // Read only by the leak report, which still names the operation (`_debugCtx`).
      (p as unknown as { _debugStackTrace: string })._debugStackTrace = "(not captured by the offline plan)";
    }
  };
}
