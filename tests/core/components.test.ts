// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Component and workflow shapes: actions, inline components, shorthands, workflow
 * `input:` defaults and required fields, and a component's `max_concurrent_count`.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { silentLogger } from "../../runtime/log.ts";
import { ComponentHost } from "../../runtime/workflow/component-host.ts";
import { runWorkflow } from "../../runtime/workflow/run-workflow.ts";
import { load, project, runCli, runYaml, tempDir } from "./helpers.ts";

describe("actions", () => {
  const yaml = `
components:
  - id: tool
    type: shell
    env: { WHO: component }
    output: \${stdout.trim()}
    actions:
      - id: hello
        command: echo hello \${input.name} $WHO
      - id: bye
        command: echo bye \${input.name} $WHO
        env: { WHO: action }
        output: { said: "\${stdout.trim()}" }
workflow:
  jobs:
    - id: first
      component: tool
      input: { name: a }
    - id: second
      component: tool
      action: bye
      input: { name: b }
  output: ["\${jobs.first.output}", "\${jobs.second.output}"]
`;

  test("the first action is the default; an action's fields and output win over the component's", async () => {
    const r = await runYaml(yaml);
    expect(r.output).toEqual(["hello a component", { said: "bye b action" }]);
  });
});

describe("shorthands and inline components", () => {
  test("component: { type: ... } inline on a job", async () => {
    const r = await runYaml(
      'workflow:\n  jobs:\n    - id: a\n      component: { type: shell, command: "echo inline" }\n      output: ${stdout.trim()}\n',
    );
    expect(r.output).toBe("inline");
  });

  test("component: <type> with the type's fields on the job (the user guide's form)", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo $(( 6 * 7 ))\n      output: ${stdout.trim() as integer}\n",
    );
    expect(r.output).toBe(42);
  });

  test("a job without component: uses the only component defined", async () => {
    const r = await runYaml(
      "component:\n  id: only\n  type: shell\n  command: echo only\n  output: ${stdout.trim()}\nworkflow:\n  jobs:\n    - id: a\n",
    );
    expect(r.output).toBe("only");
  });

  test("workflow: { component: X } is a one-job workflow", async () => {
    const r = await runYaml(
      "workflow:\n  component: shell\n  command: echo short\n  output: ${stdout.trim()}\n",
    );
    expect(r.output).toBe("short");
    expect(r.jobs.map((j) => j.id)).toEqual(["job"]);
  });

  test("jobs without ids are numbered", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - component: logger\n      input: 1\n    - component: logger\n      input: '${jobs.job-1.output + 1}'\n",
    );
    expect(r.output).toBe(2);
    expect(r.jobs.map((j) => j.id)).toEqual(["job-1", "job-2"]);
  });

  test("workflows without ids are numbered from 1, like jobs", async () => {
    const dir = project(
      "workflows:\n  - component: logger\n    input: first\n  - component: logger\n    input: second\n    default: true\n",
    );
    const loaded = await load(dir);
    expect([...loaded.workflows.keys()]).toEqual(["workflow-1", "workflow-2"]);
    expect(
      (await runCli(["-f", path.join(dir, "model-compose.yml"), "run", "workflow-1"])).stdout.trim(),
    ).toBe('"first"');
  });

  test("jobs naming a type with no fields get components of their own, each reporting its own errors", async () => {
    const loaded = await load(
      project(
        "workflow:\n  jobs:\n    - id: a\n      component: logger\n      input: one\n    - id: b\n      component: logger\n      input: ${jobs.a.output}\n",
      ),
    );
    const [a, b] = loaded.workflows.get("default")!.jobs;
    expect([a.component.id, b.component.id]).toEqual(["a", "b"]);
    expect(a.component).not.toBe(b.component);
    // Built once: the second job's component shares the first one's actions.
    expect(b.component.actions).toBe(a.component.actions);
    expect([a.component.location?.line, b.component.location?.line]).toEqual([3, 6]);
    const run = await runWorkflow(loaded, undefined, {}, { logger: silentLogger() });
    expect(run.output).toBe("one");

    const broken = await runCli([
      "-f",
      path.join(
        project(
          "workflow:\n  jobs:\n    - id: a\n      component: prometheus-push\n    - id: b\n      component: prometheus-push\n",
        ),
        "model-compose.yml",
      ),
      "config",
    ]);
    expect(broken.code).not.toBe(0);
    const missingUrl = broken.stderr.split("\n").filter((l) => l.includes('missing required key "url"'));
    expect(missingUrl.map((l) => l.match(/jobs\[(\d)\]/)?.[1])).toEqual(["0", "1"]);
  });

  test("a job may not read its own output", async () => {
    const dir = project(
      "workflow:\n  jobs:\n    - id: a\n      component: logger\n      input: ${jobs.a.output}\n",
    );
    await expect(load(dir)).rejects.toThrow("${jobs.a.output} refers to the job's own output");
  });
});

describe("workflow input:", () => {
  const yaml = `
workflows:
  - id: main
    default: true
    input:
      name: \${input.name | "world"}
      n: \${input.n as integer | 1}
    component: logger
  - id: strict
    input:
      name: \${input.name}
    jobs:
      - id: greet
        component: logger
        input: "hi \${input.name}"
`;

  test("defaults and conversions", async () => {
    expect((await runYaml(yaml)).output).toEqual({ name: "world", n: 1 });
    expect((await runYaml(yaml, { name: "x", n: "5" })).output).toEqual({ name: "x", n: 5 });
  });

  test("a field read without a default is required", async () => {
    await expect(runYaml(yaml, {}, { workflow: "strict" })).rejects.toThrow(
      'input of workflow "strict" is missing "name"',
    );
    expect((await runYaml(yaml, { name: "bob" }, { workflow: "strict" })).output).toBe("hi bob");
  });
});

describe("max_concurrent_count on a component", () => {
  const yaml = (log: string, limit: number) => `
components:
  - id: slot
    type: shell
    max_concurrent_count: ${limit}
    command: echo "start $(date +%s%3N)" >> ${log}; sleep 0.3; echo "end $(date +%s%3N)" >> ${log}
workflow:
  jobs:
    - { id: a, component: slot, depends_on: [] }
    - { id: b, component: slot, depends_on: [] }
    - { id: c, component: slot, depends_on: [] }
`;

  /** The most calls that were running at the same time, from the start/end lines. */
  function maxInFlight(log: string): number {
    const events = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([what, ts]) => ({ ts: Number(ts), delta: what === "start" ? 1 : -1 }))
      .sort((x, y) => x.ts - y.ts || x.delta - y.delta);
    let now = 0;
    let max = 0;
    for (const e of events) {
      now += e.delta;
      max = Math.max(max, now);
    }
    return max;
  }

  test("1: calls run one at a time even when the jobs could run in parallel", async () => {
    const log = path.join(tempDir(), "calls.log");
    await runYaml(yaml(log, 1));
    expect(maxInFlight(log)).toBe(1);
  });

  test("0: unlimited", async () => {
    const log = path.join(tempDir(), "calls.log");
    await runYaml(yaml(log, 0));
    expect(maxInFlight(log)).toBe(3);
  });

  test("the limit holds across runs that share a component host", async () => {
    const log = path.join(tempDir(), "calls.log");
    const p = await load(project(yaml(log, 2)), { processEnv: { PATH: process.env.PATH } });
    const host = new ComponentHost(p.projectDir, silentLogger());
    await Promise.all([runWorkflow(p, undefined, {}, { host }), runWorkflow(p, undefined, {}, { host })]);
    await host.close();
    expect(maxInFlight(log)).toBe(2);
  });
});

describe("input variables", () => {
  test("an inline shell job's command counts toward the workflow's input variables", async () => {
    const p = await load(
      project("workflow:\n  component: shell\n  command: echo ${input.name} ${input.greeting | hi}\n"),
    );
    expect(p.workflows.get("default")?.inputVariables).toEqual(["greeting", "name"]);
  });
});

describe("component defaults", () => {
  test("an action's map fields merge with the component's, the action's keys winning", async () => {
    const p = await load(
      project(
        [
          "components:",
          "  - id: tool",
          "    type: shell",
          "    env: { A: component, B: component }",
          "    actions:",
          "      - id: x",
          "        command: echo $A $B $C",
          "        env: { B: action, C: action }",
          "        output: ${stdout.trim()}",
          "workflow:",
          "  component: tool",
          "  action: x",
        ].join("\n"),
      ),
    );
    const result = await runWorkflow(p, undefined, {});
    expect(result.output).toBe("component action action");
  });
});
