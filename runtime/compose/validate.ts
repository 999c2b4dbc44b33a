/** valibot issues -> ConfigErrors that name the file, line, column and key path. */
import * as v from "valibot";
import { ConfigError, ConfigErrors, type KeyPath } from "../errors.ts";
import { describeValue } from "../schema-kit.ts";
import { locate, locateKeyName } from "./locations.ts";

/**
 * Validates `input` against `schema`; on failure throws ConfigErrors with every issue.
 * `basePath` is where `input` sits in the document (for key paths in messages).
 */
export function validateWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  basePath: KeyPath = [],
  options: {
    ignore?: (issue: v.BaseIssue<unknown>) => boolean;
    /** Where a top-level key of `input` sits, when not every key is under `basePath`. */
    basePathOf?: (key: string | number) => KeyPath;
  } = {},
): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: false });
  if (result.success) return result.output;
  const errors = collectIssues(result.issues, basePath, input, options.basePathOf).filter(
    (_, i) => !options.ignore?.(result.issues[i]),
  );
  if (errors.length === 0) return input as v.InferOutput<S>;
  throw new ConfigErrors(dedupe(errors));
}

function collectIssues(
  issues: readonly v.BaseIssue<unknown>[],
  basePath: KeyPath,
  root: unknown,
  basePathOf?: (key: string | number) => KeyPath,
): ConfigError[] {
  return issues.map((issue) => {
    const items = issue.path ?? [];
    const first = items[0]?.key as string | number | undefined;
    const base = first !== undefined && basePathOf ? basePathOf(first) : basePath;
    const keyPath = [...base, ...items.map((p) => p.key as string | number)];
    const last = items[items.length - 1];
    const parent = last ? last.input : root;
    const isKeyIssue = last && (last as { origin?: string }).origin === "key";
    const location = last
      ? isKeyIssue
        ? locateKeyName(parent, String(last.key))
        : locate(parent, last.key as string | number)
      : locate(root);
    const missing =
      last &&
      issue.input === undefined &&
      parent &&
      typeof parent === "object" &&
      !((last.key as string) in parent);
    // The schema's own message for a missing key describes the map, not the key.
    const reason = missing ? `missing required key "${String(last.key)}"` : explain(issue);
    return new ConfigError(reason, location, keyPath);
  });
}

/** valibot's names for expected types, as a user would say them. */
const TYPE_WORDS: Record<string, string> = {
  Array: "a list",
  Object: "a map",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/** Our own schemas write full messages; for others, say what was expected and found. */
function explain(issue: v.BaseIssue<unknown>): string {
  if (issue.message && !issue.message.startsWith("Invalid ")) {
    // Messages like "expected a number >= 0" say what was expected; add what was found.
    // (Not for maps and lists: "found a list" says nothing when the list's content is the problem.)
    const found =
      issue.input !== undefined &&
      (issue.input === null || typeof issue.input !== "object") &&
      issue.expected !== "never" &&
      !/\b(found|got)\b|^unknown key/.test(issue.message);
    return found ? `${issue.message}, found ${describeValue(issue.input)}` : issue.message;
  }
  if (issue.expected === "never") return `unknown key ${issue.received}`;
  if (issue.kind === "schema") {
    const expected = TYPE_WORDS[issue.expected ?? ""] ?? issue.expected;
    if (issue.input === undefined) return `missing required key (expected ${expected})`;
    return `expected ${expected}, found ${describeValue(issue.input)}`;
  }
  return `${issue.message}`;
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  return uniqueBy(errors, (e) => e.message);
}

/** The items of `list` whose `key` was not seen before, in order. */
export function uniqueBy<T>(list: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of list) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}
