/**
 * DATABASE_AUTH in the backup CLI (scripts/backup/db-auth.ts). Unit: the exact usage errors, the aws argv, the token
 * endpoints' URLs and headers, the retry rule. Real: a PostgreSQL 16 whose backup login's password is a fake "token"
 * (scram-sha-256, so a connection without it is refused), a local HTTP server playing the GCP metadata server and
 * the Container Apps identity endpoint, and a fake `aws` on PATH; the CLI runs as its own process with no PGPASSWORD,
 * and wrappers around psql/pg_dump/pg_restore record each child's argv and PGPASSWORD: every child got the token in
 * its environment, fetched once per child, never in any argv and never in the CLI's output.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { runCli } from "../../scripts/backup/cli";
import { Cluster, tempRoot } from "../../scripts/backup/cluster";
import { BackupError } from "../../scripts/backup/crypto";
import {
  AZURE_POSTGRES_RESOURCE,
  authMode,
  awsTokenArgs,
  checkAuthEnv,
  connOverride,
  fetchToken,
  libpqEnv,
  tokenRequest,
} from "../../scripts/backup/db-auth";
import { findPgTools, type PgTools, query } from "../../scripts/backup/pg";

const ROOT = path.resolve(__dirname, "../..");

function usageError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BackupError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

async function rejects(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BackupError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.exitCode, 1);
    return true;
  });
}

describe("backup DATABASE_AUTH: modes and environment", () => {
  it("backup --help documents DATABASE_AUTH and each mode", async () => {
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => out.push(a.join(" "));
    try {
      assert.equal(await runCli(["--help"]), 0);
    } finally {
      console.log = log;
    }
    const help = out.join("\n");
    assert.match(help, /^Authentication \(dump, restore\): DATABASE_AUTH$/m);
    for (const mode of ["password (default)", "aws-rds-iam", "gcp-cloudsql-iam", "azure-entra"]) {
      assert.match(help, new RegExp(`^  ${mode.replace(/[()]/g, "\\$&")} +\\S`, "m"), mode);
    }
  });

  it("authMode: unset or empty is password; an unknown value is a usage error naming it", () => {
    assert.equal(authMode({}), "password");
    assert.equal(authMode({ DATABASE_AUTH: "" }), "password");
    assert.equal(authMode({ DATABASE_AUTH: "azure-entra" }), "azure-entra");
    usageError(
      () => authMode({ DATABASE_AUTH: "kerberos" }),
      'DATABASE_AUTH "kerberos": expected password, aws-rds-iam, gcp-cloudsql-iam, azure-entra',
    );
  });

  it("checkAuthEnv: password mode takes PGPASSWORD; a token mode refuses it and names the first missing variable", () => {
    assert.equal(checkAuthEnv({ PGPASSWORD: "x" }), "password");
    const aws = { DATABASE_AUTH: "aws-rds-iam", PGHOST: "db", PGUSER: "loom_backup", AWS_REGION: "eu-west-1" };
    assert.equal(checkAuthEnv(aws, "loom"), "aws-rds-iam");
    usageError(
      () => checkAuthEnv({ ...aws, PGPASSWORD: "old" }),
      "DATABASE_AUTH=aws-rds-iam fetches a token for each connection, but PGPASSWORD is also set: unset PGPASSWORD (or use DATABASE_AUTH=password)",
    );
    usageError(() => checkAuthEnv({ ...aws, PGHOST: "" }), "DATABASE_AUTH=aws-rds-iam: PGHOST is not set");
    usageError(
      () => checkAuthEnv({ ...aws, AWS_REGION: undefined }),
      "DATABASE_AUTH=aws-rds-iam: AWS_REGION is not set",
    );
    usageError(
      () => checkAuthEnv({ DATABASE_AUTH: "gcp-cloudsql-iam" }),
      "DATABASE_AUTH=gcp-cloudsql-iam: PGUSER is not set",
    );
    usageError(
      () =>
        checkAuthEnv({
          DATABASE_AUTH: "azure-entra",
          PGUSER: "id",
          IDENTITY_ENDPOINT: "http://localhost:42356/msi/token",
        }),
      "DATABASE_AUTH=azure-entra: IDENTITY_HEADER is not set",
    );
    usageError(() => checkAuthEnv({ ...aws, PGPORT: "5432x" }), 'PGPORT "5432x": expected a port number');
  });

  it("checkAuthEnv: a token mode refuses a --dbname that overrides host, port or user", () => {
    const gcp = { DATABASE_AUTH: "gcp-cloudsql-iam", PGUSER: "loom-backup@proj.iam" };
    usageError(
      () => checkAuthEnv(gcp, "host=10.0.0.5 dbname=loom"),
      "DATABASE_AUTH=gcp-cloudsql-iam: --dbname sets host, but the token is fetched for PGHOST, PGPORT and PGUSER: pass a database name and set those instead",
    );
    assert.equal(checkAuthEnv({ PGPASSWORD: "x" }, "host=db user=app dbname=loom"), "password");
    assert.equal(connOverride("loom"), undefined);
    assert.equal(connOverride("dbname=loom sslmode=verify-full"), undefined);
    assert.equal(connOverride("dbname=loom  user = app"), "user");
    assert.equal(connOverride("dbname=loom port=6432"), "port");
    assert.equal(connOverride("postgresql:///loom?sslmode=require"), undefined);
    assert.equal(connOverride("postgresql:///loom?sslmode=require&hostaddr=10.0.0.5"), "hostaddr");
    assert.equal(connOverride("postgres://app@db/loom"), 'a host or user in the URL ("app@db")');
  });

  it("awsTokenArgs: host, libpq's default port 5432 (or PGPORT), user and region", () => {
    const env = {
      PGHOST: "loom.proxy-abc.eu-west-1.rds.amazonaws.com",
      PGUSER: "loom_backup",
      AWS_REGION: "eu-west-1",
    };
    assert.deepEqual(awsTokenArgs(env), [
      "rds",
      "generate-db-auth-token",
      "--hostname",
      "loom.proxy-abc.eu-west-1.rds.amazonaws.com",
      "--port",
      "5432",
      "--username",
      "loom_backup",
      "--region",
      "eu-west-1",
    ]);
    assert.deepEqual(awsTokenArgs({ ...env, PGPORT: "6432" }).slice(4, 6), ["--port", "6432"]);
  });

  it("tokenRequest: the GCP metadata URL (GCE_METADATA_HOST overrides) and the Azure identity URL", () => {
    const gcp = tokenRequest("gcp-cloudsql-iam", {});
    assert.equal(
      gcp.url.href,
      "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
    );
    assert.deepEqual(gcp.headers, { "Metadata-Flavor": "Google" });
    assert.equal(
      tokenRequest("gcp-cloudsql-iam", { GCE_METADATA_HOST: "127.0.0.1:8080" }).url.href,
      "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token",
    );
    const env = { IDENTITY_ENDPOINT: "http://localhost:42356/msi/token", IDENTITY_HEADER: "h-123" };
    const system = tokenRequest("azure-entra", env);
    assert.equal(
      system.url.href,
      "http://localhost:42356/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fossrdbms-aad.database.windows.net",
    );
    assert.deepEqual(system.headers, { "X-IDENTITY-HEADER": "h-123" });
    const user = tokenRequest("azure-entra", { ...env, AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000abc" });
    assert.equal(user.url.searchParams.get("client_id"), "00000000-0000-0000-0000-000000000abc");
    assert.equal(user.url.searchParams.get("resource"), AZURE_POSTGRES_RESOURCE);
  });
});

/** A local server playing the GCP metadata server and the Container Apps identity endpoint. */
class TokenServer {
  readonly seen: { path: string; ok: boolean }[] = [];
  /** Statuses to answer the next requests with, before the normal 200s. */
  fail: number[] = [];
  private readonly srv: http.Server;
  port = 0;

  constructor(
    private readonly token: string,
    private readonly azure: { header: string; clientId: string },
  ) {
    this.srv = http.createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.srv.listen(0, "127.0.0.1", r));
    this.port = (this.srv.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.srv.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const q = url.searchParams;
    const gcp = url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token";
    const ok = gcp
      ? req.headers["metadata-flavor"] === "Google"
      : url.pathname === "/msi/token" &&
        req.headers["x-identity-header"] === this.azure.header &&
        q.get("api-version") === "2019-08-01" &&
        q.get("resource") === AZURE_POSTGRES_RESOURCE &&
        q.get("client_id") === this.azure.clientId;
    this.seen.push({ path: url.pathname, ok });
    const status = this.fail.shift() ?? (ok ? 200 : 400);
    if (status !== 200) {
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 403 ? "permission denied\n" : "oops\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ access_token: this.token, expires_in: 3599, token_type: "Bearer" }));
  }
}

describe("backup DATABASE_AUTH: token fetch and retry (local endpoints)", () => {
  const TOKEN = `ya29.fake-${crypto.randomBytes(16).toString("hex")}`;
  const azure = { header: "hdr-secret-1", clientId: "11111111-2222-3333-4444-555555555555" };
  const server = new TokenServer(TOKEN, azure);
  let gcpEnv: NodeJS.ProcessEnv;
  let azureEnv: NodeJS.ProcessEnv;
  before(async () => {
    await server.start();
    gcpEnv = { DATABASE_AUTH: "gcp-cloudsql-iam", PGUSER: "u", GCE_METADATA_HOST: `127.0.0.1:${server.port}` };
    azureEnv = {
      DATABASE_AUTH: "azure-entra",
      PGUSER: "u",
      IDENTITY_ENDPOINT: `http://127.0.0.1:${server.port}/msi/token`,
      IDENTITY_HEADER: azure.header,
      AZURE_CLIENT_ID: azure.clientId,
    };
  });
  after(() => server.stop());
  beforeEach(() => {
    server.seen.length = 0;
    server.fail = [];
  });

  it("libpqEnv adds the fetched token as PGPASSWORD to a copy; the caller's env is untouched", async () => {
    const env = await libpqEnv(gcpEnv);
    assert.equal(env.PGPASSWORD, TOKEN);
    assert.equal(gcpEnv.PGPASSWORD, undefined);
    assert.equal((await libpqEnv(azureEnv)).PGPASSWORD, TOKEN);
    assert.deepEqual(
      server.seen.map((s) => s.ok),
      [true, true],
    );
    const plain = { PGPASSWORD: "p" };
    assert.equal(await libpqEnv(plain), plain);
  });

  it("a 500 is retried once and then succeeds; two 500s fail naming the endpoint", async () => {
    server.fail = [500];
    assert.equal(await fetchToken("gcp-cloudsql-iam", gcpEnv), TOKEN);
    assert.equal(server.seen.length, 2);
    server.fail = [503, 500];
    await rejects(
      fetchToken("azure-entra", azureEnv),
      `azure-entra: GET http://127.0.0.1:${server.port}/msi/token returned 500: oops (after one retry)`,
    );
  });

  it("a 403 fails at once with the status and body, no retry, and never the header", async () => {
    server.fail = [403, 403];
    await rejects(
      fetchToken("azure-entra", azureEnv),
      `azure-entra: GET http://127.0.0.1:${server.port}/msi/token returned 403: permission denied`,
    );
    assert.equal(server.seen.length, 1);
  });

  it("the Azure endpoint refuses a wrong identity header (the server's check is live)", async () => {
    await rejects(
      fetchToken("azure-entra", { ...azureEnv, IDENTITY_HEADER: "wrong" }),
      `azure-entra: GET http://127.0.0.1:${server.port}/msi/token returned 400: oops`,
    );
  });

  it("a refused connection is retried once, then fails", async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    await rejects(
      fetchToken("gcp-cloudsql-iam", { ...gcpEnv, GCE_METADATA_HOST: `127.0.0.1:${port}` }),
      `gcp-cloudsql-iam: GET http://127.0.0.1:${port}/computeMetadata/v1/instance/service-accounts/default/token: connect ECONNREFUSED 127.0.0.1:${port} (after one retry)`,
    );
  });

  it("aws-rds-iam: a failing aws is retried once; a missing aws is final", async () => {
    const dir = fs.mkdtempSync(path.join(ROOT, ".tmp-aws-"));
    try {
      const count = path.join(dir, "count");
      fs.writeFileSync(
        path.join(dir, "aws"),
        `#!/bin/sh\necho x >> "${count}"\necho "An error occurred (ExpiredToken)" >&2\nexit 255\n`,
        { mode: 0o755 },
      );
      const env = { DATABASE_AUTH: "aws-rds-iam", PGHOST: "h", PGUSER: "u", AWS_REGION: "eu-west-1", PATH: dir };
      await rejects(
        fetchToken("aws-rds-iam", env),
        "aws-rds-iam: aws rds generate-db-auth-token exited 255: An error occurred (ExpiredToken) (after one retry)",
      );
      assert.equal(fs.readFileSync(count, "utf8"), "x\nx\n");
      await rejects(
        fetchToken("aws-rds-iam", { ...env, PATH: path.join(dir, "none") }),
        "aws-rds-iam: aws rds generate-db-auth-token failed: the aws CLI is not on PATH",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface CliRun {
  code: number;
  out: string;
}

/** Wrappers around psql/pg_dump/pg_restore that log each run's argv and PGPASSWORD, then exec the real tool. */
function wrapTools(real: PgTools, dir: string, log: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ["psql", "pg_dump", "pg_restore"]) {
    fs.writeFileSync(
      path.join(dir, name),
      `#!/bin/sh\n[ "$1" = --version ] || printf '%s\\t%s\\t%s\\n' "${name}" "\${PGPASSWORD:-<none>}" "$*" >> "${log}"\nexec "${path.join(real.bin, name)}" "$@"\n`,
      { mode: 0o755 },
    );
  }
}

describe("backup DATABASE_AUTH: real dump and restore with a token (PostgreSQL 16)", function () {
  this.timeout(300_000);
  const TOKEN = `tok.${crypto.randomBytes(24).toString("base64url")}`;
  const azure = { header: "hdr-secret-2", clientId: "66666666-7777-8888-9999-000000000000" };
  const server = new TokenServer(TOKEN, azure);
  const root = tempRoot(false);
  const log = path.join(root.dir, "tools.log");
  const awsLog = path.join(root.dir, "aws.log");
  const fakeBin = path.join(root.dir, "fakebin");
  let cluster: Cluster;
  let base: NodeJS.ProcessEnv;

  before(async function () {
    const tools = findPgTools(["pg_dump", "pg_restore", "psql", "initdb", "pg_ctl", "postgres"]);
    if ("missing" in tools) {
      console.log(`      skipped: ${tools.missing}`);
      this.skip();
    }
    await server.start();
    cluster = new Cluster(tools, path.join(root.dir, "pg", "data"));
    await cluster.init({ password_encryption: "scram-sha-256" });
    // The backup login needs its password (the token); the test's own superuser connection stays trust.
    fs.writeFileSync(
      path.join(cluster.dataDir, "pg_hba.conf"),
      "host all loom_backup 127.0.0.1/32 scram-sha-256\nhost all postgres 127.0.0.1/32 trust\n",
    );
    await cluster.start();
    await query(tools, cluster.conn(), `CREATE ROLE loom_backup LOGIN PASSWORD '${TOKEN}' IN ROLE pg_read_all_data;`);
    await query(tools, cluster.conn(), "CREATE DATABASE loom; CREATE DATABASE restored OWNER loom_backup;");
    await query(
      tools,
      cluster.conn("loom"),
      "CREATE TABLE prompts (id int PRIMARY KEY, body text); INSERT INTO prompts SELECT g, 'p' || g FROM generate_series(1, 250) g;",
    );
    wrapTools(tools, path.join(root.dir, "bin"), log);
    fs.mkdirSync(fakeBin);
    fs.writeFileSync(path.join(fakeBin, "aws"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${awsLog}"\necho "${TOKEN}"\n`, {
      mode: 0o755,
    });
    base = {
      PATH: `${fakeBin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin`,
      HOME: root.dir,
      LOOM_PG_BIN: path.join(root.dir, "bin"),
      PGHOST: "127.0.0.1",
      PGPORT: String(cluster.port),
      PGUSER: "loom_backup",
      PGCONNECT_TIMEOUT: "10",
      LOOM_TEST_KEY: crypto.randomBytes(32).toString("hex"),
    };
  });

  after(async () => {
    await server.stop();
    await cluster?.stop();
    root.remove();
  });

  beforeEach(() => {
    server.seen.length = 0;
    server.fail = [];
    fs.rmSync(log, { force: true });
  });

  /** The CLI as its own process (the token servers answer from this one, so never spawnSync). */
  function cli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "scripts/backup/cli.ts", ...argv],
        {
          cwd: ROOT,
          env: { ...base, ...env },
        },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
  }

  const store = (name: string) => path.join(root.dir, "stores", name);
  const dump = (env: NodeJS.ProcessEnv, name: string) =>
    cli(env, "dump", "--dbname", "loom", "--store", store(name), "--key-env", "LOOM_TEST_KEY", "--table", "prompts");

  /** The wrapped tools' runs: [tool, PGPASSWORD, argv]. */
  const runs = () =>
    fs
      .readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("\t") as [string, string, string]);

  function assertTokenOnlyInEnv(r: CliRun, tools: string[]): void {
    const got = runs();
    assert.deepEqual(
      got.map(([t]) => t),
      tools,
    );
    for (const [t, pw, argv] of got) {
      assert.equal(pw, TOKEN, `${t} did not get the token as PGPASSWORD`);
      assert.ok(!argv.includes(TOKEN), `${t} argv holds the token: ${argv}`);
      assert.match(argv, t === "psql" ? /^-X -w / : /^-w /, `${t} may prompt for a password: ${argv}`);
    }
    assert.ok(!r.out.includes(TOKEN), "the CLI printed the token");
  }

  // The session psql, pg_dump, the tables part's pg_dump: one fresh token each.
  const DUMP_TOOLS = ["psql", "pg_dump", "pg_dump"];

  it("without a token the backup login is refused (the token is what authenticates)", async () => {
    const r = await dump({}, "none");
    assert.equal(r.code, 1, r.out);
    // psql -w: libpq's own reason at once, never a prompt that would read the SQL on stdin as the password.
    assert.equal(
      r.out.trim(),
      `backup: psql session ended: psql: error: connection to server at "127.0.0.1", port ${cluster.port} failed: fe_sendauth: no password supplied`,
    );
  });

  it("gcp-cloudsql-iam: dump and restore connect with the metadata server's token", async () => {
    const env = { DATABASE_AUTH: "gcp-cloudsql-iam", GCE_METADATA_HOST: `127.0.0.1:${server.port}` };
    const d = await dump(env, "gcp");
    assert.equal(d.code, 0, d.out);
    assert.match(d.out, /^dumped loom-loom-\S+: .* \(250 rows in 1 tables\)/);
    assertTokenOnlyInEnv(d, DUMP_TOOLS);
    assert.deepEqual(
      server.seen,
      DUMP_TOOLS.map(() => ({ path: "/computeMetadata/v1/instance/service-accounts/default/token", ok: true })),
    );

    fs.rmSync(log, { force: true });
    server.seen.length = 0;
    const r = await cli(
      env,
      "restore",
      "--dbname",
      "restored",
      "--store",
      store("gcp"),
      "--key-env",
      "LOOM_TEST_KEY",
      "--no-owner",
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^restored loom-loom-\S+ into restored: .*, 250 rows match the manifest/);
    // The emptiness check's psql, pg_restore, the row check's psql.
    assertTokenOnlyInEnv(r, ["psql", "pg_restore", "psql"]);
    assert.equal(server.seen.length, 3);
  });

  it("azure-entra: dump connects with the identity endpoint's token for the user-assigned identity", async () => {
    const env = {
      DATABASE_AUTH: "azure-entra",
      IDENTITY_ENDPOINT: `http://127.0.0.1:${server.port}/msi/token`,
      IDENTITY_HEADER: azure.header,
      AZURE_CLIENT_ID: azure.clientId,
    };
    const d = await dump(env, "azure");
    assert.equal(d.code, 0, d.out);
    assertTokenOnlyInEnv(d, DUMP_TOOLS);
    assert.deepEqual(
      server.seen,
      DUMP_TOOLS.map(() => ({ path: "/msi/token", ok: true })),
    );
    assert.ok(!d.out.includes(azure.header), "the CLI printed the identity header");
  });

  it("aws-rds-iam: dump connects with the token `aws rds generate-db-auth-token` prints", async () => {
    fs.rmSync(awsLog, { force: true });
    const d = await dump({ DATABASE_AUTH: "aws-rds-iam", AWS_REGION: "eu-west-1" }, "aws");
    assert.equal(d.code, 0, d.out);
    assertTokenOnlyInEnv(d, DUMP_TOOLS);
    const argv = `rds generate-db-auth-token --hostname 127.0.0.1 --port ${cluster.port} --username loom_backup --region eu-west-1`;
    assert.deepEqual(
      fs.readFileSync(awsLog, "utf8").trim().split("\n"),
      DUMP_TOOLS.map(() => argv),
    );
  });

  it("a metadata server 500 once is retried and the dump succeeds", async () => {
    server.fail = [500];
    const d = await dump({ DATABASE_AUTH: "gcp-cloudsql-iam", GCE_METADATA_HOST: `127.0.0.1:${server.port}` }, "retry");
    assert.equal(d.code, 0, d.out);
    assert.equal(server.seen.length, DUMP_TOOLS.length + 1);
    assertTokenOnlyInEnv(d, DUMP_TOOLS);
  });

  it("a metadata server 403 fails the dump with the exact message, no retry, before any tool runs", async () => {
    server.fail = [403];
    const d = await dump(
      { DATABASE_AUTH: "gcp-cloudsql-iam", GCE_METADATA_HOST: `127.0.0.1:${server.port}` },
      "denied",
    );
    assert.equal(d.code, 1, d.out);
    assert.equal(
      d.out.trim(),
      `backup: gcp-cloudsql-iam: GET http://127.0.0.1:${server.port}/computeMetadata/v1/instance/service-accounts/default/token returned 403: permission denied`,
    );
    assert.equal(server.seen.length, 1);
    assert.equal(fs.existsSync(log), false);
  });

  it("a token mode with PGPASSWORD set is refused before anything connects (exit 2)", async () => {
    const d = await dump({ DATABASE_AUTH: "gcp-cloudsql-iam", PGPASSWORD: "stale" }, "both");
    assert.equal(d.code, 2, d.out);
    assert.equal(
      d.out.trim(),
      "backup: DATABASE_AUTH=gcp-cloudsql-iam fetches a token for each connection, but PGPASSWORD is also set: unset PGPASSWORD (or use DATABASE_AUTH=password)",
    );
    assert.equal(server.seen.length, 0);
  });
});
