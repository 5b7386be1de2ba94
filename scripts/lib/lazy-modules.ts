/**
 * Plan-only: modules @pulumi/pulumi loads at start-up for features the program never uses under the mock engine.
 * Each becomes a proxy in `require.cache` that loads the real module on first use, so nothing changes if one is
 * used after all. Must be imported before anything imports @pulumi/pulumi (first import of scripts/plan.ts). The
 * real engine (pulumi-main.js, `pulumi up`) does not load this file.
 *
 * - `@pulumi/pulumi/typescript-shim`: the whole TypeScript compiler (9 MB of JS), through
 *   `runtime/closure/parseFunction.js`, only to serialize functions (dynamic providers, `serializeFunction`).
 * - `@pulumi/pulumi/automation`: the Automation API (workspaces, the CLI wrapper), which `@pulumi/pulumi/index.js`
 *   loads eagerly for `pulumi.automation`. A program run by the engine never drives the engine.
 * - `@npmcli/arborist`: npm's dependency-tree library (with pacote, cacache, sigstore…), which
 *   `runtime/closure/codePaths.js` loads to find the packages a serialized function needs — function serialization
 *   again. Together with the Automation API it was ≈ 0.5 s of CPU at every plan's start (issue 11/12, item 7).
 * - `normalize-package-data` (with validate-npm-package-license, spdx-correct, hosted-git-info), which the same
 *   `codePaths.js` loads for the same purpose: spdx-correct alone sorts its license tables at load (≈ 60-80 ms).
 * - zod's `locales` (≈ 50 translation modules, all loaded by `zod`'s index for `z.locales`): settings and the pack
 *   report in English, which zod configures from its own `en` module.
 */
import Module from "node:module";

/**
 * Put a lazy proxy for `id` in the module cache. `esModule`: the importer reads it through TypeScript's
 * `__importStar`, which returns an `__esModule` object as is (and would otherwise copy every export at once).
 */
export function lazyModule(id: string, opts: { esModule: boolean }): void {
  const file = require.resolve(id);
  lazyFile(file, opts);
}

/** {@link lazyModule} for a file the package's `exports` does not name (loaded by a relative require inside it). */
export function lazyFile(file: string, opts: { esModule: boolean }): void {
  if (require.cache[file]) return;
  let real: object | undefined;
  const load = (): object => {
    if (real === undefined) {
      // Load the real file through a fresh module so the proxy stays in the cache for everyone else.
      const m = new Module(file);
      m.filename = file;
      m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
        require("node:path").dirname(file),
      );
      (m as unknown as { load(file: string): void }).load(file);
      real = m.exports as object;
    }
    return real;
  };
  const lazy = new Proxy(
    {},
    {
      get: (_t, p) => (p === "__esModule" ? (opts.esModule ? true : undefined) : Reflect.get(load(), p)),
      has: (_t, p) => Reflect.has(load(), p),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_t, p) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), p);
        return d ? { ...d, configurable: true } : undefined;
      },
    },
  );
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = lazy;
  require.cache[file] = m;
}

lazyModule("@pulumi/pulumi/typescript-shim", { esModule: false });
lazyModule("@pulumi/pulumi/automation", { esModule: true });
lazyModule("@npmcli/arborist", { esModule: true });
lazyModule("normalize-package-data", { esModule: false });
lazyFile(
  require("node:path").join(require("node:path").dirname(require.resolve("zod")), "v4", "locales", "index.cjs"),
  {
    esModule: true,
  },
);
