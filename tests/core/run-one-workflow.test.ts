// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `run` builds only the workflow it runs: the file is read and validated whole, but the
 * other workflows' jobs are not built, so a large file costs little more than the
 * workflow used. `config` and `up` still build and check everything.
 */
import { describe, expect, test } from "bun:test";
import { errorLines, load, project, runCli } from "./helpers.ts";

/** `broken`'s job names a job that does not exist: only building finds that. */
const TWO = `workflows:
  - id: fine
    jobs:
      - id: a
        component: logger
        input: \${input}
  - id: broken
    jobs:
      - id: b
        component: logger
        input: \${jobs.nowhere.output}
`;

describe("run builds only the workflow it runs", () => {
  test("in-process: only the named workflow is built; every id is still known", async () => {
    const dir = project(TWO);
    const p = await load(dir, { only: { id: "fine" } });
    expect([...p.workflows.keys()]).toEqual(["fine"]);
    expect(p.document.workflows.map((w) => w.id)).toEqual(["fine", "broken"]);
    await expect(load(dir)).rejects.toThrow(/nowhere/);
    await expect(load(dir, { only: { id: "broken" } })).rejects.toThrow(/nowhere/);
  });

  test("the default workflow, when none is named", async () => {
    const dir = project(TWO.replace("  - id: fine\n", "  - id: fine\n    default: true\n"));
    const p = await load(dir, { only: {} });
    expect([...p.workflows.keys()]).toEqual(["fine"]);
    expect(p.defaultWorkflowId).toBe("fine");
  });

  test("through the CLI: run of the sound workflow works; config and run of the broken one fail", async () => {
    const dir = project(TWO);
    const ok = await runCli(["run", "fine", "-i", '{"x":1}'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ x: 1 });
    for (const args of [["run", "broken"], ["config"]]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr).join("\n")).toContain('"nowhere"');
    }
  });

  test("an unknown workflow or no default: everything is built and the error lists every workflow", async () => {
    const dir = project(TWO.replace("${jobs.nowhere.output}", "${input}"));
    const unknown = await runCli(["run", "nope"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(errorLines(unknown.stderr)).toEqual(['error: unknown workflow "nope" (workflows: fine, broken)']);
    const none = await runCli(["run"], { cwd: dir });
    expect(none.code).toBe(2);
    expect(errorLines(none.stderr).join("\n")).toContain("name one (fine, broken)");
  });

  test("a second default is refused even when the run names a workflow", async () => {
    const dir = project(TWO.replace(/^ {2}- id: (\w+)$/gm, "  - id: $1\n    default: true"));
    const r = await runCli(["run", "fine"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr).join("\n")).toContain("more than one default workflow: fine, broken");
  });
});
