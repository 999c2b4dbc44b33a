/**
 * YAML text -> plain JS values with the `yaml` package, remembering where every map,
 * list and value was written (see locations.ts). Parse errors carry file:line:column.
 * The reference reading of a compose file: parse.ts uses it for every file the fast
 * native parser may not read, and to find positions when they are asked for.
 */
import { createRequire } from "node:module";
import type { Node } from "yaml";
import { ConfigError, type KeyPath, type SourceLocation } from "../errors.ts";
import { DEFAULT_YAML_LIMITS, LOAD_LIMITS, type YamlLimits } from "./load-limits.ts";
import { locateKeyName, recordKey, recordObject } from "./locations.ts";
import { describeYamlError } from "./yaml-error.ts";

/**
 * The `yaml` package, loaded on first use: loading it costs more than a whole run of a
 * small workflow. A literal `require` where the host has one (so the compiled binary's
 * bundler sees it), `createRequire` elsewhere (Deno).
 */
function loadYaml(): typeof import("yaml") {
  return typeof require === "function" ? require("yaml") : createRequire(import.meta.url)("yaml");
}

/** Explicit tags read as the plain values compose files hold; any other tag is refused. */
const CORE = "tag:yaml.org,2002:";
const SUPPORTED_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => CORE + t));

/** A tag as written: `!!omap` for the YAML types, `!name` for local ones. */
function tagAsWritten(tag: string): string {
  return tag.startsWith(CORE) ? `!!${tag.slice(CORE.length)}` : tag;
}

/**
 * @param limits how many values aliases may expand to (each alias becomes a copy of its
 * target, so a few nested ones can ask for billions) and how deeply maps and lists nest.
 */
export function parseYamlLocated(
  text: string,
  file: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): unknown {
  const { maxAliasValues, maxDepth } = limits;
  const yaml = loadYaml();
  const { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } = yaml;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    const { reason, offset } = describeYamlError(doc.errors[0], text, yaml, maxDepth);
    throw new ConfigError(`invalid YAML: ${reason}`, at(offset));
  }
  const seen = new Set<Node>();
  let aliasValues = 0;
  let aliasAt: number | undefined;
  /** A tag would turn its value into something a compose file cannot hold (a Buffer, a Set). */
  const checkTag = (node: Node, keyPath: KeyPath) => {
    const { tag } = node as { tag?: string };
    if (tag === undefined || tag === "!" || SUPPORTED_TAGS.has(tag)) return;
    // The tag is written just before the node's value (perhaps with an anchor in between).
    let start = text.lastIndexOf("!", node.range?.[0] ?? 0);
    while (start > 0 && text[start - 1] === "!") start--;
    throw new ConfigError(
      `the YAML tag ${tagAsWritten(tag)} is not supported: compose files hold strings, numbers, booleans, null, maps and lists (tags allowed: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)`,
      at(Math.max(start, 0)),
      keyPath,
    );
  };
  const convert = (node: unknown, keyPath: KeyPath): unknown => {
    if (node === null || node === undefined) return null;
    if (aliasAt !== undefined && ++aliasValues > maxAliasValues) {
      throw new ConfigError(
        `YAML aliases here expand to more than ${maxAliasValues} values (the limit ${LOAD_LIMITS.maxAliasValues.env}); each alias is a copy of what it names, so nested aliases multiply`,
        at(aliasAt),
        keyPath,
      );
    }
    if (!isAlias(node)) checkTag(node as Node, keyPath);
    if ((isSeq(node) || isMap(node)) && keyPath.length >= maxDepth) {
      throw new ConfigError(
        `maps and lists here are nested more than ${maxDepth} levels deep (the limit ${LOAD_LIMITS.maxDepth.env})`,
        at(node.range?.[0] ?? 0),
        keyPath,
      );
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ConfigError(`unknown YAML alias *${node.source}`, at(node.range?.[0] ?? 0));
      if (seen.has(target)) throw new ConfigError("recursive YAML alias", at(node.range?.[0] ?? 0));
      seen.add(target);
      const outer = aliasAt;
      aliasAt ??= node.range?.[0] ?? 0;
      try {
        return convert(target, keyPath);
      } finally {
        seen.delete(target);
        aliasAt = outer;
      }
    }
    if (isScalar(node)) return node.value ?? null;
    if (isSeq(node)) {
      const out: unknown[] = [];
      recordObject(out, at(node.range?.[0] ?? 0));
      for (const item of node.items) {
        recordKey(out, out.length, at((item as Node)?.range?.[0] ?? node.range?.[0] ?? 0));
        out.push(convert(item, [...keyPath, out.length]));
      }
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      recordObject(out, at(node.range?.[0] ?? 0));
      const written = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode)) checkTag(keyNode, keyPath);
        const rawKey = isScalar(keyNode) ? keyNode.value : convert(keyNode, keyPath);
        if (rawKey === "<<" || typeof rawKey === "symbol") {
          // YAML merge key: bring the aliased map's entries in, without overriding.
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const src of sources) {
            const merged = convert(src, keyPath);
            if (merged && typeof merged === "object" && !Array.isArray(merged)) {
              for (const [k, v] of Object.entries(merged)) if (!(k in out)) out[k] = v;
            }
          }
          continue;
        }
        const key = String(rawKey);
        const valueNode = pair.value as Node | null;
        const keyPos = at(keyNode?.range?.[0] ?? 0);
        if (key === "__proto__") {
          // As a key of a plain object it would set the object's prototype: the entry
          // would vanish, or its values be found under other keys.
          throw new ConfigError(
            'the key "__proto__" is not allowed in a compose file (it names the prototype of an object)',
            keyPos,
            [...keyPath, key],
          );
        }
        if (written.has(key)) {
          // Checked here rather than by the YAML parser, whose message names neither the key nor its path.
          const first = locateKeyName(out, key);
          const firstAt = first ? ` (first written at line ${first.line}, column ${first.column})` : "";
          throw new ConfigError(`duplicate key "${key}"${firstAt}`, keyPos, [...keyPath, key]);
        }
        written.add(key);
        recordKey(out, key, valueNode?.range ? at(valueNode.range[0]) : keyPos, keyPos);
        out[key] = convert(valueNode, [...keyPath, key]);
      }
      return out;
    }
    return null;
  };
  return convert(doc.contents, []);
}
