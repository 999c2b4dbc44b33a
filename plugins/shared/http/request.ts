/**
 * Turning a component's fields into an HTTP request: the URL (base_url + path or
 * endpoint, query params), the body and its Content-Type, and a loggable form of the URL.
 */
import * as v from "valibot";
import { Binary, describeValue, Text } from "../../../runtime/plugin-api.ts";

/** A header or query value as written in the compose file. */
export type Scalar = string | number | boolean;

/** An encoded request body. */
export type RequestBody = string | FormData | Uint8Array<ArrayBuffer>;

/** The fields that make a URL, as a component schema writes them. */
export const UrlEntries = {
  base_url: v.optional(Text),
  endpoint: v.optional(Text),
  path: v.optional(Text),
  params: v.optional(v.record(v.string(), v.unknown())),
};

export type UrlParts = v.InferOutput<v.ObjectSchema<typeof UrlEntries, undefined>>;

/**
 * The request URL: `endpoint`, or `base_url` joined with `path` (one slash between
 * them), plus `params` as the query (a list gives the key once per item; null skips it).
 *
 * @example
 * ```ts
 * buildUrl({ base_url: "http://h/api/", path: "/v1/x", params: { tag: ["a", "b"] } });
 * // -> URL "http://h/api/v1/x?tag=a&tag=b"
 * ```
 */
export function buildUrl(parts: UrlParts): URL {
  let text: string;
  if (parts.endpoint !== undefined) {
    if (parts.path !== undefined) {
      throw new Error(
        "both `endpoint` and `path` are set; use `endpoint` (a full URL) or `base_url` with `path`",
      );
    }
    text = parts.endpoint;
  } else if (parts.base_url !== undefined) {
    const path = parts.path?.replace(/^\/+/, "") ?? "";
    text = path ? `${parts.base_url.replace(/\/+$/, "")}/${path}` : parts.base_url;
  } else if (parts.path !== undefined) {
    throw new Error(
      `\`path\` ${JSON.stringify(parts.path)} needs a \`base_url\` (or use \`endpoint\` with a full URL)`,
    );
  } else {
    throw new Error("no URL: set `endpoint` (a full URL) or `base_url` (with an optional `path`)");
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a valid URL: ${JSON.stringify(text)} (expected http:// or https://)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(
      `unsupported URL scheme ${url.protocol} in ${JSON.stringify(text)} (expected http:// or https://)`,
    );
  }
  for (const [key, value] of Object.entries(parts.params ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) continue;
      url.searchParams.append(key, asText(item));
    }
  }
  return url;
}

/** Query keys whose values are hidden in logs and error messages. */
const SECRET_PARAM = /key|token|secret|passw|auth|sig|credential|session|code/i;

/**
 * The URL as it may appear in logs and errors: no user:password, and the values of
 * secret-looking query parameters (api_key, token, signature, ...) replaced by `***`.
 */
export function safeUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  const entries = [...copy.searchParams.entries()];
  if (entries.some(([k]) => SECRET_PARAM.test(k))) {
    copy.search = "";
    for (const [k, val] of entries) copy.searchParams.append(k, SECRET_PARAM.test(k) ? "***" : val);
  }
  return copy.href;
}

export interface BodyOptions {
  method: string;
  /** The configured headers (any case); the Content-Type is read and may be set. */
  headers: Headers;
  /** The action's `body`, when it has one. */
  body?: unknown;
  hasBody: boolean;
  /** The job input, which is the body of a POST, PUT or PATCH without `body:`. */
  input: unknown;
}

/** Methods that send the job input as the body when the action has no `body:`. */
const INPUT_AS_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * The request body, encoded for the configured Content-Type (which it sets when none
 * is configured: JSON for structured values). Returns undefined for no body.
 *
 * - `body:` absent: a POST, PUT or PATCH sends the job input; other methods send none.
 * - `body: null` (also a binding that resolves to null): no body.
 * - an input `{body: "<string>"}` is sent as that string when a non-JSON Content-Type
 *   is configured (the Pushgateway style); with JSON it stays a JSON object, so APIs
 *   that take `{"body": ...}` keep working.
 * - strings are sent as they are; structured values as JSON, as a form
 *   (application/x-www-form-urlencoded) or as multipart/form-data.
 */
export function buildBody(options: BodyOptions): RequestBody | undefined {
  const { method, headers } = options;
  let value: unknown;
  if (options.hasBody) {
    value = options.body;
    if (value === undefined || value === null) return undefined;
    if (method === "GET" || method === "HEAD") {
      throw new Error(`a ${method} request cannot have a body; remove \`body:\` or use params`);
    }
  } else {
    if (!INPUT_AS_BODY.has(method) || options.input === undefined || options.input === null) return undefined;
    value = options.input;
    const type = headers.get("content-type");
    if (type && !isJson(type) && isBodyWrapper(value)) value = value.body;
  }
  const type = headers.get("content-type");
  if (typeof value === "string") return value;
  // Bytes (a media value) are sent as they are, labelled with their type.
  if (value instanceof Binary) {
    if (!type) headers.set("content-type", value.content_type);
    return value.bytes;
  }
  if (!type || isJson(type)) {
    if (!type) headers.set("content-type", "application/json");
    return JSON.stringify(value);
  }
  const mime = type.split(";")[0].trim().toLowerCase();
  if (mime === "application/x-www-form-urlencoded") {
    const form = new URLSearchParams();
    for (const [k, item] of fieldsOf(value, mime)) form.append(k, item as string);
    return form.toString();
  }
  if (mime === "multipart/form-data") {
    const form = new FormData();
    for (const [k, item] of fieldsOf(value, mime)) {
      if (item instanceof Binary) form.append(k, new Blob([item.bytes], { type: item.content_type }), k);
      else form.append(k, item);
    }
    // fetch writes the Content-Type with the boundary itself.
    headers.delete("content-type");
    return form;
  }
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

function isJson(contentType: string): boolean {
  const mime = contentType.split(";")[0].trim().toLowerCase();
  return mime === "application/json" || mime.endsWith("+json");
}

function isBodyWrapper(value: unknown): value is { body: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === "body" && typeof (value as { body: unknown }).body === "string";
}

/** A map's fields as form pairs: lists repeat the key, maps become JSON, null is skipped. */
function fieldsOf(value: unknown, mime: string): [string, string | Binary][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`a ${mime} body must be a map of fields, found ${describeValue(value)}`);
  }
  const pairs: [string, string | Binary][] = [];
  for (const [k, item] of Object.entries(value)) {
    for (const one of Array.isArray(item) ? item : [item]) {
      if (one === null || one === undefined) continue;
      pairs.push([k, one instanceof Binary && mime === "multipart/form-data" ? one : asText(one)]);
    }
  }
  return pairs;
}

function asText(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** The configured headers as a Headers object; null values are left out. */
export function buildHeaders(headers: Record<string, Scalar | null> | undefined): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === null) continue;
    try {
      out.set(name, String(value));
    } catch {
      throw new Error(
        `invalid header ${JSON.stringify(name)}: a header name is letters, digits and -, its value one line`,
      );
    }
  }
  return out;
}
