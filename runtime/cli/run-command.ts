/**
 * `model-compose run [WORKFLOW] [-i JSON|@file|@-] [-o FILE]`: one run, no controller.
 * stdout carries exactly the JSON result (or `{"error": ...}`); logs go to stderr.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { locatePath } from "../compose/locations.ts";
import type { Project } from "../compose/model.ts";
import type { Composition } from "../composition.ts";
import { CancelledError, ConfigError, RunError } from "../errors.ts";
import { type GlobalOptions, loadFromOptions } from "./common.ts";
import { describeError, EXIT_OK, exitCodeOf } from "./report.ts";
import { writeStderr, writeStdout } from "./stdio.ts";

export interface RunCommandOptions extends GlobalOptions {
  input?: string;
  output?: string;
  progress?: string;
}

function parseInputArg(arg: string | undefined): unknown {
  if (arg === undefined) return {};
  let text = arg;
  let label = "--input";
  if (arg === "@-") {
    // As with curl's `-d @-`: the JSON comes on standard input (a pipe, a here-document).
    label = "--input @-";
    try {
      text = readFileSync(0, "utf8");
    } catch (error) {
      throw new ConfigError(`${label}: cannot read standard input: ${readProblem(error)}`);
    }
    if (text.trim() === "") throw new ConfigError(`${label}: standard input is empty; expected JSON`);
  } else if (arg.startsWith("@")) {
    const file = path.resolve(arg.slice(1));
    label = `--input ${arg}`;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(`${label}: cannot read ${file}: ${readProblem(error)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${label}: not valid JSON: ${(error as Error).message}`);
  }
}

/** "no such file" rather than "ENOENT". */
function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EISDIR: "it is a directory",
  };
  return (code && known[code]) ?? (error as Error).message;
}

/** `-o FILE` must be writable where it is: checked before the workflow runs. */
function checkOutputArg(file: string | undefined): void {
  if (file === undefined) return;
  const target = path.resolve(file);
  const dir = path.dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(`-o ${file}: the directory ${dir} does not exist`);
  }
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new ConfigError(`-o ${file}: ${target} is a directory`);
  }
}

function writeOutput(json: string, file: string | undefined): void {
  if (!file) {
    writeStdout(json);
    return;
  }
  // Written next to the target and renamed: no half-written file on failure.
  const target = path.resolve(file);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, json);
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new RunError(`-o ${file}: cannot write ${target}: ${readProblem(error)}`);
  }
}

/** Adds file:line:column to a ConfigError that only knows its key path (e.g. a log file). */
function withPosition<T>(project: Project, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ConfigError && !error.location && error.keyPath) {
      throw new ConfigError(error.reason, locatePath(project.written, error.keyPath), error.keyPath);
    }
    throw error;
  }
}

/** The two signals a run stops on; their numbers are the same on every POSIX system. */
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

export async function runCommand(
  workflowId: string | undefined,
  opts: RunCommandOptions,
  composition: Composition,
): Promise<number> {
  const verbose = Boolean(opts.verbose);
  let logger: import("../log.ts").Logger | undefined;
  let progress: import("./progress/mod.ts").Progress | undefined;
  // Ctrl+C or `kill`: the run is cancelled (its processes stopped) and the exit code is
  // the shell's 128 + signal number, so scripts and CI see an interruption, not a failure.
  let interrupted: keyof typeof SIGNAL_NUMBERS | undefined;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal as keyof typeof SIGNAL_NUMBERS;
    controller.abort();
  };
  try {
    const input = parseInputArg(opts.input);
    checkOutputArg(opts.output);
    // Only the workflow to run is built: a large file's other workflows cost nothing more.
    const project = await loadFromOptions(opts, composition, { id: workflowId });
    const { createLogger } = await import("../log.ts");
    const { secretValues } = await import("../compose/env.ts");
    logger = withPosition(project, () =>
      createLogger({
        loggers: project.loggers,
        defaultConsoleLevel: "warning",
        consoleLevelOverride: verbose ? "debug" : undefined,
        secrets: secretValues(project.env),
      }),
    );
    for (const w of project.warnings) logger.warn(w);
    const { prepareInput, runWorkflow, selectWorkflow } = await import("../workflow/run-workflow.ts");
    // Input the workflow's `input:` rejects is a usage error (exit 2), found before anything runs.
    const workflow = selectWorkflow(project, workflowId);
    try {
      prepareInput(workflow, input, project.env, { run_id: "", workflow_id: workflow.id, started_at: "" });
    } catch (error) {
      if (error instanceof RunError) throw new ConfigError(`--input: ${error.message}`);
      throw error;
    }
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const { chooseProgress, startProgress } = await import("./progress/mod.ts");
    progress = await startProgress(chooseProgress(opts.progress));
    const result = await runWorkflow(project, workflowId, input, {
      logger,
      signal: controller.signal,
      failureLogLevel: "info",
      onEvent: progress?.onEvent,
    });
    progress?.stop();
    progress = undefined;
    if (interrupted) throw new CancelledError();
    writeOutput(`${JSON.stringify(result.output ?? null, null, 2)}\n`, opts.output);
    logger.flush?.();
    return EXIT_OK;
  } catch (caught) {
    progress?.stop();
    const error = interrupted
      ? new CancelledError(`interrupted by ${interrupted}; the run was cancelled`)
      : caught;
    const message = describeError(error);
    writeStdout(`${JSON.stringify({ error: message }, null, 2)}\n`);
    for (const line of message.split("\n")) writeStderr(`error: ${line}\n`);
    if (verbose && error instanceof Error && error.stack) writeStderr(`${error.stack}\n`);
    logger?.flush?.();
    return interrupted ? 128 + SIGNAL_NUMBERS[interrupted] : exitCodeOf(error);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
