/** `native`: the controller runs as a process on this host. */
import * as v from "valibot";
import type { Project } from "../../../runtime/compose/model.ts";
import { definePlugin, lazyRuntime } from "../../../runtime/plugins.ts";

export const NativeRuntimeSchema = v.strictObject({ type: v.literal("native") });

export default definePlugin({
  name: "native",
  runtimes: [
    {
      type: "native",
      description: "Runs the controller as a process on this host",
      schema: NativeRuntimeSchema,
      // The controller (HTTP server, metrics) loads only for commands that start it.
      create: (_options, project: Project) =>
        lazyRuntime(async () => new (await import("./native-runtime.ts")).NativeRuntime(project)),
    },
  ],
});
