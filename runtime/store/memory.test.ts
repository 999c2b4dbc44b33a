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

test("memory: a run forgotten (past the limit, or pruned) frees its idempotency key, and only its own", async () => {
  const store = new MemoryTaskStore({ historyLimit: 2 });
  const runs = [0, 1, 2].map(() => task({ status: "completed" }));
  for (const [i, t] of runs.entries()) await store.create(t, { key: `k${i}`, hash: `h${i}` });
  // The first run is gone with its key: the key starts a new run.
  expect(await store.findIdempotencyKey("k0")).toBeUndefined();
  const again = task({ status: "pending" });
  expect(await store.create(again, { key: "k0", hash: "h" })).toBeUndefined();
  expect(await store.findIdempotencyKey("k0")).toEqual({ task_id: again.task_id, hash: "h" });
  expect(await store.findIdempotencyKey("k1")).toEqual({ task_id: runs[1].task_id, hash: "h1" });
  expect(await store.findIdempotencyKey("k2")).toEqual({ task_id: runs[2].task_id, hash: "h2" });
  expect(await store.prune({ keepNewest: 1 })).toBe(1);
  expect(await store.findIdempotencyKey("k1")).toBeUndefined();
  expect(await store.findIdempotencyKey("k2")).toEqual({ task_id: runs[2].task_id, hash: "h2" });
  expect(await store.findIdempotencyKey("k0")).toEqual({ task_id: again.task_id, hash: "h" });
});

test("memory: the output budget shortens each run once, oldest first, and gives back what it held", async () => {
  // Each run holds ~2004 bytes; the budget fits two.
  const store = new MemoryTaskStore({ outputBudget: 4500 });
  const big = "x".repeat(1000);
  const bigRun = () =>
    task({ status: "completed", output: big, jobs: [{ id: "a", status: "completed", output: big }] });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const t = bigRun();
    ids.push(t.task_id);
    await store.create(t);
    // Always the newest two whole, every older one shortened.
    for (const [j, id] of ids.entries()) {
      const whole = j >= ids.length - 2;
      expect(((await store.get(id))!.output === big) === whole).toBe(true);
    }
  }
  // Forgetting a whole run gives its bytes back: the next one fits beside the newest.
  expect(await store.prune({ keepNewest: 1 })).toBe(5);
  const next = bigRun();
  await store.create(next);
  expect((await store.get(ids[5]))!.output).toBe(big);
  expect((await store.get(next.task_id))!.output).toBe(big);
});

test("memory: a finished run's output is serialised once for max_value_size and the output budget", async () => {
  const store = new MemoryTaskStore({ outputBudget: 10_000, maxValueSize: 1000 });
  const t = task({ status: "running" });
  await store.create(t);
  const output = { text: "é".repeat(300) }; // 600 bytes of UTF-8 in 300 characters
  const stringify = JSON.stringify;
  let calls = 0;
  JSON.stringify = ((...args: Parameters<typeof stringify>) => {
    calls++;
    return stringify(...args);
  }) as typeof stringify;
  try {
    await store.transition(t.task_id, ["running"], "completed", {
      output,
      jobs: [{ id: "a", status: "completed", output }],
    });
  } finally {
    JSON.stringify = stringify;
  }
  expect(calls).toBe(1);
  // Counted in bytes (611 each, not 311 characters), the run's output and its job's.
  const bytes = (store as unknown as { keptBytes: number }).keptBytes;
  expect(bytes).toBe(2 * new TextEncoder().encode(stringify(output)).length);
});
