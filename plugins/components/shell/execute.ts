/**
 * Runs one process for the shell component: its output captured within budgets (and
 * streamed as it comes), its input written from `stdin:`, a timeout, cancellation, and
 * the end of every process it started (job-processes.ts) when it exits, times out or is
 * cancelled.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { Capture } from "./capture.ts";
import { JOB_TOKEN_VAR, JobProcesses, newJobToken, preparePlatform } from "./job-processes.ts";

export interface ExecOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  timeoutMs?: number;
  /** Written to the process's standard input, which is then closed; without it, /dev/null. */
  stdin?: string;
  maxStdout: number;
  maxStderr: number;
  /** How long processes get after SIGTERM before SIGKILL. */
  graceMs: number;
  /** Each chunk as it comes, for the job's live log lines. */
  onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void;
}

export interface ExecResult {
  stdout: Capture;
  stderr: Capture;
  exitCode: number;
  timedOut: boolean;
}

export async function execute(o: ExecOptions): Promise<ExecResult> {
  if (o.signal.aborted) throw o.signal.reason;
  const platform = await preparePlatform();
  const token = newJobToken();
  return new Promise((resolve, reject) => {
    // A process group and session of its own, so a kill reaches every child it started.
    const child = spawn(o.argv[0], o.argv.slice(1), {
      cwd: o.cwd,
      env: { ...o.env, [JOB_TOKEN_VAR]: token },
      detached: true,
      stdio: [o.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const stdout = new Capture("stdout", o.maxStdout, "max_stdout_size");
    const stderr = new Capture("stderr", o.maxStderr, "max_stderr_size");
    // The one place chunks arrive.
    const onChunk = (capture: Capture) => (chunk: Buffer) => {
      capture.add(chunk);
      o.onOutput?.(capture.stream, chunk);
    };
    child.stdout?.on("data", onChunk(stdout));
    child.stderr?.on("data", onChunk(stderr));
    if (child.stdin) {
      // A command that does not read its input closes the pipe early: not an error.
      child.stdin.on("error", () => {});
      child.stdin.end(o.stdin);
    }
    const processes = child.pid === undefined ? undefined : new JobProcesses(child.pid, token, platform);
    let timedOut = false;
    let status: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let closed = false;
    let ended = false;
    const finish = () => {
      if (!status || !closed || !ended) return;
      clearTimeout(timer);
      o.signal.removeEventListener("abort", onAbort);
      if (o.signal.aborted) return reject(o.signal.reason);
      const { code, sig } = status;
      resolve({ stdout, stderr, exitCode: code ?? (sig ? 128 + (signalNumber(sig) ?? 0) : 1), timedOut });
    };
    const endAll = () => {
      processes?.end(o.graceMs).then(() => {
        ended = true;
        finish();
      });
    };
    const timer =
      o.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            endAll();
          }, o.timeoutMs)
        : undefined;
    const onAbort = () => endAll();
    o.signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (e) => {
      clearTimeout(timer);
      o.signal.removeEventListener("abort", onAbort);
      reject(new Error(`cannot start ${o.argv[0]}: ${startError(e)}`));
    });
    // The command is over when it exits: what it left running ends with it.
    child.on("exit", (code, sig) => {
      status = { code, sig };
      endAll();
      if (!processes) ended = true;
      finish();
    });
    child.on("close", () => {
      closed = true;
      finish();
    });
  });
}

function startError(e: Error): string {
  if ((e as { code?: string }).code === "E2BIG") {
    return "its arguments and environment together are larger than the kernel allows (E2BIG); pass large data with stdin:";
  }
  return e.message;
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[sig];
}
