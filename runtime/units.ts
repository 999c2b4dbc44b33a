/**
 * Readers of durations and sizes as compose files write them. Each name says the unit
 * it returns: a Go-notation duration in nanoseconds (what the Docker Engine API wants),
 * a core option's duration in milliseconds, a size in bytes.
 */

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
export function parseGoDurationNs(value: string, allowDays = true): number | undefined {
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
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const ns = parseGoDurationNs(value);
  return ns === undefined ? undefined : ns / 1e6;
}

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
