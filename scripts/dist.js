#!/usr/bin/env node
/**
 * The precompiled program: every TypeScript source that runs at plan or deploy time (index.ts, components/,
 * policy/, scripts/ except the Go engine) transpiled file by file with esbuild into the git-ignored dist/, same
 * layout, CommonJS. Plain JS on purpose: it must run before anything is compiled.
 *
 *   node scripts/dist.js                 build what changed (a no-op in a few ms when nothing did)
 *   node scripts/dist.js --check         exit 1 and name the stale files instead of building
 *   node scripts/dist.js run <file.ts> … build what changed, then run dist/<file>.js in this process
 *   require("./dist").requireBuilt("index.ts")   the same from code (pulumi-main.js, Pulumi.yaml's main)
 *
 * Never stale: every call compares each source's size and mtime with dist/.manifest.json, and re-hashes the
 * content when they differ; a changed file is re-transpiled, a deleted one loses its output, a new esbuild version
 * or option rebuilds everything. Types are not checked here (that is `npm run typecheck`), exactly as with
 * `ts-node/register/transpile-only` before.
 *
 * Source maps are written beside each file (`.js.map`) but NOT linked from it: nothing maps stack traces on the hot
 * path (Pulumi captures a stack per resource). scripts/lib/stack-map.ts maps a crash's trace on demand.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "dist");
const MANIFEST = path.join(OUT, ".manifest.json");
/** What is compiled: files, and directories walked for *.ts (not *.d.ts). */
const SOURCES = ["index.ts", "components", "policy", "scripts", "deployments"];
/** Never compiled: dependencies, the Go engine (and its tests), anything generated. */
const SKIP_DIRS = new Set(["node_modules", "dist", "engine", ".git"]);
/** JSON files the compiled code imports (resolveJsonModule), copied beside their importers. */
const ASSETS = ["policy/package.json"];
/** esbuild options; part of the manifest, so changing one rebuilds everything. */
const OPTIONS = { format: "cjs", platform: "node", target: "node20", sourcemap: "external", logLevel: "silent" };

function walk(rel, out) {
  const abs = path.join(ROOT, rel);
  let st;
  try {
    st = fs.statSync(abs);
  } catch {
    return out;
  }
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(abs)) {
      if (SKIP_DIRS.has(name) && rel !== ".") continue;
      walk(path.join(rel, name), out);
    }
  } else if ((rel.endsWith(".ts") && !rel.endsWith(".d.ts")) || ASSETS.includes(rel)) {
    out.set(rel, st);
  }
  return out;
}

function readManifest(key) {
  try {
    const m = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
    if (m.key === key && m.files && typeof m.files === "object") return m;
  } catch {
    // no manifest yet, or unreadable: rebuild everything
  }
  return { key, files: {} };
}

const hash = (abs) => crypto.createHash("sha1").update(fs.readFileSync(abs)).digest("hex");
const outputOf = (rel) => path.join(OUT, rel.endsWith(".ts") ? rel.replace(/\.ts$/, ".js") : rel);

/** Which sources differ from what dist/ was built from, and which outputs belong to deleted sources. */
function diff() {
  let esbuildVersion = "missing";
  try {
    esbuildVersion = require("esbuild/package.json").version;
  } catch {
    // checked below when something must be built
  }
  const key = JSON.stringify({ esbuildVersion, OPTIONS, node: process.versions.node.split(".")[0] });
  const manifest = readManifest(key);
  const sources = new Map();
  for (const s of SOURCES) walk(s, sources);
  const changed = [];
  for (const [rel, st] of sources) {
    const seen = manifest.files[rel];
    if (seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs && fs.existsSync(outputOf(rel))) continue;
    const sha = hash(path.join(ROOT, rel));
    if (seen && seen.sha === sha && fs.existsSync(outputOf(rel))) {
      manifest.files[rel] = { ...seen, size: st.size, mtimeMs: st.mtimeMs };
      manifest.touched = true;
      continue;
    }
    changed.push({ rel, size: st.size, mtimeMs: st.mtimeMs, sha });
  }
  const deleted = Object.keys(manifest.files).filter((rel) => !sources.has(rel));
  return { manifest, changed, deleted, esbuildVersion };
}

function writeManifest(manifest) {
  delete manifest.touched;
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = `${MANIFEST}.${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(manifest)}\n`);
  fs.renameSync(tmp, MANIFEST);
}

/** Bring dist/ up to date. Returns what was done; throws with a readable message if it cannot. */
function build() {
  const { manifest, changed, deleted, esbuildVersion } = diff();
  for (const rel of deleted) {
    for (const f of [outputOf(rel), `${outputOf(rel)}.map`]) fs.rmSync(f, { force: true });
    delete manifest.files[rel];
  }
  const ts = changed.filter((c) => c.rel.endsWith(".ts"));
  if (ts.length > 0) {
    if (esbuildVersion === "missing") {
      throw new Error("dist/ is out of date and esbuild is not installed: run `npm ci` (devDependencies included)");
    }
    const esbuild = require("esbuild");
    const result = esbuild.buildSync({
      ...OPTIONS,
      absWorkingDir: ROOT,
      entryPoints: ts.map((c) => c.rel),
      outdir: OUT,
      outbase: ROOT,
      bundle: false,
      write: true,
    });
    if (result.errors.length > 0) {
      throw new Error(result.errors.map((e) => `${e.location?.file}:${e.location?.line}: ${e.text}`).join("\n"));
    }
  }
  for (const c of changed) {
    if (!c.rel.endsWith(".ts")) {
      fs.mkdirSync(path.dirname(outputOf(c.rel)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, c.rel), outputOf(c.rel));
    }
    manifest.files[c.rel] = { size: c.size, mtimeMs: c.mtimeMs, sha: c.sha };
  }
  if (changed.length > 0 || deleted.length > 0 || manifest.touched) writeManifest(manifest);
  return { built: changed.map((c) => c.rel), removed: deleted };
}

/** Build if needed, then require dist/<rel>.js (rel is the .ts source path relative to the repo). */
function requireBuilt(rel) {
  build();
  return require(outputOf(rel));
}

function main(argv) {
  if (argv[0] === "--check") {
    const { changed, deleted } = diff();
    const stale = [...changed.map((c) => c.rel), ...deleted.map((d) => `${d} (deleted)`)];
    if (stale.length === 0) return 0;
    console.error(`dist/ is stale (run \`node scripts/dist.js\`): ${stale.join(", ")}`);
    return 1;
  }
  if (argv[0] === "run") {
    const [, script, ...rest] = argv;
    if (!script || !script.endsWith(".ts")) {
      console.error("usage: node scripts/dist.js run <file.ts> [args…]");
      return 2;
    }
    try {
      build();
    } catch (e) {
      console.error(`build failed: ${e.message}`);
      return 2;
    }
    const entry = outputOf(path.relative(ROOT, path.resolve(script)));
    // The script sees the arguments as if it had been started as `node dist/<file>.js …`.
    process.argv = [process.argv[0], entry, ...rest];
    require(entry);
    return undefined;
  }
  const t0 = process.hrtime.bigint();
  const { built, removed } = build();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`dist/: ${built.length} file(s) built, ${removed.length} removed (${ms.toFixed(0)} ms)`);
  return 0;
}

module.exports = { build, diff, requireBuilt, outputOf, ROOT, OUT };

if (require.main === module) {
  const code = main(process.argv.slice(2));
  if (code !== undefined) process.exitCode = code;
}
