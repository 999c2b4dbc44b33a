/**
 * The memory store's copies of its records, frozen so that they can be handed out as
 * they are. Records hold JSON values (what the sqlite and postgres stores serialise),
 * and copying them field by field is several times faster than structuredClone's
 * serialise-and-read for the small records of a run. Anything that is not a plain
 * object, array or primitive (a Date, a Map, a class instance), and a structure nested
 * deeper than the copy follows (which may be a cycle), is left to structuredClone.
 */

const MAX_DEPTH = 64;

/** Values made by `frozenCopy`: frozen all the way down, so they can be shared as they are. */
const frozen = new WeakSet<object>();

function freezeValue(value: unknown, depth: number, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== "object" || frozen.has(value)) return value;
  // A value met twice (a run's output is often also its last job's) is copied once,
  // and the copy is shared as the value was.
  const done = copies.get(value);
  if (done !== undefined) return done;
  // Deeper than a record goes (maybe a cycle): structuredClone follows it.
  if (depth > MAX_DEPTH) return structuredClone(value);
  let out: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = freezeValue(value[i], depth + 1, copies);
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return structuredClone(value);
    const obj: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = freezeValue((value as Record<string, unknown>)[key], depth + 1, copies);
      if (key === "__proto__")
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
    }
    out = obj;
  }
  Object.freeze(out);
  frozen.add(out);
  copies.set(value, out);
  return out;
}

/**
 * A deep copy that is frozen all the way down, so readers can share it instead of
 * copying it again: changing it throws (modules are strict). Parts of `value` that are
 * already such copies are shared, not copied, so a record made from another one copies
 * only what is new. A part that is not plain JSON (bytes, a Date) is copied with
 * structuredClone and left unfrozen (a typed array cannot be frozen).
 */
export function frozenCopy<T>(value: T): T {
  return freezeValue(value, 0, new Map()) as T;
}

/**
 * Freezes `own`, an object the caller has just made and shares with no one, in place:
 * only what it holds is copied (as by `frozenCopy`). A store's new record is made by
 * spreading the old one and the change into a new object; copying that object again
 * was a third of the memory store's work on every write.
 */
export function freezeOwn<T extends object>(own: T): T {
  const copies = new Map<object, unknown>();
  const fields = own as Record<string, unknown>;
  for (const key of Object.keys(fields)) fields[key] = freezeValue(fields[key], 1, copies);
  Object.freeze(own);
  frozen.add(own);
  return own;
}
