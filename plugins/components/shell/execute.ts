/**
 * Runs one process for the shell component: its output captured within budgets (and
 * streamed as it comes), its input written from `stdin:`, a timeout, cancellation, and
 * the end of every process it started (job-processes.ts) when it exits, times out or is
 * cancelled.
 */
import { type SpawnedProcess, spawn } from "../../../runtime/host/mod.ts";
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
  onOutput?: (stream: "stdout" | "stderr", chunk: Uint8Array) => void;
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
  const stdout = new Capture("stdout", o.maxStdout, "max_stdout_size");
  const stderr = new Capture("stderr", o.maxStderr, "max_stderr_size");
  const captures = { stdout, stderr };
  let child: SpawnedProcess;
  try {
    // A session and process group of its own, so a kill reaches every child it started.
    child = await spawn({
      argv: o.argv,
      cwd: o.cwd,
      env: { ...o.env, [JOB_TOKEN_VAR]: token },
      stdin: o.stdin,
      // The one place chunks arrive.
      onOutput: (stream, chunk) => {
        captures[stream].add(chunk);
        o.onOutput?.(stream, chunk);
      },
    });
  } catch (error) {
    throw new Error(`cannot start ${o.argv[0]}: ${startError(error as Error)}`);
  }
  const processes = new JobProcesses(child.pid, token, platform);
  let timedOut = false;
  const ended = new Promise<void>((resolve) => {
    const endAll = () => processes.end(o.graceMs).then(resolve);
    const timer =
      o.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            endAll();
          }, o.timeoutMs)
        : undefined;
    const onAbort = () => endAll();
    o.signal.addEventListener("abort", onAbort, { once: true });
    // Cancelled while the process was starting: the listener came too late to hear it.
    if (o.signal.aborted) endAll();
    // The command is over when it exits: what it left running ends with it.
    child.exited.then(() => {
      clearTimeout(timer);
      o.signal.removeEventListener("abort", onAbort);
      endAll();
    });
  });
  const [{ code, signal }] = await Promise.all([child.exited, child.closed, ended]);
  if (o.signal.aborted) throw o.signal.reason;
  return { stdout, stderr, exitCode: code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1), timedOut };
}

function startError(e: Error): string {
  if ((e as { code?: string }).code === "E2BIG") {
    return "its arguments and environment together are larger than the kernel allows (E2BIG); pass large data with stdin:";
  }
  return e.message;
}

/**
 * node:os is loaded only for a process that a signal ended: loading it costs a third of
 * a millisecond of every shell job's start.
 */
function signalNumber(sig: string): number | undefined {
  const { constants } = process.getBuiltinModule("node:os") as typeof import("node:os");
  return (constants.signals as Record<string, number | undefined>)[sig];
}
