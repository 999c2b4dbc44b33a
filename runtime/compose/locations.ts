/**
 * Source positions of values in loaded compose files.
 *
 * Parsed maps and lists are plain JS objects; their positions are kept beside them in
 * a WeakMap keyed by the object itself, so they survive merging and normalizing as long
 * as the object (or a key copied with `copyLocation`) moves along. Any later step can
 * ask where `parent[key]` was written.
 */
import type { SourceLocation } from "../errors.ts";

interface Positions {
  /** Where the object itself starts. */
  self: SourceLocation;
  /** Where each key's value starts (for lists: each item). */
  keys: Map<string | number, SourceLocation>;
  /** Where each key itself is written (maps only); used for "unknown key" errors. */
  keyNames: Map<string, SourceLocation>;
}

const positions = new WeakMap<object, Positions>();

export function recordObject(obj: object, self: SourceLocation): void {
  positions.set(obj, { self, keys: new Map(), keyNames: new Map() });
}

export function recordKey(
  obj: object,
  key: string | number,
  value: SourceLocation,
  name?: SourceLocation,
): void {
  const p = positions.get(obj);
  if (!p) return;
  p.keys.set(key, value);
  if (name && typeof key === "string") p.keyNames.set(key, name);
}

/** Where `obj[key]` was written; the object's own position when the key is unknown. */
export function locate(obj: unknown, key?: string | number): SourceLocation | undefined {
  if (!obj || typeof obj !== "object") return undefined;
  const p = positions.get(obj);
  if (!p) return undefined;
  if (key === undefined) return p.self;
  return p.keys.get(key) ?? p.self;
}

/** Where the key name `key` of `obj` is written (for unknown-key errors). */
export function locateKeyName(obj: unknown, key: string): SourceLocation | undefined {
  if (!obj || typeof obj !== "object") return undefined;
  const p = positions.get(obj);
  return p?.keyNames.get(key) ?? p?.keys.get(key) ?? p?.self;
}

/** Copies the position of `from[fromKey]` to `to[toKey]`. */
export function copyLocation(
  from: object,
  fromKey: string | number,
  to: object,
  toKey: string | number,
): void {
  const src = positions.get(from);
  if (!src) return;
  let dst = positions.get(to);
  if (!dst) {
    dst = { self: src.self, keys: new Map(), keyNames: new Map() };
    positions.set(to, dst);
  }
  const value = src.keys.get(fromKey);
  if (value) dst.keys.set(toKey, value);
  const name = typeof fromKey === "string" ? src.keyNames.get(fromKey) : undefined;
  if (name && typeof toKey === "string") dst.keyNames.set(toKey, name);
}

/** Gives `to` the position of `from` when `to` has none (for objects built by normalizing). */
export function inheritLocation(to: object, from: object): void {
  const src = positions.get(from);
  if (src && !positions.has(to)) positions.set(to, { self: src.self, keys: new Map(), keyNames: new Map() });
}

/** Walks `path` from `root` and returns the closest known position. */
export function locatePath(root: unknown, path: ReadonlyArray<string | number>): SourceLocation | undefined {
  let node: unknown = root;
  let best = locate(root);
  for (const key of path) {
    if (!node || typeof node !== "object") break;
    best = locate(node, key) ?? best;
    node = (node as Record<string | number, unknown>)[key];
  }
  return best;
}
