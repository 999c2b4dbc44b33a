/**
 * One job: its `if`, its input, the component call (with the component's concurrency
 * gate, retries and the job's timeout), the component's and the job's `output:`.
 */
import * as v from "valibot";
import { BindingError, renderTemplate, type Scope } from "../binding/mod.ts";
import type { JobModel } from "../compose/model.ts";
import { CancelledError, RunError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ComponentCallContext } from "../plugins.ts";
import type { ComponentHost } from "./component-host.ts";

export interface JobRunContext {
  host: ComponentHost;
  env: Readonly<Record<string, string>>;
  projectDir: string;
  runId: string;
  workflowId: string;
  startedAt: string;
  logger: Logger;
  signal: AbortSignal;
}

export type JobOutcome = { skipped: true } | { skipped: false; output: unknown; attempts: number };

function render(
  template: Parameters<typeof renderTemplate>[0],
  scope: Scope,
  job: JobModel,
  what: string,
): unknown {
  try {
    return renderTemplate(template, scope);
  } catch (error) {
    if (error instanceof BindingError) {
      throw new RunError(`job "${job.id}": ${what}: ${error.message}`, { jobId: job.id, cause: error });
    }
    throw error;
  }
}

/** Truthiness of an `if:` value: false, 0, "", "false", "0", null and undefined skip. */
function isTruthy(value: unknown): boolean {
  if (typeof value === "string") return !["", "false", "0", "no"].includes(value.trim().toLowerCase());
  return Boolean(value);
}

export async function runJob(
  job: JobModel,
  scope: Scope,
  ctx: JobRunContext,
  onAttempt: (attempt: number) => void,
): Promise<JobOutcome> {
  const context = { ...(scope.context as object), job_id: job.id };
  const jobScope = { ...scope, context };
  if (job.missingEnv.length) {
    const m = job.missingEnv[0];
    throw new RunError(`job "${job.id}": environment variable ${m.name} is not set (used at ${m.where})`, {
      jobId: job.id,
    });
  }
  if (job.condition && !isTruthy(render(job.condition, jobScope, job, "if"))) return { skipped: true };
  const input = job.input ? render(job.input, jobScope, job, "input") : scope.input;

  const timeout = job.timeoutMs !== undefined ? AbortSignal.timeout(job.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
  const { maxAttempts, delayMs } = job.retry;
  for (let attempt = 1; ; attempt++) {
    onAttempt(attempt);
    try {
      const call = callComponent(job, input, context, ctx, signal);
      const result = await (timeout ? raceAbort(call, signal) : call);
      const output = job.output
        ? render(
            job.output,
            { ...result.variables, ...jobScope, input, output: result.output },
            job,
            "output",
          )
        : result.output;
      return { skipped: false, output, attempts: attempt };
    } catch (error) {
      if (ctx.signal.aborted) throw new CancelledError();
      if (timeout?.aborted) {
        throw new RunError(`job "${job.id}" timed out after ${job.timeoutMs} ms`, {
          jobId: job.id,
          cause: error,
        });
      }
      if (attempt >= maxAttempts) throw asJobError(job, error, attempt);
      ctx.logger.warn(
        { job: job.id, attempt, err: (error as Error).message },
        "job attempt failed; retrying",
      );
      if (delayMs > 0) await sleep(delayMs, signal);
    }
  }
}

function asJobError(job: JobModel, error: unknown, attempts: number): RunError {
  if (error instanceof RunError && error.details.jobId === job.id) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : "";
  return new RunError(`job "${job.id}" failed${tries}: ${reason}`, { jobId: job.id, cause: error });
}

async function callComponent(
  job: JobModel,
  input: unknown,
  context: Record<string, unknown>,
  ctx: JobRunContext,
  signal: AbortSignal,
): Promise<{ output: unknown; variables: Record<string, unknown> }> {
  const { component, action } = job;
  const live = await ctx.host.get(component);
  return live.gate.with(async () => {
    const scope = { input, env: ctx.env, context };
    const rendered = render(action.config, scope, job, "component config") as Record<string, unknown>;
    // Deferred fields are validated in their written form; the plugin renders them.
    for (const [field, t] of action.deferred) rendered[field] = t.source;
    const parsed = v.safeParse(component.plugin.schema, rendered);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const where = issue.path?.map((p) => p.key).join(".") ?? "";
      throw new RunError(
        `job "${job.id}": component "${component.id}": ${where ? `${where}: ` : ""}${issue.message}`,
        {
          jobId: job.id,
        },
      );
    }
    const callContext: ComponentCallContext = {
      signal,
      logger: ctx.logger.child({ component: component.id }),
      env: ctx.env,
      runId: ctx.runId,
      workflowId: ctx.workflowId,
      jobId: job.id,
      projectDir: ctx.projectDir,
      renderDeferred: (field, options) => {
        const t = action.deferred.get(field);
        if (!t) return rendered[field];
        try {
          return renderTemplate(t, scope, options);
        } catch (error) {
          if (error instanceof BindingError)
            throw new RunError(`job "${job.id}": ${field}: ${error.message}`, { jobId: job.id });
          throw error;
        }
      },
    };
    const result = await live.instance.run(parsed.output, input, callContext);
    const output = action.output
      ? render(action.output, { ...result.variables, input, env: ctx.env, context }, job, "component output")
      : result.output;
    return { output, variables: result.variables };
  }, signal);
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
