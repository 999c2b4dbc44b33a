// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * `max_concurrent_count` on the controller (at most N runs at once, the rest wait in
 * FIFO order) and on a component (at most N calls at once across all runs), observed
 * from a file the jobs append `start`/`end` lines to.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import {
  cleanup,
  loggedSleep,
  makeProject,
  maxOverlap,
  readLines,
  request,
  startRun,
  upForeground,
  waitFor,
  waitForTask,
} from "./helpers.ts";

afterEach(cleanup);

/** The value of an unlabelled sample in a /metrics text. */
function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no sample ${name} in /metrics`);
  return Number(line.split(" ")[1]);
}

describe("controller max_concurrent_count", () => {
  test("2 slots, 10 runs: never more than 2 at once, all complete, started in submission order", async () => {
    let log = "";
    const project = makeProject((dir) => {
      log = path.join(dir, "runs.log");
      return {
        controller: { max_concurrent_count: 2 },
        workflows: [
          {
            id: "slow",
            // Durations differ (0.3 s + 0.1 s per id) so no two runs end, and so no two
            // waiting runs are let in, at the same moment: the order of `start` lines is
            // then the order the slots were granted in.
            jobs: [
              {
                id: "work",
                component: "shell",
                command: loggedSleep(log, "${input.id}", "${input.seconds}"),
              },
            ],
          },
        ],
      };
    });
    await upForeground(project);

    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const reply = await startRun(project, {
        input: { id: i, seconds: (0.3 + i * 0.1).toFixed(1) },
        wait_for_completion: false,
      });
      expect(reply.status).toBe(202);
      ids.push(reply.body.task_id);
    }

    // While they queue: runs wait for a slot, visible in /metrics and as pending tasks.
    const metrics = await request(`${project.url}/metrics`);
    expect(sample(metrics.body, "model_compose_runs_waiting")).toBeGreaterThanOrEqual(5);
    expect(sample(metrics.body, "model_compose_runs_in_flight")).toBeLessThanOrEqual(2);
    expect((await request(`${project.api}/tasks/${ids[9]}`)).body.status).toBe("pending");

    const tasks = [];
    for (const id of ids)
      tasks.push(await waitForTask(project, id, ["completed", "failed", "cancelled"], 60_000));
    expect(tasks.map((t) => t.status)).toEqual(Array(10).fill("completed"));

    const lines = readLines(log);
    expect(lines).toHaveLength(20);
    expect(maxOverlap(lines)).toBe(2);
    const starts = lines.filter((l) => l.startsWith("start ")).map((l) => Number(l.split(" ")[1]));
    // Runs 0 and 1 take the two free slots at once, so their shells race to write
    // first; every later run is let in alone, when an earlier one ends.
    expect(starts.slice(0, 2).sort()).toEqual([0, 1]);
    expect(starts.slice(2)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    // The controller's own record agrees: runs started in submission order.
    const startedAt = tasks.map((t) => t.started_at as string);
    expect([...startedAt].sort()).toEqual(startedAt);

    const after = await request(`${project.url}/metrics`);
    expect(sample(after.body, "model_compose_runs_waiting")).toBe(0);
    expect(sample(after.body, "model_compose_runs_in_flight")).toBe(0);
  }, 90_000);

  test("a run cancelled while it waits for a slot never starts, and frees its place in the queue", async () => {
    let log = "";
    const project = makeProject((dir) => {
      log = path.join(dir, "runs.log");
      return {
        controller: { max_concurrent_count: 1 },
        workflows: [
          {
            id: "slow",
            jobs: [{ id: "work", component: "shell", command: loggedSleep(log, "${input.id}", "0.5") }],
          },
        ],
      };
    });
    await upForeground(project);
    const ids: string[] = [];
    for (const id of ["a", "b", "c"]) {
      ids.push((await startRun(project, { input: { id }, wait_for_completion: false })).body.task_id);
    }
    const cancel = await request(`${project.api}/tasks/${ids[1]}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(202);
    const b = await waitForTask(project, ids[1], ["cancelled", "completed", "failed"]);
    expect(b.status).toBe("cancelled");
    expect(b.started_at).toBeUndefined();
    expect(b.error).toContain("before it started");
    for (const id of [ids[0], ids[2]]) expect((await waitForTask(project, id)).status).toBe("completed");
    expect(
      readLines(log)
        .filter((l) => l.startsWith("start "))
        .map((l) => l.split(" ")[1]),
    ).toEqual(["a", "c"]);
  }, 60_000);
});

/** A shell component with one slot whose calls log their `input.tag` to `log` and sleep `seconds`. */
function singleSlot(log: string, seconds: string) {
  return {
    id: "single",
    type: "shell",
    max_concurrent_count: 1,
    command: loggedSleep(log, "${input.tag}", seconds),
  };
}

for (const threaded of [false, true]) {
  describe(`component max_concurrent_count (threaded: ${threaded})`, () => {
    test("a component with 1 slot shared by two workflows: calls never overlap", async () => {
      let log = "";
      const project = makeProject((dir) => {
        log = path.join(dir, "calls.log");
        return {
          controller: { threaded },
          components: [
            singleSlot(log, "0.2"),
            // Unlimited: shows the runs themselves do overlap.
            { id: "free", type: "shell", command: "sleep 0.2" },
          ],
          workflows: ["left", "right"].map((id) => ({
            id,
            jobs: [
              { id: "first", component: "free" },
              { id: "call", component: "single", input: { tag: `${id}-\${input.n}` } },
            ],
          })),
        };
      });
      await upForeground(project);
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, n) =>
          startRun(project, { workflow_id: n % 2 ? "left" : "right", input: { n } }),
        ),
      );
      expect(replies.map((r) => r.body.status)).toEqual(Array(6).fill("completed"));
      const lines = readLines(log);
      expect(lines).toHaveLength(12);
      expect(maxOverlap(lines)).toBe(1);
      const tags = new Set(lines.map((l) => l.split(" ")[1]));
      expect([...tags].filter((t) => t.startsWith("left-"))).toHaveLength(3);
      expect([...tags].filter((t) => t.startsWith("right-"))).toHaveLength(3);
    }, 60_000);

    test("a run cancelled while it waits for the component's slot never calls it, and the slot is not lost", async () => {
      let log = "";
      const project = makeProject((dir) => {
        log = path.join(dir, "calls.log");
        return {
          controller: { threaded },
          components: [singleSlot(log, "${input.seconds}")],
          workflows: [
            {
              id: "call",
              jobs: [
                {
                  id: "call",
                  component: "single",
                  input: { tag: "${input.tag}", seconds: "${input.seconds}" },
                },
              ],
            },
          ],
        };
      });
      await upForeground(project);
      const start = async (tag: string, seconds: number) =>
        (await startRun(project, { input: { tag, seconds }, wait_for_completion: false })).body.task_id;
      const holder = await start("holder", 3);
      await waitFor("the holder's call to start", () => readLines(log).length > 0);
      const waiter = await start("waiter", 0.1);
      // The waiter is running, its job waiting for the slot the holder has.
      await waitForTask(project, waiter, ["running"]);
      expect((await request(`${project.api}/tasks/${waiter}/cancel`, { method: "POST" })).status).toBe(202);
      expect((await waitForTask(project, waiter, ["cancelled", "completed", "failed"])).status).toBe(
        "cancelled",
      );
      expect((await waitForTask(project, holder)).status).toBe("completed");
      // The slot went back: a later call gets it.
      const after = await startRun(project, { input: { tag: "after", seconds: 0.1 } });
      expect(after.body.status).toBe("completed");
      const tags = readLines(log)
        .filter((l) => l.startsWith("start "))
        .map((l) => l.split(" ")[1]);
      expect(tags).toEqual(["holder", "after"]);
    }, 60_000);
  });
}

describe("threaded runs waiting on I/O", () => {
  /** Starts `count` runs at once of a job that sleeps `seconds`; the most that overlapped. */
  async function overlapOf(
    controller: Record<string, unknown>,
    count: number,
    seconds: number,
  ): Promise<number> {
    let log = "";
    const project = makeProject((dir) => {
      log = path.join(dir, "runs.log");
      return {
        controller: { threaded: true, ...controller },
        workflows: [
          {
            id: "nap",
            jobs: [{ id: "z", component: "shell", command: loggedSleep(log, "${input.n}", seconds) }],
          },
        ],
      };
    });
    await upForeground(project);
    const replies = await Promise.all(
      Array.from({ length: count }, (_, n) => startRun(project, { input: { n } })),
    );
    expect(replies.map((r) => r.body.status)).toEqual(Array(count).fill("completed"));
    return maxOverlap(readLines(log));
  }

  test("no limit: runs are not capped at the number of worker threads", async () => {
    // Far more runs than this machine has CPUs (and so worker threads).
    const count = Math.max(8, availableParallelism() * 2 + 2);
    expect(await overlapOf({}, count, 2)).toBe(count);
  }, 60_000);

  test("a limit above four threads per CPU is still the limit", async () => {
    const limit = availableParallelism() * 4 + 2;
    expect(await overlapOf({ max_concurrent_count: limit }, limit + 3, 2)).toBe(limit);
  }, 60_000);
});
