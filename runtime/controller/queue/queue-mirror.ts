/**
 * How an http-server's store follows runs that execute in the workers: the queue's
 * events (a worker took a run, finished it) become status transitions, the engine
 * events the workers publish on the bus become job states, and after a run's final
 * state is written here `task.settled` goes to this process's waiters. Transitions are
 * compare-and-set, so when the store is shared with the workers (PostgreSQL) whoever
 * writes first wins and the other write changes nothing.
 *
 * Events missed while Redis was away are caught up by reading the jobs of the runs
 * this store still has as unfinished, after each reconnect and every SWEEP_MS.
 */
import type { Project } from "../../compose/model.ts";
import type { QueueConfig } from "../../compose/queue-schema.ts";
import type { Logger } from "../../log.ts";
import { isFinished, type JobRecord, type TaskRecord, type TaskStatus } from "../../store/task-record.ts";
import type { TaskStore } from "../../store/task-store.ts";
import type { RunEvent } from "../../workflow/events.ts";
import { jobStateOf } from "../execution.ts";
import type { ControllerMetrics } from "../metrics.ts";
import type { RunBus } from "../run-bus.ts";
import { type QueueLibs, type Redis, redactedUrl } from "./redis.ts";
import { type QueuedJob, queueNameOf, type RedisRunQueue } from "./redis-run-queue.ts";

/** What is kept of a BullMQ QueueEvents. */
type QueueEvents = { close(): Promise<void> };

const SWEEP_MS = 10_000;
const SWEEP_BATCH = 500;

/** A finished job's return value (the worker's final record), which BullMQ may hand over as JSON text. */
export function parseResult(value: unknown): TaskRecord | undefined {
  if (typeof value === "string") {
    try {
      return parseResult(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return value && typeof value === "object" && "status" in value ? (value as TaskRecord) : undefined;
}

export class QueueMirror {
  private readonly events: QueueEvents[] = [];
  private readonly connections: Redis[] = [];
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastError: string | undefined;
  /**
   * The job states of each run followed here, read from the store at the run's first job
   * event and kept up to date by the events after it. Reading the record (every job of
   * it) at each event made a run's job events quadratic in its jobs.
   */
  private readonly jobStates = new Map<string, Promise<Map<string, JobRecord> | undefined>>();

  constructor(
    private readonly libs: QueueLibs,
    private readonly config: QueueConfig,
    private readonly project: Project,
    private readonly queue: RedisRunQueue,
    private readonly store: TaskStore,
    private readonly bus: RunBus,
    private readonly metrics: ControllerMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const workflowId of this.queue.workflowIds) {
      const connection = this.libs.connect(`events:${workflowId}`, true);
      this.connections.push(connection);
      connection.on("error", (error: Error) => this.noteError(error));
      connection.on("ready", () => {
        if (this.lastError) {
          this.logger.info({ url: redactedUrl(this.config.url) }, "run queue reachable again");
          this.lastError = undefined;
          void this.sweep();
        }
      });
      const events = new this.libs.bullmq.QueueEvents(queueNameOf(this.config, workflowId), {
        connection,
        prefix: this.config.prefix,
      });
      events.on("error", (error: Error) => this.noteError(error));
      events.on("active", ({ jobId }) => void this.started(jobId));
      events.on("completed", ({ jobId, returnvalue }) => {
        const result = parseResult(returnvalue);
        if (result) void this.finished(jobId, result);
        else void this.refresh(jobId);
      });
      events.on(
        "failed",
        ({ jobId, failedReason }) =>
          void this.finished(jobId, { status: "failed", error: failedReason || "failed in the queue" }),
      );
      this.events.push(events);
    }
    this.unsubscribe = this.bus.subscribe("*", (message) => void this.jobEvent(message as RunEvent));
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.unsubscribe?.();
    await Promise.allSettled(this.events.map((e) => e.close()));
    for (const c of this.connections) c.disconnect();
  }

  /** A run's record from its job in the queue (a run another controller submitted), or undefined. */
  async lookUp(taskId: string): Promise<TaskRecord | undefined> {
    for (const workflowId of this.queue.workflowIds) {
      const job = await this.queue.queueOf(workflowId)!.getJob(taskId);
      if (!job) continue;
      const state = await job.getState();
      const data = job.data as QueuedJob;
      const result = state === "completed" ? parseResult(job.returnvalue) : undefined;
      if (result) return result;
      const workflow = this.project.workflows.get(workflowId);
      const base: TaskRecord = {
        task_id: data.task_id,
        workflow_id: data.workflow_id,
        status: "pending",
        input: data.input,
        created_at: data.created_at,
        jobs: (workflow?.jobs ?? []).map((j) => ({ id: j.id, status: "pending" as const })),
        attempts: job.attemptsStarted,
      };
      if (state === "failed")
        return { ...base, status: "failed", error: job.failedReason, finished_at: iso(job.finishedOn) };
      if (state === "active") return { ...base, status: "running", started_at: iso(job.processedOn) };
      return base;
    }
    return undefined;
  }

  /**
   * A store of the workers' too (PostgreSQL): they write running and the job states
   * themselves, and a write from here could take the pending -> running step from the
   * worker about to execute the run. Only the final state is also written here (a run
   * that failed in the queue has no worker to write it).
   */
  private get shared(): boolean {
    return this.store.driver === "postgres";
  }

  private async started(taskId: string): Promise<void> {
    if (this.shared) return;
    const moved = await this.store
      .transition(taskId, ["pending"], "running", { started_at: new Date().toISOString() })
      .catch(() => undefined);
    if (moved) {
      // A new attempt (after a hand-back) starts from what the store says.
      this.jobStates.delete(taskId);
      this.metrics.runsWaiting.dec();
      this.metrics.runsStarted.inc({ workflow: moved.workflow_id });
    }
  }

  private async finished(
    taskId: string,
    result: Partial<TaskRecord> & { status: TaskStatus },
  ): Promise<void> {
    try {
      const before = await this.store.get(taskId).catch(() => undefined);
      if (!before) return;
      if (!isFinished(before.status)) {
        const { status, output, error, started_at, finished_at, jobs, attempts, worker } = result;
        const patch = {
          output,
          error,
          started_at: started_at ?? before.started_at,
          finished_at: finished_at ?? new Date().toISOString(),
          jobs: jobs ?? before.jobs,
          attempts: attempts ?? before.attempts,
          worker: worker ?? before.worker,
        };
        const moved = await this.store
          .transition(taskId, ["pending", "running"], status, patch)
          .catch(() => undefined);
        if (moved) {
          if (before.status === "pending") this.metrics.runsWaiting.dec();
          this.metrics.runsFinished.inc({ workflow: moved.workflow_id, status });
          this.logger.info(
            {
              task_id: taskId,
              workflow: moved.workflow_id,
              status,
              worker: moved.worker,
              attempts: moved.attempts,
            },
            "task finished",
          );
        }
      }
      const after = await this.store.get(taskId).catch(() => undefined);
      if (after && isFinished(after.status))
        this.bus.publish({ type: "task.settled", run_id: taskId, status: after.status });
    } finally {
      // After the final write: a job event that came meanwhile (the bus and the queue's
      // events are separate streams) may have read the run as still running.
      this.jobStates.delete(taskId);
    }
  }

  /** Job states from the workers' engine events, for a run this store follows. */
  private async jobEvent(event: RunEvent): Promise<void> {
    if (this.shared) return;
    if (event.type !== "job.started" && event.type !== "job.finished" && event.type !== "job.skipped") return;
    const runId = event.run_id;
    let known = this.jobStates.get(runId);
    if (known === undefined) {
      // One read for the events that come while it is under way, too.
      known = this.store.get(runId).then(
        (task) => (task?.status === "running" ? new Map(task.jobs.map((j) => [j.id, j])) : undefined),
        () => undefined,
      );
      this.jobStates.set(runId, known);
    }
    const jobs = await known;
    if (jobs === undefined) {
      // Not running here (yet, or any more): the next event reads again.
      if (this.jobStates.get(runId) === known) this.jobStates.delete(runId);
      return;
    }
    const state = jobStateOf(event, jobs);
    if (state) await this.store.updateJob(runId, state).catch(() => {});
  }

  private async refresh(taskId: string): Promise<void> {
    const record = await this.lookUp(taskId).catch(() => undefined);
    if (!record) return;
    if (isFinished(record.status)) await this.finished(taskId, record);
    else if (record.status === "running") await this.started(taskId);
  }

  /** Reads the jobs of this store's unfinished runs, for events missed while Redis was away. */
  private async sweep(): Promise<void> {
    let page: Awaited<ReturnType<TaskStore["list"]>>;
    try {
      page = await this.store.list({ status: ["pending", "running"] }, undefined, SWEEP_BATCH);
    } catch {
      return;
    }
    for (const task of page.tasks) await this.refresh(task.task_id);
  }

  private noteError(error: Error): void {
    const message = error.message || String(error);
    if (message !== this.lastError)
      this.logger.warn({ err: message, url: redactedUrl(this.config.url) }, "run queue unavailable");
    this.lastError = message;
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
