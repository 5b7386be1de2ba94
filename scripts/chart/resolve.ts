/**
 * Decides every differing leaf and everything present in some profiles only (objects, map entries, named array
 * items) of the skeletons (model.ts), by rendering prod with profile keys changed:
 * - a presence follows a boolean key `k` (or `!k`) whose values match it and whose flip in prod flips it;
 * - a leaf follows a candidate key when prod with that key perturbed moves the leaf to the key's new value in the
 *   same format. A key that merely has the same values in the three profiles by coincidence (the collector's
 *   replicas 1/1/2 and cache.nodes 1/1/2) is thus never chosen.
 * Inside something absent in prod (e.g. `replicas`, which only exists without autoscaling) the renders set the
 * confirmed condition first (autoscaling=false), so its leaves are checked where they exist.
 * What nothing confirms becomes a documented `derived` key.
 */
import { isDeepStrictEqual } from "node:util";
import { ENVIRONMENTS, type Environment } from "../../components/profiles";
import { type ChartObject, type Condition, type Derived, idOf, type Node, pathText, type Seg, valueAt } from "./model";
import { type Manifest, perturbed } from "./render";
import { profileLeaves, type Setting, substitute } from "./values";

/** Prod with some profile keys set (dotted key → value); undefined when the program refused it. */
export type PerturbedRender = (overrides: Record<string, unknown>) => Promise<Manifest[] | undefined>;

export interface Resolved {
  objects: ChartObject[];
  derived: Derived;
  /** Profile keys the templates read. */
  used: Set<string>;
}

/** Profile keys set so that the thing being resolved exists in prod (the conditions around it). */
type Ctx = Record<string, unknown>;
type Rendered = (overrides: Ctx) => Promise<Map<string, unknown> | undefined>;

const PROD = profileLeaves("prod");
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60);

function perEnv(envs: Environment[], values: unknown[]): Record<Environment, unknown> {
  return Object.fromEntries(ENVIRONMENTS.map((e) => [e, values[envs.indexOf(e)] ?? null])) as Record<
    Environment,
    unknown
  >;
}

/** Memoised renders; objects by id with the prod settings substituted. */
function perturber(render: PerturbedRender, settings: readonly Setting[]): Rendered {
  const cache = new Map<string, Promise<Map<string, unknown> | undefined>>();
  return (overrides) => {
    const key = JSON.stringify(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b)));
    let p = cache.get(key);
    if (!p) {
      p = render(overrides).then((objs) => {
        if (!objs) return undefined;
        const subst = objs.map((m) => substitute(m, "prod", settings) as Manifest);
        return new Map(subst.map((m) => [idOf(m), m]));
      });
      cache.set(key, p);
    }
    return p;
  };
}

interface Presence {
  key: string;
  text: string;
  presentIn: Environment[];
  envs: Environment[];
  present: (objs: Map<string, unknown>) => boolean;
}

/** Boolean keys (`k` or `!k`) whose values in `envs` are exactly the presence. */
function presenceCandidates(p: Presence): string[] {
  const leaves = p.envs.map((e) => profileLeaves(e));
  const out: string[] = [];
  for (const k of leaves[0].keys()) {
    if (typeof PROD.get(k) !== "boolean") continue;
    const has = p.envs.map((e) => p.presentIn.includes(e));
    if (p.envs.every((_, i) => leaves[i].get(k) === has[i])) out.push(k);
    else if (p.envs.every((_, i) => leaves[i].get(k) === !has[i])) out.push(`!${k}`);
  }
  return out;
}

/** The condition of a presence, and the context in which it holds in prod. */
async function conditionFor(p: Presence, ctx: Ctx, rendered: Rendered, out: Resolved): Promise<[Condition, Ctx]> {
  const keys: string[] = [];
  const inner: Ctx = { ...ctx };
  for (const c of presenceCandidates(p)) {
    const k = c.replace(/^!/, "");
    if (k in ctx) continue;
    const flipped = !(PROD.get(k) as boolean);
    const objs = await rendered({ ...ctx, [k]: flipped });
    if (objs && p.present(objs) === (c.startsWith("!") ? !flipped : flipped)) {
      keys.push(c);
      inner[k] = !c.startsWith("!");
    }
  }
  if (keys.length > 0) {
    for (const k of keys) out.used.add(k.replace(/^!/, ""));
    return [{ keys }, inner];
  }
  out.derived.set(p.key, {
    doc: `${p.text} is rendered in ${p.presentIn.join(", ")} only, and no boolean profile key alone switches it`,
    values: Object.fromEntries(ENVIRONMENTS.map((e) => [e, p.presentIn.includes(e)])) as Record<Environment, unknown>,
  });
  return [{ derived: p.key }, ctx];
}

async function resolveLeaf(
  o: ChartObject,
  leaf: Extract<Node, { t: "leaf" }>,
  ctx: Ctx,
  rendered: Rendered,
  out: Resolved,
) {
  const explaining = [];
  for (const c of leaf.candidates) {
    if (c.key in ctx) continue;
    const value = perturbed(PROD.get(c.key));
    const want = value === undefined ? undefined : c.format.js(value);
    if (want === undefined) continue;
    const objs = await rendered({ ...ctx, [c.key]: value });
    if (objs && isDeepStrictEqual(valueAt(objs, o.id, leaf.path), want)) explaining.push(c);
  }
  const target = leaf as unknown as Node;
  if (explaining.length === 1) {
    Object.assign(target, { t: "key", key: explaining[0].key, format: explaining[0].format });
    out.used.add(explaining[0].key);
    return;
  }
  if (leaf.literal) {
    Object.assign(target, { t: "lit", v: leaf.values[0] });
    return;
  }
  const key = `${o.id}:${pathText(leaf.path)}`;
  const why =
    explaining.length > 1
      ? `follows several profile keys (${explaining.map((c) => c.key).join(", ")}), so the generator cannot pick one`
      : "no profile key reproduces it (a value the program computes from several keys or from its own tables)";
  const per = leaf.envs.map((e, i) => `${e}: ${show(leaf.values[i])}`).join(", ");
  out.derived.set(key, {
    doc: `${o.id} ${pathText(leaf.path)} (${per}): ${why}`,
    values: perEnv(leaf.envs, leaf.values),
    at: { id: o.id, path: leaf.path },
  });
  Object.assign(target, { t: "derived", key });
}

/** Resolve a node tree top-down: conditions first, so the leaves under them are checked in their context. */
async function walk(o: ChartObject, node: Node, envs: Environment[], ctx: Ctx, rendered: Rendered, out: Resolved) {
  const partial = async (at: Seg[], presentIn: Environment[]): Promise<[Condition, Ctx]> => {
    const present = (objs: Map<string, unknown>) => valueAt(objs, o.id, at) !== undefined;
    const text = `${o.id} ${pathText(at)}`;
    return conditionFor({ key: `${o.id}:${pathText(at)}:present`, text, presentIn, envs, present }, ctx, rendered, out);
  };
  if (node.t === "leaf") await resolveLeaf(o, node, ctx, rendered, out);
  else if (node.t === "arr") for (const i of node.items) await walk(o, i, envs, ctx, rendered, out);
  else if (node.t === "map") {
    for (const e of node.entries) {
      if (!e.presentIn) await walk(o, e.node, envs, ctx, rendered, out);
      else {
        const [cond, inner] = await partial([...node.path, e.key], e.presentIn);
        e.condition = cond;
        await walk(o, e.node, e.presentIn, inner, rendered, out);
      }
    }
  } else if (node.t === "keyed") {
    for (const item of node.items) {
      if (item.presentIn.length === envs.length) await walk(o, item.node, envs, ctx, rendered, out);
      else {
        const [cond, inner] = await partial([...node.path, { name: item.name }], item.presentIn);
        item.condition = cond;
        await walk(o, item.node, item.presentIn, inner, rendered, out);
      }
    }
  }
}

export async function resolve(
  objects: ChartObject[],
  settings: readonly Setting[],
  render: PerturbedRender,
): Promise<Resolved> {
  const out: Resolved = { objects, derived: new Map(), used: new Set() };
  const rendered = perturber(render, settings);
  for (const o of objects) {
    let ctx: Ctx = {};
    if (o.presentIn.length < ENVIRONMENTS.length) {
      const p = { key: `${o.id}:present`, text: o.id, presentIn: o.presentIn, envs: [...ENVIRONMENTS] };
      [o.condition, ctx] = await conditionFor({ ...p, present: (objs) => objs.has(o.id) }, {}, rendered, out);
    }
    await walk(o, o.node, o.presentIn, ctx, rendered, out);
  }
  return out;
}
