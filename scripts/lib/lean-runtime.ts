/**
 * Plan-only trims of two stack traces @pulumi/pulumi formats for every resource and every promise, which the mock
 * engine never reads. Measured on a prod AWS plan they were a fifth of its CPU (issue 8, item 7). The real engine
 * (pulumi-main.js, `pulumi up`) does not load this file: there, the source position is shown by the CLI.
 *
 * - `Resource.callsites()` takes an unbounded `new Error().stack` per resource to send the engine its source
 *   position; the mock monitor drops it. In the plan it returns no frames.
 * - `debuggablePromise()` formats `new Error().stack` per promise for the "promise leaked" report at exit. Here it
 *   captures none (even capturing unformatted frames cost ≈ 6 % of the plan); the report still names the operation.
 */
import * as pulumi from "@pulumi/pulumi";

interface Debuggable {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}

let applied = false;

export function leanRuntimeForPlan(): void {
  if (applied) return;
  applied = true;
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
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
