/**
 * How the backup CLI's PostgreSQL tools authenticate: DATABASE_AUTH (the same variable the app's workloads get).
 *
 *   password          libpq as configured: PGPASSWORD or PGPASSFILE from the secret store (the default)
 *   aws-rds-iam       `aws rds generate-db-auth-token` (RDS IAM authentication, 15-minute tokens)
 *   gcp-cloudsql-iam  the metadata server's OAuth access token of the attached service account (Cloud SQL IAM users)
 *   azure-entra       a Microsoft Entra token for Azure Database for PostgreSQL from the Container Apps managed
 *                     identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER)
 *
 * A token mode fetches a fresh token right before each pg_dump / psql / pg_restore starts (tokens expire; a backup
 * can outlive one) and gives it to that child alone as PGPASSWORD in its environment: never argv, never a log line,
 * never this process's own environment.
 */
import { execFile } from "node:child_process";
import * as http from "node:http";
import * as https from "node:https";
import { BackupError, EXIT } from "./crypto";

export const DB_AUTH_MODES = ["password", "aws-rds-iam", "gcp-cloudsql-iam", "azure-entra"] as const;
export type DbAuth = (typeof DB_AUTH_MODES)[number];
export type TokenAuth = Exclude<DbAuth, "password">;

/** The Entra resource (audience) of Azure Database for PostgreSQL flexible server tokens. */
export const AZURE_POSTGRES_RESOURCE = "https://ossrdbms-aad.database.windows.net";
/** The Container Apps identity endpoint's API version (the one that takes X-IDENTITY-HEADER). */
export const AZURE_IDENTITY_API_VERSION = "2019-08-01";
export const GCP_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

/** Per attempt; each fetch is tried twice (one retry) before the backup fails. */
export const TOKEN_TIMEOUT_MS = { aws: 30_000, http: 10_000 };
const RETRY_DELAY_MS = 500;

/** A failure worth one more try (fetchToken); any other BackupError is final. */
class Retryable extends BackupError {}

const usage = (msg: string) => new BackupError(msg, EXIT.usage);
const set = (v: string | undefined): v is string => v !== undefined && v !== "";

/** DATABASE_AUTH's value (unset or empty = password); anything else is a usage error naming it. */
export function authMode(env: NodeJS.ProcessEnv = process.env): DbAuth {
  const mode = env.DATABASE_AUTH;
  if (!set(mode)) return "password";
  if (!(DB_AUTH_MODES as readonly string[]).includes(mode)) {
    throw usage(`DATABASE_AUTH "${mode}": expected ${DB_AUTH_MODES.join(", ")}`);
  }
  return mode as DbAuth;
}

const REQUIRED: Record<TokenAuth, string[]> = {
  "aws-rds-iam": ["PGHOST", "PGUSER", "AWS_REGION"],
  "gcp-cloudsql-iam": ["PGUSER"],
  "azure-entra": ["PGUSER", "IDENTITY_ENDPOINT", "IDENTITY_HEADER"],
};

/**
 * Checks the environment for the mode before anything connects: a token mode refuses a PGPASSWORD beside it (which
 * credential wins would be a guess) and names the first variable it needs and lacks.
 */
export function checkAuthEnv(env: NodeJS.ProcessEnv = process.env, dbname?: string): DbAuth {
  const mode = authMode(env);
  if (mode === "password") return mode;
  const overrides = dbname === undefined ? undefined : connOverride(dbname);
  if (overrides) {
    throw usage(
      `DATABASE_AUTH=${mode}: --dbname sets ${overrides}, but the token is fetched for PGHOST, PGPORT and PGUSER: pass a database name and set those instead`,
    );
  }
  if (set(env.PGPASSWORD)) {
    throw usage(
      `DATABASE_AUTH=${mode} fetches a token for each connection, but PGPASSWORD is also set: unset PGPASSWORD (or use DATABASE_AUTH=password)`,
    );
  }
  const missing = REQUIRED[mode].find((name) => !set(env[name]));
  if (missing) throw usage(`DATABASE_AUTH=${mode}: ${missing} is not set`);
  if (set(env.PGPORT) && !/^\d{1,5}$/.test(env.PGPORT)) throw usage(`PGPORT "${env.PGPORT}": expected a port number`);
  return mode;
}

/**
 * The connection setting a --dbname conninfo or URL would override (host, hostaddr, port or user), if any: a token is
 * signed for (AWS) or issued to (GCP, Azure) the PGHOST/PGPORT/PGUSER identity, so libpq must connect as exactly that.
 */
export function connOverride(dbname: string): string | undefined {
  const url = /^postgres(?:ql)?:\/\/([^/?]*)/.exec(dbname);
  if (url) {
    if (url[1]) return `a host or user in the URL ("${url[1]}")`;
    const key = /[?&](host|hostaddr|port|user)=/.exec(dbname);
    return key ? key[1] : undefined;
  }
  return /(?:^|\s)(host|hostaddr|port|user)\s*=/.exec(dbname)?.[1];
}

/** The RDS IAM token: awscli signs it locally with the task role's credentials. */
export function awsTokenArgs(env: NodeJS.ProcessEnv): string[] {
  return [
    "rds",
    "generate-db-auth-token",
    "--hostname",
    env.PGHOST as string,
    "--port",
    set(env.PGPORT) ? env.PGPORT : "5432", // libpq's default port: the one the token must name
    "--username",
    env.PGUSER as string,
    "--region",
    env.AWS_REGION as string,
  ];
}

const NOT_ON_PATH = "failed: the aws CLI is not on PATH";

function awsToken(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "aws",
      awsTokenArgs(env),
      { env, timeout: TOKEN_TIMEOUT_MS.aws, encoding: "utf8", maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed
            ? `timed out after ${TOKEN_TIMEOUT_MS.aws / 1000} s`
            : (err as NodeJS.ErrnoException).code === "ENOENT"
              ? NOT_ON_PATH
              : `exited ${err.code}: ${stderr.trim().split("\n").slice(-3).join("\n")}`;
          const E = why === NOT_ON_PATH ? BackupError : Retryable;
          return reject(new E(`aws-rds-iam: aws rds generate-db-auth-token ${why}`, EXIT.failed));
        }
        const token = stdout.trim();
        if (!token) return reject(new BackupError("aws-rds-iam: aws printed no token", EXIT.failed));
        resolve(token);
      },
    );
  });
}

/** The token endpoint's URL and headers for an HTTP mode. */
export function tokenRequest(
  mode: "gcp-cloudsql-iam" | "azure-entra",
  env: NodeJS.ProcessEnv,
): { url: URL; headers: Record<string, string> } {
  if (mode === "gcp-cloudsql-iam") {
    const host = set(env.GCE_METADATA_HOST) ? env.GCE_METADATA_HOST : "metadata.google.internal";
    return { url: new URL(`http://${host}${GCP_TOKEN_PATH}`), headers: { "Metadata-Flavor": "Google" } };
  }
  const url = new URL(env.IDENTITY_ENDPOINT as string);
  url.searchParams.set("api-version", AZURE_IDENTITY_API_VERSION);
  url.searchParams.set("resource", AZURE_POSTGRES_RESOURCE);
  if (set(env.AZURE_CLIENT_ID)) url.searchParams.set("client_id", env.AZURE_CLIENT_ID);
  return { url, headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER as string } };
}

/** One GET → the JSON body's access_token. Errors carry the status and endpoint, never a token or the header. */
function getAccessToken(mode: TokenAuth, url: URL, headers: Record<string, string>): Promise<string> {
  const where = `${url.origin}${url.pathname}`;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers, timeout: TOKEN_TIMEOUT_MS.http }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        if (body.length < 65536) body += d;
      });
      // A connection cut mid-body is an error on the response, not the request: without this it would be uncaught.
      res.on("error", (e) => reject(new Retryable(`${mode}: GET ${where}: ${e.message}`, EXIT.failed)));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const E = status >= 500 || status === 429 ? Retryable : BackupError;
          const detail = body.replace(/\s+/g, " ").trim().slice(0, 200);
          return reject(new E(`${mode}: GET ${where} returned ${status}${detail ? `: ${detail}` : ""}`, EXIT.failed));
        }
        let token: unknown;
        try {
          token = (JSON.parse(body) as { access_token?: unknown }).access_token;
        } catch {
          token = undefined;
        }
        if (typeof token !== "string" || token === "") {
          return reject(new BackupError(`${mode}: GET ${where} returned 200 without an access_token`, EXIT.failed));
        }
        resolve(token);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`timed out after ${TOKEN_TIMEOUT_MS.http / 1000} s`)));
    req.on("error", (e) => reject(new Retryable(`${mode}: GET ${where}: ${e.message}`, EXIT.failed)));
  });
}

async function once(mode: TokenAuth, env: NodeJS.ProcessEnv): Promise<string> {
  if (mode === "aws-rds-iam") return awsToken(env);
  const { url, headers } = tokenRequest(mode, env);
  return getAccessToken(mode, url, headers);
}

/**
 * A fresh token for the mode: one retry after a short pause for what may pass (an HTTP 5xx or 429, a network error or
 * timeout, a failed `aws` run); an HTTP 4xx or a missing `aws` is final at once.
 */
export async function fetchToken(mode: TokenAuth, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return await once(mode, env);
  } catch (e) {
    if (!(e instanceof Retryable)) throw e;
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    try {
      return await once(mode, env);
    } catch (second) {
      throw new BackupError(`${(second as Error).message} (after one retry)`, EXIT.failed);
    }
  }
}

/**
 * The environment for one PostgreSQL client tool: the process's own under password auth; under a token mode the
 * same plus PGPASSWORD = a token fetched now. Call it right before each spawn.
 */
export async function libpqEnv(env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const mode = checkAuthEnv(env);
  if (mode === "password") return env;
  return { ...env, PGPASSWORD: await fetchToken(mode, env) };
}
