/**
 * The `as` conversions. A missing (undefined) or null value passes through unchanged so
 * a following `| default` still applies; anything that cannot be converted is an error.
 */

import { describeValue } from "../schema-kit.ts";
import type { TypeSpec } from "./ast.ts";
import { Binary } from "./binary.ts";
import { isNumeric, isPlainObject, readMember, toNumber, toText } from "./values.ts";
import { BindingView } from "./view.ts";

/** A conversion failure; the evaluator adds the position and expression. */
export class ConversionFailure extends Error {}

const TRUE_WORDS = new Set(["true", "yes", "on", "1"]);
const FALSE_WORDS = new Set(["false", "no", "off", "0"]);

/**
 * Converts `value` to `type`. Upstream's hints read as follows: `string` and `markdown`
 * are `text`, `int` is `integer`, `list` is a list (JSON text parsed), `select/a,b`,
 * `stream/...` and `any` leave the value as it is (they shape a form, not the value);
 * the media types keep bytes (`mediaValue`). `type[]` converts each element of a list.
 */
export function convert(value: unknown, type: TypeSpec): unknown {
  if (value === undefined || value === null) return value;
  if (type.list) {
    if (!Array.isArray(value)) throw new ConversionFailure(`needs a list, found ${describeValue(value)}`);
    const each: TypeSpec = { ...type, list: false };
    return value.map((element) => convert(element, each));
  }
  switch (type.name) {
    case "text":
    case "string":
    case "markdown":
      return value instanceof Binary ? new TextDecoder().decode(value.bytes) : toText(value);
    case "number":
      return asNumber(value, "number");
    case "integer":
    case "int":
      return Math.trunc(asNumber(value, "integer"));
    case "list": {
      const list = asJson(value);
      if (!Array.isArray(list)) throw new ConversionFailure(`cannot convert ${describeValue(value)} to list`);
      return list;
    }
    case "select":
    case "stream":
    case "any":
      return value;
    case "image":
    case "audio":
    case "video":
    case "file":
      return mediaValue(value, type);
    case "boolean":
      return asBoolean(value);
    case "json":
      return asJson(value);
    case "base64":
      return asBase64(value);
    case "object":
      if (!isObjectLike(value))
        throw new ConversionFailure(`cannot convert ${describeValue(value)} to object`);
      return type.fields ? project(value, type.fields) : value;
    case "object[]": {
      if (!Array.isArray(value))
        throw new ConversionFailure(`cannot convert ${describeValue(value)} to object[]`);
      return value.map((element, i) => {
        if (!isObjectLike(element)) {
          throw new ConversionFailure(
            `object[] needs objects, but element ${i} is ${describeValue(element)}`,
          );
        }
        return type.fields ? project(element, type.fields) : element;
      });
    }
  }
}

function isObjectLike(value: unknown): boolean {
  return isPlainObject(value) || value instanceof BindingView;
}

function asNumber(value: unknown, type: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && isNumeric(value)) return toNumber(value);
  throw new ConversionFailure(`cannot convert ${describeValue(value)} to ${type}`);
}

function asBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  throw new ConversionFailure(
    `cannot convert ${describeValue(value)} to boolean (expected true/false, yes/no, on/off, 1/0)`,
  );
}

function asJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new ConversionFailure(`${describeValue(value)} is not valid JSON (${(e as Error).message})`);
  }
}

const BASE64_TEXT = /^[A-Za-z0-9+/\-_\s]*={0,2}\s*$/;
const DATA_URI = /^data:([^;,]*)(;[^,]*)?,(.*)$/s;

/**
 * A media hint keeps bytes: a Binary stays one (labelled `image/png` when the hint
 * names a subtype); raw bytes become one; `;base64` text (or a base64 data URI) is
 * decoded into one. Text that names where the bytes are (`;url`, `;path`, or no
 * format) is left as written: nothing is fetched or read behind the user's back.
 */
function mediaValue(value: unknown, type: TypeSpec): unknown {
  const contentType = type.subtype ? `${type.name}/${type.subtype}` : undefined;
  if (value instanceof Binary) return contentType ? value.withType(contentType) : value;
  if (value instanceof Uint8Array) return new Binary(value, contentType);
  if (value instanceof ArrayBuffer) return new Binary(new Uint8Array(value), contentType);
  if (typeof value === "string") {
    const uri = DATA_URI.exec(value);
    if (uri && (type.format === "data-uri" || type.format === "base64") && uri[2]?.includes("base64"))
      return new Binary(Buffer.from(uri[3], "base64"), contentType ?? (uri[1] || undefined));
    if (type.format === "base64") {
      if (!BASE64_TEXT.test(value))
        throw new ConversionFailure(`needs base64 text, found ${describeValue(value)}`);
      return new Binary(Buffer.from(value, "base64"), contentType);
    }
    return value;
  }
  throw new ConversionFailure(
    `needs bytes, base64 text or text naming a file or URL, found ${describeValue(value)}`,
  );
}

function asBase64(value: unknown): string {
  if (value instanceof Binary) return value.base64;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof ArrayBuffer) return Buffer.from(new Uint8Array(value)).toString("base64");
  return Buffer.from(toText(value), "utf8").toString("base64");
}

/**
 * Keeps only `fields` of `source`, as nested structure: fields `a`, `b.c` of
 * `{a: 1, b: {c: 2, d: 3}, e: 4}` give `{a: 1, b: {c: 2}}`. Missing fields are left out.
 */
function project(source: unknown, fields: readonly (readonly string[])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const built = new Set<object>([out]);
  for (const path of fields) {
    let value: unknown = source;
    for (const key of path) value = readMember(value, key);
    if (value === undefined) continue;
    let target: Record<string, unknown> = out;
    let complete = true;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === undefined) {
        const fresh: Record<string, unknown> = {};
        built.add(fresh);
        target[key] = fresh;
        target = fresh;
      } else if (built.has(next as object)) {
        target = next as Record<string, unknown>;
      } else {
        // an enclosing field was already copied whole; it contains this one
        complete = false;
        break;
      }
    }
    if (complete) target[path[path.length - 1]!] = value;
  }
  return out;
}
