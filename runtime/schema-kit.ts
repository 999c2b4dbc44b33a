/**
 * Small valibot building blocks shared by the core and the built-in plugins: strict
 * maps whose unknown-key errors say "did you mean", durations and sizes with units.
 */
import * as v from "valibot";
import { closest } from "./errors.ts";

export interface StrictMapOptions {
  /** Said after the list of valid keys when a key is unknown: where that key may belong instead. */
  unknownKeyNote?: string;
}

/**
 * A strict object whose unknown keys are reported with the closest valid key and the
 * full list of valid keys. Accepts a list as an empty object, as valibot's object
 * schemas do; use `strictMap` unless the schema must go into `v.variant`.
 */
export function strictObjectOf<const E extends v.ObjectEntries>(entries: E, options: StrictMapOptions = {}) {
  const keys = Object.keys(entries);
  return v.strictObject(entries, (issue) => {
    if (issue.expected === "never") {
      const key = String(issue.input);
      const hint = closest(key, keys);
      const note = options.unknownKeyNote ? `; ${options.unknownKeyNote}` : "";
      return `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : ""} (valid keys: ${keys.join(", ")})${note}`;
    }
    return `expected a map, found ${describeValue(issue.input)}`;
  });
}

const isMap = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);

/** `strictObjectOf` that also refuses lists (a YAML list where a map belongs). */
export function strictMap<const E extends v.ObjectEntries>(entries: E, options: StrictMapOptions = {}) {
  return v.pipe(
    v.custom<unknown>(isMap, (issue) => `expected a map, found ${describeValue(issue.input)}`),
    strictObjectOf(entries, options),
  );
}

/** "a string", "the number 3", "a list", ... for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

const DURATION_UNITS_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
};
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

/**
 * Reads a duration in Go's notation (`30s`, `1m30s`, `500ms`, `1.5h`, `0`; units ns, us,
 * ms, s, m, h, and d for days unless `allowDays` is false, as in Docker's own notation)
 * into nanoseconds; undefined when it is not one.
 * The one reader of durations: core options and the docker runtime both use it.
 */
export function parseDurationText(value: string, allowDays = true): number | undefined {
  const text = value.trim();
  if (text === "0") return 0;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(text);
    if (!m || (m[2] === "d" && !allowDays)) return undefined;
    total += Number(m[1]) * DURATION_UNITS_NS[m[2]];
    pos = DURATION_PART.lastIndex;
  }
  return pos === 0 ? undefined : Math.round(total);
}

/** Parses `30s`, `1m30s`, `500ms`, `2h` or a number of seconds into milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const ns = parseDurationText(value);
  return ns === undefined ? undefined : ns / 1e6;
}

/** A duration option: a number of seconds or a string like `30s` / `1m30s`; output in milliseconds. */
export const Duration = v.pipe(
  v.union(
    [v.number(), v.string()],
    (issue) => `expected a duration like 30s or 1m30s, found ${describeValue(issue.input)}`,
  ),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseDuration(dataset.value);
    if (ms === undefined) {
      addIssue({
        message: `expected a duration like 30s, 1m30s or 500ms, found ${describeValue(dataset.value)}`,
      });
      return NEVER;
    }
    return ms;
  }),
);

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Parses `512m`, `2g`, `1.5g`, `256mb`, `1gib` (units b, k, m, g, t; powers of 1024;
 * any case) or a number of bytes. The one reader of sizes, shared with the docker runtime.
 */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
}

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
export const Text = v.string((issue) => `expected a string, found ${describeValue(issue.input)}`);

/** A boolean, with a readable message. */
export const Flag = v.boolean((issue) => `expected true or false, found ${describeValue(issue.input)}`);
