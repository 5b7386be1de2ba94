/**
 * The files a DigitalOcean droplet will run, written out so an operator can read them (issue 13 item 2), from the
 * plan's redacted `bootConfig` output (group → `#cloud-config`, AppServiceOutputs.bootConfig):
 *
 *   DIR/<group>/cloud-config.yaml   the boot config exactly as published (credentials already "[redacted]"); a
 *                                   droplet whose plain userData no group shows (backup, monitor) is a group of its
 *                                   own, named by its resource name (loom-backup)
 *   DIR/<group>/compose.yaml        the compose file it carries (write_files /opt/loom/compose.yaml), when it has one
 *   DIR/<group>/files/<path>        every write_files entry at its droplet path (edge proxy config, units, …)
 *   DIR/index.json                  group → those paths, the edge proxy config(s) named
 *
 * `npm run plan -- --stack S --cloud digitalocean --out-dir DIR` writes them after planning; the sibling command
 * `node -r ts-node/register/transpile-only scripts/do-artefacts.ts --plan-json FILE --out-dir DIR` does the same from
 * a plan JSON written with `--json`. scripts/do-check.sh validates them with compose-go and `cloud-init schema`.
 * Nothing is written if a file carries a credential marker (the redaction would have failed): exit 2, naming it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";

export const COMPOSE_PATH = "/opt/loom/compose.yaml";
/** Where the edge proxy's config may live on a web droplet (Traefik, nginx, Caddy, HAProxy). */
const EDGE_CONFIG = /\/(traefik|nginx|caddy|haproxy|edge)[^/]*(\/|$)/i;
/**
 * Credentials that must never be in a published boot config: the plan's own fakes and mock-generated values, PEM
 * private keys, DO tokens, `scheme://user:pass@`. Finding one means the redaction failed.
 */
const CREDENTIAL_MARKERS: readonly [string, RegExp][] = [
  ["a plan fake secret", /fake-secret-for-|secret\.example\.com\/fake-/],
  ["a mock-generated password", /mock-generated-password-/],
  ["a PEM private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a DigitalOcean token", /\bdo[por]_v1_[0-9a-f]{16,}/],
  ["a URL with a password", /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
];

export interface Artefact {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

export interface GroupIndex {
  cloudConfig: string;
  compose?: string;
  /** Droplet path → artefact path. */
  files: Record<string, string>;
  edgeProxyConfig: string[];
  /** Host paths the compose file reads that nothing in the boot config writes or makes (unresolvedHostPaths). */
  unresolved?: string[];
}

export class ArtefactError extends Error {
  override name = "ArtefactError";
}

interface WriteFile {
  path?: unknown;
  content?: unknown;
  encoding?: unknown;
}

/** A write_files entry's text (cloud-init's `b64`/`base64` encodings decoded; gzip is refused: unreadable). */
function decodeContent(group: string, entry: WriteFile): string {
  const content = entry.content === undefined || entry.content === null ? "" : String(entry.content);
  const encoding = entry.encoding === undefined ? "text/plain" : String(entry.encoding);
  if (encoding === "text/plain") return content;
  if (encoding === "b64" || encoding === "base64") return Buffer.from(content, "base64").toString("utf8");
  throw new ArtefactError(
    `bootConfig.${group}: write_files ${String(entry.path)} has encoding "${encoding}"; the artefacts read text/plain or b64 only`,
  );
}

/** The droplet path as a relative path under files/ (absolute, no `..`). */
function filesPath(group: string, dropletPath: unknown): string {
  const p = typeof dropletPath === "string" ? dropletPath : "";
  if (!p.startsWith("/") || p.split("/").some((seg) => seg === ".." || seg === ".")) {
    throw new ArtefactError(
      `bootConfig.${group}: write_files path ${JSON.stringify(dropletPath)} is not an absolute path`,
    );
  }
  return `${group}/files${p}`;
}

function writeFilesOf(group: string, cloudConfig: string): WriteFile[] {
  let doc: unknown;
  try {
    doc = parse(cloudConfig);
  } catch (e) {
    throw new ArtefactError(`bootConfig.${group}: not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ArtefactError(`bootConfig.${group}: the cloud-config is not a mapping`);
  }
  const entries = (doc as { write_files?: unknown }).write_files ?? [];
  if (!Array.isArray(entries)) throw new ArtefactError(`bootConfig.${group}: write_files is not a list`);
  return entries as WriteFile[];
}

/** Where secret files arrive (Ansible's push or the boot-time fetch), outside write_files by design. */
const DELIVERED = "/etc/loom/secrets/";

/** The host paths a compose file reads: bind-mount sources, env_file entries, file-based secrets and configs. */
export function composeHostPaths(compose: string): string[] {
  const doc = (parse(compose) ?? {}) as {
    services?: Record<string, { volumes?: unknown[]; env_file?: unknown }>;
    secrets?: Record<string, { file?: unknown }>;
    configs?: Record<string, { file?: unknown }>;
  };
  const found = new Set<string>();
  const add = (p: unknown) => typeof p === "string" && p.startsWith("/") && found.add(p);
  for (const svc of Object.values(doc.services ?? {})) {
    for (const v of svc.volumes ?? []) {
      if (typeof v === "string") add(v.split(":")[0]);
      else if (v && typeof v === "object" && (v as { type?: unknown }).type === "bind")
        add((v as { source?: unknown }).source);
    }
    const envFiles = Array.isArray(svc.env_file) ? svc.env_file : svc.env_file === undefined ? [] : [svc.env_file];
    for (const e of envFiles) add(typeof e === "string" ? e : (e as { path?: unknown }).path);
  }
  for (const top of [doc.secrets, doc.configs]) for (const d of Object.values(top ?? {})) add(d.file);
  return [...found].sort();
}

/**
 * The compose file's host paths that would be missing on the droplet: not a written file, not a directory holding
 * one, not under /etc/loom/secrets/ (delivered), and named by no other written file (a script or unit that makes it,
 * like the env files loom-secrets assembles). Docker would bind an empty directory in its place.
 */
export function unresolvedHostPaths(compose: string, files: Record<string, string>): string[] {
  const written = Object.keys(files);
  return composeHostPaths(compose).filter(
    (p) =>
      !p.startsWith(DELIVERED) &&
      !written.some((w) => w === p || w.startsWith(`${p}/`)) &&
      !written.some((w) => w !== COMPOSE_PATH && files[w].includes(p)),
  );
}

function contentOf(artefacts: readonly Artefact[], at: string): string {
  return artefacts.find((a) => a.path === at)?.content ?? "";
}

/** The artefacts of one droplet group's boot config, and its index entry. */
export function groupArtefacts(group: string, cloudConfig: string): { artefacts: Artefact[]; index: GroupIndex } {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(group)) {
    throw new ArtefactError(`bootConfig: group name ${JSON.stringify(group)} is not [a-z0-9-]`);
  }
  if (!cloudConfig.startsWith("#cloud-config")) {
    throw new ArtefactError(`bootConfig.${group}: does not start with "#cloud-config"`);
  }
  const index: GroupIndex = { cloudConfig: `${group}/cloud-config.yaml`, files: {}, edgeProxyConfig: [] };
  const artefacts: Artefact[] = [{ path: index.cloudConfig, content: cloudConfig }];
  for (const entry of writeFilesOf(group, cloudConfig)) {
    const at = filesPath(group, entry.path);
    const dropletPath = entry.path as string;
    if (index.files[dropletPath]) throw new ArtefactError(`bootConfig.${group}: write_files ${dropletPath} twice`);
    const content = decodeContent(group, entry);
    index.files[dropletPath] = at;
    artefacts.push({ path: at, content });
    if (dropletPath === COMPOSE_PATH) {
      index.compose = `${group}/compose.yaml`;
      artefacts.push({ path: index.compose, content });
    }
    if (EDGE_CONFIG.test(dropletPath)) index.edgeProxyConfig.push(at);
  }
  const compose = artefacts.find((a) => a.path === index.compose)?.content;
  if (compose !== undefined) {
    const contents = Object.fromEntries(Object.entries(index.files).map(([d, at]) => [d, contentOf(artefacts, at)]));
    index.unresolved = unresolvedHostPaths(compose, contents);
  }
  return { artefacts, index };
}

/** A planned resource as the plan JSON lists it (secret inputs already "[secret]"). */
export interface PlannedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const DROPLET = "digitalocean:index/droplet:Droplet";
const POOL = "digitalocean:index/dropletAutoscale:DropletAutoscale";

/**
 * Boot configs of droplets that no bootConfig group shows (the backup and monitor droplets belong to other
 * components), by resource name: a plain (non-secret) userData, not identical to a published group's.
 */
function dropletBootConfigs(resources: readonly PlannedResource[], published: Set<string>): [string, string][] {
  const out: [string, string][] = [];
  for (const r of resources) {
    const userData =
      r.type === DROPLET
        ? r.inputs.userData
        : r.type === POOL
          ? (r.inputs.dropletTemplate as { userData?: unknown } | undefined)?.userData
          : undefined;
    if (typeof userData !== "string" || userData === "[secret]" || published.has(userData)) continue;
    published.add(userData);
    out.push([r.name, userData]);
  }
  return out;
}

/**
 * Every group's artefacts plus DIR/index.json, from the plan's (display) outputs, and from its resources the boot
 * config of every droplet the bootConfig output does not cover.
 */
export function planArtefacts(
  outputs: Record<string, unknown>,
  resources: readonly PlannedResource[] = [],
): Artefact[] {
  const boot = outputs.bootConfig;
  if (boot === "[secret]") {
    throw new ArtefactError("the bootConfig output is secret: it must be the redacted rendering (redactedCloudConfig)");
  }
  if (boot === undefined || boot === null || typeof boot !== "object" || Array.isArray(boot)) {
    throw new ArtefactError(
      "the plan has no bootConfig output (group → #cloud-config): only a digitalocean plan has boot configs",
    );
  }
  const groups = Object.entries(boot as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  if (groups.length === 0) throw new ArtefactError("the bootConfig output has no droplet group");
  const published = new Set(groups.map(([, text]) => text).filter((t): t is string => typeof t === "string"));
  const extra = dropletBootConfigs(resources, published).filter(([name]) => {
    if (groups.some(([g]) => g === name)) throw new ArtefactError(`droplet ${name} has the name of a bootConfig group`);
    return true;
  });
  groups.push(...extra.sort(([a], [b]) => a.localeCompare(b)));
  const all: Artefact[] = [];
  const index: Record<string, GroupIndex> = {};
  for (const [group, text] of groups) {
    if (typeof text !== "string") throw new ArtefactError(`bootConfig.${group} is not a string`);
    const one = groupArtefacts(group, text);
    all.push(...one.artefacts);
    index[group] = one.index;
  }
  for (const a of all) {
    for (const [what, re] of CREDENTIAL_MARKERS) {
      if (re.test(a.content)) throw new ArtefactError(`${a.path} contains ${what}: nothing written`);
    }
  }
  all.push({ path: "index.json", content: `${JSON.stringify(index, null, 2)}\n` });
  return all;
}

/**
 * Write the artefacts under `dir` (created if missing). The group folders it writes are replaced whole, so a
 * stale file from an earlier plan never lingers beside the new ones. Returns the written paths (relative).
 */
export function writeArtefacts(dir: string, artefacts: readonly Artefact[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const groups = new Set(artefacts.map((a) => a.path.split("/")[0]).filter((g) => g !== "index.json"));
  for (const g of groups) fs.rmSync(path.join(dir, g), { recursive: true, force: true });
  for (const a of artefacts) {
    const file = path.join(dir, a.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, a.content, { mode: 0o644 });
  }
  return artefacts.map((a) => a.path);
}

/** The `--out-dir` step of `npm run plan` (and of this file's command): a message, or an ArtefactError. */
export function writePlanArtefacts(
  dir: string,
  outputs: Record<string, unknown>,
  resources: readonly PlannedResource[] = [],
): string {
  const written = writeArtefacts(dir, planArtefacts(outputs, resources));
  const groups = new Set(written.filter((p) => p !== "index.json").map((p) => p.split("/")[0]));
  return `Wrote ${written.length} file(s) for ${groups.size} boot config(s) (${[...groups].join(", ")}) under ${dir}`;
}

const USAGE = "usage: scripts/do-artefacts.ts --plan-json <file written by npm run plan -- --json> --out-dir <dir>";

/** The sibling command. Exit: 0 written · 2 usage, unreadable plan or an artefact problem. */
export function main(argv: string[]): number {
  let values: { "plan-json"?: string; "out-dir"?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { "plan-json": { type: "string" }, "out-dir": { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values["plan-json"] || !values["out-dir"]) {
    console.error(`--plan-json and --out-dir are required\n${USAGE}`);
    return 2;
  }
  try {
    const plan = JSON.parse(fs.readFileSync(values["plan-json"], "utf8")) as {
      outputs?: Record<string, unknown>;
      resources?: PlannedResource[];
    };
    console.log(writePlanArtefacts(values["out-dir"], plan.outputs ?? {}, plan.resources ?? []));
    return 0;
  } catch (e) {
    console.error(`do-artefacts: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
