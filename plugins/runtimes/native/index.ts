/** `native`: the controller runs as a process on this host. */
import * as v from "valibot";
import { definePlugin } from "../../../runtime/plugins.ts";

export const NativeRuntimeSchema = v.strictObject({ type: v.literal("native") });

export default definePlugin({
  name: "native",
  runtimes: [
    {
      type: "native",
      description: "Runs the controller as a process on this host",
      schema: NativeRuntimeSchema,
      create: () => {
        throw new Error("the native runtime's lifecycle is provided by the controller");
      },
    },
  ],
});
