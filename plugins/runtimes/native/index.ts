/** `native`: the controller runs as a process on this host. */
import * as v from "valibot";
import { definePlugin, lazyRuntime } from "../../../runtime/plugin-api.ts";

export const NativeRuntimeSchema = v.strictObject({ type: v.literal("native") });

export default definePlugin({
  name: "native",
  runtimes: [
    {
      type: "native",
      description: "Runs the controller as a process on this host",
      schema: NativeRuntimeSchema,
      // The lifecycle code loads only for commands that use it.
      create: (_options, _project, context) =>
        lazyRuntime(async () => new (await import("./native-runtime.ts")).NativeRuntime(context.local)),
    },
  ],
});
