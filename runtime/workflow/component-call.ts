/**
 * One job's call of its component, in three steps: prepare (render and check the
 * action's configuration, once), run (through the component's concurrency gate; once
 * per attempt), finish (the component's `output:` mapping, once). Only `run` is
 * retried: the other steps give the same answer every time.
 */
import * as v from "valibot";
import { BindingError, renderTemplate, type Scope } from "../binding/mod.ts";
import type { JobModel } from "../compose/model.ts";
import { absolutePath } from "../compose/paths.ts";
import { formatKeyPath, formatLocation, RunError } from "../errors.ts";
import type { ComponentCallContext, ComponentResult } from "../plugins.ts";
import { formatIssues } from "../schema-kit.ts";
import type { LogStream } from "./events.ts";
import { LineSplitter } from "./output-lines.ts";
import type { JobRunContext } from "./run-job.ts";

/** Errors that another attempt cannot fix (bad bindings in a deferred field). */
const finalErrors = new WeakSet<object>();

/** Whether retrying after `error` is pointless. */
export function isFinal(error: unknown): boolean {
  return typeof error === "object" && error !== null && finalErrors.has(error);
}

/** Renders `template`; a binding error becomes a RunError naming the job and `what`. */
export function renderForJob(
  template: Parameters<typeof renderTemplate>[0],
  scope: Scope,
  job: JobModel,
  what: string,
): unknown {
  try {
    return renderTemplate(template, scope);
  } catch (error) {
    if (error instanceof BindingError) {
      // The key that holds the failing binding, and where it is written.
      const keyPath = [what, ...(error.path ?? [])];
      const at = job.locate?.(keyPath);
      const where = `${formatKeyPath(keyPath)}${at ? ` (at ${formatLocation(at)})` : ""}`;
      throw new RunError(`job "${job.id}": ${where}: ${error.message}`, { jobId: job.id, cause: error });
    }
    throw error;
  }
}

export interface PreparedCall {
  /** One attempt. */
  run(signal: AbortSignal): Promise<ComponentResult>;
  /** The component's output (its `output:` mapping applied) and its result variables. */
  finish(result: ComponentResult): { output: unknown; variables: Record<string, unknown> };
}

/** Renders and validates the action's configuration for this input. */
export function prepareCall(
  job: JobModel,
  input: unknown,
  context: Record<string, unknown>,
  ctx: JobRunContext,
): PreparedCall {
  const { component, action } = job;
  const scope = { input, env: ctx.env, context };
  const rendered = renderForJob(action.config, scope, job, "component config") as Record<string, unknown>;
  // Deferred fields are validated in their written form; the plugin renders them.
  for (const [field, t] of action.deferred) rendered[field] = t.source;
  for (const [field, dir] of action.pathBases) {
    const value = rendered[field];
    if (typeof value === "string" && value !== "") rendered[field] = absolutePath(value, dir);
  }
  const parsed = v.safeParse(component.plugin.schema, rendered);
  if (!parsed.success) {
    throw new RunError(`job "${job.id}": component "${component.id}": ${formatIssues(parsed.issues)}`, {
      jobId: job.id,
    });
  }
  const renderDeferred: ComponentCallContext["renderDeferred"] = (field, options) => {
    const t = action.deferred.get(field);
    if (!t) return rendered[field];
    try {
      return renderTemplate(t, scope, options);
    } catch (error) {
      if (!(error instanceof BindingError)) throw error;
      const failure = new RunError(`job "${job.id}": ${field}: ${error.message}`, { jobId: job.id });
      finalErrors.add(failure);
      throw failure;
    }
  };
  return {
    async run(signal) {
      const live = await ctx.host.get(component);
      const line = (stream: LogStream) => (text: string) =>
        ctx.emit({ type: "log", job_id: job.id, stream, text });
      // One splitter per stream and attempt: a cut line never joins the next attempt's.
      const splitters = {
        stdout: new LineSplitter(line("stdout")),
        stderr: new LineSplitter(line("stderr")),
      };
      try {
        return await live.gate.with(
          () =>
            live.instance.run(parsed.output, input, {
              signal,
              logger: ctx.logger.child({ component: component.id }),
              env: ctx.env,
              runId: ctx.runId,
              workflowId: ctx.workflowId,
              jobId: job.id,
              projectDir: ctx.projectDir,
              renderDeferred,
              output: (stream, chunk) => splitters[stream]?.write(chunk),
              logLine: (level, text) => {
                // Unfollowed, the event is only counted (its number stays taken): no text.
                const line = typeof text === "function" ? (ctx.followed ? text() : "") : text;
                ctx.emit({ type: "log", job_id: job.id, stream: "log", text: line, level });
              },
            }),
          signal,
        );
      } finally {
        splitters.stdout.end();
        splitters.stderr.end();
      }
    },
    finish(result) {
      const output = action.output
        ? renderForJob(action.output, { ...result.variables, ...scope }, job, "component output")
        : result.output;
      return { output, variables: result.variables };
    },
  };
}
