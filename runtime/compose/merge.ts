/**
 * Merges several compose documents left to right, like `docker compose -f a -f b`:
 * maps merge deeply and later values win; the top-level lists `components` and
 * `workflows` merge by `id` (same id: merged over the earlier item; new id: appended);
 * every other list is replaced. Positions travel with the values (locations.ts).
 */
import { copyLocation, inheritLocation } from "./locations.ts";

type Obj = Record<string, unknown>;
const BY_ID_LISTS = new Set(["components", "workflows"]);

export function isPlainObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function mergeDocuments(docs: readonly unknown[]): Obj {
  let out: Obj = {};
  for (const doc of docs) out = mergeMaps(out, isPlainObject(doc) ? doc : {}, true);
  return out;
}

function mergeMaps(base: Obj, over: Obj, topLevel = false): Obj {
  const out: Obj = {};
  inheritLocation(out, Object.keys(base).length ? base : over);
  for (const [k, v] of Object.entries(base)) {
    out[k] = v;
    copyLocation(base, k, out, k);
  }
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    if (topLevel && BY_ID_LISTS.has(k) && Array.isArray(prev) && Array.isArray(v))
      out[k] = mergeById(prev, v);
    else if (isPlainObject(prev) && isPlainObject(v)) out[k] = mergeMaps(prev, v);
    else out[k] = v;
    copyLocation(over, k, out, k);
  }
  return out;
}

function mergeById(base: unknown[], over: unknown[]): unknown[] {
  const out = [...base];
  for (let i = 0; i < base.length; i++) copyLocation(base, i, out, i);
  inheritLocation(out, base);
  for (const [j, item] of over.entries()) {
    const id = isPlainObject(item) ? item.id : undefined;
    const i = id === undefined ? -1 : out.findIndex((e) => isPlainObject(e) && e.id === id);
    if (i >= 0 && isPlainObject(out[i]) && isPlainObject(item)) {
      out[i] = mergeMaps(out[i] as Obj, item);
      copyLocation(over, j, out, i);
    } else {
      copyLocation(over, j, out, out.length);
      out.push(item);
    }
  }
  return out;
}
