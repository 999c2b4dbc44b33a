/**
 * What `controller.queue` changes in an http-server: its RunQueue is Redis (runs go to
 * the workers instead of executing here), its bus reaches the workers, its store
 * follows the queue (queue-mirror.ts) and reads other controllers' runs from Redis,
 * and its `max_concurrent_count` is set as the cluster's limit.
 */
import type { Project } from "../../compose/model.ts";
import type { Logger } from "../../log.ts";
import type { TaskStore } from "../../store/task-store.ts";
import type { ControllerMetrics } from "../metrics.ts";
import type { RunManagerParts } from "../run-manager.ts";
import { QueueMirror } from "./queue-mirror.ts";
import { ReadThroughStore } from "./read-through-store.ts";
import { loadQueueLibs, redactedUrl } from "./redis.ts";
import { RedisRunBus } from "./redis-run-bus.ts";
import { RedisRunQueue } from "./redis-run-queue.ts";

/** How long start-up waits for Redis before serving anyway (health then says unavailable). */
const START_WAIT_MS = 5000;

export interface QueueSide {
  parts: Required<RunManagerParts>;
  store: TaskStore;
  health(): { ok: boolean; [detail: string]: unknown };
  close(): Promise<void>;
}

export async function openQueueSide(
  project: Project,
  store: TaskStore,
  metrics: ControllerMetrics,
  logger: Logger,
): Promise<QueueSide> {
  const config = project.controller.queue!;
  const libs = await loadQueueLibs(config);
  const queue = new RedisRunQueue(libs, config, project.workflows.keys(), logger);
  const publisher = libs.connect("bus", false);
  const subscriber = libs.connect("bus-subscriber", true);
  for (const c of [publisher, subscriber]) c.on("error", () => {});
  const bus = new RedisRunBus(config, publisher, subscriber, logger);
  const mirror = new QueueMirror(libs, config, project, queue, store, bus, metrics, logger);
  mirror.start();
  const limit = project.controller.max_concurrent_count;
  // Set where runs are admitted, read by every worker; again after each reconnect.
  const applyLimit = () =>
    queue.setClusterLimit(limit).catch((error: Error) => {
      logger.warn({ err: error.message }, "cannot set the cluster's max_concurrent_count yet");
    });
  queue.onReady = applyLimit;
  if (!(await queue.ready(START_WAIT_MS)))
    logger.warn(
      { url: redactedUrl(config.url), waited_ms: START_WAIT_MS },
      "run queue unavailable at start; serving, new runs get 503 until it answers",
    );
  return {
    parts: { queue, bus },
    store: new ReadThroughStore(store, (id) => mirror.lookUp(id), `Redis at ${redactedUrl(config.url)}`),
    health: () => queue.health(),
    async close() {
      await mirror.stop();
      await queue.dispose();
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
