/**
 * `http-client`: calls an HTTP API. The URL is `endpoint`, or `base_url` + `path`, with
 * `params` as the query; the body is `body:` or, for POST/PUT/PATCH without one, the
 * job input. Idempotent requests are retried on connection errors and 408, 429,
 * 502, 503, 504 (plugins/shared/http/retry.ts has the policy and its defaults).
 *
 * Component-level fields are defaults for every action; an action's field replaces the
 * component's, except maps (`headers`, `params`), which merge with the action's keys
 * winning.
 *
 * Result variables: `${response}` (parsed JSON when the response says JSON, text
 * when it is text, else the bytes as a Binary value, which JSON shows as
 * `{content_type, base64}` and `as base64` encodes; an empty body is null),
 * `${status}`, `${headers}` (lower-cased names). The natural output is the response.
 */
import * as v from "valibot";
import {
  Binary,
  Duration,
  definePlugin,
  describeValue,
  Flag,
  strictMap,
  Text,
} from "../../../runtime/plugin-api.ts";
import { buildBody, buildHeaders, buildUrl, safeUrl, UrlEntries } from "../../shared/http/request.ts";
import { RetrySchema, StatusCode } from "../../shared/http/retry.ts";
import { type RawResponse, send } from "../../shared/http/send.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

const Method = v.pipe(
  Text,
  v.transform((s) => s.toUpperCase()),
  v.picklist(
    METHODS,
    (issue) => `expected an HTTP method (${METHODS.join(", ")}), found ${describeValue(issue.input)}`,
  ),
);

const Scalar = v.union(
  [v.string(), v.number(), v.boolean()],
  (issue) => `expected a string, number or boolean, found ${describeValue(issue.input)}`,
);

export const HttpClientSchema = strictMap({
  ...UrlEntries,
  method: v.optional(Method, "POST"),
  headers: v.optional(v.record(v.string(), v.nullable(Scalar))),
  body: v.optional(v.unknown()),
  timeout: v.optional(Duration, "60s"),
  retry: v.optional(RetrySchema, {}),
  allow_failure: v.optional(Flag, false),
  ok_status: v.optional(v.array(StatusCode)),
});

export type HttpClientConfig = v.InferOutput<typeof HttpClientSchema>;

/** Characters of the response body quoted in a failure message. */
const SNIPPET = 300;

export default definePlugin({
  name: "http-client",
  components: [
    {
      type: "http-client",
      description: "Calls an HTTP API",
      schema: HttpClientSchema,
      resultVariables: ["response", "status", "headers"],
      create: () => ({
        async run(config, input, ctx) {
          const url = buildUrl(config);
          const headers = buildHeaders(config.headers);
          const body = buildBody({
            method: config.method,
            headers,
            body: config.body,
            hasBody: config.body !== undefined,
            input,
          });
          const raw = await send({
            method: config.method,
            url,
            headers,
            body,
            timeoutMs: config.timeout,
            retry: config.retry,
            signal: ctx.signal,
            logger: ctx.logger,
          });
          const ok = config.ok_status
            ? config.ok_status.includes(raw.status)
            : raw.status >= 200 && raw.status < 300;
          if (!ok && !config.allow_failure) {
            throw new Error(failureMessage(raw, config.method, url));
          }
          const response = parseResponse(raw);
          return { output: response, variables: { response, status: raw.status, headers: raw.headers } };
        },
      }),
    },
  ],
});

/** `HTTP 404 Not Found from GET http://host/x: <start of the body>`. */
function failureMessage(raw: RawResponse, method: string, url: URL): string {
  const text = raw.textual ? raw.text.trim() : `(${raw.bytes.byteLength} bytes of ${raw.contentType})`;
  const snippet = text.length > SNIPPET ? `${text.slice(0, SNIPPET)}...` : text;
  const tries = raw.attempts > 1 ? ` (after ${raw.attempts} attempts)` : "";
  const status = `${raw.status}${raw.statusText ? ` ${raw.statusText}` : ""}`;
  return `HTTP ${status} from ${method} ${safeUrl(url)}${tries}${snippet ? `: ${snippet}` : ""}`;
}

function parseResponse(raw: RawResponse): unknown {
  if (raw.bytes.byteLength === 0) return null;
  if (!raw.textual) return new Binary(raw.bytes, raw.contentType || "application/octet-stream");
  const mime = raw.contentType.split(";")[0].trim().toLowerCase();
  if (mime === "application/json" || mime.endsWith("+json")) {
    try {
      return JSON.parse(raw.text);
    } catch {
      return raw.text;
    }
  }
  return raw.text;
}
