/**
 * The app contract: the port and paths the Loom container serves and the user it runs as (docs/metrics.md).
 * `loom:app` overrides it key for key; components take `Partial<AppContract>` and fill `APP_DEFAULTS`.
 * Pure: zod only, no Pulumi.
 */

import { z } from "zod";
import { int } from "../targets/values";
import { OTEL_ENV_NAMES } from "./telemetry";

export interface AppContract {
  port: number;
  healthPath: string;
  readinessPath: string;
  metricsPath: string;
  /** UID:GID the containers run as; never 0. */
  runAsUser: number;
}

export const APP_DEFAULTS: Readonly<AppContract> = {
  port: 8080,
  healthPath: "/healthz",
  readinessPath: "/readyz",
  metricsPath: "/metrics",
  runAsUser: 10001,
};

const URL_PATH = /^\/[\w./-]*$/;
const urlPath = (example: string) => z.string().regex(URL_PATH, `must be an absolute URL path such as ${example}`);

/** The schema of `loom:app` (every key optional; unknown keys rejected). */
export const appContractSchema = z
  .object({
    port: int(1024, 65_535),
    healthPath: urlPath("/healthz"),
    readinessPath: urlPath("/readyz"),
    metricsPath: urlPath("/metrics"),
    runAsUser: int(1, 2_147_483_647),
  })
  .partial()
  .strict();

/**
 * Environment variables the program itself gives the app (index.ts `env` and `secrets`; the CA file paths of the
 * Kubernetes pods). A stack cannot set them through `loom:appEnv` or `loom:appSecrets`: the program's value would
 * silently win, or two secrets would fight over one name. tests/targets.lib.spec.ts keeps this list equal to index.ts.
 */
export const PROGRAM_ENV_NAMES: readonly string[] = [
  "LOOM_ENVIRONMENT",
  "PORT",
  "DATABASE_HOST",
  "DATABASE_READER_HOST",
  "DATABASE_PORT",
  "DATABASE_NAME",
  "DATABASE_SSLMODE",
  "DATABASE_AUTH",
  "DATABASE_USER",
  "DATABASE_PASSWORD",
  "LOOM_DB_ROLES_SQL",
  "REDIS_HOST",
  "REDIS_PORT",
  "REDIS_TLS",
  "REDIS_PASSWORD",
  "PGSSLROOTCERT",
  "REDIS_CA_FILE",
  ...OTEL_ENV_NAMES,
];
