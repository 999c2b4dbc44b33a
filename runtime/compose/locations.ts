/**
 * Source positions of values in loaded compose files.
 *
 * Parsed maps and lists are plain JS objects; their positions are kept beside them in
 * a WeakMap keyed by the object itself, so they survive merging and normalizing as long
 * as the object (or a key copied with `copyLocation`) moves along. Any later step can
 * ask where `parent[key]` was written.
 *
 * A file read by the fast parser has no positions at first: its objects are marked
 * pending, and the first question about one of them reads the file's positions (see
 * parse.ts). Copies made before that are kept as links to the object they came from,
 * followed only when asked, so a load that finds no problem never reads positions.
 */
import type { SourceLocation } from "../errors.ts";

type Key = string | number;

/** "Where `from[key]` is written" (`name`: where the key name itself is). */
interface Link {
  from: object;
  key: Key;
  kind: "value" | "name";
}

interface ParsedPositions {
  /** Where the object itself starts. */
  self: SourceLocation;
  /** Where each key's value starts (for lists: each item). */
  keys: Map<Key, SourceLocation>;
  /** Where each key itself is written (maps only); used for "unknown key" errors. */
  keyNames: Map<string, SourceLocation>;
}

interface Positions {
  /** As read from the file (undefined for objects built by normalizing or merging). */
  parsed?: ParsedPositions;
  /** The object whose position this one takes (for objects that were not parsed). */
  inherited?: object;
  /** Positions copied in from elsewhere, newest last; they win over `parsed`. */
  copiedKeys: Map<Key, Link[]>;
  copiedNames: Map<string, Link[]>;
}

/** A file parsed without positions: its name, and how to read them when first asked. */
export interface PendingFile {
  file: string;
  /** Records the positions of every object of the file (with `recordParsed`). */
  read(): void;
}

const positions = new WeakMap<object, Positions>();
const pending = new WeakMap<object, PendingFile>();

function entry(obj: object): Positions {
  let p = positions.get(obj);
  if (!p) {
    p = { copiedKeys: new Map(), copiedNames: new Map() };
    positions.set(obj, p);
  }
  return p;
}

function known(obj: object): boolean {
  return positions.has(obj) || pending.has(obj);
}

/** Marks every object of a fast-parsed file as pending `file`. */
export function markPending(objects: Iterable<object>, file: PendingFile): void {
  for (const obj of objects) pending.set(obj, file);
}

/** Gives `obj` the positions read from its file (used when a pending file is read). */
export function recordParsed(obj: object, parsed: ParsedPositions): void {
  entry(obj).parsed = parsed;
  pending.delete(obj);
}

/** The positions read for `obj`, to hand to another object of the same shape. */
export function parsedPositions(obj: object): ParsedPositions | undefined {
  return positions.get(obj)?.parsed;
}

export function recordObject(obj: object, self: SourceLocation): void {
  entry(obj).parsed = { self, keys: new Map(), keyNames: new Map() };
}

export function recordKey(obj: object, key: Key, value: SourceLocation, name?: SourceLocation): void {
  const p = positions.get(obj)?.parsed;
  if (!p) return;
  p.keys.set(key, value);
  if (name && typeof key === "string") p.keyNames.set(key, name);
}

/**
 * Answers position questions. `fileOnly` answers only which file, without reading the
 * positions of a pending file (its objects are all in it). Links are followed at most
 * `MAX_LINKS` deep, so a copy that comes back to itself ends.
 */
const MAX_LINKS = 64;

class Finder {
  private depth = 0;
  constructor(private readonly fileOnly: boolean) {}

  private parsed(obj: object): ParsedPositions | undefined {
    const file = pending.get(obj);
    if (file) {
      if (this.fileOnly)
        return { self: { file: file.file, line: 0, column: 0 }, keys: new Map(), keyNames: new Map() };
      pending.delete(obj);
      file.read();
    }
    return positions.get(obj)?.parsed;
  }

  private newest(links: Link[] | undefined): SourceLocation | undefined {
    if (!links || this.depth > MAX_LINKS) return undefined;
    this.depth++;
    try {
      for (let i = links.length - 1; i >= 0; i--) {
        const { from, key, kind } = links[i];
        const found = kind === "name" ? this.name(from, key as string) : this.value(from, key);
        if (found) return found;
      }
      return undefined;
    } finally {
      this.depth--;
    }
  }

  self(obj: object): SourceLocation | undefined {
    const parsed = this.parsed(obj);
    if (parsed) return parsed.self;
    const inherited = positions.get(obj)?.inherited;
    if (!inherited || this.depth > MAX_LINKS) return undefined;
    this.depth++;
    try {
      return this.self(inherited);
    } finally {
      this.depth--;
    }
  }

  value(obj: object, key: Key): SourceLocation | undefined {
    const copied = this.newest(positions.get(obj)?.copiedKeys.get(key));
    if (copied) return copied;
    const file = this.fileOnly ? pending.get(obj) : undefined;
    // Every key a pending object has was written in its file.
    if (file) return Object.hasOwn(obj, key) ? { file: file.file, line: 0, column: 0 } : undefined;
    return this.parsed(obj)?.keys.get(key);
  }

  name(obj: object, key: string): SourceLocation | undefined {
    return this.newest(positions.get(obj)?.copiedNames.get(key)) ?? this.parsed(obj)?.keyNames.get(key);
  }
}

/** Where `obj[key]` was written; the object's own position when the key is unknown. */
export function locate(obj: unknown, key?: Key): SourceLocation | undefined {
  if (!obj || typeof obj !== "object" || !known(obj)) return undefined;
  const find = new Finder(false);
  return (key === undefined ? undefined : find.value(obj, key)) ?? find.self(obj);
}

/** Where the key name `key` of `obj` is written (for unknown-key errors). */
export function locateKeyName(obj: unknown, key: string): SourceLocation | undefined {
  if (!obj || typeof obj !== "object" || !known(obj)) return undefined;
  const find = new Finder(false);
  return find.name(obj, key) ?? find.value(obj, key) ?? find.self(obj);
}

/**
 * The file `obj[key]` was written in (as `locate(obj, key)?.file`), without reading the
 * positions of a file parsed without them: relative paths are resolved on every load.
 */
export function locateFile(obj: unknown, key: Key): string | undefined {
  if (!obj || typeof obj !== "object" || !known(obj)) return undefined;
  const find = new Finder(true);
  return (find.value(obj, key) ?? find.self(obj))?.file;
}

/** Copies the position of `from[fromKey]` to `to[toKey]`. */
export function copyLocation(from: object, fromKey: Key, to: object, toKey: Key): void {
  if (!known(from)) return;
  const dst = entry(to);
  if (!dst.parsed && !pending.has(to) && !dst.inherited) dst.inherited = from;
  push(dst.copiedKeys, toKey, { from, key: fromKey, kind: "value" });
  if (typeof fromKey === "string" && typeof toKey === "string") {
    push(dst.copiedNames, toKey, { from, key: fromKey, kind: "name" });
  }
}

function push<K>(map: Map<K, Link[]>, key: K, link: Link): void {
  const list = map.get(key);
  if (list) list.push(link);
  else map.set(key, [link]);
}

/** Gives `to` the position of `from` when `to` has none (for objects built by normalizing). */
export function inheritLocation(to: object, from: object): void {
  if (!known(from) || known(to)) return;
  entry(to).inherited = from;
}

/** Walks `path` from `root` and returns the closest known position. */
export function locatePath(root: unknown, path: ReadonlyArray<Key>): SourceLocation | undefined {
  let node: unknown = root;
  let best = locate(root);
  for (const key of path) {
    if (!node || typeof node !== "object") break;
    best = locate(node, key) ?? best;
    node = (node as Record<Key, unknown>)[key];
  }
  return best;
}
