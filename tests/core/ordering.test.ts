// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * Job ordering and data flow, through loadProject/runWorkflow: sequential without
 * `depends_on`, a graph as soon as one job declares it (independent jobs overlap, a job
 * waits for all of its dependencies), the workflow output rule, and `${output}`.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runYaml, tempDir } from "./helpers.ts";

/** A shell job that records its start and end (ms timestamps) in `log`, sleeping between. */
function timedJob(id: string, log: string, sleep: number, extra = ""): string {
  return `
    - id: ${id}
      component: shell
      command: echo "${id} start $(date +%s%3N)" >> ${log}; sleep ${sleep}; echo "${id} end $(date +%s%3N)" >> ${log}
      output: ${id}${extra}`;
}

interface Span {
  start: number;
  end: number;
}

function spans(log: string): Record<string, Span> {
  const out: Record<string, Span> = {};
  for (const line of readFileSync(log, "utf8").trim().split("\n")) {
    const [id, what, ts] = line.split(" ");
    out[id] ??= { start: Number.NaN, end: Number.NaN };
    out[id][what as "start" | "end"] = Number(ts);
  }
  return out;
}

function order(log: string): string[] {
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(" ").slice(0, 2).join(" "));
}

describe("ordering", () => {
  test("without depends_on, jobs run one after another in the order listed", async () => {
    const log = path.join(tempDir(), "order.log");
    const result = await runYaml(
      `workflow:\n  jobs:${timedJob("c", log, 0.05)}${timedJob("a", log, 0.05)}${timedJob("b", log, 0.05)}\n`,
    );
    expect(order(log)).toEqual(["c start", "c end", "a start", "a end", "b start", "b end"]);
    expect(result.jobs.map((j) => [j.id, j.status])).toEqual([
      ["c", "completed"],
      ["a", "completed"],
      ["b", "completed"],
    ]);
  });

  test("with depends_on, independent jobs run in parallel", async () => {
    const log = path.join(tempDir(), "par.log");
    await runYaml(
      `workflow:\n  jobs:${timedJob("a", log, 1)}${timedJob("b", log, 1)}${timedJob("c", log, 0)}\n      depends_on: [a, b]\n`,
    );
    const s = spans(log);
    // a and b overlap: each started before the other ended.
    expect(s.a.start).toBeLessThan(s.b.end);
    expect(s.b.start).toBeLessThan(s.a.end);
    // Most of their 1 s each overlapped (serial would overlap not at all).
    const overlap = Math.min(s.a.end, s.b.end) - Math.max(s.a.start, s.b.start);
    expect(overlap).toBeGreaterThan(500);
    expect(s.c.start).toBeGreaterThanOrEqual(Math.max(s.a.end, s.b.end));
  });

  test("a job without depends_on in a graph starts at once, even when listed last", async () => {
    const log = path.join(tempDir(), "free.log");
    await runYaml(
      `workflow:\n  jobs:${timedJob("a", log, 0.3)}${timedJob("b", log, 0)}\n      depends_on: [a]${timedJob("free", log, 0)}\n`,
    );
    const s = spans(log);
    expect(s.free.start).toBeLessThan(s.a.end);
    expect(s.b.start).toBeGreaterThanOrEqual(s.a.end);
  });

  test("a job waits for all of its dependencies", async () => {
    const log = path.join(tempDir(), "all.log");
    await runYaml(
      `workflow:\n  jobs:${timedJob("fast", log, 0)}${timedJob("slow", log, 0.4)}${timedJob("join", log, 0)}\n      depends_on: [fast, slow]\n`,
    );
    const s = spans(log);
    expect(s.join.start).toBeGreaterThanOrEqual(s.slow.end);
    expect(s.join.start).toBeGreaterThanOrEqual(s.fast.end);
  });

  test("a chain a -> b -> c runs in dependency order whatever the listing order", async () => {
    const log = path.join(tempDir(), "chain.log");
    await runYaml(
      `workflow:\n  jobs:${timedJob("c", log, 0)}\n      depends_on: [b]${timedJob("b", log, 0)}\n      depends_on: a${timedJob("a", log, 0)}\n`,
    );
    expect(order(log)).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });
});

describe("workflow output", () => {
  const jobs = `
    - id: first
      component: shell
      command: echo one
      output: { first: "\${stdout.trim()}" }
    - id: second
      component: shell
      command: echo two
      output: { second: "\${stdout.trim()}" }`;

  test("sequential: the last job's output", async () => {
    const r = await runYaml(`workflow:\n  jobs:${jobs}\n`);
    expect(r.output).toEqual({ second: "two" });
  });

  test("explicit output: wins", async () => {
    const r = await runYaml(
      `workflow:\n  output:\n    both: ["\${jobs.first.output.first}", "\${jobs.second.output.second}"]\n    in: \${input.x}\n  jobs:${jobs}\n`,
      { x: 7 },
    );
    expect(r.output).toEqual({ both: ["one", "two"], in: 7 });
  });

  test("graph: the outputs of the jobs nothing depends on, merged", async () => {
    const r = await runYaml(
      `workflow:\n  jobs:${jobs}\n      depends_on: []\n    - id: root\n      component: shell\n      command: echo root\n    - id: mid\n      component: shell\n      command: echo mid\n      depends_on: [root]\n      output: { mid: true }\n`,
    );
    expect(r.output).toEqual({ first: "one", second: "two", mid: true });
  });

  test("graph: one sink is the output as it is", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - id: a\n      component: shell\n      command: echo 1\n    - id: b\n      component: shell\n      command: echo 2\n      depends_on: [a]\n      output: ${stdout.trim() as integer}\n",
    );
    expect(r.output).toBe(2);
  });

  test("graph: a skipped sink gives nothing to merge", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - id: x\n      component: logger\n      input: { x: 1 }\n      depends_on: []\n" +
        "    - id: y\n      component: logger\n      input: { y: 2 }\n      if: ${input.with_y | false}\n",
    );
    expect(r.output).toEqual({ x: 1 });
  });

  test("graph: sinks with outputs that are not maps are keyed by job id", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - id: x\n      component: shell\n      command: echo x\n      output: ${stdout.trim()}\n      depends_on: []\n    - id: y\n      component: shell\n      command: echo y\n      output: ${stdout.trim()}\n",
    );
    expect(r.output).toEqual({ x: "x", y: "y" });
  });
});

describe("${output}", () => {
  test("in a job's input, ${output} is the previous job's output", async () => {
    const r = await runYaml(`
workflow:
  jobs:
    - id: a
      component: shell
      command: echo hello
      output: \${stdout.trim()}
    - id: b
      component: shell
      command: echo "\${input.text}/\${input.upper}/\${input.length}"
      input:
        text: "got \${output}"
        upper: \${output.upper()}
        length: \${output.length}
      output:
        text: \${stdout.trim()}
        whole: \${input}
`);
    expect(r.output).toEqual({
      text: "got hello/HELLO/5",
      whole: { text: "got hello", upper: "HELLO", length: 5 },
    });
  });

  test("${output} keeps its type when the previous output is a map", async () => {
    const r = await runYaml(`
workflow:
  jobs:
    - id: a
      component: shell
      command: |
        echo '{"n": 2, "list": [1, 2]}'
      output: \${stdout as json}
    - id: b
      component: logger
      input:
        copy: \${output}
        n: \${output.n + 1}
        last: \${output.list[-1]}
`);
    expect(r.output).toEqual({ copy: { n: 2, list: [1, 2] }, n: 3, last: 2 });
  });

  test("the seed's ${output.end-time - output.start-time} form", async () => {
    const r = await runYaml(`
workflow:
  jobs:
    - id: start-time
      component: shell
      command: echo $(date +%s%3N)
      output: \${stdout.trim()}
    - id: work
      component: shell
      command: sleep 0.2
    - id: end-time
      component: shell
      command: echo $(date +%s%3N)
      output: \${stdout.trim()}
    - id: log-duration
      component: logger
      input:
        message: "Execution time: \${output.end-time - output.start-time}ms"
        previous: \${output}
`);
    const { message, previous } = r.output as { message: string; previous: string };
    const ms = Number(/^Execution time: (\d+)ms$/.exec(message)?.[1]);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(5000);
    expect(previous).toMatch(/^\d{13}$/);
  });

  test("a job without input: gets the workflow input", async () => {
    const r = await runYaml(
      "workflow:\n  jobs:\n    - id: a\n      component: logger\n    - id: b\n      component: logger\n      input: { prev: '${output}', wf: '${input}' }\n",
      { hello: "world" },
    );
    expect(r.output).toEqual({ prev: { hello: "world" }, wf: { hello: "world" } });
  });

  test("${jobs.ID.output} reads any finished job", async () => {
    const r = await runYaml(`
workflow:
  jobs:
    - id: a
      component: shell
      command: echo A
      output: \${stdout.trim()}
    - id: b
      component: shell
      command: echo B
      output: \${stdout.trim()}
    - id: c
      component: logger
      input: "\${jobs.a.output}\${jobs.b.output}\${output}"
`);
    expect(r.output).toBe("ABB");
  });
});
