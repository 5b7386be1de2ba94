/**
 * The one place that reads Pulumi config: every `loom:` key (and the providers' keys the targets name) goes to
 * settings.ts's pure `parseSettings`; the alert channel credentials become secret Outputs here.
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRETS_KEY } from "./observability/channels";
import { PROJECT, parseSettings, SCHEMA, type Settings } from "./settings";
import { TARGETS } from "./targets";

/** How each top-level key is read from Pulumi config (Pulumi keeps scalars as strings, objects as JSON). */
const KEY_KINDS: Readonly<Record<string, "string" | "json">> = {
  ...Object.fromEntries(Object.keys(SCHEMA.shape).map((k) => [k, "json"])),
  cloud: "string",
  environment: "string",
  domain: "string",
  image: "string",
};

/**
 * Read every `loom:` key from Pulumi config: objects and lists are JSON, scalars strings. A value that does not
 * parse is passed through unchanged so the schema's message shows it. (Numeric and boolean strings inside objects,
 * as `pulumi config set --path` writes them, are coerced by the schema itself: targets/values.ts.)
 */
export function readRawConfig(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    raw[key] = KEY_KINDS[key] === "json" ? parseJson(text) : text;
  }
  return raw;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The other namespaces' keys every target reads (`aws:region`, …), from Pulumi config. */
function providerConfigOf(all: Record<string, string>): Record<string, string | undefined> {
  const keys = Object.values(TARGETS).flatMap((t) => t.providerKeys as readonly string[]);
  return Object.fromEntries(keys.map((k) => [k, all[k]]));
}

/** Settings for the running stack. Call once, before any resource is created. */
export function loadSettings(): Settings {
  const all = pulumi.runtime.allConfig();
  // isConfigSecret is the runtime's own (not in its .d.ts); the engine passes the stack's secret keys.
  const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
  const secretKeys = Object.keys(all).filter((k) => runtime.isConfigSecret(k));
  return parseSettings(readRawConfig(all), {
    stack: pulumi.getStack(),
    providerConfig: providerConfigOf(all),
    secretKeys,
  });
}

/**
 * The channel credentials as secret Outputs, by `loom:alertSecrets` entry: only the entries the selected cloud
 * reads (settings checked they exist and that the key is stored as a secret).
 */
export function loadAlertSecrets(settings: Settings): Record<string, pulumi.Output<string>> {
  if (settings.alertSecretEntries.length === 0) return {};
  const store = new pulumi.Config(PROJECT).requireSecretObject<Record<string, string>>(SECRETS_KEY);
  return Object.fromEntries(settings.alertSecretEntries.map((entry) => [entry, store.apply((s) => s[entry])]));
}
