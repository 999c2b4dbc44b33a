/**
 * The one validation and message kit, shared by the core and the built-in plugins:
 * `describeValue` (how every message names a value: "a map", "a list", `the string
 * "x"`), valibot building blocks whose messages say what was expected and what was
 * found (strict maps with "did you mean", shape-picking unions, parsers as checks,
 * durations and sizes with units) and `explainIssue` / `formatIssues`, the one reader
 * of valibot issues (compose validation, the HTTP API and component calls all use it,
 * and all report every issue).
 */
import * as v from "valibot";
import { closest, formatKeyPath, type KeyPath } from "./errors.ts";
import { parseDurationMs, parseSize } from "./units.ts";

export { parseDurationMs, parseGoDurationNs, parseSize } from "./units.ts";

/** "nothing", "a list", "a map", `the string "x"`, "the number 3", ... for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return "a map";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

// ---------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------

export interface StrictMapOptions {
  /** Said after the list of valid keys when a key is unknown: where that key may belong instead. */
  unknownKeyNote?: string;
  /** Names users write for a key (`mem` for `mem_limit`): suggested before the closest spelling. */
  aliases?: Readonly<Record<string, string>>;
}

/** The message for an unknown key: the closest valid key (or alias) and the full list. */
function unknownKeyMessage(key: string, keys: readonly string[], options: StrictMapOptions): string {
  const hint = options.aliases?.[key] ?? closest(key, keys);
  const note = options.unknownKeyNote ? `; ${options.unknownKeyNote}` : "";
  return `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : ""} (valid keys: ${keys.join(", ")})${note}`;
}

/**
 * A strict object whose unknown keys are reported with the closest valid key and the
 * full list of valid keys. Accepts a list as an empty object, as valibot's object
 * schemas do; use `strictMap` unless the schema must go into `v.variant`.
 */
export function strictObjectOf<const E extends v.ObjectEntries>(entries: E, options: StrictMapOptions = {}) {
  const keys = Object.keys(entries);
  return v.strictObject(entries, (issue) =>
    issue.expected === "never"
      ? unknownKeyMessage(String(issue.input), keys, options)
      : `expected a map, found ${describeValue(issue.input)}`,
  );
}

const isMap = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);

/** `strictObjectOf` that also refuses lists (a YAML list where a map belongs). */
export function strictMap<const E extends v.ObjectEntries>(entries: E, options: StrictMapOptions = {}) {
  return v.pipe(
    v.custom<unknown>(isMap, (issue) => `expected a map, found ${describeValue(issue.input)}`),
    strictObjectOf(entries, options),
  );
}

// ---------------------------------------------------------------------------
// Values by shape
// ---------------------------------------------------------------------------

/** The YAML shapes `oneOf` tells apart. */
export type Shape = "string" | "number" | "boolean" | "null" | "list" | "map";

function shapeOf(value: unknown): Shape | undefined {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      return "map";
    default:
      return undefined;
  }
}

/**
 * Picks the schema for the input's YAML shape, so a wrong value is reported against
 * the form the user chose rather than as "none of the alternatives matched".
 * `expected` says all the forms, for a value of none of them.
 */
export function oneOf<T extends { [K in Shape]?: v.GenericSchema }>(schemas: T, expected: string) {
  const none = v.never((issue) => `expected ${expected}, found ${describeValue(issue.input)}`);
  type Picked = Extract<T[keyof T], v.GenericSchema>;
  return v.lazy((input): Picked | typeof none => {
    const shape = shapeOf(input);
    return (shape && (schemas[shape] as Picked | undefined)) || none;
  });
}

/**
 * A strict map that must be a map (`expected` names it when it is not, e.g.
 * "healthcheck (a map)"); unknown keys as in `strictObjectOf`.
 */
export function mapping<const E extends v.ObjectEntries>(
  entries: E,
  expected: string,
  options: StrictMapOptions = {},
) {
  return oneOf({ map: strictObjectOf(entries, options) }, expected);
}

/** Adds an issue with the parser's message when `parse` throws (a typed value only). */
export function parses<T>(parse: (value: T) => unknown) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      parse(dataset.value);
    } catch (error) {
      addIssue({ message: (error as Error).message });
    }
  });
}

/** A string; `what` names it in the message. */
export const str = (what = "a string") =>
  v.string((issue) => `expected ${what}, found ${describeValue(issue.input)}`);

/** A string that is not empty or blank. */
export const nonEmpty = (what = "a non-empty string") =>
  v.pipe(
    str(what),
    v.check((s) => s.trim() !== "", `expected ${what}, found an empty string`),
  );

/** true or false. */
export const bool = () => v.boolean((issue) => `expected true or false, found ${describeValue(issue.input)}`);

/** A whole number from `min` to `max`. */
export const int = (min: number, max = Number.MAX_SAFE_INTEGER, what = "an integer") =>
  v.pipe(
    v.number((issue) => `expected ${what}, found ${describeValue(issue.input)}`),
    v.check(
      (n) => Number.isInteger(n) && n >= min && n <= max,
      (issue) => `expected ${what}, found ${describeValue(issue.input)}`,
    ),
  );

/** A list of non-empty strings. */
export const stringList = (what = "a list of strings") =>
  oneOf({ list: v.array(nonEmpty("a non-empty string")) }, what);

/** One non-empty string or a list of them. */
export const stringOrList = (what: string) =>
  oneOf({ string: nonEmpty(), list: v.array(nonEmpty("a non-empty string")) }, what);

/** A string, number or boolean. */
export const scalar = (what: string) =>
  oneOf({ string: v.string(), number: v.number(), boolean: v.boolean() }, what);

/** `KEY: value` map or `["KEY=value"]` list (labels, build args, environment); `allowNull` for `KEY:`. */
export const keyValues = (what: string, allowNull: boolean) =>
  oneOf(
    {
      map: v.record(
        v.pipe(
          v.string(),
          v.check(
            (k) => k !== "" && !k.includes("="),
            (issue) => `invalid name ${describeValue(issue.input)}`,
          ),
        ),
        allowNull
          ? oneOf(
              { string: v.string(), number: v.number(), boolean: v.boolean(), null: v.null() },
              "a string or number",
            )
          : scalar("a string or number"),
      ),
      list: v.array(
        v.pipe(
          str('a "KEY=value" string'),
          v.check(
            (s) => /^[^=\s][^=]*(=[\s\S]*)?$/.test(s),
            (issue) => `expected a "KEY=value" string, found ${describeValue(issue.input)}`,
          ),
        ),
      ),
    },
    `${what} as a map (KEY: value) or a list of "KEY=value" strings`,
  );

// ---------------------------------------------------------------------------
// Core option values
// ---------------------------------------------------------------------------

/** A duration option: a number of seconds or a string like `30s` / `1m30s`; output in milliseconds. */
export const Duration = v.pipe(
  v.union(
    [v.number(), v.string()],
    (issue) => `expected a duration like 30s or 1m30s, found ${describeValue(issue.input)}`,
  ),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseDurationMs(dataset.value);
    if (ms === undefined) {
      addIssue({
        message: `expected a duration like 30s, 1m30s or 500ms, found ${describeValue(dataset.value)}`,
      });
      return NEVER;
    }
    return ms;
  }),
);

/** A size option: bytes, or a string with unit b/k/m/g; output in bytes. */
export const Size = v.pipe(
  v.union(
    [v.number(), v.string()],
    (issue) => `expected a size like 512m or 2g, found ${describeValue(issue.input)}`,
  ),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const bytes = parseSize(dataset.value);
    if (bytes === undefined) {
      addIssue({
        message: `expected a size like 512m or 2g (units b, k, m, g, t), found ${describeValue(dataset.value)}`,
      });
      return NEVER;
    }
    return bytes;
  }),
);

/** A whole number >= 0, also accepted as a numeric string (values that came from env). */
export const Count = v.pipe(
  v.union(
    [v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))],
    (issue) => `expected a whole number, found ${describeValue(issue.input)}`,
  ),
  v.integer("expected a whole number"),
  v.minValue(0, "expected a number >= 0"),
);

/** A TCP port. */
export const Port = v.pipe(Count, v.maxValue(65535, "expected a port number up to 65535"));

/** A string, with a readable message. */
export const Text = str();

/** A boolean, with a readable message. */
export const Flag = bool();

// ---------------------------------------------------------------------------
// Issues
// ---------------------------------------------------------------------------

/** A valibot issue's path as a key path (`ports[1]`, `healthcheck.interval`). */
export function issueKeyPath(issue: v.BaseIssue<unknown>): Array<string | number> {
  return (issue.path ?? []).map((item) => item.key as string | number);
}

/** valibot's names for expected types, as a user would say them. */
const TYPE_WORDS: Record<string, string> = {
  Array: "a list",
  Object: "a map",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/**
 * What one issue means, in a user's words: a missing key is named; our own schemas'
 * messages are kept (with what was found added when they do not say it); valibot's
 * defaults become "expected X, found Y".
 */
export function explainIssue(issue: v.BaseIssue<unknown>): string {
  const last = issue.path?.at(-1);
  const parent = last?.input;
  const missing =
    last &&
    issue.input === undefined &&
    parent &&
    typeof parent === "object" &&
    !((last.key as string) in parent);
  // The schema's own message for a missing key describes the map, not the key.
  if (missing) return `missing required key "${String(last.key)}"`;
  if (issue.message && !issue.message.startsWith("Invalid ")) {
    // Messages like "expected a number >= 0" say what was expected; add what was found.
    // (Not for maps and lists: "found a list" says nothing when the list's content is the problem.)
    const found =
      issue.input !== undefined &&
      (issue.input === null || typeof issue.input !== "object") &&
      issue.expected !== "never" &&
      !/\bfound\b|^unknown key/.test(issue.message);
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

/** One issue as a key path (under `prefix`) and its explanation. */
export interface IssueReport {
  keyPath: Array<string | number>;
  message: string;
}

/** Every issue explained, each once (a union reports the same problem per alternative). */
export function issueReports(issues: readonly v.BaseIssue<unknown>[], prefix: KeyPath = []): IssueReport[] {
  const seen = new Set<string>();
  const out: IssueReport[] = [];
  for (const issue of issues) {
    const report = { keyPath: [...prefix, ...issueKeyPath(issue)], message: explainIssue(issue) };
    const key = `${formatKeyPath(report.keyPath)}\0${report.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(report);
  }
  return out;
}

/** Every issue on one line: `input.text: expected a string, found the number 3; mode: ...`. */
export function formatIssues(issues: readonly v.BaseIssue<unknown>[], prefix: KeyPath = []): string {
  return issueReports(issues, prefix)
    .map((r) => (r.keyPath.length ? `${formatKeyPath(r.keyPath)}: ${r.message}` : r.message))
    .join("; ");
}
