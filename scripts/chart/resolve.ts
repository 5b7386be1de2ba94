/**
 * Decides every differing leaf and every partial object of the skeletons (model.ts): a candidate profile key is
 * kept only when prod rendered with that key perturbed moves the leaf to the key's new value in the same format
 * (or flips the object's presence). A key that merely has the same values in the three profiles by coincidence
 * (e.g. the collector's replicas 1/1/2 and cache.nodes 1/1/2) is thus never chosen.
 */
import { isDeepStrictEqual } from "node:util";
import { ENVIRONMENTS, type Environment } from "../../components/profiles";
import {
  type ChartObject,
  type Condition,
  type Derived,
  idOf,
  leavesOf,
  type Node,
  partialItemsOf,
  pathText,
  valueAt,
} from "./model";
import { type Manifest, perturbed } from "./render";
import { profileLeaves, type Setting, substitute } from "./values";

/** Prod with one profile key perturbed, by object id (placeholders in); undefined when the program refused it. */
export type PerturbedRender = (key: string, prodValue: unknown) => Promise<Manifest[] | undefined>;

export interface Resolved {
  objects: ChartObject[];
  derived: Derived;
  /** Profile keys the templates read. */
  used: Set<string>;
}

const PROD_LEAVES = () => profileLeaves("prod");

/** Boolean profile keys that are true exactly in `presentIn` among `envs`. */
function presenceCandidates(presentIn: Environment[], envs: readonly Environment[]): string[] {
  const leaves = envs.map((e) => profileLeaves(e));
  return [...leaves[0].keys()].filter((k) => envs.every((e, i) => leaves[i].get(k) === presentIn.includes(e)));
}

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60);

function derivedDoc(o: ChartObject, what: string, envs: Environment[], values: unknown[], why: string): string {
  const per = envs.map((e, i) => `${e}: ${show(values[i])}`).join(", ");
  return `${o.id} ${what} (${per}): ${why}`;
}

function perEnv(envs: Environment[], values: unknown[]): Record<Environment, unknown> {
  return Object.fromEntries(ENVIRONMENTS.map((e) => [e, values[envs.indexOf(e)] ?? null])) as Record<
    Environment,
    unknown
  >;
}

/** Render prod once per candidate key (memoised); objects by id with the prod settings substituted. */
function perturber(render: PerturbedRender, settings: readonly Setting[]) {
  const cache = new Map<string, Promise<Map<string, unknown> | undefined>>();
  const prod = PROD_LEAVES();
  return (key: string): Promise<Map<string, unknown> | undefined> => {
    let p = cache.get(key);
    if (!p) {
      p = render(key, prod.get(key)).then((objs) =>
        objs
          ? new Map(
              objs.map((m) => [idOf(substitute(m, "prod", settings) as Manifest), substitute(m, "prod", settings)]),
            )
          : undefined,
      );
      cache.set(key, p);
    }
    return p;
  };
}

/** Replace every leaf node of `o` by a key or a derived node. */
async function resolveLeaves(
  o: ChartObject,
  rendered: (key: string) => Promise<Map<string, unknown> | undefined>,
  out: Resolved,
): Promise<void> {
  const prod = PROD_LEAVES();
  for (const leaf of leavesOf(o.node)) {
    const explaining = [];
    for (const c of leaf.candidates) {
      const objs = await rendered(c.key);
      const want = c.format.js(perturbed(prod.get(c.key)));
      if (objs && want !== undefined && isDeepStrictEqual(valueAt(objs, o.id, leaf.path), want)) explaining.push(c);
    }
    const target = leaf as unknown as Node;
    if (explaining.length === 1) {
      Object.assign(target, { t: "key", key: explaining[0].key, format: explaining[0].format });
      out.used.add(explaining[0].key);
      continue;
    }
    const key = `${o.id}:${pathText(leaf.path)}`;
    const why =
      explaining.length > 1
        ? `follows several profile keys (${explaining.map((c) => c.key).join(", ")}), so the generator cannot pick one`
        : "no profile key reproduces it (a value the program computes from several keys or from its own tables)";
    const doc = derivedDoc(o, pathText(leaf.path), leaf.envs, leaf.values, why);
    out.derived.set(key, { doc, values: perEnv(leaf.envs, leaf.values) });
    Object.assign(target, { t: "derived", key });
  }
}

/**
 * The condition of something present in `presentIn` of `envs` only: the boolean keys confirmed by a perturbed prod
 * (`present` of that render flips), else a generated `derived` boolean named `key`.
 */
async function conditionFor(
  what: { key: string; text: string; presentIn: Environment[]; envs: Environment[] },
  present: (objs: Map<string, unknown>) => boolean,
  rendered: (key: string) => Promise<Map<string, unknown> | undefined>,
  out: Resolved,
): Promise<Condition> {
  const keys: string[] = [];
  if (what.envs.includes("prod")) {
    for (const k of presenceCandidates(what.presentIn, what.envs)) {
      const objs = await rendered(k);
      if (objs && present(objs) === !PROD_LEAVES().get(k)) keys.push(k);
    }
  }
  if (keys.length > 0) {
    for (const k of keys) out.used.add(k);
    return { keys };
  }
  out.derived.set(what.key, {
    doc: `${what.text} is rendered in ${what.presentIn.join(", ")} only, and no boolean profile key alone switches it`,
    values: Object.fromEntries(ENVIRONMENTS.map((e) => [e, what.presentIn.includes(e)])) as Record<
      Environment,
      unknown
    >,
  });
  return { derived: what.key };
}

async function resolveConditions(
  o: ChartObject,
  rendered: (key: string) => Promise<Map<string, unknown> | undefined>,
  out: Resolved,
): Promise<void> {
  if (o.presentIn.length < ENVIRONMENTS.length) {
    const what = { key: `${o.id}:present`, text: o.id, presentIn: o.presentIn, envs: [...ENVIRONMENTS] };
    o.condition = await conditionFor(what, (objs) => objs.has(o.id), rendered, out);
  }
  for (const { path, envs, item } of partialItemsOf(o.node, o.presentIn)) {
    const at = [...path, { name: item.name }];
    const what = {
      key: `${o.id}:${pathText(at)}:present`,
      text: `${o.id} ${pathText(at)}`,
      presentIn: item.presentIn,
      envs,
    };
    item.condition = await conditionFor(what, (objs) => valueAt(objs, o.id, at) !== undefined, rendered, out);
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
    await resolveConditions(o, rendered, out);
    await resolveLeaves(o, rendered, out);
  }
  return out;
}
