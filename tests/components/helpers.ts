/** Calling a component plugin directly, as the core does, with logs kept in memory. */
import { Writable } from "node:stream";
import pino from "pino";
import * as v from "valibot";
import type { ComponentCallContext, ComponentResult, Plugin } from "../../runtime/plugins.ts";

export interface Captured {
  ctx: ComponentCallContext;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  controller: AbortController;
}

/** A call context whose logger writes every level, unredacted, to memory. */
export function callContext(signal?: AbortSignal): Captured {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const controller = new AbortController();
  const logger = pino({ level: "trace" }, stream);
  const ctx: ComponentCallContext = {
    signal: signal ?? controller.signal,
    logger,
    env: {},
    runId: "01TESTRUN",
    workflowId: "test",
    jobId: "job",
    projectDir: process.cwd(),
    renderDeferred: () => undefined,
    output: () => {},
    logLine: () => {},
  };
  return { ctx, logs: () => lines.join(""), controller };
}

/** Validates `config` with the plugin's schema (as at run time) and calls it once. */
export async function runComponent(
  plugin: Plugin,
  config: Record<string, unknown>,
  input: unknown,
  ctx: ComponentCallContext = callContext().ctx,
): Promise<ComponentResult> {
  const component = plugin.components![0];
  const parsed = v.parse(component.schema, config);
  const instance = component.create({ id: "c", projectDir: ctx.projectDir, logger: ctx.logger });
  return instance.run(parsed, input, ctx);
}

/** The message of the error `promise` rejects with (fails when it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected the call to fail, but it succeeded");
}
