/**
 * How the command line reports failures: one readable line per problem on stderr, an
 * exit code that says what kind of failure it was (1 run, 2 usage/configuration), and
 * a stack trace only with --verbose.
 */
import { CancelledError, ConfigError, ConfigErrors, RunError } from "../errors.ts";
import { writeStderr } from "./stdio.ts";

export const EXIT_OK = 0;
const EXIT_RUN_FAILED = 1;
export const EXIT_CONFIG = 2;

export function exitCodeOf(error: unknown): number {
  return error instanceof ConfigError || error instanceof ConfigErrors ? EXIT_CONFIG : EXIT_RUN_FAILED;
}

export function describeError(error: unknown): string {
  if (error instanceof ConfigErrors) return error.errors.map((e) => e.message).join("\n");
  if (error instanceof ConfigError || error instanceof RunError || error instanceof CancelledError)
    return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Prints the error on stderr (prefixed `error:`), and the stack with --verbose. */
export function reportError(error: unknown, verbose: boolean): number {
  const lines = describeError(error).split("\n");
  for (const line of lines) writeStderr(`error: ${line}\n`);
  if (verbose && error instanceof Error && error.stack) writeStderr(`${error.stack}\n`);
  return exitCodeOf(error);
}
