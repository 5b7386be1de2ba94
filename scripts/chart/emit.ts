/**
 * Writes the resolved objects (resolve.ts) as Helm templates: YAML block structure, every scalar as a JSON flow
 * scalar (valid YAML), every looked-up value as `toJson` of a values expression, strings holding a setting through
 * the `loom.subst` helper (placeholders `@@key@@` → `.Values.<key>`).
 */
import type { ChartObject, Condition, Node } from "./model";

/** Placeholders of computed settings (values.ts `expr`): only the helper knows their expression. */
const COMPUTED = new Set(["namespaceHash"]);

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
/** Keys YAML 1.1 (which Helm's parser follows) would read as booleans or null. */
const RESERVED = new Set(["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]);

/** A Go template string literal (JSON's escapes are a subset of Go's). */
const goString = (s: string): string => JSON.stringify(s);

const hasPlaceholder = (v: unknown): boolean => JSON.stringify(v).includes("@@");

/** An inline YAML value: a JSON scalar, or a template action when it carries a placeholder or template braces. */
function scalar(v: unknown): string {
  if (typeof v === "string") {
    const only = /^@@(\w+)@@$/.exec(v);
    if (only && !COMPUTED.has(only[1])) return `{{ $.Values.${only[1]} | toJson }}`;
    if (hasPlaceholder(v)) return `{{ include "loom.subst" (list $ ${goString(v)}) }}`;
    if (v.includes("{{") || v.includes("}}")) return `{{ ${goString(v)} | toJson }}`;
  }
  return JSON.stringify(v);
}

function yamlKey(k: string): string {
  if (hasPlaceholder(k)) return `{{ include "loom.subst" (list $ ${goString(k)}) }}`;
  return PLAIN_KEY.test(k) && !RESERVED.has(k.toLowerCase()) ? k : JSON.stringify(k);
}

/** The Go expression reading a value node (key or derived). */
export function valueExpr(node: Extract<Node, { t: "key" } | { t: "derived" }>): string {
  if (node.t === "key") return `{{ ${node.format.go(`$.Values.${node.key}`)} | toJson }}`;
  return `{{ include "loom.subst" (list $ (index $.Values.derived ${goString(node.key)})) }}`;
}

/** Is the node written on the key's line (scalar, lookup, empty collection)? */
function inline(node: Node): string | undefined {
  if (node.t === "key" || node.t === "derived") return valueExpr(node);
  if (node.t === "lit") {
    const v = node.v;
    if (v === null || typeof v !== "object") return scalar(v);
    if (Array.isArray(v) && v.length === 0) return "[]";
    if (!Array.isArray(v) && Object.keys(v).length === 0) return "{}";
    return undefined;
  }
  if (node.t === "map" && node.entries.length === 0) return "{}";
  if (node.t === "keyed") return undefined;
  if (node.t === "arr" && node.items.length === 0) return "[]";
  if (node.t === "leaf") throw new Error(`unresolved leaf at ${node.path.join(".")}`);
  if (node.t === "raw") return undefined;
  return undefined;
}

function asNode(v: unknown): Node {
  if (Array.isArray(v)) return { t: "arr", items: v.map(asNode) };
  if (v && typeof v === "object") {
    return { t: "map", path: [], entries: Object.entries(v).map(([key, x]) => ({ key, node: asNode(x) })) };
  }
  return { t: "lit", v };
}

/** The block lines of a map or array node at `indent`. */
export function block(node: Node, indent: number): string[] {
  const pad = " ".repeat(indent);
  const n = node.t === "lit" ? asNode(node.v) : node;
  if (n.t === "raw") return n.lines;
  const lines: string[] = [];
  if (n.t === "map") {
    for (const e of n.entries) {
      const head = `${pad}${yamlKey(e.key)}:`;
      const cond = e.condition ? conditionText(e.condition) : undefined;
      if (cond) lines.push(`{{- if ${cond} }}`);
      const one = inline(e.node);
      if (one !== undefined) lines.push(`${head} ${one}`);
      else lines.push(head, ...block(e.node, indent + 2));
      if (cond) lines.push("{{- end }}");
    }
  } else if (n.t === "keyed") {
    for (const item of n.items) {
      const cond = item.condition ? conditionText(item.condition) : undefined;
      if (cond) lines.push(`{{- if ${cond} }}`);
      const one = inline(item.node);
      if (one !== undefined) lines.push(`${pad}- ${one}`);
      else lines.push(`${pad}-`, ...block(item.node, indent + 2));
      if (cond) lines.push("{{- end }}");
    }
  } else if (n.t === "arr") {
    for (const item of n.items) {
      const one = inline(item);
      if (one !== undefined) lines.push(`${pad}- ${one}`);
      else lines.push(`${pad}-`, ...block(item, indent + 2));
    }
  } else throw new Error(`block() of a ${n.t} node`);
  return lines;
}

/** The `{{- if }}` opening an object present in some profiles only. */
export function conditionExpr(o: ChartObject): string | undefined {
  return o.condition ? conditionText(o.condition) : undefined;
}

function conditionText(c: Condition): string {
  if ("derived" in c) return `index $.Values.derived ${goString(c.derived)}`;
  const refs = c.keys.map((k) => (k.startsWith("!") ? `(not $.Values.${k.slice(1)})` : `$.Values.${k}`));
  return refs.length === 1 ? refs[0] : `and ${refs.join(" ")}`;
}

/** An object named by its data's hash: its data is the named template (files.ts hashedDefines) the name hashes. */
function withDataIncluded(o: ChartObject): Node {
  const node = o.node.t === "lit" ? asNode(o.node.v) : o.node;
  if (node.t !== "map") throw new Error(`${o.id}: not a map`);
  const lines = [`{{- include ${goString(`loom.data.${o.hashed}`)} $ | nindent 2 }}`];
  return {
    ...node,
    entries: node.entries.map((e) => (e.key === "data" ? { key: "data", node: { t: "raw", lines } } : e)),
  };
}

/** The data block of an object named by its data's hash (for its named template). */
export function dataLines(o: ChartObject): string[] {
  const node = o.node.t === "lit" ? asNode(o.node.v) : o.node;
  const data = node.t === "map" ? node.entries.find((e) => e.key === "data") : undefined;
  if (!data || data.presentIn) throw new Error(`${o.id}: a hashed name needs data in every profile`);
  return block(data.node, 0);
}

/** One template file. */
export function template(o: ChartObject): string {
  const head = [
    "# Generated by `npm run chart` (scripts/chart/generate.ts) from the Kubernetes target; do not edit.",
    `# ${o.id}: rendered by the program in ${o.presentIn.join(", ")}.`,
  ];
  const cond = conditionExpr(o);
  const body = block(o.hashed ? withDataIncluded(o) : o.node, 0);
  return `${[...head, ...(cond ? [`{{- if ${cond} }}`] : []), ...body, ...(cond ? ["{{- end }}"] : [])].join("\n")}\n`;
}

/** A file name for the object: kind and name, placeholders spelt out. */
export function fileName(o: ChartObject): string {
  const name = o.name.replace(/@@(\w+)@@/g, "$1").replace(/[^A-Za-z0-9.-]+/g, "-");
  return `${o.kind.toLowerCase()}-${name}.yaml`;
}
