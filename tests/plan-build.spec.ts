/**
 * scripts/dist.js, the precompiled program behind `npm run plan` and Pulumi.yaml's main: it must never run stale
 * code. Run on a scratch copy (its own dist/) so the repository's dist/ is left alone.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../scripts/lib/plan";

describe("scripts/dist.js: dist/ is rebuilt when, and only when, a source changed", () => {
  let dir: string;
  const dist = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(dir, "scripts", "dist.js"), ...args], { cwd: dir, encoding: "utf8" });
  const runIndex = () =>
    execFileSync(process.execPath, [path.join(dir, "scripts", "dist.js"), "run", "index.ts"], {
      cwd: dir,
      encoding: "utf8",
    }).trim();

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-dist-"));
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.mkdirSync(path.join(dir, "components", "lib"), { recursive: true });
    fs.mkdirSync(path.join(dir, "policy"));
    fs.copyFileSync(path.join(ROOT, "scripts", "dist.js"), path.join(dir, "scripts", "dist.js"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "policy", "package.json"), '{"version": "9.9.9"}\n');
    fs.writeFileSync(path.join(dir, "components", "lib", "value.ts"), 'export const value: string = "one";\n');
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      'import { value } from "./components/lib/value";\nimport { version } from "./policy/package.json";\nconsole.log(value, version);\n',
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("builds, runs, and is a no-op when nothing changed", () => {
    assert.match(dist().stdout, /3 file\(s\) built/);
    assert.equal(runIndex(), "one 9.9.9");
    assert.match(dist().stdout, /0 file\(s\) built, 0 removed/);
    assert.equal(dist("--check").status, 0);
  });

  it("a changed source (same size, even with its old mtime) is rebuilt before it runs", () => {
    const file = path.join(dir, "components", "lib", "value.ts");
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, 'export const value: string = "two";\n');
    fs.utimesSync(file, mtime, new Date(mtime.getTime() + 1));
    const check = dist("--check");
    assert.equal(check.status, 1);
    assert.match(check.stderr, /stale.*components\/lib\/value\.ts/);
    assert.equal(runIndex(), "two 9.9.9");
  });

  it("a touched but unchanged file is not rebuilt; a deleted one loses its output", () => {
    const file = path.join(dir, "components", "lib", "value.ts");
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.match(dist().stdout, /0 file\(s\) built/);
    fs.writeFileSync(path.join(dir, "components", "gone.ts"), "export const x = 1;\n");
    assert.match(dist().stdout, /1 file\(s\) built/);
    assert.ok(fs.existsSync(path.join(dir, "dist", "components", "gone.js")));
    fs.rmSync(path.join(dir, "components", "gone.ts"));
    assert.match(dist().stdout, /1 removed/);
    assert.equal(fs.existsSync(path.join(dir, "dist", "components", "gone.js")), false);
  });

  it("maps are written beside the output but not linked (no source-map work when a stack is taken)", () => {
    const js = fs.readFileSync(path.join(dir, "dist", "index.js"), "utf8");
    assert.doesNotMatch(js, /sourceMappingURL/);
    assert.ok(fs.existsSync(path.join(dir, "dist", "index.js.map")));
  });

  it("a transpile error is reported with the file and line, and nothing runs", () => {
    fs.writeFileSync(path.join(dir, "components", "broken.ts"), "export const = ;\n");
    const r = spawnSync(process.execPath, [path.join(dir, "scripts", "dist.js"), "run", "index.ts"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /build failed: [\s\S]*components\/broken\.ts:1:/);
    fs.rmSync(path.join(dir, "components", "broken.ts"));
  });
});
