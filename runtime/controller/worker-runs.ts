/**
 * The worker-thread side of `threaded: true`. Each worker loads the compose file and
 * its plugins once, then runs the workflows that come on its lane (worker-protocol.ts),
 * several at a time (a run waiting on I/O must not hold a whole thread). The lane
 * carries runs and cancellations in, and each run's events and reply out, and the
 * component gate requests by which a component's `max_concurrent_count` holds across
 * all threads. The thread's entry (worker.ts beside cli.ts) passes the plugins in.
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
import { runWorkflow } from "../workflow/run-workflow.ts";
import {
  type ControllerMessage,
  LanePort,
  type RunRequest,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
  type WorkerTask,
} from "./worker-protocol.ts";

type Lane = LanePort<WorkerMessage, ControllerMessage>;

interface Loaded {
  project: Project;
  logger: Logger;
  host: ComponentHost;
}

/** The function a worker thread exports: serves the lane it is given until it is closed. */
export function workerRunner(composition: Composition): (task: WorkerTask) => Promise<void> {
  return (task) => new LaneServer(composition, new LanePort(task.port)).served;
}

class LaneServer {
  /** Settles when the controller closes the lane. */
  readonly served: Promise<void>;
  private readonly runs = new Map<string, AbortController>();
  /** Gate requests waiting for the controller's answer (granted or not), by id. */
  private readonly gateWaits = new Map<number, (granted: boolean) => void>();
  private gateSeq = 0;
  /** The run a component call belongs to: runs share the worker and its components. */
  private readonly currentRun = new AsyncLocalStorage<string>();
  private readonly loaded: Promise<Loaded>;

  constructor(
    composition: Composition,
    private readonly lane: Lane,
  ) {
    this.loaded = this.load(composition);
    // A load error is each run's reply; here it only has to be observed.
    this.loaded.catch(() => {});
    this.served = new Promise((resolve) => {
      lane.on((m) => {
        switch (m.type) {
          case "run":
            this.start(m.request);
            break;
          case "cancel":
            this.runs.get(m.runId)?.abort(new CancelledError());
            break;
          case "gate-granted":
          case "gate-denied":
            this.gateWaits.get(m.id)?.(m.type === "gate-granted");
            this.gateWaits.delete(m.id);
            break;
          case "close":
            for (const run of this.runs.values()) run.abort(new CancelledError("the controller is closing"));
            lane.close();
            resolve();
            break;
        }
      });
    });
  }

  private async load(composition: Composition): Promise<Loaded> {
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
    const host = new ComponentHost(project.projectDir, logger, (model) => this.remoteGate(model));
    return { project, logger, host };
  }

  private async start(request: RunRequest): Promise<void> {
    const abort = new AbortController();
    this.runs.set(request.runId, abort);
    let reply: WorkerReply;
    try {
      const { project, logger, host } = await this.loaded;
      await this.currentRun.run(request.runId, () =>
        runWorkflow(project, request.workflowId, request.input, {
          runId: request.runId,
          signal: abort.signal,
          logger,
          host,
          onEvent: (event) => this.lane.send({ type: "event", event }),
        }),
      );
      reply = { ok: true };
    } catch (error) {
      reply = {
        ok: false,
        cancelled: error instanceof CancelledError || abort.signal.aborted,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    this.runs.delete(request.runId);
    // After the run's last event, on the same lane: the controller has every event first.
    this.lane.send({ type: "reply", runId: request.runId, reply });
  }

  /** A gate whose slots the controller hands out, for the run of the call. */
  private remoteGate(model: ComponentModel): Gate {
    return {
      with: async (fn, signal) => {
        if (model.maxConcurrent === 0) return fn();
        const runId = this.currentRun.getStore();
        if (runId === undefined) throw new Error("a component gate was used outside of a run");
        const id = ++this.gateSeq;
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            // A grant that comes later is given back with the run's other slots.
            this.gateWaits.delete(id);
            reject(new CancelledError());
          };
          this.gateWaits.set(id, (granted) => {
            // Answered: the listener goes, or a run's signal would collect one per call.
            signal?.removeEventListener("abort", onAbort);
            if (granted) resolve();
            else reject(new CancelledError());
          });
          signal?.addEventListener("abort", onAbort, { once: true });
          this.lane.send({ type: "gate-acquire", runId, id, component: model.id });
        });
        try {
          return await fn();
        } finally {
          this.lane.send({ type: "gate-release", runId, id });
        }
      },
    };
  }
}
