/**
 * The run queue under load and faults, on real processes: one http-server, two
 * queue-subscribers, hundreds of runs. Every run's shell job appends a line with its
 * task id to a file, so a run executed twice shows twice; the store must record each
 * run's final state once.
 */
// biome-ignore-all lint/suspicious/noExplicitAny: task records are untyped JSON replies
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { cleanup, getTask, readLines, request, startRun, waitFor } from "../controller/helpers.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type Cluster, countLines, dropClusters, PrivateRedis, startCluster } from "./helpers.ts";

afterEach(async () => {
  await cleanup();
  await dropClusters();
});
afterAll(cleanup);

/** Submits `n` runs without waiting for them (a few at a time); the task ids. */
async function submit(cluster: Cluster, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, () =>
        startRun(cluster.api, { wait_for_completion: false }),
      ),
    );
    for (const reply of batch) {
      expect(reply.status).toBe(202);
      ids.push(reply.body.task_id);
    }
  }
  return ids;
}

/** Waits until every task is final; their records by id. */
async function settleAll(cluster: Cluster, ids: string[], timeoutMs: number): Promise<Map<string, any>> {
  const done = new Map<string, any>();
  await waitFor(
    `${ids.length} runs to finish`,
    async () => {
      for (const id of ids) {
        if (done.has(id)) continue;
        const task = await getTask(cluster.api, id);
        if (["completed", "failed", "cancelled", "interrupted"].includes(task.status)) done.set(id, task);
      }
      return done.size === ids.length;
    },
    timeoutMs,
    500,
  );
  return done;
}

describe("queue under load, one PostgreSQL store shared by the controller and the workers", () => {
  let db: TestDatabase;
  afterEach(async () => {
    await cleanup();
    await db?.drop();
  });

  const sharedStore = () => ({ driver: "postgres", url: db.url });

  test("500 runs: each recorded completed exactly once in PostgreSQL, one line of side effect each", async () => {
    db = await createTestDatabase("mc_queue");
    const cluster = await startCluster({
      workers: 2,
      controller: { store: sharedStore() },
      worker: { max_concurrent_count: 4, store: sharedStore() },
      sleepSeconds: 0.01,
    });
    const ids = await submit(cluster, 500);
    const tasks = await settleAll(cluster, ids, 240_000);
    expect([...tasks.values()].filter((t) => t.status !== "completed")).toEqual([]);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`SELECT task_id, status, attempts, worker FROM tasks`;
      expect(rows.length).toBe(500);
      expect(new Set(rows.map((r) => r.task_id))).toEqual(new Set(ids));
      expect(rows.every((r) => r.status === "completed" && r.attempts === 1)).toBe(true);
      expect(new Set(rows.map((r) => r.worker)).size).toBe(2);
    } finally {
      await sql.end();
    }
    const lines = countLines(readLines(cluster.sideEffects));
    expect(ids.every((id) => lines.get(id) === 1)).toBe(true);
    expect(lines.size).toBe(500);
  }, 300_000);

  test("SIGKILL of a worker mid-way: every run completes, a run executed again says so in PostgreSQL", async () => {
    db = await createTestDatabase("mc_queue");
    const cluster = await startCluster({
      workers: 2,
      controller: { store: sharedStore() },
      worker: { max_concurrent_count: 4, store: sharedStore() },
      sleepSeconds: 0.2,
      queue: { stall_timeout: "2s" },
    });
    const ids = await submit(cluster, 150);
    await waitFor(
      "a third of the runs to execute",
      () => readLines(cluster.sideEffects).length >= 50,
      120_000,
    );
    cluster.workers[0].proc.kill("SIGKILL");
    await cluster.workers[0].proc.exited;
    const tasks = await settleAll(cluster, ids, 240_000);
    expect([...tasks.values()].filter((t) => t.status !== "completed")).toEqual([]);
    const lines = countLines(readLines(cluster.sideEffects));
    for (const id of ids) {
      expect(lines.get(id) ?? 0).toBeGreaterThanOrEqual(1);
      if ((lines.get(id) ?? 0) > 1) expect(tasks.get(id).attempts).toBeGreaterThan(1);
    }
    expect([...tasks.values()].some((t) => t.attempts > 1)).toBe(true);
  }, 300_000);
});

describe("queue under load", () => {
  test("500 runs over two workers: each completes exactly once, on both workers", async () => {
    const cluster = await startCluster({
      workers: 2,
      worker: { max_concurrent_count: 4 },
      sleepSeconds: 0.01,
    });
    const ids = await submit(cluster, 500);
    const tasks = await settleAll(cluster, ids, 240_000);
    expect([...tasks.values()].filter((t) => t.status !== "completed")).toEqual([]);
    expect(new Set(tasks.keys()).size).toBe(500);
    const lines = countLines(readLines(cluster.sideEffects));
    expect(lines.size).toBe(500);
    expect([...lines.values()].every((n) => n === 1)).toBe(true);
    expect(ids.every((id) => lines.get(id) === 1)).toBe(true);
    expect([...tasks.values()].every((t) => t.attempts === 1)).toBe(true);
    expect(new Set([...tasks.values()].map((t) => t.worker)).size).toBe(2);
  }, 300_000);

  test("SIGKILL of a worker mid-way: its runs are taken over after the stall timeout and every run completes", async () => {
    const cluster = await startCluster({
      workers: 2,
      worker: { max_concurrent_count: 4 },
      sleepSeconds: 0.2,
      queue: { stall_timeout: "2s" },
    });
    const ids = await submit(cluster, 200);
    await waitFor(
      "a third of the runs to execute",
      () => readLines(cluster.sideEffects).length >= 60,
      120_000,
    );
    const victim = cluster.workers[0];
    victim.proc.kill("SIGKILL");
    await victim.proc.exited;
    const tasks = await settleAll(cluster, ids, 240_000);
    expect([...tasks.values()].filter((t) => t.status !== "completed")).toEqual([]);
    const lines = countLines(readLines(cluster.sideEffects));
    // At least once: every run left its line; a run with two lines says so in its attempts.
    expect(ids.every((id) => (lines.get(id) ?? 0) >= 1)).toBe(true);
    for (const id of ids) if ((lines.get(id) ?? 0) > 1) expect(tasks.get(id).attempts).toBeGreaterThan(1);
    const takenOver = [...tasks.values()].filter((t) => t.attempts > 1);
    expect(takenOver.length).toBeGreaterThan(0);
    const survivor = cluster.workers[1].project;
    const metrics = await request(`${survivor.url}/metrics`);
    expect(metrics.body).toMatch(/model_compose_queue_runs_stalled_total [1-9]/);
  }, 300_000);

  test("SIGTERM of a worker under load: its unfinished runs go back to the queue, none is lost or failed", async () => {
    const cluster = await startCluster({
      workers: 2,
      worker: { max_concurrent_count: 3, shutdown_grace_period: "300ms" },
      sleepSeconds: 1,
    });
    const ids = await submit(cluster, 30);
    const victim = cluster.workers[0];
    await waitFor("the first worker to be running runs", async () => {
      const health = await request(`${victim.project.url}/health`);
      return health.body.active >= 2;
    });
    victim.proc.kill("SIGTERM");
    expect(await victim.proc.exited).toBe(0);
    expect(victim.log()).toContain("handing the remaining runs back to the queue");
    const tasks = await settleAll(cluster, ids, 120_000);
    expect([...tasks.values()].filter((t) => t.status !== "completed")).toEqual([]);
    const handedBack = [...tasks.values()].filter((t) => t.attempts > 1);
    expect(handedBack.length).toBeGreaterThan(0);
    const lines = countLines(readLines(cluster.sideEffects));
    expect(ids.every((id) => (lines.get(id) ?? 0) >= 1)).toBe(true);
  }, 180_000);

  test("Redis stopped and started again mid-load: no crash, every accepted run completes", async () => {
    const redis = new PrivateRedis();
    await redis.start();
    try {
      const cluster = await startCluster({
        redisUrl: redis.url,
        workers: 2,
        worker: { max_concurrent_count: 4 },
        sleepSeconds: 0.1,
        queue: { stall_timeout: "3s" },
      });
      const ids = await submit(cluster, 120);
      await waitFor("some runs to execute", () => readLines(cluster.sideEffects).length >= 20, 60_000);
      await redis.stop();
      const refused = await startRun(cluster.api, { wait_for_completion: false });
      expect(refused.status).toBe(503);
      await Bun.sleep(1500);
      await redis.start();
      const tasks = await settleAll(cluster, ids, 240_000);
      expect([...tasks.values()].filter((t) => t.status !== "completed")).toEqual([]);
      const lines = countLines(readLines(cluster.sideEffects));
      expect(ids.every((id) => (lines.get(id) ?? 0) >= 1)).toBe(true);
      for (const p of [cluster.controller, ...cluster.workers]) expect(p.proc.exitCode).toBeNull();
    } finally {
      await redis.dispose();
    }
  }, 300_000);
});
