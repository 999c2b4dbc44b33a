/**
 * `docker`: `up` runs the controller inside a container that model-compose builds and
 * starts itself through the Docker Engine API. `image` is pulled when set; when that
 * fails (or no image is set) the image is built locally from `.docker/` (or the
 * project's `build` context). Containers carry project labels, so `down`, `stop` and
 * `start` find them without a name.
 */
import type { Project } from "../../../runtime/plugin-api.ts";
import { definePlugin, lazyRuntime } from "../../../runtime/plugin-api.ts";
import { type DockerRuntimeOptions, DockerRuntimeOptionsSchema } from "./options.ts";
import { pythonOriginalWarnings } from "./python-original.ts";

export default definePlugin({
  name: "docker",
  runtimes: [
    {
      type: "docker",
      description: "Runs the controller in a Docker container built and started by model-compose",
      schema: DockerRuntimeOptionsSchema,
      warnings: pythonOriginalWarnings,
      // The Docker client is heavy to load: only commands that use it pay for it.
      create: (options: DockerRuntimeOptions, project: Project) =>
        lazyRuntime(async () => new (await import("./docker-runtime.ts")).DockerRuntime(options, project)),
    },
  ],
});
