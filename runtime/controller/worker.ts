/**
 * The worker-thread side of `threaded: true`. Each worker loads the compose file and
 * its plugins once, then runs workflows sent by the main thread, several at a time (a
 * run waiting on I/O must not hold a whole thread). A MessagePort per run carries
 * cancellation in, the run's events (events.ts) out, and component gate requests (so a component's
 * `max_concurrent_count` holds across all threads).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MessagePort } from "node:worker_threads";
import { secretValues } from "../compose/env.ts";
import { type LoadOptions, loadProject } from "../compose/load.ts";
import type { ComponentModel, Project } from "../compose/model.ts";
import { CancelledError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { ComponentHost, type Gate } from "../workflow/component-host.ts";
import { runWorkflow } from "../workflow/run-workflow.ts";
import type { RunRequest } from "./executor.ts";

export interface WorkerTask {
  load: LoadOptions & { env: Record<string, string> };
  consoleLevel?: string;
  /** Absent for a warm-up task, which only loads the project. */
  request?: RunRequest;
  port?: MessagePort;
}

export type WorkerReply =
  | { ok: true; output: unknown; jobs: import("../workflow/run-state.ts").JobState[] }
  | { ok: false; cancelled: boolean; error: string };

let loaded: Promise<{ project: Project; logger: Logger }> | undefined;
let gateSeq = 0;

/** A gate whose slots the main thread hands out over the run's port. */
function remoteGate(model: ComponentModel, current: () => MessagePort): Gate {
  return {
    async with(fn, signal) {
      if (model.maxConcurrent === 0) return fn();
      const port = current();
      const id = ++gateSeq;
      await new Promise<void>((resolve, reject) => {
        const onMessage = (m: { type: string; id: number }) => {
          if (m.id !== id) return;
          port.off("message", onMessage);
          if (m.type === "gate-granted") resolve();
          else reject(new CancelledError());
        };
        port.on("message", onMessage);
        signal?.addEventListener("abort", () => reject(new CancelledError()), { once: true });
        port.postMessage({ type: "gate-acquire", id, component: model.id });
      });
      try {
        return await fn();
      } finally {
        port.postMessage({ type: "gate-release", id, component: model.id });
      }
    },
  };
}

/** The port of the run a component call belongs to: runs share the worker and its components. */
const runPort = new AsyncLocalStorage<MessagePort>();
let host: ComponentHost | undefined;

function currentPort(): MessagePort {
  const port = runPort.getStore();
  if (!port) throw new Error("a component gate was used outside of a run");
  return port;
}

export default async function runInWorker(task: WorkerTask): Promise<WorkerReply> {
  loaded ??= (async () => {
    const project = await loadProject(task.load);
    const logger = createLogger({
      loggers: project.loggers,
      defaultConsoleLevel: task.consoleLevel ?? "info",
      secrets: secretValues(project.env),
    });
    return { project, logger };
  })();
  const { project, logger } = await loaded;
  host ??= new ComponentHost(project.projectDir, logger, (model) => remoteGate(model, currentPort));
  const { request, port } = task;
  if (!request || !port) return { ok: true, output: null, jobs: [] };
  const abort = new AbortController();
  port.on("message", (m: { type: string }) => {
    if (m.type === "cancel") abort.abort(new CancelledError());
  });
  try {
    const result = await runPort.run(port, () =>
      runWorkflow(project, request.workflowId, request.input, {
        runId: request.runId,
        signal: abort.signal,
        logger,
        host,
        onEvent: (event) => port.postMessage({ type: "event", event }),
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
    port.close();
  }
}
