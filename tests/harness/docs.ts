/**
 * Parsers for the operations handbook (docs/runbooks, docs/troubleshooting, docs/upgrades.md, docs/capacity.md):
 * what tests/docs/handbook.spec.ts checks against the code. Pure functions over markdown text, plus the lists of
 * files the handbook is made of.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");
export const mdIn = (dir: string) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `${dir}/${f}`);

/** Every file of the handbook (a missing one is for the caller to report, not a crash while collecting tests). */
export const handbookFiles = () =>
  [...mdIn("docs/runbooks"), ...mdIn("docs/troubleshooting"), "docs/upgrades.md", "docs/capacity.md"].filter((f) =>
    fs.existsSync(path.join(ROOT, f)),
  );

/** The headings a per-cloud guide must carry, one per implemented cloud. */
export const CLOUD_HEADINGS = ["AWS", "GCP", "Azure", "DigitalOcean", "Kubernetes"] as const;

/** The guides that must carry one section per cloud (a heading naming it). */
export const perCloudFiles = () =>
  [
    "docs/runbooks/deploy.md",
    "docs/runbooks/rollback.md",
    "docs/runbooks/backup-restore.md",
    "docs/runbooks/scaling.md",
    "docs/runbooks/database-maintenance.md",
    "docs/runbooks/incident-response.md",
    ...mdIn("docs/troubleshooting").filter((f) => !f.endsWith("/README.md")),
    "docs/upgrades.md",
    "docs/capacity.md",
  ].filter((f) => fs.existsSync(path.join(ROOT, f)));

/** The seed's seven troubleshooting guides. */
export const TROUBLESHOOTING = [
  "application-not-starting",
  "high-cpu",
  "high-memory",
  "slow-responses",
  "database-connections",
  "queue-backup",
  "llm-api-failures",
] as const;

/** The sections every troubleshooting guide has, in this order. */
export const GUIDE_SECTIONS = ["Symptom", "First checks", "Likely causes", "Fixes", "Verify", "Escalate"] as const;

/** Markdown without fenced code blocks (a `# comment` in a shell block is not a heading). */
export function prose(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, "");
}

/** The heading lines of a document (outside code blocks), without their `#` marks, with their level. */
export function headings(md: string): { level: number; text: string }[] {
  const out: { level: number; text: string }[] = [];
  for (const line of prose(md).split("\n")) {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) out.push({ level: m[1].length, text: m[2] });
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes; duplicates get -1, -2. */
export function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of headings(md)) {
    const base = text
      .toLowerCase()
      .replace(/`/g, "")
      .replace(/[^\p{L}\p{N}\- _]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Stack outputs: `export const x =` in index.ts plus the keys of the DigitalOcean-only `dropletOutputs`. */
export function stackOutputs(indexTs: string): string[] {
  const names = [...indexTs.matchAll(/^export const (\w+)\s*=/gm)].map((m) => m[1]);
  const droplet = /const dropletOutputs = \{([\s\S]*?)\n\};/.exec(indexTs);
  if (droplet) names.push(...[...droplet[1].matchAll(/^\s+(\w+):/gm)].map((m) => m[1]));
  return names;
}

export function npmScripts(md: string): string[] {
  return [...md.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]);
}

export function stackOutputRefs(md: string): string[] {
  return [...md.matchAll(/pulumi stack output (?:--[\w-]+(?:=\S+)? )*([A-Za-z]\w*)/g)].map((m) => m[1]);
}

const PATH_PREFIX =
  /^(components|scripts|docs|tests|observability|ansible|policy|bench|\.github|deployments)\/|^(index\.ts|Pulumi\.[a-z]+\.yaml|package\.json)$/;

/** Repository paths in backticks (no placeholders), without a trailing `:line` or `#anchor`. */
export function repoPaths(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/[#:].*$/, "").replace(/[.,;)]+$/, "");
    if (!PATH_PREFIX.test(p) || /[<>*…{}$]/.test(p)) continue;
    out.push(p);
  }
  return out;
}

/** Relative markdown links: [text](target) where target is not a URL. */
export function relativeLinks(md: string): string[] {
  return [...prose(md).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

/** Runbook links (`docs/runbooks/<file>.md#<anchor>`) anywhere in a text, e.g. a plan's resource inputs as JSON. */
export function runbookLinks(text: string): string[] {
  return [...text.matchAll(/docs\/runbooks\/[\w.-]+\.md#[\w-]+/g)].map((m) => m[0]);
}

/** Whether `docs/…md#anchor` (a repository path + anchor) names a heading that exists. */
export function resolves(link: string, root = ROOT): boolean {
  const [file, anchor] = link.split("#");
  const full = path.join(root, file);
  return fs.existsSync(full) && (!anchor || anchorsOf(fs.readFileSync(full, "utf8")).has(anchor));
}

/**
 * The monthly list prices capacity.md quotes: its `| stack | AWS | GCP | … |` table as { stack: { cloud: number } },
 * footnote marks dropped; cloud keys as `loom:cloud` spells them.
 */
export function quotedCosts(md: string): Record<string, Record<string, number>> {
  const rows = md.split("\n").filter((l) => /^\| (stack|dev|staging|prod) \|/.test(l));
  const cells = (l: string) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const header = rows.find((l) => l.startsWith("| stack |"));
  if (!header) return {};
  const clouds = cells(header)
    .slice(1)
    .map((c) => c.toLowerCase());
  const out: Record<string, Record<string, number>> = {};
  for (const row of rows.filter((l) => l !== header)) {
    const [stack, ...values] = cells(row);
    out[stack] = Object.fromEntries(clouds.map((c, i) => [c, Number.parseFloat(values[i])]));
  }
  return out;
}

/** Dashboard titles quoted in backticks (`Loom / Overview`), a title wrapped over two lines joined again. */
export function dashboardRefs(md: string): string[] {
  return [...md.matchAll(/`(Loom \/ [^`]+)`/g)].map((m) => m[1].replace(/\s+/g, " "));
}

/** Alert ids in backticks in the third column of a markdown table (troubleshooting/README.md's "alerts" column). */
export function tableAlertRefs(md: string): string[] {
  const out: string[] = [];
  for (const line of md.split("\n")) {
    const cols = line.split("|");
    if (cols.length < 5 || /^\|\s*-/.test(line)) continue;
    out.push(...[...cols[3].matchAll(/`([a-z0-9*-]+)`/g)].map((m) => m[1]));
  }
  return out;
}

/**
 * Physical names of the prod stack the handbook quotes (`loom-prod-web`, `/loom/prod/…` excluded), without the
 * ones that continue with a placeholder (`loom-prod-secrets-<suffix>`, `<loom-prod-pg-id>`).
 */
export function prodNames(md: string): string[] {
  const out = new Set<string>();
  for (const m of md.matchAll(/(<?)(loom-prod-[a-z0-9-]*[a-z0-9])(-?<|>)?/g)) {
    if (m[1] === "" && m[3] === undefined) out.add(m[2]);
  }
  return [...out];
}
