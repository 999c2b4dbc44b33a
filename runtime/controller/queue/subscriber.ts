/**
 * `controller.type: queue-subscriber`: a worker of the run queue. It takes runs of its
 * workflows from Redis (at most its own `max_concurrent_count` at once) and executes
 * them as an http-server does (execution.ts: the store gets every state, the bus every
 * event, and cancel requests from any controller arrive on it); the job's result is
 * the run's final record. It serves /health and /metrics on its port.
 *
 * At-least-once: the worker holds a lock on each run, renewed at half the stall
 * timeout. A worker that dies stops renewing; after the stall timeout another worker's
 * stall check puts the run back and it executes again, its `attempts` one higher.
 * SIGTERM: no new runs; running ones get the grace period, then go back to the queue
 * (their processes stopped, nothing recorded as failed).
 */
import { hostname } from "node:os";
import { Hono } from "hono";
import type { Project } from "../../compose/model.ts";
import { ConfigError } from "../../errors.ts";
import { type HostServer, serve } from "../../host/mod.ts";
import type { Logger } from "../../log.ts";
import { openStore } from "../../store/open.ts";
import { isFinished } from "../../store/task-record.ts";
import type { TaskStore } from "../../store/task-store.ts";
import { isRunEvent } from "../../workflow/events.ts";
import { RunEventLog } from "../event-log.ts";
import { Execution } from "../execution.ts";
import { createExecutor } from "../executor.ts";
import { hostCheck } from "../host-check.ts";
import { ControllerMetrics } from "../metrics.ts";
import { originCheck, originList } from "../origin-check.ts";
import type { TaskSettled } from "../run-bus.ts";
import { within } from "../within.ts";
import { QueueMetrics } from "./queue-metrics.ts";
import { loadQueueLibs, redactedUrl } from "./redis.ts";
import { RedisRunBus } from "./redis-run-bus.ts";
import { type QueuedJob, RedisRunQueue } from "./redis-run-queue.ts";

export interface RunningSubscriber {
  url: string;
  host: string;
  port: number;
  manager: { cancelAll(reason: string): Promise<void> };
  /** Reported on /health, so `down` can tell this worker from another process. */
  instanceId: string;
  /** The events of the runs this worker executes (the http-servers stream them). */
  events: RunEventLog;
  shutdown(graceMs?: number): Promise<void>;
}

export interface SubscriberOptions {
  logger: Logger;
  store?: TaskStore;
  consoleLevel?: string;
}

export async function startSubscriber(
  project: Project,
  options: SubscriberOptions,
): Promise<RunningSubscriber> {
  const { controller } = project;
  const config = controller.queue!;
  const logger = options.logger;
  if (project.controllerMissingEnv.length) {
    const m = project.controllerMissingEnv[0];
    throw new ConfigError(`environment variable ${m.name} is not set (used at ${m.where})`);
  }
  const workerName = `${hostname()}:${process.pid}`;
  const workflows = controller.workflows ?? [...project.workflows.keys()];
  const instanceId = crypto.randomUUID();
  // controller.store: PostgreSQL shares the runs with the http-servers; SQLite or memory
  // keep this worker's own record of what it executed.
  const guarded = options.store
    ? undefined
    : await openStore(controller.store, { projectDir: project.projectDir, logger, owner: instanceId });
  const store = options.store ?? guarded!.store;
  const metrics = new ControllerMetrics();
  const executor = await createExecutor(project, logger, options.consoleLevel);
  let execution: Execution | undefined;
  const queueMetrics = new QueueMetrics(metrics.registry, () => execution?.running ?? 0);
  const libs = await loadQueueLibs(config);
  const publisher = libs.connect("bus", false);
  const subscriber = libs.connect("bus-subscriber", true);
  for (const c of [publisher, subscriber]) c.on("error", () => {});
  const bus = new RedisRunBus(config, publisher, subscriber, logger);
  const queue = new RedisRunQueue(libs, config, workflows, logger, {
    workflows,
    concurrency: controller.max_concurrent_count,
    prepare: (run, attempt) =>
      prepare(store, project, run, attempt, workerName).then(() => metrics.runsWaiting.inc()),
    async result(taskId) {
      const task = await store.get(taskId);
      return task && isFinished(task.status) ? { ...task, worker: workerName } : undefined;
    },
    onStalled(taskId) {
      queueMetrics.stalled.inc();
      logger.warn(
        { task_id: taskId },
        "run stalled (its worker stopped answering); it goes back to the queue",
      );
    },
    onError(error, what) {
      logger.debug({ err: error.message, what }, "run queue");
    },
  });
  execution = new Execution(project, store, bus, metrics, executor, logger);
  const events = new RunEventLog({
    maxLogLines: controller.events.history_lines,
    keepFinishedRuns: controller.events.history_runs,
  });
  const unsubscribe = bus.subscribe("*", (message) => {
    if (isRunEvent(message)) events.record(message);
    if (message.type !== "task.settled") return;
    const { status } = message as TaskSettled;
    (status === "completed" ? queueMetrics.completed : queueMetrics.failed).inc({ status });
  });

  let stopping = false;
  const host = controller.host ?? "127.0.0.1";
  const app = new Hono();
  // The controller API's guards apply to a worker's /health and /metrics too.
  const guard = hostCheck({ boundHost: host, allowedHosts: controller.allowed_hosts });
  if (guard) app.use("*", guard);
  app.use("*", originCheck(originList(controller.origins)));
  const health = (c: import("hono").Context) => {
    const { ok, ...detail } = queue.health();
    const storeHealth = guarded?.health();
    const storeOk = storeHealth?.available ?? true;
    const status = stopping ? "shutting_down" : ok && storeOk ? "ok" : "unavailable";
    return c.json(
      {
        status,
        instance_id: instanceId,
        type: "queue-subscriber",
        worker: workerName,
        workflows,
        active: execution.running,
        queue: detail,
        ...(storeOk ? {} : { store: storeHealth }),
      },
      status === "ok" ? 200 : 503,
    );
  };
  app.get("/health", health);
  app.get(`${controller.base_path.replace(/\/+$/, "")}/health`, health);
  app.get("/metrics", async (c) =>
    c.body(await metrics.render(), 200, { "Content-Type": metrics.contentType }),
  );
  app.notFound((c) =>
    c.json(
      { error: `no route ${c.req.method} ${c.req.path} (a queue-subscriber serves /health and /metrics)` },
      404,
    ),
  );
  let server: HostServer;
  try {
    server = serve({
      hostname: host,
      port: controller.port,
      fetch: app.fetch,
      idleTimeoutSeconds: Math.ceil(controller.idle_timeout / 1000),
    });
  } catch (error) {
    await queue.dispose();
    publisher.disconnect();
    subscriber.disconnect();
    await executor.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "EADDRINUSE"
        ? `cannot listen on ${host}:${controller.port}: the port is already in use (controller.port)`
        : `cannot listen on ${host}:${controller.port}: ${(error as Error).message}`,
    );
  }
  if (!(await queue.ready(5000)))
    logger.warn(
      { url: redactedUrl(config.url) },
      "run queue unavailable at start; taking runs once it answers",
    );
  execution.start(queue);

  let done: Promise<void> | undefined;
  return {
    url: `http://${host}:${server.port}`,
    host,
    port: server.port,
    instanceId,
    events,
    manager: {
      async cancelAll(reason) {
        execution.handBackAll(reason);
      },
    },
    shutdown(graceMs = controller.shutdown_grace_period) {
      done ??= (async () => {
        stopping = true;
        // close() stops taking runs at once and resolves when the running ones are done.
        const closed = queue.close();
        if (execution.running)
          logger.info({ runs: execution.running, grace_ms: graceMs }, "waiting for runs to finish");
        if (!(await within(closed, graceMs))) {
          logger.warn(
            { runs: execution.running },
            "grace period over; handing the remaining runs back to the queue",
          );
          execution.handBackAll("worker shutting down");
          await closed;
        }
        await execution.settled();
        unsubscribe();
        await server.stop(true);
        await queue.dispose();
        await bus.close();
        publisher.disconnect();
        subscriber.disconnect();
        await executor.close();
        await store.close();
      })();
      return done;
    },
  };
}

/**
 * Makes the run's record ready for execution: created when this store has never seen
 * it (a store of its own), or back to pending when a worker that died left it running
 * (a shared store), with the attempt and this worker noted.
 */
async function prepare(
  store: TaskStore,
  project: Project,
  run: QueuedJob,
  attempt: number,
  worker: string,
): Promise<void> {
  const pendingJobs = (project.workflows.get(run.workflow_id)?.jobs ?? []).map((j) => ({
    id: j.id,
    status: "pending" as const,
  }));
  const existing = await store.get(run.task_id);
  if (!existing) {
    await store.create({
      task_id: run.task_id,
      workflow_id: run.workflow_id,
      status: "pending",
      input: run.input,
      created_at: run.created_at,
      jobs: pendingJobs,
      attempts: attempt,
      worker,
    });
  } else if (existing.status === "running") {
    await store.transition(run.task_id, ["running"], "pending", {
      started_at: undefined,
      jobs: pendingJobs,
      attempts: attempt,
      worker,
    });
  } else if (existing.status === "pending") {
    await store.transition(run.task_id, ["pending"], "pending", { attempts: attempt, worker });
  }
}
