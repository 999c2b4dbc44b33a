/**
 * Projects for the core's own tests: a compose document written to a temporary
 * directory and loaded with a registry that holds only `echo`, a component whose output
 * is its input, and a `native` runtime stub (runtime/ imports no plugin, tests included).
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as v from "valibot";
import YAML from "yaml";
import { loadProject } from "./compose/load.ts";
import type { Project } from "./compose/model.ts";
import { definePlugin, PluginRegistry } from "./plugins.ts";

/** `echo`: a component whose output is its input. */
export const echoPlugin = definePlugin({
  name: "echo",
  components: [
    {
      type: "echo",
      schema: v.looseObject({}),
      resultVariables: ["result"],
      create: () => ({ run: async (_config, input) => ({ output: input, variables: { result: input } }) }),
    },
  ],
  // The default runtime's name, so documents need no `runtime:`; its lifecycle is never called here.
  runtimes: [
    {
      type: "native",
      schema: v.looseObject({ type: v.literal("native") }),
      create: () => {
        const none = async () => {
          throw new Error("no lifecycle in the core's tests");
        };
        return { up: none, down: none, start: none, stop: none, status: none };
      },
    },
  ],
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `doc` as the model-compose.yml of a new temporary directory and loads it (with `echo`). */
export async function loadDoc(doc: Record<string, unknown> | string): Promise<Project> {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-app-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "model-compose.yml"), typeof doc === "string" ? doc : YAML.stringify(doc));
  const registry = new PluginRegistry();
  registry.register(echoPlugin);
  return loadProject({ cwd: dir, processEnv: {}, registry });
}
