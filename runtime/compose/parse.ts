/**
 * YAML text -> plain JS values, with positions for every map, list and value.
 *
 * The `yaml` package is the reference (parse-located.ts), but loading it costs more
 * than running a small workflow. Where the runtime has its own parser (Bun), a file
 * written in the plain subset (plain-yaml.ts) is read by that parser, and the file's
 * positions are read with `yaml` only if something asks for one: an error, a warning.
 * A file outside the subset, one the native parser rejects, or one where the native
 * parser saw fewer keys than were written (duplicates) is read by `yaml` straight away,
 * so its errors and its values are exactly `yaml`'s.
 */
import { nativeYamlParse } from "../host/mod.ts";
import { DEFAULT_YAML_LIMITS, type YamlLimits } from "./load-limits.ts";
import { markPending, parsedPositions, recordParsed } from "./locations.ts";
import { parseYamlLocated } from "./parse-located.ts";
import { countPlainKeys } from "./plain-yaml.ts";

/** `limits`: see LoadLimits (the native parser reads only files without aliases). */
export function parseYaml(text: string, file: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): unknown {
  const native = parseNative(text, file, limits);
  return native ? native.value : parseYamlLocated(text, file, limits);
}

/**
 * The objects of a parsed tree (maps and lists), and how many map keys it has; NaN for
 * a tree nested deeper than `maxDepth` (`yaml` then reads it, and says where).
 */
function walk(value: unknown, objects: object[], maxDepth: number, depth = 1): number {
  if (value === null || typeof value !== "object") return 0;
  if (depth > maxDepth) return Number.NaN;
  objects.push(value);
  if (Array.isArray(value))
    return value.reduce((n: number, item) => n + walk(item, objects, maxDepth, depth + 1), 0);
  if (Object.getPrototypeOf(value) !== Object.prototype) return Number.NaN;
  let keys = 0;
  for (const item of Object.values(value)) keys += 1 + walk(item, objects, maxDepth, depth + 1);
  return keys;
}

/**
 * The native parser's reading of `text`, or undefined when `yaml` must read it. Its
 * objects are marked pending: their positions are read from `text` when first asked.
 */
export function parseNative(
  text: string,
  file: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): { value: unknown } | undefined {
  const { maxDepth } = limits;
  if (!nativeYamlParse) return undefined;
  const written = countPlainKeys(text);
  if (written === undefined) return undefined;
  let value: unknown;
  try {
    value = nativeYamlParse(text);
  } catch {
    return undefined; // `yaml` reports it, with its position
  }
  const objects: object[] = [];
  if (walk(value, objects, maxDepth) !== written) return undefined;
  markPending(objects, {
    file,
    read() {
      // Read the file again with positions and hand them to the same objects. Both
      // readings have the same shape (the subset has no aliases, merges or duplicate
      // keys), so their objects pair up in walk order, whatever has changed since.
      const located: object[] = [];
      walk(parseYamlLocated(text, file, limits), located, maxDepth);
      if (located.length !== objects.length) return;
      objects.forEach((obj, i) => {
        const positions = parsedPositions(located[i]);
        if (positions) recordParsed(obj, positions);
      });
    },
  });
  return { value };
}
