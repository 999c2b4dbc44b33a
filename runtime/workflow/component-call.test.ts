// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { echoPlugin } from "../_test-project.ts";
import { loadProject } from "../compose/load.ts";
import { definePlugin, PluginRegistry } from "../plugins.ts";
import { int, strictMap, Text } from "../schema-kit.ts";
import { runWorkflow } from "./run-workflow.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `typed`: a component whose config is checked strictly, so a rendered binding can be wrong. */
const typedPlugin = definePlugin({
  name: "typed",
  components: [
    {
      type: "typed",
      schema: strictMap({ count: int(1, 10, "a count from 1 to 10"), label: Text }),
      resultVariables: [],
      create: () => ({ run: async (config) => ({ output: config, variables: {} }) }),
    },
  ],
});

test("a component config that fails its schema at run time reports every problem, each with its key", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-component-call-"));
  dirs.push(dir);
  writeFileSync(
    path.join(dir, "model-compose.yml"),
    "workflow:\n  component:\n    type: typed\n    count: ${input.count}\n    label: ${input.label}\n",
  );
  const registry = new PluginRegistry();
  registry.register(echoPlugin);
  registry.register(typedPlugin);
  const project = await loadProject({ cwd: dir, processEnv: {}, registry });
  await expect(runWorkflow(project, undefined, { count: 0, label: 5 })).rejects.toThrow(
    'job "job": component "job": count: expected a count from 1 to 10, found the number 0; label: expected a string, found the number 5',
  );
});
