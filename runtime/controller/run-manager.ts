/**
 * The controller's runs, in three parts that share nothing but the store and the bus:
 * admission (the RunQueue decides when a run starts: max_concurrent_count, FIFO),
 * execution (execution.ts) and notification (the RunBus). `wait` and `cancel` work from
 * the store and the bus alone, so they hold when the run executes in another process.
 * Also drains on shutdown: no new runs, running ones get a grace period, then are
 * cancelled.
 */

import { isoNow } from "../clock.ts";
import type { Project } from "../compose/model.ts";
import type { Logger } from "../log.ts";
import { isFinished, type TaskRecord } from "../store/task-record.ts";
import type { IdempotencyKey, IdempotentHit, TaskStore } from "../store/task-store.ts";
import { ulid } from "../ulid.ts";
import { Execution } from "./execution.ts";
import type { RunExecutor } from "./executor.ts";
import { endLeftProcesses } from "./left-processes.ts";
import type { ControllerMetrics } from "./metrics.ts";
import { LocalRunBus, type RunBus, type TaskSettled } from "./run-bus.ts";
import { LocalRunQueue, QueueFullError, type RunQueue } from "./run-queue.ts";
import { within } from "./within.ts";

/** How long a shutdown waits for the final states of cancelled runs to be written. */
const FINAL_WRITES_MS = 10_000;

export interface RunManagerParts {
  queue?: RunQueue;
  bus?: RunBus;
}

export class RunManager {
  readonly queue: RunQueue;
  readonly bus: RunBus;
  private readonly execution: Execution;
  private draining = false;

  constructor(
    private readonly project: Project,
    private readonly store: TaskStore,
    private readonly metrics: ControllerMetrics,
    executor: RunExecutor,
    private readonly logger: Logger,
    parts: RunManagerParts = {},
  ) {
    const { controller } = project;
    this.queue =
      parts.queue ?? new LocalRunQueue(controller.max_concurrent_count, controller.max_pending_count);
    this.bus = parts.bus ?? new LocalRunBus();
    this.execution = new Execution(project, store, this.bus, metrics, executor, logger);
    this.execution.start(this.queue);
  }

  get accepting(): boolean {
    return !this.draining;
  }

  /**
   * After a restart: runs the store still shows `running` were executing in a process
   * that died (a graceful stop leaves none), so they become `interrupted`, never left
   * running, and the processes they left behind are ended; runs still `pending` never
   * started, so they are queued again, oldest first.
   */
  async recover(): Promise<{ interrupted: string[]; requeued: string[] }> {
    const interrupted: string[] = [];
    const requeued: string[] = [];
    const now = () => isoNow();
    for (const task of await this.all("running")) {
      const jobs = task.jobs.map((j) =>
        j.status === "running" || j.status === "pending" ? { ...j, status: "cancelled" as const } : j,
      );
      const done = await this.store.transition(task.task_id, ["running"], "interrupted", {
        error:
          "interrupted: the controller executing this run stopped before it finished (found at start-up)",
        finished_at: now(),
        jobs,
      });
      if (done) {
        interrupted.push(task.task_id);
        this.metrics.runsFinished.inc({ workflow: task.workflow_id, status: "interrupted" });
        this.bus.publish({ type: "task.settled", run_id: task.task_id, status: "interrupted" });
      }
    }
    // Their processes outlived the controller that was killed (re-parented to init).
    const ended = await endLeftProcesses(interrupted);
    if (ended > 0)
      this.logger.warn({ interrupted, processes: ended }, "ended processes left by interrupted runs");
    for (const task of (await this.all("pending")).reverse()) {
      if (!this.project.workflows.has(task.workflow_id)) {
        await this.store.transition(task.task_id, ["pending"], "failed", {
          error: `workflow "${task.workflow_id}" is no longer in the compose file`,
          finished_at: now(),
        });
        continue;
      }
      this.metrics.runsWaiting.inc();
      await this.queue.enqueue({ task_id: task.task_id, workflow_id: task.workflow_id, input: task.input });
      requeued.push(task.task_id);
    }
    if (interrupted.length || requeued.length)
      this.logger.warn(
        { interrupted, requeued },
        "runs left by a previous controller: interrupted ones marked, pending ones queued",
      );
    return { interrupted, requeued };
  }

  /** Every run in `status`, newest first. */
  private async all(status: TaskRecord["status"]): Promise<TaskRecord[]> {
    const out: TaskRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ status: [status] }, cursor, 500);
      out.push(...page.tasks);
      cursor = page.next_cursor;
    } while (cursor);
    return out;
  }

  /** Records a run as pending and queues it; resolves with its task id. */
  async submit(workflowId: string, input: unknown): Promise<string> {
    return (await this.submitWith(workflowId, input)).taskId;
  }

  /**
   * Submits a run that may retry another (`retryOf`) or carry an idempotency key: when
   * the key is already held, nothing new is started and the holder is returned.
   */
  async submitWith(
    workflowId: string,
    input: unknown,
    options: { retryOf?: string; idempotency?: IdempotencyKey } = {},
  ): Promise<{ taskId: string; existing?: IdempotentHit }> {
    // Refused before anything is recorded: a 429 leaves no trace.
    const limit = this.project.controller.max_pending_count;
    if (limit > 0 && this.queue.counts().waiting >= limit) throw new QueueFullError(limit);
    const record = this.newRecord(workflowId, input, "pending", options.retryOf);
    const taskId = record.task_id;
    const existing = await this.store.create(record, options.idempotency);
    if (existing) return { taskId: existing.task_id, existing };
    // Counted before it is queued: a free slot hands it out at once.
    this.metrics.runsWaiting.inc();
    try {
      await this.queue.enqueue({ task_id: taskId, workflow_id: workflowId, input });
    } catch (error) {
      this.metrics.runsWaiting.dec();
      // Not admitted: the record must not stay pending forever.
      await this.store.transition(taskId, ["pending"], "failed", {
        error: `not admitted: ${(error as Error).message}`,
        finished_at: isoNow(),
      });
      throw error;
    }
    return { taskId };
  }

  /**
   * A run its caller waits for: when a slot is free and no run waits before it, it is
   * recorded as running and executed here at once, and the final record is returned
   * with its id. Otherwise (a queue holds runs before it, no slot is free, the queue is
   * shared with other processes) it is submitted as any run is, without `record`, and
   * the caller waits for it. An idempotency key that is already held returns its holder.
   */
  async runWaited(
    workflowId: string,
    input: unknown,
    options: { idempotency?: IdempotencyKey } = {},
  ): Promise<{ taskId: string; existing?: IdempotentHit; record?: TaskRecord }> {
    const release = this.queue.tryStart?.();
    if (!release) return this.submitWith(workflowId, input, options);
    try {
      const created = this.newRecord(workflowId, input, "running");
      const taskId = created.task_id;
      const existing = await this.store.create(created, options.idempotency);
      if (existing) return { taskId: existing.task_id, existing };
      const record =
        (await this.execution.runStarted({ task_id: taskId, workflow_id: workflowId, input })) ??
        (await this.store.get(taskId));
      return { taskId, record };
    } finally {
      release();
    }
  }

  /** A new run's record, every job pending; one recorded as running started as it was made. */
  private newRecord(
    workflowId: string,
    input: unknown,
    status: "pending" | "running",
    retryOf?: string,
  ): TaskRecord {
    const now = isoNow();
    return {
      task_id: ulid(),
      workflow_id: workflowId,
      status,
      input,
      created_at: now,
      ...(status === "running" ? { started_at: now } : {}),
      jobs: this.project.workflows.get(workflowId)!.jobs.map((j) => ({ id: j.id, status: "pending" })),
      ...(retryOf ? { retry_of: retryOf } : {}),
    };
  }

  /** Cancels a pending or running run. */
  async cancel(
    taskId: string,
    reason = "cancelled by request",
  ): Promise<"cancelled" | "finished" | "unknown"> {
    const task = await this.store.get(taskId);
    if (!task) return "unknown";
    if (isFinished(task.status)) return "finished";
    if (
      task.status === "pending" &&
      (await this.cancelPending(taskId, task.workflow_id, await this.queue.remove(taskId)))
    )
      return "cancelled";
    this.bus.publish({ type: "cancel.requested", run_id: taskId, reason });
    return "cancelled";
  }

  /** pending -> cancelled; wins against execution's own pending -> running, whoever holds the run. */
  private async cancelPending(taskId: string, workflowId: string, wasQueued: boolean): Promise<boolean> {
    if (wasQueued) this.metrics.runsWaiting.dec();
    const cancelled = await this.store.transition(taskId, ["pending"], "cancelled", {
      error: "cancelled before it started",
      finished_at: isoNow(),
    });
    if (!cancelled) return false;
    this.metrics.runsFinished.inc({ workflow: workflowId, status: "cancelled" });
    this.bus.publish({ type: "task.settled", run_id: taskId, status: "cancelled" });
    return true;
  }

  /**
   * Waits for a run to finish and returns its final record (for wait_for_completion);
   * undefined for an unknown run.
   */
  async wait(taskId: string): Promise<TaskRecord | undefined> {
    let settle!: (record: TaskRecord | undefined) => void;
    const settled = new Promise<TaskRecord | undefined>((resolve) => {
      settle = resolve;
    });
    // Subscribed before reading, so a run that settles in between is not missed.
    const unsubscribe = this.bus.subscribe(taskId, (m) => {
      if (m.type === "task.settled") settle((m as TaskSettled).record);
    });
    try {
      const task = await this.store.get(taskId);
      if (!task || isFinished(task.status)) return task;
      return (await settled) ?? (await this.store.get(taskId));
    } finally {
      unsubscribe();
    }
  }

  /**
   * Cancels every pending and running run now and starts no other; a drain in progress
   * then ends early.
   */
  async cancelAll(reason: string): Promise<void> {
    this.draining = true;
    const waiting = await this.queue.close();
    this.execution.abortAll(reason);
    for (const run of waiting) await this.cancelPending(run.task_id, run.workflow_id, true);
  }

  /**
   * Stops accepting runs, lets running and waiting ones go on for up to `graceMs`, then
   * cancels whatever is left (waiting runs included) and waits for them to settle.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const busy = () => {
      const { waiting, active } = this.queue.counts();
      return waiting + active + this.execution.running;
    };
    if (busy() > 0) {
      this.logger.info({ runs: busy(), grace_ms: graceMs }, "waiting for runs to finish");
      const deadline = Date.now() + graceMs;
      let timedOut = false;
      while (busy() > 0) {
        if (Date.now() >= deadline) {
          timedOut = true;
          break;
        }
        await within(this.execution.settled(), Math.min(50, deadline - Date.now()));
      }
      if (timedOut) {
        this.logger.warn({ runs: busy() }, "grace period over; cancelling remaining runs");
      }
    }
    await this.cancelAll("controller shutting down");
    // Cancelled runs settle quickly; only final writes to a store that is away could
    // take longer, and they stop being retried after this.
    await within(this.execution.settled(), FINAL_WRITES_MS);
    this.execution.close();
  }
}
