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
  options: { ignore?: (issue: v.BaseIssue<unknown>) => boolean } = {},
): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: false });
  if (result.success) return result.output;
  const errors = collectIssues(result.issues, basePath, input).filter((_, i) => !options.ignore?.(result.issues[i]));
  if (errors.length === 0) return input as v.InferOutput<S>;
  throw new ConfigErrors(dedupe(errors));
}

function collectIssues(issues: readonly v.BaseIssue<unknown>[], basePath: KeyPath, root: unknown): ConfigError[] {
  return issues.map((issue) => {
    const items = issue.path ?? [];
    const keyPath = [...basePath, ...items.map((p) => p.key as string | number)];
    const last = items[items.length - 1];
    const parent = last ? last.input : root;
    const isKeyIssue = last && (last as { origin?: string }).origin === "key";
    const location = last
      ? isKeyIssue
        ? locateKeyName(parent, String(last.key))
        : locate(parent, last.key as string | number)
      : locate(root);
    const missing =
      last && issue.input === undefined && parent && typeof parent === "object" && !((last.key as string) in parent);
    const reason = missing ? `missing required key "${String(last.key)}" (${explain(issue)})` : explain(issue);
    return new ConfigError(reason, location, keyPath);
  });
}

/** Our own schemas write full messages; for others, say what was expected and found. */
function explain(issue: v.BaseIssue<unknown>): string {
  if (issue.message && !issue.message.startsWith("Invalid ")) return issue.message;
  if (issue.expected === "never") return `unknown key ${issue.received}`;
  if (issue.kind === "schema") {
    if (issue.input === undefined) return `missing required key (expected ${issue.expected})`;
    return `expected ${issue.expected}, found ${describeValue(issue.input)}`;
  }
  return `${issue.message}`;
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}
