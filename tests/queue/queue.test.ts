// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose texts are full of ${...} bindings
/**
 * The run queue end to end, on the real Redis: an http-server with `controller.queue`
 * and queue-subscriber workers as real `up` processes. Each test has its own queue
 * name and key prefix; tests that stop Redis use a private redis-server.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  cleanup,
  getTask,
  loggedSleep,
  makeProject,
  maxOverlap,
  readLines,
  request,
  runCli,
  startRun,
  upForeground,
  waitFor,
  waitForTask,
} from "../controller/helpers.ts";
import { alive } from "../support/process.ts";
import { readSse } from "../support/sse.ts";
import { countLines, dropClusters, PrivateRedis, startCluster, uniqueQueue } from "./helpers.ts";

afterEach(async () => {
  await cleanup();
  await dropClusters();
});
afterAll(cleanup);

describe("queue: runs execute on workers", () => {
  test("wait_for_completion returns the worker's output; the task says which worker ran it", async () => {
    const cluster = await startCluster();
    const reply = await startRun(cluster.api, {});
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: "completed", output: "done" });
    const task = await getTask(cluster.api, reply.body.task_id);
    expect(task).toMatchObject({ status: "completed", output: "done", attempts: 1 });
    expect(task.worker).toMatch(/:\d+$/);
    expect(task.jobs).toEqual([expect.objectContaining({ id: "work", status: "completed" })]);
    expect(countLines(readLines(cluster.sideEffects)).get(reply.body.task_id)).toBe(1);
  });

  test("a run a worker executes streams its events through the http-server, live and to a late subscriber", async () => {
    const cluster = await startCluster();
    const live = await fetch(`${cluster.api.api}/workflows/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ stream: true }),
    });
    expect(live.headers.get("content-type")).toStartWith("text/event-stream");
    const taskId = live.headers.get("x-task-id")!;
    const { frames, ended } = await readSse(live);
    expect(ended).toBe(true);
    expect(frames.map((f) => Number(f.id))).toEqual(frames.map((_, i) => i + 1));
    expect(frames.map((f) => f.event)).toEqual([
      "run.started",
      "job.started",
      "log",
      "job.finished",
      "run.finished",
    ]);
    expect(frames[2].data).toMatchObject({ job_id: "work", stream: "stdout", text: "done" });
    expect(frames.at(-1)?.data).toMatchObject({ run_id: taskId, status: "completed", output: "done" });
    const late = await readSse(await fetch(`${cluster.api.api}/tasks/${taskId}/events`));
    expect(late.frames).toEqual(frames);
  });

  test("GET /tasks/{id} answers from any controller of the queue, whichever submitted the run", async () => {
    const cluster = await startCluster();
    const other = makeProject({
      ...JSON.parse(JSON.stringify({ workflow: { jobs: [{ id: "work", component: "work" }] } })),
      components: [{ id: "work", type: "shell", command: ["true"] }],
      controller: { type: "http-server", queue: cluster.queue },
    });
    await upForeground(other);
    const { body } = await startRun(cluster.api, { wait_for_completion: false });
    const seen = await waitForTask(other, body.task_id);
    expect(seen).toMatchObject({ task_id: body.task_id, status: "completed", output: "done" });
  });

  test("/health of the http-server and of a worker say the queue is reachable; the worker has queue metrics", async () => {
    const cluster = await startCluster();
    const health = await request(`${cluster.api.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "ok", queue: { driver: "redis", status: "ok" } });
    await startRun(cluster.api, {});
    const worker = cluster.workers[0].project;
    const wh = await request(`${worker.url}/health`);
    expect(wh.body).toMatchObject({ status: "ok", type: "queue-subscriber", workflows: ["default"] });
    const metrics = await request(`${worker.url}/metrics`);
    for (const name of ["active", "completed_total", "failed_total", "stalled_total"])
      expect(metrics.body).toContain(`model_compose_queue_runs_${name}`);
    expect(metrics.body).toMatch(/model_compose_queue_runs_completed_total\{status="completed"\} 1/);
    // A worker on a loopback address answers no other Host and no other site (DNS rebinding).
    const rebound = await request(`${worker.url}/metrics`, { headers: { Host: "evil.example" } });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error).toContain('requests for host "evil.example" are refused');
    const cross = await request(`${worker.url}/health`, { headers: { Origin: "http://evil.example" } });
    expect(cross.status).toBe(403);
  });

  test("the http-server's max_concurrent_count holds across workers; each worker's own limit holds for it", async () => {
    const cluster = await startCluster({
      workers: 2,
      controller: { max_concurrent_count: 3 },
      worker: { max_concurrent_count: 2 },
      doc: (dir) => ({
        components: [
          {
            id: "work",
            type: "shell",
            command: ["sh", "-c", loggedSleep(path.join(dir, "spans.log"), "$RUN", 0.3)],
          },
        ].map((c) => ({ ...c, env: { RUN: "${context.run_id}" } })),
        workflow: { jobs: [{ id: "work", component: "work" }] },
      }),
    });
    const replies = await Promise.all(Array.from({ length: 12 }, () => startRun(cluster.api, {})));
    expect(replies.map((r) => r.body.status)).toEqual(Array(12).fill("completed"));
    const spans = readLines(path.join(path.dirname(cluster.sideEffects), "spans.log"));
    expect(spans.length).toBe(24);
    expect(maxOverlap(spans)).toBe(3);
  });

  test("a worker with controller.workflows takes only those workflows' runs", async () => {
    const cluster = await startCluster({
      workers: 0,
      doc: (dir) => ({
        components: [
          {
            id: "mark",
            type: "shell",
            command: ["sh", "-c", 'echo "$WF" >> "$OUT"'],
            env: { WF: "${context.workflow_id}", OUT: path.join(dir, "runs.log") },
          },
        ],
        workflows: [
          { id: "a", jobs: [{ id: "j", component: "mark" }] },
          { id: "b", jobs: [{ id: "j", component: "mark" }] },
        ],
      }),
    });
    await cluster.addWorker({ workflows: ["b"] });
    const a = await startRun(cluster.api, { workflow_id: "a", wait_for_completion: false });
    const b = await startRun(cluster.api, { workflow_id: "b" });
    expect(b.body.status).toBe("completed");
    await Bun.sleep(500);
    expect((await getTask(cluster.api, a.body.task_id)).status).toBe("pending");
    await cluster.addWorker({ workflows: ["a"] });
    await waitForTask(cluster.api, a.body.task_id, ["completed"]);
    expect(readLines(cluster.sideEffects).sort()).toEqual(["a", "b"]);
  });

  test("the http-server's record follows each job of a run a worker executes, as it happens", async () => {
    const cluster = await startCluster({
      doc: (dir) => ({
        components: [
          { id: "quick", type: "shell", command: ["true"] },
          {
            id: "gate",
            type: "shell",
            command: ["sh", "-c", `while [ ! -f "${path.join(dir, "go")}" ]; do sleep 0.05; done`],
          },
        ],
        workflow: {
          jobs: [
            { id: "first", component: "quick" },
            { id: "held", component: "gate", depends_on: ["first"] },
            { id: "last", component: "quick", depends_on: ["held"] },
          ],
        },
      }),
    });
    const dir = path.dirname(cluster.sideEffects);
    const { body } = await startRun(cluster.api, { wait_for_completion: false });
    const states = (task: { jobs: { id: string; status: string }[] }) =>
      Object.fromEntries(task.jobs.map((j) => [j.id, j.status]));
    const during = await waitFor("the held job to be running", async () => {
      const task = await getTask(cluster.api, body.task_id);
      return states(task).held === "running" && task;
    });
    expect(states(during)).toEqual({ first: "completed", held: "running", last: "pending" });
    writeFileSync(path.join(dir, "go"), "");
    const task = await waitForTask(cluster.api, body.task_id);
    expect(task.status).toBe("completed");
    expect(states(task)).toEqual({ first: "completed", held: "completed", last: "completed" });
  });
});

describe("queue: cancel", () => {
  test("a pending run is removed from the queue and never executes", async () => {
    const cluster = await startCluster({ workers: 0 });
    const { body } = await startRun(cluster.api, { wait_for_completion: false });
    expect((await getTask(cluster.api, body.task_id)).status).toBe("pending");
    const cancel = await request(`${cluster.api.api}/tasks/${body.task_id}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(202);
    expect(await getTask(cluster.api, body.task_id)).toMatchObject({ status: "cancelled" });
    await cluster.addWorker();
    const later = await startRun(cluster.api, {});
    expect(later.body.status).toBe("completed");
    expect([...countLines(readLines(cluster.sideEffects)).keys()]).toEqual([later.body.task_id]);
  });

  test("a running run is cancelled by the worker that runs it, and its processes are killed", async () => {
    const cluster = await startCluster({
      doc: (dir) => ({
        components: [
          {
            id: "long",
            type: "shell",
            command: ["sh", "-c", `sleep 120 & echo $! > "${path.join(dir, "pid")}"; wait`],
          },
        ],
        workflow: { jobs: [{ id: "long", component: "long" }] },
      }),
    });
    const pidFile = path.join(path.dirname(cluster.sideEffects), "pid");
    const { body } = await startRun(cluster.api, { wait_for_completion: false });
    const taskId = body.task_id;
    const pid = await waitFor("the job's process", () =>
      existsSync(pidFile) && readFileSync(pidFile, "utf8").trim()
        ? Number(readFileSync(pidFile, "utf8"))
        : undefined,
    );
    expect(alive(pid)).toBe(true);
    expect((await getTask(cluster.api, taskId)).status).toBe("running");
    const cancel = await request(`${cluster.api.api}/tasks/${taskId}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(202);
    const task = await waitForTask(cluster.api, taskId);
    expect(task).toMatchObject({ status: "cancelled", error: "cancelled by request" });
    expect(task.jobs).toEqual([expect.objectContaining({ id: "long", status: "cancelled" })]);
    await waitFor(`process ${pid} to be gone`, () => !alive(pid), 20_000);
  });
});

describe("queue: Redis unreachable", () => {
  test("new runs get 503 with a JSON error, /health says so, and both sides reconnect by themselves", async () => {
    const redis = new PrivateRedis();
    await redis.start();
    try {
      const cluster = await startCluster({ redisUrl: redis.url });
      expect((await startRun(cluster.api, {})).body.status).toBe("completed");
      await redis.stop();
      const refused = await waitFor("a 503", async () => {
        const r = await startRun(cluster.api, { wait_for_completion: false });
        return r.status === 503 ? r : undefined;
      });
      expect(refused.body.error).toContain(`the run queue (Redis at ${redis.url}) is unavailable`);
      const health = await request(`${cluster.api.url}/health`);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: "unavailable", queue: { status: "unavailable" } });
      const workerHealth = await request(`${cluster.workers[0].project.url}/health`);
      expect(workerHealth.status).toBe(503);
      await redis.start();
      await waitFor(
        "the http-server to be healthy again",
        async () => (await request(`${cluster.api.url}/health`)).status === 200,
      );
      await waitFor(
        "the worker to be healthy again",
        async () => (await request(`${cluster.workers[0].project.url}/health`)).status === 200,
      );
      expect((await startRun(cluster.api, {})).body.status).toBe("completed");
      expect(cluster.controller.proc.exitCode).toBeNull();
      expect(cluster.workers[0].proc.exitCode).toBeNull();
    } finally {
      await redis.dispose();
    }
  });
});

describe("queue: configuration errors", () => {
  const check = async (controller: Record<string, unknown>) => {
    const project = makeProject({
      controller,
      components: [{ id: "c", type: "shell", command: ["true"] }],
      workflows: [{ id: "main", jobs: [{ id: "j", component: "c" }] }],
    });
    return runCli(project, ["config"]);
  };

  test("a queue-subscriber without a queue says what to add", async () => {
    const r = await check({ type: "queue-subscriber" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "controller.type: a queue-subscriber takes runs from a queue: add controller.queue:",
    );
  });

  test("an unknown workflow in controller.workflows is named with a suggestion", async () => {
    const r = await check({ type: "queue-subscriber", queue: uniqueQueue(), workflows: ["mian"] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'controller.workflows[0]: unknown workflow "mian"; did you mean "main"? (workflows: main)',
    );
  });

  test("controller.workflows on an http-server is refused", async () => {
    const r = await check({ type: "http-server", workflows: ["main"] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'controller.workflows chooses what a queue-subscriber takes from the queue; this controller is "http-server"',
    );
  });

  test("a queue URL that is not a Redis URL, and an unknown driver, are named", async () => {
    const r = await check({ queue: { driver: "redis", url: "http://redis:6379" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("controller.queue.url");
    expect(r.stderr).toContain("expected a Redis URL like redis://redis:6379");
    const d = await check({ queue: { driver: "rabbit", url: "redis://redis:6379" } });
    expect(d.stderr).toContain("controller.queue.driver");
    expect(d.stderr).toContain('expected "redis", found the string "rabbit"');
  });
});
