/**
 * `prometheus-push`: pushes metrics to a Prometheus Pushgateway under the grouping key
 * `job` + `grouping`. The job input gives `metrics:` (name -> number, or `{value, type,
 * help, labels}`, or a list of those for several series) or a raw `body:` already in
 * the text exposition format. POST adds to the group (same-named metrics are
 * replaced), PUT replaces the whole group, DELETE removes the group (no body).
 *
 * Result variables: `${status}` and `${response}` (the gateway's reply text); the
 * natural output is `{status}`.
 */
import * as v from "valibot";
import { Duration, definePlugin, describeValue, strictMap, Text } from "../../../runtime/plugin-api.ts";
import { buildHeaders, safeUrl } from "../../shared/http/request.ts";
import { NO_RETRY } from "../../shared/http/retry.ts";
import { send } from "../../shared/http/send.ts";
import { labelNameProblem, parseMetrics, renderExposition } from "./exposition.ts";
import { pushUrl } from "./url.ts";

const METHODS = ["POST", "PUT", "DELETE"] as const;

const Scalar = v.pipe(
  v.union(
    [v.string(), v.number(), v.boolean()],
    (issue) => `expected a string, number or boolean, found ${describeValue(issue.input)}`,
  ),
  v.transform(String),
);

const LabelName = v.pipe(
  v.string(),
  v.check(
    (name) => labelNameProblem(name) === undefined && name !== "job",
    (issue) =>
      issue.input === "job"
        ? "`job` is set by the `job` field, not as a grouping label"
        : (labelNameProblem(String(issue.input)) ?? "invalid label name"),
  ),
);

export const PrometheusPushSchema = strictMap({
  url: Text,
  job: v.pipe(Text, v.minLength(1, "`job` must not be empty")),
  grouping: v.optional(v.record(LabelName, Scalar), {}),
  method: v.optional(
    v.pipe(
      Text,
      v.transform((s) => s.toUpperCase()),
      v.picklist(
        METHODS,
        (issue) => `expected POST (add), PUT (replace) or DELETE, found ${describeValue(issue.input)}`,
      ),
    ),
    "POST",
  ),
  headers: v.optional(v.record(v.string(), v.nullable(v.union([v.string(), v.number(), v.boolean()])))),
  timeout: v.optional(Duration, "30s"),
});

export type PrometheusPushConfig = v.InferOutput<typeof PrometheusPushSchema>;

export const CONTENT_TYPE = "text/plain; version=0.0.4";

const SNIPPET = 300;
const INPUT_KEYS = ["metrics", "body"];

/**
 * The request body for the job input: a raw exposition string (`body:` or the input
 * itself), or `metrics:` rendered. `reserved` are the grouping labels, job included.
 */
export function bodyFromInput(input: unknown, reserved: Record<string, string>): string {
  if (typeof input === "string") return withNewline(input);
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new Error(
      `the job input needs \`metrics:\` (metric name -> value) or a raw \`body:\` in the exposition format, found ${describeValue(input)}`,
    );
  }
  const fields = input as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!INPUT_KEYS.includes(key)) {
      throw new Error(
        `the job input has an unknown key ${JSON.stringify(key)} (expected \`metrics\` or \`body\`)`,
      );
    }
  }
  if ("metrics" in fields && "body" in fields) {
    throw new Error("the job input has both `metrics` and `body`; give one of them");
  }
  if ("body" in fields) {
    if (typeof fields.body !== "string")
      throw new Error(`\`body\` must be a string, found ${describeValue(fields.body)}`);
    return withNewline(fields.body);
  }
  if (!("metrics" in fields)) {
    throw new Error(
      "the job input needs `metrics:` (metric name -> value) or a raw `body:` in the exposition format",
    );
  }
  return renderExposition(parseMetrics(fields.metrics, reserved));
}

/** The exposition format ends every line, the last one too, with a newline. */
function withNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

export default definePlugin({
  name: "prometheus-push",
  components: [
    {
      type: "prometheus-push",
      description: "Pushes metrics to a Prometheus Pushgateway",
      schema: PrometheusPushSchema,
      resultVariables: ["status", "response"],
      create: () => ({
        async run(config, input, ctx) {
          const url = new URL(pushUrl(config.url, config.job, config.grouping));
          const headers = buildHeaders(config.headers);
          let body: string | undefined;
          if (config.method !== "DELETE") {
            body = bodyFromInput(input, { job: config.job, ...config.grouping });
            headers.set("content-type", CONTENT_TYPE);
          }
          ctx.logger.debug(
            { method: config.method, url: safeUrl(url), bytes: body?.length ?? 0 },
            "pushing metrics to the Pushgateway",
          );
          const raw = await send({
            method: config.method,
            url,
            headers,
            body,
            timeoutMs: config.timeout,
            retry: NO_RETRY,
            signal: ctx.signal,
            logger: ctx.logger,
          });
          if (raw.status < 200 || raw.status >= 300) {
            const text = raw.text.trim();
            const snippet = text.length > SNIPPET ? `${text.slice(0, SNIPPET)}...` : text;
            throw new Error(
              `Pushgateway push failed: HTTP ${raw.status}${raw.statusText ? ` ${raw.statusText}` : ""} from ${config.method} ${safeUrl(url)}${snippet ? `: ${snippet}` : ""}`,
            );
          }
          return { output: { status: raw.status }, variables: { status: raw.status, response: raw.text } };
        },
      }),
    },
  ],
});
