/**
 * Runs one workflow: schedules its jobs (one after another when no job declares
 * `depends_on`, as a graph otherwise), passes outputs along, stops everything on the
 * first failure, and produces the workflow's output. The same function serves
 * `model-compose run`, the controller and worker threads.
 *
 * A little over 400 lines: the scheduler and the per-run state it drives (job states,
 * events, cancellation) change together; the job itself is run-job.ts.
 */

import { BindingError, BindingView, renderTemplate } from "../binding/mod.ts";
import { isoAt, isoNow } from "../clock.ts";
import { locatePath } from "../compose/locations.ts";
import type { JobModel, Project, WorkflowModel } from "../compose/model.ts";
import { CancelledError, ConfigError, RunError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { mergeOwn } from "../own-property.ts";
import { ulid } from "../ulid.ts";
import { ComponentHost } from "./component-host.ts";
import {
  eventSink,
  type JobFinishedEvent,
  type RunEventBase,
  type RunEventListener,
  type RunStartedEvent,
} from "./events.ts";
import { type JobOutcome, type JobRunContext, runJob } from "./run-job.ts";
import type { JobState } from "./run-state.ts";

export interface RunOptions {
  runId?: string;
  signal?: AbortSignal;
  logger?: Logger;
  /** Receives the run's events (events.ts), from run.started to run.finished. */
  onEvent?: RunEventListener;
  /** The last sequence number already used for this run's events; default 0. */
  eventSeqAfter?: number;
  /** Shared component instances (and their concurrency gates); default: a private host. */
  host?: ComponentHost;
  /**
   * Level of the "run failed" line; default error (warn when cancelled). `run` uses
   * info: it prints the failure itself, and a console would show it twice.
   */
  failureLogLevel?: "error" | "warn" | "info";
}

export interface RunResult {
  runId: string;
  workflowId: string;
  output: unknown;
  jobs: JobState[];
}

/** Finds the workflow to run: the named one, else the default. */
export function selectWorkflow(project: Project, workflowId?: string): WorkflowModel {
  if (workflowId !== undefined) {
    const wf = project.workflows.get(workflowId);
    if (!wf) {
      const ids = [...project.workflows.keys()];
      throw new ConfigError(`unknown workflow "${workflowId}" (workflows: ${ids.join(", ") || "none"})`);
    }
    return wf;
  }
  const id = project.defaultWorkflowId;
  if (!id) {
    const ids = [...project.workflows.keys()];
    // Said of the file: where the workflows are, else its start.
    const at = locatePath(project.written, ["workflows"]) ?? { file: project.files[0], line: 1, column: 1 };
    throw ids.length === 0
      ? new ConfigError(
          `no workflow is defined${project.files.length > 1 ? ` in any of ${project.files.join(", ")}` : ""}; add one under workflows: or workflow:`,
          at,
        )
      : new ConfigError(
          `several workflows and none is the default; name one (${ids.join(", ")}) or mark one with default: true`,
          at,
          ["workflows"],
        );
  }
  return project.workflows.get(id)!;
}

/** Applies the workflow's `input:` template (defaults, conversions, required fields). */
export function prepareInput(
  workflow: WorkflowModel,
  input: unknown,
  env: Readonly<Record<string, string>>,
  context: object,
): unknown {
  if (!workflow.input) return input ?? {};
  const given = input && typeof input === "object" ? (input as Record<string, unknown>) : {};
  const missing = workflow.requiredInputs.filter((k) => given[k] === undefined || given[k] === null);
  if (missing.length) {
    throw new RunError(
      `input of workflow "${workflow.id}" is missing ${missing.map((k) => `"${k}"`).join(", ")}`,
      {
        workflowId: workflow.id,
      },
    );
  }
  try {
    return renderTemplate(workflow.input, { input: input ?? {}, env, context });
  } catch (error) {
    if (error instanceof BindingError) {
      throw new RunError(`input of workflow "${workflow.id}" is invalid: ${error.message}`, {
        workflowId: workflow.id,
      });
    }
    throw error;
  }
}

const jobGraphs = new WeakMap<WorkflowModel, RunStartedEvent["jobs"]>();

/** The workflow's jobs and what each waits for, as run.started tells it: made once, frozen. */
function jobGraphOf(workflow: WorkflowModel): RunStartedEvent["jobs"] {
  let graph = jobGraphs.get(workflow);
  if (!graph) {
    graph = Object.freeze(
      workflow.jobs.map((j, i) =>
        Object.freeze({
          id: j.id,
          depends_on: Object.freeze(
            workflow.sequential ? (i > 0 ? [workflow.jobs[i - 1].id] : []) : [...j.dependsOn],
          ),
        }),
      ),
    ) as RunStartedEvent["jobs"];
    jobGraphs.set(workflow, graph);
  }
  return graph;
}

/**
 * Runs a workflow once and returns its output.
 *
 * @example
 * ```ts
 * const project = await loadProject({ files: ["model-compose.yml"] });
 * const { output } = await runWorkflow(project, "summarize", { text: "..." });
 * ```
 */
export async function runWorkflow(
  project: Project,
  workflowId: string | undefined,
  input: unknown,
  options: RunOptions = {},
): Promise<RunResult> {
  const workflow = selectWorkflow(project, workflowId);
  const runId = options.runId ?? ulid();
  const logger = (options.logger ?? silentLogger()).child({ run_id: runId, workflow: workflow.id });
  const ownHost = !options.host;
  const host = options.host ?? new ComponentHost(project.projectDir, logger);
  const startedAt = isoNow();
  const context = { run_id: runId, workflow_id: workflow.id, started_at: startedAt };
  const emit = eventSink(runId, options.onEvent, options.eventSeqAfter);
  emit({ type: "run.started", workflow_id: workflow.id, jobs: jobGraphOf(workflow) });
  logger.info(
    { input_keys: input && typeof input === "object" ? Object.keys(input) : undefined },
    "run started",
  );
  const t0 = performance.now();
  let scheduler: Scheduler | undefined;
  const initialStates = (): JobState[] => workflow.jobs.map((j) => ({ id: j.id, status: "pending" }));
  try {
    if (workflow.missingEnv.length) {
      const m = workflow.missingEnv[0];
      throw new RunError(`environment variable ${m.name} is not set (used at ${m.where})`, {
        workflowId: workflow.id,
      });
    }
    const wfInput = prepareInput(workflow, input, project.env, context);
    scheduler = new Scheduler(workflow, wfInput, {
      host,
      env: project.env,
      projectDir: project.projectDir,
      runId,
      workflowId: workflow.id,
      startedAt,
      logger,
      signal: options.signal ?? new AbortController().signal,
      context,
      emit,
      followed: options.onEvent !== undefined,
    });
    const output = await scheduler.run();
    const duration_ms = Math.round(performance.now() - t0);
    logger.info({ duration_ms }, "run completed");
    const jobs = scheduler.states();
    emit({ type: "run.finished", workflow_id: workflow.id, status: "completed", duration_ms, output, jobs });
    return { runId, workflowId: workflow.id, output, jobs };
  } catch (error) {
    const cancelled = error instanceof CancelledError;
    const level = options.failureLogLevel ?? (cancelled ? "warn" : "error");
    const duration_ms = Math.round(performance.now() - t0);
    logger[level]({ duration_ms, err: (error as Error).message }, "run failed");
    const jobId = error instanceof RunError ? error.details.jobId : undefined;
    // Who cancelled (a request, a shutdown) says more than "cancelled".
    const reason = options.signal?.aborted ? options.signal.reason : undefined;
    emit({
      type: "run.finished",
      workflow_id: workflow.id,
      status: cancelled ? "cancelled" : "failed",
      duration_ms,
      error: cancelled && reason instanceof Error ? reason.message : (error as Error).message,
      ...(jobId ? { job_id: jobId } : {}),
      jobs: scheduler?.states() ?? initialStates(),
    });
    throw error;
  } finally {
    if (ownHost) await host.close();
  }
}

/** What each job waits for and which jobs wait for it: the same for every run of a workflow. */
interface Plan {
  deps: ReadonlyMap<string, readonly string[]>;
  /**
   * A job can only become ready when one of its dependencies settles, so each pass of
   * the scheduler looks at the dependents of the jobs settled since the last one, not
   * at every waiting job: scanning them all made a 1000-job chain quadratic.
   */
  dependents: ReadonlyMap<string, readonly JobModel[]>;
}

const plans = new WeakMap<WorkflowModel, Plan>();

function planOf(workflow: WorkflowModel): Plan {
  let plan = plans.get(workflow);
  if (plan) return plan;
  const jobs = workflow.jobs;
  // Sequential workflows: each job waits for the one listed before it.
  const deps = new Map(
    jobs.map((j, i) => [j.id, workflow.sequential ? (i > 0 ? [jobs[i - 1].id] : []) : j.dependsOn]),
  );
  const dependents = new Map<string, JobModel[]>();
  for (const job of jobs) {
    for (const d of deps.get(job.id)!) {
      const list = dependents.get(d);
      if (list) list.push(job);
      else dependents.set(d, [job]);
    }
  }
  plan = { deps, dependents };
  plans.set(workflow, plan);
  return plan;
}

type JobFinishedBody = Omit<JobFinishedEvent, keyof RunEventBase>;

interface SchedulerContext extends JobRunContext {
  context: Record<string, unknown>;
}

class Scheduler {
  private readonly outputs = new Map<string, unknown>();
  private readonly jobStates = new Map<string, JobState>();
  private readonly plan: Plan;
  /**
   * Stops the other jobs when one fails. A workflow of one job has no other job, so its
   * job listens to the run's own signal: an AbortController and a listener on the run's
   * signal were a tenth of the engine's CPU time for a one-job run.
   */
  private readonly abort: AbortController | undefined;
  /** The signal jobs get. */
  private readonly jobSignal: AbortSignal;
  /** For `${jobs.ID.output}`: filled in as jobs finish. */
  private readonly jobsScope: Record<string, { output: unknown; status: string }> = {};

  constructor(
    private readonly workflow: WorkflowModel,
    private readonly input: unknown,
    private readonly ctx: SchedulerContext,
  ) {
    const jobs = workflow.jobs;
    this.plan = planOf(workflow);
    for (const j of jobs) this.jobStates.set(j.id, { id: j.id, status: "pending" });
    this.abort = jobs.length > 1 ? new AbortController() : undefined;
    this.jobSignal = this.abort?.signal ?? ctx.signal;
  }

  states(): JobState[] {
    return this.workflow.jobs.map((j) => ({ ...this.jobStates.get(j.id)! }));
  }

  async run(): Promise<unknown> {
    const outer = this.ctx.signal;
    if (outer.aborted) throw new CancelledError();
    const own = this.abort;
    if (!own) {
      await this.schedule();
      return this.workflowOutput();
    }
    const onOuterAbort = () => own.abort(new CancelledError());
    outer.addEventListener("abort", onOuterAbort, { once: true });
    try {
      await this.schedule();
    } finally {
      outer.removeEventListener("abort", onOuterAbort);
    }
    return this.workflowOutput();
  }

  private async schedule(): Promise<void> {
    const waiting = new Set(this.workflow.jobs);
    const running = new Map<string, Promise<void>>();
    const { deps, dependents } = this.plan;
    let candidates: Iterable<JobModel> = this.workflow.jobs;
    let settled: string[] = [];
    let failure: unknown;
    while ((waiting.size > 0 || running.size > 0) && failure === undefined) {
      for (const job of candidates) {
        if (waiting.has(job) && deps.get(job.id)!.every((d) => this.outputs.has(d))) {
          waiting.delete(job);
          const p = this.execute(job).then(
            () => {
              running.delete(job.id);
              settled.push(job.id);
            },
            (error) => {
              running.delete(job.id);
              settled.push(job.id);
              failure ??= error;
            },
          );
          running.set(job.id, p);
        }
      }
      if (running.size === 0) break;
      // One job at a time (a chain, a sequential workflow, a one-job run) needs no race.
      await (running.size === 1 ? running.values().next().value : Promise.race(running.values()));
      candidates = settled.flatMap((id) => dependents.get(id) ?? []);
      settled = [];
    }
    if (failure !== undefined) {
      // Stop the rest: cancel running jobs, never start the waiting ones.
      this.abort?.abort(new CancelledError("cancelled because another job failed"));
      await Promise.allSettled(running.values());
      for (const job of waiting) this.setState(job.id, { status: "cancelled" });
      if (this.ctx.signal.aborted || failure instanceof CancelledError) throw new CancelledError();
      throw failure;
    }
  }

  /**
   * Applies `patch` to the job's state (kept here only; `states()` hands out copies)
   * and emits the event it means. `durationMs` is the finished job's, when it ran.
   */
  private setState(jobId: string, patch: Partial<JobState>, output?: unknown, durationMs?: number): void {
    const state = Object.assign(this.jobStates.get(jobId)!, patch);
    const status = patch.status;
    if (status === "skipped") this.ctx.emit({ type: "job.skipped", job_id: jobId });
    else if (status === "completed" || status === "failed" || status === "cancelled") {
      // Field by field, in the order the event is written in.
      const event = { type: "job.finished", job_id: jobId, status } as JobFinishedBody;
      if (durationMs !== undefined) event.duration_ms = durationMs;
      event.attempts = state.attempts ?? 0;
      if (status === "completed") event.output = output;
      else if (state.error !== undefined) event.error = state.error;
      this.ctx.emit(event);
    }
  }

  private async execute(job: JobModel): Promise<void> {
    const startedMs = Date.now();
    this.setState(job.id, { status: "running", started_at: isoAt(startedMs) });
    const logger = this.ctx.logger.child({ job: job.id });
    logger.debug("job started");
    let outcome: JobOutcome;
    try {
      outcome = await runJob(
        job,
        this.scopeFor(job),
        { ...this.ctx, signal: this.jobSignal, logger },
        {
          attempt: (attempt) => {
            this.jobStates.get(job.id)!.attempts = attempt;
            this.ctx.emit({ type: "job.started", job_id: job.id, attempt });
          },
          retrying: (attempt, error, delayMs) =>
            this.ctx.emit({
              type: "job.retrying",
              job_id: job.id,
              attempt,
              error: error instanceof Error ? error.message : String(error),
              delay_ms: delayMs,
            }),
        },
      );
    } catch (error) {
      const cancelled = error instanceof CancelledError;
      const finishedMs = Date.now();
      this.setState(
        job.id,
        {
          status: cancelled ? "cancelled" : "failed",
          finished_at: isoAt(finishedMs),
          error: (error as Error).message,
        },
        undefined,
        finishedMs - startedMs,
      );
      logger.debug({ err: (error as Error).message }, cancelled ? "job cancelled" : "job failed");
      throw error instanceof RunError || cancelled
        ? error
        : new RunError(`job "${job.id}" failed: ${(error as Error).message}`, {
            jobId: job.id,
            cause: error,
          });
    }
    const output = outcome.skipped ? null : outcome.output;
    this.outputs.set(job.id, output);
    this.jobsScope[job.id] = { output, status: outcome.skipped ? "skipped" : "completed" };
    const finishedMs = Date.now();
    this.setState(
      job.id,
      { status: outcome.skipped ? "skipped" : "completed", finished_at: isoAt(finishedMs) },
      output,
      finishedMs - startedMs,
    );
    logger.debug(outcome.skipped ? "job skipped" : "job completed");
  }

  /** The binding scope of a job's `input:`, `if:` and `output:`. */
  private scopeFor(job: JobModel) {
    const deps = this.plan.deps.get(job.id)!;
    let previous: unknown;
    if (deps.length === 1) previous = this.outputs.get(deps[0]);
    else if (deps.length > 1) previous = Object.fromEntries(deps.map((d) => [d, this.outputs.get(d)]));
    return {
      input: this.input,
      env: this.ctx.env,
      jobs: this.jobsScope,
      output: this.previousOutputView(previous),
      context: this.ctx.context,
    };
  }

  /**
   * `${output}` is the previous job's output. The user guide also writes
   * `${output.end-time}` for "the output of job end-time": a field the previous output
   * does not have falls back to the finished job of that id.
   */
  private previousOutputView(previous: unknown): unknown {
    const outputs = this.outputs;
    const hasOwn = (key: string | number) =>
      previous !== null && typeof previous === "object" && Object.hasOwn(previous as object, key);
    return new BindingView(
      (key) => {
        if (hasOwn(key)) return (previous as Record<string | number, unknown>)[key];
        if (typeof key === "string" && outputs.has(key)) return outputs.get(key);
        return undefined;
      },
      () => (previous !== null && typeof previous === "object" ? Object.keys(previous as object) : []),
      previous,
    );
  }

  private workflowOutput(): unknown {
    const wf = this.workflow;
    let lastRan: JobModel | undefined;
    for (let i = wf.jobs.length - 1; i >= 0 && !lastRan; i--)
      if (this.jobsScope[wf.jobs[i].id]?.status === "completed") lastRan = wf.jobs[i];
    if (wf.output) {
      try {
        return renderTemplate(wf.output, {
          input: this.input,
          env: this.ctx.env,
          jobs: this.jobsScope,
          context: this.ctx.context,
          output: lastRan ? this.outputs.get(lastRan.id) : null,
        });
      } catch (error) {
        if (error instanceof BindingError)
          throw new RunError(`workflow output: ${error.message}`, { workflowId: wf.id });
        throw error;
      }
    }
    if (wf.sequential) return lastRan ? this.outputs.get(lastRan.id) : null;
    // A graph: the outputs of the jobs no other job depends on, merged. A skipped job
    // has no output to give.
    const needed = new Set(wf.jobs.flatMap((j) => j.dependsOn));
    const sinks = wf.jobs.filter((j) => !needed.has(j.id) && this.jobsScope[j.id]?.status === "completed");
    if (sinks.length === 0) return null;
    if (sinks.length === 1) return this.outputs.get(sinks[0].id);
    const values = sinks.map((j) => this.outputs.get(j.id));
    if (values.every((v) => v !== null && typeof v === "object" && !Array.isArray(v)))
      return mergeOwn(...(values as object[]));
    return Object.fromEntries(sinks.map((j) => [j.id, this.outputs.get(j.id)]));
  }
}
