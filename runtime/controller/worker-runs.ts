/**
 * The worker-thread side of `threaded: true`. Each worker loads the compose file and
 * its plugins once, then runs workflows sent by the main thread, several at a time (a
 * run waiting on I/O must not hold a whole thread). A MessagePort per run carries
 * cancellation in, the run's events (events.ts) out, and component gate requests (so a component's
 * `max_concurrent_count` holds across all threads); the messages are in
 * worker-protocol.ts. The thread's entry (worker.ts beside cli.ts) passes the plugins in.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import Tinypool from "tinypool";
import { secretValues } from "../compose/env.ts";
import { loadProject } from "../compose/load.ts";
import type { ComponentModel, Project } from "../compose/model.ts";
import type { Composition } from "../composition.ts";
import { CancelledError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { ComponentHost, type Gate } from "../workflow/component-host.ts";
import type { RunEvent } from "../workflow/events.ts";
import { runWorkflow } from "../workflow/run-workflow.ts";
import {
  type ControllerMessage,
  type TypedPort,
  typedPort,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
  type WorkerTask,
} from "./worker-protocol.ts";

type RunPort = TypedPort<WorkerMessage, ControllerMessage>;

let gateSeq = 0;

/** A gate whose slots the main thread hands out over the run's port. */
function remoteGate(model: ComponentModel, current: () => RunPort): Gate {
  return {
    async with(fn, signal) {
      if (model.maxConcurrent === 0) return fn();
      const port = current();
      const id = ++gateSeq;
      await new Promise<void>((resolve, reject) => {
        const off = port.on((m) => {
          if (m.type === "cancel" || m.id !== id) return;
          off();
          if (m.type === "gate-granted") resolve();
          else reject(new CancelledError());
        });
        signal?.addEventListener("abort", () => reject(new CancelledError()), { once: true });
        port.post({ type: "gate-acquire", id, component: model.id });
      });
      try {
        return await fn();
      } finally {
        port.post({ type: "gate-release", id, component: model.id });
      }
    },
  };
}

/** The port of the run a component call belongs to: runs share the worker and its components. */
const runPort = new AsyncLocalStorage<RunPort>();

function currentPort(): RunPort {
  const port = runPort.getStore();
  if (!port) throw new Error("a component gate was used outside of a run");
  return port;
}

/** The function a worker thread exports: loads the project once, then runs what it is sent. */
export function workerRunner(composition: Composition): (task: WorkerTask) => Promise<WorkerReply> {
  let loaded: Promise<{ project: Project; logger: Logger }> | undefined;
  let host: ComponentHost | undefined;
  return async (task) => {
    loaded ??= (async () => {
      const setup = Tinypool.workerData as WorkerSetup;
      const project = await loadProject({
        ...setup.load,
        registry: composition.registry(),
        workerEntry: composition.workerEntry,
      });
      const logger = createLogger({
        loggers: project.loggers,
        defaultConsoleLevel: setup.consoleLevel ?? "info",
        secrets: secretValues(project.env),
      });
      return { project, logger };
    })();
    const { project, logger } = await loaded;
    host ??= new ComponentHost(project.projectDir, logger, (model) => remoteGate(model, currentPort));
    const { request } = task;
    if (!request || !task.port) return { ok: true, output: null, jobs: [] };
    const port: RunPort = typedPort(task.port);
    const abort = new AbortController();
    port.on((m) => {
      if (m.type === "cancel") abort.abort(new CancelledError());
    });
    const events = new EventBatch((batch) => port.post({ type: "events", events: batch }));
    try {
      const result = await runPort.run(port, () =>
        runWorkflow(project, request.workflowId, request.input, {
          runId: request.runId,
          signal: abort.signal,
          logger,
          host,
          onEvent: (event) => events.add(event),
        }),
      );
      return { ok: true, output: result.output, jobs: result.jobs };
    } catch (error) {
      return {
        ok: false,
        cancelled: error instanceof CancelledError || abort.signal.aborted,
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      // Before the reply: the main thread waits for run.finished to come in.
      events.flush();
      port.close();
    }
  };
}

/** A run's events of one turn of the event loop, sent together at its end (or at `flush`). */
class EventBatch {
  private pending: RunEvent[] = [];
  private scheduled = false;

  constructor(private readonly send: (events: RunEvent[]) => void) {}

  add(event: RunEvent): void {
    this.pending.push(event);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.send(batch);
  }
}
