/** `threaded: true`: runs execute in a pool of worker threads (tinypool). */
import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import Tinypool from "tinypool";
import type { Project } from "../compose/model.ts";
import { CancelledError, ConfigError, RunError } from "../errors.ts";
import { runtimeName } from "../host/mod.ts";
import { isFinalEvent, type RunEventListener, type RunFinishedEvent } from "../workflow/events.ts";
import { Semaphore } from "../workflow/semaphore.ts";
import type { RunExecutor, RunOutcome, RunRequest } from "./executor.ts";
import { within } from "./within.ts";
import {
  type ControllerMessage,
  LanePort,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
  type WorkerTask,
} from "./worker-protocol.ts";

/** How long `close` lets a worker end its lane before the pool stops the thread. */
const CLOSE_WAIT_MS = 1000;

/** A run executing in a worker: where its events go and how it ends. */
interface RunSlot {
  signal: AbortSignal;
  onEvent: RunEventListener;
  /** The run's run.finished, once it came: a completed run's output and jobs. */
  final?: RunFinishedEvent;
  /** Gate slots the worker holds for the run, by the worker's id: given back when it ends. */
  held: Map<number, Semaphore>;
  end(reply: WorkerReply | Error): void;
}

/** One worker thread (a tinypool pool of one), its lane, and the runs it is executing. */
interface Lane {
  pool: Tinypool;
  port: LanePort<ControllerMessage, WorkerMessage>;
  runs: Map<string, RunSlot>;
  /** The pool task that serves the lane: it settles when the lane is closed or the thread dies. */
  served: Promise<unknown>;
}

/**
 * Executes each run in a worker thread. A new run goes to an idle thread, or to a new
 * one while there are fewer than one per CPU (at most max_concurrent_count), else to
 * the thread with the fewest runs: CPU-heavy runs spread over the CPUs, and runs that
 * wait on I/O (HTTP, processes) share threads instead of queueing for one, which
 * would cap the controller at the thread count with the rest reported running.
 *
 * Each thread has one port for all its runs (worker-protocol.ts). A port and a pool
 * task per run cost the controller's thread a channel, a transfer and a wake-up of the
 * worker for every run; on one port the runs of a turn travel together.
 */
export class ThreadedExecutor implements RunExecutor {
  private readonly lanes: Lane[] = [];
  private readonly maxThreads: number;
  /** Component gates live here, shared by every worker. */
  private readonly gates = new Map<string, Semaphore>();
  private closing = false;

  constructor(
    private readonly project: Project,
    private readonly consoleLevel: string,
    private readonly filename = ThreadedExecutor.entryOf(project),
  ) {
    const limit = project.controller.max_concurrent_count;
    const cpus = availableParallelism();
    this.maxThreads = Math.max(1, limit > 0 ? Math.min(limit, cpus) : cpus);
    for (const c of project.components.values()) this.gates.set(c.id, new Semaphore(c.maxConcurrent));
    // The first worker loads the project now, not on the first request.
    this.addLane();
  }

  private static entryOf(project: Project): string {
    if (!project.workerEntry)
      throw new ConfigError(
        "threaded: true needs a worker entry; load the project with one (see runtime/composition.ts)",
      );
    return project.workerEntry;
  }

  private addLane(): Lane {
    const { files, projectDir, env } = this.project;
    // Given to each thread once, not sent with every run.
    const setup: WorkerSetup = {
      load: { files, projectDirectory: projectDir, env },
      consoleLevel: this.consoleLevel,
    };
    const pool = new Tinypool({
      filename: this.filename,
      workerData: setup,
      minThreads: 1,
      maxThreads: 1,
      // Under Deno, a worker blocked in Atomics.wait never sees its tasks: use messages only.
      useAtomics: runtimeName() !== "deno",
    });
    const { port1, port2 } = new MessageChannel();
    const task: WorkerTask = { port: port2 };
    const lane: Lane = {
      pool,
      port: new LanePort(port1),
      runs: new Map(),
      served: pool.run(task, { transferList: [port2] as never }),
    };
    lane.port.on((m) => this.receive(lane, m));
    lane.served.then(
      () => this.lost(lane, new Error("the worker thread stopped serving runs")),
      (error: Error) => this.lost(lane, error),
    );
    this.lanes.push(lane);
    return lane;
  }

  /** A lane whose thread ended: its runs fail, and later runs go to the other lanes or a new one. */
  private lost(lane: Lane, error: Error): void {
    const i = this.lanes.indexOf(lane);
    if (i >= 0) this.lanes.splice(i, 1);
    const reason = new RunError(`the worker thread executing the run stopped: ${error.message}`);
    for (const slot of lane.runs.values()) slot.end(reason);
    lane.runs.clear();
    lane.port.close();
    if (!this.closing) lane.pool.destroy().catch(() => {});
  }

  private receive(lane: Lane, m: WorkerMessage): void {
    switch (m.type) {
      case "event": {
        const slot = lane.runs.get(m.event.run_id);
        if (!slot) break;
        if (isFinalEvent(m.event)) slot.final = m.event;
        slot.onEvent(m.event);
        break;
      }
      case "reply": {
        const slot = lane.runs.get(m.runId);
        lane.runs.delete(m.runId);
        slot?.end(m.reply);
        break;
      }
      case "gate-acquire": {
        const slot = lane.runs.get(m.runId);
        if (!slot) {
          lane.port.send({ type: "gate-denied", id: m.id });
          break;
        }
        const g = this.gate(m.component);
        g.acquire(slot.signal).then(
          () => {
            // The run may have ended while it waited: the slot goes straight back.
            if (lane.runs.get(m.runId) !== slot) return g.release();
            slot.held.set(m.id, g);
            lane.port.send({ type: "gate-granted", id: m.id });
          },
          () => lane.port.send({ type: "gate-denied", id: m.id }),
        );
        break;
      }
      case "gate-release": {
        const slot = lane.runs.get(m.runId);
        slot?.held.get(m.id)?.release();
        slot?.held.delete(m.id);
        break;
      }
    }
  }

  private pickLane(): Lane {
    if (this.lanes.length === 0) return this.addLane();
    const least = this.lanes.reduce((a, b) => (b.runs.size < a.runs.size ? b : a));
    if (least.runs.size === 0 || this.lanes.length >= this.maxThreads) return least;
    return this.addLane();
  }

  private gate(componentId: string): Semaphore {
    let g = this.gates.get(componentId);
    if (!g) {
      // Inline components: look their limit up by id among the workflows' jobs.
      const model = [...this.project.workflows.values()]
        .flatMap((w) => w.jobs)
        .find((j) => j.component.id === componentId)?.component;
      g = new Semaphore(model?.maxConcurrent ?? 0);
      this.gates.set(componentId, g);
    }
    return g;
  }

  execute(request: RunRequest, signal: AbortSignal, onEvent: RunEventListener): Promise<RunOutcome> {
    if (this.closing) return Promise.reject(new RunError("the threaded executor is closed"));
    const lane = this.pickLane();
    const { runId } = request;
    // A lane tells its runs apart by id: a second one of the same id there could not be.
    if (lane.runs.has(runId)) return Promise.reject(new RunError(`run ${runId} is already executing`));
    return new Promise<RunOutcome>((resolve, reject) => {
      const onAbort = () => lane.port.send({ type: "cancel", runId });
      const slot: RunSlot = {
        signal,
        onEvent,
        held: new Map(),
        end: (reply) => {
          signal.removeEventListener("abort", onAbort);
          // A worker that died mid-call, or a call cut short, must not keep slots.
          for (const g of slot.held.values()) g.release();
          slot.held.clear();
          if (reply instanceof Error) reject(reply);
          else if (reply.ok && slot.final) resolve({ output: slot.final.output, jobs: slot.final.jobs });
          else if (reply.ok)
            reject(new RunError("the worker thread's run ended without its run.finished event"));
          else if (reply.cancelled) reject(new CancelledError(reply.error));
          else reject(new RunError(reply.error, { workflowId: request.workflowId }));
        },
      };
      lane.runs.set(runId, slot);
      lane.port.send({ type: "run", request });
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const lanes = this.lanes.splice(0);
    await Promise.all(
      lanes.map(async (lane) => {
        lane.port.send({ type: "close" });
        lane.port.flush();
        await within(lane.served, CLOSE_WAIT_MS);
        await lane.pool.destroy();
      }),
    );
  }
}
