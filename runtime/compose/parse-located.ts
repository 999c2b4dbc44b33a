/**
 * YAML text -> plain JS values with the `yaml` package, remembering where every map,
 * list and value was written (see locations.ts). Parse errors carry file:line:column.
 * The reference reading of a compose file: parse.ts uses it for every file the fast
 * native parser may not read, and to find positions when they are asked for.
 */
import { createRequire } from "node:module";
import type { Node } from "yaml";
import { ConfigError, type KeyPath, type SourceLocation } from "../errors.ts";
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

export function parseYamlLocated(text: string, file: string): unknown {
  const yaml = loadYaml();
  const { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } = yaml;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    const { reason, offset } = describeYamlError(doc.errors[0], text, yaml);
    throw new ConfigError(`invalid YAML: ${reason}`, at(offset));
  }
  const seen = new Set<Node>();
  const convert = (node: unknown, keyPath: KeyPath): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ConfigError(`unknown YAML alias *${node.source}`, at(node.range?.[0] ?? 0));
      if (seen.has(target)) throw new ConfigError("recursive YAML alias", at(node.range?.[0] ?? 0));
      seen.add(target);
      try {
        return convert(target, keyPath);
      } finally {
        seen.delete(target);
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
