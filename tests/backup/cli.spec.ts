/**
 * The operator CLI's argument handling, in-process (runCli): every usage error names the flag and value and exits 2,
 * --help prints each command's flags and exits 0. Nothing here needs PostgreSQL.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../scripts/backup/cli";
import { checkConnString } from "../../scripts/backup/pg";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await runCli(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("backup CLI: arguments", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-cli-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints the command list without a command (exit 2) and with --help (exit 0)", async () => {
    const none = await cli();
    assert.equal(none.code, 2);
    assert.match(none.out, /Commands:\n {2}dump/);
    const help = await cli("--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /Exit codes: 0 ok/);
  });

  for (const cmd of ["dump", "verify", "restore", "list", "config", "keygen"]) {
    it(`${cmd} --help prints its usage`, async () => {
      const r = await cli(cmd, "--help");
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`^usage: backup ${cmd} `));
    });
  }

  const cases: [string[], string][] = [
    [["frobnicate"], 'backup: unknown command "frobnicate"; expected dump, verify, restore, list, config or keygen'],
    [
      ["dump", "--dbname", "loom", "--store", "/tmp/x", "--table", "users", "--table", "Prompts"],
      'backup: --table "Prompts": a lower-case table name, optionally schema-qualified',
    ],
    [
      ["dump", "--dbname", "loom", "--store", "/tmp/x", "--config-env", "LOOM_H8_UNSET_FOR_TEST"],
      "backup: --config-env LOOM_H8_UNSET_FOR_TEST: the variable is not set",
    ],
    [
      ["restore", "--dbname", "loom", "--store", "/tmp/x", "--part", "config"],
      'backup: --part "config": expected tables',
    ],
    [["config"], "backup: config: --store is required (see backup config --help)"],
    [["dump", "--bogus"], "backup: dump: Unknown option '--bogus' (see backup dump --help)"],
    [["dump", "--store", "/tmp/x"], "backup: dump: --dbname is required (see backup dump --help)"],
    [["dump", "--dbname", "loom"], "backup: dump: --store is required (see backup dump --help)"],
    [
      ["dump", "--dbname", "postgresql://app:hunter2@db/loom", "--store", "/tmp/x"],
      "backup: --dbname: contains a password; put it in PGPASSWORD or a PGPASSFILE (from the secret store), never in argv",
    ],
    [
      ["dump", "--dbname", "loom", "--store", "/tmp/x", "--compress", "brotli"],
      'backup: --compress "brotli": expected 0-9, none, gzip[:N], lz4[:N] or zstd[:N]',
    ],
    [
      ["dump", "--dbname", "loom", "--store", "/tmp/x", "--prefix", "a/b"],
      'backup: --prefix "a/b": only letters, digits, _ and -',
    ],
    [
      ["dump", "--dbname", "loom", "--store", "s3://loom-backups/prod"],
      'backup: --store "s3://loom-backups/prod": the S3 (AWS) store is not implemented yet (local directories only for now)',
    ],
    [["verify"], "backup: verify: --store is required (see backup verify --help)"],
    [["restore", "--store", "/tmp/x"], "backup: restore: --dbname is required (see backup restore --help)"],
    [
      ["restore", "--dbname", "loom", "--store", "/tmp/x", "--force=yes"],
      /^backup: restore: Option '--force' does not take an argument/,
    ],
  ].map(([a, m]) => [a, m as string]) as [string[], string][];

  for (const [argv, message] of cases) {
    it(`${argv.join(" ")} → exit 2`, async () => {
      const r = await cli(...argv);
      assert.equal(r.code, 2, r.err);
      if (typeof message === "string") assert.equal(r.err, message);
      else assert.match(r.err, message);
    });
  }

  it("verify without any key source says how to give one (exit 2)", async () => {
    const saved = { f: process.env.LOOM_BACKUP_KEY_FILE, k: process.env.LOOM_BACKUP_KEY };
    delete process.env.LOOM_BACKUP_KEY_FILE;
    delete process.env.LOOM_BACKUP_KEY;
    try {
      const r = await cli("verify", "--store", dir);
      assert.equal(r.code, 2);
      assert.match(r.err, /no backup key: pass --key-file PATH or --key-env NAME/);
    } finally {
      if (saved.f !== undefined) process.env.LOOM_BACKUP_KEY_FILE = saved.f;
      if (saved.k !== undefined) process.env.LOOM_BACKUP_KEY = saved.k;
    }
  });

  it("keygen writes a 0600 hex key once and refuses to overwrite it", async () => {
    const file = path.join(dir, "k");
    assert.equal((await cli("keygen", "--out", file)).code, 0);
    assert.match(fs.readFileSync(file, "utf8"), /^[0-9a-f]{64}\n$/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const again = await cli("keygen", "--out", file);
    assert.equal(again.code, 2);
    assert.equal(again.err, `backup: --out "${file}": cannot create (EEXIST)`);
  });

  it("list on an empty store says so", async () => {
    const r = await cli("list", "--store", path.join(dir, "none"));
    assert.equal(r.code, 0);
    assert.match(r.out, /^no backups in file:\/\//);
  });

  it("accepts connection strings without a password", () => {
    for (const ok of ["loom", "postgresql://app@db:5432/loom", "host=db dbname=loom user=app sslmode=require"]) {
      checkConnString("--dbname", ok);
    }
    assert.throws(() => checkConnString("--dbname", "host=db password=x"), /contains a password/);
  });
});
