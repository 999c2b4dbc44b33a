/** `threaded: true`: runs execute in a pool of worker threads (tinypool). */
import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import Tinypool from "tinypool";
import type { Project } from "../compose/model.ts";
import { CancelledError, ConfigError, RunError } from "../errors.ts";
import { runtimeName } from "../host/mod.ts";
import { isFinalEvent, type RunEventListener } from "../workflow/events.ts";
import { Semaphore } from "../workflow/semaphore.ts";
import type { RunExecutor, RunOutcome, RunRequest } from "./executor.ts";
import {
  type ControllerMessage,
  typedPort,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
  type WorkerTask,
} from "./worker-protocol.ts";

/** How long a finished run's last event may trail its reply (a worker that died sends none). */
const FINAL_EVENT_WAIT_MS = 2000;

/**
 * Settles when `promise` does or after `ms`, whichever is first; the timer goes with
 * it. (Left to run out, every run's timer stayed in the timer list for its full 2 s.)
 */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** tinypool needs a number of runs per thread; the controller's gate is the real limit. */
const RUNS_PER_THREAD = 100_000;

/** One worker thread (a tinypool pool of one) and the runs it is executing. */
interface Lane {
  pool: Tinypool;
  active: number;
  /** Settles once the worker has loaded the project. */
  warm: Promise<unknown>;
}

/**
 * Executes each run in a worker thread. A new run goes to an idle thread, or to a new
 * one while there are fewer than one per CPU (at most max_concurrent_count), else to
 * the thread with the fewest runs: CPU-heavy runs spread over the CPUs, and runs that
 * wait on I/O (HTTP, processes) share threads instead of queueing for one, which
 * would cap the controller at the thread count with the rest reported running.
 */
export class ThreadedExecutor implements RunExecutor {
  private readonly lanes: Lane[] = [];
  private readonly maxThreads: number;
  /** Component gates live here, shared by every worker. */
  private readonly gates = new Map<string, Semaphore>();

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
    // Given to each thread once (it may restart), not sent with every run.
    const setup: WorkerSetup = {
      load: { files, projectDirectory: projectDir, env },
      consoleLevel: this.consoleLevel,
    };
    const pool = new Tinypool({
      filename: this.filename,
      workerData: setup,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: RUNS_PER_THREAD,
      // Under Deno, a worker blocked in Atomics.wait never sees its tasks: use messages only.
      useAtomics: runtimeName() !== "deno",
    });
    const warmUp: WorkerTask = {};
    // A load error shows in each run's own reply; the warm-up only has to settle.
    const lane = { pool, active: 0, warm: pool.run(warmUp).catch(() => undefined) };
    this.lanes.push(lane);
    return lane;
  }

  private pickLane(): Lane {
    const least = this.lanes.reduce((a, b) => (b.active < a.active ? b : a));
    if (least.active === 0 || this.lanes.length >= this.maxThreads) return least;
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

  async execute(request: RunRequest, signal: AbortSignal, onEvent: RunEventListener): Promise<RunOutcome> {
    const { port1, port2 } = new MessageChannel();
    const held = new Map<number, Semaphore>();
    // The reply comes on tinypool's channel, the events on this port: the last event may
    // still be on its way when the reply is in, and closing the port would lose it.
    let started = false;
    let final = false;
    let sawFinal = () => {};
    const finalSeen = new Promise<void>((resolve) => {
      sawFinal = () => {
        final = true;
        resolve();
      };
    });
    const port = typedPort<ControllerMessage, WorkerMessage>(port1);
    port.on((m) => {
      switch (m.type) {
        case "events":
          started = true;
          for (const event of m.events) {
            onEvent(event);
            if (isFinalEvent(event)) sawFinal();
          }
          break;
        case "gate-acquire": {
          const g = this.gate(m.component);
          g.acquire(signal).then(
            () => {
              held.set(m.id, g);
              port.post({ type: "gate-granted", id: m.id });
            },
            () => port.post({ type: "gate-denied", id: m.id }),
          );
          break;
        }
        case "gate-release":
          held.get(m.id)?.release();
          held.delete(m.id);
          break;
      }
    });
    const onAbort = () => port.post({ type: "cancel" });
    signal.addEventListener("abort", onAbort, { once: true });
    const task: WorkerTask = { request, port: port2 };
    const lane = this.pickLane();
    lane.active++;
    try {
      // Before its worker is up, tinypool would queue the run, and its queue hands out
      // one task per freed slot: runs would wait for each other to finish.
      await lane.warm;
      const reply = (await lane.pool.run(task, { transferList: [port2] as never })) as WorkerReply;
      if ((started || reply.ok) && !final) await within(finalSeen, FINAL_EVENT_WAIT_MS);
      if (reply.ok) return { output: reply.output, jobs: reply.jobs };
      if (reply.cancelled) throw new CancelledError(reply.error);
      throw new RunError(reply.error, { workflowId: request.workflowId });
    } finally {
      lane.active--;
      signal.removeEventListener("abort", onAbort);
      // A worker that died mid-call must not keep slots.
      for (const g of held.values()) g.release();
      port.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.pool.destroy()));
  }
}
