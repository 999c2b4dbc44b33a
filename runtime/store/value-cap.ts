/**
 * A run's large values are stored shortened, not refused: an input, output or job
 * output whose JSON exceeds `max_value_size` is replaced by a marker holding its size,
 * the limit and the start of its JSON; an error message longer than the limit is cut
 * and says so. The run itself is unaffected (its caller got the full output); only the
 * record is shortened, and the record's `truncated` lists what was.
 *
 * Every store driver applies this where values come in (create, transition, updateJob)
 * and `withTruncated` where records go out, so each records the same thing.
 */
import type { JobRecord, TaskPatch, TaskRecord } from "./task-record.ts";

/** The key of a marker object. */
export const TRUNCATED = "$truncated";

/** How much of a shortened value's JSON the marker keeps. */
const PREVIEW_CHARS = 256;

export interface TruncatedMarker {
  [TRUNCATED]: { bytes: number; limit: number };
  preview: string;
}

export function isTruncated(value: unknown): value is TruncatedMarker {
  return typeof value === "object" && value !== null && TRUNCATED in value;
}

const encoder = new TextEncoder();

/**
 * The JSON size of each object `capValue` measured and let through, so that the memory
 * store's output budget, which counts the same output a moment later, does not
 * serialise it again (`takeMeasuredBytes`). Weak: it holds nothing alive.
 */
const measured = new WeakMap<object, number>();

/** `value`, or its marker when its JSON is longer than `limit` bytes. */
export function capValue(value: unknown, limit: number): unknown {
  if (value === undefined || limit <= 0) return value;
  // Not measured when it cannot be over: a number or boolean (at most 24 characters of
  // JSON), or a string whose JSON, every character escaped as \uXXXX at worst, fits.
  if (typeof value === "string" ? value.length * 6 + 2 <= limit : typeof value !== "object" && limit >= 24)
    return value;
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const bytes = text.length <= limit / 3 ? utf8Bytes(text) : encoder.encode(text).length;
  if (bytes <= limit) {
    if (value !== null && typeof value === "object") measured.set(value, bytes);
    return value;
  }
  return { [TRUNCATED]: { bytes, limit }, preview: text.slice(0, Math.min(PREVIEW_CHARS, limit)) };
}

/** The marker for `value`, whatever its size (a budget ran out). */
export function markerOf(value: unknown, limit: number): TruncatedMarker {
  const text = JSON.stringify(value) ?? "null";
  return {
    [TRUNCATED]: { bytes: encoder.encode(text).length, limit },
    preview: text.slice(0, PREVIEW_CHARS),
  };
}

/**
 * The size `capValue` measured for `value` (an object it let through), once: the entry
 * is taken out, so it is read only by the write that measured it, right after.
 */
export function takeMeasuredBytes(value: unknown): number | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const bytes = measured.get(value);
  measured.delete(value);
  return bytes;
}

/** Bytes of `value` as JSON. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : utf8Bytes(text);
}

/** UTF-8 length of `text`; an ASCII text (most JSON) is not encoded to count it. */
function utf8Bytes(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** An error message cut to `limit` bytes (at most), saying how long it was. */
export function capText(text: string | undefined, limit: number): string | undefined {
  if (text === undefined || limit <= 0 || text.length <= limit / 3) return text;
  const bytes = encoder.encode(text).length;
  if (bytes <= limit) return text;
  return `${text.slice(0, Math.floor(limit / 4))}… [truncated: ${bytes} bytes, over the store's max_value_size of ${limit}]`;
}

/**
 * The job with its values capped. `run` is the run's output as given and as stored: a
 * run's output is often its last job's, the same value, then measured once.
 */
export function capJob(job: JobRecord, limit: number, run?: { given: unknown; stored: unknown }): JobRecord {
  const out = { ...job };
  if ("output" in job)
    out.output = run !== undefined && job.output === run.given ? run.stored : capValue(job.output, limit);
  if (job.error !== undefined) out.error = capText(job.error, limit);
  return out;
}

export function capPatch<P extends TaskPatch>(patch: P, limit: number): P {
  const out = { ...patch };
  if ("input" in patch) out.input = capValue(patch.input, limit);
  if ("output" in patch) out.output = capValue(patch.output, limit);
  if (patch.error !== undefined) out.error = capText(patch.error, limit);
  if (patch.jobs) {
    const run = "output" in patch ? { given: patch.output, stored: out.output } : undefined;
    out.jobs = patch.jobs.map((j) => capJob(j, limit, run));
  }
  return out;
}

/** The record with `truncated` listing the fields that hold a marker (absent when none). */
export function withTruncated(task: TaskRecord): TaskRecord {
  const fields: string[] = [];
  if (isTruncated(task.input)) fields.push("input");
  if (isTruncated(task.output)) fields.push("output");
  for (const j of task.jobs) if (isTruncated(j.output)) fields.push(`jobs.${j.id}.output`);
  // Most records: nothing to add or take away, and no copy.
  if (fields.length === 0 && task.truncated === undefined) return task;
  const { truncated: _, ...rest } = task;
  return fields.length ? { ...rest, truncated: fields } : rest;
}
