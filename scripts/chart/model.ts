/**
 * From three renders (dev, staging, prod) to one template per object: a value that is the same in every render is
 * a literal; one that differs is looked up in the values by matching its values across the profiles to a profile
 * key's (in one of the program's formats, values.ts FORMATS). Several keys with the same values are told apart by a
 * render of prod with one key perturbed (render.ts). What matches no key, or more than one, becomes a generated key
 * under `derived` (documented in values.yaml) so that nothing differing is silently hardcoded. An object present in
 * some profiles only is wrapped in the condition of the boolean key(s) whose values match its presence.
 */
import { isDeepStrictEqual } from "node:util";
import { ENVIRONMENTS, type Environment } from "../../components/profiles";
import { type Manifest, RENAMED, type Renders } from "./render";
import { FORMATS, type Format, profileLeaves, type Setting, substitute } from "./values";

/** A step into a value: a map key, an array index, or the array item whose `name` is this. */
export type Seg = string | number | { name: string };

/** Boolean profile keys whose conjunction is the presence, or a derived key. */
export type Condition = { keys: string[] } | { derived: string };

/** A map entry; `presentIn` (and, once resolved, `condition`) when it is absent in some of the map's profiles. */
export interface MapEntry {
  key: string;
  node: Node;
  presentIn?: Environment[];
  condition?: Condition;
}

/** An item of a keyed array (items with unique `name`s, differing between the profiles). */
export interface KeyedItem {
  name: string;
  presentIn: Environment[];
  node: Node;
  condition?: Condition;
}

export type Node =
  | { t: "lit"; v: unknown }
  | { t: "map"; path: Seg[]; entries: MapEntry[] }
  | { t: "arr"; items: Node[] }
  | { t: "keyed"; path: Seg[]; items: KeyedItem[] }
  | {
      t: "leaf";
      path: Seg[];
      envs: Environment[];
      values: unknown[];
      candidates: Candidate[];
      /** Unconfirmed: a literal (the value of the one profile it exists in), not a derived key. */
      literal?: boolean;
    }
  | { t: "key"; key: string; format: Format }
  | { t: "derived"; key: string }
  /** Template lines written as they are (e.g. an include). */
  | { t: "raw"; lines: string[] };

export interface Candidate {
  key: string;
  format: Format;
}

export interface ChartObject {
  /** `Kind/name` (name with placeholders). */
  id: string;
  kind: string;
  name: string;
  presentIn: Environment[];
  /** The Pulumi name of an object named by the hash of its data (the chart computes the name). */
  hashed?: string;
  /** The object's presence condition; none when always present. */
  condition?: Condition;
  node: Node;
}

/** Generated values: `derived` key → value per profile (null where the object or the field is absent). */
export type Derived = Map<
  string,
  {
    doc: string;
    values: Record<Environment, unknown> /** the field's object and path, for a leaf */;
    at?: { id: string; path: Seg[] };
  }
>;

/** The Pulumi name of an object named by its content hash (render.ts manifestsOf), placeholder or hash in. */
export function hashedBase(name: string): string | undefined {
  return /^@@name:(.+)@@$/.exec(name)?.[1] ?? RENAMED.get(name);
}

/** `Kind/name`; an object named by its content hash by its Pulumi name. */
export const idOf = (m: Manifest): string => `${m.kind}/${hashedBase(m.metadata.name) ?? m.metadata.name}`;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/** The profile keys (in a format) whose values in `envs` are exactly `values`. */
export function candidatesFor(values: readonly unknown[], envs: readonly Environment[]): Candidate[] {
  const leaves = envs.map((e) => profileLeaves(e));
  const out: Candidate[] = [];
  for (const key of leaves[0].keys()) {
    for (const format of FORMATS) {
      const ok = envs.every((_, i) => {
        const got = format.js(leaves[i].get(key));
        return got !== undefined && isDeepStrictEqual(got, values[i]);
      });
      if (ok) {
        out.push({ key, format });
        break;
      }
    }
  }
  return out;
}

/** `a.b[name=x].c` */
export const pathText = (path: readonly Seg[]): string =>
  path.map((p, i) => (typeof p === "object" ? `[name=${p.name}]` : `${i > 0 ? "." : ""}${p}`)).join("");

/** The item names when every value is an array of maps with unique string `name`s, not in the same order everywhere. */
function keyNames(values: unknown[]): string[][] | undefined {
  if (!values.every(Array.isArray)) return undefined;
  const names = (values as unknown[][]).map((a) =>
    a.map((x) => (isMap(x) && typeof x.name === "string" ? x.name : "")),
  );
  if (names.some((n) => n.includes("") || new Set(n).size !== n.length)) return undefined;
  return names.every((n) => isDeepStrictEqual(n, names[0])) ? undefined : names;
}

function keyed(values: unknown[], names: string[][], envs: Environment[], path: Seg[]): Node {
  const all = [...new Set(names.flat())];
  return {
    t: "keyed",
    path,
    items: all.map((name) => {
      const idx = names.map((n) => n.indexOf(name));
      const presentIn = envs.filter((_, i) => idx[i] >= 0);
      const vals = values.map((v, i) => (v as unknown[])[idx[i]]).filter((_, i) => idx[i] >= 0);
      return { name, presentIn, node: unify(vals, presentIn, [...path, { name }]) };
    }),
  };
}

/** One node over the values of the present profiles (see the file comment). */
export function unify(values: unknown[], envs: Environment[], path: Seg[] = []): Node {
  // Existing in one profile only (e.g. the DR replica in prod), a number or quantity may still follow a key: such a
  // subtree is walked down to its scalars, which become literals unless a perturbed render confirms a key.
  const single = envs.length === 1 && !isScalar(values[0]);
  if (!single && values.every((v) => isDeepStrictEqual(v, values[0]))) {
    if (envs.length === 1 && typeof values[0] !== "boolean") {
      const candidates = candidatesFor(values, envs);
      if (candidates.length > 0) return { t: "leaf", path, envs, values, candidates, literal: true };
    }
    return { t: "lit", v: values[0] };
  }
  if (values.every(isMap)) {
    const keys = [...new Set(values.flatMap((v) => Object.keys(v as object)))];
    return {
      t: "map",
      path,
      entries: keys.map((key): MapEntry => {
        const sub = values.map((v) => (v as Record<string, unknown>)[key]);
        if (!sub.some((v) => v === undefined)) return { key, node: unify(sub, envs, [...path, key]) };
        const presentIn = envs.filter((_, i) => sub[i] !== undefined);
        const node = unify(
          sub.filter((v) => v !== undefined),
          presentIn,
          [...path, key],
        );
        return { key, node, presentIn };
      }),
    };
  }
  const names = keyNames(values);
  if (names) return keyed(values, names, envs, path);
  if (values.every(Array.isArray) && values.every((v) => (v as unknown[]).length === (values[0] as unknown[]).length)) {
    const first = values[0] as unknown[];
    return {
      t: "arr",
      items: first.map((_, i) =>
        unify(
          values.map((v) => (v as unknown[])[i]),
          envs,
          [...path, i],
        ),
      ),
    };
  }
  const candidates = values.every(isScalar) ? candidatesFor(values, envs) : [];
  return { t: "leaf", path, envs, values, candidates };
}

/** The object skeletons: each object's renders, placeholders in, unified over the profiles it is present in. */
export function objectsOf(renders: Renders, settings: readonly Setting[]): ChartObject[] {
  const byEnv = new Map<Environment, Map<string, Manifest>>();
  const order: string[] = [];
  for (const env of ENVIRONMENTS) {
    const m = new Map<string, Manifest>();
    for (const raw of renders[env]) {
      const obj = substitute(raw, env, settings) as Manifest;
      const id = idOf(obj);
      if (m.has(id)) throw new Error(`${env}: two objects ${id}; the chart needs (kind, name) to be unique`);
      m.set(id, obj);
      if (!order.includes(id)) order.push(id);
    }
    byEnv.set(env, m);
  }
  return order.map((id) => {
    const presentIn = ENVIRONMENTS.filter((e) => byEnv.get(e)?.has(id));
    const objs = presentIn.map((e) => byEnv.get(e)?.get(id) as Manifest);
    const name = id.slice(id.indexOf("/") + 1);
    const hashed = hashedBase(objs[0].metadata.name);
    return { id, kind: objs[0].kind, name, presentIn, hashed, node: unify(objs, presentIn) };
  });
}

/** The value at `path` of the object `id` in a render (placeholders in), or undefined. */
export function valueAt(objs: Map<string, unknown>, id: string, path: readonly Seg[]): unknown {
  let v: unknown = objs.get(id);
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    if (typeof p === "object") v = Array.isArray(v) ? v.find((x) => isMap(x) && x.name === p.name) : undefined;
    else v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}
