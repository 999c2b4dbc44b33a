/**
 * Shared by the Deno tests (`deno test -A tests/deno/`): registering tests, temporary
 * projects, running the CLI under Deno as a child process, and in-process runs.
 * Deno's global is reached through a small typed view so these files also pass `tsc`
 * with Bun's types; Bun's runner ignores this folder (bunfig.toml).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadProject, type RunResult, runWorkflow } from "model-compose";
import { project, removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { alive } from "../support/process.ts";

interface DenoTestDefinition {
  name: string;
  fn: () => Promise<void> | void;
  sanitizeOps?: boolean;
  sanitizeResources?: boolean;
}

interface DenoTesting {
  test(definition: DenoTestDefinition): void;
  execPath(): string;
}

function deno(): DenoTesting {
  const d = (globalThis as unknown as { Deno?: DenoTesting }).Deno;
  if (!d) throw new Error("tests/deno/ runs under Deno: deno test -A tests/deno/");
  return d;
}

/**
 * Registers a test with Deno.test. Temporary directories made during it are removed
 * afterwards. Child processes and servers outlive single awaits, so the op and
 * resource sanitizers are off; each test stops what it starts.
 */
export function test(name: string, fn: () => Promise<void> | void): void {
  deno().test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      try {
        await fn();
      } finally {
        removeTempDirs();
      }
    },
  });
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const cliPath = path.join(repoRoot, "cli.ts");

export { project, tempDir, writeFiles };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The argv that runs the CLI from source under Deno, as a user would (`deno task run`). */
export function denoCli(): string[] {
  return [deno().execPath(), "run", "-A", cliPath];
}

/** Runs `deno run -A cli.ts ARGS` and collects what it printed. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const [cmd, ...rest] = denoCli();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...rest, ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The lines of stderr that start with `error:`, colour codes removed. */
export function errorLines(stderr: string): string[] {
  return stripAnsi(stderr)
    .split("\n")
    .filter((l) => l.startsWith("error: "));
}

export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/** Loads `yaml` as a fresh project (process env: PATH only) and runs its default workflow. */
export async function runYaml(
  yaml: string,
  input: unknown = {},
  options: { signal?: AbortSignal; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const dir = project(yaml);
  const p = await loadProject({ cwd: dir, processEnv: { PATH: process.env.PATH, ...options.env } });
  return runWorkflow(p, undefined, input, { signal: options.signal });
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

export { alive };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true or `ms` passes; returns its last answer. */
export async function waitFor(check: () => boolean, ms = 5000, step = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(step);
  }
  return check();
}
