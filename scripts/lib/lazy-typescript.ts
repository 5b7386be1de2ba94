/**
 * Plan-only: @pulumi/pulumi loads the whole TypeScript compiler (9 MB of JS) at start-up, through
 * `runtime/closure/parseFunction.js`, only to serialize functions (dynamic providers, `serializeFunction`), which
 * the program never does. This makes `@pulumi/pulumi/typescript-shim` a proxy that loads the compiler on first use.
 * Must be imported before anything imports @pulumi/pulumi (first import of scripts/plan.ts).
 */
import Module from "node:module";

const shim = require.resolve("@pulumi/pulumi/typescript-shim");
if (!require.cache[shim]) {
  let real: object | undefined;
  const load = () => {
    real ??= require("typescript") as object;
    return real;
  };
  const lazy = new Proxy(
    {},
    {
      get: (_t, p) => (p === "__esModule" ? undefined : Reflect.get(load(), p)),
      has: (_t, p) => Reflect.has(load(), p),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_t, p) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), p);
        return d ? { ...d, configurable: true } : undefined;
      },
    },
  );
  const m = new Module(shim);
  m.filename = shim;
  m.loaded = true;
  m.exports = lazy;
  require.cache[shim] = m;
}
