/**
 * The memory store's copies of its records, frozen so that they can be handed out as
 * they are. Records hold JSON values (what the sqlite and postgres stores serialise),
 * and copying them field by field is several times faster than structuredClone's
 * serialise-and-read for the small records of a run. Anything that is not a plain
 * object, array or primitive (a Date, a Map, a class instance), and a structure nested
 * deeper than the copy follows (which may be a cycle), is left to structuredClone.
 *
 * What is already stored is not copied again: the store knows which of a new record's
 * fields it already holds (frozen) and which came with the change, and copies only the
 * latter (`frozenValues`). A copy is never recognised by itself: being frozen on top
 * says nothing of what an object holds, and remembering every copy made (a WeakSet)
 * kept a weak entry for every value of every retained record.
 */

const MAX_DEPTH = 64;

function freezeValue(value: unknown, depth: number, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== "object") return value;
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
    out = copyFields(value as Record<string, unknown>, depth, copies);
  }
  Object.freeze(out);
  copies.set(value, out);
  return out;
}

/** A new, unfrozen object with a frozen copy of each of `value`'s fields. */
function copyFields(
  value: Record<string, unknown>,
  depth: number,
  copies: Map<object, unknown>,
): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = freezeValue(value[key], depth + 1, copies);
    if (key === "__proto__")
      Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    else obj[key] = v;
  }
  return obj;
}

/**
 * A deep copy that is frozen all the way down, so readers can share it instead of
 * copying it again: changing it throws (modules are strict). A part that is not plain
 * JSON (bytes, a Date) is copied with structuredClone and left unfrozen (a typed array
 * cannot be frozen).
 */
export function frozenCopy<T>(value: T): T {
  return freezeValue(value, 0, new Map()) as T;
}

/**
 * A new object holding a frozen deep copy of each of `fields`' values (the object
 * itself is not frozen: the caller spreads it into a record and freezes that). A value
 * held by two fields is copied once and shared, as it was.
 */
export function frozenValues<T extends object>(fields: T): T {
  return copyFields(fields as Record<string, unknown>, 0, new Map()) as T;
}
