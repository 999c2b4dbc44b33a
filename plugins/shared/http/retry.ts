/**
 * The retry policy of an HTTP request, as a schema (its type follows from it): by
 * default, as got and ky do, idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS) are
 * tried 3 times in all on connection errors and on 408, 429, 502, 503, 504, with
 * jittered exponential backoff or the server's Retry-After; POST and PATCH only with
 * `non_idempotent: true`; `max_attempts: 1` turns retrying off.
 */
import * as v from "valibot";
import { Count, Duration, describeValue, Flag, strictMap } from "../../../runtime/plugin-api.ts";

export const StatusCode = v.pipe(
  v.number((issue) => `expected an HTTP status code, found ${describeValue(issue.input)}`),
  v.integer("expected an HTTP status code"),
  v.minValue(100, "expected an HTTP status code (100-599)"),
  v.maxValue(599, "expected an HTTP status code (100-599)"),
);

/** Statuses that say "try again": timeout, rate limit, and a gateway or server that is not there yet. */
export const DEFAULT_RETRY_STATUS = [408, 429, 502, 503, 504];
export const DEFAULT_MAX_ATTEMPTS = 3;

export const RetrySchema = strictMap({
  /** Attempts in all; 1 = no retry. */
  max_attempts: v.optional(v.pipe(Count, v.minValue(1, "expected at least 1 attempt")), DEFAULT_MAX_ATTEMPTS),
  /** First backoff; doubled on every further retry, with jitter. */
  delay: v.optional(Duration, "500ms"),
  /** Longest wait between attempts (also caps Retry-After). */
  max_delay: v.optional(Duration, "30s"),
  on_status: v.optional(v.array(StatusCode), DEFAULT_RETRY_STATUS),
  /** Also retry POST and PATCH, which may not be safe to repeat. */
  non_idempotent: v.optional(Flag, false),
});

/** Durations in ms. */
export type RetryPolicy = v.InferOutput<typeof RetrySchema>;

/** No retries (a push that must not be repeated behind the user's back). */
export const NO_RETRY: RetryPolicy = {
  max_attempts: 1,
  delay: 0,
  max_delay: 0,
  on_status: [],
  non_idempotent: false,
};
