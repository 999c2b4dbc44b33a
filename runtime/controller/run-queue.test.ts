import { expect, test } from "bun:test";
import { LocalRunQueue, type QueuedRun, QueueFullError } from "./run-queue.ts";

const run = (id: string): QueuedRun => ({ task_id: id, workflow_id: "wf", input: {} });

test("hands runs out in FIFO order, at most `concurrency` at once", async () => {
  const queue = new LocalRunQueue(2);
  const started: string[] = [];
  const release = new Map<string, () => void>();
  queue.consume(
    (r) =>
      new Promise<void>((resolve) => {
        started.push(r.task_id);
        release.set(r.task_id, resolve);
      }),
  );
  for (const id of ["a", "b", "c", "d"]) await queue.enqueue(run(id));
  expect(started).toEqual(["a", "b"]);
  expect(queue.counts()).toEqual({ waiting: 2, active: 2 });
  expect(await queue.remove("c")).toBe(true);
  expect(await queue.remove("a")).toBe(false);
  release.get("a")!();
  await Bun.sleep(0);
  expect(started).toEqual(["a", "b", "d"]);
});

test("over max_pending_count a run is refused with an error naming the limit", async () => {
  const queue = new LocalRunQueue(1, 1);
  queue.consume(() => new Promise(() => {}));
  await queue.enqueue(run("a"));
  await queue.enqueue(run("b"));
  const error = await queue.enqueue(run("c")).catch((e) => e);
  expect(error).toBeInstanceOf(QueueFullError);
  expect(error.message).toBe(
    "too many runs waiting: the queue holds at most 1 (controller.max_pending_count)",
  );
});

test("close returns the waiting runs and hands out no more", async () => {
  const queue = new LocalRunQueue(1);
  const started: string[] = [];
  let finish!: () => void;
  queue.consume(
    (r) =>
      new Promise<void>((resolve) => {
        started.push(r.task_id);
        finish = resolve;
      }),
  );
  await queue.enqueue(run("a"));
  await queue.enqueue(run("b"));
  expect((await queue.close()).map((r) => r.task_id)).toEqual(["b"]);
  finish();
  await Bun.sleep(0);
  expect(started).toEqual(["a"]);
});

test("tryStart takes a free slot only when no run waits, and giving it back starts the next", async () => {
  const queue = new LocalRunQueue(1);
  const started: string[] = [];
  queue.consume(async (r) => {
    started.push(r.task_id);
  });
  const slot = queue.tryStart()!;
  expect(slot).toBeInstanceOf(Function);
  expect(queue.counts()).toEqual({ waiting: 0, active: 1 });
  // The slot is held: no second one, and a queued run waits for it.
  expect(queue.tryStart()).toBeUndefined();
  await queue.enqueue(run("a"));
  expect(started).toEqual([]);
  slot();
  slot(); // a second call gives back nothing more
  expect(started).toEqual(["a"]);
  await Bun.sleep(0);
  expect(queue.counts()).toEqual({ waiting: 0, active: 0 });
  // A run waiting (nobody consumes yet) goes before a run that would start at once.
  const waiting = new LocalRunQueue(4);
  await waiting.enqueue(run("x"));
  expect(waiting.tryStart()).toBeUndefined();
  const closed = new LocalRunQueue(0);
  await closed.close();
  expect(closed.tryStart()).toBeUndefined();
});
