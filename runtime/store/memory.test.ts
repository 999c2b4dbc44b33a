import { expect, test } from "bun:test";
import { MemoryTaskStore } from "./memory.ts";
import { storeCases, task } from "./store-cases.ts";

storeCases("memory", async () => new MemoryTaskStore());

test("memory: keeps the newest finished runs up to its limit, and every unfinished one", async () => {
  const store = new MemoryTaskStore(2);
  const running = task({ status: "running" });
  await store.create(running);
  const done = [task({ status: "completed" }), task({ status: "completed" }), task({ status: "failed" })];
  for (const t of done) await store.create(t);
  expect(await store.get(done[0].task_id)).toBeUndefined();
  expect(await store.get(done[2].task_id)).toBeDefined();
  expect(await store.get(running.task_id)).toBeDefined();
});
