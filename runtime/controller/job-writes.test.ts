import { expect, test } from "bun:test";
import type { JobRecord } from "../store/task-record.ts";
import { JobWrites } from "./job-writes.ts";

const job = (id: string, status: JobRecord["status"]): JobRecord => ({ id, status });
const turn = () => new Promise((resolve) => setImmediate(resolve));

test("the states of one turn are written once each, newest only, a turn later", async () => {
  const written: string[] = [];
  const writes = new JobWrites(async (j) => {
    written.push(`${j.id}:${j.status}`);
  });
  writes.add(job("a", "running"));
  writes.add(job("b", "running"));
  writes.add(job("a", "completed"));
  expect(written).toEqual([]);
  await turn();
  await turn();
  expect(written).toEqual(["a:completed", "b:running"]);
});

test("states that come while a write is in progress go in the next round, in order", async () => {
  const written: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const writes = new JobWrites(async (j) => {
    if (written.length === 0) await gate;
    written.push(`${j.id}:${j.status}`);
  });
  writes.add(job("a", "running"));
  await turn();
  writes.add(job("a", "completed"));
  release();
  for (let i = 0; i < 5; i++) await turn();
  expect(written).toEqual(["a:running", "a:completed"]);
});

test("stop drops what is not written yet and waits for the write in progress", async () => {
  const written: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const writes = new JobWrites(async (j) => {
    await gate;
    written.push(`${j.id}:${j.status}`);
  });
  writes.add(job("a", "running"));
  await turn();
  writes.add(job("b", "running"));
  let stopped = false;
  const stopping = writes.stop().then(() => {
    stopped = true;
  });
  await turn();
  expect(stopped).toBe(false);
  release();
  await stopping;
  expect(written).toEqual(["a:running"]);
  writes.add(job("c", "running"));
  for (let i = 0; i < 3; i++) await turn();
  expect(written).toEqual(["a:running"]);
});

test("a quick run's states, stopped within the turn, are never written", async () => {
  const written: string[] = [];
  const writes = new JobWrites(async (j) => {
    written.push(j.id);
  });
  writes.add(job("a", "running"));
  writes.add(job("a", "completed"));
  await writes.stop();
  await turn();
  await turn();
  expect(written).toEqual([]);
});

test("stopping before the round's turn waits for nothing: the run settles without a turn more", async () => {
  const writes = new JobWrites(async () => {});
  writes.add(job("a", "completed"));
  let stopped = false;
  const stopping = writes.stop().then(() => {
    stopped = true;
  });
  // A few microtasks, no turn of the event loop.
  for (let i = 0; i < 3; i++) await Promise.resolve();
  expect(stopped).toBe(true);
  await stopping;
});

test("several runs' states of one turn are all written the turn after; a stopped run's are not", async () => {
  const written: string[] = [];
  const runs = ["r1", "r2", "r3"].map(
    (run) =>
      new JobWrites(async (j) => {
        written.push(`${run}/${j.id}:${j.status}`);
      }),
  );
  runs[0].add(job("a", "running"));
  runs[1].add(job("a", "running"));
  runs[2].add(job("a", "running"));
  runs[1].add(job("b", "running"));
  await runs[2].stop();
  await turn();
  await turn();
  expect(written.sort()).toEqual(["r1/a:running", "r2/a:running", "r2/b:running"]);
  // The next turn's states go in the next round, for each run on its own.
  runs[0].add(job("a", "completed"));
  await turn();
  await turn();
  expect(written.at(-1)).toBe("r1/a:completed");
});

test("a state added just as a round's last write ends is still written", async () => {
  // The add comes some microtasks after the write: one of these lands between the end of
  // the round's loop and the round being marked done.
  for (let depth = 0; depth < 8; depth++) {
    const written: string[] = [];
    const later = (n: number, then: () => void): void =>
      n === 0 ? then() : queueMicrotask(() => later(n - 1, then));
    const writes = new JobWrites(async (j) => {
      written.push(`${j.id}:${j.status}`);
      if (j.status === "running") later(depth, () => writes.add(job("a", "completed")));
    });
    writes.add(job("a", "running"));
    for (let i = 0; i < 4; i++) await turn();
    expect({ depth, written }).toEqual({ depth, written: ["a:running", "a:completed"] });
  }
});
