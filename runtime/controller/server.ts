/**
 * Assembles and serves the controller: task store, metrics, executor (in-process or
 * threaded), run manager and the hono app, on the runtime's HTTP server (runtime/host/).
 */
import { readFileSync } from "node:fs";
import type { Project } from "../compose/model.ts";
import { ConfigError } from "../errors.ts";
import { type HostServer, serve } from "../host/mod.ts";
import type { Logger } from "../log.ts";
import type { StoreHealth } from "../store/guard.ts";
import { openStore } from "../store/open.ts";
import type { TaskStore } from "../store/task-store.ts";
import { isRunEvent } from "../workflow/events.ts";
import { createApp, taskView } from "./app.ts";
import { CallbackDelivery } from "./callbacks.ts";
import { RunEventLog } from "./event-log.ts";
import { createExecutor } from "./executor.ts";
import { ControllerMetrics } from "./metrics.ts";
import { RunManager } from "./run-manager.ts";
import { within } from "./within.ts";

/** How long a stopping server waits for its open connections before closing them. */
const SERVER_CLOSE_MS = 5000;

export interface RunningController {
  url: string;
  host: string;
  port: number;
  manager: Pick<RunManager, "cancelAll">;
  /** The replay log of run events behind the event streams. */
  events: RunEventLog;
  /** This controller's identity, also on /health: `down` checks it before signalling. */
  instanceId: string;
  /** Drains runs (grace period), then stops serving and releases workers. */
  shutdown(graceMs?: number): Promise<void>;
}

export interface ServeOptions {
  logger: Logger;
  /** A store to use instead of the one `controller.store` names (tests, embedding). */
  store?: TaskStore;
  /** Console level for worker threads' loggers. */
  consoleLevel?: string;
}

export async function startController(project: Project, options: ServeOptions): Promise<RunningController> {
  const { controller } = project;
  if (project.controllerMissingEnv.length) {
    const m = project.controllerMissingEnv[0];
    throw new ConfigError(
      `environment variable ${m.name} is not set (it is needed to start the controller)`,
      m.location,
      m.keyPath,
    );
  }
  if (controller.type === "queue-subscriber") {
    const { startSubscriber } = await import("./queue/subscriber.ts");
    return startSubscriber(project, options);
  }
  const host = controller.host ?? "127.0.0.1";
  // This controller's id: on /health, and recorded on the runs it starts.
  const instanceId = crypto.randomUUID();
  let store: TaskStore;
  let storeHealth: () => StoreHealth;
  if (options.store) {
    store = options.store;
    const driver = store.driver;
    storeHealth = () => ({ driver, available: true });
  } else {
    const guarded = await openStore(controller.store, {
      projectDir: project.projectDir,
      logger: options.logger,
      owner: instanceId,
    });
    store = guarded.store;
    storeHealth = guarded.health;
  }
  const metrics = new ControllerMetrics();
  const executor = await createExecutor(project, options.logger, options.consoleLevel);
  const limits = controller.events;
  const events = new RunEventLog({
    maxLogLines: limits.history_lines,
    keepFinishedRuns: limits.history_runs,
  });
  // controller.queue: runs go to Redis and queue-subscriber workers execute them.
  const side = controller.queue
    ? await (await import("./queue/http-side.ts")).openQueueSide(project, store, metrics, options.logger)
    : undefined;
  const runStore = side?.store ?? store;
  const manager = new RunManager(project, runStore, metrics, executor, options.logger, side?.parts);
  // With a queue, Redis holds the pending runs and a dead worker's run is taken over
  // there; without one, this controller was the only one executing runs of this store.
  if (!side) await manager.recover();
  const retention = startRetention(store, controller.store.retention, options.logger);
  const callbacks = new CallbackDelivery(runStore, manager.bus, metrics, options.logger, {
    secret: controller.callbacks.secret,
    maxAttempts: Math.max(1, controller.callbacks.max_attempts),
    view: taskView,
  });
  // Every engine event on the bus (from this process's runs or a queue's workers)
  // goes into the replay log the event streams read.
  manager.bus.subscribe("*", (message) => {
    if (isRunEvent(message)) events.record(message);
  });
  const app = createApp({
    project,
    manager,
    store: runStore,
    metrics,
    events,
    callbacks,
    dependencies: () => {
      // The store is named only while it is away: a healthy answer stays short.
      const { available, ...store } = storeHealth();
      return {
        ...(available ? {} : { store: { ok: false, ...store } }),
        ...(side ? { queue: side.health() } : {}),
      };
    },
    streamLimits: {
      maxBufferedBytes: limits.subscriber_buffer,
      heartbeatMs: Math.max(100, limits.heartbeat),
      dropGraceMs: Math.max(1000, limits.heartbeat),
    },
    instanceId,
  });
  let server: HostServer;
  try {
    server = serve({
      hostname: host,
      port: controller.port,
      fetch: app.fetch,
      // The app enforces max_body_size itself with a JSON error (read-body.ts) and reads
      // no more than that; the server's own cap would answer first with a bare 413.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      idleTimeoutSeconds: Math.ceil(controller.idle_timeout / 1000),
    });
  } catch (error) {
    clearInterval(retention);
    callbacks.close();
    await manager.drain(0);
    await executor.close();
    await side?.close();
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new ConfigError(
        `cannot listen on ${host}:${controller.port}: the port is already in use (controller.port)${containerPortHint(controller.port)}`,
      );
    }
    throw new ConfigError(`cannot listen on ${host}:${controller.port}: ${(error as Error).message}`);
  }
  const port = server.port;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    manager,
    events,
    instanceId,
    shutdown(graceMs = controller.shutdown_grace_period) {
      stopping ??= (async () => {
        await manager.drain(graceMs);
        // Not stop(true) at once: the replies of runs that just finished (clients
        // waiting for completion) must still go out. Force only what lingers.
        if (!(await within(server.stop(false), SERVER_CLOSE_MS))) await server.stop(true);
        clearInterval(retention);
        callbacks.close();
        await executor.close();
        await side?.close();
        await manager.bus.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

/**
 * Enforces `controller.store.retention` in the background: every `interval`, finished
 * runs older than `max_age` and beyond the newest `max_count` are removed. A failure is
 * logged and tried again next time; requests never wait for it.
 */
function startRetention(
  store: TaskStore,
  rule: { max_age?: number; max_count?: number; interval: number },
  logger: Logger,
): ReturnType<typeof setInterval> | undefined {
  if (rule.max_age === undefined && rule.max_count === undefined) return undefined;
  let busy = false;
  const sweep = async () => {
    if (busy) return;
    busy = true;
    try {
      const removed = await store.prune({
        finishedBefore:
          rule.max_age === undefined ? undefined : new Date(Date.now() - rule.max_age).toISOString(),
        keepNewest: rule.max_count,
      });
      if (removed) logger.debug({ removed }, "retention removed finished runs");
    } catch (error) {
      logger.warn({ err: (error as Error).message }, "retention could not run; trying again later");
    } finally {
      busy = false;
    }
  };
  void sweep();
  const timer = setInterval(sweep, Math.max(10, rule.interval));
  timer.unref?.();
  return timer;
}

/**
 * Inside a container on a user-defined network, Docker's embedded DNS listens on
 * 127.0.0.11 at a random port of the kernel's ephemeral range (32768-60999), and a
 * controller binding 0.0.0.0 to that same port fails. Said only when the kernel's socket
 * table shows that listener on this very port.
 */
function containerPortHint(port: number): string {
  let table: string;
  try {
    table = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return "";
  }
  // Local address column: 127.0.0.11 as little-endian hex, then the port; state 0A = LISTEN.
  const local = `0B00007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const held = table.split("\n").some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === local && fields[3] === "0A";
  });
  return held
    ? `; inside this container Docker's DNS listens on 127.0.0.11:${port}: choose a controller port below 32768`
    : "";
}
