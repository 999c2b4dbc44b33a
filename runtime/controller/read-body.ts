/**
 * Reads a JSON request body within the controller's limits, each answered with a JSON
 * error naming the limit: `max_body_size` (413, from Content-Length before anything is
 * read, else while counting the bytes of a chunked body), `body_timeout` (408: a client
 * that stalls or trickles cannot hold a request, and its buffered bytes, forever) and
 * `max_json_depth` (400). The host server's own body cap is set far above ours, so this
 * is the one limit users meet.
 */
import type { Context, MiddlewareHandler } from "hono";
import { HttpError } from "./http-error.ts";
import { jsonDepth } from "./json-depth.ts";

export interface BodyLimits {
  /** Bytes (`controller.max_body_size`). */
  maxBytes: number;
  /** Milliseconds from the first read to the last byte (`controller.body_timeout`); 0: none. */
  timeoutMs: number;
  /** Nesting levels (`controller.max_json_depth`). */
  maxDepth: number;
}

const close = { Connection: "close" };

function tooLarge(limits: BodyLimits): HttpError {
  return new HttpError(
    413,
    `request body is larger than the limit of ${limits.maxBytes} bytes (controller.max_body_size)`,
    close,
  );
}

/** The body as text, within `max_body_size` and `body_timeout`. */
export async function readBodyText(c: Context, limits: BodyLimits): Promise<string> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limits.maxBytes) throw tooLarge(limits);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired =
    limits.timeoutMs > 0
      ? new Promise<"expired">((resolve) => {
          timer = setTimeout(() => resolve("expired"), limits.timeoutMs);
        })
      : new Promise<never>(() => {});
  const timedOut = () =>
    new HttpError(
      408,
      `the request body did not arrive within ${limits.timeoutMs / 1000} s (controller.body_timeout)`,
      close,
    );
  // A declared length within the limit (checked above) is all the server will read:
  // the body is taken whole, without the stream and reader a chunked body needs, which
  // were a fifth of the controller's CPU per small request.
  if (declared !== undefined && /^\d+$/.test(declared)) {
    try {
      const text = await Promise.race([c.req.raw.text(), expired]);
      if (text === "expired") throw timedOut();
      return text;
    } finally {
      clearTimeout(timer);
    }
  }
  const body = c.req.raw.body;
  if (!body) {
    clearTimeout(timer);
    return "";
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), expired]);
      if (next === "expired") throw timedOut();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > limits.maxBytes) throw tooLarge(limits);
      chunks.push(next.value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** The body parsed as JSON (`{}` when empty), within every limit. */
export async function readJsonBody(c: Context, limits: BodyLimits): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(415, `expected Content-Type: application/json, found ${type ? `"${type}"` : "none"}`);
  }
  const text = await readBodyText(c, limits);
  if (text.trim() === "") return {};
  if (jsonDepth(text, limits.maxDepth) > limits.maxDepth) {
    throw new HttpError(
      400,
      `request body nests deeper than the limit of ${limits.maxDepth} levels (controller.max_json_depth)`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON body: ${(error as Error).message}`);
  }
}

/**
 * For every route: a declared body over `max_body_size` is refused at once, and a body
 * the route did not read closes the connection after the answer. Otherwise the server
 * would go on receiving it (without keeping it), so a client could hold a connection
 * with an endless upload to a route that takes no body.
 */
export function bodyGuard(limits: BodyLimits): MiddlewareHandler {
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && Number(declared) > limits.maxBytes) throw tooLarge(limits);
    await next();
    const raw = c.req.raw;
    // bodyUsed first: reading `body` of an unread request would make its stream.
    if (!raw.bodyUsed && raw.body !== null && (declared === undefined || Number(declared) > 0))
      c.header("Connection", "close");
  };
}
