/**
 * Execution: takes runs from the queue, runs them (in this thread or a worker thread,
 * through the RunExecutor), and writes what happens to the store: running, each job,
 * the final state. Cancellation arrives as a `cancel.requested` message on the bus, so
 * whoever asks need not be the process that executes the run. After the final state is
 * written, `task.settled` is published for the waiters.
 */
import { isoNow } from "../clock.ts";
import type { Project } from "../compose/model.ts";
import { CancelledError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { StoreUnavailableError } from "../store/guard.ts";
import type { JobRecord, TaskPatch, TaskRecord, TaskStatus } from "../store/task-record.ts";
import type { TaskStore } from "../store/task-store.ts";
import type { RunEvent } from "../workflow/events.ts";
import type { RunExecutor } from "./executor.ts";
import { JobWrites } from "./job-writes.ts";
import type { ControllerMetrics } from "./metrics.ts";
import type { CancelRequested, RunBus } from "./run-bus.ts";
import type { QueuedRun, RunQueue } from "./run-queue.ts";

/** A job's new state after `event` (undefined when the event changes none), kept in `jobs`. */
export function jobStateOf(event: RunEvent, jobs: Map<string, JobRecord>): JobRecord | undefined {
  if (event.type !== "job.started" && event.type !== "job.finished" && event.type !== "job.skipped")
    return undefined;
  const before = jobs.get(event.job_id) ?? { id: event.job_id, status: "pending" as const };
  let next: JobRecord;
  if (event.type === "job.started") {
    next = { ...before, status: "running", started_at: event.time, attempts: event.attempt };
  } else if (event.type === "job.skipped") {
    next = { ...before, status: "skipped", finished_at: event.time };
  } else {
    next = { ...before, status: event.status, finished_at: event.time, attempts: event.attempts };
    if (event.error !== undefined) next.error = event.error;
    if (event.output !== undefined) next.output = event.output;
  }
  jobs.set(event.job_id, next);
  return next;
}

/**
 * Why a run stops when it goes back to its queue (a queue worker shutting down): not a
 * final state. The run is moved back to pending and the error is rethrown to the queue.
 */
export class HandBackError extends Error {
  override readonly name = "HandBackError";
}

export class Execution {
  private closed = false;
  /** Runs executing here now, by task id. */
  private readonly live = new Map<string, { abort: AbortController; done: Promise<unknown> }>();
  private readonly stopListening: () => void;

  constructor(
    private readonly project: Project,
    private readonly store: TaskStore,
    private readonly bus: RunBus,
    private readonly metrics: ControllerMetrics,
    private readonly executor: RunExecutor,
    private readonly logger: Logger,
  ) {
    // One listener for every run's cancellation, found among the runs executing here: a
    // subscription per run was a set and two closures made and dropped for each.
    this.stopListening = bus.subscribe("*", (message) => {
      if (message.type !== "cancel.requested") return;
      this.live.get(message.run_id)?.abort.abort(new CancelledError((message as CancelRequested).reason));
    });
  }

  /** Starts taking runs from `queue`. */
  start(queue: RunQueue): void {
    queue.consume((run) => this.execute(run));
  }

  get running(): number {
    return this.live.size;
  }

  /** Settles when every run executing here now has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((r) => r.done));
  }

  /** Aborts every run executing here. */
  abortAll(reason: string): void {
    for (const run of this.live.values()) run.abort.abort(new CancelledError(reason));
  }

  /** Stops every run executing here and gives it back to the queue (HandBackError). */
  handBackAll(reason: string): void {
    for (const run of this.live.values()) run.abort.abort(new HandBackError(reason));
  }

  private execute(run: QueuedRun): Promise<void> {
    return this.track(run, (abort) => this.executeRun(run, abort));
  }

  /**
   * Runs a run its submitter has already recorded as running (RunManager.runWaited),
   * here and now, and resolves with its final record: nothing moves it from pending and
   * nobody needs to hear of its end through the bus to answer its request.
   */
  runStarted(run: QueuedRun): Promise<TaskRecord | undefined> {
    return this.track(run, (abort) => this.runBody(run, abort));
  }

  /** Keeps `run` among the runs executing here (for cancel and drain) while `body` runs. */
  private track<T>(run: QueuedRun, body: (abort: AbortController) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const done = body(abort).finally(() => this.live.delete(run.task_id));
    this.live.set(run.task_id, { abort, done });
    return done;
  }

  private async executeRun(run: QueuedRun, abort: AbortController): Promise<void> {
    const taskId = run.task_id;
    this.metrics.runsWaiting.dec();
    // Let the HTTP response (202 for a run nobody waits for) go out first: otherwise a
    // component that computes before its first await holds the response back.
    await new Promise((resolve) => setImmediate(resolve));
    const started = await this.persist(taskId, "start", () =>
      this.store.transition(taskId, ["pending"], "running", { started_at: isoNow() }),
    );
    // Cancelled (or taken by someone else) before it started.
    if (!started) return;
    await this.runBody(run, abort);
  }

  /** Runs a run recorded as running, writes what happens, and resolves with its final record. */
  private async runBody(run: QueuedRun, abort: AbortController): Promise<TaskRecord | undefined> {
    const { task_id: taskId, workflow_id: workflowId } = run;
    const m = this.metrics;
    if (abort.signal.aborted)
      return this.settle(
        taskId,
        workflowId,
        "cancelled",
        { error: "cancelled before it started" },
        new Map(),
      );
    m.runsInFlight.inc();
    m.runsStarted.inc({ workflow: workflowId });
    const t0 = performance.now();
    let status: TaskStatus = "completed";
    // Each job's state so far: an event changes only some fields.
    const jobs = new Map<string, JobRecord>();
    let patch: TaskPatch = {};
    const jobWrites = new JobWrites((state) =>
      this.store.updateJob(taskId, state).catch((error) => {
        this.logger.warn(
          { task_id: taskId, job: state.id, err: (error as Error).message },
          "cannot record a job's state",
        );
      }),
    );
    try {
      const outcome = await this.executor.execute(
        { runId: taskId, workflowId, input: run.input },
        abort.signal,
        (event) => {
          this.bus.publish(event);
          const job = jobStateOf(event, jobs);
          if (job) jobWrites.add(job);
          this.countEvent(workflowId, event);
        },
      );
      // The engine's final job states, with the outputs its events carried.
      const withOutputs = outcome.jobs.map((j) => {
        const output = jobs.get(j.id)?.output;
        return output === undefined ? j : { ...j, output };
      });
      patch = { output: outcome.output, jobs: withOutputs };
    } catch (error) {
      if (abort.signal.reason instanceof HandBackError) {
        await jobWrites.stop();
        const workflow = this.project.workflows.get(workflowId);
        await this.store.transition(taskId, ["running"], "pending", {
          started_at: undefined,
          jobs: (workflow?.jobs ?? []).map((j) => ({ id: j.id, status: "pending" as const })),
        });
        throw abort.signal.reason;
      }
      status = abort.signal.aborted || error instanceof CancelledError ? "cancelled" : "failed";
      // Say who cancelled (a request, the shutdown), not just that the run was cancelled.
      const cause =
        abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : error;
      patch = { error: cause instanceof Error ? cause.message : String(cause) };
    } finally {
      m.runsInFlight.dec();
    }
    m.runDuration.observe({ workflow: workflowId, status }, (performance.now() - t0) / 1000);
    // The final write carries every job; one in progress lands first, so it cannot
    // overwrite the final states.
    await jobWrites.stop();
    return this.settle(taskId, workflowId, status, patch, jobs);
  }

  /** The metrics that follow from a run's events. */
  private countEvent(workflowId: string, event: RunEvent): void {
    const m = this.metrics;
    if (event.type !== "job.started" && event.type !== "job.finished") return;
    const job = this.componentsOf(workflowId).get(event.job_id);
    if (event.type === "job.started") {
      if (job) m.componentCalls.inc(job);
      return;
    }
    if (job && event.status === "failed") m.componentErrors.inc(job);
    if (event.duration_ms !== undefined)
      m.jobDuration.observe(
        { workflow: workflowId, job: event.job_id, status: event.status },
        event.duration_ms / 1000,
      );
  }

  /** Each workflow's jobs' component labels, by job id (looked up for every job event). */
  private readonly components = new Map<string, Map<string, { component: string; type: string }>>();

  private componentsOf(workflowId: string): Map<string, { component: string; type: string }> {
    let byJob = this.components.get(workflowId);
    if (!byJob) {
      const jobs = this.project.workflows.get(workflowId)?.jobs ?? [];
      byJob = new Map(jobs.map((j) => [j.id, { component: j.component.id, type: j.component.type }]));
      this.components.set(workflowId, byJob);
    }
    return byJob;
  }

  /**
   * Runs a store write until it succeeds: while the database is away, a run goes on and
   * its state waits here, written once the store answers again (the transition's
   * compare-and-set keeps a retried write from applying twice).
   */
  private async persist<T>(taskId: string, what: string, write: () => Promise<T>): Promise<T> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || this.closed) throw error;
        if (attempt === 1)
          this.logger.warn(
            { task_id: taskId, write: what },
            "run store unavailable; the run's state will be written when it is back",
          );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Stops retrying writes (the controller is going away). */
  close(): void {
    this.closed = true;
    this.stopListening();
  }

  /** Writes the final state (from running), tells the waiters, and resolves with it. */
  private async settle(
    taskId: string,
    workflowId: string,
    status: TaskStatus,
    patch: TaskPatch,
    seen: Map<string, JobRecord>,
  ): Promise<TaskRecord | undefined> {
    const record = await this.persist(taskId, "finish", async () => {
      // The engine's job states when it gave them, else what the store and the events say.
      const known =
        patch.jobs ?? ((await this.store.get(taskId))?.jobs ?? []).map((j) => seen.get(j.id) ?? j);
      const jobs = known.map((j) =>
        status !== "completed" && (j.status === "pending" || j.status === "running")
          ? { ...j, status: "cancelled" as const }
          : j,
      );
      return this.store.transition(taskId, ["running"], status, {
        ...patch,
        jobs,
        finished_at: isoNow(),
      });
    });
    if (!record) return undefined;
    this.metrics.runsFinished.inc({ workflow: workflowId, status });
    this.logger.info({ task_id: taskId, workflow: workflowId, status }, "task finished");
    this.bus.publish({ type: "task.settled", run_id: taskId, status, record });
    return record;
  }
}
