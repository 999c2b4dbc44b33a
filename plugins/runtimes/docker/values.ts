/**
 * The parsers for the docker runtime's small value languages (sizes, durations, CPUs,
 * restart policies, file modes, commands) and the schema pieces built on them. Each
 * parser throws an Error whose message says what was expected and what was found; the
 * schema turns it into an issue, and the container mapping uses the same parser, so a
 * value that passes validation always maps.
 */
import { parse as shellParse } from "shell-quote";
import * as v from "valibot";
import {
  describeValue,
  oneOf,
  parseGoDurationNs,
  parseSize,
  parses,
  str,
} from "../../../runtime/plugin-api.ts";

/**
 * A memory size in bytes (see `parseSize` in schema-kit for the notation).
 * `allowUnlimited` also accepts -1 (as `memswap_limit` does).
 */
export function parseSizeBytes(value: unknown, allowUnlimited = false): number {
  if (allowUnlimited && (value === -1 || (typeof value === "string" && value.trim() === "-1"))) return -1;
  const bytes = typeof value === "number" || typeof value === "string" ? parseSize(value) : undefined;
  if (bytes === undefined) {
    throw new Error(`expected a size like 512m or 2g (or a number of bytes), found ${describeValue(value)}`);
  }
  return bytes;
}

/**
 * A duration in nanoseconds, as the Engine API wants them (Go's notation; see
 * `parseGoDurationNs` in schema-kit). A bare number is refused: its unit would be a guess.
 */
export function parseDurationNs(value: unknown): number {
  const expected = "expected a duration like 30s, 1m30s or 500ms";
  if (typeof value === "number") {
    throw new Error(`${expected}, found ${describeValue(value)} (add a unit, e.g. ${value}s)`);
  }
  const ns = typeof value === "string" ? parseGoDurationNs(value, false) : undefined;
  if (ns === undefined) throw new Error(`${expected}, found ${describeValue(value)}`);
  return ns;
}

/** Parses `cpus` (`"2.0"`, `0.5`, `2`) into the Engine API's NanoCpus. */
export function parseCpus(value: unknown): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (
    !Number.isFinite(n) ||
    n <= 0 ||
    (typeof value === "string" && !/^\d*\.?\d+$|^\d+\.$/.test(value.trim()))
  ) {
    throw new Error(`expected a positive number of CPUs like 2.0 or 0.5, found ${describeValue(value)}`);
  }
  return Math.round(n * 1e9);
}

/** The restart policies Docker knows, as written in a compose file. */
export const RESTART_POLICIES = ["no", "always", "on-failure", "unless-stopped"] as const;

/** Parses `restart` (`no`, `always`, `on-failure`, `on-failure:3`, `unless-stopped`). */
export function parseRestart(value: unknown): { Name: string; MaximumRetryCount?: number } {
  if (typeof value === "string") {
    if ((RESTART_POLICIES as readonly string[]).includes(value)) return { Name: value };
    const m = /^on-failure:(\d+)$/.exec(value);
    if (m) return { Name: "on-failure", MaximumRetryCount: Number(m[1]) };
  }
  throw new Error(
    `expected one of ${RESTART_POLICIES.map((p) => `"${p}"`).join(", ")} or "on-failure:N", found ${describeValue(value)}`,
  );
}

/** Parses a file mode given in octal digits (`1777` or `"0755"` mean octal) into a number. */
export function parseOctalMode(value: unknown): number {
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  if (typeof text === "string") {
    const m = /^(?:0o?)?([0-7]{1,4})$/.exec(text.trim());
    if (m) return Number.parseInt(m[1], 8);
  }
  throw new Error(`expected a file mode in octal digits like 1777 or 0755, found ${describeValue(value)}`);
}

/**
 * Splits a command given as one string the way a shell would (quotes and escapes),
 * without expanding variables. Shell operators (`|`, `&&`, `;`, redirections) are
 * rejected: write such a command as a list, `["/bin/sh", "-c", "..."]`.
 */
export function splitCommand(value: string | readonly string[]): string[] {
  if (typeof value !== "string") return [...value];
  const words: string[] = [];
  for (const entry of shellParse(value, (key: string) => `$${key}`)) {
    if (typeof entry === "string") words.push(entry);
    else if ("op" in entry && entry.op === "glob") words.push(entry.pattern);
    else if ("comment" in entry) break;
    else {
      throw new Error(
        `cannot split ${JSON.stringify(value)} into arguments: it uses the shell operator "${entry.op}"; write it as a list like ["/bin/sh", "-c", ${JSON.stringify(value)}]`,
      );
    }
  }
  if (words.length === 0) throw new Error("expected a command, found an empty string");
  return words;
}

export const size = (allowUnlimited = false) =>
  oneOf(
    {
      string: v.pipe(
        v.string(),
        parses((s: string) => parseSizeBytes(s, allowUnlimited)),
      ),
      number: v.pipe(
        v.number(),
        parses((n: number) => parseSizeBytes(n, allowUnlimited)),
      ),
    },
    "a size like 512m or 2g",
  );

export const duration = () =>
  oneOf(
    {
      string: v.pipe(v.string(), parses<string>(parseDurationNs)),
      number: v.pipe(v.number(), parses<number>(parseDurationNs)),
    },
    "a duration like 30s, 1m30s or 500ms",
  );

export const absolutePath = (what: string) =>
  v.pipe(
    str(what),
    v.check(
      (s) => s.startsWith("/"),
      (issue) => `expected ${what}, found ${describeValue(issue.input)}`,
    ),
  );
