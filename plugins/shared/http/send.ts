/**
 * Sending one HTTP request, for every component that talks HTTP (http-client,
 * prometheus-push): a timeout per attempt, cancellation through the caller's signal,
 * and retries on connection errors and retryable statuses with exponential backoff (or
 * the server's Retry-After). The body is read as bytes; `text` is its UTF-8 reading
 * when the response is text (see `isTextual`), so binary replies reach the caller intact.
 */
import type { Logger } from "pino";
import { type RequestBody, safeUrl } from "./request.ts";
import type { RetryPolicy } from "./retry.ts";

export interface SendRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: RequestBody | undefined;
  timeoutMs: number;
  retry: RetryPolicy;
  signal: AbortSignal;
  logger: Logger;
}

export interface RawResponse {
  status: number;
  statusText: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  contentType: string;
  /** The body as received. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The body as UTF-8 text when the response is text, else "". */
  text: string;
  /** Whether the body is text (its type says so, or it has none and decodes as UTF-8). */
  textual: boolean;
  attempts: number;
}

export type { RetryPolicy } from "./retry.ts";

const NON_IDEMPOTENT = new Set(["POST", "PATCH"]);

/** Sends the request, retrying as the policy allows; resolves with the last response. */
export async function send(req: SendRequest): Promise<RawResponse> {
  const where = `${req.method} ${safeUrl(req.url)}`;
  const { retry } = req;
  const mayRetry = retry.max_attempts > 1 && (!NON_IDEMPOTENT.has(req.method) || retry.non_idempotent);
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    req.logger.debug({ method: req.method, url: safeUrl(req.url), attempt }, "http request");
    let response: RawResponse;
    try {
      response = await attemptOnce(req, where);
    } catch (error) {
      if (error instanceof CancelledRequest || !mayRetry || attempt >= retry.max_attempts) {
        if (attempt > 1 && !(error instanceof CancelledRequest)) {
          (error as Error).message += ` (after ${attempt} attempts)`;
        }
        throw error;
      }
      const wait = backoff(retry, attempt);
      req.logger.warn(
        { attempt, err: (error as Error).message, retry_in_ms: wait },
        "http request failed; retrying",
      );
      await pause(wait, req.signal, where);
      continue;
    }
    response.attempts = attempt;
    const ms = Math.round(performance.now() - started);
    req.logger.debug({ status: response.status, ms, attempt }, "http response");
    if (!mayRetry || attempt >= retry.max_attempts || !retry.on_status.includes(response.status))
      return response;
    const wait = retryAfter(response, retry.max_delay) ?? backoff(retry, attempt);
    req.logger.warn(
      { attempt, status: response.status, retry_in_ms: wait },
      "http request got a retryable status; retrying",
    );
    await pause(wait, req.signal, where);
  }
}

/** Thrown when the caller's signal aborts: never retried. */
export class CancelledRequest extends Error {}

async function attemptOnce(req: SendRequest, where: string): Promise<RawResponse> {
  if (req.signal.aborted) throw new CancelledRequest(`cancelled: ${where}`, { cause: req.signal.reason });
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, req.timeoutMs);
  const onAbort = () => controller.abort(req.signal.reason);
  req.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      redirect: "follow",
    });
    // The timeout covers reading the body too.
    const bytes = req.method === "HEAD" ? new Uint8Array() : new Uint8Array(await res.arrayBuffer());
    const contentType = res.headers.get("content-type") ?? "";
    const text = readText(bytes, contentType);
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    });
    return {
      status: res.status,
      statusText: res.statusText,
      headers,
      contentType,
      bytes,
      text: text ?? "",
      textual: text !== undefined,
      attempts: 1,
    };
  } catch (error) {
    if (req.signal.aborted) throw new CancelledRequest(`cancelled: ${where}`, { cause: req.signal.reason });
    if (timedOut) throw new Error(`timed out after ${req.timeoutMs} ms: ${where}`, { cause: error });
    const e = error as Error & { code?: string };
    const code = e.code && !e.message.includes(e.code) ? ` (${e.code})` : "";
    throw new Error(`cannot reach ${where}: ${e.message}${code}`, { cause: error });
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener("abort", onAbort);
  }
}

/** Media types whose bodies are text; anything else with a type is bytes. */
const TEXT_TYPES =
  /^(text\/.*|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|x-ndjson|yaml|x-yaml|graphql|problem\+json|problem\+xml)|.*\+(json|xml))$/;

/** Whether a response of this Content-Type is text. */
export function isTextual(contentType: string): boolean {
  return TEXT_TYPES.test(contentType.split(";")[0].trim().toLowerCase());
}

/** The body as text, or undefined when it is bytes (no type: text when it is valid UTF-8). */
function readText(bytes: Uint8Array, contentType: string): string | undefined {
  if (contentType.trim() === "") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  return isTextual(contentType) ? new TextDecoder().decode(bytes) : undefined;
}

/** The n-th backoff: delay × 2^(n-1), ±20 % jitter, at most max_delay. */
export function backoff(retry: Pick<RetryPolicy, "delay" | "max_delay">, attempt: number): number {
  const base = retry.delay * 2 ** (attempt - 1);
  return Math.round(Math.min(retry.max_delay, base * (0.8 + Math.random() * 0.4)));
}

/** A 429's or 503's Retry-After (seconds or an HTTP date) in ms, at most `cap`. */
export function retryAfter(
  response: Pick<RawResponse, "status" | "headers">,
  cap: number,
): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const value = response.headers["retry-after"]?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    ms = date - Date.now();
  }
  return Math.min(cap, Math.max(0, Math.round(ms)));
}

function pause(ms: number, signal: AbortSignal, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledRequest(`cancelled: ${where}`, { cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledRequest(`cancelled: ${where}`, { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
