/**
 * The Kubernetes job's own script (components/backups/job-script.ts) end to end: `sh -ec` of exactly what the CronJob
 * runs, on a real PostgreSQL 16, with the CLI bundled as the image bundles it, and `aws` replaced by a local stand-in
 * (tests/backup/fixtures/fake-aws.js). Three runs: the first has no previous backup (ratio 1), the second the same
 * data (ratio 1), the third after most rows are deleted — uploaded completely, then exit 6. Every set carries the
 * tables and config parts. Skipped without the PostgreSQL 16 tools (`bash scripts/backup/install-pg.sh`).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { jobScript, SIZE_DROP_EXIT_CODE } from "../../components/backups/job-script";
import { Cluster, tempRoot } from "../../scripts/backup/cluster";
import { datasetSql, shapeFor } from "../../scripts/backup/dataset";
import type { Manifest } from "../../scripts/backup/manifest";
import { findPgTools, type PgTools, query, run, tool } from "../../scripts/backup/pg";

const BUCKET_URL = "s3://acme-loom-backups/loom-prod/logical/";
const CONFIG = JSON.stringify({ format: "loom-stack-config/1", stack: "prod", cloud: "kubernetes" });

describe("backup job script (real PostgreSQL, local stand-in for aws s3)", function () {
  this.timeout(300_000);
  let tmp: { dir: string; remove: () => void };
  let cluster: Cluster;
  const runs: { status: number | null; stderr: string }[] = [];
  let manifests: Manifest[] = [];
  let objects: string[] = [];

  before(async function () {
    const found = findPgTools(["pg_dump", "pg_restore", "psql", "initdb", "pg_ctl", "postgres"]);
    if ("missing" in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    const t = found as PgTools;
    tmp = tempRoot(false);
    cluster = new Cluster(t, path.join(tmp.dir, "data"));
    await cluster.init({});
    await cluster.start();
    await query(t, cluster.conn(), "CREATE DATABASE loom;");
    await run(tool(t, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", cluster.conn("loom")], {
      input: datasetSql(shapeFor(20_000)),
    });
    const bin = path.join(tmp.dir, "bin");
    fs.mkdirSync(bin);
    const esbuild = require("esbuild") as typeof import("esbuild");
    esbuild.buildSync({
      entryPoints: [path.resolve(__dirname, "../../scripts/backup/cli.ts")],
      bundle: true,
      platform: "node",
      outfile: path.join(bin, "backup.js"),
      logLevel: "error",
    });
    fs.writeFileSync(path.join(bin, "loom-backup"), `#!/bin/sh\nexec node ${bin}/backup.js "$@"\n`, { mode: 0o755 });
    fs.symlinkSync(path.resolve(__dirname, "fixtures/fake-aws.js"), path.join(bin, "aws"));
    const script = jobScript({
      prefix: "loom-loom",
      destinations: [{ url: BUCKET_URL }],
      sizeDropExit: true,
      tables: ["prompt_library", "users"],
      configEnv: "LOOM_BACKUP_CONFIG",
    });
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_S3: path.join(tmp.dir, "s3"),
      PGDATABASE: cluster.conn("loom"),
      LOOM_PG_BIN: t.bin,
      LOOM_BACKUP_KEY: crypto.randomBytes(32).toString("hex"),
      LOOM_BACKUP_CONFIG: CONFIG,
    };
    const job = async () => {
      const r = spawnSync("/bin/sh", ["-ec", script], { env, encoding: "utf8" });
      runs.push({ status: r.status, stderr: r.stderr });
      await new Promise((resolve) => setTimeout(resolve, 1100)); // backup ids are per second
    };
    await job();
    await job();
    await query(t, cluster.conn("loom"), "DELETE FROM review_comments; DELETE FROM reviews; VACUUM FULL;");
    await job();
    const bucket = path.join(tmp.dir, "s3", BUCKET_URL.replace("s3://", ""));
    objects = fs.readdirSync(bucket).sort();
    manifests = objects
      .filter((n) => n.endsWith(".manifest.json"))
      .map((n) => JSON.parse(fs.readFileSync(path.join(bucket, n), "utf8")) as Manifest);
  });

  after(() => {
    cluster?.stopSync();
    tmp?.remove();
  });

  it("succeeds twice, then uploads the shrunken backup completely and exits 6", () => {
    assert.deepEqual(
      runs.map((r) => r.status),
      [0, 0, SIZE_DROP_EXIT_CODE],
      runs.map((r) => r.stderr).join("\n"),
    );
    assert.match(
      runs[2]?.stderr ?? "",
      /backup uploaded, but its size is 0\.\d+ of the previous one's \(under 0\.5\): exit 6/,
    );
    assert.equal(manifests.length, 3);
    for (const m of manifests) {
      for (const o of [m.object, ...(m.parts ?? []).map((p) => p.object)]) assert.ok(objects.includes(o), o);
    }
  });

  it("compares each backup with the bucket's latest manifest before it", () => {
    const [first, second, third] = manifests as [Manifest, Manifest, Manifest];
    assert.equal(first.previous, undefined);
    assert.equal(first.sizeRatio, 1);
    assert.deepEqual(second.previous, { id: first.id, sizeBytes: first.sizeBytes });
    assert.ok(Math.abs((second.sizeRatio ?? 0) - 1) < 0.05, String(second.sizeRatio));
    assert.deepEqual(third.previous, { id: second.id, sizeBytes: second.sizeBytes });
    assert.ok((third.sizeRatio ?? 1) < 0.5, String(third.sizeRatio));
  });

  it("writes the tables part and the configuration part into every set", () => {
    for (const m of manifests) {
      assert.deepEqual(
        (m.parts ?? []).map((p) => [p.name, p.object, p.tables]),
        [
          ["tables", `${m.id}.tables.dump.enc`, ["prompt_library", "users"]],
          ["config", `${m.id}.config.json.enc`, undefined],
        ],
      );
    }
  });
});
