/**
 * Stack config (`loom:<key>`) → validated, typed `Settings`: the environment's profile (profiles.ts) merged with
 * every override the stack sets, plus the selected cloud's target (targets/<cloud>.ts). Invalid config throws
 * `SettingsError` before any resource is registered; each message names the key as the stack wrote it, the value
 * and what is allowed, e.g.
 *   loom:cloud: "asw" is not one of aws, gcp, azure, digitalocean, kubernetes
 *
 * Nothing here is per cloud: each cloud's keys, defaults and rules live in its target file, and this module loops
 * over the registry (targets/index.ts). `parseSettings` is pure (plain objects in, Settings out) so the rules are
 * unit-tested without Pulumi; `loadSettings` (settings-config.ts, the only reader of Pulumi config) gathers the raw
 * values and calls it.
 */
import { z } from "zod";
import { CLOUDS, IMPLEMENTED_CLOUDS, isImplemented } from "./cloud";
import { APP_DEFAULTS, type AppContract, appContractSchema, PROGRAM_ENV_NAMES } from "./lib/app-contract";
import { cidrProblem, networkSizeProblem } from "./lib/cidr";
import { imageRefProblem } from "./lib/image-ref";
import { isSensitiveEnvName } from "./lib/sensitive";
import { ALERTING_SCHEMA } from "./observability/channels";
import {
  firstEmail,
  OBSERVABILITY_SCHEMA,
  type ObservabilitySettings,
  resolveObservabilitySettings,
} from "./observability/settings";
import {
  applyOverrides,
  ENVIRONMENTS,
  type Environment,
  overriddenKeys,
  PROFILES,
  type Profile,
  profileOverrideSchema,
} from "./profiles";
import { SECRETS_SCHEMA, withSecretsBackend } from "./secrets-backend";
import { baseTags } from "./tags";
import { type ImplementedCloud, TARGETS, type Target } from "./targets";
import { describeIssue } from "./targets/issues";
import type { TargetContext } from "./targets/spec";
import { checked, cidr, show, uniqueList } from "./targets/values";

export const PROJECT = "loom";

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `invalid stack configuration: ${problems[0]}`
        : `invalid stack configuration:\n  - ${problems.join("\n  - ")}`,
    );
    this.name = "SettingsError";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The schema: one entry per `loom:` key (Pulumi.yaml declares the same keys; tests/settings.spec.ts holds them equal)
// ---------------------------------------------------------------------------------------------------------------

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const TAG_KEY = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const envName = () => z.string().regex(ENV_NAME, "must be an UPPER_SNAKE environment variable name");

/** AWS allows 50 tags per resource (Azure too); the program adds its base tags and a `Name`, the stack the rest. */
export const MAX_TAGS_PER_RESOURCE = 50;
const PROGRAM_TAGS = [...Object.keys(baseTags({ project: "", stack: "", environment: "" }, "")), "Name"];
export const MAX_STACK_TAGS = MAX_TAGS_PER_RESOURCE - PROGRAM_TAGS.length;

/** The default address range of the stack's network (loom:network.cidr). */
export const NETWORK_CIDR_DEFAULT = "10.40.0.0/16";

const tagKey = z
  .string()
  .regex(TAG_KEY, "tag keys are 1-128 of A-Z a-z 0-9 _ . : / = + @ -")
  .refine((k) => !/^aws:/i.test(k), {
    message:
      "the aws: prefix is reserved for AWS's own tags and AWS rejects it; tags reach every cloud unchanged, so this holds on every cloud",
  });

const targetSchemas = Object.fromEntries(Object.entries(TARGETS).map(([cloud, t]) => [cloud, t.schema])) as {
  [C in ImplementedCloud]: (typeof TARGETS)[C]["schema"];
};

/** `loom:backup.tables` entries: an unquoted PostgreSQL name, optionally schema-qualified (pg_dump -t takes it). */
export const BACKUP_TABLE = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;
export const MAX_BACKUP_TABLES = 20;

export const SCHEMA = z
  .object({
    cloud: z.enum(CLOUDS),
    environment: z.enum(ENVIRONMENTS),
    domain: z.string().regex(HOSTNAME, "must be a lower-case DNS name such as loom.example.com"),
    image: checked(imageRefProblem),
    ingressCidrs: uniqueList(cidr, "must list at least one CIDR (0.0.0.0/0 for a public service)"),
    alerting: ALERTING_SCHEMA,
    // Validated by resolveAlerting, whose messages never show a value: every entry is a credential.
    alertSecrets: z.unknown(),
    observability: OBSERVABILITY_SCHEMA,
    backup: z
      .object({
        image: checked(imageRefProblem),
        tables: uniqueList(
          z
            .string()
            .regex(
              BACKUP_TABLE,
              "must be a table name (lower-case letters, digits, _; optionally schema-qualified), e.g. prompt_library or public.users",
            ),
        ).max(MAX_BACKUP_TABLES, `lists at most ${MAX_BACKUP_TABLES} tables`),
      })
      .partial()
      .strict(),
    tags: z.record(tagKey, z.string().max(256)),
    appEnv: z.record(envName(), z.string()),
    appSecrets: uniqueList(envName()),
    app: appContractSchema,
    network: z
      .object({ cidr: checked((v) => cidrProblem(v) ?? networkSizeProblem(v)) })
      .partial()
      .strict(),
    profile: profileOverrideSchema,
    secrets: SECRETS_SCHEMA,
    ...targetSchemas,
  })
  .partial()
  .strict();

export type RawSettings = z.input<typeof SCHEMA>;
type Parsed = z.output<typeof SCHEMA>;

/**
 * Keys whose Pulumi.yaml default is the empty string, meaning "not set" (Pulumi applies a declared key's default
 * to every stack, so a key without a fixed default declares "" and the program reads it as absent).
 */
const EMPTY_MEANS_UNSET = ["environment"] as const;

/** Moved keys (dotted, relative to `loom:`), from every target's `movedKeys`. */
const MOVED: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(TARGETS).flatMap((t) =>
    Object.entries("movedKeys" in t ? t.movedKeys : {}).map(([from, to]) => [`${t.cloud}.${from}`, to]),
  ),
);

// ---------------------------------------------------------------------------------------------------------------
// The result
// ---------------------------------------------------------------------------------------------------------------

export interface Settings extends ObservabilitySettings {
  project: string;
  stack: string;
  cloud: ImplementedCloud;
  environment: Environment;
  domain: string;
  image: string;
  ingressCidrs: string[];
  /**
   * `loom:backup`: the logical-backup job's image (scripts/backup/Dockerfile), required when the profile has backups;
   * `tables`: app tables also exported on their own in every backup (the prompt library, users), restorable alone.
   */
  backup: { image?: string; tables: string[] };
  /** Settings that do not apply to this cloud or profile, by key: logged as warnings by the program. */
  warnings: string[];
  /** Tags/labels for every resource: component defaults < these < per-resource. */
  tags: Record<string, string>;
  /** Non-secret environment variables for the app (validated: no credential names, by the pack's rule). */
  appEnv: Record<string, string>;
  /**
   * Environment variables the app reads from the cloud's secret store. The program creates an empty secret per
   * name; operators put the value there out of band, so secret values never pass through Pulumi state.
   */
  appSecrets: string[];
  app: AppContract;
  /** The environment's profile with every stack override applied. */
  profile: Profile;
  /** `protect` stateful resources (true when deletion protection is on). */
  protect: boolean;
  /** The stack's network (`loom:network`): its address range, /16 to /20. */
  network: { cidr: string };
  /** The selected cloud's settings, every default applied (targets/<cloud>.ts). */
  target: Target;
  /** Profile keys the stack set explicitly, as dotted paths relative to `loom:profile`, e.g. ["web.spot", "waf"]. */
  profileOverrides: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

export interface ParseContext {
  stack: string;
  /** Config of other namespaces, by full key (e.g. `{"aws:region": "eu-west-1"}`); every target's providerKeys. */
  providerConfig?: Readonly<Record<string, string | undefined>>;
  /** Full config keys stored as secrets (`loom:alertSecrets`); the runtime's secret keys. */
  secretKeys?: readonly string[];
}

/** The raw config with "" defaults dropped and the environment taken from the stack name when it is one. */
function normalize(raw: Record<string, unknown>, stack: string, problems: string[]): Record<string, unknown> {
  const input = { ...raw };
  if (input.alertEmail !== undefined) {
    if (input.alertEmail !== "") {
      problems.push(
        `${PROJECT}:alertEmail has moved to ${PROJECT}:alerting.channels; set ${PROJECT}:alerting: {"channels": [{"kind": "email", "to": ${show(input.alertEmail)}}]} instead`,
      );
    }
    delete input.alertEmail;
  }
  for (const key of EMPTY_MEANS_UNSET) if (input[key] === "") delete input[key];
  if (input.environment === undefined && (ENVIRONMENTS as readonly string[]).includes(stack)) input.environment = stack;
  return input;
}

/** Keys every stack must set, and a cloud that has a target. */
function requiredProblems(cfg: Parsed, stack: string): string[] {
  const problems: string[] = [];
  if (cfg.cloud === undefined) problems.push(`${PROJECT}:cloud is required; one of ${CLOUDS.join(", ")}`);
  else if (!isImplemented(cfg.cloud)) {
    problems.push(
      `${PROJECT}:cloud "${cfg.cloud}" is not implemented yet; implemented: ${IMPLEMENTED_CLOUDS.join(", ")}`,
    );
  }
  if (cfg.environment === undefined) {
    problems.push(
      `${PROJECT}:environment is required when the stack name ("${stack}") is not one of ${ENVIRONMENTS.join(", ")}`,
    );
  }
  if (cfg.domain === undefined) problems.push(`${PROJECT}:domain is required, e.g. loom.example.com`);
  if (cfg.image === undefined) problems.push(`${PROJECT}:image is required, e.g. ghcr.io/acme/loom:1.4.2`);
  return problems;
}

/** Rules between profile keys (after the overrides are applied). */
function profileProblems(profile: Profile, environment: Environment): string[] {
  const problems: string[] = [];
  const k = (path: string) => `${PROJECT}:profile.${path}`;
  for (const tier of ["web", "worker"] as const) {
    const w = profile[tier];
    if (w.minReplicas > w.maxReplicas) {
      problems.push(
        `${k(`${tier}.minReplicas`)}: ${w.minReplicas} is larger than ${k(`${tier}.maxReplicas`)} (${w.maxReplicas})`,
      );
    }
  }
  const db = profile.database;
  if (db.maxStorageGiB < db.storageGiB) {
    problems.push(
      `${k("database.maxStorageGiB")}: ${db.maxStorageGiB} is smaller than ${k("database.storageGiB")} (${db.storageGiB})`,
    );
  }
  if (profile.cache.highAvailability && profile.cache.nodes < 2) {
    problems.push(
      `${k("cache.nodes")}: ${profile.cache.nodes} is too small for ${k("cache.highAvailability")}: true; needs at least 2`,
    );
  }
  const floor = { dev: 1, staging: 7, prod: 14 }[environment];
  if (profile.backupRetentionDays < floor) {
    problems.push(
      `${k("backupRetentionDays")}: ${profile.backupRetentionDays} is too small for ${environment}; minimum is ${floor}`,
    );
  }
  return problems;
}

/** Rules between the app keys, alerting and tags. */
function appProblems(cfg: Parsed): string[] {
  const problems: string[] = [];
  const secrets = new Set(cfg.appSecrets ?? []);
  const programSets = "is set by the program itself (database, cache and app-contract variables); remove it";
  (cfg.appSecrets ?? []).forEach((name, i) => {
    if (PROGRAM_ENV_NAMES.includes(name)) problems.push(`${PROJECT}:appSecrets[${i}]: "${name}" ${programSets}`);
  });
  for (const name of Object.keys(cfg.appEnv ?? {})) {
    // The value is not shown: it may be the credential itself.
    if (PROGRAM_ENV_NAMES.includes(name)) problems.push(`${PROJECT}:appEnv.${name} ${programSets}`);
    else if (isSensitiveEnvName(name)) {
      problems.push(
        `${PROJECT}:appEnv.${name} looks like a credential (the loom-guard sensitive-name rule); list it in ${PROJECT}:appSecrets so it comes from the secret store`,
      );
    } else if (secrets.has(name)) {
      problems.push(
        `${PROJECT}:appEnv.${name} is also listed in ${PROJECT}:appSecrets; a variable comes from one of them, remove one`,
      );
    }
  }
  const tagCount = Object.keys(cfg.tags ?? {}).length;
  if (tagCount > MAX_STACK_TAGS) {
    problems.push(
      `${PROJECT}:tags: ${tagCount} tags is too many; at most ${MAX_STACK_TAGS} (AWS and Azure allow ${MAX_TAGS_PER_RESOURCE} per resource and the program adds ${PROGRAM_TAGS.join(", ")}; the limit holds on every cloud so a stack plans on any of them)`,
    );
  }
  return problems;
}

/**
 * Another cloud's `loom:<cloud>` block is validated but not read: one stack file can carry the settings of every
 * cloud it is planned on (`npm run plan -- --cloud digitalocean`), and a stack that sets them hears so by name.
 */
function otherCloudWarnings(cfg: Parsed, cloud: ImplementedCloud): string[] {
  return (Object.keys(TARGETS) as ImplementedCloud[])
    .filter((other) => other !== cloud && Object.keys(cfg[other] ?? {}).length > 0)
    .map(
      (other) =>
        `${PROJECT}:${other} is set but ${PROJECT}:cloud is "${cloud}": it is not read on this stack (it applies with ${PROJECT}:cloud: ${other})`,
    );
}

/** The stack's network range when `loom:network.cidr` is unset: the target's own default, else the program's. */
function defaultNetworkCidr(cloud: ImplementedCloud, environment: Environment): string {
  const spec = TARGETS[cloud] as { defaultNetworkCidr?: (environment: Environment) => string };
  return spec.defaultNetworkCidr?.(environment) ?? NETWORK_CIDR_DEFAULT;
}

/** The selected cloud's target, resolved by its own spec. */
function resolveTarget(cloud: ImplementedCloud, cfg: Parsed, ctx: TargetContext): Target {
  // One generic call for every cloud: the registry pairs each cloud with its schema's output.
  const spec = TARGETS[cloud] as unknown as { resolve(config: unknown, ctx: TargetContext): Target };
  return spec.resolve(cfg[cloud] ?? {}, ctx);
}

/**
 * Validate raw `loom:` config and merge it over the environment's profile. Throws `SettingsError` listing every
 * problem (not just the first), each naming key, value and what is allowed.
 */
export function parseSettings(raw: Record<string, unknown>, ctx: ParseContext): Settings {
  for (const k of Object.keys(ctx.providerConfig ?? {})) {
    // A caller bug, not a stack problem: `{awsRegion}` (the old shape) would otherwise read as "aws:region unset".
    if (!k.includes(":"))
      throw new Error(`parseSettings: providerConfig keys are full config keys such as aws:region, got ${k}`);
  }
  const early: string[] = [];
  const input = normalize(raw, ctx.stack, early);
  const parsed = SCHEMA.safeParse(input);
  if (!parsed.success) {
    const issueCtx = { project: PROJECT, raw: input, schema: SCHEMA, moved: MOVED };
    throw new SettingsError([...early, ...parsed.error.issues.flatMap((issue) => describeIssue(issue, issueCtx))]);
  }
  const cfg = parsed.data;
  const problems = [...early, ...requiredProblems(cfg, ctx.stack)];
  const { cloud, environment } = cfg;
  if (problems.length > 0 || cloud === undefined || !isImplemented(cloud) || environment === undefined) {
    throw new SettingsError(problems);
  }
  const profile = applyOverrides(PROFILES[environment], cfg.profile ?? {});
  problems.push(...profileProblems(profile, environment), ...appProblems(cfg));
  const warnings: string[] = otherCloudWarnings(cfg, cloud);
  if (profile.backups && cfg.backup?.image === undefined) {
    problems.push(
      `${PROJECT}:backup.image is required when the profile has backups (the daily logical backup job runs it): the image built from scripts/backup/Dockerfile, pinned, e.g. ghcr.io/acme/loom-backup:1.0.0`,
    );
  } else if (!profile.backups && cfg.backup?.image !== undefined) {
    warnings.push(`${PROJECT}:backup.image is set but the profile's backups are off: no backup job is created`);
  }
  if (!profile.backups && (cfg.backup?.tables?.length ?? 0) > 0) {
    warnings.push(`${PROJECT}:backup.tables is set but the profile's backups are off: no table is exported`);
  }
  const obs = resolveObservabilitySettings(cfg, {
    project: PROJECT,
    cloud,
    alerting: profile.alerting,
    secretKeys: ctx.secretKeys ?? [],
    problems,
    warnings,
  });
  const domain = cfg.domain as string;
  const resolved = resolveTarget(cloud, cfg, {
    project: PROJECT,
    stack: ctx.stack,
    environment,
    domain,
    alertEmail: firstEmail(obs.alerting),
    profile,
    providerConfig: ctx.providerConfig ?? {},
    ...(cfg.network?.cidr !== undefined ? { networkCidr: cfg.network.cidr } : {}),
    problems,
  });
  const target = withSecretsBackend(resolved, cfg.secrets, { stack: ctx.stack, problems, warnings });
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    project: PROJECT,
    stack: ctx.stack,
    cloud,
    environment,
    domain,
    image: cfg.image as string,
    ingressCidrs: cfg.ingressCidrs ?? ["0.0.0.0/0"],
    ...obs,
    backup: { image: cfg.backup?.image, tables: cfg.backup?.tables ?? [] },
    warnings,
    tags: cfg.tags ?? {},
    appEnv: cfg.appEnv ?? {},
    appSecrets: cfg.appSecrets ?? ["LLM_API_KEY"],
    app: { ...APP_DEFAULTS, ...cfg.app },
    profile,
    protect: profile.deletionProtection,
    network: { cidr: cfg.network?.cidr ?? defaultNetworkCidr(cloud, environment) },
    target,
    profileOverrides: overriddenKeys(cfg.profile ?? {}),
  };
}
