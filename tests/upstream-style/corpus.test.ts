/**
 * Compose files written in the Python model-compose's style (corpus/): each one loads
 * and runs with the output upstream's semantics give; what is not built in fails with
 * one error that names every such type and where it is written.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { loadProject } from "../../mod.ts";
import { runWorkflow } from "../../runtime/workflow/run-workflow.ts";

const corpus = path.join(import.meta.dir, "corpus");
/** Files that are meant to be refused; every other file must load. */
const REFUSED = new Set(["unsupported-types.yml"]);

const load = (name: string, env: Record<string, string> = {}) =>
  loadProject({
    files: [path.join(corpus, name)],
    cwd: corpus,
    processEnv: { PATH: process.env.PATH, ...env },
  });

describe("upstream-style corpus", () => {
  for (const name of readdirSync(corpus).filter((f) => f.endsWith(".yml") && !REFUSED.has(f))) {
    test(`${name} loads`, async () => {
      const project = await load(name, { API_URL: "http://127.0.0.1:9" });
      expect(project.workflows.size).toBeGreaterThan(0);
    });
  }

  test("shorthands: adapter, webui map, job:, a component without id, loggers:, runtime: embedded", async () => {
    const project = await load("shorthands.yml");
    expect(project.controller.webui).toBe(true);
    expect(project.controller.port).toBe(8080);
    expect([...project.components.keys()]).toEqual(["__component__"]);
    expect(project.loggers).toEqual([{ type: "console", level: "warning" }]);
    const wf = project.workflows.get(project.defaultWorkflowId ?? "")!;
    expect(wf.title).toBe("Greeter");
    // The component reads the workflow input through `input: ${input}`: its annotation describes it.
    expect(wf.inputVariables).toEqual(["name"]);
    expect(wf.inputHints.name).toEqual({ description: "Who to greet" });
    const { output } = await runWorkflow(project, undefined, { name: "Ann" });
    expect(output).toEqual({ greeting: "hello Ann\n" });
  });

  test("jobs without component: use the component marked default: true; private workflows run from the CLI", async () => {
    const project = await load("default-component.yml");
    expect((await runWorkflow(project, "plain", { text: "abc" })).output).toBe("abc");
    expect((await runWorkflow(project, "loud", { text: "abc" })).output).toBe("ABC");
    expect(project.workflows.get("loud")?.isPrivate).toBe(true);
    expect(project.workflows.get("plain")?.inputHints.text).toEqual({ description: "Text to repeat" });
  });

  test("types that are not built in: one error naming each with its line", async () => {
    const file = path.join(corpus, "unsupported-types.yml");
    const error = await load("unsupported-types.yml").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe("ConfigError");
    const lines = error!.message.split("\n");
    expect(lines[0]).toBe(
      "4 types this file names are not built into model-compose: model, file-store, docker, for-each",
    );
    expect(lines.slice(1, 5)).toEqual([
      `  ${file}:8:11: components[0].type: component type "model"`,
      `  ${file}:12:11: components[1].type: component type "file-store"`,
      `  ${file}:13:14: components[1].runtime: component runtime "docker"`,
      `  ${file}:18:13: workflows[0].jobs[0].type: job type "for-each"`,
    ]);
    expect(lines[6]).toContain("other component types come from plugins");
    expect(lines[6]).toContain("docs/plugins.md");
  });
});
