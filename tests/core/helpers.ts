/**
 * Shared by the core tests: temporary projects, running the real CLI as a child
 * process, and loading/running a compose text in-process.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadProject } from "../../mod.ts";
import type { Project } from "../../runtime/compose/model.ts";
import { type RunResult, runWorkflow } from "../../runtime/workflow/run-workflow.ts";
import { project, tempDir, writeFiles } from "../support/files.ts";
import { alive } from "../support/process.ts";

export const repoRoot = path.resolve(import.meta.dir, "../..");
export const cliPath = path.join(repoRoot, "cli.ts");

export { project, tempDir, writeFiles };

/** Resolves with the error `promise` rejects with; fails when it resolves. */
export async function runError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the run to fail");
}

/** Process env for children: the test's own, minus anything that could leak in. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Run `cli.ts` through its shebang instead of `bun --no-env-file cli.ts`. */
  viaShebang?: boolean;
  /** Text piped to the CLI's standard input (default: none, as from /dev/null). */
  stdin?: string;
}

/** The interpreter command of cli.ts's `#!` line (as the kernel would run it). */
function shebang(): string[] {
  const first = readFileSync(cliPath, "utf8").split("\n")[0];
  const [program, rest] = first.slice(2).trim().split(/ (.*)/s);
  // `env -S` splits the rest itself; a plain shebang passes it as one argument.
  return rest === undefined ? [program] : [program, rest];
}

/** Runs the CLI as a child process and collects everything it printed. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const cmd = options.viaShebang
    ? [...shebang(), cliPath, ...args]
    : ["bun", "--no-env-file", cliPath, ...args];
  const t0 = performance.now();
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? repoRoot,
    env: baseEnv(options.env),
    stdout: "pipe",
    stderr: "pipe",
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

/** The lines of stderr that start with `error:`. */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("error: "));
}

/** Loads the project in `dir` (its model-compose.yml) in-process. */
export function load(dir: string, options: Parameters<typeof loadProject>[0] = {}): Promise<Project> {
  return loadProject({ cwd: dir, processEnv: {}, ...options });
}

/** Loads `yaml` as a fresh project and runs its default (or named) workflow. */
export async function runYaml(
  yaml: string,
  input: unknown = {},
  options: { workflow?: string; signal?: AbortSignal; dir?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const dir = options.dir ?? project(yaml);
  if (options.dir) writeFiles(dir, { "model-compose.yml": yaml });
  const p = await load(dir, { processEnv: { PATH: process.env.PATH, ...options.env } });
  return runWorkflow(p, options.workflow, input, { signal: options.signal });
}

export { alive };

/** Polls `check` until it is true or `ms` passes; returns its last answer. */
export async function waitFor(check: () => boolean, ms = 5000, step = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await Bun.sleep(step);
  }
  return check();
}
