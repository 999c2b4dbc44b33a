/** `native`: the controller runs as a process on this host. */
import * as v from "valibot";
import type { Project } from "../../../runtime/compose/model.ts";
import { definePlugin, type RuntimeCommandOptions, type RuntimeInstance } from "../../../runtime/plugins.ts";

export const NativeRuntimeSchema = v.strictObject({ type: v.literal("native") });

export default definePlugin({
  name: "native",
  runtimes: [
    {
      type: "native",
      description: "Runs the controller as a process on this host",
      schema: NativeRuntimeSchema,
      create: (_options, project: Project): RuntimeInstance => {
        // The controller (HTTP server, metrics) loads only for commands that start it.
        const lazy = async () => new (await import("./native-runtime.ts")).NativeRuntime(project);
        return {
          up: async (o: RuntimeCommandOptions) => (await lazy()).up(o),
          down: async () => (await lazy()).down(),
          start: async (o: RuntimeCommandOptions) => (await lazy()).start(o),
          stop: async () => (await lazy()).stop(),
          status: async () => (await lazy()).status(),
        };
      },
    },
  ],
});
