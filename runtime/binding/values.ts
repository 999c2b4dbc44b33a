/**
 * How the binding language sees values: safe member reads, truthiness, numbers,
 * equality and text conversion. Member reads only see own enumerable data of plain
 * objects and lists (and BindingView lookups); prototypes, functions and the names
 * `__proto__`, `constructor` and `prototype` are never reachable.
 */
import { Binary } from "./binary.ts";
import { BindingView, unwrap } from "./view.ts";

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const INDEX = /^(0|[1-9]\d*)$/;
const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** An object created by `{}`, `Object.create(null)` or a JSON/YAML parser. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Reads `key` of `value`; undefined for anything missing or not readable. */
export function readMember(value: unknown, key: string | number): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof key === "string" && FORBIDDEN_KEYS.has(key)) return undefined;
  let result: unknown;
  if (value instanceof BindingView) {
    result = value.get(key);
  } else if (value instanceof Binary) {
    if (key === "content_type" || key === "base64") result = value[key];
    else if (key === "length") result = value.bytes.byteLength;
  } else if (Array.isArray(value) || typeof value === "string") {
    const index = typeof key === "number" ? key : INDEX.test(key) ? Number(key) : undefined;
    if (index !== undefined) {
      const i = index < 0 ? value.length + index : index;
      result = i >= 0 && i < value.length ? value[i] : undefined;
    }
  } else if (isPlainObject(value)) {
    const name = String(key);
    if (Object.hasOwn(value, name) && Object.prototype.propertyIsEnumerable.call(value, name))
      result = value[name];
  }
  if (result === undefined && key === "length") return lengthOf(value);
  return typeof result === "function" ? undefined : result;
}

/** Characters of text, elements of a list, or fields of an object; undefined otherwise. */
export function lengthOf(value: unknown): number | undefined {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (value instanceof BindingView) return value.hasValue ? lengthOf(value.value) : value.keys()?.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return undefined;
}

/** The value's own field names, for spreading; undefined when it has none to offer. */
export function keysOf(value: unknown): string[] | undefined {
  if (value instanceof BindingView) return value.keys();
  if (isPlainObject(value)) return Object.keys(value).filter((k) => !FORBIDDEN_KEYS.has(k));
  return undefined;
}

/** Texts that read as "no": values from env files, stdout or query strings are text. */
const FALSY_TEXTS = new Set(["", "false", "0", "no"]);

/**
 * Truthiness for `!`, `&&`, `||` and a job's `if:`: false, 0, NaN, null, missing, and the
 * texts "", "false", "0", "no" (any case, trimmed) are false; everything else is true.
 * One rule for both, so `${x}` and `${!x}` never skip the same job.
 */
export function truthy(value: unknown): boolean {
  if (typeof value === "string") return !FALSY_TEXTS.has(value.trim().toLowerCase());
  return Boolean(value);
}

/** A number, or text that reads as one ("12", " -3.5 ", "1e3"). */
export function isNumeric(value: unknown): boolean {
  return (
    (typeof value === "number" && !Number.isNaN(value)) || (typeof value === "string" && NUMERIC.test(value))
  );
}

/** The numeric value of a number or numeric text; NaN otherwise. */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && NUMERIC.test(value)) return Number(value);
  return Number.NaN;
}

/**
 * `==` in bindings: numerically when both sides are numbers or numeric text, undefined
 * equals null, otherwise deep equality of JSON-like values.
 */
export function looseEquals(left: unknown, right: unknown): boolean {
  const a = unwrap(left);
  const b = unwrap(right);
  if (isNumeric(a) && isNumeric(b)) return toNumber(a) === toNumber(b);
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  return deepEquals(a, b);
}

function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEquals(x, b[i]));
  }
  const ka = keysOf(a);
  const kb = keysOf(b);
  if (!ka || !kb || ka.length !== kb.length) return false;
  return ka.every((k) => kb.includes(k) && deepEquals(readMember(a, k), readMember(b, k)));
}

/**
 * Text for a value placed inside a longer string: text as is, numbers and booleans via
 * String(), null as "", lists and objects as JSON. Undefined must be handled by the caller.
 */
export function toText(input: unknown): string {
  const value = unwrap(input);
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value) ?? "";
}
