/** valibot issues -> ConfigErrors that name the file, line, column and key path. */
import * as v from "valibot";
import { ConfigError, ConfigErrors, type KeyPath } from "../errors.ts";
import { explainIssue, issueKeyPath } from "../schema-kit.ts";
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
    const keyPath = [...base, ...issueKeyPath(issue)];
    const last = items[items.length - 1];
    const parent = last ? last.input : root;
    const isKeyIssue = last && (last as { origin?: string }).origin === "key";
    const location = last
      ? isKeyIssue
        ? locateKeyName(parent, String(last.key))
        : locate(parent, last.key as string | number)
      : locate(root);
    return new ConfigError(explainIssue(issue), location, keyPath);
  });
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
