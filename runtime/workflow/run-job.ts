/**
 * One job: its `if`, its input, the component call (component-call.ts) with retries
 * and the job's timeout, and the job's `output:`.
 */
import { materialize, type Scope, truthy } from "../binding/mod.ts";
import type { JobModel } from "../compose/model.ts";
import { CancelledError, RunError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ComponentResult } from "../plugins.ts";
import { isFinal, prepareCall, renderForJob } from "./component-call.ts";
import type { ComponentHost } from "./component-host.ts";
import type { RunEventBody } from "./events.ts";

export interface JobRunContext {
  host: ComponentHost;
  env: Readonly<Record<string, string>>;
  projectDir: string;
  runId: string;
  workflowId: string;
  startedAt: string;
  logger: Logger;
  signal: AbortSignal;
  /** Stamps and sends one of the run's events. */
  emit: (body: RunEventBody) => void;
  /** Whether anyone listens to the run's events (else `emit` only counts them). */
  followed: boolean;
}

/** What a job tells its scheduler while it runs. */
export interface JobProgress {
  attempt(attempt: number): void;
  retrying(attempt: number, error: unknown, delayMs: number): void;
}

export type JobOutcome = { skipped: true } | { skipped: false; output: unknown; attempts: number };

export async function runJob(
  job: JobModel,
  scope: Scope,
  ctx: JobRunContext,
  progress: JobProgress,
): Promise<JobOutcome> {
  const context = { ...(scope.context as object), job_id: job.id };
  const jobScope = { ...scope, context };
  if (job.missingEnv.length) {
    const m = job.missingEnv[0];
    throw new RunError(`job "${job.id}": environment variable ${m.name} is not set (used at ${m.where})`, {
      jobId: job.id,
    });
  }
  if (job.condition && !truthy(renderForJob(job.condition, jobScope, job, "if"))) return { skipped: true };
  const input = job.input ? renderForJob(job.input, jobScope, job, "input") : scope.input;

  const timeout = job.timeoutMs !== undefined ? AbortSignal.timeout(job.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
  const { maxAttempts, delayMs } = job.retry;
  const call = prepareCall(job, input, context, ctx);
  // Why the job must stop now, whatever the last attempt did: cancelled, or out of time.
  const stopped = (cause: unknown): Error | undefined => {
    if (ctx.signal.aborted) return new CancelledError();
    if (timeout?.aborted) {
      return new RunError(`job "${job.id}" timed out after ${job.timeoutMs} ms`, { jobId: job.id, cause });
    }
    return undefined;
  };
  for (let attempt = 1; ; attempt++) {
    progress.attempt(attempt);
    let result: ComponentResult;
    try {
      const attempted = call.run(signal);
      result = await (timeout ? raceAbort(attempted, signal) : attempted);
    } catch (error) {
      const stop = stopped(error);
      if (stop) throw stop;
      if (isFinal(error) || attempt >= maxAttempts) throw asJobError(job, error, attempt);
      // ctx.logger already names the job.
      ctx.logger.warn({ attempt, err: (error as Error).message }, "job attempt failed; retrying");
      progress.retrying(attempt, error, delayMs);
      if (delayMs > 0) {
        try {
          await sleep(delayMs, signal);
        } catch (sleepError) {
          throw stopped(sleepError) ?? sleepError;
        }
      }
      continue;
    }
    // Mapping the output is not retried: a bad mapping fails the same way every time.
    const { output: componentOutput, variables } = call.finish(result);
    const output = job.output
      ? renderForJob(job.output, { ...variables, ...jobScope, input, output: componentOutput }, job, "output")
      : // A view (a shell's stdout with upstream's fields) is read by the job's own
        // output mapping; what the job hands on is plain data.
        materialize(componentOutput);
    return { skipped: false, output, attempts: attempt };
  }
}

function asJobError(job: JobModel, error: unknown, attempts: number): RunError {
  if (error instanceof RunError && error.details.jobId === job.id) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : "";
  return new RunError(`job "${job.id}" failed${tries}: ${reason}`, { jobId: job.id, cause: error });
}

/** Rejects as soon as `signal` aborts, even if `promise` ignores it. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
