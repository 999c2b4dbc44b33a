/** `threaded: true`: runs execute in a pool of worker threads (tinypool). */
import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import Tinypool from "tinypool";
import type { Project } from "../compose/model.ts";
import { EMBEDDED_ROOT, isCompiledBinary } from "../self.ts";
import { CancelledError, RunError } from "../errors.ts";
import { Semaphore } from "../workflow/semaphore.ts";
import type { RunObserver } from "../workflow/run-state.ts";
import type { RunExecutor, RunOutcome, RunRequest } from "./executor.ts";
import type { WorkerReply, WorkerTask } from "./worker.ts";

/** Where the worker entry lives; in a compiled binary, its embedded copy (scripts/build.ts). */
export function workerFilename(): string {
  return isCompiledBinary() ? `${EMBEDDED_ROOT}/worker.js` : new URL("./worker.ts", import.meta.url).href;
}

export class ThreadedExecutor implements RunExecutor {
  private readonly pool: Tinypool;
  /** Component gates live here, shared by every worker. */
  private readonly gates = new Map<string, Semaphore>();

  constructor(
    private readonly project: Project,
    private readonly consoleLevel: string,
    filename = workerFilename(),
  ) {
    const limit = project.controller.max_concurrent_count;
    const threads = limit > 0 ? Math.min(limit, availableParallelism() * 4) : availableParallelism();
    this.pool = new Tinypool({ filename, minThreads: 1, maxThreads: Math.max(1, threads), idleTimeout: 60_000 });
    for (const c of project.components.values()) this.gates.set(c.id, new Semaphore(c.maxConcurrent));
  }

  private gate(componentId: string): Semaphore {
    let g = this.gates.get(componentId);
    if (!g) {
      // Inline components: look their limit up by id among the workflows' jobs.
      const model = [...this.project.workflows.values()].flatMap((w) => w.jobs).find((j) => j.component.id === componentId)?.component;
      g = new Semaphore(model?.maxConcurrent ?? 0);
      this.gates.set(componentId, g);
    }
    return g;
  }

  async execute(request: RunRequest, signal: AbortSignal, observer: RunObserver): Promise<RunOutcome> {
    const { port1, port2 } = new MessageChannel();
    const held = new Map<number, Semaphore>();
    port1.on("message", (m: { type: string; id: number; component: string; jobId: string; attempt: number; state: never }) => {
      if (m.type === "job-start") observer.onJobStart?.(m.jobId, m.attempt);
      else if (m.type === "job-end") observer.onJobEnd?.(m.jobId, m.state);
      else if (m.type === "gate-acquire") {
        const g = this.gate(m.component);
        g.acquire(signal).then(
          () => {
            held.set(m.id, g);
            port1.postMessage({ type: "gate-granted", id: m.id });
          },
          () => port1.postMessage({ type: "gate-denied", id: m.id }),
        );
      } else if (m.type === "gate-release") {
        held.get(m.id)?.release();
        held.delete(m.id);
      }
    });
    const onAbort = () => port1.postMessage({ type: "cancel" });
    signal.addEventListener("abort", onAbort, { once: true });
    const task: WorkerTask = {
      load: {
        files: this.project.files,
        projectDirectory: this.project.projectDir,
        env: this.project.env,
      },
      consoleLevel: this.consoleLevel,
      request,
      port: port2,
    };
    try {
      const reply = (await this.pool.run(task, { transferList: [port2] as never })) as WorkerReply;
      if (reply.ok) return { output: reply.output, jobs: reply.jobs };
      if (reply.cancelled) throw new CancelledError(reply.error);
      throw new RunError(reply.error, { workflowId: request.workflowId });
    } finally {
      signal.removeEventListener("abort", onAbort);
      // A worker that died mid-call must not keep slots.
      for (const g of held.values()) g.release();
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
