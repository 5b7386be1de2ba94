/**
 * The observability part of stack config: `loom:alerting` (channels.ts), `loom:alertSecrets` and
 * `loom:observability`. Pure: zod only; settings.ts calls {@link resolveObservabilitySettings} with the parsed keys.
 */
import { z } from "zod";
import type { ImplementedCloud } from "../cloud";
import { bool } from "../targets/values";
import { type AlertingConfig, type AlertingSettings, resolveAlerting, SECRETS_KEY, secretKeysOf } from "./channels";
import { DEFAULT_REDACTION, type Redaction } from "./redaction";

export const OBSERVABILITY_SCHEMA = z
  .object({
    runbookBaseUrl: z
      .string()
      .regex(/^https:\/\/\S+$/, "must be an https:// URL such as https://github.com/acme/loom-infra/blob/main/"),
    redact: z.object({ emails: bool(), tokens: bool(), ips: bool() }).partial().strict(),
  })
  .partial()
  .strict();

export interface ObservabilitySettings {
  /** Alert channels and per-severity routes (`loom:alerting`); credentials stay in `loom:alertSecrets`. */
  alerting: AlertingSettings;
  /** The `loom:alertSecrets` entries this cloud reads (settings' loadAlertSecrets makes them secret Outputs). */
  alertSecretEntries: string[];
  /** `loom:observability`, defaults applied. */
  observability: { runbookBaseUrl?: string; redaction: Redaction };
}

export interface ObservabilityConfig {
  alerting?: AlertingConfig;
  alertSecrets?: unknown;
  observability?: z.output<typeof OBSERVABILITY_SCHEMA>;
}

export function resolveObservabilitySettings(
  cfg: ObservabilityConfig,
  ctx: {
    project: string;
    cloud: ImplementedCloud;
    alerting: boolean;
    secretKeys: readonly string[];
    problems: string[];
    warnings: string[];
  },
): ObservabilitySettings {
  const alerting = resolveAlerting(cfg.alerting ?? {}, {
    cloud: ctx.cloud,
    enabled: ctx.alerting,
    alertSecrets: cfg.alertSecrets,
    alertSecretsIsSecret: ctx.secretKeys.includes(`${ctx.project}:${SECRETS_KEY}`),
    problems: ctx.problems,
    warnings: ctx.warnings,
  });
  return {
    alerting,
    alertSecretEntries: ctx.alerting ? secretKeysOf(alerting, ctx.cloud) : [],
    observability: {
      runbookBaseUrl: cfg.observability?.runbookBaseUrl,
      redaction: { ...DEFAULT_REDACTION, ...cfg.observability?.redact },
    },
  };
}

/** The first e-mail channel's address (the Kubernetes target's default ACME account e-mail). */
export function firstEmail(a: AlertingSettings): string | undefined {
  for (const c of a.channels) if (c.kind === "email") return c.to;
  return undefined;
}
