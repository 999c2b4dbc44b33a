/**
 * The RunQueue on Redis (BullMQ): one BullMQ queue per workflow, the task id as job id.
 * An http-server only enqueues and removes (its `consume` takes nothing: runs execute
 * in the workers); a queue-subscriber consumes, each run handed to the handler as from
 * the local queue. A run the handler gives back (HandBackError: the worker is stopping)
 * returns to the queue untouched, for another worker.
 *
 * A failed run is a completed job whose result says so: BullMQ re-executes only what a
 * dead worker left behind, through its stall check.
 */
import type { QueueConfig } from "../../compose/queue-schema.ts";
import { ServiceUnavailableError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { Semaphore } from "../../workflow/semaphore.ts";
import { HandBackError } from "../execution.ts";
import type { QueuedRun, RunHandler, RunQueue } from "../run-queue.ts";
import { type BullMQ, type QueueLibs, type Redis, redactedUrl } from "./redis.ts";

type Queue = InstanceType<BullMQ["Queue"]>;
/** What is kept of a BullMQ worker. */
type Worker = { close(): Promise<void> };

/** BullMQ needs a number: a worker without a limit of its own takes at most this many runs at once. */
export const UNLIMITED_RUNS = 1000;

/** The job's data. */
export interface QueuedJob extends QueuedRun {
  created_at: string;
}

export function queueNameOf(config: QueueConfig, workflowId: string): string {
  // BullMQ forbids ':' in queue names.
  return `${config.name}.${workflowId}`;
}

export interface ConsumeOptions {
  /** The workflows this worker takes. */
  workflows: readonly string[];
  /** Runs at once in this process, over all its workflows (0: UNLIMITED_RUNS). */
  concurrency: number;
  /** Before the handler: the run's record is made ready for it (attempt 1, 2, ... after a dead worker). */
  prepare(run: QueuedJob, attempt: number): Promise<void>;
  /** After the handler: the job's result (the run's final record). */
  result(taskId: string): Promise<unknown>;
  onStalled?(taskId: string): void;
  onError?(error: Error, what: string): void;
}

export class RedisRunQueue implements RunQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private active = 0;
  private readonly connection: Redis;
  private lastError: string | undefined;
  /** Called each time the connection is (again) ready. */
  onReady: (() => void) | undefined;

  constructor(
    private readonly libs: QueueLibs,
    private readonly config: QueueConfig,
    workflows: Iterable<string>,
    private readonly logger: Logger,
    private readonly consumeOptions?: ConsumeOptions,
  ) {
    // One normal connection for all queues: adds and removes fail at once when Redis is away.
    const connection = libs.connect("queue", false);
    this.connection = connection;
    connection.on("error", (error: Error) => {
      if (error.message !== this.lastError)
        logger.warn({ err: error.message, url: redactedUrl(config.url) }, "run queue unavailable");
      this.lastError = error.message;
    });
    connection.on("ready", () => {
      if (this.lastError) logger.info({ url: redactedUrl(config.url) }, "run queue reachable again");
      this.lastError = undefined;
      this.onReady?.();
    });
    this.connections.push(connection);
    for (const workflowId of workflows) {
      this.queues.set(
        workflowId,
        new libs.bullmq.Queue(queueNameOf(config, workflowId), { connection, prefix: config.prefix }),
      );
    }
  }

  /** Waits up to `timeoutMs` for Redis; false when it is not there yet (the connection keeps trying). */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.connection.status === "ready") return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onReady: (() => void) | undefined;
    const ok = await Promise.race([
      new Promise<boolean>((resolve) => {
        onReady = () => resolve(true);
        this.connection.once("ready", onReady);
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (onReady) this.connection.off("ready", onReady);
    return ok;
  }

  /** For /health: whether Redis answers now, and why not. */
  health(): { ok: boolean; driver: "redis"; url: string; status: string; error?: string } {
    const ok = this.connection.status === "ready";
    return {
      ok,
      driver: "redis",
      url: redactedUrl(this.config.url),
      status: ok ? "ok" : "unavailable",
      ...(ok ? {} : { error: this.lastError ?? `connection is ${this.connection.status}` }),
    };
  }

  /** The BullMQ queue of a workflow (for reading jobs and queue events). */
  queueOf(workflowId: string): Queue | undefined {
    return this.queues.get(workflowId);
  }

  get workflowIds(): string[] {
    return [...this.queues.keys()];
  }

  async enqueue(run: QueuedRun): Promise<void> {
    const queue = this.queues.get(run.workflow_id);
    if (!queue) throw new Error(`workflow "${run.workflow_id}" has no queue`);
    const data: QueuedJob = { ...run, created_at: new Date().toISOString() };
    try {
      await queue.add(run.workflow_id, data, {
        jobId: run.task_id,
        attempts: 1,
        removeOnComplete: { count: this.config.keep_finished },
        removeOnFail: { count: this.config.keep_finished },
      });
    } catch (error) {
      throw this.unavailable(error as Error);
    }
  }

  /** Sets the cluster-wide limit (BullMQ's global concurrency) on every workflow's queue; 0 removes it. */
  async setClusterLimit(limit: number): Promise<void> {
    for (const queue of this.queues.values()) {
      if (limit > 0) await queue.setGlobalConcurrency(limit);
      else await queue.removeGlobalConcurrency();
    }
  }

  consume(handler: RunHandler): void {
    const options = this.consumeOptions;
    if (!options) return;
    const limit = options.concurrency;
    // Each workflow's worker has the limit; one gate keeps the process at it over all of them.
    const gate = new Semaphore(options.workflows.length > 1 ? limit : 0);
    for (const workflowId of options.workflows) {
      const connection = this.libs.connect(`worker:${workflowId}`, true);
      this.connections.push(connection);
      const worker = new this.libs.bullmq.Worker<QueuedJob, unknown>(
        queueNameOf(this.config, workflowId),
        async (job, token) => {
          const run = job.data;
          await gate.acquire();
          this.active++;
          try {
            await options.prepare(run, job.attemptsStarted);
            await handler({ task_id: run.task_id, workflow_id: run.workflow_id, input: run.input });
          } catch (error) {
            if (!(error instanceof HandBackError)) throw error;
            this.logger.info({ task_id: run.task_id }, "run handed back to the queue");
            await job.moveToWait(token);
            throw new this.libs.bullmq.WaitingError();
          } finally {
            this.active--;
            gate.release();
          }
          return options.result(run.task_id);
        },
        {
          connection,
          prefix: this.config.prefix,
          concurrency: limit > 0 ? limit : UNLIMITED_RUNS,
          lockDuration: this.config.stall_timeout,
          stalledInterval: this.config.stall_timeout,
          maxStalledCount: this.config.max_stalls,
          autorun: false,
        },
      );
      worker.on("error", (error: Error) => options.onError?.(error, `worker of ${workflowId}`));
      worker.on("stalled", (jobId: string) => options.onStalled?.(jobId));
      this.workers.push(worker);
      worker.run().catch((error: Error) => options.onError?.(error, "worker loop"));
    }
  }

  async remove(taskId: string): Promise<boolean> {
    for (const queue of this.queues.values()) {
      try {
        // 0 when the job is not there, or locked by the worker that took it.
        if ((await queue.remove(taskId)) === 1) return true;
      } catch (error) {
        if (/locked/i.test((error as Error).message)) return false;
        throw this.unavailable(error as Error);
      }
    }
    return false;
  }

  /** Only what this process executes: the waiting runs are the cluster's. */
  counts(): { waiting: number; active: number } {
    return { waiting: 0, active: this.active };
  }

  /**
   * Stops taking runs (running ones go on: close() of a BullMQ worker waits for them)
   * and returns none: waiting runs stay in Redis for the other workers.
   */
  async close(): Promise<QueuedRun[]> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    return [];
  }

  /** Releases the queues and connections (after close). */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    // BullMQ leaves connections it was given open.
    for (const c of this.connections) c.disconnect();
  }

  private unavailable(error: Error): ServiceUnavailableError {
    return new ServiceUnavailableError(
      `the run queue (Redis at ${redactedUrl(this.config.url)}) is unavailable: ${error.message}; try again later`,
    );
  }
}
