/**
 * Decides every differing leaf and every partial object of the skeletons (model.ts): a candidate profile key is
 * kept only when prod rendered with that key perturbed moves the leaf to the key's new value in the same format
 * (or flips the object's presence). A key that merely has the same values in the three profiles by coincidence
 * (e.g. the collector's replicas 1/1/2 and cache.nodes 1/1/2) is thus never chosen.
 */
import { isDeepStrictEqual } from "node:util";
import { ENVIRONMENTS, type Environment } from "../../components/profiles";
import { type ChartObject, type Derived, idOf, leavesOf, type Node, valueAt } from "./model";
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

function presenceCandidates(o: ChartObject): string[] {
  const leaves = ENVIRONMENTS.map((e) => profileLeaves(e));
  return [...leaves[0].keys()].filter((k) =>
    ENVIRONMENTS.every((e, i) => leaves[i].get(k) === o.presentIn.includes(e)),
  );
}

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60);

function derivedDoc(o: ChartObject, what: string, values: unknown[], why: string): string {
  const per = o.presentIn.map((e, i) => `${e}: ${show(values[i])}`).join(", ");
  return `${o.id} ${what} (${per}): ${why}`;
}

function perEnv(o: ChartObject, values: unknown[]): Record<Environment, unknown> {
  return Object.fromEntries(ENVIRONMENTS.map((e) => [e, values[o.presentIn.indexOf(e)] ?? null])) as Record<
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
    const key = `${o.id}:${leaf.path.join(".")}`;
    const why =
      explaining.length > 1
        ? `follows several profile keys (${explaining.map((c) => c.key).join(", ")}), so the generator cannot pick one`
        : "no profile key reproduces it (a value the program computes from several keys or from its own tables)";
    out.derived.set(key, { doc: derivedDoc(o, leaf.path.join("."), leaf.values, why), values: perEnv(o, leaf.values) });
    Object.assign(target, { t: "derived", key });
  }
}

async function resolveCondition(
  o: ChartObject,
  rendered: (key: string) => Promise<Map<string, unknown> | undefined>,
  out: Resolved,
): Promise<void> {
  if (o.presentIn.length === ENVIRONMENTS.length) return;
  const keys: string[] = [];
  for (const k of presenceCandidates(o)) {
    const objs = await rendered(k);
    if (objs && objs.has(o.id) === !PROD_LEAVES().get(k)) keys.push(k);
  }
  if (keys.length > 0) {
    o.condition = { keys };
    for (const k of keys) out.used.add(k);
    return;
  }
  const key = `${o.id}:present`;
  const values = ENVIRONMENTS.map((e) => o.presentIn.includes(e));
  out.derived.set(key, {
    doc: `${o.id} is rendered in ${o.presentIn.join(", ")} only, and no boolean profile key alone switches it`,
    values: Object.fromEntries(ENVIRONMENTS.map((e, i) => [e, values[i]])) as Record<Environment, unknown>,
  });
  o.condition = { derived: key };
}

export async function resolve(
  objects: ChartObject[],
  settings: readonly Setting[],
  render: PerturbedRender,
): Promise<Resolved> {
  const out: Resolved = { objects, derived: new Map(), used: new Set() };
  const rendered = perturber(render, settings);
  for (const o of objects) {
    await resolveCondition(o, rendered, out);
    await resolveLeaves(o, rendered, out);
  }
  return out;
}
