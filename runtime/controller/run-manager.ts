/**
 * Accepts runs, makes them wait their turn (controller `max_concurrent_count`, FIFO),
 * executes them, and keeps their state in the task store and the metrics. Also drains
 * on shutdown: no new runs, running ones get a grace period, then are cancelled.
 */

import type { Project } from "../compose/model.ts";
import { CancelledError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ulid } from "../ulid.ts";
import type { RunEvent } from "../workflow/events.ts";
import type { JobState, RunStatus } from "../workflow/run-state.ts";
import { Semaphore } from "../workflow/semaphore.ts";
import type { RunExecutor } from "./executor.ts";
import type { ControllerMetrics } from "./metrics.ts";
import { isFinished, type TaskRecord, type TaskStore } from "./task-store.ts";

interface LiveRun {
  abort: AbortController;
  done: Promise<TaskRecord>;
}

export class RunManager {
  private readonly gate: Semaphore;
  private readonly live = new Map<string, LiveRun>();
  private draining = false;

  constructor(
    private readonly project: Project,
    private readonly store: TaskStore,
    private readonly metrics: ControllerMetrics,
    private readonly executor: RunExecutor,
    private readonly logger: Logger,
  ) {
    this.gate = new Semaphore(project.controller.max_concurrent_count);
  }

  get accepting(): boolean {
    return !this.draining;
  }

  /** Starts a run; `done` settles with its final record (never rejects). */
  submit(workflowId: string, input: unknown): { taskId: string; done: Promise<TaskRecord> } {
    const taskId = ulid();
    const workflow = this.project.workflows.get(workflowId)!;
    this.store.put({
      task_id: taskId,
      workflow_id: workflowId,
      status: "pending",
      created_at: new Date().toISOString(),
      jobs: workflow.jobs.map((j) => ({ id: j.id, status: "pending" })),
    });
    const abort = new AbortController();
    const done = this.execute(taskId, workflowId, input, abort.signal).finally(() =>
      this.live.delete(taskId),
    );
    this.live.set(taskId, { abort, done });
    return { taskId, done };
  }

  /** Cancels a pending or running run. */
  cancel(taskId: string): "cancelled" | "finished" | "unknown" {
    const task = this.store.get(taskId);
    if (!task) return "unknown";
    if (isFinished(task.status)) return "finished";
    this.live.get(taskId)?.abort.abort(new CancelledError("cancelled by request"));
    return "cancelled";
  }

  private async execute(
    taskId: string,
    workflowId: string,
    input: unknown,
    signal: AbortSignal,
  ): Promise<TaskRecord> {
    const m = this.metrics;
    m.runsWaiting.inc();
    // Let the HTTP response (202 for a run nobody waits for) go out first: otherwise a
    // component that computes before its first await holds the response back.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.gate.acquire(signal);
    } catch {
      m.runsWaiting.dec();
      return this.finish(taskId, workflowId, "cancelled", { error: "cancelled before it started" });
    }
    m.runsWaiting.dec();
    m.runsInFlight.inc();
    m.runsStarted.inc({ workflow: workflowId });
    const t0 = performance.now();
    this.store.update(taskId, { status: "running", started_at: new Date().toISOString() });
    let status: RunStatus = "completed";
    let patch: Partial<TaskRecord> = {};
    try {
      const outcome = await this.executor.execute({ runId: taskId, workflowId, input }, signal, (event) =>
        this.onEvent(taskId, workflowId, event),
      );
      patch = { output: outcome.output, jobs: outcome.jobs };
    } catch (error) {
      status = signal.aborted || error instanceof CancelledError ? "cancelled" : "failed";
      // Say who cancelled (a request, the shutdown), not just that the run was cancelled.
      const cause = signal.aborted && signal.reason instanceof Error ? signal.reason : error;
      patch = { error: cause instanceof Error ? cause.message : String(cause) };
    } finally {
      m.runsInFlight.dec();
      this.gate.release();
    }
    m.runDuration.observe({ workflow: workflowId, status }, (performance.now() - t0) / 1000);
    return this.finish(taskId, workflowId, status, patch);
  }

  /** Keeps the task's job states and the metrics up to date from the run's events. */
  private onEvent(taskId: string, workflowId: string, event: RunEvent): void {
    const m = this.metrics;
    if (event.type !== "job.started" && event.type !== "job.finished" && event.type !== "job.skipped") return;
    const job = this.project.workflows.get(workflowId)?.jobs.find((j) => j.id === event.job_id);
    if (event.type === "job.started") {
      if (job) m.componentCalls.inc({ component: job.component.id, type: job.component.type });
      this.patchJob(taskId, {
        id: event.job_id,
        status: "running",
        started_at: event.time,
        attempts: event.attempt,
      });
    } else if (event.type === "job.skipped") {
      this.patchJob(taskId, { id: event.job_id, status: "skipped", finished_at: event.time });
    } else {
      if (job && event.status === "failed")
        m.componentErrors.inc({ component: job.component.id, type: job.component.type });
      if (event.duration_ms !== undefined)
        m.jobDuration.observe(
          { workflow: workflowId, job: event.job_id, status: event.status },
          event.duration_ms / 1000,
        );
      this.patchJob(taskId, {
        id: event.job_id,
        status: event.status,
        finished_at: event.time,
        ...(event.error !== undefined ? { error: event.error } : {}),
      });
    }
  }

  private patchJob(taskId: string, state: Partial<JobState> & { id: string }): void {
    const task = this.store.get(taskId);
    if (!task) return;
    this.store.update(taskId, { jobs: task.jobs.map((j) => (j.id === state.id ? { ...j, ...state } : j)) });
  }

  private finish(
    taskId: string,
    workflowId: string,
    status: RunStatus,
    patch: Partial<TaskRecord>,
  ): TaskRecord {
    this.metrics.runsFinished.inc({ workflow: workflowId, status });
    const task = this.store.get(taskId);
    const jobs = (patch.jobs ?? task?.jobs ?? []).map((j) =>
      status !== "completed" && (j.status === "pending" || j.status === "running")
        ? { ...j, status: "cancelled" as const }
        : j,
    );
    const record = this.store.update(taskId, {
      ...patch,
      jobs,
      status,
      finished_at: new Date().toISOString(),
    })!;
    this.logger.info({ task_id: taskId, workflow: workflowId, status }, "task finished");
    return record;
  }

  /** Cancels every pending and running run now; a drain in progress then ends early. */
  cancelAll(reason: string): void {
    for (const run of this.live.values()) run.abort.abort(new CancelledError(reason));
  }

  /**
   * Stops accepting runs, lets running ones finish for up to `graceMs`, then cancels
   * whatever is left (waiting runs included) and waits for them to settle.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const all = () => [...this.live.values()].map((r) => r.done);
    if (this.live.size === 0) return;
    this.logger.info({ runs: this.live.size, grace_ms: graceMs }, "waiting for runs to finish");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(all()).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.logger.warn({ runs: this.live.size }, "grace period over; cancelling remaining runs");
      this.cancelAll("controller shutting down");
      await Promise.allSettled(all());
    }
  }

  /** Waits for a task to finish (for wait_for_completion). */
  wait(taskId: string): Promise<TaskRecord> | undefined {
    return this.live.get(taskId)?.done;
  }
}
