// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The events a run emits (runtime/workflow/events.ts): every run from run.started to
 * run.finished, numbered without gaps, for each way a run can go.
 */
import { describe, expect, test } from "bun:test";
import * as path from "node:path";
import type { RunEvent } from "../../runtime/workflow/events.ts";
import { runWorkflow } from "../../runtime/workflow/run-workflow.ts";
import { load, project, tempDir } from "./helpers.ts";

async function collect(
  yaml: string,
  input: unknown = {},
  signal?: AbortSignal,
  onEvent?: (e: RunEvent) => void,
): Promise<{ events: RunEvent[]; error?: Error }> {
  const p = await load(project(yaml), { processEnv: { PATH: process.env.PATH } });
  const events: RunEvent[] = [];
  let error: Error | undefined;
  try {
    await runWorkflow(p, undefined, input, {
      signal,
      onEvent: (e) => {
        events.push(e);
        onEvent?.(e);
      },
    });
  } catch (e) {
    error = e as Error;
  }
  // Always: numbered 1..n, one run, JSON as it is.
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.run_id)).size).toBe(1);
  expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  expect(events[0].type).toBe("run.started");
  expect(events.at(-1)?.type).toBe("run.finished");
  return { events, error };
}

/** The events without the log lines, as `type job status`. */
function outline(events: RunEvent[]): string[] {
  return events
    .filter((e) => e.type !== "log")
    .map((e) => {
      switch (e.type) {
        case "run.started":
          return "run.started";
        case "run.finished":
          return `run.finished ${e.status}`;
        case "job.started":
          return `job.started ${e.job_id} ${e.attempt}`;
        case "job.retrying":
          return `job.retrying ${e.job_id} ${e.attempt}`;
        case "job.skipped":
          return `job.skipped ${e.job_id}`;
        case "job.finished":
          return `job.finished ${e.job_id} ${e.status}`;
        default:
          return "log";
      }
    });
}

describe("run events", () => {
  test("a sequential run: each job started then finished in order, with its output, lines and duration", async () => {
    const { events } = await collect(
      "workflow:\n  jobs:\n" +
        "    - id: a\n      component: shell\n      command: printf 'one\\ntwo\\n'; echo err >&2; printf last\n" +
        "    - id: b\n      component: logger\n      input: { message: 'hello ${input.name}' }\n",
      { name: "x" },
    );
    expect(outline(events)).toEqual([
      "run.started",
      "job.started a 1",
      "job.finished a completed",
      "job.started b 1",
      "job.finished b completed",
      "run.finished completed",
    ]);
    const started = events[0];
    if (started.type !== "run.started") throw new Error("unreachable");
    expect(started.jobs).toEqual([
      { id: "a", depends_on: [] },
      { id: "b", depends_on: ["a"] },
    ]);
    const logs = events.filter((e) => e.type === "log");
    expect(logs.map((e) => [e.job_id, e.stream, e.text])).toEqual([
      ["a", "stdout", "one"],
      ["a", "stdout", "two"],
      ["a", "stderr", "err"],
      ["a", "stdout", "last"],
      ["b", "log", "hello x"],
    ]);
    expect(logs.at(-1)).toMatchObject({ level: "info" });
    // Lines come between the job's start and finish.
    const idx = (pred: (e: RunEvent) => boolean) => events.findIndex(pred);
    expect(idx((e) => e.type === "log")).toBeGreaterThan(idx((e) => e.type === "job.started"));
    const aDone = events.find((e) => e.type === "job.finished" && e.job_id === "a");
    expect(aDone).toMatchObject({ status: "completed", attempts: 1, output: "one\ntwo\nlast" });
    expect(typeof (aDone as { duration_ms: number }).duration_ms).toBe("number");
    // The duration is the one the job's record gives, and the fields keep their order.
    const last = events.at(-1) as Extract<RunEvent, { type: "run.finished" }>;
    const aState = last.jobs.find((j) => j.id === "a")!;
    expect((aDone as { duration_ms: number }).duration_ms).toBe(
      Date.parse(aState.finished_at!) - Date.parse(aState.started_at!),
    );
    expect(Object.keys(aDone!)).toEqual([
      "v",
      "seq",
      "run_id",
      "time",
      "type",
      "job_id",
      "status",
      "duration_ms",
      "attempts",
      "output",
    ]);
    expect(events.at(-1)).toMatchObject({
      status: "completed",
      output: { message: "hello x" },
      jobs: [
        { id: "a", status: "completed" },
        { id: "b", status: "completed" },
      ],
    });
  });

  test("a graph: a job starts only after all it depends on have finished", async () => {
    const { events } = await collect(
      "workflow:\n  jobs:\n" +
        "    - { id: a, component: shell, command: echo a, depends_on: [] }\n" +
        "    - { id: b, component: shell, command: echo b, depends_on: [] }\n" +
        "    - { id: c, component: shell, command: echo c, depends_on: [a, b] }\n",
    );
    const at = (line: string) => outline(events).indexOf(line);
    expect(at("job.started c 1")).toBeGreaterThan(at("job.finished a completed"));
    expect(at("job.started c 1")).toBeGreaterThan(at("job.finished b completed"));
    expect(outline(events).filter((l) => l.startsWith("job.finished"))).toHaveLength(3);
    expect(events[0]).toMatchObject({
      jobs: [{ depends_on: [] }, { depends_on: [] }, { depends_on: ["a", "b"] }],
    });
  });

  test("a failing run: the job's error, the waiting jobs cancelled, and the failing job named at the end", async () => {
    const { events, error } = await collect(
      "workflow:\n  jobs:\n" +
        "    - { id: a, component: shell, command: 'echo oops >&2; exit 3' }\n" +
        "    - { id: b, component: shell, command: echo never }\n",
    );
    expect(error?.message).toBe('job "a" failed: command exited with code 3: oops');
    expect(outline(events)).toEqual([
      "run.started",
      "job.started a 1",
      "job.finished a failed",
      "job.finished b cancelled",
      "run.finished failed",
    ]);
    expect(events.find((e) => e.type === "job.finished" && e.job_id === "a")).toMatchObject({
      error: 'job "a" failed: command exited with code 3: oops',
    });
    const b = events.find((e) => e.type === "job.finished" && e.job_id === "b");
    expect(b).not.toHaveProperty("duration_ms");
    expect(events.at(-1)).toMatchObject({
      status: "failed",
      job_id: "a",
      error: 'job "a" failed: command exited with code 3: oops',
      jobs: [
        { id: "a", status: "failed" },
        { id: "b", status: "cancelled" },
      ],
    });
  });

  test("a retried job: each attempt started, each failed one retrying, then finished with the attempt count", async () => {
    const dir = tempDir();
    const counter = path.join(dir, "n");
    const { events } = await collect(
      "workflow:\n  jobs:\n" +
        `    - id: flaky\n      component: shell\n      retry: { max_attempts: 3, delay: 10ms }\n` +
        `      command: 'n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ]'\n`,
    );
    expect(outline(events)).toEqual([
      "run.started",
      "job.started flaky 1",
      "job.retrying flaky 1",
      "job.started flaky 2",
      "job.retrying flaky 2",
      "job.started flaky 3",
      "job.finished flaky completed",
      "run.finished completed",
    ]);
    expect(events.find((e) => e.type === "job.retrying")).toMatchObject({
      error: "command exited with code 1",
      delay_ms: 10,
    });
    expect(events.find((e) => e.type === "job.finished")).toMatchObject({ attempts: 3 });
  });

  test("a skipped job: skipped, never started, and the run goes on", async () => {
    const { events } = await collect(
      "workflow:\n  jobs:\n" +
        "    - { id: a, component: shell, command: echo a, if: '${input.go}' }\n" +
        "    - { id: b, component: shell, command: echo b }\n",
      { go: false },
    );
    expect(outline(events)).toEqual([
      "run.started",
      "job.skipped a",
      "job.started b 1",
      "job.finished b completed",
      "run.finished completed",
    ]);
    expect(events.at(-1)).toMatchObject({ jobs: [{ id: "a", status: "skipped" }, { id: "b" }] });
  });

  test("a cancelled run: the running job cancelled, the rest never started, the run cancelled", async () => {
    const abort = new AbortController();
    const { events, error } = await collect(
      "workflow:\n  jobs:\n" +
        "    - { id: slow, component: shell, command: 'echo started; sleep 30' }\n" +
        "    - { id: next, component: shell, command: echo next }\n",
      {},
      abort.signal,
      (e) => {
        if (e.type === "log" && e.text === "started") abort.abort();
      },
    );
    expect(error?.name).toBe("CancelledError");
    expect(outline(events)).toEqual([
      "run.started",
      "job.started slow 1",
      "job.finished slow cancelled",
      "job.finished next cancelled",
      "run.finished cancelled",
    ]);
  });

  test("a listener that throws does not change the run", async () => {
    const p = await load(project("workflow:\n  component: shell\n  command: echo ok\n"), {
      processEnv: { PATH: process.env.PATH },
    });
    const result = await runWorkflow(
      p,
      undefined,
      {},
      {
        onEvent: () => {
          throw new Error("listener broke");
        },
      },
    );
    expect(result.output).toBe("ok\n");
  });

  test("input the workflow rejects: run.started then run.finished failed, every job still pending", async () => {
    const { events, error } = await collect(
      "workflow:\n  input: { n: '${input.n}' }\n  jobs:\n    - { id: a, component: shell, command: echo }\n",
      {},
    );
    expect(error).toBeDefined();
    expect(outline(events)).toEqual(["run.started", "run.finished failed"]);
    expect(events.at(-1)).toMatchObject({ jobs: [{ status: "pending" }] });
  });
});
