/**
 * `logger`: writes its input as one structured line through the project's loggers and
 * passes it on unchanged. An input with a `message` field uses it as the line's text.
 */
import * as v from "valibot";
import { pinoLevel } from "../../../runtime/log.ts";
import { definePlugin } from "../../../runtime/plugins.ts";
import { strictMap } from "../../../runtime/schema-kit.ts";

export const LoggerComponentSchema = strictMap({
  level: v.optional(v.picklist(["debug", "info", "warning", "warn", "error", "critical"]), "info"),
});

/** pino's own keys on every line; the run's (run_id, workflow, job, component) are the logger's bindings. */
const LINE_KEYS = ["level", "time", "msg"];

/**
 * The input's fields as they go on the line. A field named like one of the line's own
 * keys is written as `input.NAME`: a JSON line with the same key twice is read
 * differently by different tools, and a user's `level` must not hide the real one.
 */
function withoutClashes(
  fields: Record<string, unknown>,
  bindings: Record<string, unknown>,
): Record<string, unknown> {
  const taken = new Set([...LINE_KEYS, ...Object.keys(bindings)]);
  // A Map, then Object.fromEntries: `out[key] = value` would turn a `__proto__` field
  // into the object's prototype and drop it from the line.
  const out = new Map<string, unknown>();
  for (const [name, value] of Object.entries(fields)) {
    // A renamed key must not land on another field's name either.
    const clashes = (key: string) =>
      taken.has(key) || out.has(key) || (key !== name && Object.hasOwn(fields, key));
    let key = name;
    while (clashes(key)) key = `input.${key}`;
    out.set(key, value);
  }
  return Object.fromEntries(out);
}

export default definePlugin({
  name: "logger",
  components: [
    {
      type: "logger",
      description: "Logs its input and passes it on",
      schema: LoggerComponentSchema,
      resultVariables: ["result"],
      create: () => ({
        async run(config, input, ctx) {
          const level = pinoLevel(config.level);
          const passed = { output: input, variables: { result: input } };
          const hasMessage =
            input !== null && typeof input === "object" && !Array.isArray(input) && "message" in input;
          const { message, ...fields } = hasMessage ? (input as Record<string, unknown>) : {};
          const text = hasMessage
            ? typeof message === "string"
              ? message
              : JSON.stringify(message ?? null)
            : undefined;
          // The run's followers see the line whatever the console's level.
          ctx.logLine(config.level, text ?? (() => JSON.stringify(input ?? null)));
          if (!ctx.logger.isLevelEnabled(level)) return passed;
          if (text !== undefined) ctx.logger[level](withoutClashes(fields, ctx.logger.bindings()), text);
          else ctx.logger[level]({ data: input }, "log");
          return passed;
        },
      }),
    },
  ],
});
