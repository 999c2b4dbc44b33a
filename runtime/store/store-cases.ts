/**
 * The test cases every run store must pass, run against memory, SQLite and PostgreSQL
 * alike (each driver's test file calls `storeCases` with a factory of fresh stores).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ulid } from "../ulid.ts";
import type { TaskRecord } from "./task-record.ts";
import type { CallbackRecord, TaskStore } from "./task-store.ts";

export function task(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    task_id: ulid(),
    workflow_id: "wf",
    status: "pending",
    input: { text: "hello" },
    created_at: new Date().toISOString(),
    jobs: [
      { id: "a", status: "pending" },
      { id: "b", status: "pending" },
    ],
    ...overrides,
  };
}

export function storeCases(name: string, open: () => Promise<TaskStore>): void {
  describe(`run store: ${name}`, () => {
    const opened: TaskStore[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterAll(async () => {
      for (const s of opened) await s.close();
    });

    test("create then get returns the same record; an unknown id is undefined", async () => {
      const store = await fresh();
      const t = task();
      await store.create(t);
      expect(await store.get(t.task_id)).toEqual(t);
      expect(await store.get("nope")).toBeUndefined();
    });

    test("a record handed out, or given, cannot change the stored one", async () => {
      const store = await fresh();
      const t = task({ input: { x: { y: 1 } } });
      await store.create(t);
      (t.input as { x: { y: number } }).x.y = 2;
      t.jobs[0].status = "failed";
      const got = (await store.get(t.task_id))!;
      // A store may hand out a copy, or a frozen record that refuses the change.
      try {
        got.jobs[0].status = "failed";
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
      }
      try {
        (got.input as { x: { y: number } }).x.y = 3;
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
      }
      const again = (await store.get(t.task_id))!;
      expect(again.jobs[0].status).toBe("pending");
      expect(again.input).toEqual({ x: { y: 1 } });
    });

    test("neither a job or patch given to a write nor a record's list handed out can change the stored one", async () => {
      const store = await fresh();
      const t = task({ status: "running" });
      await store.create(t);
      const job = { id: "a", status: "completed" as const, output: { list: [1] } };
      await store.updateJob(t.task_id, job);
      const patch = { output: { list: [1] } };
      await store.transition(t.task_id, ["running"], "completed", patch);
      job.output.list.push(2);
      patch.output.list.push(2);
      const got = (await store.get(t.task_id))!;
      try {
        got.jobs.push({ id: "b", status: "pending" });
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
      }
      try {
        (got.jobs.find((j) => j.id === "a")!.output as { list: number[] }).list.push(3);
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
      }
      const again = (await store.get(t.task_id))!;
      expect(again.jobs.map((j) => j.id)).toEqual(t.jobs.map((j) => j.id));
      expect(again.jobs.find((j) => j.id === "a")!.output).toEqual({ list: [1] });
      expect(again.output).toEqual({ list: [1] });
    });

    test("transition is a compare-and-set: only one of two racing transitions wins", async () => {
      const store = await fresh();
      const t = task({ status: "running" });
      await store.create(t);
      const [finish, cancel] = await Promise.all([
        store.transition(t.task_id, ["running"], "completed", { output: { ok: 1 } }),
        store.transition(t.task_id, ["running"], "cancelled", { error: "cancelled" }),
      ]);
      expect([finish, cancel].filter(Boolean)).toHaveLength(1);
      const final = (await store.get(t.task_id))!;
      expect(["completed", "cancelled"]).toContain(final.status);
      expect(await store.transition(t.task_id, ["running"], "failed")).toBeUndefined();
      expect(await store.transition("unknown", ["running"], "failed")).toBeUndefined();
    });

    test("transition applies its patch and returns the new record", async () => {
      const store = await fresh();
      const t = task();
      await store.create(t);
      const started = new Date().toISOString();
      const r = await store.transition(t.task_id, ["pending"], "running", { started_at: started });
      expect(r).toMatchObject({ status: "running", started_at: started, input: { text: "hello" } });
      const done = await store.transition(t.task_id, ["running"], "completed", {
        output: { text: "ü ✓", n: [1, 2] },
        finished_at: started,
      });
      expect(done?.output).toEqual({ text: "ü ✓", n: [1, 2] });
      expect(await store.get(t.task_id)).toEqual(done);
    });

    test("updateJob writes one job and keeps the others, also when jobs finish at once", async () => {
      const store = await fresh();
      const t = task({ status: "running" });
      await store.create(t);
      await Promise.all([
        store.updateJob(t.task_id, { id: "a", status: "completed", attempts: 1, output: "A" }),
        store.updateJob(t.task_id, { id: "b", status: "failed", attempts: 2, error: "boom" }),
      ]);
      const jobs = (await store.get(t.task_id))!.jobs;
      expect(jobs).toEqual([
        { id: "a", status: "completed", attempts: 1, output: "A" },
        { id: "b", status: "failed", attempts: 2, error: "boom" },
      ]);
      await store.updateJob(t.task_id, { id: "c", status: "running" });
      expect((await store.get(t.task_id))!.jobs.map((j) => j.id)).toEqual(["a", "b", "c"]);
    });

    test("job states written while a run goes on are in every read and in the transitions after them", async () => {
      const store = await fresh();
      const t = task({ status: "running" });
      await store.create(t);
      await store.updateJob(t.task_id, { id: "b", status: "running", attempts: 1 });
      await store.updateJob(t.task_id, { id: "new", status: "running" });
      await store.updateJob(t.task_id, { id: "b", status: "completed", attempts: 1, output: { n: 1 } });
      const listed = (await store.list({ workflow_id: t.workflow_id }, undefined, 100)).tasks.find(
        (x) => x.task_id === t.task_id,
      )!;
      expect(listed.jobs.map((j) => [j.id, j.status])).toEqual([
        ["a", "pending"],
        ["b", "completed"],
        ["new", "running"],
      ]);
      // A transition that does not apply loses none of them; one that does keeps them all.
      expect(await store.transition(t.task_id, ["pending"], "cancelled", {})).toBeUndefined();
      await store.updateJob(t.task_id, { id: "a", status: "completed", attempts: 1 });
      const done = (await store.transition(t.task_id, ["running"], "completed", { output: 1 }))!;
      expect(done.jobs.map((j) => [j.id, j.status])).toEqual([
        ["a", "completed"],
        ["b", "completed"],
        ["new", "running"],
      ]);
      expect(done.jobs[1].output).toEqual({ n: 1 });
      expect((await store.get(t.task_id))!.jobs).toEqual(done.jobs);
    });

    test("a transition's own job states win over the ones written before it", async () => {
      const store = await fresh();
      const t = task({ status: "running" });
      await store.create(t);
      await store.updateJob(t.task_id, { id: "a", status: "running" });
      await store.updateJob(t.task_id, { id: "b", status: "running", attempts: 1 });
      const jobs = [
        { id: "a", status: "completed" as const, output: "A" },
        { id: "b", status: "cancelled" as const, attempts: 1 },
      ];
      const done = (await store.transition(t.task_id, ["running"], "cancelled", { jobs }))!;
      expect(done.jobs).toEqual(jobs);
      expect((await store.get(t.task_id))!.jobs).toEqual(jobs);
    });

    test("list: newest first, filtered, paged with a cursor", async () => {
      const store = await fresh();
      const wf = `wf-${ulid()}`;
      const made: TaskRecord[] = [];
      for (let i = 0; i < 7; i++) {
        const t = task({ workflow_id: wf, status: i % 2 ? "completed" : "failed" });
        made.push(t);
        await store.create(t);
      }
      const newest = made.map((t) => t.task_id).reverse();
      const first = await store.list({ workflow_id: wf }, undefined, 3);
      expect(first.tasks.map((t) => t.task_id)).toEqual(newest.slice(0, 3));
      const second = await store.list({ workflow_id: wf }, first.next_cursor, 3);
      expect(second.tasks.map((t) => t.task_id)).toEqual(newest.slice(3, 6));
      const third = await store.list({ workflow_id: wf }, second.next_cursor, 3);
      expect(third.tasks.map((t) => t.task_id)).toEqual(newest.slice(6));
      expect(third.next_cursor).toBeUndefined();
      const failed = await store.list({ workflow_id: wf, status: ["failed"] }, undefined, 100);
      expect(failed.tasks).toHaveLength(4);
      expect((await store.list({ workflow_id: "none" }, undefined, 10)).tasks).toEqual([]);
    });

    test("prune removes old and surplus finished runs, never unfinished ones", async () => {
      const store = await fresh();
      const old = new Date(Date.now() - 3_600_000).toISOString();
      const oldDone = task({ status: "completed", created_at: old });
      const oldRunning = task({ status: "running", created_at: old });
      await store.create(oldDone);
      await store.create(oldRunning);
      const recent: TaskRecord[] = [];
      for (let i = 0; i < 4; i++) {
        const t = task({ status: i === 3 ? "pending" : "failed" });
        recent.push(t);
        await store.create(t);
      }
      expect(await store.prune({ finishedBefore: new Date(Date.now() - 60_000).toISOString() })).toBe(1);
      expect(await store.get(oldDone.task_id)).toBeUndefined();
      expect(await store.get(oldRunning.task_id)).toBeDefined();
      // Finished now: recent[0..2]; keep the newest 2 of them.
      expect(await store.prune({ keepNewest: 2 })).toBe(1);
      expect(await store.get(recent[0].task_id)).toBeUndefined();
      for (const t of [recent[1], recent[2], recent[3], oldRunning])
        expect(await store.get(t.task_id)).toBeDefined();
      expect(await store.prune({ keepNewest: 2 })).toBe(0);
    });

    test("paging through 1000 runs returns each exactly once", async () => {
      const store = await fresh();
      const wf = `paging-${ulid()}`;
      const ids = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const t = task({ workflow_id: wf, jobs: [], input: i });
        ids.add(t.task_id);
        await store.create(t);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ workflow_id: wf }, cursor, 37);
        seen.push(...page.tasks.map((t) => t.task_id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(1000);
      expect(new Set(seen)).toEqual(ids);
      expect([...seen].sort().reverse()).toEqual(seen);
    }, 120_000);

    test("the outbox hands out pending callbacks of finished runs that are due, up to the limit", async () => {
      const store = await fresh();
      const callback = (taskId: string, more: Partial<CallbackRecord> = {}): CallbackRecord => ({
        task_id: taskId,
        url: "http://127.0.0.1:9/hook",
        headers: {},
        state: "pending",
        attempts: 0,
        ...more,
      });
      const now = new Date().toISOString();
      const later = new Date(Date.now() + 60_000).toISOString();
      const done = [0, 1, 2].map(() => task({ status: "completed" }));
      const running = task({ status: "running" });
      const delivered = task({ status: "completed" });
      const retryLater = task({ status: "failed" });
      for (const t of [...done, running, delivered, retryLater]) await store.create(t);
      for (const t of [...done, running]) await store.putCallback(callback(t.task_id));
      await store.putCallback(callback(delivered.task_id));
      await store.putCallback(
        callback(delivered.task_id, { state: "delivered", attempts: 1, delivered_at: now }),
      );
      await store.putCallback(callback(retryLater.task_id, { attempts: 1, next_attempt_at: later }));
      const ids = (list: CallbackRecord[]) => list.map((c) => c.task_id).sort();
      expect(ids(await store.dueCallbacks(now, 50))).toEqual(done.map((t) => t.task_id).sort());
      expect(await store.dueCallbacks(now, 2)).toHaveLength(2);
      // Due once its time comes; a run that finishes brings its callback with it.
      expect(ids(await store.dueCallbacks(new Date(Date.now() + 120_000).toISOString(), 50))).toContain(
        retryLater.task_id,
      );
      await store.transition(running.task_id, ["running"], "completed", {});
      expect(ids(await store.dueCallbacks(now, 50))).toContain(running.task_id);
      // Delivered or given up: never handed out again.
      await store.putCallback(callback(done[0].task_id, { state: "failed", attempts: 3, last_error: "x" }));
      expect(ids(await store.dueCallbacks(now, 50))).not.toContain(done[0].task_id);
    });

    test("an idempotency key is taken once; the second create returns the holder and creates nothing", async () => {
      const store = await fresh();
      const key = { key: `k-${ulid()}`, hash: "h1" };
      const first = task();
      expect(await store.create(first, key)).toBeUndefined();
      const second = task();
      expect(await store.create(second, { ...key, hash: "h2" })).toEqual({
        task_id: first.task_id,
        hash: "h1",
      });
      expect(await store.get(second.task_id)).toBeUndefined();
      expect(await store.findIdempotencyKey(key.key)).toEqual({ task_id: first.task_id, hash: "h1" });
      expect(await store.findIdempotencyKey("other")).toBeUndefined();
    });
  });
}
