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
