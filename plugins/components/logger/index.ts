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
          if (input !== null && typeof input === "object" && !Array.isArray(input) && "message" in input) {
            const { message, ...fields } = input as Record<string, unknown>;
            ctx.logger[level](fields, typeof message === "string" ? message : JSON.stringify(message));
          } else {
            ctx.logger[level]({ data: input }, "log");
          }
          return { output: input, variables: { result: input } };
        },
      }),
    },
  ],
});
