/**
 * No credential-shaped literal in any string input of any resource: AWS access keys, PEM private keys, URLs or
 * connection strings with a password, well-known API token formats, and sensitive `NAME=value` lines in scripts and
 * env files (user data, cloud-init, ConfigMap files). Secret stores are the one place credentials belong, so their
 * value fields are exempt (listed below); everything else is scanned, including JSON held in strings.
 */
import { isObj } from "../../lib/props";
import { checks, rule } from "../../lib/rule";
import {
  CREDENTIAL_DETECTORS,
  credentialLiterals,
  type SensitiveNameConfig,
  sensitiveAssignments,
  sensitiveNameConfig,
} from "../../lib/sensitive";

interface Config extends SensitiveNameConfig {
  additionalExemptions: string[];
  disabledDetectors: string[];
}
const on = checks<Config>();

/**
 * Where credentials legitimately live: `type` (every input) or `type#path` (dot path, `*` matches any key or index).
 * Pulumi secrets placed here are encrypted in state and handed to the store, not to a workload.
 */
export const SECRET_STORE_FIELDS: readonly string[] = [
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:acm/certificate:Certificate#privateKey",
  "aws:iam/serverCertificate:ServerCertificate#privateKey",
  "gcp:secretmanager/secretVersion:SecretVersion",
  "gcp:compute/sSLCertificate:SSLCertificate#privateKey",
  "gcp:compute/regionSslCertificate:RegionSslCertificate#privateKey",
  "gcp:certificatemanager/certificate:Certificate#selfManaged",
  "azure-native:keyvault:Secret",
  "azure-native:app:ContainerApp#configuration.secrets",
  "azure-native:app:Job#configuration.secrets",
  "azure-native:containerinstance:ContainerGroup#containers.*.environmentVariables.*.secureValue",
  "azure-native:containerinstance:ContainerGroup#initContainers.*.environmentVariables.*.secureValue",
  "azure-native:network:ApplicationGateway#sslCertificates",
  "digitalocean:index/certificate:Certificate#privateKey",
  // A Slack webhook URL is the channel's credential and DO has no other place for it (the component passes it as a
  // Pulumi secret; the engine unwraps secrets before policies run, so the pack cannot tell — the component's test can).
  "digitalocean:index/monitorAlert:MonitorAlert#alerts.slacks.*.url",
  "digitalocean:index/uptimeAlert:UptimeAlert#notifications.*.slacks.*.url",
  // The same for the other clouds' alert channels: the webhook receiver's URL (Azure; Slack relays, PagerDuty, plain
  // webhooks) and the notification channel's sensitive labels (GCP: the Slack bot token, the PagerDuty key) are
  // each channel's credential, and the component passes them as Pulumi secrets.
  "azure-native:monitor:ActionGroup#webhookReceivers.*.serviceUri",
  "gcp:monitoring/notificationChannel:NotificationChannel#sensitiveLabels",
  "kubernetes:core/v1:Secret",
  "kubernetes:core/v1:SecretPatch",
];

/**
 * Detectors a field may match by design: an autoscale pool's template cannot be pushed to, so its boot config carries
 * the read-only Spaces key that fetches the pool's secrets at boot (a Pulumi secret; the one credential allowed there,
 * spec fact 1). Every other detector, and every other field, still applies.
 */
export const ALLOWED_DETECTORS: Readonly<Record<string, readonly string[]>> = {
  "digitalocean:index/dropletAutoscale:DropletAutoscale#dropletTemplate.userData": ["spaces-access-key"],
};

interface Exemption {
  type: string;
  /** Dot path segments (`*` = any key or index); undefined = every input of the type. */
  path?: string[];
}
const parseExemption = (e: string): Exemption => {
  const [type, path] = e.split("#") as [string, string | undefined];
  return { type, ...(path === undefined ? {} : { path: path.split(".") }) };
};
const STORE_FIELDS_BY_TYPE = new Map<string, Exemption[]>();
for (const e of SECRET_STORE_FIELDS.map(parseExemption)) {
  STORE_FIELDS_BY_TYPE.set(e.type, [...(STORE_FIELDS_BY_TYPE.get(e.type) ?? []), e]);
}

/** Copy of `value` without whatever `path` (segments, `*` wildcard) points at. */
function strip(value: unknown, path: string[]): unknown {
  if (path.length === 0) return undefined;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    return value.map((v, i) => (head === "*" || head === String(i) ? strip(v, rest) : v));
  }
  if (isObj(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = head === "*" || head === k ? strip(v, rest) : v;
    return out;
  }
  return value;
}

/** Type-specific exemptions that depend on a sibling field. */
function stripConditional(type: string, props: Record<string, unknown>): Record<string, unknown> {
  if (type === "aws:ssm/parameter:Parameter" && props.type === "SecureString") {
    const { value: _v, valueWo: _w, ...rest } = props;
    return rest;
  }
  // A private object in Spaces is DigitalOcean's secret store (the stack's secrets bucket); a public one is not.
  if (type === "digitalocean:index/spacesBucketObject:SpacesBucketObject" && (props.acl ?? "private") === "private") {
    const { content: _c, ...rest } = props;
    return rest;
  }
  if (type === "digitalocean:index/app:App" && isObj(props.spec)) {
    const hideSecretEnvs = (envs: unknown) =>
      Array.isArray(envs) ? envs.map((e) => (isObj(e) && e.type === "SECRET" ? { ...e, value: undefined } : e)) : envs;
    const spec = { ...props.spec, envs: hideSecretEnvs(props.spec.envs) } as Record<string, unknown>;
    for (const k of ["services", "workers", "jobs", "staticSites", "functions"]) {
      if (Array.isArray(spec[k])) {
        spec[k] = (spec[k] as unknown[]).map((c) => (isObj(c) ? { ...c, envs: hideSecretEnvs(c.envs) } : c));
      }
    }
    return { ...props, spec };
  }
  return props;
}

const fmt = (path: (string | number)[]) =>
  path.reduce<string>((acc, s) => (typeof s === "number" ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "");

/** The rule's config plus the type token of the resource being scanned (for ALLOWED_DETECTORS). */
type ScanConfig = Config & { type: string };

function scan(
  value: unknown,
  path: (string | number)[],
  config: ScanConfig,
  report: (m: string) => void,
  depth = 0,
): void {
  if (depth > 40) return;
  if (typeof value !== "string") {
    scanChildren(value, path, config, report, depth);
    return;
  }
  // JSON held in a string (ECS containerDefinitions, IAM policies, Secrets): walk it, so findings name the field.
  const t = value.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === "object" && parsed !== null) {
      scanChildren(parsed, path, config, report, depth + 1);
      return;
    }
  }
  const allowed = ALLOWED_DETECTORS[`${config.type}#${fmt(path)}`];
  for (const m of credentialLiterals(value)) {
    if (config.disabledDetectors.includes(m.id) || allowed?.includes(m.id)) continue;
    report(
      `input "${fmt(path)}" contains ${m.what} (${m.hint}); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference`,
    );
  }
  for (const a of sensitiveAssignments(value, config)) {
    report(
      `input "${fmt(path)}" assigns a literal value to "${a.name}" (the name matches the sensitive pattern "${a.pattern}"); read it from a secret store at runtime instead of embedding it`,
    );
  }
}

function scanChildren(
  value: unknown,
  path: (string | number)[],
  config: ScanConfig,
  report: (m: string) => void,
  depth: number,
): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) scan(value[i], [...path, i], config, report, depth + 1);
  } else if (isObj(value)) for (const [k, v] of Object.entries(value)) scan(v, [...path, k], config, report, depth + 1);
}

export const noCredentialLiterals = rule<Config>({
  name: "no-credential-literals",
  concern: "secrets",
  description:
    "No string input of any resource contains a credential-shaped literal (AWS access key, PEM private key, URL or connection string with a password, known API token formats, sensitive NAME=value lines in scripts); secret-store value fields are exempt.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove the literal: generate credentials (@pulumi/random, cloud-managed passwords) into a secret store and hand workloads a reference (ECS secrets, secretKeyRef, Key Vault references). Rotate any credential that was ever committed. For a proven false positive, add `<type>#<path>` to additionalExemptions or disable one detector in the pack config.",
  config: {
    ...sensitiveNameConfig,
    additionalExemptions: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "Extra exempt inputs as `<type token>` or `<type token>#<dot.path>` (`*` matches any key or index).",
    },
    disabledDetectors: {
      type: "array",
      items: { type: "string", enum: [...CREDENTIAL_DETECTORS] },
      default: [],
      description: `Detectors to switch off: ${CREDENTIAL_DETECTORS.join(", ")}.`,
    },
  },
  checks: [
    on<Record<string, unknown>>(["*"], (props, ctx) => {
      let input: unknown = stripConditional(ctx.type, props);
      const extra = ctx.config.additionalExemptions.map(parseExemption).filter((e) => e.type === ctx.type);
      for (const e of [...(STORE_FIELDS_BY_TYPE.get(ctx.type) ?? []), ...extra]) {
        if (e.path === undefined) return; // the whole resource is a secret store
        input = strip(input, e.path);
      }
      scanChildren(input, [], { ...ctx.config, type: ctx.type }, ctx.report, 0);
    }),
  ],
});
