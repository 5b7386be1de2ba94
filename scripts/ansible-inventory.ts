/**
 * The Ansible inventory of a DigitalOcean stack, from its outputs (ansible/README.md):
 *   ansible/inventory/<stack>.yml                 fixed droplets by private IP (through an optional ProxyJump), and
 *                                                 per group the state its boot config gives (files, packages, units,
 *                                                 UFW ports, secret keys): what provision.yml converges a host to;
 *   ansible/inventory/<stack>.digitalocean.yml    autoscale pools, found by tag with the community.digitalocean
 *                                                 inventory plugin (pool members come and go; DO_API_TOKEN).
 * Source: `pulumi stack output --json` (the `hosts` and `bootConfig` outputs) or `npm run plan -- --json` (the same
 * outputs under `outputs`). Pure core (`inventoryFiles`) + a thin CLI. No credential is read or written: secrets are
 * pushed by playbooks/secrets.yml from the secrets bucket, and boot files that carry a redacted credential (a pool's
 * fetch key) are left out, because they only matter at first boot.
 *
 * Usage: node -r ts-node/register/transpile-only scripts/ansible-inventory.ts --stack prod
 *          [--from outputs.json] [--out-dir ansible/inventory] [--proxy-jump user@bastion] [--user ubuntu]
 *          [--secrets-bucket NAME --secrets-region ams3]
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, Scalar, stringify } from "yaml";
// `secretKeys` (optional) names a group's secret files exactly; without it they are read from the boot config.
import type { HostGroups } from "../components/app-service/index";
import { credentialLiterals } from "../policy/lib/sensitive";

export interface InventoryOptions {
  stack: string;
  /** `user@host` every SSH connection jumps through (a bastion in the VPC, or a VPN makes it unnecessary). */
  proxyJump?: string;
  /** The admin user the SSH keys log in as (root logins are disabled by the boot config). */
  user?: string;
  secretsBucket?: string;
  secretsRegion?: string;
}

export interface BootFileVar {
  path: string;
  content: string;
  mode: string;
  owner: string;
  group: string;
}

/** What a group's boot config makes of a host, as Ansible variables. */
export interface BootState {
  loom_packages: string[];
  /** .deb packages the boot config downloads and installs (Vector); `$(dpkg --print-architecture)` left in. */
  loom_debs: string[];
  loom_files: BootFileVar[];
  /** Units the boot config enables (`systemctl enable [--now] …`). */
  loom_units: string[];
  /** Supplementary groups the boot config adds (`usermod -a -G group user`). */
  loom_user_groups: { user: string; group: string }[];
  loom_ufw_allow: string[];
  loom_secret_keys: string[];
}

const REDACTED = "[redacted]";
/** The pool's fetch key (components/lib/do-host.ts FETCH_CREDENTIALS_PATH): never in an inventory, redacted or not. */
export const FETCH_CREDENTIALS_PATH = "/etc/loom/fetch-credentials";
const SECRET_FILE = /\/etc\/loom\/secrets\/([a-z0-9][a-z0-9-]{0,62})/g;
/** The loom-secrets script (components/lib/do-host.ts) names its keys as `fetch 'k'` or `for key in 'a' 'b'; do`. */
const SECRET_SCRIPT_KEYS = /^(?:fetch\s+'([a-z0-9][a-z0-9-]{0,62})'|for key in ((?:\s*'[a-z0-9-]+')+); do)$/;
const UFW_ALLOW = /^ufw\s+allow\s+(\d{1,5}(?::\d{1,5})?)(?:\/(tcp|udp))?$/;
const ENABLE = /^systemctl\s+enable\s+(?:--now\s+)?([A-Za-z0-9@_.-]+\.(?:service|timer|path|socket))$/;
const DEB = /"(https:\/\/[^"\s]+(?:\$\(dpkg --print-architecture\))?[^"\s]*\.deb)"/;
const USERMOD = /^usermod\s+-a\s+-G\s+([a-z0-9_-]+)\s+([a-z0-9_-]+)$/;
const ANSIBLE_GROUP = /^[a-z][a-z0-9_]*$/;

function runcmdLines(runcmd: unknown): string[] {
  if (!Array.isArray(runcmd)) return [];
  return runcmd.map((c) => (Array.isArray(c) ? c.map(String).join(" ") : String(c)).trim());
}

function fileVar(raw: Record<string, unknown>): BootFileVar {
  const encoding = String(raw.encoding ?? "text");
  let content = String(raw.content ?? "");
  if (/^(b64|base64)$/.test(encoding)) content = Buffer.from(content, "base64").toString("utf8");
  else if (encoding !== "text") throw new Error(`write_files ${raw.path}: encoding ${encoding} is not supported`);
  const [owner, group] = String(raw.owner ?? "root:root").split(":");
  return {
    path: String(raw.path),
    content,
    mode: String(raw.permissions ?? "0644"),
    owner,
    group: group ?? owner,
  };
}

/** Files an inventory carries: not the fetch key, nothing redacted, and (refused loudly) no credential literal. */
function keepFile(f: BootFileVar): boolean {
  if (f.path === FETCH_CREDENTIALS_PATH || f.content.includes(REDACTED)) return false;
  const found = credentialLiterals(f.content);
  if (found.length > 0) {
    throw new Error(`write_files ${f.path}: holds a credential (${found.map((m) => m.what).join(", ")}); refusing`);
  }
  return true;
}

const matches = (lines: string[], re: RegExp) =>
  lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
const uniq = (xs: string[]) => [...new Set(xs)].sort();

/** Secret keys: every `/etc/loom/secrets/<key>` the config mentions, and the keys the loom-secrets script names. */
function secretKeysOf(cloudConfig: string, files: BootFileVar[]): string[] {
  const script = files.flatMap((f) => (f.path === "/usr/local/sbin/loom-secrets" ? f.content.split("\n") : []));
  const fromScript = matches(script, SECRET_SCRIPT_KEYS).flatMap((m) =>
    m[1] ? [m[1]] : [...m[2].matchAll(/'([a-z0-9-]+)'/g)].map((k) => k[1]),
  );
  return uniq([...[...cloudConfig.matchAll(SECRET_FILE)].map((m) => m[1]), ...fromScript]);
}

/**
 * The state one `#cloud-config` text gives a host: its packages and .debs, its files (less those holding a redacted
 * credential: a pool's fetch key, needed at first boot only), the units it enables, the groups it adds, the ports
 * `ufw allow` opens, and the secret files it waits for or fetches.
 */
export function bootState(cloudConfig: string): BootState {
  const doc = (parse(cloudConfig) ?? {}) as Record<string, unknown>;
  const files = ((doc.write_files ?? []) as Record<string, unknown>[]).map(fileVar);
  const runcmd = runcmdLines(doc.runcmd);
  const packages = ((doc.packages ?? []) as unknown[]).map((p) => (Array.isArray(p) ? `${p[0]}=${p[1]}` : String(p)));
  return {
    loom_packages: [...new Set(packages)],
    loom_debs: uniq(
      matches(
        runcmd.filter((l) => l.startsWith("curl ")),
        DEB,
      ).map((m) => m[1]),
    ),
    loom_files: files.filter(keepFile),
    loom_units: uniq(matches(runcmd, ENABLE).map((m) => m[1])),
    loom_user_groups: matches(runcmd, USERMOD).map((m) => ({ user: m[2], group: m[1] })),
    loom_ufw_allow: uniq(matches(runcmd, UFW_ALLOW).map((m) => `${m[1]}/${m[2] ?? "tcp"}`)),
    loom_secret_keys: secretKeysOf(cloudConfig, files),
  };
}

/** The stack outputs from either `pulumi stack output --json` or the plan's `--json` document. */
export function stackOutputs(doc: Record<string, unknown>): Record<string, unknown> {
  if (doc.outputs && typeof doc.outputs === "object" && "resources" in doc) {
    return doc.outputs as Record<string, unknown>;
  }
  return doc;
}

function groupsOf(outputs: Record<string, unknown>): HostGroups {
  const hosts = outputs.hosts;
  if (!hosts || typeof hosts !== "object" || Object.keys(hosts).length === 0) {
    throw new Error("the stack has no `hosts` output: is it a digitalocean stack that has been planned or deployed?");
  }
  for (const [name, g] of Object.entries(hosts as HostGroups)) {
    if (!ANSIBLE_GROUP.test(name)) throw new Error(`hosts.${name}: not a valid Ansible group name`);
    if (typeof g?.tag !== "string" || !Array.isArray(g.hosts)) throw new Error(`hosts.${name}: needs tag and hosts`);
  }
  return hosts as HostGroups;
}

function connectionVars(opts: InventoryOptions): Record<string, unknown> {
  return {
    loom_stack: opts.stack,
    ansible_user: opts.user ?? "ubuntu",
    ansible_become: true,
    ...(opts.proxyJump ? { ansible_ssh_common_args: `-o ProxyJump=${opts.proxyJump}` } : {}),
    ...(opts.secretsBucket ? { loom_secrets_bucket: opts.secretsBucket } : {}),
    ...(opts.secretsRegion ? { loom_secrets_region: opts.secretsRegion } : {}),
  };
}

/** File contents go in as `!unsafe`: Ansible must not template them (Prometheus and Traefik configs use `{{ }}`). */
function unsafe(state: BootState | undefined): object {
  if (!state) return {};
  const literal = (text: string) => Object.assign(new Scalar(text), { tag: "!unsafe" });
  return { ...state, loom_files: state.loom_files.map((f) => ({ ...f, content: literal(f.content) })) };
}

const HEADER = (stack: string) =>
  `# Generated by scripts/ansible-inventory.ts from the outputs of stack ${stack}: do not edit, regenerate.\n`;
const yaml = (stack: string, doc: unknown) => HEADER(stack) + stringify(doc, { lineWidth: 0 });

/** File name (relative to the inventory directory) → content. */
export function inventoryFiles(outputsDoc: Record<string, unknown>, opts: InventoryOptions): Map<string, string> {
  const outputs = stackOutputs(outputsDoc);
  const groups = groupsOf(outputs);
  const boot = (outputs.bootConfig ?? {}) as Record<string, string>;
  const children: Record<string, unknown> = {};
  const pools: Record<string, string> = {};
  for (const [name, g] of Object.entries(groups)) {
    const state = typeof boot[name] === "string" ? bootState(boot[name]) : undefined;
    if (state && g.secretKeys) state.loom_secret_keys = [...g.secretKeys].sort();
    const hosts = Object.fromEntries(g.hosts.map((h) => [h.name, { ansible_host: h.privateIp }]));
    const pool = g.hosts.length === 0;
    if (pool) pools[name] = g.tag;
    children[name] = {
      ...(pool ? {} : { hosts }),
      vars: { loom_group: name, loom_tag: g.tag, loom_pool: pool, loom_has_boot_config: !!state, ...unsafe(state) },
    };
  }
  // Pool members fetch their own secrets at boot: `all:!pools` is every host Ansible pushes secrets to.
  if (Object.keys(pools).length > 0) {
    children.pools = { children: Object.fromEntries(Object.keys(pools).map((g) => [g, {}])) };
  }
  const files = new Map<string, string>();
  // The secrets bucket: the options, else the stack's `secretsBucket` / `secretsRegion` outputs when it has them.
  const fromStack = (k: string) => (typeof outputs[k] === "string" ? (outputs[k] as string) : undefined);
  const withBucket = {
    ...opts,
    secretsBucket: opts.secretsBucket ?? fromStack("secretsBucket"),
    secretsRegion: opts.secretsRegion ?? fromStack("secretsRegion"),
  };
  files.set(`${opts.stack}.yml`, yaml(opts.stack, { all: { vars: connectionVars(withBucket), children } }));
  if (Object.keys(pools).length > 0) files.set(`${opts.stack}.digitalocean.yml`, yaml(opts.stack, poolPlugin(pools)));
  return files;
}

/** The community.digitalocean plugin config: pool members by tag, addressed by their private IP. */
function poolPlugin(pools: Record<string, string>): object {
  return {
    plugin: "community.digitalocean.digitalocean",
    attributes: ["id", "name", "networks", "region", "tags"],
    filters: [
      `(${Object.values(pools)
        .map((t) => `"${t}" in do_tags`)
        .join(" or ")})`,
    ],
    groups: Object.fromEntries(Object.entries(pools).map(([g, t]) => [g, `"${t}" in do_tags`])),
    compose: {
      ansible_host: "do_networks.v4 | selectattr('type', 'eq', 'private') | map(attribute='ip_address') | first",
    },
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: string[]): number {
  const stack = flag(argv, "stack");
  if (!stack || !/^[a-z0-9][a-z0-9-]*$/.test(stack)) {
    console.error("usage: ansible-inventory.ts --stack <stack> [--from outputs.json] [--out-dir DIR] ...");
    return 2;
  }
  const from = flag(argv, "from");
  const text = from
    ? fs.readFileSync(from === "-" ? 0 : from, "utf8")
    : execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8" });
  const files = inventoryFiles(JSON.parse(text), {
    stack,
    proxyJump: flag(argv, "proxy-jump"),
    user: flag(argv, "user"),
    secretsBucket: flag(argv, "secrets-bucket"),
    secretsRegion: flag(argv, "secrets-region"),
  });
  const outDir = flag(argv, "out-dir") ?? path.resolve(__dirname, "..", "ansible", "inventory");
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, content] of files) {
    fs.writeFileSync(path.join(outDir, name), content);
    console.log(`wrote ${path.join(outDir, name)}`);
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
