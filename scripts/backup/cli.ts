/**
 * npm run backup -- <dump|verify|restore|list|keygen> [flags]      (node -r ts-node/register/transpile-only scripts/backup/cli.ts)
 *
 * The operator's (and the scheduled job's) entry point to scripts/backup/backup.ts. `<command> --help` for each.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { dump, list, restore, verify } from "./backup";
import { BackupError, EXIT, loadKey } from "./crypto";
import { checkAuthEnv } from "./db-auth";
import { checkConfig, checkTables, readConfig } from "./parts";
import { checkConnString, requirePgTools } from "./pg";
import { openStore } from "./store";

const KEY_HELP = `  --key-file PATH      file holding the 32-byte key (raw, hex or base64), e.g. where the secret store mounts it
  --key-env NAME       name of the environment variable holding the key (the value never goes in argv)
                       default: the file in $LOOM_BACKUP_KEY_FILE, else $LOOM_BACKUP_KEY`;

const EXIT_HELP = `Exit codes: 0 ok · 1 failed (PostgreSQL tool, store, I/O) · 2 usage (bad flag or value; the message names it)
            3 integrity (tampered, truncated, corrupted, manifest modified) · 4 wrong key · 5 refused (non-empty target)`;

const STORE_HELP = `  --store DIR|URL      backup store: a directory or file:// URL (s3://, gs://, azblob:// reserved, not yet built)`;

const AUTH_HELP = `Authentication (dump, restore): DATABASE_AUTH
  password (default)   libpq as configured: PGPASSWORD or PGPASSFILE
  aws-rds-iam          RDS IAM: \`aws rds generate-db-auth-token\` for PGHOST, PGPORT (default 5432), PGUSER in
                       AWS_REGION, with the job's AWS credentials
  gcp-cloudsql-iam     Cloud SQL IAM: the service account's access token from the metadata server
                       (GCE_METADATA_HOST, default metadata.google.internal); PGUSER is the IAM database user
  azure-entra          Microsoft Entra: a token for Azure Database for PostgreSQL from the Container Apps managed
                       identity (IDENTITY_ENDPOINT, IDENTITY_HEADER; AZURE_CLIENT_ID picks a user-assigned identity)
A token mode fetches a fresh token before each pg_dump, psql and pg_restore and passes it to that tool alone as its
PGPASSWORD (never argv, never logged); PGUSER is required, a PGPASSWORD beside a token mode is refused, and
--dbname must not set host, hostaddr, port or user (the token is for PGHOST, PGPORT and PGUSER). Fetches are tried
twice (an HTTP 5xx/429, a network error or a failed aws run); an HTTP 4xx or a missing aws CLI fails at once (exit 1).`;

const HELP: Record<string, string> = {
  main: `usage: backup <command> [flags]

Encrypted logical backups of the Loom database (pg_dump -Fc → AES-256-GCM → sha256 manifest → store).

Commands:
  dump      back up a database into the store, write its manifest and the Prometheus textfile
  verify    check a backup (manifest MAC, key, size, sha256, every GCM tag) without touching any database
  restore   verify, then restore into an existing, empty database (refuses a non-empty one without --force)
  list      list the backups in the store
  config    verify a backup's configuration part and print it (the stack's non-secret settings)
  keygen    write a new random 32-byte key file (mode 0600) for a test or a first setup

Run 'backup <command> --help' for its flags. Connection settings come from --dbname and the libpq environment
(PGHOST, PGPORT, PGUSER, PGPASSWORD or PGPASSFILE, PGSSLMODE); a password is never accepted in argv.

${AUTH_HELP}

${EXIT_HELP}`,
  dump: `usage: backup dump --dbname DB --store DIR [--key-file PATH | --key-env NAME] [flags]

  --dbname DB          database name, conninfo ("host=… dbname=…") or postgresql:// URL without a password
${STORE_HELP}
${KEY_HELP}
  --prefix NAME        backup id prefix (default loom-<database>); the id adds a UTC timestamp
  --compress SPEC      pg_dump --compress: 0-9, none, gzip[:N], lz4[:N] or zstd[:N] (default zstd)
  --metrics-file PATH  Prometheus textfile to write on success (default $LOOM_BACKUP_METRICS_FILE, else none):
                       loom_backup_last_success_timestamp_seconds, loom_backup_size_bytes, loom_backup_size_ratio, …
  --previous-manifest PATH
                       the previous backup's manifest (the job downloads the bucket's latest): the size ratio
                       (size / previous size) goes into the manifest and the metrics; a missing file = ratio 1
  --table NAME         also export this table on its own (repeatable; loom:backup.tables): one pg_dump -Fc -t … of
                       those tables in the same snapshot, the "tables" part, restorable alone (restore --part tables)
  --config-env NAME    environment variable holding the stack's non-secret settings (a JSON object): the "config"
                       part (the value never goes in argv)
  --config-file PATH   the same, from a file
  --json               print the manifest as JSON instead of a summary line

${EXIT_HELP}`,
  verify: `usage: backup verify --store DIR [--backup ID|latest] [--key-file PATH | --key-env NAME]

Checks, before any restore and with no database: the manifest's key id (wrong key → exit 4) and MAC, the object's
size (truncation), its sha256 and every chunk's AES-256-GCM tag in one read, and that it decrypts to a pg_dump archive.

${STORE_HELP}
  --backup ID          backup id as printed by list, or latest (default latest)
${KEY_HELP}

${EXIT_HELP}`,
  restore: `usage: backup restore --store DIR --dbname TARGET [--backup ID|latest] [--force] [flags]

Verifies the backup first (as verify), then restores it into TARGET, which must exist and be empty: a target with
any table, view or sequence is refused (exit 5) unless --force, which restores over it (pg_restore --clean --if-exists).
Afterwards every table's row count is compared with the manifest.

  --dbname TARGET      target database (name, conninfo or URL without a password); create it first
${STORE_HELP}
  --backup ID          backup id as printed by list, or latest (default latest)
${KEY_HELP}
  --force              restore into a non-empty database
  --part tables        restore only the backup's tables part (the configured tables, e.g. the prompt library alone)
  --no-owner           do not restore object ownership (target cluster with other role names)
  --no-row-check       skip the row-count comparison after the restore

${EXIT_HELP}`,
  list: `usage: backup list --store DIR [--json]

Lists the backups whose manifests are in the store, oldest first (no key needed: nothing is verified).

${STORE_HELP}
  --json               print the manifests as a JSON array

${EXIT_HELP}`,
  config: `usage: backup config --store DIR [--backup ID|latest] [--key-file PATH | --key-env NAME]

Verifies the backup (as verify, every part included) and prints its configuration part: the stack's non-secret
settings when the backup was taken (exit 1 if the backup has none).

${STORE_HELP}
  --backup ID          backup id as printed by list, or latest (default latest)
${KEY_HELP}

${EXIT_HELP}`,
  keygen: `usage: backup keygen --out PATH

Writes 32 random bytes as 64 hex characters to PATH with mode 0600 (refuses to overwrite). In the clouds the key lives
in the secret store and is mounted as a file or injected as an environment variable for the job.

  --out PATH           key file to create

${EXIT_HELP}`,
};

const KEY_OPTS = { "key-file": { type: "string" }, "key-env": { type: "string" } } as const;
const OPTIONS = {
  dump: {
    dbname: { type: "string" },
    store: { type: "string" },
    prefix: { type: "string" },
    compress: { type: "string" },
    "metrics-file": { type: "string" },
    "previous-manifest": { type: "string" },
    table: { type: "string", multiple: true },
    "config-env": { type: "string" },
    "config-file": { type: "string" },
    json: { type: "boolean" },
    ...KEY_OPTS,
  },
  verify: { store: { type: "string" }, backup: { type: "string" }, ...KEY_OPTS },
  restore: {
    dbname: { type: "string" },
    store: { type: "string" },
    backup: { type: "string" },
    force: { type: "boolean" },
    "no-owner": { type: "boolean" },
    "no-row-check": { type: "boolean" },
    part: { type: "string" },
    ...KEY_OPTS,
  },
  config: { store: { type: "string" }, backup: { type: "string" }, ...KEY_OPTS },
  list: { store: { type: "string" }, json: { type: "boolean" } },
  keygen: { out: { type: "string" } },
} as const;

type Command = keyof typeof OPTIONS;
type Values = Record<string, string | string[] | boolean | undefined>;

const usage = (msg: string) => new BackupError(msg, EXIT.usage);

function required(cmd: string, v: Values, flag: string): string {
  const value = v[flag];
  if (typeof value !== "string" || value === "")
    throw usage(`${cmd}: --${flag} is required (see backup ${cmd} --help)`);
  return value;
}

function parse(cmd: Command, argv: string[]): Values | undefined {
  let parsed: { values: Values };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...OPTIONS[cmd], help: { type: "boolean", short: "h" } },
      strict: true,
    }) as unknown as {
      values: Values;
    };
  } catch (e) {
    throw usage(`${cmd}: ${(e as Error).message.replace(/\. To specify.*$/s, "")} (see backup ${cmd} --help)`);
  }
  if (parsed.values.help) {
    console.log(HELP[cmd]);
    return undefined;
  }
  return parsed.values;
}

/** The configuration part's JSON: from the named environment variable or a file, never from argv. */
function configOf(v: Values): string | undefined {
  const env = v["config-env"] as string | undefined;
  const file = v["config-file"] as string | undefined;
  if (env !== undefined && file !== undefined) throw usage("--config-env and --config-file: give one");
  let text: string | undefined;
  if (env !== undefined) {
    text = process.env[env];
    if (text === undefined || text === "") throw usage(`--config-env ${env}: the variable is not set`);
  } else if (file !== undefined) {
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw usage(`--config-file "${file}": cannot read (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  if (text !== undefined) checkConfig(text, env !== undefined ? `--config-env ${env}` : `--config-file "${file}"`);
  return text;
}

function partOf(v: Values): boolean {
  const part = v.part as string | undefined;
  if (part !== undefined && part !== "tables") throw usage(`--part "${part}": expected tables`);
  return part === "tables";
}

const COMPRESS = /^(\d|none|(gzip|lz4|zstd)(:\d{1,2})?)$/;
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(HELP.main);
    return cmd ? EXIT.ok : EXIT.usage;
  }
  if (!(cmd in OPTIONS)) {
    throw usage(`unknown command "${cmd}"; expected dump, verify, restore, list, config or keygen`);
  }
  const v = parse(cmd as Command, rest);
  if (!v) return EXIT.ok;
  const keyOpts = () =>
    loadKey({ keyFile: v["key-file"] as string | undefined, keyEnv: v["key-env"] as string | undefined });
  switch (cmd as Command) {
    case "dump": {
      const dbname = required(cmd, v, "dbname");
      checkConnString("--dbname", dbname);
      checkAuthEnv(process.env, dbname);
      const store = openStore(required(cmd, v, "store"));
      const compress = v.compress as string | undefined;
      if (compress !== undefined && !COMPRESS.test(compress)) {
        throw usage(`--compress "${compress}": expected 0-9, none, gzip[:N], lz4[:N] or zstd[:N]`);
      }
      const prefix = v.prefix as string | undefined;
      if (prefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(prefix)) {
        throw usage(`--prefix "${prefix}": only letters, digits, _ and -`);
      }
      const tables = (v.table as string[] | undefined) ?? [];
      checkTables(tables);
      const config = configOf(v);
      const key = keyOpts();
      const metricsFile = (v["metrics-file"] as string | undefined) ?? process.env.LOOM_BACKUP_METRICS_FILE;
      const previousManifest = v["previous-manifest"] as string | undefined;
      const r = await dump({
        tools: requirePgTools(),
        dbname,
        store,
        key,
        prefix,
        compress,
        metricsFile,
        previousManifest,
        tables,
        config,
      });
      if (v.json) console.log(JSON.stringify(r.manifest, null, 2));
      else {
        const m = r.manifest;
        console.log(
          `dumped ${m.id}: ${mib(m.sizeBytes)} (${m.totalRows} rows in ${m.tables.length} tables) to ${store.url} in ${r.seconds.toFixed(2)} s, sha256 ${m.sha256}, size ratio ${m.sizeRatio ?? 1}${m.previous ? ` vs ${m.previous.id}` : ""}`,
        );
      }
      return EXIT.ok;
    }
    case "verify": {
      const store = openStore(required(cmd, v, "store"));
      const r = await verify(store, (v.backup as string | undefined) ?? "latest", keyOpts());
      console.log(
        `verified ${r.manifest.id}: key ${r.manifest.encryption.keyId}, manifest MAC, ${r.manifest.sizeBytes} bytes, sha256 ${r.manifest.sha256}, every GCM tag (${r.seconds.toFixed(2)} s)`,
      );
      return EXIT.ok;
    }
    case "restore": {
      const dbname = required(cmd, v, "dbname");
      const part = partOf(v);
      checkConnString("--dbname", dbname);
      checkAuthEnv(process.env, dbname);
      const store = openStore(required(cmd, v, "store"));
      const r = await restore({
        tools: requirePgTools(),
        store,
        backup: (v.backup as string | undefined) ?? "latest",
        key: keyOpts(),
        dbname,
        force: v.force === true,
        ...(part ? { part: "tables" as const } : {}),
        noOwner: v["no-owner"] === true,
        checkRows: v["no-row-check"] !== true,
      });
      console.log(
        `restored ${r.manifest.id} into ${dbname}: verify ${r.verifySeconds.toFixed(2)} s, restore ${r.restoreSeconds.toFixed(2)} s` +
          (v["no-row-check"]
            ? ""
            : `, ${r.manifest.totalRows} rows match the manifest (${r.checkSeconds.toFixed(2)} s)`),
      );
      return EXIT.ok;
    }
    case "list": {
      const store = openStore(required(cmd, v, "store"));
      const all = await list(store);
      if (v.json) console.log(JSON.stringify(all, null, 2));
      else if (all.length === 0) console.log(`no backups in ${store.url}`);
      else {
        for (const m of all) {
          console.log(
            `${m.id}  ${m.finishedAt}  ${mib(m.sizeBytes).padStart(10)}  ${String(m.totalRows).padStart(9)} rows  pg ${m.postgres.server}  key ${m.encryption.keyId}`,
          );
        }
      }
      return EXIT.ok;
    }
    case "config": {
      const store = openStore(required(cmd, v, "store"));
      const key = keyOpts();
      const r = await verify(store, (v.backup as string | undefined) ?? "latest", key);
      const part = r.manifest.parts?.find((p) => p.name === "config");
      if (!part) throw new BackupError(`backup ${r.manifest.id} has no configuration part`, EXIT.failed);
      process.stdout.write(await readConfig(store, key, part));
      return EXIT.ok;
    }
    case "keygen": {
      const out = required(cmd, v, "out");
      try {
        fs.writeFileSync(out, `${crypto.randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
      } catch (e) {
        throw usage(`--out "${out}": cannot create (${(e as NodeJS.ErrnoException).code})`);
      }
      console.log(`wrote a new backup key to ${out} (mode 0600)`);
      return EXIT.ok;
    }
  }
  return EXIT.usage;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof BackupError) {
      console.error(`backup: ${e.message}`);
      return e.exitCode;
    }
    console.error(`backup: ${(e as Error).stack ?? e}`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
