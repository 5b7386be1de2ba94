/**
 * The chart's values: the settings every render carries (namespace, environment, images, domain) and the profile
 * keys (components/profiles.ts PROFILES), with the formats the program writes them in (components/lib/k8s.ts), so a
 * rendered leaf can be traced back to the key it comes from.
 */
import { cpuQuantity, memoryQuantity } from "../../components/lib/k8s";
import { stackUid } from "../../components/observability/catalog/grafana";
import { ENVIRONMENTS, type Environment, PROFILES } from "../../components/profiles";
import { loadStackConfig, ROOT } from "../lib/plan";
import { namespaceFor, SOURCE_STACK } from "./render";

/** A settings value replaced in every string of the renders by `@@<key>@@`; the chart puts the value back. */
export interface Setting {
  key: string;
  doc: string;
  /** Per profile. */
  values: Record<Environment, string>;
  /**
   * Substring replacement (distinctive values), or as a word only (short words such as "prod": not inside a name
   * or a path like "loom-dev" or "/dev/null", but in "deployment.environment.name=prod,…").
   */
  whole: boolean;
  /**
   * A value computed from another setting, not a values key: the Go expression (of `$root`) the chart replaces the
   * placeholder with (e.g. the dashboards' uid suffix, a hash of the namespace).
   */
  expr?: string;
}

export const placeholder = (key: string): string => `@@${key}@@`;

/** The namespace's hash as the dashboards' uids carry it (one home: stackUid). */
export function namespaceHash(namespace: string): string {
  return stackUid("x", namespace).slice("loom-x-".length);
}

/** The settings of the source stack that reach the manifests. */
export function settingsOf(root = ROOT): Setting[] {
  const { config } = loadStackConfig(SOURCE_STACK, root);
  const same = (v: string) => Object.fromEntries(ENVIRONMENTS.map((e) => [e, v])) as Record<Environment, string>;
  const need = (key: string): string => {
    const v = config[key];
    if (!v) throw new Error(`Pulumi.${SOURCE_STACK}.yaml: ${key} must be set (the chart's default for it)`);
    return v;
  };
  const backup = JSON.parse(config["loom:backup"] ?? "{}") as { image?: string };
  const out: Setting[] = [
    {
      key: "namespace",
      doc: "The namespace every object lives in (the program's loom:kubernetes.namespace; created by the chart with Pod Security `restricted`).",
      values: Object.fromEntries(ENVIRONMENTS.map((e) => [e, namespaceFor(e)])) as Record<Environment, string>,
      whole: false,
    },
    {
      key: "environment",
      doc: "The profile name (labels, OpenTelemetry resource attributes): dev, staging or prod.",
      values: Object.fromEntries(ENVIRONMENTS.map((e) => [e, e])) as Record<Environment, string>,
      whole: true,
    },
    {
      key: "image",
      doc: "The app image, pinned by digest (loom:image).",
      values: same(need("loom:image")),
      whole: false,
    },
    {
      key: "domain",
      doc: "The public host name of the web tier (loom:domain).",
      values: same(need("loom:domain")),
      whole: false,
    },
  ];
  out.push({
    key: "namespaceHash",
    doc: "The first 8 hex digits of the namespace's SHA-256 (Grafana dashboard uids, observability/catalog/grafana.ts).",
    values: Object.fromEntries(ENVIRONMENTS.map((e) => [e, namespaceHash(namespaceFor(e))])) as Record<
      Environment,
      string
    >,
    whole: false,
    expr: "(sha256sum $root.Values.namespace | trunc 8)",
  });
  if (backup.image) {
    out.push({
      key: "backupImage",
      doc: "The logical-backup job's image, pinned by digest (loom:backup.image).",
      values: same(backup.image),
      whole: false,
    });
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `word` not touching a letter, digit, `_`, `.`, `/` or `-`. */
const wordPattern = (word: string) => new RegExp(`(?<![\\w./-])${escapeRe(word)}(?![\\w./-])`, "g");

/** A content-hash name (render.ts contentName) as a setting: the chart computes it (templates/_<name>.tpl). */
export function hashedNameSetting(base: string, values: Record<Environment, string>): Setting {
  return {
    key: `name:${base}`,
    doc: `the name of ${base}, a hash of its data`,
    values,
    whole: false,
    expr: `(include ${JSON.stringify(`loom.name.${base}`)} $root)`,
  };
}

/** Replace the settings' values by their placeholders in every string of `value` (keys included). */
export function substitute(value: unknown, env: Environment, settings: readonly Setting[]): unknown {
  if (typeof value === "string") {
    if (value.includes("@@"))
      throw new Error(`a rendered string already contains "@@" (the placeholder mark): ${value}`);
    let s = value;
    // Longest values first, so a value that contains another is replaced whole.
    for (const st of [...settings].sort((a, b) => b.values[env].length - a.values[env].length)) {
      if (st.whole) s = s.replace(wordPattern(st.values[env]), placeholder(st.key));
      else if (st.values[env]) s = s.split(st.values[env]).join(placeholder(st.key));
    }
    return s;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, env, settings));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [substitute(k, env, settings) as string, substitute(v, env, settings)]),
    );
  }
  return value;
}

/** How a profile value appears in a manifest: the program's own formatter, and the chart helper doing the same. */
export interface Format {
  name: string;
  js: (v: unknown) => unknown;
  /** A Go template expression of `x` (the value expression) producing the same value. */
  go: (x: string) => string;
}

/** A formatter of positive numbers (the program's quantity formatters throw on anything else). */
const num = (f: (n: number) => unknown) => (v: unknown) => (typeof v === "number" && v > 0 ? f(v) : undefined);

export const FORMATS: readonly Format[] = [
  { name: "value", js: (v) => v, go: (x) => x },
  { name: "string", js: (v) => (typeof v === "number" ? String(v) : undefined), go: (x) => `${x} | toString` },
  { name: "cpu", js: num((n) => cpuQuantity(n)), go: (x) => `include "loom.cpu" ${x}` },
  {
    name: "memory",
    js: num((n) => (Number.isInteger(n) ? memoryQuantity(n) : undefined)),
    go: (x) => `include "loom.memory" ${x}`,
  },
  {
    // /tmp of a pod: an emptyDir of half the ephemeral storage, at least 64 MiB (components/app-service/pod-spec.ts).
    name: "half-memory",
    js: num((n) => memoryQuantity(Math.max(64, Math.floor(n / 2)))),
    go: (x) => `include "loom.halfMemory" ${x}`,
  },
  { name: "gibibytes", js: num((n) => `${n}Gi`), go: (x) => `printf "%dGi" (int ${x})` },
];

/** The profile's leaves as dotted keys ("web.cpu") → value, for one environment. */
export function profileLeaves(env: Environment): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, at: string) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    } else out.set(at, v);
  };
  walk(PROFILES[env], "");
  return out;
}
