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

/** `shouts`: logs a line made by a function, counting how often the function is called. */
let made = 0;
const shoutsPlugin = definePlugin({
  name: "shouts",
  components: [
    {
      type: "shouts",
      schema: strictMap({}),
      resultVariables: [],
      create: () => ({
        run: async (_config, input, call) => {
          call.logLine("info", () => {
            made++;
            return `heard ${JSON.stringify(input)}`;
          });
          call.logLine("info", "plain");
          return { output: input, variables: {} };
        },
      }),
    },
  ],
});

test("a log line given as a function is made only when the run has a listener", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mc-component-call-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "model-compose.yml"), "workflow:\n  component:\n    type: shouts\n");
  const registry = new PluginRegistry();
  registry.register(echoPlugin);
  registry.register(shoutsPlugin);
  const project = await loadProject({ cwd: dir, processEnv: {}, registry });
  made = 0;
  await runWorkflow(project, undefined, { x: 1 });
  expect(made).toBe(0);
  const lines: { text: string; seq: number }[] = [];
  const seqs: number[] = [];
  await runWorkflow(
    project,
    undefined,
    { x: 1 },
    {
      onEvent: (event) => {
        seqs.push(event.seq);
        if (event.type === "log") lines.push({ text: event.text, seq: event.seq });
      },
    },
  );
  expect(made).toBe(1);
  expect(lines.map((l) => l.text)).toEqual(['heard {"x":1}', "plain"]);
  // Numbered without gaps either way: an unfollowed line still takes its number.
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
});
