/**
 * The monthly list price of a plan (npm run cost): each planned resource priced from the committed price table
 * (scripts/lib/cost-table.ts). Pure: resources and a table in, an estimate out. Nothing is guessed — a type the
 * table does not know, or a size it has no price for, is listed as such and adds nothing to the total.
 */
import type { Charge, Entry, Kind, Priced, PriceTable } from "./cost-table";

/** What the estimate needs of a planned resource (scripts/lib/mock-engine.ts PlannedResource). */
export interface CostResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

export interface CostLine {
  type: string;
  name: string;
  monthly: number;
  /** One entry per charge, e.g. "instance db.m7g.large ×2 = 242.36". */
  charges: string[];
}

export interface Estimate {
  date: string;
  source: string;
  currency: string;
  total: number;
  lines: CostLine[];
  /** Types priced by use only (requests, storage, transfer), with how many of each: not in the total. */
  usage: TypeCount[];
  /** Types that run on capacity priced elsewhere (a cluster's nodes): not in the total. */
  included: TypeCount[];
  free: number;
  /** Types the table has no entry for: not in the total, never guessed. */
  unknownTypes: TypeCount[];
  /** Resources of a known type whose size (or a quantity) the table cannot price. */
  unpriced: { type: string; name: string; reason: string }[];
}

export interface TypeCount {
  type: string;
  count: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The value at a dotted path (`settings.tier`, `template.containers.0.resources.limits.cpu`). */
export function inputAt(inputs: unknown, at: string): unknown {
  let v: unknown = inputs;
  for (const key of at.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const BINARY: Record<string, number> = { Ki: 1 / 1024 ** 2, Mi: 1 / 1024, Gi: 1, Ti: 1024 };

/** A quantity as a number: numbers, numeric strings, Kubernetes quantities ("2Gi" → 2 GiB, "500m" → 0.5 vCPU). */
export function quantity(v: unknown, unit: "number" | "GiB" | "vCPU" = "number"): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (Array.isArray(v)) return v.length;
  if (typeof v !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|m)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === undefined) return n;
  if (m[2] === "m") return unit === "vCPU" ? n / 1000 : undefined;
  return unit === "GiB" ? n * BINARY[m[2]] : undefined;
}

type Read = (at: string) => unknown;

/** `path` or `path=VALUE`: true when the input is true, or equals VALUE. */
function truthy(read: Read, spec: string): boolean {
  const [at, value] = spec.split("=");
  const v = read(at);
  return value === undefined ? v === true : String(v) === value;
}

/** One charge of one resource: its amount and a readable line, or why it cannot be priced. */
export function priceCharge(charge: Charge, read: Read): { amount: number; text: string } | { problem: string } {
  let amount: number;
  let text = charge.what;
  if (charge.monthly !== undefined) {
    amount = charge.monthly;
  } else {
    const size = read(charge.size as string);
    const listed = charge.sizes?.[String(size)];
    if (listed === undefined)
      return { problem: `${charge.what}: ${charge.size} = ${JSON.stringify(size)} has no price` };
    amount = listed;
    text += ` ${String(size)}`;
  }
  // A zero price is zero whatever the quantity (an S3 gateway endpoint has no subnets to count).
  if (amount === 0) return { amount: 0, text: `${text} = 0.00` };
  if (charge.per !== undefined) {
    const q = quantity(read(charge.per), charge.unit);
    if (q === undefined)
      return { problem: `${charge.what}: ${charge.per} = ${JSON.stringify(read(charge.per))} is not a quantity` };
    const units = q / (charge.divide ?? 1);
    amount *= units;
    text += ` × ${cents(units)}`;
  }
  if (charge.count !== undefined) {
    const n = quantity(read(charge.count));
    if (n === undefined)
      return { problem: `${charge.what}: ${charge.count} = ${JSON.stringify(read(charge.count))} is not a count` };
    amount *= n;
    text += ` ×${n}`;
  }
  if (charge.double !== undefined && truthy(read, charge.double)) {
    amount *= 2;
    text += ` ×2 (${charge.double})`;
  }
  return { amount: cents(amount), text: `${text} = ${cents(amount).toFixed(2)}` };
}

/** The resource a `link` names: of the linked type, named like the last `/` or `:` segment of the input. */
function linked(all: readonly CostResource[], link: Priced["link"], r: CostResource): CostResource | undefined {
  if (!link) return undefined;
  const ref = String(inputAt(r.inputs, link.input) ?? "");
  const segments = ref.split(/[/:]/).filter((s) => s !== "");
  return all.find((o) => o.type === link.type && (o.name === ref || segments.includes(o.name)));
}

function entryFor(table: PriceTable, cloud: string, type: string): Entry | undefined {
  if (type.startsWith("pulumi:providers:")) return "free";
  return table.clouds[cloud]?.[type] ?? table.clouds.common?.[type];
}

function countInto(list: TypeCount[], type: string): void {
  const found = list.find((t) => t.type === type);
  if (found) found.count += 1;
  else list.push({ type, count: 1 });
}

/** The plan's monthly list price on `cloud` from `table`. */
export function estimate(resources: readonly CostResource[], table: PriceTable, cloud: string): Estimate {
  const out: Estimate = {
    date: table.date,
    source: table.source,
    currency: table.currency,
    total: 0,
    lines: [],
    usage: [],
    included: [],
    free: 0,
    unknownTypes: [],
    unpriced: [],
  };
  const kinds: Record<Kind, (type: string) => void> = {
    free: () => {
      out.free += 1;
    },
    usage: (type) => countInto(out.usage, type),
    included: (type) => countInto(out.included, type),
  };
  for (const r of resources) {
    if (!r.custom) continue;
    const entry = entryFor(table, cloud, r.type);
    if (entry === undefined) countInto(out.unknownTypes, r.type);
    else if (typeof entry === "string") kinds[entry](r.type);
    else priceResource(out, resources, entry, r);
  }
  out.total = cents(out.lines.reduce((sum, l) => sum + l.monthly, 0));
  out.lines.sort((a, b) => b.monthly - a.monthly || a.name.localeCompare(b.name));
  return out;
}

function priceResource(out: Estimate, all: readonly CostResource[], entry: Priced, r: CostResource): void {
  const other = linked(all, entry.link, r);
  if (entry.link && !other) {
    out.unpriced.push({ type: r.type, name: r.name, reason: `no ${entry.link.type} named by ${entry.link.input}` });
    return;
  }
  const read: Read = (at) => (at.startsWith("@") ? inputAt(other?.inputs, at.slice(1)) : inputAt(r.inputs, at));
  const line: CostLine = { type: r.type, name: r.name, monthly: 0, charges: [] };
  // A charge the table cannot price is listed (and left out of the total); the resource's other charges still count.
  for (const charge of entry.charges) {
    const priced = priceCharge(charge, read);
    if ("problem" in priced) {
      out.unpriced.push({ type: r.type, name: r.name, reason: priced.problem });
      continue;
    }
    line.monthly = cents(line.monthly + priced.amount);
    line.charges.push(priced.text);
  }
  if (line.charges.length > 0) out.lines.push(line);
}

/** Lines of the same type priced the same way, as one row: "3 × 35.04" with their names. */
export function groupLines(lines: readonly CostLine[]): { line: CostLine; names: string[]; monthly: number }[] {
  const groups = new Map<string, { line: CostLine; names: string[]; monthly: number }>();
  for (const l of lines) {
    const key = `${l.type}|${l.charges.join(";")}`;
    const g = groups.get(key);
    if (g) {
      g.names.push(l.name);
      g.monthly = cents(g.monthly + l.monthly);
    } else groups.set(key, { line: l, names: [l.name], monthly: l.monthly });
  }
  return [...groups.values()].sort((a, b) => b.monthly - a.monthly || a.line.name.localeCompare(b.line.name));
}

/** The estimate as a table for the terminal: lines, then what is not in the total and why. */
export function renderEstimate(e: Estimate, title: string): string {
  const money = (n: number) => `${n.toFixed(2).padStart(10)} ${e.currency}`;
  const names = (n: string[]) => (n.length > 3 ? `${n.slice(0, 3).join(", ")} … (${n.length})` : n.join(", "));
  const rows = [
    title,
    `Prices: list prices of ${e.date}; source: ${e.source}`,
    "",
    ...groupLines(e.lines).map(
      (g) =>
        `${money(g.monthly)}  ${g.names.length > 1 ? `${g.names.length} × ` : ""}${g.line.type}  ${names(g.names)}\n${" ".repeat(16)}${g.names.length > 1 ? "each: " : ""}${g.line.charges.join("; ")}`,
    ),
    "",
    `${money(e.total)}  per month (list price; ${e.lines.length} priced resources, ${e.free} without a charge of their own)`,
  ];
  const section = (head: string, items: string[]) =>
    items.length > 0 ? ["", head, ...items.map((i) => `  ${i}`)] : [];
  rows.push(
    ...section(
      "Priced by use only (not in the total):",
      e.usage.map((t) => `${t.type} ×${t.count}`),
    ),
    ...section(
      "Runs on capacity priced elsewhere (not in the total):",
      e.included.map((t) => `${t.type} ×${t.count}`),
    ),
    ...section(
      "Unknown to the price table (not in the total, not guessed):",
      e.unknownTypes.map((t) => `${t.type} ×${t.count}`),
    ),
    ...section(
      "Known types the table cannot price (not in the total):",
      e.unpriced.map((u) => `${u.name} (${u.type}): ${u.reason}`),
    ),
  );
  return rows.join("\n");
}

/** One estimate of a stack on a cloud, for the side-by-side matrix. */
export interface PairEstimate {
  stack: string;
  cloud: string;
  estimate: Estimate;
}

/**
 * Stacks × clouds side by side as a markdown table (the shape docs/capacity.md quotes): a cell is the total, marked
 * `*` when something of that plan is not in it (unknown types, unpriceable sizes); the date and source above it.
 */
export function renderMatrix(pairs: readonly PairEstimate[]): string {
  const stacks = [...new Set(pairs.map((p) => p.stack))];
  const clouds = [...new Set(pairs.map((p) => p.cloud))];
  const first = pairs[0]?.estimate;
  if (!first) return "";
  const cell = (stack: string, cloud: string) => {
    const e = pairs.find((p) => p.stack === stack && p.cloud === cloud)?.estimate;
    if (!e) return "";
    return `${e.total.toFixed(2)}${e.unknownTypes.length + e.unpriced.length > 0 ? " *" : ""}`;
  };
  const rows = [
    `Monthly list price (${first.currency}), prices of ${first.date}; source: ${first.source}`,
    "",
    `| stack | ${clouds.join(" | ")} |`,
    `|---|${clouds.map(() => "---|").join("")}`,
    ...stacks.map((s) => `| ${s} | ${clouds.map((c) => cell(s, c)).join(" | ")} |`),
  ];
  const gaps = pairs.filter((p) => p.estimate.unknownTypes.length + p.estimate.unpriced.length > 0);
  if (gaps.length > 0) rows.push("", "* not in the total (never guessed):");
  for (const p of gaps) {
    const what = [
      ...p.estimate.unknownTypes.map((t) => `${t.type} ×${t.count} (unknown type)`),
      ...p.estimate.unpriced.map((u) => `${u.name}: ${u.reason}`),
    ];
    rows.push(`  ${p.stack} on ${p.cloud}: ${what.join("; ")}`);
  }
  return rows.join("\n");
}
