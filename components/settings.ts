/**
 * The only reader of `pulumi.Config` in the program.
 *
 * Stack config (`loom:<key>`) → validated, typed `Settings`: the environment's profile (profiles.ts) merged with
 * every override the stack sets. Invalid config throws `SettingsError` before any resource is registered; each
 * message names the key, the value and what is allowed, e.g.
 *   loom:cloud: "asw" is not one of aws, gcp, azure, digitalocean, kubernetes
 *
 * `parseSettings` is pure (plain objects in, Settings out) so the rules are unit-tested without Pulumi;
 * `loadSettings` gathers the raw values from Pulumi config and calls it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CLOUDS, type Cloud, IMPLEMENTED_CLOUDS } from "./cloud";
import { fit as shorten } from "./naming";
import { MAX_VPC_PREFIX, MIN_VPC_PREFIX } from "./network/subnets";
import { ENVIRONMENTS, type Environment, PROFILES, type Profile, TIERS } from "./profiles";

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
// Value rules shared by several keys
// ---------------------------------------------------------------------------------------------------------------

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,63}$/i;
const TAG_KEY = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Names that look like credentials; values under them belong in the secret store, never in plain env. */
export const SENSITIVE_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DSN|AUTH)/i;

/** `repo:tag` (tag not `latest`) or `repo@sha256:<64 hex>`: an image a rollback can return to. */
export function imagePinProblem(image: string): string | undefined {
  const digest = /^[^\s@]+@sha256:[a-f0-9]{64}$/;
  if (image.includes("@")) return digest.test(image) ? undefined : "a digest must be @sha256:<64 hex digits>";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "must be pinned: add a version tag (repo:1.4.2) or a digest (repo@sha256:…)";
  const tag = lastSegment.slice(colon + 1);
  if (tag === "latest") return "must be pinned: `latest` moves under you; use a version tag or a digest";
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `tag "${tag}" is not a valid image tag`;
  return undefined;
}

function cidrProblem(value: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return "must be an IPv4 CIDR such as 203.0.113.0/24";
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return "must be an IPv4 CIDR such as 203.0.113.0/24";
  // biome-ignore lint/style/noNonNullAssertion: four octets matched above
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) return "has host bits set; use the network address";
  return undefined;
}

const cidr = z.string().superRefine((v, ctx) => {
  const problem = cidrProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The retention periods CloudWatch Logs accepts (the strictest of the clouds). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// ---------------------------------------------------------------------------------------------------------------
// The schema: one entry per `loom:` key (Pulumi.yaml declares the same keys with type/description/default)
// ---------------------------------------------------------------------------------------------------------------

const webOverride = z
  .object({
    cpu: z.number().positive(),
    memoryMiB: int(128, 122_880),
    ephemeralStorageMiB: int(256, 204_800),
    minReplicas: int(1, 100),
    maxReplicas: int(1, 500),
    targetCpuPercent: int(10, 95),
    targetRequestsPerTarget: int(10, 100_000),
  })
  .partial()
  .strict();

const workerOverride = z
  .object({
    cpu: z.number().positive(),
    memoryMiB: int(128, 122_880),
    ephemeralStorageMiB: int(256, 204_800),
    minReplicas: int(0, 100),
    maxReplicas: int(1, 500),
    jobsPerWorker: int(1, 10_000),
    spot: z.boolean(),
  })
  .partial()
  .strict();

const databaseOverride = z
  .object({
    engineVersion: z.string().regex(/^(1[6-9]|[2-9]\d)(\.\d+)?$/, "must be PostgreSQL 16 or newer, e.g. 16 or 17.2"),
    tier: z.enum(TIERS),
    storageGiB: int(20, 65_536),
    maxStorageGiB: int(20, 65_536),
    highAvailability: z.boolean(),
    readReplica: z.boolean(),
    connectionPooler: z.boolean(),
    performanceInsights: z.boolean(),
    slowQueryMs: int(0, 600_000),
  })
  .partial()
  .strict();

const cacheOverride = z
  .object({
    tier: z.enum(TIERS),
    nodes: int(1, 6),
    highAvailability: z.boolean(),
    snapshotRetentionDays: int(0, 35),
  })
  .partial()
  .strict();

const appSchema = z
  .object({
    port: int(1024, 65_535),
    healthPath: z.string().regex(/^\/[\w./-]*$/, "must be an absolute URL path such as /healthz"),
    readinessPath: z.string().regex(/^\/[\w./-]*$/, "must be an absolute URL path such as /readyz"),
    metricsPath: z.string().regex(/^\/[\w./-]*$/, "must be an absolute URL path such as /metrics"),
    /** UID:GID the containers run as; never 0. */
    runAsUser: int(1, 2_147_483_647),
  })
  .partial()
  .strict();

const awsSchema = z
  .object({
    /** Route 53 hosted zone for `domain`: DNS-validated ACM certificate and alias record. */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "must be a Route 53 hosted zone id (Z…)"),
    /** An existing ACM certificate for `domain`, used when no hosted zone is configured. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, "must be an ACM certificate ARN"),
    /** The VPC's address range (/16 to /20). */
    vpcCidr: cidr,
  })
  .partial()
  .strict();

/** A DNS-1123 label: namespaces, service names (lower-case alphanumerics and '-', 1–63, alphanumeric at both ends). */
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: Secret, StorageClass, IngressClass and ClusterIssuer names. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const dnsLabel = z
  .string()
  .regex(DNS_LABEL, "must be a DNS-1123 label: 1-63 of a-z 0-9 -, starting and ending alphanumeric");
const dnsSubdomain = z
  .string()
  .regex(DNS_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case a-z 0-9 - and ., starting and ending alphanumeric");

/** The ranges of a typical cluster (pods, services, nodes, CGNAT pod ranges, link-local metadata endpoints). */
export const K8S_CLUSTER_CIDRS_DEFAULT: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
];

const k8sBackupSchema = z
  .object({
    /** S3-compatible endpoint; unset = AWS S3. */
    endpoint: z
      .string()
      .regex(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an https:// URL (the object store's TLS endpoint)"),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name: 3-63 of a-z 0-9 . -"),
    /** Prefix inside the bucket. */
    path: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/, "must be a relative object prefix such as loom/prod"),
    region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be a region name such as eu-west-1"),
    /** Secret (in the stack's namespace) with ACCESS_KEY_ID and ACCESS_SECRET_KEY, created out of band. */
    credentialsSecret: dnsSubdomain,
    /** Server-side encryption of backups and WAL in the bucket. */
    encryption: z.enum(["AES256", "aws:kms", "none"]),
  })
  .partial()
  .strict();

const k8sOperatorNamespaces = z
  .object({
    ingress: dnsLabel,
    monitoring: dnsLabel,
    cnpg: dnsLabel,
    certManager: dnsLabel,
    keda: dnsLabel,
  })
  .partial()
  .strict();

const kubernetesSchema = z
  .object({
    /** Path to a kubeconfig file, or its content (store content as a secret). */
    kubeconfig: z.string().min(1, "must not be empty"),
    context: z.string().min(1, "must not be empty"),
    /** Render manifests to this directory instead of talking to a cluster. */
    renderDir: z.string().regex(/^[^\0]{1,1024}$/, "must be a directory path"),
    namespace: dnsLabel,
    installOperators: z.boolean(),
    ingressClass: dnsSubdomain,
    storageClass: dnsSubdomain,
    /** An existing cert-manager ClusterIssuer; unset = the program creates a Let's Encrypt one for this stack. */
    clusterIssuer: dnsSubdomain,
    acmeEmail: z.string().regex(EMAIL, "must be an e-mail address"),
    acmeServer: z.enum(["production", "staging"]),
    acmeSolver: z.enum(["http01", "dns01-cloudflare"]),
    /** Secret in cert-manager's namespace with the Cloudflare API token (key api-token), for dns01-cloudflare. */
    acmeDnsSecret: dnsSubdomain,
    clusterCidrs: z.array(cidr).min(1, "must list at least one CIDR"),
    mesh: z.enum(["none", "linkerd", "istio"]),
    operatorNamespaces: k8sOperatorNamespaces,
    /** Prometheus's in-cluster URL (KEDA reads the queue depth from it). */
    prometheusUrl: z.string().regex(/^https?:\/\/[^\s/]+(:\d+)?(\/[^\s]*)?$/, "must be an http(s):// URL"),
    /** `release` label value kube-prometheus-stack selects ServiceMonitors, PodMonitors and rules by. */
    prometheusRelease: dnsLabel,
    backup: k8sBackupSchema,
  })
  .partial()
  .strict();

/** Overrides of the environment's profile (profiles.ts), key for key; anything not set keeps the profile value. */
const profileOverride = z
  .object({
    loadBalancer: z.boolean(),
    autoscaling: z.boolean(),
    alerting: z.boolean(),
    backups: z.boolean(),
    disasterRecovery: z.boolean(),
    deletionProtection: z.boolean(),
    waf: z.boolean(),
    availabilityZones: int(2, 6),
    natGateways: z.enum(["single", "perZone"]),
    logRetentionDays: z.union(
      LOG_RETENTION_DAYS.map((d) => z.literal(d)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>],
      { error: `must be one of ${LOG_RETENTION_DAYS.join(", ")} (the retention periods CloudWatch Logs accepts)` },
    ),
    backupRetentionDays: int(1, 35),
    rateLimitPer5Min: int(100, 2_000_000_000),
    web: webOverride,
    worker: workerOverride,
    database: databaseOverride,
    cache: cacheOverride,
  })
  .partial()
  .strict();

export const SCHEMA = z
  .object({
    cloud: z.enum(CLOUDS),
    environment: z.enum(ENVIRONMENTS),
    domain: z.string().regex(HOSTNAME, "must be a lower-case DNS name such as loom.example.com"),
    image: z.string().superRefine((v, ctx) => {
      const problem = imagePinProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    ingressCidrs: z.array(cidr).min(1, "must list at least one CIDR (0.0.0.0/0 for a public service)"),
    alertEmail: z.string().regex(EMAIL, "must be an e-mail address"),
    tags: z.record(z.string().regex(TAG_KEY, "tag keys are 1-128 of A-Z a-z 0-9 _ . : / = + @ -"), z.string().max(256)),
    appEnv: z.record(z.string().regex(ENV_NAME, "must be an UPPER_SNAKE environment variable name"), z.string()),
    appSecrets: z.array(z.string().regex(ENV_NAME, "must be an UPPER_SNAKE environment variable name")),
    app: appSchema,
    profile: profileOverride,
    aws: awsSchema,
    kubernetes: kubernetesSchema,
  })
  .partial()
  .strict();

export type RawSettings = z.input<typeof SCHEMA>;

/** How each key is read from Pulumi config (Pulumi stores everything as strings or JSON). */
export const KEY_KINDS: Readonly<Record<keyof RawSettings, "string" | "integer" | "boolean" | "object" | "array">> = {
  cloud: "string",
  environment: "string",
  domain: "string",
  image: "string",
  ingressCidrs: "array",
  alertEmail: "string",
  tags: "object",
  appEnv: "object",
  appSecrets: "array",
  app: "object",
  profile: "object",
  aws: "object",
  kubernetes: "object",
};

/**
 * Keys whose Pulumi.yaml default is the empty string, meaning "not set" (Pulumi applies a declared key's default
 * to every stack, so a key without a fixed default declares "" and the program reads it as absent).
 */
const EMPTY_MEANS_UNSET = new Set(["environment", "alertEmail"]);

// ---------------------------------------------------------------------------------------------------------------
// The result
// ---------------------------------------------------------------------------------------------------------------

export interface AppContract {
  port: number;
  healthPath: string;
  readinessPath: string;
  metricsPath: string;
  runAsUser: number;
}

export interface AwsSettings {
  region: string;
  hostedZoneId?: string;
  certificateArn?: string;
  vpcCidr: string;
}

/** Where Kubernetes backups go (CloudNativePG Barman Cloud plugin, S3-compatible). */
export interface KubernetesBackupSettings {
  /** S3-compatible endpoint; undefined = AWS S3. */
  endpoint?: string;
  bucket: string;
  /** Prefix inside the bucket. */
  path: string;
  region?: string;
  /** Secret in the stack's namespace with ACCESS_KEY_ID and ACCESS_SECRET_KEY (created out of band). */
  credentialsSecret: string;
  encryption: "AES256" | "aws:kms" | "none";
  /**
   * True when the stack set no `loom:kubernetes.backup` but the profile has backups: the defaults below are used and
   * the program creates the credentials Secret empty, to be filled out of band (docs/kubernetes.md#backups).
   */
  defaulted: boolean;
}

/** The Kubernetes target, every default applied (docs/kubernetes.md). */
export interface KubernetesSettings {
  /** Kubeconfig path or content; undefined = the ambient kubeconfig ($KUBECONFIG or ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  /** Render mode: manifests are written here and no cluster is contacted. */
  renderDir?: string;
  /** The stack's namespace. */
  namespace: string;
  /** Install cert-manager, CloudNativePG (+ Barman Cloud plugin), KEDA, ingress-nginx, kube-prometheus-stack. */
  installOperators: boolean;
  ingressClass: string;
  /** undefined = the cluster's default StorageClass. */
  storageClass?: string;
  /** An existing ClusterIssuer; undefined = the program creates a Let's Encrypt ClusterIssuer for this stack. */
  clusterIssuer?: string;
  acmeEmail?: string;
  acmeServer: "production" | "staging";
  acmeSolver: "http01" | "dns01-cloudflare";
  acmeDnsSecret?: string;
  /** Cluster-internal ranges, excluded from the internet egress rule. */
  clusterCidrs: string[];
  mesh: "none" | "linkerd" | "istio";
  operatorNamespaces: { ingress: string; monitoring: string; cnpg: string; certManager: string; keda: string };
  prometheusUrl: string;
  prometheusRelease: string;
  /**
   * The object store for WAL and base backups. Defaulted when the profile has backups and the stack sets none;
   * undefined (no archive, no point-in-time recovery, no scheduled backups) only when backups are off.
   */
  backup?: KubernetesBackupSettings;
}

export interface Settings {
  project: string;
  stack: string;
  cloud: Cloud;
  environment: Environment;
  domain: string;
  image: string;
  ingressCidrs: string[];
  alertEmail?: string;
  /** Tags/labels for every resource: component defaults < these < per-resource. */
  tags: Record<string, string>;
  /** Non-secret environment variables for the app (validated: no sensitive-looking names). */
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
  aws?: AwsSettings;
  kubernetes?: KubernetesSettings;
}

export const APP_DEFAULTS: AppContract = {
  port: 8080,
  healthPath: "/healthz",
  readinessPath: "/readyz",
  metricsPath: "/metrics",
  runAsUser: 10001,
};

const AWS_VPC_DEFAULT = "10.40.0.0/16";

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  return JSON.stringify(value);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function keyName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  return `${PROJECT}:${String(head)}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
}

/** Turn one zod issue into "loom:key: <value> <what is allowed>". */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const value = valueAt(raw, issue.path);
  const key = keyName(issue.path);
  switch (issue.code) {
    case "invalid_value":
      return [`${key}: ${show(value)} is not one of ${issue.values.map(String).join(", ")}`];
    case "invalid_union":
      return [`${key}: ${show(value)} is not allowed; ${issue.message}`];
    case "unrecognized_keys":
      return issue.keys.map((k) => {
        const hint = suggest(k, knownKeysAt(issue.path));
        return `${keyName([...issue.path, k])} is not a known key${hint ? `; did you mean ${keyName([...issue.path, hint])}?` : ""}`;
      });
    case "invalid_type":
      return [`${key}: ${show(value)} must be ${article(issue.expected)}`];
    case "too_small":
      return [
        `${key}: ${show(value)} is too small; ${issue.origin === "array" ? "needs at least" : "minimum is"} ${issue.minimum}${
          issue.message && !issue.message.startsWith("Too small") ? ` (${issue.message})` : ""
        }`,
      ];
    case "too_big":
      return [`${key}: ${show(value)} is too large; maximum is ${issue.maximum}`];
    default:
      return [`${key}: ${show(value)} ${issue.message}`];
  }
}

/** The keys the schema allows at `path` (for "did you mean" hints). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal wrappers generically
  let node: any = SCHEMA;
  for (const p of path) {
    node = node?.shape?.[p as string];
    while (node && !node.shape && typeof node.unwrap === "function") node = node.unwrap();
  }
  return Object.keys(node?.shape ?? {});
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "object" || expected === "record") return "an object (map)";
  if (expected === "array") return "a list";
  return `a ${expected}`;
}

/** The closest known key by edit distance, for typo hints. */
function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 4)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: edits plus adjacent transpositions ("colud" → "cloud" is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

export interface ParseContext {
  stack: string;
  /** Values from other namespaces the program needs (e.g. `aws:region`). */
  providerConfig?: { awsRegion?: string };
}

/**
 * Validate raw `loom:` config and merge it over the environment's profile. Throws `SettingsError` listing every
 * problem (not just the first), each naming key, value and what is allowed.
 */
export function parseSettings(raw: Record<string, unknown>, ctx: ParseContext): Settings {
  const problems: string[] = [];
  const input = { ...raw };
  for (const key of EMPTY_MEANS_UNSET) if (input[key] === "") delete input[key];
  if (input.environment === undefined && (ENVIRONMENTS as readonly string[]).includes(ctx.stack)) {
    input.environment = ctx.stack;
  }

  const parsed = SCHEMA.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, input));
    throw new SettingsError(problems);
  }
  const cfg = parsed.data;

  // Required keys (zod's .partial() keeps the schema usable for per-key validation; presence is checked here so
  // each message can say what to set).
  if (cfg.cloud === undefined) problems.push(`${PROJECT}:cloud is required; one of ${CLOUDS.join(", ")}`);
  else if (!(IMPLEMENTED_CLOUDS as readonly string[]).includes(cfg.cloud)) {
    problems.push(
      `${PROJECT}:cloud "${cfg.cloud}" is not implemented yet; implemented: ${IMPLEMENTED_CLOUDS.join(", ")}`,
    );
  }
  if (cfg.environment === undefined) {
    problems.push(
      `${PROJECT}:environment is required when the stack name ("${ctx.stack}") is not one of ${ENVIRONMENTS.join(", ")}`,
    );
  }
  if (cfg.domain === undefined) problems.push(`${PROJECT}:domain is required, e.g. loom.example.com`);
  if (cfg.image === undefined) problems.push(`${PROJECT}:image is required, e.g. ghcr.io/acme/loom:1.4.2`);

  if (problems.length > 0 || cfg.cloud === undefined || cfg.environment === undefined) {
    throw new SettingsError(problems);
  }

  const base = PROFILES[cfg.environment];
  const o = cfg.profile ?? {};
  const profile: Profile = {
    ...base,
    ...o,
    web: { ...base.web, ...o.web },
    worker: { ...base.worker, ...o.worker },
    database: { ...base.database, ...o.database },
    cache: { ...base.cache, ...o.cache },
  } as Profile;

  // Cross-key rules.
  for (const tierName of ["web", "worker"] as const) {
    const w = profile[tierName];
    if (w.minReplicas > w.maxReplicas) {
      problems.push(
        `${PROJECT}:profile.${tierName}.minReplicas: ${w.minReplicas} is larger than ${PROJECT}:profile.${tierName}.maxReplicas (${w.maxReplicas})`,
      );
    }
  }
  if (profile.database.maxStorageGiB < profile.database.storageGiB) {
    problems.push(
      `${PROJECT}:profile.database.maxStorageGiB: ${profile.database.maxStorageGiB} is smaller than ${PROJECT}:profile.database.storageGiB (${profile.database.storageGiB})`,
    );
  }
  if (profile.cache.highAvailability && profile.cache.nodes < 2) {
    problems.push(
      `${PROJECT}:profile.cache.nodes: ${profile.cache.nodes} is too small for profile.cache.highAvailability; needs at least 2`,
    );
  }
  if (cfg.environment === "prod" && profile.backupRetentionDays < 14) {
    problems.push(
      `${PROJECT}:profile.backupRetentionDays: ${profile.backupRetentionDays} is too small for prod; minimum is 14`,
    );
  }
  if (cfg.environment === "staging" && profile.backupRetentionDays < 7) {
    problems.push(
      `${PROJECT}:profile.backupRetentionDays: ${profile.backupRetentionDays} is too small for staging; minimum is 7`,
    );
  }
  if (profile.alerting && cfg.alertEmail === undefined) {
    problems.push(
      `${PROJECT}:alertEmail is required when alerting is on (the ${cfg.environment} profile, or ${PROJECT}:profile.alerting: true)`,
    );
  }
  for (const name of Object.keys(cfg.appEnv ?? {})) {
    if (SENSITIVE_NAME.test(name)) {
      problems.push(
        `${PROJECT}:appEnv.${name} looks like a credential; list it in ${PROJECT}:appSecrets so it comes from the secret store`,
      );
    }
  }

  let aws: AwsSettings | undefined;
  if (cfg.cloud === "aws") {
    const region = ctx.providerConfig?.awsRegion;
    if (!region) problems.push(`aws:region is required for ${PROJECT}:cloud aws, e.g. eu-west-1`);
    else if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
      problems.push(`aws:region: ${show(region)} is not an AWS region name such as eu-west-1`);
    }
    if (!cfg.aws?.hostedZoneId && !cfg.aws?.certificateArn) {
      problems.push(
        `${PROJECT}:aws.certificateArn is required when ${PROJECT}:aws.hostedZoneId is not set (the ALB needs a certificate for ${cfg.domain})`,
      );
    }
    const vpcCidr = cfg.aws?.vpcCidr ?? AWS_VPC_DEFAULT;
    const prefix = Number(vpcCidr.split("/")[1]);
    if (prefix < MIN_VPC_PREFIX || prefix > MAX_VPC_PREFIX) {
      problems.push(
        `${PROJECT}:aws.vpcCidr: ${show(vpcCidr)} must be a /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX} network`,
      );
    }
    aws = {
      region: region ?? "",
      vpcCidr,
      hostedZoneId: cfg.aws?.hostedZoneId,
      certificateArn: cfg.aws?.certificateArn,
    };
  } else if (cfg.aws !== undefined && Object.keys(cfg.aws).length > 0) {
    // `{}` is Pulumi.yaml's declared default, applied to every stack: not a setting.
    problems.push(
      `${PROJECT}:aws is set but ${PROJECT}:cloud is "${cfg.cloud}"; remove it or set ${PROJECT}:cloud: aws`,
    );
  }

  let kubernetes: KubernetesSettings | undefined;
  const k = cfg.kubernetes ?? {};
  if (cfg.cloud === "kubernetes") {
    const key = (name: string) => `${PROJECT}:kubernetes.${name}`;
    if (k.renderDir !== undefined) {
      for (const name of ["kubeconfig", "context"] as const) {
        if (k[name] !== undefined) {
          problems.push(
            `${key(name)} cannot be set with ${key("renderDir")} (render mode writes manifests and talks to no cluster); remove one of them`,
          );
        }
      }
    }
    if (k.clusterIssuer !== undefined) {
      for (const name of ["acmeEmail", "acmeServer", "acmeSolver", "acmeDnsSecret"] as const) {
        if (k[name] !== undefined) {
          problems.push(
            `${key(name)} configures the ClusterIssuer the program creates, but ${key("clusterIssuer")} names an existing one; remove one of them`,
          );
        }
      }
    }
    if (k.acmeSolver === "dns01-cloudflare" && k.acmeDnsSecret === undefined) {
      problems.push(
        `${key("acmeDnsSecret")} is required when ${key("acmeSolver")} is "dns01-cloudflare" (a Secret in cert-manager's namespace with the key api-token)`,
      );
    }
    (k.clusterCidrs ?? []).forEach((c, i) => {
      if (c.endsWith("/0")) {
        problems.push(
          `${key("clusterCidrs")}[${i}]: ${show(c)} would exclude the whole internet from the egress rule; list the cluster's own ranges`,
        );
      }
    });
    const namespace = k.namespace ?? `${PROJECT}-${cfg.environment}`;
    let backup: KubernetesBackupSettings | undefined;
    if (k.backup !== undefined) {
      for (const name of ["bucket", "credentialsSecret"] as const) {
        if (k.backup[name] === undefined) {
          problems.push(`${key(`backup.${name}`)} is required when ${key("backup")} is set`);
        }
      }
      backup = {
        endpoint: k.backup.endpoint,
        bucket: k.backup.bucket ?? "",
        path: k.backup.path ?? namespace,
        region: k.backup.region,
        credentialsSecret: k.backup.credentialsSecret ?? "",
        encryption: k.backup.encryption ?? "AES256",
        defaulted: false,
      };
    } else if (profile.backups) {
      // Backups are not traded away because a key is missing: a default store, loudly reported at deploy time.
      backup = {
        bucket: shorten(`${namespace}-backups`, 63),
        path: namespace,
        credentialsSecret: `${PROJECT}-backup-credentials`,
        encryption: "AES256",
        defaulted: true,
      };
    }
    const ns = k.operatorNamespaces ?? {};
    kubernetes = {
      kubeconfig: k.kubeconfig,
      context: k.context,
      renderDir: k.renderDir,
      namespace,
      installOperators: k.installOperators ?? false,
      ingressClass: k.ingressClass ?? "nginx",
      storageClass: k.storageClass,
      clusterIssuer: k.clusterIssuer,
      // Let's Encrypt no longer needs an account e-mail; the alert address is the natural contact when there is one.
      acmeEmail: k.acmeEmail ?? (k.clusterIssuer === undefined ? cfg.alertEmail : undefined),
      acmeServer: k.acmeServer ?? "production",
      acmeSolver: k.acmeSolver ?? "http01",
      acmeDnsSecret: k.acmeDnsSecret,
      clusterCidrs: k.clusterCidrs ?? [...K8S_CLUSTER_CIDRS_DEFAULT],
      mesh: k.mesh ?? "none",
      operatorNamespaces: {
        ingress: ns.ingress ?? "ingress-nginx",
        monitoring: ns.monitoring ?? "monitoring",
        cnpg: ns.cnpg ?? "cnpg-system",
        certManager: ns.certManager ?? "cert-manager",
        keda: ns.keda ?? "keda",
      },
      prometheusRelease: k.prometheusRelease ?? "kube-prometheus-stack",
      prometheusUrl:
        k.prometheusUrl ?? `http://kube-prometheus-stack-prometheus.${ns.monitoring ?? "monitoring"}.svc:9090`,
      backup,
    };
  } else if (Object.keys(k).length > 0) {
    problems.push(
      `${PROJECT}:kubernetes is set but ${PROJECT}:cloud is "${cfg.cloud}"; remove it or set ${PROJECT}:cloud: kubernetes`,
    );
  }

  if (problems.length > 0) throw new SettingsError(problems);

  return {
    project: PROJECT,
    stack: ctx.stack,
    cloud: cfg.cloud,
    environment: cfg.environment,
    domain: cfg.domain as string,
    image: cfg.image as string,
    ingressCidrs: cfg.ingressCidrs ?? ["0.0.0.0/0"],
    alertEmail: cfg.alertEmail,
    tags: cfg.tags ?? {},
    appEnv: cfg.appEnv ?? {},
    appSecrets: cfg.appSecrets ?? ["LLM_API_KEY"],
    app: { ...APP_DEFAULTS, ...cfg.app },
    profile,
    protect: profile.deletionProtection,
    aws,
    kubernetes,
  };
}

/**
 * Read every `loom:` key from Pulumi config, converting each to the kind the schema expects (Pulumi keeps scalars
 * as strings). A value that does not convert is passed through unchanged so the schema's message shows it.
 */
export function readRawConfig(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    const kind = (KEY_KINDS as Record<string, string>)[key];
    raw[key] = convert(text, kind);
  }
  return raw;
}

function convert(text: string, kind: string | undefined): unknown {
  switch (kind) {
    case "integer": {
      const n = Number(text);
      return text.trim() !== "" && Number.isFinite(n) ? n : text;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "object":
    case "array":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** Settings for the running stack. Call once, before any resource is created. */
export function loadSettings(): Settings {
  const all = pulumi.runtime.allConfig();
  return parseSettings(readRawConfig(all), {
    stack: pulumi.getStack(),
    providerConfig: { awsRegion: all["aws:region"] },
  });
}
