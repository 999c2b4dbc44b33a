import { expect, test } from "bun:test";
import { MemoryTaskStore } from "./memory.ts";
import { storeCases, task } from "./store-cases.ts";

storeCases("memory", async () => new MemoryTaskStore());

test("memory: keeps the newest finished runs up to its limit, and every unfinished one", async () => {
  const store = new MemoryTaskStore({ historyLimit: 2 });
  const running = task({ status: "running" });
  await store.create(running);
  const done = [task({ status: "completed" }), task({ status: "completed" }), task({ status: "failed" })];
  for (const t of done) await store.create(t);
  expect(await store.get(done[0].task_id)).toBeUndefined();
  expect(await store.get(done[1].task_id)).toBeDefined();
  expect(await store.get(done[2].task_id)).toBeDefined();
  expect(await store.get(running.task_id)).toBeDefined();
});

test("memory: past the output budget the oldest finished runs' outputs become markers", async () => {
  const store = new MemoryTaskStore({ outputBudget: 2500 });
  const big = "x".repeat(1000);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const t = task({
      status: "completed",
      output: big,
      jobs: [{ id: "a", status: "completed", output: big }],
    });
    ids.push(t.task_id);
    await store.create(t);
  }
  // Each run holds ~2004 bytes: only the newest fits.
  const oldest = (await store.get(ids[0]))!;
  expect(oldest.output).toEqual({ $truncated: { bytes: 1002, limit: 2500 }, preview: expect.any(String) });
  expect(oldest.jobs[0].output).toMatchObject({ $truncated: { bytes: 1002 } });
  expect((await store.get(ids[3]))!.output).toBe(big);
});
