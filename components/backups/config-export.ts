/**
 * The application data the logical backup carries beside the whole-database dump (scripts/backup/parts.ts):
 * the tables of `loom:backup.tables`, exported on their own, and the stack's configuration — its settings minus
 * secrets, as JSON — so a restore in a new region starts from the configuration the backup was taken with. Pure.
 *
 * What the configuration holds is an allow-list of Settings fields, none of them a secret value: secrets never pass
 * through settings (alert channel credentials are loaded apart, from `loom:alertSecrets`; app secrets are names of
 * empty secrets filled out of band; credentials of object stores are Secret names).
 */
import { invalid } from "../lib/component";
import type { Settings } from "../settings";

/** The env var the job reads the configuration from (`loom-backup dump --config-env`). */
export const CONFIG_ENV = "LOOM_BACKUP_CONFIG";

/** The Settings fields exported, in this order (stable plans). */
export const CONFIG_FIELDS = [
  "project",
  "stack",
  "cloud",
  "environment",
  "domain",
  "image",
  "ingressCidrs",
  "network",
  "profile",
  "app",
  "appEnv",
  "appSecrets",
  "tags",
  "alerting",
  "observability",
  "backup",
  "target",
] as const satisfies readonly (keyof Settings)[];

/** The stack's non-secret settings as the configuration part's JSON (compact). */
export function stackConfigExport(settings: Settings): string {
  const fields = Object.fromEntries(CONFIG_FIELDS.map((k) => [k, settings[k]]));
  return JSON.stringify({ format: "loom-stack-config/1", ...fields });
}

/** Same rule as settings' `loom:backup.tables` (and the CLI's --table). */
const TABLE = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

export function resolveTables(tables: string[]): string[] {
  const bad = tables.find((t) => !TABLE.test(t));
  if (bad !== undefined)
    invalid("job.tables", `entries must be lower-case table names (schema.table allowed), got "${bad}"`);
  if (new Set(tables).size !== tables.length) invalid("job.tables", "must not list a table twice");
  return [...tables];
}

export function resolveConfig(config: string): string {
  let v: unknown;
  try {
    v = JSON.parse(config);
  } catch {
    return invalid(
      "job.config",
      "must be a JSON object (the stack's settings minus secrets), got text that does not parse",
    );
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) invalid("job.config", "must be a JSON object");
  return config;
}
