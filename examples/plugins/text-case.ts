/**
 * A small third-party component plugin: `text-case` changes the case of its input's
 * `text`. Loaded by a compose file with `plugins: [./text-case.ts]`; works from source
 * and with the compiled binary (which provides `model-compose` and `valibot` itself).
 */

import { definePlugin } from "model-compose";
import * as v from "valibot";

const TextCaseSchema = v.strictObject({
  mode: v.optional(v.picklist(["upper", "lower", "title"]), "upper"),
});

function convert(text: string, mode: "upper" | "lower" | "title"): string {
  if (mode === "upper") return text.toUpperCase();
  if (mode === "lower") return text.toLowerCase();
  return text.replace(/\b\p{L}/gu, (c) => c.toUpperCase());
}

export default definePlugin({
  name: "text-case",
  components: [
    {
      type: "text-case",
      description: "Changes the case of input.text",
      schema: TextCaseSchema,
      resultVariables: ["result", "length"],
      create: () => ({
        async run(config, input) {
          const text = typeof input === "string" ? input : String((input as { text?: unknown })?.text ?? "");
          const result = convert(text, config.mode);
          return { output: result, variables: { result, length: result.length } };
        },
      }),
    },
  ],
});
